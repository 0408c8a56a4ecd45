"""Importing contacts in a real browser (docs/imports.md): a Google Contacts export with two
likely duplicates is uploaded, its columns are recognised, the preview flags the duplicates
and a bad row, one duplicate completes the existing contact, and the report lists what was
not imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.testing import factories as f

pytestmark = pytest.mark.browser

GOOGLE = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
    "Élodie,,Lefèvre,,,,,,,,Boulangerie Lefèvre,Gérante,,1985-04-12,,,* myContacts,"
    "Work,elodie@lefevre.test,Mobile,06 12 34 56 78\n"
    "Jean,,Martin,,,,,,,,,,,,,,* myContacts,Work,jean.martin@exemple.test,,\n"
    "Nina,,Garnier,,,,,,,,,,,,,,* myContacts,Work,nina@garnier.test,,\n"
    "Paul,,Bonnet,,,,,,,,,,,,,,* myContacts,Work,paul@bonnet,,\n"
)


def test_a_google_contacts_export_with_two_duplicates_and_its_report(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any, tmp_path: Path
) -> None:
    firm = signed_in_colleague.firm
    f.PersonFactory.create(firm=firm, first_name="Elodie", last_name="Lefevre")
    jean = f.PersonFactory.create(firm=firm, first_name="Jean", last_name="Martin")
    f.EmailAddressFactory.create(firm=firm, contact=jean, address="jean.martin@exemple.test")
    export = tmp_path / "contacts.csv"
    export.write_text(GOOGLE, encoding="utf-8")
    page = signed_in_page

    page.goto("/contacts/")
    page.get_by_role("link", name="Importer…").click()
    page.get_by_label("Fichier", exact=True).set_input_files(export)
    page.get_by_role("button", name="Continuer").click()
    # The columns of Google's export are recognised.
    expect(page.get_by_label("First Name", exact=True)).to_have_value("first_name")
    expect(page.get_by_label("E-mail 1 - Value", exact=True)).to_have_value("email")
    expect(page.get_by_label("E-mail 1 - Label", exact=True)).to_have_value("")
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.locator('[data-import="create"]')).to_have_text("1 contact sera créé.")
    expect(page.locator('[data-import="duplicates"]')).to_have_text("2 doublons probables.")
    expect(page.locator('[data-import="invalid"]')).to_contain_text("1 ligne en erreur")
    expect(page.locator('tr[data-line="5"]')).to_contain_text("paul@bonnet")
    expect(page.locator('tr[data-line="3"]')).to_contain_text("Même e-mail que")
    expect(page.locator('tr[data-line="2"]')).to_contain_text("Nom proche de")
    # Jean Martin's row completes the existing contact; Élodie's stays ignored.
    page.get_by_label("Choix pour la ligne 3").select_option("merge")
    page.get_by_role("button", name="Enregistrer les choix").click()
    expect(page.locator('[data-import="merge"]')).to_have_text("1 contact existant sera complété.")
    page.get_by_role("button", name="Importer 2 contacts").click()

    summary = page.locator("#import-summary")
    expect(summary.locator('[data-import="created"]')).to_have_text("1 contact créé.")
    expect(summary.locator('[data-import="merged"]')).to_have_text("1 contact existant complété.")
    expect(summary.locator('[data-import="skipped"]')).to_have_text("1 ligne ignorée.")
    expect(summary.locator('[data-import="rejected"]')).to_have_text("1 ligne rejetée.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport des lignes non importées").click()
    report = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert [line[:2] for line in lines[1:]] == [["2", "Ignoré"], ["5", "Rejeté"]]
    assert "paul@bonnet" in lines[2][2]
    assert Contact.objects.filter(firm=firm, last_name="Garnier").exists()
    assert Contact.objects.filter(firm=firm, last_name="Martin").count() == 1
    assert Contact.objects.filter(firm=firm, last_name__in=["Lefèvre", "Lefevre"]).count() == 1
