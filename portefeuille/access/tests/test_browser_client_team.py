"""An admin opens a client from the one Contacts entry of the menu and edits its team in the
"Équipe et accès" tab, in a real browser; a limited colleague gets the 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import ClientFactory, ColleagueFactory, TeamFactory

pytestmark = pytest.mark.browser


def test_admin_sets_manager_and_adds_team_then_sees_them_in_who_has_access(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    sign_in: Callable[..., Page],
    live_server: Any,
) -> None:
    firm = signed_in_colleague.firm
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    hugo = ColleagueFactory.create(firm=firm, first_name="Hugo", last_name="Moreau")
    team = TeamFactory.create(firm=firm, name="Pôle paie")
    team.members.add(hugo, through_defaults={"firm": firm})
    ColleagueFactory.create(firm=firm, first_name="Gaston", last_name="Parti", is_active=False)
    limited = ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )
    client = ClientFactory.create(
        firm=firm, display_name="Boulangerie Dupain", privacy=Privacy.PRIVATE
    )
    page = signed_in_page

    menu = page.get_by_role("navigation", name="Navigation principale")
    expect(menu.get_by_role("link", name="Clients")).to_have_count(0)  # one Contacts entry
    menu.get_by_role("link", name="Contacts").click()
    page.get_by_role("navigation", name="Vues des contacts").get_by_role(
        "link", name="Tous"
    ).click()
    page.get_by_role("link", name="Boulangerie Dupain").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{client.pk}/")
    page.get_by_role("navigation", name="Onglets du contact").get_by_role(
        "link", name="Équipe et accès"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{client.pk}/team/")

    team_section = page.get_by_role("region", name="Équipe client")
    manager_picker = team_section.get_by_label("Gestionnaire")
    expect(manager_picker.locator("option", has_text="Gaston Parti")).to_have_count(0)
    manager_picker.select_option(label="Léa Bernard")
    team_section.get_by_role("button", name="Changer le gestionnaire").click()
    # The section is re-rendered in place: wait for the new "Qui a accès ?" panel.
    who = page.get_by_role("region", name="Qui a accès ?")
    expect(who.get_by_role("row").filter(has_text="Léa Bernard")).to_contain_text("Gestionnaire")
    team_section = page.get_by_role("region", name="Équipe client")
    expect(team_section.get_by_label("Gestionnaire")).to_have_value(str(lea.pk))

    team_section.get_by_label("ou équipe").select_option(label="Pôle paie")
    team_section.get_by_role("button", name="Ajouter un membre").click()
    team_section = page.get_by_role("region", name="Équipe client")
    expect(
        team_section.get_by_role("listitem").filter(has_text="Équipe « Pôle paie »")
    ).to_be_visible()

    who = page.get_by_role("region", name="Qui a accès ?")
    expect(who.get_by_role("row").filter(has_text="Léa Bernard")).to_contain_text("Gestionnaire")
    expect(who.get_by_role("row").filter(has_text="Hugo Moreau")).to_contain_text("Pôle paie")
    expect(who.get_by_role("row").filter(has_text="Louis Limité")).to_have_count(0)

    stored = Contact.objects.get(pk=client.pk)
    assert stored.manager is not None
    assert stored.manager.full_name == "Léa Bernard"
    assert stored.members.filter(team=team).exists()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    sign_in(limited)
    response = page.goto(f"{live_server.url}/contacts/{client.pk}/team/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text("Boulangerie Dupain")).to_have_count(0)
    # The old address leads to the same 404.
    response = page.goto(f"{live_server.url}/clients/{client.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page).to_have_url(f"{live_server.url}/contacts/{client.pk}/team/")
