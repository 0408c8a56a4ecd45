"""The ownership history: spans of owner, manager, roles and members built from the history
events, to the second; a colleague's clients in a period; only clients the reader sees in
full. Events are given explicit moments (no sleeping, no clock)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.http import Http404
from django.test import Client

from portefeuille.access import ownership_history as history
from portefeuille.access import services
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, RoleSlot
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def stamp(client: Contact, action: str, moment: str) -> None:
    """Moves the client's latest event of `action` to `moment`."""
    event = AuditEvent.objects.filter(client=client, action=action).order_by("-id").first()
    assert event is not None
    event.created_at = at(moment)
    event.save(update_fields=["created_at"])


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def people(firm: Firm) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key, first in (("anne", "Anne"), ("bruno", "Bruno"), ("chloe", "Chloé")):
        colleague = ColleagueFactory.create(firm=firm, first_name=first, last_name="Durand")
        made[key] = colleague
        made[f"{key}_entry"] = OwnerEntryFactory.create(firm=firm, colleague=colleague)
    return made


@pytest.fixture
def owned_twice(admin: Colleague, people: dict[str, Any]) -> Contact:
    """Created 2025-01-01 without owner; Anne from 2025-03-10 10:00:00, Bruno from
    2025-08-15 09:30:15, Chloé from 2025-11-02 08:00:00; Bruno manager from 2025-05-01."""
    client = ClientFactory.create(firm=admin.firm, display_name="Boulangerie Dupain")
    client.created_at = at("2025-01-01T00:00:00")
    client.save(update_fields=["created_at"])
    for key, moment in (
        ("anne", "2025-03-10T10:00:00"),
        ("bruno", "2025-08-15T09:30:15"),
        ("chloe", "2025-11-02T08:00:00"),
    ):
        services.set_owner(actor=admin, client=client, owner=people[f"{key}_entry"])
        stamp(client, "client.owner_changed", moment)
    services.set_manager(actor=admin, client=client, manager=people["bruno"])
    stamp(client, "client.manager_changed", "2025-05-01T00:00:00")
    return client


def owners(spans: list[history.Span]) -> list[tuple[str, str, str | None]]:
    return [
        (s.holder.name, s.start.isoformat(), s.end.isoformat() if s.end else None)
        for s in spans
        if s.role == history.OWNER
    ]


def test_a_client_whose_owner_changed_twice_has_three_owner_spans(
    admin: Colleague, owned_twice: Contact
) -> None:
    assert owners(history.client_spans(admin, owned_twice)) == [
        ("Anne Durand", "2025-03-10T10:00:00+00:00", "2025-08-15T09:30:15+00:00"),
        ("Bruno Durand", "2025-08-15T09:30:15+00:00", "2025-11-02T08:00:00+00:00"),
        ("Chloé Durand", "2025-11-02T08:00:00+00:00", None),
    ]


def test_holders_on_a_moment_are_exact_to_the_second(
    admin: Colleague, owned_twice: Contact
) -> None:
    def owner_at(moment: str) -> str | None:
        found = history.holders_on(admin, owned_twice, at(moment)).owner
        return found.name if found else None

    assert owner_at("2025-02-01T00:00:00") is None
    assert owner_at("2025-08-15T09:30:14") == "Anne Durand"
    assert owner_at("2025-08-15T09:30:15") == "Bruno Durand"
    team = history.holders_on(admin, owned_twice, at("2025-12-01T00:00:00"))
    assert team.owner is not None
    assert team.owner.name == "Chloé Durand"
    assert team.manager is not None
    assert team.manager.name == "Bruno Durand"


def test_clients_owned_during_a_quarter(
    admin: Colleague, people: dict[str, Any], owned_twice: Contact
) -> None:
    other = ClientFactory.create(firm=admin.firm, display_name="Atelier Martin")
    services.set_owner(actor=admin, client=other, owner=people["anne_entry"])
    stamp(other, "client.owner_changed", "2025-10-01T00:00:00")  # Q4: outside Q3
    start, end = at("2025-07-01T00:00:00"), at("2025-10-01T00:00:00")

    def owned(key: str) -> list[str]:
        found = history.held_by(
            admin, colleague=people[key], role=history.OWNER, start=start, end=end
        )
        return [held.client.display_name for held in found]

    assert owned("anne") == ["Boulangerie Dupain"]
    assert owned("bruno") == ["Boulangerie Dupain"]
    assert owned("chloe") == []
    # The same through the roster entry.
    by_entry = history.held_by(admin, owner=people["bruno_entry"].pk, start=start, end=end)
    assert [h.span.start for h in by_entry] == [at("2025-08-15T09:30:15")]


