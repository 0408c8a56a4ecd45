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
            params = {"cursor": cursor}
    finally:
        views.EVENTS_PER_PAGE = original
    expected = list(
        AuditEvent.objects.filter(firm=admin.firm)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == len(created)


def test_history_next_link_keeps_the_filters_and_a_garbled_cursor_shows_the_first_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portefeuille.audit import views

    monkeypatch.setattr(views, "EVENTS_PER_PAGE", 2)
    admin = AdminFactory.create()
    newest_first = [event(admin, "client.manager", minutes) for minutes in range(5)]
    event(admin, "client.privacy", 0)
    browser = browse(admin)
    first = browser.get(reverse("audit:firm_history"), {"action": "client.manager"})
    assert [e.pk for e in first.context["events"]] == [e.pk for e in newest_first[:2]]
    assert first.context["is_continuation"] is False
    more_url = first.context["more_url"]
    assert "action=client.manager" in more_url
    assert more_url in first.content.decode().replace("&amp;", "&")
    second = browser.get(reverse("audit:firm_history") + more_url)
    assert [e.pk for e in second.context["events"]] == [e.pk for e in newest_first[2:4]]
    assert second.context["is_continuation"] is True
    # Not base64, too few values, no values, values of the wrong types.
    for garbled in ("not-a-cursor", "WyJ4Il0", "W10", "WyJ4IiwxXQ"):
        answer = browser.get(
            reverse("audit:firm_history"), {"action": "client.manager", "cursor": garbled}
        )
        assert answer.status_code == 200
        assert [e.pk for e in answer.context["events"]] == [e.pk for e in newest_first[:2]]
        assert answer.context["is_continuation"] is False
