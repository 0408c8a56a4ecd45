"""The audit trail: who changed what on a client or in the firm, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.access.scopes import ClientRecordQuerySet
from portefeuille.firms.models import FirmScoped


class AuditEvent(FirmScoped):
    """A fact of the history: who did what, when, on which client, with its structured
    parameters. The sentence is written at read time (audit/sentences/)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200, blank=True)
    # No database constraint: the event outlives a hard-deleted client, and keeps its id.
    client = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    client_name = models.CharField(max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=60)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    # `AuditEvent.objects.visible_to(colleague)`: the events of clients seen in full.
    objects = ClientRecordQuerySet["AuditEvent"].as_manager()

    class Meta:
        verbose_name = _("événement d'historique")
        verbose_name_plural = _("historique")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "-created_at"], name="audit_firm_recent"),
            models.Index(fields=["client", "-created_at"], name="audit_client_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.client_name}".strip()
