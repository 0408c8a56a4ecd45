"""The contact pages: creating from the "+" menu (with suggestions and pickers), the contact
page (404 unless full access), its related contacts filtered by the viewer's level, edits
through the services, the Membres tab, and the admin-only delete."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from portefeuille.access.models import ClientMember
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    EmailAddress,
    EmploymentStatus,
    GroupMembership,
    PhoneNumber,
)
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    ClientMemberFactory,
    ColleagueFactory,
    ContactCardFactory,
    EmailAddressFactory,
    FirmFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    PersonFactory,
    PhoneNumberFactory,
    WorkItemFactory,
)
from portefeuille.testing.responses import ClientResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return ColleagueFactory.create(firm=firm, first_name="Sophie", last_name="Martin")


@pytest.fixture
def limited(firm: Firm) -> Colleague:
    return ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def text(response: ClientResponse) -> str:
    return response.content.decode()


# --- the "+" menu and creating ---------------------------------------------------------


def test_plus_menu_offers_the_three_kinds_on_every_page(staff: Colleague) -> None:
    html = text(browse(staff).get("/"))

    menu = html.split('class="plus-menu"')[1].split("</details>")[0]
    assert 'href="/contacts/new/person/"' in menu
    assert 'href="/contacts/new/organization/"' in menu
    assert 'href="/contacts/new/client_group/"' in menu


def test_the_menu_has_one_contacts_entry_and_portfolios_for_admins_only(
    staff: Colleague, admin: Colleague
) -> None:
    for who in (staff, admin):
        html = text(browse(who).get("/contacts/", {"view": "all"}))
        menu = html.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
        links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', menu)
        assert [label for _href, label in links].count("Contacts") == 1
        assert "Clients" not in menu
        assert "/clients/" not in menu
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', menu)
        assert current == ["/contacts/"]
        if who.is_admin:
            assert ("/portfolios/", "Portefeuilles") in links
        else:
            assert "/portfolios/" not in menu


def test_create_person_with_a_new_organization_links_them_by_a_card(
    firm: Firm, staff: Colleague
) -> None:
    client_type = ContactType.objects.get(firm=firm, name="Client")

    response = browse(staff).post(
        "/contacts/new/person/",
        {
            "first_name": "Élodie",
            "last_name": "Lefèvre",
            "email": "elodie@exemple.fr",
            "phone": "06 12 34 56 78",
            "contact_type": client_type.pk,
            "privacy": "public",
            "share_communication": "on",
            "new_organization_name": "Boulangerie Lefèvre",
            "role": "Gérante",
        },
    )

    person = Contact.objects.get(kind="person")
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{person.pk}/"
    assert person.display_name == "Élodie Lefèvre"
    assert person.contact_type == client_type
    card = ContactCard.objects.get(person=person)
    assert card.organization.display_name == "Boulangerie Lefèvre"
    assert card.role == "Gérante"
    assert EmailAddress.objects.get(contact=person).address == "elodie@exemple.fr"
    assert PhoneNumber.objects.get(contact=person).number == "+33612345678"


def test_create_person_with_an_existing_organization(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm, display_name="Garage Martin")

    browse(staff).post(
        "/contacts/new/person/",
        {
            "first_name": "Jean",
            "last_name": "Martin",
            "privacy": "public",
            "organization": organization.pk,
            "role": "Associé",
        },
    )

    card = ContactCard.objects.get()
    assert card.organization == organization
    assert card.person.display_name == "Jean Martin"


def test_create_refuses_a_bad_phone_by_field_and_writes_nothing(staff: Colleague) -> None:
    response = browse(staff).post(
        "/contacts/new/person/",
        {"first_name": "Jean", "last_name": "Martin", "privacy": "public", "phone": "123"},
    )

    assert response.status_code == 422
    assert "Numéro de téléphone invalide" in text(response)
    assert not Contact.objects.exists()


def test_create_person_needs_a_name(staff: Colleague) -> None:
    response = browse(staff).post("/contacts/new/person/", {"privacy": "public"})

    assert response.status_code == 422
    assert "Saisissez au moins le prénom ou le nom de famille." in text(response)
    assert not Contact.objects.exists()


def test_create_person_cannot_link_a_hidden_organization(firm: Firm, staff: Colleague) -> None:
    hidden = OrganizationFactory.create(firm=firm, privacy=Privacy.HIDDEN)

    response = browse(staff).post(
        "/contacts/new/person/",
        {
            "first_name": "Jean",
            "last_name": "Martin",
            "privacy": "public",
            "organization": hidden.pk,
        },
    )

    assert response.status_code == 422
    assert hidden.display_name not in text(response)
    assert not Contact.objects.filter(kind="person").exists()


def test_create_organization_with_a_new_primary_contact(staff: Colleague) -> None:
    response = browse(staff).post(
        "/contacts/new/organization/",
        {
            "display_name": "Dupain SARL",
            "website": "dupain.fr",
            "privacy": "public",
            "new_primary_first_name": "Paul",
            "new_primary_last_name": "Dupain",
            "primary_contact_role": "Gérant",
        },
    )

    organization = Contact.objects.get(kind="organization")
    assert response["Location"] == f"/contacts/{organization.pk}/"
    assert organization.website == "https://dupain.fr"
    assert organization.primary_contact is not None
    assert organization.primary_contact.display_name == "Paul Dupain"
    assert ContactCard.objects.get().role == "Gérant"


def test_create_organization_with_an_existing_primary_contact(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm, first_name="Anne", last_name="Durand")

    browse(staff).post(
        "/contacts/new/organization/",
        {"display_name": "Durand & fils", "privacy": "public", "primary_contact": person.pk},
    )

    assert Contact.objects.get(kind="organization").primary_contact == person


def test_create_client_group_with_members(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)
    organization = OrganizationFactory.create(firm=firm)

    response = browse(staff).post(
        "/contacts/new/client_group/",
        {
            "display_name": "Famille Durand",
            "privacy": "public",
            "members": [person.pk, organization.pk],
        },
    )

    group = Contact.objects.get(kind="client_group")
    assert response["Location"] == f"/contacts/{group.pk}/"
    assert set(GroupMembership.objects.filter(group=group).values_list("member_id", flat=True)) == {
        person.pk,
        organization.pk,
    }


def test_unknown_kind_is_404(staff: Colleague) -> None:
    assert browse(staff).get("/contacts/new/robot/").status_code == 404


def test_creating_a_hidden_contact_one_cannot_see_goes_back_to_the_list(
    firm: Firm, limited: Colleague
) -> None:
    # A limited colleague who creates a client becomes its manager (access.services), so
    # they see it; the page then opens on it.
    response = browse(limited).post(
        "/contacts/new/organization/", {"display_name": "Ma société", "privacy": "hidden"}
    )

    organization = Contact.objects.get()
    assert organization.manager == limited
    assert response["Location"] == f"/contacts/{organization.pk}/"


# --- suggestions and pickers -------------------------------------------------------------


def test_suggestions_find_accented_names_without_accents(firm: Firm, staff: Colleague) -> None:
    PersonFactory.create(firm=firm, first_name="Élodie", last_name="Lefèvre")
    PersonFactory.create(
        firm=firm, first_name="Élodie", last_name="Lefebvre", privacy=Privacy.PRIVATE
    )
    PersonFactory.create(
        firm=firm, first_name="Élodie", last_name="Lefèbre", privacy=Privacy.HIDDEN
    )

    html = text(
        browse(staff).get(
            "/contacts/suggestions/",
            {"kind": "person", "first_name": "elodie", "last_name": "lefevre"},
            headers={"HX-Request": "true"},
        )
    )

    assert re.search(r'<a href="/contacts/\d+/">Élodie Lefèvre</a>', html)
    private = html.split("Élodie Lefebvre")[0].rsplit("<li", 1)[1]
    assert 'class="private-name"' in private
    assert "href" not in private
    assert "kind-icon" not in private  # by name only: not even the kind
    assert "Lefèbre" not in html


def test_suggestions_say_nothing_for_a_short_name(staff: Colleague) -> None:
    html = text(browse(staff).get("/contacts/suggestions/", {"display_name": "a"}))

    assert "Contacts similaires" not in html


def test_picker_offers_only_contacts_seen_in_full(firm: Firm, staff: Colleague) -> None:
    OrganizationFactory.create(firm=firm, display_name="Dupain Public")
    OrganizationFactory.create(firm=firm, display_name="Dupain Privé", privacy=Privacy.PRIVATE)
    OrganizationFactory.create(firm=firm, display_name="Dupain Masqué", privacy=Privacy.HIDDEN)
    PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupain")

    html = text(
        browse(staff).get(
            "/contacts/picker/",
            {"field": "organization", "kind": "organization", "organization_q": "dupain"},
        )
    )

    assert "Dupain Public" in html
    assert "Dupain Privé" not in html
    assert "Dupain Masqué" not in html
    assert "Jean Dupain" not in html


# --- the contact page ----------------------------------------------------------------------


def test_contact_page_is_404_unless_full_access(firm: Firm, staff: Colleague) -> None:
    private = OrganizationFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = OrganizationFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    foreign = OrganizationFactory.create(firm=FirmFactory.create())
    http = browse(staff)

    for contact in (private, hidden, foreign):
        assert http.get(f"/contacts/{contact.pk}/").status_code == 404
    assert http.get("/contacts/999999/").status_code == 404


def test_limited_colleague_sees_the_page_of_their_client_only(
    firm: Firm, limited: Colleague
) -> None:
    mine = OrganizationFactory.create(firm=firm, display_name="Boulangerie Dupain")
    ClientMemberFactory.create(client=mine, colleague=limited)
    other = OrganizationFactory.create(firm=firm)
    http = browse(limited)

    assert http.get(f"/contacts/{mine.pk}/").status_code == 200
    assert http.get(f"/contacts/{other.pk}/").status_code == 404


def test_person_page_shows_details_cards_groups_and_team_link(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(
        firm=firm,
        first_name="Jean",
        last_name="Dupont",
        employment_status=EmploymentStatus.SELF_EMPLOYED,
        vat_number="FR40303265045",
    )
    EmailAddressFactory.create(contact=person, address="jean@dupont.fr")
    PhoneNumberFactory.create(contact=person, number="+33612345678")
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(firm=firm, display_name="Dupont SARL"),
        role="Gérant",
    )
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(
            firm=firm, display_name="Holding Privée", privacy=Privacy.PRIVATE
        ),
    )
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(
            firm=firm, display_name="Société Masquée", privacy=Privacy.HIDDEN
        ),
    )
    GroupMembershipFactory.create(
        group=ClientGroupFactory.create(firm=firm, display_name="Famille Dupont"), member=person
    )

    html = text(browse(staff).get(f"/contacts/{person.pk}/"))

    assert "jean@dupont.fr" in html
    assert "06 12 34 56 78" in html
    assert "FR40303265045" in html  # self-employed: the VAT number shows
    cards = html.split('id="cards"')[1].split("</section>")[0]
    assert "Fiches de contact" in cards
    assert "Dupont SARL</a>" in cards
    assert 'value="Gérant"' in cards
    assert "Holding Privée" in cards
    assert "Holding Privée</a>" not in cards
    assert "Masquée" not in html
    assert "Famille Dupont</a>" in html.split('id="groups"')[1]
    assert f'href="/contacts/{person.pk}/team/"' in html
    assert "Équipe et accès" in html


def test_vat_number_is_hidden_for_a_person_who_is_not_self_employed(
    firm: Firm, staff: Colleague
) -> None:
    person = PersonFactory.create(firm=firm, employment_status=EmploymentStatus.EMPLOYED)

    html = text(browse(staff).get(f"/contacts/{person.pk}/"))

    assert "Numéro de TVA" not in html


def test_organization_page_lists_other_contacts_involved(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm, display_name="Dupont SARL")
    ContactCardFactory.create(
        person=PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont"),
        organization=organization,
    )
    ContactCardFactory.create(
        person=PersonFactory.create(
            firm=firm, first_name="Anne", last_name="Cachée", privacy=Privacy.HIDDEN
        ),
        organization=organization,
    )

    html = text(browse(staff).get(f"/contacts/{organization.pk}/"))

    assert "Autres contacts impliqués" in html
    assert "Jean Dupont</a>" in html
    assert "Cachée" not in html


def test_a_card_to_a_contact_seen_by_name_only_shows_its_name_and_padlock_only(
    firm: Firm, staff: Colleague
) -> None:
    # docs/access-rules.md: the name and nothing else: no link, no role, and no kind icon either.
    person = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(
            firm=firm, display_name="Holding Privée", privacy=Privacy.PRIVATE
        ),
        role="Président secret",
    )
    ContactCardFactory.create(
        person=person, organization=OrganizationFactory.create(firm=firm, display_name="Ouverte")
    )

    html = text(browse(staff).get(f"/contacts/{person.pk}/"))

    items = re.findall(r'<li class="card-item">(.*?)</li>', html, re.DOTALL)
    [private] = [item for item in items if "Holding Privée" in item]
    [public] = [item for item in items if "Ouverte" in item]
    assert 'class="private-name"' in private
    assert "kind-icon" not in private
    assert "Président secret" not in html
    assert "kind-icon organization" in public


def test_primary_contact_seen_by_name_only_shows_name_and_padlock(
    firm: Firm, staff: Colleague
) -> None:
    person = PersonFactory.create(
        firm=firm, first_name="Paul", last_name="Privé", privacy=Privacy.PRIVATE
    )
    organization = OrganizationFactory.create(firm=firm, primary_contact=person)

    html = text(browse(staff).get(f"/contacts/{organization.pk}/"))

    assert "Paul Privé" in html
    assert f'href="/contacts/{person.pk}/"' not in html


# --- edits -------------------------------------------------------------------------------


def test_edit_basics_of_a_person_renames_it(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")

    response = browse(staff).post(
        f"/contacts/{person.pk}/edit/basics/",
        {"version": person.version, "first_name": "Jeanne", "last_name": "Dupont"},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.display_name == "Jeanne Dupont"
    assert AuditEvent.objects.filter(client=person, action="client.updated").exists()


def test_a_stale_edit_is_refused_and_the_other_change_stays(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm, display_name="Ancien nom")
    stale = organization.version
    Contact.objects.filter(pk=organization.pk).update(display_name="Nom voisin", version=stale + 1)

    response = browse(staff).post(
        f"/contacts/{organization.pk}/edit/basics/",
        {"version": stale, "display_name": "Mon nom"},
    )

    assert response.status_code == 422
    organization.refresh_from_db()
    assert organization.display_name == "Nom voisin"


def test_edit_accounting_refuses_an_invalid_siret_by_field(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm)

    response = browse(staff).post(
        f"/contacts/{organization.pk}/edit/accounting/",
        {"version": organization.version, "country": "FR", "siret": "12345678901234"},
    )

    assert response.status_code == 422
    assert "SIRET" in text(response)
    organization.refresh_from_db()
    assert organization.siret == ""


def test_add_and_remove_an_email(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)
    http = browse(staff)

    http.post(f"/contacts/{person.pk}/change/add_email/", {"address": "Jean@Exemple.fr"})
    email = EmailAddress.objects.get(contact=person)
    assert email.address == "jean@exemple.fr"
    http.post(f"/contacts/{person.pk}/change/remove_email/", {"id": email.pk})
    assert not EmailAddress.objects.exists()


def test_an_address_used_by_a_hidden_contact_is_refused_without_naming_it(
    firm: Firm, staff: Colleague
) -> None:
    hidden = PersonFactory.create(firm=firm, last_name="Secret", privacy=Privacy.HIDDEN)
    EmailAddressFactory.create(contact=hidden, address="pris@exemple.fr")
    person = PersonFactory.create(firm=firm)

    response = browse(staff).post(
        f"/contacts/{person.pk}/change/add_email/", {"address": "pris@exemple.fr"}
    )

    assert response.status_code == 422
    assert "Secret" not in text(response)
    assert not EmailAddress.objects.filter(contact=person).exists()


def test_add_update_and_remove_a_card_from_the_person_page(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)
    organization = OrganizationFactory.create(firm=firm)
    http = browse(staff)

    http.post(
        f"/contacts/{person.pk}/change/add_card/", {"other": organization.pk, "role": "Associé"}
    )
    card = ContactCard.objects.get(person=person, organization=organization)
    assert card.role == "Associé"
    http.post(f"/contacts/{person.pk}/change/update_card/", {"id": card.pk, "role": "Gérant"})
    card.refresh_from_db()
    assert card.role == "Gérant"
    http.post(f"/contacts/{person.pk}/change/remove_card/", {"id": card.pk})
    assert not ContactCard.objects.exists()


def test_linking_a_contact_seen_by_name_only_is_forbidden(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)
    private = OrganizationFactory.create(firm=firm, privacy=Privacy.PRIVATE)

    response = browse(staff).post(f"/contacts/{person.pk}/change/add_card/", {"other": private.pk})

    assert response.status_code == 403
    assert not ContactCard.objects.exists()


def test_join_an_existing_group_from_the_contact_page(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)
    group = ClientGroupFactory.create(firm=firm)

    browse(staff).post(f"/contacts/{person.pk}/change/join_groups/", {"groups": [group.pk]})

    assert GroupMembership.objects.filter(group=group, member=person).exists()


def test_changes_on_a_contact_without_full_access_are_404_and_change_nothing(
    firm: Firm, staff: Colleague
) -> None:
    private = PersonFactory.create(firm=firm, privacy=Privacy.PRIVATE)

    response = browse(staff).post(
        f"/contacts/{private.pk}/change/add_email/", {"address": "x@exemple.fr"}
    )

    assert response.status_code == 404
    assert not EmailAddress.objects.exists()


# --- Membres tab ---------------------------------------------------------------------------


def test_members_tab_adds_and_removes_members(firm: Firm, staff: Colleague) -> None:
    group = ClientGroupFactory.create(firm=firm, display_name="Famille Durand")
    person = PersonFactory.create(firm=firm, first_name="Anne", last_name="Durand")
    organization = OrganizationFactory.create(firm=firm, display_name="Durand SAS")
    http = browse(staff)

    http.post(
        f"/contacts/{group.pk}/change/add_members/", {"members": [person.pk, organization.pk]}
    )
    html = text(http.get(f"/contacts/{group.pk}/members/"))
    assert "Anne Durand</a>" in html
    assert "Durand SAS</a>" in html

    http.post(f"/contacts/{group.pk}/change/remove_member/", {"member": person.pk})
    assert list(GroupMembership.objects.values_list("member_id", flat=True)) == [organization.pk]


def test_members_tab_hides_hidden_members_and_padlocks_private_ones(
    firm: Firm, staff: Colleague
) -> None:
    group = ClientGroupFactory.create(firm=firm)
    GroupMembershipFactory.create(
        group=group,
        member=PersonFactory.create(
            firm=firm, first_name="Paul", last_name="Privé", privacy=Privacy.PRIVATE
        ),
    )
    GroupMembershipFactory.create(
        group=group,
        member=PersonFactory.create(
            firm=firm, first_name="Marc", last_name="Masqué", privacy=Privacy.HIDDEN
        ),
    )

    html = text(browse(staff).get(f"/contacts/{group.pk}/members/"))

    assert "Paul Privé" in html
    assert "Paul Privé</a>" not in html
    assert "Masqué" not in html


def test_a_group_cannot_be_its_own_member(firm: Firm, staff: Colleague) -> None:
    group = ClientGroupFactory.create(firm=firm)

    response = browse(staff).post(
        f"/contacts/{group.pk}/change/add_members/", {"members": [group.pk]}
    )

    assert response.status_code == 422
    assert "ne peut pas être membre de lui-même" in text(response)
    assert not GroupMembership.objects.exists()


def test_members_tab_is_404_for_a_person(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm)

    assert browse(staff).get(f"/contacts/{person.pk}/members/").status_code == 404


# --- delete ---------------------------------------------------------------------------------


def test_admin_deletes_after_confirming_and_it_is_audited(firm: Firm, admin: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm, display_name="Vieux client")
    http = browse(admin)

    page = text(http.get(f"/contacts/{organization.pk}/delete/"))
    assert "Supprimer « Vieux client » ?" in page
    assert "« Inactif »" in page
    assert Contact.objects.filter(pk=organization.pk).exists()

    response = http.post(f"/contacts/{organization.pk}/delete/")

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=organization.pk).exists()
    assert AuditEvent.objects.filter(action="client.deleted").exists()


def test_the_deletion_page_says_how_much_work_goes_with_the_client(
    firm: Firm, admin: Colleague
) -> None:
    organization = OrganizationFactory.create(firm=firm, display_name="Vieux client")
    WorkItemFactory.create(client=organization)
    WorkItemFactory.create(client=organization)
    WorkItemFactory.create(client=OrganizationFactory.create(firm=firm))

    page = text(browse(admin).get(f"/contacts/{organization.pk}/delete/"))

    assert "Ses 2 éléments de travail, avec leurs tâches et leurs notes" in page


def test_staff_cannot_delete(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm)
    ClientMember.objects.create(firm=firm, client=organization, colleague=staff)

    response = browse(staff).post(f"/contacts/{organization.pk}/delete/")

    assert response.status_code == 403
    assert Contact.objects.filter(pk=organization.pk).exists()
    assert "Supprimer ce contact" not in text(browse(staff).get(f"/contacts/{organization.pk}/"))


def test_set_and_remove_an_organizations_primary_contact(firm: Firm, staff: Colleague) -> None:
    organization = OrganizationFactory.create(firm=firm)
    person = PersonFactory.create(firm=firm, first_name="Anne", last_name="Durand")
    http = browse(staff)

    http.post(f"/contacts/{organization.pk}/change/set_primary/", {"primary_contact": person.pk})
    organization.refresh_from_db()
    assert organization.primary_contact == person
    assert ContactCard.objects.filter(person=person, organization=organization).exists()

    http.post(f"/contacts/{organization.pk}/change/set_primary/", {"remove": "1"})
    organization.refresh_from_db()
    assert organization.primary_contact is None


def test_header_and_tabs_follow_the_kind(firm: Firm, admin: Colleague) -> None:
    group = ClientGroupFactory.create(firm=firm, display_name="Famille Durand")
    person = PersonFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    http = browse(admin)

    group_page = text(http.get(f"/contacts/{group.pk}/"))
    person_page = text(http.get(f"/contacts/{person.pk}/"))

    tabs = group_page.split('aria-label="Onglets du contact"')[1].split("</nav>")[0]
    assert f'href="/contacts/{group.pk}/members/"' in tabs
    team_tab = tabs.split(f'href="/contacts/{group.pk}/team/"')[1].split("</a>")[0]
    assert team_tab.endswith(">Équipe et accès")
    person_tabs = person_page.split('aria-label="Onglets du contact"')[1].split("</nav>")[0]
    assert "/members/" not in person_tabs
    header = person_page.split('class="contact-header"')[1].split("</header>")[0]
    assert "Privé" in header  # the padlock, for those who see it in full too
    assert "Personne" in header


def test_avatar_is_served_to_full_access_only(
    firm: Firm, admin: Colleague, staff: Colleague, settings: object, tmp_path: object
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from portefeuille.contacts.services import set_avatar

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    client = OrganizationFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    set_avatar(
        actor=admin,
        contact=client,
        image=SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png"),
    )

    response = browse(admin).get(f"/contacts/{client.pk}/avatar/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()  # type: ignore[attr-defined]
    assert f"/contacts/{client.pk}/avatar/" in text(browse(admin).get(f"/contacts/{client.pk}/"))
    # Private: a staff colleague off the team sees the name only, never the picture.
    assert browse(staff).get(f"/contacts/{client.pk}/avatar/").status_code == 404


def test_the_sharing_switch_is_offered_only_to_those_who_may_turn_it(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    person = PersonFactory.create(firm=firm, share_communication=False)
    url = f"/contacts/{person.pk}/edit/basics/"
    assert 'name="share_communication"' in text(browse(admin).get(url))
    assert 'name="share_communication"' not in text(browse(staff).get(url))
    # A forged field from a staff colleague changes nothing.
    browse(staff).post(
        url,
        {
            "version": person.version,
            "first_name": "A",
            "last_name": "B",
            "share_communication": "on",
        },
    )
    person.refresh_from_db()
    assert person.share_communication is False
