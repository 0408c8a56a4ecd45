"""API of the audit trail: /audit-events.

Admins read every event of their firm. Other colleagues read only the events of clients
they see in full (through access/rules.py), and no firm-wide event.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from portefeuille.access import rules
from portefeuille.api.auth import api_colleague
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.firms.models import Colleague

from .models import AuditEvent
from .schemas import AuditEventOut

router = Router(tags=["audit"])


class AuditFilters(Schema):
    client: int | None = Field(None, description="Only the events of this client id.")


def readable_events(actor: Colleague) -> QuerySet[AuditEvent]:
    """SECURITY: the events the caller may read, scoped to their firm."""
    events = AuditEvent.objects.filter(firm_id=actor.firm_id)
    if not actor.is_active:
        return events.none()
    if actor.is_admin:
        return events
    return rules.visible(actor, events, client_field="client")


@router.get("", response=Page[AuditEventOut], summary="List history events, newest first")
def list_events(
    request: HttpRequest, page: Query[PageQuery], filters: Query[AuditFilters]
) -> dict[str, Any]:
    """Admins: the whole firm's history. Others: the history of the clients they see in
    full; an unknown or hidden client simply gives an empty list."""
    events = readable_events(api_colleague(request))
    if filters.client is not None:
        events = events.filter(client_id=filters.client)
    return paginate(events, page, order=("-created_at", "-id"))
