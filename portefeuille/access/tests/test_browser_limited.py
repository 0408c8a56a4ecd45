"""« CRM limité » in a real browser (docs/access-rules.md, rule 4): Louis, of limited scope,
is on Dupont SA's client team. He reads Dupont SA, the persons with a card there (Paul in
full, Pia by name), and the opportunities, projects, invoices and tickets of those clients —
and nothing of Bernard SARL, a public company that is not his, nor of its contact."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.inbox import services as inbox
from portefeuille.sales import services as sales
from portefeuille.testing import factories as f

pytestmark = pytest.mark.browser


def _records(admin: Colleague, client: Contact, tag: str) -> None:
    """One opportunity, project, invoice and ticket on `client`, each named after `tag`."""
    sales.create_opportunity(actor=admin, client=client, title=f"Mission {tag}", assignee=admin)
    sales.create_project(actor=admin, client=client, name=f"Projet {tag}", manager=admin)
    sales.create_invoice(
        actor=admin,
        client=client,
        number=f"FA-{tag}",
        date=datetime.date(2026, 11, 2),
        amount="100",
    )
    inbox.create_ticket(
        actor=admin,
        subject=f"Question {tag}",
        requester_email=f"{tag.lower()}@exemple.fr",
        body="Bonjour",
        client=client,
    )


def test_a_limited_colleague_sees_only_the_records_of_their_companies(
    transactional_db: None, sign_in: Callable[..., Page], live_server: Any
) -> None:
    admin = f.AdminFactory.create(first_name="Camille", last_name="Durand")
    firm = admin.firm
    louis = f.ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )
    dupont = f.OrganizationFactory.create(firm=firm, display_name="Dupont SA")
    f.ClientMemberFactory.create(client=dupont, colleague=louis)
    paul = f.PersonFactory.create(firm=firm, first_name="Paul", last_name="Martin")
    pia = f.PersonFactory.create(
        firm=firm, first_name="Pia", last_name="Martin", privacy=Privacy.PRIVATE
    )
    for person in (paul, pia):
        f.ContactCardFactory.create(person=person, organization=dupont, role="Gérant")
    bernard = f.OrganizationFactory.create(firm=firm, display_name="Bernard SARL")
    f.ContactCardFactory.create(
        person=f.PersonFactory.create(firm=firm, first_name="Bruno", last_name="Bernard"),
        organization=bernard,
    )
    _records(admin, dupont, "DUPONT")
    _records(admin, paul, "PAUL")
    _records(admin, pia, "PIA")
    _records(admin, bernard, "BERNARD")
    page = sign_in(louis)

    # His contacts: Dupont SA and its people (Pia by name only), no one of Bernard SARL.
    page.goto("/contacts/?view=all")
    names = page.locator("tr.contact-row th")
    expect(names).to_have_count(3)
    expect(page.locator("#contact-rows")).to_contain_text("Dupont SA")
    expect(page.locator("#contact-rows")).to_contain_text("Paul Martin")
    expect(page.locator("#contact-rows")).to_contain_text("Pia Martin")
    expect(page.locator("#contact-rows")).not_to_contain_text("Bernard")
    expect(page.get_by_role("link", name="Pia Martin")).to_have_count(0)
    names.get_by_role("link", name="Dupont SA").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dupont SA")
    page.get_by_role("link", name="Paul Martin").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paul Martin")

    # The sales lists and the inbox: Dupont SA's and Paul's records, none of Pia (no
    # name-only view of a record) nor of Bernard SARL.
    for path, row in (
        ("/sales/opportunities/", "tr[data-opportunity]"),
        ("/sales/projects/", "tr[data-project]"),
        ("/sales/invoices/", "tr[data-invoice]"),
        ("/inbox/?status=all", "tr[data-ticket]"),
    ):
        page.goto(path)
        rows = page.locator(row)
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="DUPONT")).to_have_count(1)
        expect(rows.filter(has_text="PAUL")).to_have_count(1)
        expect(page.locator("main")).not_to_contain_text("BERNARD")
        expect(page.locator("main")).not_to_contain_text("PIA")

    # Bernard SARL's page is the 404 of an unknown id.
    response = page.goto(f"/contacts/{bernard.pk}/")
    assert response is not None
    assert response.status == 404
