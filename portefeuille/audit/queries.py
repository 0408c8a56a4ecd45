"""The history events a colleague may read: the one read of AuditEvent for lists."""

from __future__ import annotations

from django.db.models import QuerySet

from portefeuille.access import rules
from portefeuille.firms.models import Colleague

from .models import AuditEvent


def readable_events(actor: Colleague) -> QuerySet[AuditEvent]:
    """SECURITY: the events the caller may read, scoped to their firm."""
    events = AuditEvent.objects.filter(firm_id=actor.firm_id)
    if not actor.is_active:
        return events.none()
    if actor.is_admin:
        return events
    return rules.visible(actor, events, client_field="client")
