"""In a real browser: a note added with HTMX appears at once, a script in it stays text, the
filter narrows the timeline, and a document is uploaded, listed and downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect
from pytest_django import Settings

from portefeuille.contacts.models import Document
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import PersonFactory

from .timeline_samples import PDF

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


def test_note_and_document_on_a_contact(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any, tmp_path: Path
) -> None:
    person = PersonFactory.create(
        firm=signed_in_colleague.firm, first_name="Élodie", last_name="Lefèvre"
    )
    page = signed_in_page
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    page.goto(f"{live_server.url}/contacts/{person.pk}/timeline/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Élodie Lefèvre")

    page.get_by_label("Texte de la note").fill("Bilan **prêt** <script>window.pirate=1</script>")
    page.get_by_role("button", name="Ajouter la note").click()
    entry = page.locator(".timeline-note").first
    expect(entry.locator("strong")).to_have_text("prêt")
    expect(entry).to_contain_text("<script>window.pirate=1</script>")
    assert page.evaluate("window.pirate") is None
    expect(page.get_by_label("Texte de la note")).to_have_value("")

    page.get_by_label("Afficher").select_option(label="Événements")
    expect(page.get_by_text("La chronologie est vide", exact=False)).to_have_count(0)
    expect(page.locator(".timeline-note")).to_have_count(0)
    page.get_by_label("Afficher").select_option(label="Notes")
    expect(page.locator(".timeline-note")).to_have_count(1)

    page.get_by_role("link", name="Documents").click()
    sample = tmp_path / "Bilan 2025.pdf"
    sample.write_bytes(PDF)
    page.get_by_label("Fichier").set_input_files(str(sample))
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Document « Bilan 2025.pdf » ajouté.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bilan 2025.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Bilan 2025.pdf"
    assert Path(download.path()).read_bytes() == PDF

    page.get_by_role("button", name="Supprimer").click()
    expect(page.get_by_role("link", name="Bilan 2025.pdf")).to_have_count(0)
    assert dialogs == ["confirm"]
    assert not Document.objects.exists()
