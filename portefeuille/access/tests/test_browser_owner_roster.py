"""An admin removes an owner from the "Liste des responsables clients", handing their
clients to another owner, in a real browser; the clients then show their new owner."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.access.models import OwnerEntry
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ClientFactory, ColleagueFactory, OwnerEntryFactory

pytestmark = pytest.mark.browser


def test_admin_removes_an_owner_and_transfers_their_clients(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    firm = signed_in_colleague.firm
    olivier = ColleagueFactory.create(firm=firm, first_name="Olivier", last_name="Roux")
    helene = ColleagueFactory.create(firm=firm, first_name="Hélène", last_name="Suite")
    leaving = OwnerEntryFactory.create(firm=firm, colleague=olivier)
    heir = OwnerEntryFactory.create(firm=firm, colleague=helene)
    clients = [
        ClientFactory.create(firm=firm, owner=leaving, display_name=f"Client Roux {n}")
        for n in range(3)
    ]
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Paramètres"
    ).click()
    page.get_by_role("link", name="Liste des responsables clients").click()
    expect(page).to_have_url(f"{live_server.url}/settings/owners/")
    row = page.get_by_role("row").filter(has_text="Olivier Roux")
    expect(row).to_contain_text("3")
    row.get_by_role("link", name="Retirer… Olivier Roux").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Retirer Olivier Roux")
    picker = page.get_by_label("Transférer les clients à")
    expect(picker.locator("option", has_text="Ne pas transférer les clients")).to_have_count(1)
    expect(picker.locator("option", has_text="Olivier Roux")).to_have_count(0)
    picker.select_option(label="Hélène Suite")
    page.get_by_role("button", name="Retirer").click()

    expect(page).to_have_url(f"{live_server.url}/settings/owners/")
    expect(page.get_by_role("status")).to_contain_text(
        "ses 3 clients sont transférés à Hélène Suite"
    )
    expect(page.get_by_role("row").filter(has_text="Olivier Roux")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Hélène Suite")).to_contain_text("3")
    assert not OwnerEntry.objects.filter(pk=leaving.pk).exists()
    assert set(Contact.objects.filter(owner=heir)) == set(clients)

    page.goto(f"{live_server.url}/contacts/{clients[0].pk}/")
    expect(page.get_by_role("region", name="Équipe client")).to_contain_text("Hélène Suite")
