"""The shared inbox in a real browser (docs/inbox.md): an admin uploads, from « Boîte
partagée », a .eml in which the client answers a ticket assigned to Xavier; Xavier, signed
in elsewhere, sees the notification, opens the ticket from it and reads the client's answer
in its thread — and the ticket's client by name only (he does not see that client)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from portefeuille.firms.models import Colleague, Privacy
from portefeuille.inbox import services
from portefeuille.inbox.models import TicketMessage
from portefeuille.testing.factories import (
    PASSWORD,
    ClientFactory,
    ColleagueFactory,
    EmailAddressFactory,
)

from .conftest import eml

pytestmark = pytest.mark.browser


def second_session(browser: Browser, live_server: Any, colleague: Colleague) -> Page:
    """Another browser (its own cookies), signed in through the form."""
    context = browser.new_context(locale="fr-FR", base_url=str(live_server.url))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.locator('input[name="login"]').fill(colleague.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")
    return page


def test_an_uploaded_answer_reaches_its_ticket_and_its_assignee_is_told(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    browser: Browser,
    live_server: Any,
) -> None:
    admin = signed_in_colleague
    firm = admin.firm
    xavier = ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Conseil")
    client = ClientFactory.create(
        firm=firm, display_name="Boulangerie Dupain", privacy=Privacy.HIDDEN
    )
    EmailAddressFactory.create(contact=client, firm=firm, address="paul@dupain.example")
    first = services.receive_email(
        firm=firm,
        raw=eml("paul@dupain.example", "Bilan 2026", "Où en est le bilan ?", "<q1@dupain.example>"),
    )
    assert first is not None
    ticket = services.assign_ticket(actor=admin, ticket=first.ticket, assignee=xavier)
    reply = services.reply_to_ticket(actor=admin, ticket=ticket, body="Nous y travaillons.")
    answer = eml(
        "paul@dupain.example",
        f"Re: [#{ticket.pk}] Bilan 2026",
        "Merci, j'attends votre retour pour vendredi.",
        "<q2@dupain.example>",
        reply.message_id,
        name="Paul Dupain",
    )
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Boîte partagée"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/inbox/")
    expect(page.locator(f'tr[data-ticket="{ticket.pk}"]')).to_contain_text("Xavier Conseil")
    page.get_by_role("link", name="Importer un e-mail (.eml)").click()
    payload: FilePayload = {"name": "reponse.eml", "mimeType": "message/rfc822", "buffer": answer}
    page.get_by_label("Fichier .eml").set_input_files(files=payload)
    page.get_by_role("button", name="Importer").click()

    expect(page).to_have_url(f"{live_server.url}/inbox/{ticket.pk}/")
    expect(page.get_by_role("status")).to_contain_text("E-mail reçu sur le ticket « Bilan 2026 »")
    thread = page.get_by_role("list", name="Messages du ticket")
    expect(thread.locator("li.ticket-message")).to_have_count(3)
    expect(thread.locator('li[data-kind="inbound"]').last).to_contain_text(
        "Merci, j'attends votre retour pour vendredi."
    )
    assert TicketMessage.objects.filter(ticket=ticket, kind="inbound").count() == 2

    # Xavier, elsewhere: the notification is waiting for him.
    other = second_session(browser, live_server, xavier)
    bell = other.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("2")  # given the ticket, then the client's answer
    bell.click()
    item = other.locator("li.notification").filter(has_text="Le demandeur a répondu")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Le demandeur a répondu au ticket « Bilan 2026 »")
    expect(item).to_contain_text("Boulangerie Dupain")
    item.get_by_role("button", name="Ouvrir le ticket").click()
    expect(other).to_have_url(f"{live_server.url}/inbox/{ticket.pk}/")
    expect(other.get_by_role("heading", level=1)).to_contain_text("Bilan 2026")
    expect(other.get_by_role("list", name="Messages du ticket")).to_contain_text(
        "Merci, j'attends votre retour pour vendredi."
    )
    # He sees the ticket through its assignee: its client by name, without a link.
    client_cell = other.locator("[data-ticket-client]")
    expect(client_cell).to_contain_text("Boulangerie Dupain")
    expect(client_cell.get_by_role("link")).to_have_count(0)
    other.context.close()
