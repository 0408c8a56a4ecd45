"""An admin fixes the coverage gap from the home page, in a real browser: the count of
clients without an owner drops to 0 after the bulk fix."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ClientFactory, ColleagueFactory, OwnerEntryFactory

pytestmark = pytest.mark.browser


def test_the_coverage_count_drops_to_0_after_the_bulk_fix(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    firm = signed_in_colleague.firm
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    entry = OwnerEntryFactory.create(firm=firm, colleague=lea)
    for n in range(3):
        ClientFactory.create(firm=firm, display_name=f"Sans responsable {n}")
    ClientFactory.create(firm=firm, display_name="Déjà couvert", owner=entry)
    page = signed_in_page
    page.goto(f"{live_server.url}/")

    coverage = page.get_by_role("region", name="Couverture des clients")
    unowned = coverage.get_by_role("link", name="Sans responsable client")
    expect(unowned.locator(".coverage-count")).to_have_text("3")
    unowned.click()
    expect(page).to_have_url(f"{live_server.url}/contacts/?view=all&coverage=no_owner")
    expect(page.locator("tr.contact-row")).to_have_count(3)
    expect(page.get_by_role("link", name="Déjà couvert")).to_have_count(0)

    fix = page.locator("#coverage-fix")
    fix.get_by_label("Tous les clients filtrés").check()
    fix.get_by_label("Responsable client").select_option(label="Léa Bernard")
    fix.get_by_role("button", name="Prévisualiser").click()
    expect(page.locator(".preview-changed")).to_have_text("3 clients seront modifiés.")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("3 clients modifiés.")).to_be_visible()
    expect(page.locator("tr.contact-row")).to_have_count(0)

    page.goto(f"{live_server.url}/")
    coverage = page.get_by_role("region", name="Couverture des clients")
    expect(
        coverage.get_by_role("link", name="Sans responsable client").locator(".coverage-count")
    ).to_have_text("0")
