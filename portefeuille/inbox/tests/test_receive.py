"""Inbound e-mail becomes tickets and messages (docs/inbox.md): threading, client matching,
duplicates, malformed mail, and who is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from portefeuille.firms.models import Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import Ticket, TicketMessage
from portefeuille.notifications.reading import readable
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    EmailAddressFactory,
    FirmFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def eml(sender: str, subject: str, body: str, message_id: str, in_reply_to: str = "") -> bytes:
    headers = [
        f"From: Claire Martin <{sender}>",
        "To: accueil@cabinet.example",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def test_a_client_reply_threads_to_its_ticket_and_tells_the_assignee(
    django_capture_on_commit_callbacks: Any,
) -> None:
    firm = FirmFactory.create()
    admin = AdminFactory.create(firm=firm)
    agent = ColleagueFactory.create(firm=firm)
    client = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=client, firm=firm, address="claire@client.example")
    first = services.receive_email(
        firm=firm, raw=eml("claire@client.example", "Bilan 2026", "Bonjour", "<a1@client.example>")
    )
    assert first is not None
    ticket = first.ticket
    assert ticket.client == client
    # The agent does not see the hidden client's ticket until it is given to them.
    assert not Ticket.objects.visible_to(agent).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
        reply = services.reply_to_ticket(actor=admin, ticket=ticket.pk, body="Merci, c'est noté.")
    assert list(Ticket.objects.visible_to(agent)) == [ticket]
    (sent,) = [m for m in mail.outbox if m.to == ["claire@client.example"]]
    assert sent.extra_headers["In-Reply-To"] == "<a1@client.example>"
    raw = eml("claire@client.example", "Re: Bilan", "Voici", "<a2@x.example>", reply.message_id)
    answer = services.receive_email(firm=firm, raw=raw)
    assert answer is not None
    assert answer.ticket_id == ticket.pk
    # Read twice (a mailbox read again after a failure): stored once.
    assert services.receive_email(firm=firm, raw=raw) is None
    assert TicketMessage.objects.filter(ticket=ticket).count() == 3
    kinds = sorted(n.kind for n in readable(agent))
    assert kinds == ["inbox.client_replied", "inbox.ticket_assigned"]


def test_a_malformed_email_is_refused_clearly() -> None:
    firm = FirmFactory.create()
    with pytest.raises(services.MalformedEmail):
        services.receive_email(firm=firm, raw=b"Subject: x\r\n\r\nno sender\r\n")
    assert not Ticket.objects.exists()


def test_an_unmatched_ticket_is_shared_but_not_with_a_limited_colleague() -> None:
    firm = FirmFactory.create()
    staff = ColleagueFactory.create(firm=firm)
    limited = ColleagueFactory.create(firm=firm, scope="limited")
    services.receive_email(firm=firm, raw=eml("x@y.example", "Question", "?", "<q@y.example>"))
    assert Ticket.objects.visible_to(staff).count() == 1
    assert not Ticket.objects.visible_to(limited).exists()


def test_a_new_ticket_from_a_client_tells_its_manager() -> None:
    firm = FirmFactory.create()
    manager = ColleagueFactory.create(firm=firm)
    client = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, manager=manager)
    EmailAddressFactory.create(contact=client, firm=firm, address="paul@client.example")
    services.receive_email(firm=firm, raw=eml("paul@client.example", "Aide", "?", "<p1@c.example>"))
    (note,) = readable(manager)
    assert note.kind == "inbox.ticket_received"
    assert note.client_id == client.pk
