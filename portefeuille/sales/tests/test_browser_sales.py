"""An opportunity in a real browser (docs/sales.md): an admin creates one through the form,
from the « Ventes » menu, on a hidden client, assigned to a colleague; the colleague, signed
in elsewhere, sees the notification in the notification centre, opens the opportunity from
it and sees its client's name only, without a link."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from portefeuille.firms.models import Colleague, Privacy
from portefeuille.sales.models import Opportunity
from portefeuille.testing.factories import PASSWORD, ClientFactory, ColleagueFactory

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


def test_an_opportunity_created_through_the_form_notifies_its_assignee(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    browser: Browser,
    live_server: Any,
) -> None:
    firm = signed_in_colleague.firm
    xavier = ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Vendeur")
    client = ClientFactory.create(
        firm=firm, display_name="Boulangerie Dupain", privacy=Privacy.HIDDEN
    )
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Ventes"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/sales/opportunities/")
    page.get_by_role("link", name="Nouvelle opportunité").first.click()
    page.get_by_label("Pour quel client ?").fill("dupain")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name="Boulangerie Dupain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nouvelle opportunité pour Boulangerie Dupain"
    )
    page.get_by_label("Titre").fill("Audit des comptes 2026")
    page.get_by_label("Montant").fill("12 500,50")
    page.get_by_label("Affectée à").select_option(label="Xavier Vendeur")
    page.get_by_role("button", name="Créer").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Opportunité « Audit des comptes 2026 » créée."
    )
    deal = Opportunity.objects.get(title="Audit des comptes 2026")
    assert deal.assignee_id == xavier.pk
    assert deal.client_id == client.pk
    expect(page).to_have_url(f"{live_server.url}/sales/opportunities/{deal.pk}/")
    expect(page.locator("article")).to_contain_text("12\u00a0500,50\u00a0€")
    expect(page.locator("article")).to_contain_text("Xavier Vendeur")

    # Xavier, elsewhere: the notification is waiting for him.
    other = second_session(browser, live_server, xavier)
    bell = other.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(other).to_have_url(f"{live_server.url}/notifications/")
    item = other.locator("li.notification").filter(has_text="Audit des comptes 2026")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("par Camille Durand")
    # It leads to the opportunity's page.
    item.locator('button[name="open"]').click()
    expect(other).to_have_url(f"{live_server.url}/sales/opportunities/{deal.pk}/")
    article = other.locator("article")
    expect(article).to_contain_text("Audit des comptes 2026")
    # Its client is hidden from him: its name only, no link to its page.
    expect(article).to_contain_text("Boulangerie Dupain")
    expect(other.locator(f'a[href="/contacts/{client.pk}/"]')).to_have_count(0)
    other.context.close()
