"""API of the audit trail: /audit-events.

Admins read every event of their firm. Other colleagues read only the events of clients
they see in full (through access/rules.py), and no firm-wide event.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from portefeuille.api.auth import api_colleague
from portefeuille.api.pagination import Page, PageQuery, paginate

from .queries import readable_events
from .schemas import AuditEventOut
from .sentences import show_events

router = Router(tags=["audit"])


class AuditFilters(Schema):
    client: int | None = Field(None, description="Only the events of this client id.")


@router.get("", response=Page[AuditEventOut], summary="List history events, newest first")
def list_events(
    request: HttpRequest, page: Query[PageQuery], filters: Query[AuditFilters]
) -> dict[str, Any]:
    """Admins: the whole firm's history. Others: the history of the clients they see in
    full; an unknown or hidden client simply gives an empty list. Each event is written
    for the caller (language, and what it says of other contacts)."""
    reader = api_colleague(request)
    events = readable_events(reader)
    if filters.client is not None:
        events = events.filter(client_id=filters.client)
    # An event only about a contact the caller may not see is left out: pages are filled
    # with the events shown, and the cursor is the last one shown.
    return paginate(
        events, page, order=("-created_at", "-id"), show=lambda rows: show_events(reader, rows)
    )
