"""In a real browser: an admin creates a person with a new organization from the "+" menu,
links a second organization with a role, makes a client group of both, finds the person by
typing the name without accents, adds a note and a document; a limited colleague without
access sees none of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from portefeuille.contacts.models import Contact, ContactCard, Document, GroupMembership
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ColleagueFactory, OrganizationFactory, PersonFactory

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def open_plus_menu(page: Page, choice: str) -> None:
    page.locator(".plus-menu > summary").click()
    page.locator(".plus-menu").get_by_role("link", name=choice, exact=True).click()


def test_admin_creates_links_and_groups_contacts_and_a_limited_colleague_sees_none(
    signed_in_page: Page,
    signed_in_colleague: Colleague,
    sign_in: Callable[..., Page],
    live_server: Any,
) -> None:
    firm = signed_in_colleague.firm
    limited = ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )
    OrganizationFactory.create(firm=firm, display_name="Garage Martin")
    PersonFactory.create(firm=firm, first_name="Élodie", last_name="Lefebvre")
    page = signed_in_page

    # A person with a new organization, from the "+" menu; a near namesake is suggested.
    open_plus_menu(page, "Personne")
    expect(page.get_by_role("heading", name="Nouvelle personne")).to_be_visible()
    page.get_by_label(re.compile(r"^Prénom")).fill("Élodie")
    page.get_by_label("Nom de famille").press_sequentially("Lefèvre", delay=30)
    expect(page.locator("#suggestions")).to_contain_text("Élodie Lefebvre")
    page.get_by_label("Nouvelle organisation").fill("Boulangerie Lefèvre")
    page.get_by_label("Rôle dans l'organisation").fill("Gérante")
    page.get_by_role("button", name="Créer la personne").click()
    person = Contact.objects.get(display_name="Élodie Lefèvre")
    expect(page).to_have_url(f"{live_server.url}/contacts/{person.pk}/")
    expect(page.get_by_role("heading", name="Élodie Lefèvre")).to_be_visible()
    cards = page.get_by_role("region", name="Fiches de contact")
    expect(cards.get_by_role("link", name="Boulangerie Lefèvre")).to_be_visible()

    # A second organization, linked with a role from the person's page.
    cards.get_by_label("Lier à une organisation").fill("garage")
    cards.get_by_role("radio", name=re.compile("Garage Martin")).check()
    cards.get_by_label("Rôle", exact=True).fill("Associée")
    cards.get_by_role("button", name="Ajouter la fiche").click()
    cards = page.get_by_role("region", name="Fiches de contact")
    expect(cards.get_by_role("link", name="Garage Martin")).to_be_visible()
    expect(cards.get_by_label("Rôle de la fiche « Garage Martin »")).to_have_value("Associée")

    # A client group with both organizations.
    open_plus_menu(page, "Groupe de clients")
    page.get_by_label("Nom du groupe").fill("Famille Lefèvre")
    picker = page.get_by_label("Ajouter des personnes ou des organisations")
    picker.fill("boulangerie")
    page.get_by_role("checkbox", name=re.compile("Boulangerie Lefèvre")).check()
    picker.fill("garage")
    page.get_by_role("checkbox", name=re.compile("Garage Martin")).check()
    page.get_by_role("button", name="Créer le groupe").click()
    group = Contact.objects.get(display_name="Famille Lefèvre")
    expect(page).to_have_url(f"{live_server.url}/contacts/{group.pk}/")
    page.get_by_role("navigation", name="Onglets du contact").get_by_role(
        "link", name="Membres"
    ).click()
    members = page.get_by_role("region", name="Membres")
    expect(members.get_by_role("link", name="Boulangerie Lefèvre")).to_be_visible()
    expect(members.get_by_role("link", name="Garage Martin")).to_be_visible()

    # Found by typing the name without accents.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Contacts"
    ).click()
    page.get_by_role("navigation", name="Vues des contacts").get_by_role(
        "link", name="Tous"
    ).click()
    page.get_by_label("Rechercher un contact").press_sequentially("elodie lefevre", delay=30)
    results = page.locator("#contact-results")
    # The rows of the other contacts go once the live search has answered.
    expect(results.locator("tr.contact-row")).to_have_count(1)
    row = results.locator("tr.contact-row")
    expect(row.get_by_role("rowheader")).to_have_text(re.compile(r"Élodie Lefèvre\s*$"))
    expect(row.get_by_role("link", name="Garage Martin")).to_be_visible()  # its cards
    row.get_by_role("rowheader").get_by_role("link", name="Élodie Lefèvre").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{person.pk}/")

    # A note and a document on the person (the timeline and documents tabs, helper R's).
    tabs = page.get_by_role("navigation", name="Onglets du contact")
    tabs.get_by_role("link", name="Chronologie").click()
    page.get_by_label("Texte de la note").fill("Appel du **lundi** : bilan 2025 à préparer")
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.locator(".note-body").filter(has_text="bilan 2025")).to_be_visible()
    page.get_by_role("navigation", name="Onglets du contact").get_by_role(
        "link", name="Documents"
    ).click()
    page.get_by_label("Fichier", exact=True).set_input_files(
        files=FilePayload(name="bilan-2025.pdf", mimeType="application/pdf", buffer=PDF)
    )
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("link", name="bilan-2025.pdf")).to_be_visible()
    document = Document.objects.get(client=person)

    assert ContactCard.objects.filter(person=person).count() == 2
    assert GroupMembership.objects.filter(group=group).count() == 2

    # A limited colleague off these client teams sees none of it.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    sign_in(limited)
    page.goto(f"{live_server.url}/contacts/?view=all&inactive=1")
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    for name in ("Élodie Lefèvre", "Boulangerie Lefèvre", "Garage Martin", "Famille Lefèvre"):
        expect(page.get_by_text(name)).to_have_count(0)
    page.goto(f"{live_server.url}/contacts/?view=all&q=lefevre")
    expect(page.get_by_text("Aucun contact ne correspond à « lefevre »")).to_be_visible()
    for url in (
        f"/contacts/{person.pk}/",
        f"/contacts/{group.pk}/",
        f"/contacts/{person.pk}/timeline/",
        f"/contacts/{person.pk}/documents/",
        f"/contacts/{person.pk}/documents/{document.pk}/download/",
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 404
        expect(page.get_by_text("Lefèvre")).to_have_count(0)
        expect(page.get_by_text("bilan")).to_have_count(0)
