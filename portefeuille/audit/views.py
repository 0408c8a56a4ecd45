"""The firm's history (admins only): every audit event, newest first, keyset paged."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from portefeuille.firms.models import Colleague
from portefeuille.firms.views import admin_required

from .queries import readable_events
from .sentences import KINDS, action_choices, show_events

EVENTS_PER_PAGE = 50


@admin_required
def firm_history(request: HttpRequest, actor: Colleague) -> HttpResponse:
    events = readable_events(actor)
    client_raw = request.GET.get("client", "").strip()
    action = request.GET.get("action", "").strip()
    if client_raw.isdigit():
        events = events.filter(client_id=int(client_raw))
    elif client_raw:
        events = events.filter(client_name__icontains=client_raw)
    if action:
        events = events.filter(action=action)
    before_at: datetime | None = parse_datetime(request.GET.get("before_at", "") or "")
    before_id = request.GET.get("before", "")
    if before_at is not None and before_id.isdigit():
        events = events.filter(
            Q(created_at__lt=before_at) | Q(created_at=before_at, pk__lt=int(before_id))
        )
    rows = list(events.order_by("-created_at", "-id")[: EVENTS_PER_PAGE + 1])
    has_next = len(rows) > EVENTS_PER_PAGE
    rows = rows[:EVENTS_PER_PAGE]
    context = {
        "events": show_events(actor, rows),
        "client_filter": client_raw,
        "action": action,
        # Every kind of event, by its words: no scan of the history to list them.
        "actions": action_choices(KINDS),
        "next_cursor": (rows[-1].created_at.isoformat(), rows[-1].pk) if has_next else None,
        "is_continuation": bool(before_id),
    }
    return render(request, "audit/firm_history.html", context)
