"""The shared inbox's pages (docs/inbox.md): the inbox for each colleague through the door
(a limited colleague sees only their tickets), its filters, tabs and paging at a constant
cost, its segments (private, shared and counted for each reader, deleted by their owner
only), a ticket's thread and its actions with their refusals, a new ticket, and an
uploaded .eml (a malformed one refused, nothing written)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import InboundFailure, Ticket, TicketMessage
from portefeuille.notifications.reading import readable
from portefeuille.testing.factories import (
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    EmailAddressFactory,
    FirmFactory,
)
from portefeuille.work.models import Segment

from .conftest import browse, eml

pytestmark = pytest.mark.django_db


def ticket_from(firm: Firm, sender: str, subject: str, n: int = 0) -> Ticket:
    message = services.receive_email(
        firm=firm, raw=eml(sender, subject, "Bonjour", f"<{n}-{sender}>")
    )
    assert message is not None
    return message.ticket


def client_with(firm: Firm, address: str, name: str, **fields: Any) -> Any:
    client = ClientFactory.create(firm=firm, display_name=name, **fields)
    EmailAddressFactory.create(contact=client, firm=firm, address=address)
    return client


def segment_count(html: str, pk: int) -> int:
    """The live count the sidebar shows beside a segment."""
    found = re.search(rf'data-segment="{pk}">.*?segment-count"[^>]*>(\d+)<', html, re.S)
    assert found is not None
    return int(found.group(1))


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-ticket="(\d+)"', html)]


# ---------------------------------------------------------------------------------------
# The inbox and its door.
# ---------------------------------------------------------------------------------------


def test_a_limited_colleague_sees_only_tickets_given_to_them_or_on_their_clients(
    firm: Firm, admin: Colleague, agent: Colleague, limited: Colleague
) -> None:
    mine = client_with(firm, "mine@c.example", "Dupain SARL", privacy=Privacy.HIDDEN)
    ClientMemberFactory.create(client=mine, colleague=limited)
    client_with(firm, "other@c.example", "Martin SA")
    on_mine = ticket_from(firm, "mine@c.example", "Bilan Dupain")
    on_other = ticket_from(firm, "other@c.example", "TVA Martin")
    given = ticket_from(firm, "other@c.example", "Paie Martin", 1)
    stranger = ticket_from(firm, "x@nowhere.example", "Question d'un inconnu")
    services.assign_ticket(actor=admin, ticket=given, assignee=limited)

    seen_by_limited = listed(browse(limited).get("/inbox/").content.decode())
    seen_by_agent = listed(browse(agent).get("/inbox/").content.decode())

    assert sorted(seen_by_limited) == sorted([on_mine.pk, given.pk])
    # Full scope: the public client's, and the one matched to no client; not the hidden one.
    assert sorted(seen_by_agent) == sorted([on_other.pk, given.pk, stranger.pk])
    for ticket in (on_other, stranger):
        assert browse(limited).get(f"/inbox/{ticket.pk}/").status_code == 404
    assert browse(agent).get(f"/inbox/{on_mine.pk}/").status_code == 404
    assert browse(agent).get("/inbox/999999/").status_code == 404


def test_a_ticket_seen_through_its_assignee_names_its_client_without_a_link(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = client_with(firm, "h@c.example", "Société Cachée", privacy=Privacy.HIDDEN)
    ticket = ticket_from(firm, "h@c.example", "Relance")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)

    page = browse(agent).get(f"/inbox/{ticket.pk}/").content.decode()
    inbox = browse(agent).get("/inbox/").content.decode()

    assert "Société Cachée" in page
    assert f"/contacts/{hidden.pk}/" not in page
    assert f"/contacts/{hidden.pk}/" not in inbox
    assert 'data-level="name"' in inbox
    # No change of client is offered to who sees the client by name only.
    assert f"/inbox/{ticket.pk}/link-client/" not in page


def test_another_firms_ticket_is_the_same_404(firm: Firm, admin: Colleague) -> None:
    other = ticket_from(FirmFactory.create(), "a@b.example", "Ailleurs")

    http = browse(admin)

    assert http.get(f"/inbox/{other.pk}/").status_code == 404
    assert http.post(f"/inbox/{other.pk}/note/", {"body": "x"}).status_code == 404
    assert not TicketMessage.objects.filter(ticket=other, kind="note").exists()


def test_the_tabs_and_filters_select_by_status_assignee_client_and_subject(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    dupain = client_with(firm, "d@c.example", "Dupain SARL")
    bilan = ticket_from(firm, "d@c.example", "Bilan annuel")
    tva = ticket_from(firm, "x@y.example", "TVA du trimestre")
    closed = ticket_from(firm, "z@y.example", "Bilan clos")
    services.assign_ticket(actor=admin, ticket=bilan, assignee=agent)
    services.close_ticket(actor=admin, ticket=closed)
    http = browse(agent)

    def rows(query: str) -> list[int]:
        return sorted(listed(http.get(f"/inbox/?{query}").content.decode()))

    assert rows("") == sorted([bilan.pk, tva.pk])  # open by default
    assert rows("status=closed") == [closed.pk]
    assert rows("status=all") == sorted([bilan.pk, tva.pk, closed.pk])
    assert rows("assignee=me") == [bilan.pk]
    assert rows(f"assignee={agent.pk}") == [bilan.pk]
    assert rows("assignee=none") == [tva.pk]
    assert rows(f"client={dupain.pk}") == [bilan.pk]
    assert rows("status=all&q=bilan") == sorted([bilan.pk, closed.pk])
    # A malformed filter is said and left out, never an error page.
    page = http.get("/inbox/?status=bogus&assignee=bob")
    assert page.status_code == 200
    assert "ignoré" in page.content.decode()
    assert sorted(listed(page.content.decode())) == sorted([bilan.pk, tva.pk])


def test_the_inbox_costs_the_same_queries_whatever_the_number_of_tickets(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    client = client_with(firm, "d@c.example", "Dupain SARL")
    services.receive_email(firm=firm, raw=eml("d@c.example", "x", "y", "<seed@c>"))
    services.assign_ticket(actor=admin, ticket=Ticket.objects.get(firm=firm), assignee=agent)
    services.link_ticket_client(actor=admin, ticket=Ticket.objects.get(firm=firm), client=client)
    http = browse(agent)
    http.post("/inbox/segments/", {"name": "Les miens", "query": "assignee=me"})
    http.post("/inbox/segments/", {"name": "Personne", "query": "assignee=none", "shared": "1"})

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/inbox/?status=all").status_code == 200
        return len(captured.captured_queries)

    few = cost()
    for n in range(30):
        ticket = ticket_from(firm, f"c{n}@y.example", f"Demande {n}", n)
        if n % 2:
            services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    assert cost() == few
    # The session, the colleague, the unread notifications, the page, the colleagues, the
    # segments and one count for each of the two: 9 today (whatever the number of tickets).
    assert few <= 10, few


def test_the_inbox_pages_fifty_at_a_time_with_a_more_link(firm: Firm, admin: Colleague) -> None:
    for n in range(55):
        ticket_from(firm, f"c{n}@y.example", f"Demande {n}", n)
    http = browse(admin)

    first = http.get("/inbox/").content.decode()
    more = re.search(r'href="\?after=([^"]+)"', first)
    assert more is not None
    rest = http.get(
        f"/inbox/?after={more.group(1)}", headers={"HX-Request": "true", "HX-Target": "more-rows"}
    )

    assert len(listed(first)) == 50
    assert len(listed(rest.content.decode())) == 5
    assert not set(listed(first)) & set(listed(rest.content.decode()))


# ---------------------------------------------------------------------------------------
# Segments.
# ---------------------------------------------------------------------------------------


def test_a_shared_segment_is_listed_for_colleagues_counted_for_each_and_deleted_by_its_owner(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    other = ColleagueFactory.create(firm=firm, first_name="Olga", last_name="Autre")
    for n, who in enumerate((agent, agent, other)):
        services.assign_ticket(
            actor=admin, ticket=ticket_from(firm, f"c{n}@y.example", f"T{n}", n), assignee=who
        )
    ticket_from(firm, "u@y.example", "Sans personne")

    saved = browse(agent).post(
        "/inbox/segments/",
        {"name": "Mes tickets", "query": "assignee=me&colour=red", "shared": "1"},
    )
    private = browse(agent).post(
        "/inbox/segments/", {"name": "Sans affectation", "query": "assignee=none"}
    )
    segment = Segment.objects.get(owner=agent, name="Mes tickets")

    assert saved.status_code == 302
    assert private.status_code == 302
    assert segment.area == Segment.Area.TICKETS
    assert segment.shared
    assert segment.query == "assignee=me"  # only valid filters are kept
    # `me` means each reader: 2 for the agent, 1 for Olga.
    mine = browse(agent).get("/inbox/").content.decode()
    hers = browse(other).get("/inbox/").content.decode()
    assert segment_count(mine, segment.pk) == 2
    assert segment_count(hers, segment.pk) == 1
    assert "Sans affectation" in mine
    assert "Sans affectation" not in hers
    # Only its owner may delete it.
    assert browse(other).post(f"/inbox/segments/{segment.pk}/delete/").status_code == 404
    assert browse(agent).get(f"/inbox/segments/{segment.pk}/delete/").status_code == 200
    assert browse(agent).post(f"/inbox/segments/{segment.pk}/delete/").status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_a_shared_segment_counts_only_what_each_reader_sees(
    firm: Firm, admin: Colleague, limited: Colleague
) -> None:
    client_with(firm, "d@c.example", "Dupain SARL")
    for n in range(3):
        ticket_from(firm, "d@c.example", f"Demande {n}", n)
    browse(admin).post("/inbox/segments/", {"name": "Tous", "query": "status=all", "shared": "1"})
    segment = Segment.objects.get(name="Tous")

    page = browse(limited).get("/inbox/").content.decode()

    assert segment_count(page, segment.pk) == 0


def test_the_work_view_keeps_its_own_segments(firm: Firm, agent: Colleague) -> None:
    browse(agent).post("/inbox/segments/", {"name": "Segment de tickets", "query": "assignee=me"})

    board = browse(agent).get("/work/").content.decode()

    assert "Segment de tickets" not in board


# ---------------------------------------------------------------------------------------
# A ticket's page and its actions.
# ---------------------------------------------------------------------------------------


def test_the_thread_shows_e_mails_replies_and_notes_distinctly(
    firm: Firm, admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    http = browse(admin)

    with django_capture_on_commit_callbacks(execute=True):
        replied = http.post(f"/inbox/{ticket.pk}/reply/", {"body": "Voici l'attestation."})
    noted = http.post(f"/inbox/{ticket.pk}/note/", {"body": "Client rappelé."})
    page = http.get(f"/inbox/{ticket.pk}/").content.decode()

    assert replied.status_code == noted.status_code == 302
    kinds = re.findall(r'class="ticket-message" data-kind="(\w+)"', page)
    assert kinds == ["inbound", "reply", "note"]
    (sent,) = mail.outbox
    assert sent.to == ["c@y.example"]
    assert sent.subject == f"Re: [#{ticket.pk}] Attestation"
    assert "Voici l'attestation." in sent.body
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is not None


def test_an_empty_reply_is_refused_on_its_field_and_nothing_is_sent(
    firm: Firm, admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")

    with django_capture_on_commit_callbacks(execute=True):
        response = browse(admin).post(f"/inbox/{ticket.pk}/reply/", {"body": "   "})

    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.content.decode()
    assert mail.outbox == []
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_assigning_tells_the_assignee_and_a_stale_copy_is_refused(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    http = browse(admin)

    given = http.post(f"/inbox/{ticket.pk}/assign/", {"assignee": agent.pk, "version": 1})
    stale = http.post(f"/inbox/{ticket.pk}/assign/", {"assignee": admin.pk, "version": 1})

    assert given.status_code == stale.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
    assert [n.kind for n in readable(agent)] == ["inbox.ticket_assigned"]
    followed = http.get(f"/inbox/{ticket.pk}/").content.decode()
    assert "Ce ticket a été modifié par quelqu" in followed


def test_an_inactive_or_foreign_assignee_is_refused_on_the_field(
    firm: Firm, admin: Colleague
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    gone = ColleagueFactory.create(firm=firm, is_active=False)
    foreign = ColleagueFactory.create(firm=FirmFactory.create())

    for who in (gone, foreign):
        response = browse(admin).post(f"/inbox/{ticket.pk}/assign/", {"assignee": who.pk})
        assert response.status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_closing_tells_the_assignee_and_reopening_opens_it(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    http = browse(admin)

    http.post(f"/inbox/{ticket.pk}/close/", {"version": 2})
    closed = Ticket.objects.get(pk=ticket.pk)
    http.post(f"/inbox/{ticket.pk}/reopen/", {"version": closed.version})
    reopened = Ticket.objects.get(pk=ticket.pk)

    assert closed.status == "closed"
    assert closed.closed_at is not None
    assert reopened.status == "open"
    assert reopened.closed_at is None
    assert sorted(n.kind for n in readable(agent)) == [
        "inbox.ticket_assigned",
        "inbox.ticket_closed",
    ]


def test_a_ticket_is_linked_to_a_client_seen_in_full_only(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    public = ClientFactory.create(firm=firm, display_name="Dupain SARL")
    private = ClientFactory.create(firm=firm, display_name="Martin SA", privacy=Privacy.PRIVATE)
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    http = browse(agent)

    search = http.get(f"/inbox/{ticket.pk}/?client_q=SA").content.decode()
    refused = http.post(f"/inbox/{ticket.pk}/link-client/", {"client": private.pk})
    after_refusal = Ticket.objects.get(pk=ticket.pk).client_id
    linked = http.post(f"/inbox/{ticket.pk}/link-client/", {"client": public.pk})

    # The search offers only clients seen in full (the private one is name-only).
    assert "Lier à Dupain SARL" in search
    assert "Martin SA" not in search
    assert refused.status_code == 302
    assert after_refusal is None
    assert linked.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).client_id == public.pk


def test_a_colleague_writes_a_ticket_taken_by_phone(firm: Firm, agent: Colleague) -> None:
    client = ClientFactory.create(firm=firm, display_name="Dupain SARL")
    http = browse(agent)

    bad = http.post(f"/inbox/new/?client={client.pk}", {"subject": "", "requester_email": "nope"})
    made = http.post(
        "/inbox/new/",
        {
            "client": client.pk,
            "subject": "Appel : attestation",
            "requester_email": "Paul@Dupain.example",
            "requester_name": "Paul",
            "body": "Il attend l'attestation pour vendredi.",
            "assignee": agent.pk,
        },
    )

    assert bad.status_code == 422
    assert not Ticket.objects.filter(subject="").exists()
    ticket = Ticket.objects.get(subject="Appel : attestation")
    assert made["Location"] == f"/inbox/{ticket.pk}/"
    assert (ticket.client, ticket.assignee, ticket.requester_email) == (
        client,
        agent,
        "paul@dupain.example",
    )
    assert ticket.messages.get().kind == "note"


# ---------------------------------------------------------------------------------------
# An uploaded .eml.
# ---------------------------------------------------------------------------------------


def upload(http: Any, content: bytes, name: str = "message.eml") -> Any:
    return http.post(
        "/inbox/upload/", {"file": SimpleUploadedFile(name, content, "message/rfc822")}
    )


def test_an_uploaded_eml_answering_a_ticket_threads_to_it_and_tells_its_assignee(
    firm: Firm, admin: Colleague, agent: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_from(firm, "c@y.example", "Attestation")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_to_ticket(actor=admin, ticket=ticket, body="Bien reçu.")

    response = upload(
        browse(admin), eml("c@y.example", "Re: Attestation", "Merci !", "<r1@y>", reply.message_id)
    )
    again = upload(
        browse(admin), eml("c@y.example", "Re: Attestation", "Merci !", "<r1@y>", reply.message_id)
    )

    assert response.status_code == 302
    assert response["Location"] == f"/inbox/{ticket.pk}/"
    assert again.status_code == 302
    assert TicketMessage.objects.filter(ticket=ticket, kind="inbound").count() == 2
    assert "inbox.client_replied" in [n.kind for n in readable(agent)]


def test_a_malformed_eml_is_refused_clearly_and_nothing_is_written(
    firm: Firm, admin: Colleague
) -> None:
    before = (Ticket.objects.count(), TicketMessage.objects.count(), InboundFailure.objects.count())

    no_sender = upload(browse(admin), b"Subject: x\r\n\r\nno sender\r\n")
    empty = upload(browse(admin), b"")
    missing = browse(admin).post("/inbox/upload/", {})

    assert no_sender.status_code == 422
    assert "expéditeur" in no_sender.content.decode()
    assert empty.status_code in (400, 422)
    assert missing.status_code == 400
    assert "Choisissez un fichier." in missing.content.decode()
    after = (Ticket.objects.count(), TicketMessage.objects.count(), InboundFailure.objects.count())
    assert after == before


def test_only_admins_upload(firm: Firm, agent: Colleague) -> None:
    response = upload(browse(agent), eml("c@y.example", "x", "y", "<u@y>"))

    assert response.status_code == 403
    assert browse(agent).get("/inbox/upload/").status_code == 403
    assert not Ticket.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    firm: Firm, admin: Colleague, settings: Any
) -> None:
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000

    response = upload(browse(admin), eml("c@y.example", "x", "y" * 5000, "<big@y>"))

    assert response.status_code == 413
    assert not Ticket.objects.exists()