def test_a_colleagues_period_lists_every_place_they_held(
    admin: Colleague, people: dict[str, Any], owned_twice: Contact
) -> None:
    slot = RoleSlot.objects.filter(firm=admin.firm).order_by("number").first()
    assert slot is not None
    slot.title = "Associé"
    slot.save(update_fields=["title"])
    services.set_role_holder(
        actor=admin, client=owned_twice, slot=slot.number, colleague=people["bruno"]
    )
    stamp(owned_twice, "client.role_changed", "2025-06-01T12:00:00")
    found = history.held_by(
        admin, colleague=people["bruno"], start=at("2025-01-01T00:00:00"), end=None
    )
    assert [(h.span.role, h.span.title, h.span.start.date().isoformat()) for h in found] == [
        ("owner", "", "2025-08-15"),
        ("manager", "", "2025-05-01"),
        ("role", "Associé", "2025-06-01"),
    ]
    before = history.held_by(
        admin, colleague=people["bruno"], start=None, end=at("2025-05-01T00:00:00")
    )
    assert before == []


def test_a_client_hidden_from_the_reader_is_absent(
    admin: Colleague, people: dict[str, Any], owned_twice: Contact
) -> None:
    owned_twice.privacy = Privacy.HIDDEN
    owned_twice.save(update_fields=["privacy"])
    outsider = ColleagueFactory.create(firm=admin.firm)
    assert history.held_by(outsider, colleague=people["anne"]) == []
    with pytest.raises(Http404):
        history.client_spans(outsider, owned_twice)
    # Anne, who once owned it, no longer sees it either: its history is gone for her.
    assert history.held_by(people["anne"], colleague=people["anne"]) == []
    # Chloé, the owner now, reads its whole history.
    assert len(owners(history.client_spans(people["chloe"], owned_twice))) == 3


def test_a_holder_set_before_any_event_holds_from_the_clients_creation(admin: Colleague) -> None:
    manager = ColleagueFactory.create(firm=admin.firm, first_name="Marc", last_name="Ancien")
    client = ClientFactory.create(firm=admin.firm, manager=manager)
    client.created_at = at("2024-02-01T08:00:00")
    client.save(update_fields=["created_at"])
    (span,) = history.client_spans(admin, client)
    assert (span.role, span.holder.name, span.start, span.end, span.inferred) == (
        "manager",
        "Marc Ancien",
        at("2024-02-01T08:00:00"),
        None,
        True,
    )


def test_the_api_answers_the_history_and_the_period(
    admin: Colleague, people: dict[str, Any], owned_twice: Contact
) -> None:
    http = Client()
    http.force_login(admin)
    answer = http.get(
        f"/api/v1/contacts/{owned_twice.pk}/ownership-history",
        {"at": "2025-09-01T00:00:00+00:00"},
    ).json()
    assert [s["holder"]["name"] for s in answer["spans"] if s["role"] == "owner"] == [
        "Anne Durand",
        "Bruno Durand",
        "Chloé Durand",
    ]
    assert answer["team_at"]["owner"]["name"] == "Bruno Durand"
    held = http.get(
        "/api/v1/ownership/held",
        {
            "colleague_id": people["anne"].pk,
            "role": "owner",
            "start": "2025-07-01",
            "end": "2025-09-30",
        },
    )
    assert held.status_code == 200
    assert [item["client"]["display_name"] for item in held.json()["items"]] == [
        "Boulangerie Dupain"
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-10-01", "end": "2025-07-01"},
        {"start": "2025-13-01"},
        {},
        {"owner_id": "1"},
    ],
)
def test_the_api_refuses_a_bad_period_or_holder(
    admin: Colleague, people: dict[str, Any], params: dict[str, str]
) -> None:
    http = Client()
    http.force_login(admin)
    query = {"colleague_id": str(people["anne"].pk), **params}
    if "owner_id" in params:  # both a colleague and an owner
        query["owner_id"] = str(people["anne_entry"].pk)
    if params == {}:
        query = {}
    response = http.get("/api/v1/ownership/held", query)
    assert response.status_code == 422


def test_the_api_history_of_a_hidden_client_is_a_404(firm: Firm, owned_twice: Contact) -> None:
    owned_twice.privacy = Privacy.HIDDEN
    owned_twice.save(update_fields=["privacy"])
    http = Client()
    http.force_login(ColleagueFactory.create(firm=firm))
    assert http.get(f"/api/v1/contacts/{owned_twice.pk}/ownership-history").status_code == 404
    other = FirmFactory.create()
    http.force_login(AdminFactory.create(firm=other))
    assert http.get(f"/api/v1/contacts/{owned_twice.pk}/ownership-history").status_code == 404


def test_the_team_tab_lists_the_spans_per_role(admin: Colleague, owned_twice: Contact) -> None:
    http = Client()
    http.force_login(admin)
    html = http.get(f"/contacts/{owned_twice.pk}/team/").content.decode()
    assert "Historique des responsabilités" in html
    section = html[html.index("Historique des responsabilités") :]
    assert section.index("Anne Durand") < section.index("Chloé Durand")
