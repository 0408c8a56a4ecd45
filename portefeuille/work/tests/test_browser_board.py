"""The work board in a real browser: an admin filters it by client owner, then by a titled
custom role, drags a card to « En cours »; a second session that still shows the card where
it was drags it too and gets the refusal, its card going back, the first move staying."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from portefeuille.firms.models import Colleague, WorkStatus
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.testing.factories import (
    PASSWORD,
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
    RoleAssignmentFactory,
    WorkItemFactory,
)
from portefeuille.work.models import WorkItem

pytestmark = pytest.mark.browser


def column(page: Page, name: str) -> Locator:
    """A column of the board, by its status (its heading also says its count)."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(name)}\W+\d+\W*$"))


def card(page: Page, title: str) -> Locator:
    return page.locator("li.work-card").filter(has=page.get_by_role("link", name=title))


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


def test_filter_by_owner_then_titled_role_drag_to_in_progress_and_a_stale_drag_is_refused(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    browser: Browser,
    live_server: Any,
) -> None:
    admin = signed_in_colleague
    firm = admin.firm
    set_role_slot_titles(actor=admin, titles={2: "Associé signataire"})
    olivier = ColleagueFactory.create(firm=firm, first_name="Olivier", last_name="Owner")
    paul = ColleagueFactory.create(firm=firm, first_name="Paul", last_name="Partner")
    entry = OwnerEntryFactory.create(firm=firm, colleague=olivier)
    dupain = ClientFactory.create(firm=firm, display_name="Boulangerie Dupain", owner=entry)
    RoleAssignmentFactory.create(client=dupain, slot=2, colleague=paul)
    martin = ClientFactory.create(firm=firm, display_name="Garage Martin", owner=entry)
    zola = ClientFactory.create(firm=firm, display_name="Librairie Zola")
    bilan = WorkItemFactory.create(client=dupain, title="Bilan Dupain")
    WorkItemFactory.create(client=martin, title="TVA Martin")
    WorkItemFactory.create(client=zola, title="Paie Zola")
    colleague = AdminFactory.create(firm=firm, first_name="Claire", last_name="Seconde")
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Travail"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/work/")
    for title in ("Bilan Dupain", "TVA Martin", "Paie Zola"):
        expect(card(page, title)).to_be_visible()

    # By client owner.
    filters = page.get_by_role("search", name="Filtres du travail")
    filters.get_by_text("Filtres", exact=True).click()
    filters.get_by_label("Responsable client").select_option(label="Olivier Owner")
    expect(card(page, "Paie Zola")).to_have_count(0)
    expect(card(page, "TVA Martin")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"client_owner={entry.pk}"))

    # Then by a titled custom role (the untitled ones are not offered).
    expect(filters.get_by_label("Associé signataire")).to_be_visible()
    filters.get_by_label("Associé signataire").select_option(label="Paul Partner")
    expect(card(page, "TVA Martin")).to_have_count(0)
    expect(card(page, "Bilan Dupain")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"role=2.*role_holder={paul.pk}|role_holder={paul.pk}"))
    expect(column(page, "Planifié")).to_contain_text("Bilan Dupain")

    # A second session opens the board now: its card is about to be stale.
    other = second_session(browser, live_server, colleague)
    other.goto("/work/")
    expect(column(other, "Planifié")).to_contain_text("Bilan Dupain")

    # Drag the card to « En cours ».
    card(page, "Bilan Dupain").drag_to(column(page, "En cours").locator("[data-drop-status]"))
    expect(page.get_by_role("alert")).to_contain_text(
        "« Bilan Dupain » est maintenant « En cours »."
    )
    expect(column(page, "En cours")).to_contain_text("Bilan Dupain")
    expect(column(page, "En cours").locator("[data-wip]")).to_have_text("1")
    expect(column(page, "Planifié").locator("[data-wip]")).to_have_text("0")
    in_progress = WorkStatus.objects.get(
        firm=firm, primary_state=WorkStatus.PrimaryState.IN_PROGRESS
    )
    assert WorkItem.objects.get(pk=bilan.pk).status_id == in_progress.pk

    # The stale card, dragged in the second session: refused, and it goes back.
    card(other, "Bilan Dupain").drag_to(
        column(other, "En attente du client").locator("[data-drop-status]")
    )
    expect(other.get_by_role("alert")).to_contain_text("modifié par quelqu'un d'autre")
    expect(column(other, "Planifié")).to_contain_text("Bilan Dupain")
    expect(column(other, "En attente du client")).not_to_contain_text("Bilan Dupain")
    assert WorkItem.objects.get(pk=bilan.pk).status_id == in_progress.pk

    # Reloaded, the second session sees the first move.
    other.reload()
    expect(column(other, "En cours")).to_contain_text("Bilan Dupain")
    other.context.close()
