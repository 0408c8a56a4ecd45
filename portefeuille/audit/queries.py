"""The history events a colleague may read: the one read of AuditEvent for lists."""

from __future__ import annotations

from django.db.models import QuerySet

from portefeuille.access.rules import Level
from portefeuille.firms.models import Colleague

from .models import AuditEvent


def readable_events(actor: Colleague) -> QuerySet[AuditEvent]:
    """SECURITY: the events the caller may read, scoped to their firm: an admin reads them
    all (the firm's own events too), anyone else those of the clients they see in full
    (`AuditEvent.objects.visible_to`)."""
    if not actor.is_active:
        return AuditEvent.objects.none()
    if actor.is_admin:
        return AuditEvent.objects.filter(firm_id=actor.firm_id)
    return AuditEvent.objects.visible_to(actor, Level.FULL)
