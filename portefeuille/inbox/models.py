"""The shared inbox: tickets and their messages (docs/inbox.md).

A ticket is read through its door (`Ticket.objects.visible_to`, access/scopes.py): in full by
whoever sees its client in full and by its assignee; a ticket whose client is not known yet
(no contact of the firm has the sender's address) by every active colleague of the firm
with full scope. Its messages follow it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.access.scopes import TicketMessageQuerySet, TicketQuerySet
from portefeuille.firms.models import Colleague, FirmScoped


class Ticket(FirmScoped):
    class Status(models.TextChoices):
        OPEN = "open", _("Ouvert")
        CLOSED = "closed", _("Fermé")

    subject = models.CharField(_("objet"), max_length=300)
    # Matched from the sender's address when a contact of the firm has it; a deleted client
    # takes its tickets with it (a ticket left without its client would become everyone's).
    client = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        Colleague,
        verbose_name=_("affecté à"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    # Who wrote in: where replies go.
    requester_email = models.EmailField(_("e-mail du demandeur"), max_length=254)
    requester_name = models.CharField(_("nom du demandeur"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The first reply sent to the requester (statistics: time to first response).
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TicketQuerySet["Ticket"].as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "status", "-updated_at"], name="ticket_firm_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["client"], name="ticket_client"),
        ]

    def __str__(self) -> str:
        return self.subject


class TicketMessage(FirmScoped):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("E-mail reçu")
        REPLY = "reply", _("Réponse")
        NOTE = "note", _("Note interne")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    # The colleague who wrote a reply or a note (None: an inbound e-mail).
    author = models.ForeignKey(
        Colleague, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_addresses = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(_("message"))
    # The e-mail's Message-ID: an inbound one read twice (a mailbox read again after a
    # failure) is stored once; a reply's own id threads the client's answer to its ticket.
    message_id = models.CharField(max_length=300, blank=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TicketMessageQuerySet["TicketMessage"].as_manager()

    class Meta:
        verbose_name = _("message de ticket")
        verbose_name_plural = _("messages de ticket")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_ticket")]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "message_id"],
                condition=~models.Q(message_id=""),
                name="ticket_message_id_once_in_firm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id}"


class InboundFailure(FirmScoped):
    """An inbound e-mail that could not be read as a ticket message (malformed): kept, raw,
    so that nothing is lost, and shown to admins on the inbox page."""

    source = models.CharField(max_length=20)
    reason = models.CharField(max_length=300)
    raw = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
