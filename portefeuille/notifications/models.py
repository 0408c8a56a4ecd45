"""In-app notifications and each colleague's preferences (docs/notifications.md).

A notification stores facts only (its kind, the client's id, the actor, JSON parameters such
as ids and counts): the sentence is written when it is read, for its reader, at the reader's
level on the client at that moment (notifications/reading.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.models import FirmScoped


class Notification(FirmScoped):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("type"), max_length=60)
    # A deleted client takes its notifications with it: there is nothing left to open, and a
    # row naming a client that no longer exists would only be a leak waiting to happen.
    client = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200, blank=True)
    # The record it is about, when it has people of its own (an opportunity, a project):
    # such a notification is read while the reader sees that record, whatever their level
    # on its client (notifications/reading.py). Empty: about the client only.
    record_type = models.CharField(max_length=20, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Facts only (ids, counts, slot numbers): never a client's name or any other client text.
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_recent"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notif_recipient_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(FirmScoped):
    """One colleague's choice for one kind; without a row, both channels are on."""

    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("type"), max_length=60)
    in_app = models.BooleanField(_("dans l'application"), default=True)
    email = models.BooleanField(_("par e-mail"), default=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["colleague", "kind"], name="notif_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.colleague_id} {self.kind}"
