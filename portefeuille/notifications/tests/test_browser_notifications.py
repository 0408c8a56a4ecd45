"""An admin makes a colleague the owner of a hidden client from its team tab; the new owner
sees the unread count in the header and the notification in the centre, and a colleague
without access to the client sees neither (docs/notifications.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import ClientFactory, ColleagueFactory, OwnerEntryFactory

pytestmark = pytest.mark.browser


def test_the_notification_appears_for_the_new_owner_and_not_for_a_colleague_without_access(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    sign_in: Callable[..., Page],
    live_server: Any,
) -> None:
    firm = signed_in_colleague.firm
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    hugo = ColleagueFactory.create(firm=firm, first_name="Hugo", last_name="Moreau")
    OwnerEntryFactory.create(firm=firm, colleague=lea)
    client = ClientFactory.create(
        firm=firm, display_name="Boulangerie Dupain", privacy=Privacy.HIDDEN
    )
    page = signed_in_page

    page.goto(f"{live_server.url}/contacts/{client.pk}/team/")
    team_section = page.get_by_role("region", name="Équipe client")
    team_section.get_by_label("Responsable client").select_option(label="Léa Bernard")
    team_section.get_by_role("button", name="Changer le responsable").click()
    expect(page.get_by_role("region", name="Équipe client")).to_contain_text("Léa Bernard")
    # The actor is not notified of their own change.
    expect(page.locator("[data-unread-count]")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()

    sign_in(lea)
    bell = page.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    expect(bell).to_contain_text("non lue")
    bell.click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    item = page.get_by_role("listitem").filter(has_text="Boulangerie Dupain")
    expect(item).to_contain_text("Vous êtes désormais responsable client de Boulangerie Dupain.")
    expect(item).to_contain_text("par Camille Durand")
    item.get_by_role("button", name="Ouvrir le client").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{client.pk}/")
    expect(page.locator("[data-unread-count]")).to_have_count(0)  # read once opened
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()

    sign_in(hugo)
    expect(page.locator("[data-unread-count]")).to_have_count(0)
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("Aucune notification pour le moment.", exact=False)).to_be_visible()
    expect(page.get_by_text("Boulangerie Dupain")).to_have_count(0)
