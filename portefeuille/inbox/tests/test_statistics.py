"""Statistics per assignee (docs/inbox.md, "Statistics") on a small known dataset: tickets
received in the range and still open, closed in the range, the median time to the first
response; only the tickets the viewer sees count; the page's table and chart, its range."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import Ticket
from portefeuille.inbox.queries import ticket_statistics
from portefeuille.testing.factories import ClientFactory, ColleagueFactory, EmailAddressFactory

from .conftest import browse, eml

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def at(day: int, hour: int = 9) -> datetime.datetime:
    """A moment of March 2026 in the site's time zone."""
    return datetime.datetime(2026, 3, day, hour, tzinfo=timezone.get_current_timezone())


def ticket(
    firm: Firm,
    n: int,
    assignee: Colleague | None,
    created: datetime.datetime,
    *,
    answered_after: datetime.timedelta | None = None,
    closed: datetime.datetime | None = None,
    sender: str = "",
) -> Ticket:
    message = services.receive_email(
        firm=firm, raw=eml(sender or f"c{n}@y.example", f"Demande {n}", "?", f"<s{n}@y>")
    )
    assert message is not None
    Ticket.objects.filter(pk=message.ticket_id).update(
        assignee=assignee,
        created_at=created,
        first_response_at=created + answered_after if answered_after is not None else None,
        status="closed" if closed else "open",
        closed_at=closed,
    )
    return Ticket.objects.get(pk=message.ticket_id)


@pytest.fixture
def dataset(firm: Firm, admin: Colleague, agent: Colleague) -> dict[str, Colleague]:
    """In March 10-20: the agent receives 3 (answered after 1 h, 2 h and 6 h; one closed
    in the range, one still open, one closed after the range), and closes one received
    before the range; Olga receives 2 (answered after 30 min; one never); 1 goes to no
    one. Outside the range: 1 received on March 25 (answered, closed at once)."""
    olga = ColleagueFactory.create(firm=firm, first_name="Olga", last_name="Autre")
    ticket(firm, 1, agent, at(10), answered_after=1 * HOUR, closed=at(12))
    ticket(firm, 2, agent, at(11), answered_after=2 * HOUR)
    ticket(firm, 3, agent, at(15), answered_after=6 * HOUR, closed=at(25))
    ticket(firm, 4, agent, at(1), answered_after=HOUR, closed=at(18))
    ticket(firm, 5, olga, at(12), answered_after=HOUR / 2)
    ticket(firm, 6, olga, at(20, 23))
    ticket(firm, 7, None, at(19))
    ticket(firm, 8, agent, at(25), answered_after=HOUR, closed=at(25, 11))
    return {"agent": agent, "olga": olga}


def test_the_counts_and_the_median_per_assignee(
    dataset: dict[str, Colleague], admin: Colleague
) -> None:
    stats = ticket_statistics(admin, datetime.date(2026, 3, 10), datetime.date(2026, 3, 20))

    by_name = {(row.colleague.first_name if row.colleague else None): row for row in stats.rows}
    agent, olga, nobody = by_name["Bea"], by_name["Olga"], by_name[None]
    assert (agent.received, agent.still_open, agent.closed, agent.answered) == (3, 1, 2, 3)
    assert agent.median_first_response == 2 * HOUR
    assert (olga.received, olga.still_open, olga.closed, olga.answered) == (2, 2, 0, 1)
    assert olga.median_first_response == HOUR / 2
    assert (nobody.received, nobody.closed, nobody.median_first_response) == (1, 0, None)
    assert [row.colleague.first_name if row.colleague else None for row in stats.rows] == [
        "Bea",
        "Olga",
        None,
    ]
    # Over everyone: 6 received, 2 closed, median of 1 h, 2 h, 6 h, 30 min = 1 h 30.
    total = stats.total
    assert (total.received, total.still_open, total.closed, total.answered) == (6, 4, 2, 4)
    assert total.median_first_response == HOUR * 1.5


def test_only_the_tickets_the_viewer_sees_count(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, firm=firm, address="h@c.example")
    other = ColleagueFactory.create(firm=firm)
    ticket(firm, 1, other, at(12), sender="h@c.example", answered_after=HOUR)
    ticket(firm, 2, agent, at(12), sender="h@c.example")
    ticket(firm, 3, None, at(12))

    stats = ticket_statistics(agent, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))

    assert stats.total.received == 2  # hers on the hidden client, and the unmatched one
    assert all(row.colleague != other for row in stats.rows)
    assert (
        ticket_statistics(
            admin, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
        ).total.received
        == 3
    )


def test_the_page_shows_the_table_and_the_chart(
    dataset: dict[str, Colleague], admin: Colleague
) -> None:
    page = browse(admin).get("/inbox/statistics/?from=2026-03-10&to=2026-03-20").content.decode()

    row = re.search(rf'<tr data-assignee="{dataset["agent"].pk}">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = dict(re.findall(r"<td class=\"number\" data-(\w+)>([^<]*)</td>", row.group(1)))
    assert cells == {
        "received": "3",
        "open": "1",
        "closed": "2",
        "answered": "3",
        "median": "2 h 00",
    }
    assert '<svg class="bar-chart"' in page
    assert page.count('<rect x="200" y="1"') == 3  # one « reçus » bar per row


def test_a_wrong_range_is_said_and_corrected(
    dataset: dict[str, Colleague], admin: Colleague
) -> None:
    page = browse(admin).get("/inbox/statistics/?from=2026-03-20&to=2026-03-10").content.decode()
    garbled = browse(admin).get("/inbox/statistics/?from=hier")

    assert "elles ont été inversées" in page
    assert 'value="2026-03-10"' in page
    assert garbled.status_code == 200
    assert "saisissez une date valide" in garbled.content.decode()
