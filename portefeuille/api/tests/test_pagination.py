"""Keyset pagination: limit + opaque cursor, {items, next_cursor}, on the colleagues list."""

import base64
import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portefeuille.api.pagination import (
    InvalidCursor,
    PageQuery,
    decode_cursor,
    encode_cursor,
    paginate,
)
from portefeuille.api.testing import assert_problem
from portefeuille.audit.models import AuditEvent
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ColleagueFactory, FirmFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm_of_seven(client: Client) -> list[Colleague]:
    firm = FirmFactory.create()
    # Ties on the sort keys (same last and first names) must neither repeat nor skip rows.
    names = [("Martin", "Léa")] * 3 + [("Bernard", "Paul"), ("Petit", "Zoé")] * 2
    colleagues = [
        ColleagueFactory.create(firm=firm, last_name=last, first_name=first)
        for last, first in names
    ]
    client.force_login(colleagues[0])
    return colleagues


def walk(client: Client, url: str) -> tuple[list[dict[str, Any]], int]:
    items, pages, cursor = [], 0, None
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_pages_cover_every_row_once_in_name_order(
    client: Client, firm_of_seven: list[Colleague]
) -> None:
    items, pages = walk(client, "/api/v1/colleagues?limit=2")

    assert pages == 4
    expected = sorted(firm_of_seven, key=lambda c: (c.last_name, c.first_name, c.pk))
    assert [item["id"] for item in items] == [c.pk for c in expected]


def test_last_page_has_no_next_cursor(client: Client, firm_of_seven: list[Colleague]) -> None:
    body = client.get("/api/v1/colleagues?limit=7").json()

    assert len(body["items"]) == 7
    assert body["next_cursor"] is None


def test_default_page_is_fifty_items(client: Client) -> None:
    firm = FirmFactory.create()
    Colleague.objects.bulk_create(
        Colleague(firm=firm, email=f"c{i}@example.com", last_name=f"N{i:03}") for i in range(51)
    )
    client.force_login(Colleague.objects.filter(firm=firm).earliest("pk"))

    body = client.get("/api/v1/colleagues").json()

    assert len(body["items"]) == 50
    assert body["next_cursor"]


def test_a_page_costs_the_same_queries_however_deep(
    client: Client, firm_of_seven: list[Colleague]
) -> None:
    first = client.get("/api/v1/colleagues?limit=2").json()
    with CaptureQueriesContext(connection) as on_first_page:
        client.get("/api/v1/colleagues?limit=2")
    with CaptureQueriesContext(connection) as on_next_page:
        client.get(f"/api/v1/colleagues?limit=2&cursor={first['next_cursor']}")

    assert len(on_next_page) == len(on_first_page)


def test_limit_above_two_hundred_is_refused(client: Client, firm_of_seven: list[Colleague]) -> None:
    body = assert_problem(client.get("/api/v1/colleagues?limit=201"), 422)

    assert body["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        encode_cursor(["Martin", "Léa"]),  # one key short
        encode_cursor(["Martin", "Léa", "not-an-id"]),
        encode_cursor(["Martin", "Léa", 2**70]),
        encode_cursor([{"x": 1}, "Léa", 3]),
    ],
)
def test_a_broken_or_forged_cursor_is_a_422_on_cursor(
    client: Client, firm_of_seven: list[Colleague], cursor: str
) -> None:
    body = assert_problem(client.get(f"/api/v1/colleagues?cursor={cursor}"), 422)

    assert body["errors"][0]["loc"] == ["query", "cursor"]


def test_cursor_round_trips_its_sort_values() -> None:
    values = ["Dupont", "Jean", 42]

    assert decode_cursor(encode_cursor(values), 3) == values
    assert json.loads(base64.urlsafe_b64decode(encode_cursor(values) + "==")) == values


def test_a_moment_in_a_cursor_keeps_its_microseconds() -> None:
    moment = datetime.datetime(2025, 10, 14, 9, 30, 0, 123456, tzinfo=datetime.UTC)

    assert decode_cursor(encode_cursor([moment, 7]), (datetime.datetime, int)) == [moment, 7]


@pytest.mark.parametrize(
    "values",
    [
        ["2025-10-14T09:30:00", 1],
        ["pas une date", 1],
        [3, 1],
        ["2025-10-14T09:30:00Z", "1"],
        # At the edge of the calendar: no UTC form, the database would fail on it.
        ["0001-01-01T00:00:00+05:00", 1],
        ["9999-12-31T23:59:59-05:00", 1],
    ],
)
def test_a_cursor_of_the_wrong_types_is_refused(values: list[object]) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(values), (datetime.datetime, int))


def test_paging_on_moments_within_one_millisecond_walks_every_row_once() -> None:
    firm = FirmFactory.create()
    start = timezone.now().replace(microsecond=500_000)
    events = [AuditEvent.objects.create(firm=firm, action="x.y") for _ in range(4)]
    for offset, event in enumerate(events):
        # Four moments inside the same millisecond, which a millisecond cursor merges.
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=start + datetime.timedelta(microseconds=100 * offset)
        )
    seen: list[int] = []
    page = PageQuery(limit=1, cursor=None)
    while True:
        body = paginate(AuditEvent.objects.filter(firm=firm), page, order=("-created_at", "-id"))
        seen += [event.pk for event in body["items"]]
        if body["next_cursor"] is None:
            break
        page = PageQuery(limit=1, cursor=body["next_cursor"])

    assert seen == [event.pk for event in reversed(events)]
