"""An admin offboards a colleague whose 40 clients are split across three successors — a
whole portfolio to one, twelve ticked clients to another, the rest to a third — checks the
preview, then applies it (docs/offboarding.md), in a real browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.access.models import Portfolio
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ClientFactory, ColleagueFactory

pytestmark = pytest.mark.browser


def test_offboard_forty_clients_split_across_three_successors_with_a_preview(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    firm = signed_in_colleague.firm
    leaver = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Départ")
    anne, bruno, chloe = (
        ColleagueFactory.create(firm=firm, first_name=first, last_name="Suite")
        for first in ("Anne", "Bruno", "Chloé")
    )
    north = Portfolio.objects.create(firm=firm, name="Portefeuille Nord")
    clients = [
        ClientFactory.create(
            firm=firm,
            display_name=f"Client {i:02d}",
            manager=leaver,
            portfolio=north if i < 20 else None,
        )
        for i in range(40)
    ]
    page = signed_in_page

    page.goto(f"{live_server.url}/settings/colleagues/{leaver.pk}/")
    page.get_by_role("link", name="Désactiver…").click()
    expect(page.get_by_text("gestionnaire de 40 clients")).to_be_visible()
    page.get_by_role("button", name="Préparer le plan de départ").click()
    expect(page.get_by_role("heading", name="Plan de départ de Léa Départ")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(40)

    by_portfolio = page.get_by_role("form", name="Par portefeuille")
    by_portfolio.get_by_label("Portefeuille", exact=True).select_option(label="Portefeuille Nord")
    by_portfolio.get_by_label("Successeur du portefeuille").select_option(label="Anne Suite")
    by_portfolio.get_by_role("button", name="Attribuer").click()
    for i in range(20, 32):
        page.get_by_label(f"Choisir Client {i:02d} — Gestionnaire").check()
    page.get_by_label("Successeur des lignes cochées").select_option(label="Bruno Suite")
    page.get_by_role("button", name="Attribuer aux lignes cochées").click()
    for i in range(32, 40):
        page.get_by_label(f"Choisir Client {i:02d} — Gestionnaire").check()
    page.get_by_label("Successeur des lignes cochées").select_option(label="Chloé Suite")
    page.get_by_role("button", name="Attribuer aux lignes cochées").click()

    page.get_by_role("link", name="Aperçu du résultat").click()
    summary = page.get_by_role("region", name="Résumé")
    expect(summary).to_contain_text("Anne Suite : 20 places")
    expect(summary).to_contain_text("Bruno Suite : 12 places")
    expect(summary).to_contain_text("Chloé Suite : 8 places")
    expect(page.locator("tbody tr").filter(has_text="Client 25")).to_contain_text("Bruno Suite")
    page.get_by_label("Je confirme").check()
    page.get_by_role("button", name="Appliquer le plan").click()

    expect(page.get_by_text("Départ de Léa Départ appliqué : 40 changements.")).to_be_visible()
    managers = dict(Contact.objects.filter(firm=firm).values_list("pk", "manager_id"))
    for i, client in enumerate(clients):
        expected = anne if i < 20 else bruno if i < 32 else chloe
        assert managers[client.pk] == expected.pk
    assert not Colleague.objects.get(pk=leaver.pk).is_active
