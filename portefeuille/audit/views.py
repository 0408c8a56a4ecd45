"""The firm's history (admins only): every audit event, newest first, keyset paged with the
one paginator of pages and API (api/pagination.py); a garbled cursor shows the first page."""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from portefeuille.api import pagination
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import admin_required

from .queries import readable_events
from .sentences import KINDS, action_choices, show_events

EVENTS_PER_PAGE = 50
EVENTS_ORDER = ("-created_at", "-id")


@admin_required
def firm_history(request: HttpRequest, actor: Colleague) -> HttpResponse:
    events = readable_events(actor)
    client_raw = request.GET.get("client", "").strip()
    action = request.GET.get("action", "").strip()
    if client_raw.isascii() and client_raw.isdigit() and len(client_raw) <= 18:
        events = events.filter(client_id=int(client_raw))
    elif client_raw:
        events = events.filter(client_name__icontains=client_raw)
    if action:
        events = events.filter(action=action)
    page = partial(
        pagination.keyset_page,
        events,
        order=EVENTS_ORDER,
        limit=EVENTS_PER_PAGE,
        show=lambda rows: show_events(actor, rows),
    )
    cursor = request.GET.get("cursor", "")
    try:
        shown, next_cursor = page(cursor=cursor)
    except pagination.InvalidCursor:
        cursor = ""
        shown, next_cursor = page()  # a garbled cursor starts from the top
    filters = {key: value for key, value in (("client", client_raw), ("action", action)) if value}
    context = {
        "events": shown,
        "client_filter": client_raw,
        "action": action,
        # Every kind of event, by its words: no scan of the history to list them.
        "actions": action_choices(KINDS),
        "next_cursor": next_cursor,
        "more_url": f"?{urlencode({**filters, 'cursor': next_cursor})}" if next_cursor else None,
        "first_url": f"?{urlencode(filters)}",
        "is_continuation": bool(cursor),
    }
    return render(request, "audit/firm_history.html", context)
