"""The client monitor in a real browser (docs/exchange.md): a staff colleague opens
« Moniteur » from the menu, filters by portfolio and owner, adds the client code column,
sorts by name descending, and exports to Excel; the downloaded file, opened with openpyxl, holds
exactly the rows and columns the page showed — the private client by its name only, the
hidden one not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_colleague(transactional_db: None) -> Colleague:
    return f.ColleagueFactory.create(first_name="Sacha", last_name="Staff")


def test_filter_the_monitor_and_export_what_it_shows_to_excel(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any, tmp_path: Path
) -> None:
    firm = signed_in_colleague.firm
    olivier = f.ColleagueFactory.create(firm=firm, first_name="Olivier", last_name="Dumas")
    entry = f.OwnerEntryFactory.create(firm=firm, colleague=olivier)
    grands = f.PortfolioFactory.create(firm=firm, name="Grands comptes")
    other = f.PortfolioFactory.create(firm=firm, name="Petits comptes")
    for name, privacy, portfolio in (
        ("Atelier Dumas", Privacy.PUBLIC, grands),
        ("Boulangerie Dumas", Privacy.PUBLIC, grands),
        ("Cabinet Privé Dumas", Privacy.PRIVATE, grands),
        ("Dépôt Caché Dumas", Privacy.HIDDEN, grands),
        ("Épicerie Ailleurs", Privacy.PUBLIC, other),
    ):
        f.OrganizationFactory.create(
            firm=firm, display_name=name, privacy=privacy, portfolio=portfolio, owner=entry
        )
    f.OrganizationFactory.create(firm=firm, display_name="Fromagerie Sans Responsable")
    page = signed_in_page

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Moniteur"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moniteur de clients")
    rows = page.locator("#monitor-rows tr[data-level]")
    # Every client Sacha sees: five, the private one by name only.
    expect(rows).to_have_count(5)
    page.locator("#monitor-portfolio").select_option(label="Grands comptes")
    page.locator("#monitor-owner").select_option(label="Olivier Dumas")
    page.get_by_text("Colonnes", exact=True).click()
    page.get_by_role("checkbox", name="Identifiant client").check()
    page.get_by_role("button", name="Afficher").click()
    # Filters beyond the name keep only the clients seen in full.
    expect(rows).to_have_count(2)
    expect(page.locator(".monitor-count")).to_contain_text("2 clients")
    # Sorted by name; a click on its header reverses the order.
    page.get_by_role("link", name="Nom ↑").click()
    expect(page.get_by_role("link", name="Nom ↓")).to_be_visible()
    expect(rows.first).to_contain_text("Boulangerie Dumas")
    expect(rows.nth(1)).to_contain_text("Atelier Dumas")
    expect(rows.first).to_contain_text("Grands comptes")

    page.get_by_label("Format").select_option(label="Excel (.xlsx)")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporter").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == [
        "Nom",
        "Identifiant client",
        "Type de contact",
        "Responsable client",
        "Gestionnaire",
        "Portefeuille",
        "Travail en cours",
    ]
    assert [row[0] for row in values[1:]] == ["Boulangerie Dumas", "Atelier Dumas"]
    assert values[1][3] == "Olivier Dumas"
    assert values[1][5] == "Grands comptes"

    # Without filters, the private client is in the file by its name alone.
    page.get_by_role("link", name="Effacer les filtres").first.click()
    expect(rows).to_have_count(5)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporter").click()
    path = tmp_path / "all.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    by_name = {row[0].value: [c.value for c in row[1:]] for row in sheet.iter_rows(min_row=2)}
    assert "Dépôt Caché Dumas" not in by_name
    assert by_name["Cabinet Privé Dumas"] == [None, None, None, None, None]
    assert by_name["Atelier Dumas"][1] == "Olivier Dumas"
