"""An invoice's responsible and the segment « Mes factures », in a real browser
(docs/sales.md, docs/custom-fields.md): the admin adds a User field « Responsable » to
invoices, makes an invoice through the form with Xavier as its responsible; Xavier, signed
in elsewhere, filters the invoices on « Responsable : Moi », saves that as « Mes factures »
and finds the invoice there, counted. An invoice on a hidden client that also names him is
in neither (a User field grants nothing)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from portefeuille.customfields import services as custom_fields
from portefeuille.customfields.models import CustomField
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.sales import services as sales
from portefeuille.sales.models import Invoice
from portefeuille.testing.factories import ClientFactory, ColleagueFactory
from portefeuille.work.models import Segment

from .test_browser_sales import second_session

pytestmark = pytest.mark.browser


def test_an_invoice_with_a_responsible_is_found_in_their_segment_mes_factures(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    browser: Browser,
    live_server: Any,
) -> None:
    admin = signed_in_colleague
    firm = admin.firm
    xavier = ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Comptable")
    ClientFactory.create(firm=firm, display_name="Boulangerie Dupain", privacy=Privacy.PUBLIC)
    secret = ClientFactory.create(firm=firm, display_name="Holding Secrète", privacy=Privacy.HIDDEN)
    field = custom_fields.define_custom_field(
        actor=admin,
        area=CustomField.Area.INVOICE,
        label="Responsable",
        kind=CustomField.Kind.USER,
        in_list=True,
    )
    hidden_invoice = sales.create_invoice(
        actor=admin,
        client=secret,
        number="FA-SECRET-9",
        date=datetime.date(2026, 11, 2),
        amount="90",
    )
    custom_fields.set_custom_values(
        actor=admin, record=hidden_invoice, values={field.pk: xavier.pk}
    )
    page = signed_in_page

    # The admin makes the invoice through the form, with Xavier as its responsible.
    page.goto("/sales/invoices/")
    page.get_by_role("link", name="Nouvelle facture").first.click()
    page.get_by_label("Pour quel client ?").fill("dupain")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name="Boulangerie Dupain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nouvelle facture pour Boulangerie Dupain"
    )
    page.get_by_label("Numéro").fill("FA-2026-0042")
    page.locator('input[name="date"]').fill("2026-11-30")
    page.get_by_label("Montant").fill("1 250,50")
    page.get_by_label("Responsable").select_option(label="Xavier Comptable")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_role("status")).to_contain_text("FA-2026-0042")
    invoice = Invoice.objects.get(number="FA-2026-0042")
    expect(page.locator("article")).to_contain_text("Xavier Comptable")

    # Xavier, elsewhere: his invoices, saved as a segment.
    other = second_session(browser, live_server, xavier)
    other.goto("/sales/invoices/")
    rows = other.locator("#sales-rows tr[data-invoice]")
    expect(rows).to_have_count(1)  # the hidden client's invoice is not his to read
    other.get_by_label("Responsable").select_option(label="Moi")
    expect(other).to_have_url(re.compile(rf"/sales/invoices/\?.*cf_{field.pk}=me"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("FA-2026-0042")
    other.get_by_text("Enregistrer comme segment", exact=True).first.click()
    other.get_by_label("Nom du segment").fill("Mes factures")
    other.get_by_role("button", name="Enregistrer comme segment").click()

    segment = Segment.objects.get(owner=xavier, name="Mes factures")
    assert segment.area == Segment.Area.INVOICES
    link = other.get_by_role("list", name="Segments").get_by_role(
        "link", name="Mes factures", exact=True
    )
    expect(link).to_be_visible()
    expect(link.locator("xpath=following-sibling::span[1]")).to_have_text("1")
    # Another day: from the plain list, the segment brings his invoice back.
    other.goto("/sales/invoices/")
    other.get_by_role("list", name="Segments").get_by_role(
        "link", name="Mes factures", exact=True
    ).click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name="FA-2026-0042")).to_have_attribute(
        "href", f"/sales/invoices/{invoice.pk}/"
    )
    expect(other.get_by_text("FA-SECRET-9")).to_have_count(0)
    other.context.close()
