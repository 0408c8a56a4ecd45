"""« Mes factures » in a real browser (seed 001, "Contacts et factures"): an admin adds a
custom field of type User, « Responsable », on invoices, and makes an invoice whose
responsible is Xavier through the invoice form. Xavier signs in, filters the invoices by
« Responsable = moi », saves the filter as the segment « Mes factures », opens it from the
list's segments and sees his invoice — not the one whose responsible is someone else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from portefeuille.customfields import services
from portefeuille.customfields.models import CustomField
from portefeuille.firms.models import Colleague
from portefeuille.sales import services as sales
from portefeuille.testing.factories import PASSWORD, ClientFactory, ColleagueFactory
from portefeuille.work.models import Segment

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


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


def invoice_rows(page: Page) -> Any:
    return page.locator("#sales-results tr[data-invoice]")


def test_an_invoice_with_a_responsible_is_found_in_the_segment_mes_factures(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    browser: Browser,
    live_server: Any,
) -> None:
    admin = signed_in_colleague
    firm = admin.firm
    xavier = ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Vendeur")
    client = ClientFactory.create(firm=firm, display_name="Boulangerie Ondine")
    page = signed_in_page

    # The admin defines the field in the firm settings.
    page.goto("/settings/firm/")
    page.get_by_role("link", name="Champs personnalisés").click()
    expect(page).to_have_url(f"{live_server.url}/settings/custom-fields/")
    page.get_by_role("link", name="Nouveau champ").click()
    page.get_by_label("Fiches").select_option(label="Factures")
    page.get_by_label("Libellé").fill("Responsable")
    page.get_by_label("Type").select_option(label="Utilisateur")
    page.get_by_role("button", name="Créer le champ").click()
    expect(page.get_by_text("Champ « Responsable » créé.")).to_be_visible()
    field = CustomField.objects.get(firm=firm, area="invoice", label="Responsable")
    assert field.kind == "user"

    # … and makes an invoice whose responsible is Xavier, through the invoice form.
    page.goto(f"/sales/invoices/new/?client={client.pk}")
    page.get_by_label("Numéro").fill("F-2026-042")
    page.locator('input[name="date"]').fill("2026-12-01")
    page.get_by_label("Montant").fill("1 250,50")
    page.get_by_label("Responsable").select_option(label="Xavier Vendeur")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_role("heading", name="Facture F-2026-042")).to_be_visible()
    expect(page.locator("#custom-fields")).to_contain_text("Xavier Vendeur")

    # Another invoice, whose responsible is the admin.
    other = sales.create_invoice(
        actor=admin, client=client, number="F-2026-099", date="2026-12-02", amount="80"
    )
    services.set_custom_values(actor=admin, record=other, values={field.pk: admin.pk})

    # Xavier signs in and filters the invoices by « Responsable = moi ».
    xavier_page = second_session(browser, live_server, xavier)
    xavier_page.goto("/sales/invoices/")
    expect(invoice_rows(xavier_page)).to_have_count(2)
    xavier_page.get_by_label("Responsable").select_option(label="Moi")
    expect(invoice_rows(xavier_page)).to_have_count(1)
    expect(invoice_rows(xavier_page)).to_contain_text("F-2026-042")
    expect(xavier_page).to_have_url(re.compile(rf"cf_{field.pk}=me"))

    # He saves the filter as « Mes factures ».
    xavier_page.locator("summary", has_text="Enregistrer comme segment").click()
    xavier_page.get_by_label("Nom du segment").fill("Mes factures")
    xavier_page.locator("#segment-save").get_by_role(
        "button", name="Enregistrer comme segment"
    ).click()
    expect(xavier_page.get_by_text("Segment « Mes factures » enregistré.")).to_be_visible()
    segment = Segment.objects.get(owner=xavier)
    assert (segment.area, segment.query) == ("invoices", f"cf_{field.pk}=me")

    # Back on every invoice, he opens it from the segments: his invoice, not the other one.
    xavier_page.goto("/sales/invoices/")
    expect(invoice_rows(xavier_page)).to_have_count(2)
    segments = xavier_page.get_by_role("list", name="Segments")
    expect(segments.locator("li", has_text="Mes factures")).to_contain_text("1")
    segments.get_by_role("link", name="Mes factures", exact=True).click()
    expect(xavier_page).to_have_url(re.compile(rf"/sales/invoices/\?cf_{field.pk}=me$"))
    expect(invoice_rows(xavier_page)).to_have_count(1)
    expect(invoice_rows(xavier_page)).to_contain_text("F-2026-042")
    expect(xavier_page.locator("#sales-results")).not_to_contain_text("F-2026-099")
    expect(segments.get_by_role("link", name="Mes factures", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
