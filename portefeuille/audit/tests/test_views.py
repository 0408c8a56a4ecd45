"""The firm's history page: admins only, this firm's events only, newest first, paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portefeuille.audit.models import AuditEvent
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory

pytestmark = pytest.mark.django_db


def browse(colleague: Colleague) -> Client:
    client = Client()
    client.force_login(colleague)
    return client


def event(admin: Colleague, action: str, minutes_ago: int, **extra: object) -> AuditEvent:
    return AuditEvent.objects.create(
        firm=admin.firm,
        actor=admin,
        actor_name=admin.full_name,
        action=action,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **extra,
    )


def test_history_is_403_for_staff() -> None:
    staff = ColleagueFactory.create()
    assert browse(staff).get(reverse("audit:firm_history")).status_code == 403


def test_history_shows_this_firms_events_newest_first_and_filters() -> None:
    admin = AdminFactory.create()
    other_admin = AdminFactory.create()
    client = ClientFactory.create(firm=admin.firm, display_name="Filtré SA")
    old = event(admin, "client.privacy", 30, client=client, client_name="Filtré SA")
    new = event(admin, "client.manager", 5)
    event(other_admin, "client.manager", 1)
    browser = browse(admin)
    events = browser.get(reverse("audit:firm_history")).context["events"]
    assert [e.pk for e in events] == [new.pk, old.pk]
    by_client = browser.get(reverse("audit:firm_history"), {"client": client.pk})
    assert [e.pk for e in by_client.context["events"]] == [old.pk]
    by_action = browser.get(reverse("audit:firm_history"), {"action": "client.manager"})
    assert [e.pk for e in by_action.context["events"]] == [new.pk]


def test_history_keyset_paging_visits_every_event_once(settings: object) -> None:
    from portefeuille.audit import views

    admin = AdminFactory.create()
    same_time = timezone.now() - timedelta(minutes=3)
    created = [event(admin, "x", minutes) for minutes in range(7)]
    created += [
        AuditEvent.objects.create(firm=admin.firm, action="y", created_at=same_time)
        for _ in range(3)
    ]
    original = views.EVENTS_PER_PAGE
    views.EVENTS_PER_PAGE = 3
    try:
        browser = browse(admin)
        seen: list[int] = []
        params: dict[str, str] = {}
        for _ in range(10):
            response = browser.get(reverse("audit:firm_history"), params)
            seen += [e.pk for e in response.context["events"]]
            cursor = response.context["next_cursor"]
            if cursor is None:
                break
            params = {"before_at": cursor[0], "before": str(cursor[1])}
    finally:
        views.EVENTS_PER_PAGE = original
    expected = list(
        AuditEvent.objects.filter(firm=admin.firm)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == len(created)
