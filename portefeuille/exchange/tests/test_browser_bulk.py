"""Bulk edit in a real browser (docs/exchange.md, "Bulk edit"): an admin filters the monitor,
moves the 500 matching clients to a portfolio through the preview, and reads the summary;
each client has its own history event."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.testing import factories as f

pytestmark = pytest.mark.browser


def test_bulk_move_500_clients_to_a_portfolio_with_a_preview_and_a_summary(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    firm = signed_in_colleague.firm
    portfolio = f.PortfolioFactory.create(firm=firm, name="Grands comptes")
    Contact.objects.bulk_create(
        Contact(
            firm=firm,
            kind=Contact.Kind.ORGANIZATION,
            display_name=f"Société {n:03d}",
            search_name=f"societe {n:03d}",
        )
        for n in range(500)
    )
    f.OrganizationFactory.create(firm=firm, display_name="Autre client")
    page = signed_in_page

    page.goto("/monitor/?q=societe")
    expect(page.locator(".monitor-count")).to_contain_text("500 clients")
    page.get_by_role("button", name="Modifier en masse…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier en masse")
    expect(page.locator("form.card")).to_contain_text("Pour les 500 clients sélectionnés.")
    page.get_by_role("radio", name="Portefeuille").check()
    page.locator("#value-portfolio").select_option(label="Grands comptes")
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.locator('[data-bulk="changed"]')).to_have_text("500 clients seront modifiés.")
    assert not Contact.objects.filter(portfolio=portfolio).exists()  # a preview writes nothing
    page.get_by_role("button", name="Modifier 500 clients").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Modification en masse terminée")
    expect(page.locator('[data-bulk="changed"]')).to_have_text("500 clients modifiés.")
    expect(page.locator('[data-bulk="refused"]')).to_have_text("Aucun client refusé.")
    assert Contact.objects.filter(portfolio=portfolio).count() == 500
    assert not Contact.objects.filter(display_name="Autre client", portfolio=portfolio).exists()
    assert AuditEvent.objects.filter(action="client.portfolio_changed").count() == 500
    page.get_by_role("link", name="Retour au moniteur").click()
    expect(page.locator(".monitor-count")).to_contain_text("500 clients")
