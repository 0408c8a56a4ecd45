"""/api/v1/tickets, /api/v1/inbox/statistics and the tickets' segments (docs/inbox.md): the
door on every operation (the same 404), a ticket seen through its assignee naming its client
only, the filters of the inbox, the changes with If-Match, replies and notes, inbound
e-mail for admins (a malformed one a 422, nothing written), and segments of area tickets."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import Ticket, TicketMessage
from portefeuille.notifications.reading import readable
from portefeuille.testing.factories import (
    ClientFactory,
    ColleagueFactory,
    EmailAddressFactory,
    FirmFactory,
)
from portefeuille.work.models import Segment

from .conftest import eml

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets"


def get(http: Client, url: str, who: Colleague, **query: Any) -> Any:
    return http.get(url, query, headers=token_headers(who))


def send(
    http: Client, method: str, url: str, who: Colleague, body: Any = None, **headers: str
) -> Any:
    return getattr(http, method)(
        url, body, content_type="application/json", headers={**token_headers(who), **headers}
    )


def errors_of(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {".".join(str(part) for part in e["loc"]): e["msg"] for e in body["errors"]}


def ticket_from(firm: Firm, sender: str, subject: str, n: int = 0) -> Ticket:
    message = services.receive_email(
        firm=firm, raw=eml(sender, subject, "Bonjour", f"<{n}@{sender}>")
    )
    assert message is not None
    return message.ticket


def test_the_list_and_a_ticket_follow_the_door(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, display_name="Société Cachée", privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, firm=firm, address="h@c.example")
    secret = ticket_from(firm, "h@c.example", "Secret")
    given = ticket_from(firm, "h@c.example", "Donné", 1)
    stranger = ticket_from(firm, "x@y.example", "Inconnu")
    services.assign_ticket(actor=admin, ticket=given, assignee=agent)
    foreign = ticket_from(FirmFactory.create(), "x@y.example", "Ailleurs")

    listed = get(client, URL, agent).json()["items"]
    one = get(client, f"{URL}/{given.pk}", agent)

    assert [row["id"] for row in listed] == [stranger.pk, given.pk]  # newest first
    assert one.status_code == 200
    assert one["ETag"] == '"2"'
    assert one.json()["client"] == {"id": hidden.pk, "name": "Société Cachée", "level": "name"}
    assert [m["kind"] for m in one.json()["messages"]] == ["inbound"]
    for pk in (secret.pk, foreign.pk, 99_999_999):
        assert_problem(get(client, f"{URL}/{pk}", agent), 404)
        assert_problem(send(client, "post", f"{URL}/{pk}/notes", agent, {"body": "x"}), 404)
        assert_problem(send(client, "patch", f"{URL}/{pk}", agent, {"status": "closed"}), 404)
    assert not TicketMessage.objects.filter(kind="note").exists()


def test_the_filters_are_the_inbox_pages(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    mine = ticket_from(firm, "a@y.example", "Bilan")
    nobody = ticket_from(firm, "b@y.example", "TVA")
    closed = ticket_from(firm, "c@y.example", "Bilan clos")
    services.assign_ticket(actor=admin, ticket=mine, assignee=agent)
    services.close_ticket(actor=admin, ticket=closed)

    def found(**query: Any) -> list[int]:
        response = get(client, URL, agent, **query)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["items"])

    assert found() == sorted([mine.pk, nobody.pk])
    assert found(status="all") == sorted([mine.pk, nobody.pk, closed.pk])
    assert found(status="closed") == [closed.pk]
    assert found(assignee="me") == [mine.pk]
    assert found(assignee="none") == [nobody.pk]
    assert found(status="all", q="bilan") == sorted([mine.pk, closed.pk])
    assert set(errors_of(get(client, URL, agent, assignee="bob"))) == {"query.assignee"}
    assert set(errors_of(get(client, URL, agent, status="later"))) == {"query.status"}


def test_create_patch_reply_and_note(
    client: Client,
    firm: Firm,
    admin: Colleague,
    agent: Colleague,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dupain = ClientFactory.create(firm=firm, display_name="Dupain SARL")
    body = {
        "subject": "Appel : attestation",
        "requester_email": "paul@dupain.example",
        "body": "Il attend l'attestation.",
        "client_id": dupain.pk,
    }
    created = send(client, "post", URL, admin, body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    patched = send(
        client, "patch", f"{URL}/{pk}", admin, {"assignee_id": agent.pk}, **{"If-Match": '"1"'}
    )
    stale = send(client, "patch", f"{URL}/{pk}", admin, {"status": "closed"}, **{"If-Match": '"1"'})
    with django_capture_on_commit_callbacks(execute=True):
        reply = send(client, "post", f"{URL}/{pk}/replies", agent, {"body": "Voici."})
    note = send(client, "post", f"{URL}/{pk}/notes", admin, {"body": "Vu."})
    closed = send(client, "patch", f"{URL}/{pk}", admin, {"status": "closed", "version": 2})

    assert patched.status_code == 200, patched.content
    assert patched.json()["assignee"]["id"] == agent.pk
    assert_problem(stale, 412)
    assert reply.status_code == 201
    assert reply.json()["kind"] == "reply"
    assert reply.json()["author"]["id"] == agent.pk
    assert note.status_code == 201
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert [m.to for m in mail.outbox] == [["paul@dupain.example"]]
    assert sorted(n.kind for n in readable(agent)) == [
        "inbox.note_added",
        "inbox.ticket_assigned",
        "inbox.ticket_closed",
    ]


def test_a_patch_is_all_or_nothing(client: Client, firm: Firm, admin: Colleague) -> None:
    ticket = ticket_from(firm, "a@y.example", "Bilan")
    gone = ColleagueFactory.create(firm=firm, is_active=False)

    response = send(
        client, "patch", f"{URL}/{ticket.pk}", admin, {"status": "closed", "assignee_id": gone.pk}
    )

    assert set(errors_of(response)) == {"body.assignee_id"}
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.assignee_id, fresh.version) == ("open", None, 1)


def test_linking_needs_the_client_in_full(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    public = ClientFactory.create(firm=firm)
    ticket = ticket_from(firm, "a@y.example", "Bilan")

    refusals = [
        errors_of(send(client, "patch", f"{URL}/{ticket.pk}", agent, {"client_id": other.pk}))
        for other in (private, hidden)
    ]
    linked = send(client, "patch", f"{URL}/{ticket.pk}", agent, {"client_id": public.pk})

    assert refusals[0] == refusals[1]  # name-only and hidden: the same refusal
    assert set(refusals[0]) == {"body.client_id"}
    assert linked.status_code == 200
    assert linked.json()["client"]["id"] == public.pk


def test_a_change_that_takes_the_ticket_away_answers_204(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, firm=firm, address="h@c.example")
    ticket = ticket_from(firm, "h@c.example", "Secret")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)

    response = send(client, "patch", f"{URL}/{ticket.pk}", agent, {"assignee_id": admin.pk})

    assert response.status_code == 204
    assert Ticket.objects.get(pk=ticket.pk).assignee == admin


def inbound(raw: bytes) -> dict[str, str]:
    return {"raw": base64.b64encode(raw).decode()}


def test_inbound_e_mail_for_admins(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    raw = eml("x@y.example", "Question", "?", "<api@y.example>")

    refused = send(client, "post", f"{URL}/inbound", agent, inbound(raw))
    received = send(client, "post", f"{URL}/inbound", admin, inbound(raw))
    again = send(client, "post", f"{URL}/inbound", admin, inbound(raw))
    malformed = send(client, "post", f"{URL}/inbound", admin, inbound(b"Subject: x\r\n\r\ny\r\n"))
    garbled = send(client, "post", f"{URL}/inbound", admin, {"raw": "not base64!"})

    assert_problem(refused, 403)
    assert received.status_code == 201
    ticket = Ticket.objects.get(firm=firm)
    assert received.json()["ticket_id"] == ticket.pk
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert set(errors_of(malformed)) == {"body.raw"}
    assert set(errors_of(garbled)) == {"body.raw"}
    assert TicketMessage.objects.count() == 1


def test_statistics_per_assignee(
    client: Client, firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    ticket = ticket_from(firm, "a@y.example", "Bilan")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    services.close_ticket(actor=admin, ticket=ticket)

    response = get(client, "/api/v1/inbox/statistics", agent)
    backwards = get(
        client, "/api/v1/inbox/statistics", agent, **{"from": "2026-02-01", "to": "2026-01-01"}
    )

    assert response.status_code == 200, response.content
    (row,) = response.json()["rows"]
    assert row["assignee"]["id"] == agent.pk
    assert (row["received"], row["still_open"], row["closed"]) == (1, 0, 1)
    assert set(errors_of(backwards)) == {"query.from"}


def test_segments_of_the_inbox_through_the_segments_api(
    client: Client, firm: Firm, agent: Colleague
) -> None:
    other = ColleagueFactory.create(firm=firm)
    url = "/api/v1/segments"

    saved = send(
        client,
        "post",
        url,
        agent,
        {"name": "Mes tickets", "area": "tickets", "filters": {"assignee": "me"}, "shared": True},
    )
    bad = send(
        client,
        "post",
        url,
        agent,
        {"name": "X", "area": "tickets", "filters": {"assignee": "bob", "colour": "red"}},
    )
    theirs = get(client, url, other, area="tickets").json()["items"]
    work = get(client, url, other).json()["items"]

    assert saved.status_code == 201, saved.content
    assert saved.json()["filters"] == {"assignee": "me"}  # `me`: each reader
    assert set(errors_of(bad)) == {"body.filters.assignee", "body.filters.colour"}
    assert [(s["name"], s["shared"], s["mine"]) for s in theirs] == [("Mes tickets", True, False)]
    assert work == []
    assert_problem(send(client, "delete", f"{url}/{saved.json()['id']}", other), 404)
    assert Segment.objects.filter(area="tickets").count() == 1
