"""An admin creates a team with two members in a real browser, and sees it listed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague, Team
from portefeuille.testing.factories import ColleagueFactory

pytestmark = pytest.mark.browser


def test_admin_creates_a_team_with_two_members_and_sees_it_listed(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    firm = signed_in_colleague.firm
    ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    ColleagueFactory.create(firm=firm, first_name="Hugo", last_name="Moreau")
    ColleagueFactory.create(firm=firm, first_name="Gaston", last_name="Parti", is_active=False)
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Équipes"
    ).click()
    page.get_by_role("link", name="Créer une équipe").click()
    # Pickers offer active colleagues only.
    expect(page.get_by_label("Léa Bernard")).to_be_visible()
    expect(page.get_by_text("Gaston Parti")).to_have_count(0)
    page.get_by_label("Nom de l'équipe").fill("Pôle paie")
    page.get_by_label("Filtrer les collaborateurs").fill("mor")
    expect(page.get_by_label("Léa Bernard")).to_be_hidden()
    page.get_by_label("Hugo Moreau").check()
    page.get_by_label("Filtrer les collaborateurs").fill("")
    page.get_by_label("Léa Bernard").check()
    page.get_by_role("button", name="Créer l'équipe").click()

    expect(page).to_have_url(f"{live_server.url}/settings/teams/")
    expect(page.get_by_role("status")).to_contain_text("Équipe « Pôle paie » créée.")
    row = page.get_by_role("row").filter(has_text="Pôle paie")
    expect(row).to_contain_text("Hugo Moreau")
    expect(row).to_contain_text("Léa Bernard")
    team = Team.objects.get(firm=firm, name="Pôle paie")
    assert {member.full_name for member in team.members.all()} == {"Léa Bernard", "Hugo Moreau"}
