"""A page or an answer about one client reads the client's row once, through the access door
(`rules.get_client(..., queryset=...)`, docs/access-rules.md), with what it shows joined in:
no second, unscoped read of the row, no lazy read of its type, owner or portfolio."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portefeuille.api.testing import token_headers
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, ContactType, Privacy
from portefeuille.testing.factories import (
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    PersonFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db

FRAME_TABLES = ("firms_contacttype", "access_ownerentry", "access_portfolio")


@pytest.fixture
def manager() -> Colleague:
    return ColleagueFactory.create(firm=FirmFactory.create(ownership_enabled=True))


@pytest.fixture
def client_row(manager: Colleague) -> Contact:
    """A hidden client (so only its team sees it) with every link the page frame shows."""
    firm = manager.firm
    return PersonFactory.create(
        firm=firm,
        privacy=Privacy.HIDDEN,
        contact_type=ContactType.objects.create(firm=firm, name="Client suivi", position=99),
        owner=OwnerEntryFactory.create(firm=firm, colleague=manager),
        manager=manager,
        portfolio=PortfolioFactory.create(firm=firm),
    )


def _outermost(sql: str) -> str:
    """The statement without its parenthesised parts (subqueries, lists)."""
    depth, kept = 0, []
    for char in sql:
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")"
    return "".join(kept)


def client_reads(queries: list[dict[str, Any]]) -> list[str]:
    """The statements that read the client table itself (not a subquery of another read)."""
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT")
        and 'FROM "contacts_contact"' in _outermost(query["sql"])
    ]


def after_the_change(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statements after the last write of the request (the answer's reads)."""
    writes = [i for i, q in enumerate(queries) if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert writes, "the change wrote nothing"
    return queries[writes[-1] + 1 :]


def lazy_link_reads(queries: list[dict[str, Any]]) -> list[str]:
    """Statements that fetch one of the frame's links by its id, after the row was read."""
    return [
        query["sql"]
        for query in queries
        for table in FRAME_TABLES
        if query["sql"].startswith(f'SELECT "{table}"')
        and f'WHERE "{table}"."id" = ' in query["sql"]
    ]


@pytest.mark.parametrize(
    ("page", "reads"),
    [
        ("contacts:detail", 1),
        ("contacts:timeline", 1),
        ("contacts:documents", 1),
        ("contact_work", 1),
        # load_contact, and rules.explain's own narrow read for "who sees it and why".
        ("contacts:team", 2),
    ],
)
def test_every_tab_of_the_contact_page_reads_the_client_once_with_its_frame(
    page: str, reads: int, manager: Colleague, client_row: Contact
) -> None:
    browser = Client()
    browser.force_login(manager)
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(reverse(page, args=[client_row.pk]))
    assert response.status_code == 200
    assert "Client suivi" in response.content.decode()  # the frame's type badge
    assert len(client_reads(captured.captured_queries)) == reads
    assert lazy_link_reads(captured.captured_queries) == []


def test_a_team_change_on_the_web_answers_from_one_read_through_the_door(
    manager: Colleague, client_row: Contact
) -> None:
    browser = Client()
    browser.force_login(manager)
    url = reverse("contacts:team_change", args=[client_row.pk, "privacy"])
    with CaptureQueriesContext(connection) as captured:
        response = browser.post(url, {"privacy": Privacy.PRIVATE}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Contact.objects.get(pk=client_row.pk).privacy == Privacy.PRIVATE
    answer = after_the_change(captured.captured_queries)
    # load_contact again (the change may have taken the actor's access away), then
    # rules.explain's own read.
    assert len(client_reads(answer)) == 2
    assert lazy_link_reads(answer) == []


def test_the_api_answers_a_client_from_one_read(manager: Colleague, client_row: Contact) -> None:
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(f"/api/v1/contacts/{client_row.pk}", headers=token_headers(manager))
    assert response.status_code == 200
    assert response.json()["contact_type"]["name"] == "Client suivi"
    assert len(client_reads(captured.captured_queries)) == 1
    assert lazy_link_reads(captured.captured_queries) == []


def test_the_api_team_change_answers_from_one_read_through_the_door(
    manager: Colleague, client_row: Contact
) -> None:
    other = ColleagueFactory.create(firm=manager.firm)
    url = f"/api/v1/contacts/{client_row.pk}/team"
    with CaptureQueriesContext(connection) as captured:
        response = Client().patch(
            url,
            {"add_members": {"colleague_ids": [other.pk], "team_ids": []}},
            content_type="application/json",
            headers=token_headers(manager),
        )
    assert response.status_code == 200, response.content
    assert [m["id"] for m in response.json()["member_colleagues"]] == [other.pk]
    answer = after_the_change(captured.captured_queries)
    assert len(client_reads(answer)) == 1
    assert lazy_link_reads(answer) == []


def test_a_team_change_that_takes_the_actors_access_away_answers_404(
    manager: Colleague, client_row: Contact
) -> None:
    # The manager hands the hidden client to someone else: they no longer see it.
    other = ColleagueFactory.create(firm=manager.firm)
    Contact.objects.filter(pk=client_row.pk).update(owner=None)
    response = Client().patch(
        f"/api/v1/contacts/{client_row.pk}/team",
        {"manager_id": other.pk},
        content_type="application/json",
        headers=token_headers(manager),
    )
    assert response.status_code == 404
    assert Contact.objects.get(pk=client_row.pk).manager_id == other.pk
