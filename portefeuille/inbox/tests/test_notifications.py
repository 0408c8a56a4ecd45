"""What the assignee of a ticket reads (docs/inbox.md, docs/notifications.md): the sentence of
each kind with the ticket's subject now and its client at the reader's level, a ticket with
no client, one linked to another client since, one no longer theirs; and its e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import Ticket
from portefeuille.notifications.reading import readable, show, with_level
from portefeuille.testing.factories import ClientFactory, EmailAddressFactory

from .conftest import eml

pytestmark = pytest.mark.django_db


def shown(reader: Colleague) -> list[Any]:
    return show(reader, with_level(reader, readable(reader)).order_by("created_at", "id"))


def ticket_from(firm: Firm, sender: str, subject: str, n: int = 0) -> Ticket:
    message = services.receive_email(firm=firm, raw=eml(sender, subject, "?", f"<{n}@{sender}>"))
    assert message is not None
    return message.ticket


def test_each_kind_names_the_ticket_and_leads_to_it(
    firm: Firm, admin: Colleague, agent: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    client = ClientFactory.create(firm=firm, display_name="Dupain SARL")
    EmailAddressFactory.create(contact=client, firm=firm, address="paul@dupain.example")
    ticket = ticket_from(firm, "paul@dupain.example", "Bilan 2026")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
        services.add_ticket_note(actor=admin, ticket=ticket, body="À voir")
        reply = services.reply_to_ticket(actor=admin, ticket=ticket, body="Reçu")
        services.receive_email(
            firm=firm,
            raw=eml("paul@dupain.example", "Re", "Merci", "<r@d>", reply.message_id),
        )
        services.close_ticket(actor=admin, ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).update(subject="Bilan 2026 (renommé)")

    texts = [(n.kind, n.text, n.url) for n in shown(agent)]

    url = f"/inbox/{ticket.pk}/"
    assert texts == [
        (
            "inbox.ticket_assigned",
            "Le ticket « Bilan 2026 (renommé) » (Dupain SARL) vous a été affecté.",
            url,
        ),
        (
            "inbox.note_added",
            "Une note interne a été ajoutée au ticket « Bilan 2026 (renommé) » (Dupain SARL).",
            url,
        ),
        (
            "inbox.client_replied",
            "Le demandeur a répondu au ticket « Bilan 2026 (renommé) » (Dupain SARL).",
            url,
        ),
        (
            "inbox.ticket_closed",
            "Le ticket « Bilan 2026 (renommé) » (Dupain SARL) a été fermé.",
            url,
        ),
    ]
    subjects = [m.subject for m in mail.outbox if m.to == [agent.email]]
    assert "Le ticket « Bilan 2026 » (Dupain SARL) vous a été affecté." in subjects
    assert len(subjects) == 4


def test_a_ticket_with_no_client_names_none(
    firm: Firm, admin: Colleague, agent: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_from(firm, "x@nowhere.example", "Question")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)

    (note,) = shown(agent)
    (sent,) = [m for m in mail.outbox if m.to == [agent.email]]

    assert note.text == "Le ticket « Question » vous a été affecté."
    assert note.client_id is None
    assert note.url == f"/inbox/{ticket.pk}/"
    assert sent.subject == "Le ticket « Question » vous a été affecté."
    assert f"/inbox/{ticket.pk}/" in sent.body


def test_the_client_of_a_hidden_ticket_is_named_but_not_linked(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, display_name="Société Cachée", privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, firm=firm, address="h@c.example")
    ticket = ticket_from(firm, "h@c.example", "Relance")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)

    (note,) = shown(agent)

    assert "Société Cachée" in note.text
    assert note.client_url is None
    assert f"/contacts/{hidden.pk}/" not in note.html


def test_a_ticket_moved_to_another_client_does_not_name_the_old_one(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    old = ClientFactory.create(firm=firm, display_name="Ancien Client", privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=old, firm=firm, address="h@c.example")
    new = ClientFactory.create(firm=firm, display_name="Nouveau Client")
    ticket = ticket_from(firm, "h@c.example", "Relance")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    services.link_ticket_client(actor=admin, ticket=ticket, client=new)

    (note,) = shown(agent)

    assert note.text == "Le ticket « Relance » vous a été affecté."
    assert "Ancien Client" not in note.html


def test_a_ticket_given_to_someone_else_leaves_the_former_assignees_list(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, firm=firm, address="h@c.example")
    ticket = ticket_from(firm, "h@c.example", "Relance")
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    services.assign_ticket(actor=admin, ticket=ticket, assignee=admin)

    assert shown(agent) == []


def test_a_note_or_a_reply_does_not_make_an_open_copy_stale(
    firm: Firm, admin: Colleague, agent: Colleague
) -> None:
    ticket = ticket_from(firm, "x@y.example", "Question")
    loaded = Ticket.objects.get(pk=ticket.pk).version

    services.add_ticket_note(actor=admin, ticket=ticket, body="Vu")
    services.reply_to_ticket(actor=admin, ticket=ticket, body="Reçu")
    services.assign_ticket(actor=agent, ticket=ticket, assignee=agent, expected_version=loaded)

    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
