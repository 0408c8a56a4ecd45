"""/api/v1/contacts for contact details: creation per kind, fields and filters of the
list and detail, details, cards, members, avatar and suggestions — and that nothing about a
contact leaks to a colleague who may not see it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
)
from portefeuille.firms.models import Colleague, ContactType, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


@pytest.fixture
def sophie() -> Colleague:
    return f.ColleagueFactory.create(first_name="Sophie", last_name="Staff")


@pytest.fixture
def headers(sophie: Colleague) -> dict[str, str]:
    return token_headers(sophie)


def post(client: Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


def patch(client: Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.patch(url, body, content_type="application/json", headers=headers)


def rows() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (Contact, EmailAddress, PhoneNumber, ContactCard, GroupMembership, AuditEvent)
    }


def errors_of(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["loc"][-1]: e["msg"] for e in body["errors"]}


# --- creation per kind ---------------------------------------------------------------------


def test_create_person_with_new_organization(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    response = post(
        client,
        f"{URL}/people",
        {
            "first_name": "Élodie",
            "last_name": "Lefèvre",
            "emails": ["elodie@exemple.fr"],
            "phones": ["06 12 34 56 78"],
            "new_organization_name": "Lefèvre Conseil",
            "role": "Gérante",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "person"
    assert body["display_name"] == "Élodie Lefèvre"
    assert body["emails"] == [
        {"id": body["emails"][0]["id"], "address": "elodie@exemple.fr", "label": ""}
    ]
    assert body["phones"][0]["number"] == "+33612345678"
    assert body["phones"][0]["display"] == "06 12 34 56 78"
    assert response["ETag"] == f'"{body["version"]}"'
    cards = client.get(f"{URL}/{body['id']}/cards", headers=headers).json()
    assert [(c["organization"]["display_name"], c["role"]) for c in cards] == [
        ("Lefèvre Conseil", "Gérante")
    ]


def test_create_organization_with_new_primary_contact(
    client: Client, headers: dict[str, str]
) -> None:
    response = post(
        client,
        f"{URL}/organizations",
        {
            "display_name": "Boulangerie Martin",
            "website": "boulangerie-martin.fr",
            "new_primary_contact": {"first_name": "Luc", "last_name": "Martin"},
            "primary_contact_role": "Gérant",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["website"] == "https://boulangerie-martin.fr"
    assert body["primary_contact"]["display_name"] == "Luc Martin"
    assert body["primary_contact"]["access_level"] == "full"


def test_create_client_group_with_members(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    person = f.PersonFactory.create(firm=sophie.firm)
    organization = f.OrganizationFactory.create(firm=sophie.firm)
    response = post(
        client,
        f"{URL}/client-groups",
        {"display_name": "Famille Dupont", "member_ids": [person.pk, organization.pk]},
        headers,
    )
    assert response.status_code == 201, response.content
    members = client.get(f"{URL}/{response.json()['id']}/members", headers=headers).json()
    assert {m["id"] for m in members} == {person.pk, organization.pk}


def test_invalid_phone_on_creation_names_the_field_and_writes_nothing(
    client: Client, headers: dict[str, str]
) -> None:
    before = rows()
    response = post(
        client,
        f"{URL}/people",
        {"first_name": "Jean", "last_name": "Dupont", "phones": ["06 12"]},
        headers,
    )
    assert errors_of(response)["phones"].startswith("Numéro de téléphone invalide")
    assert rows() == before


def test_email_already_used_names_the_contact_only_if_visible(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    visible = f.PersonFactory.create(firm=sophie.firm, first_name="Paul", last_name="Martin")
    hidden = f.PersonFactory.create(
        firm=sophie.firm, first_name="Secret", last_name="Caché", privacy=Privacy.PRIVATE
    )
    f.EmailAddressFactory.create(contact=visible, address="paul@exemple.fr")
    f.EmailAddressFactory.create(contact=hidden, address="secret@exemple.fr")
    target = f.PersonFactory.create(firm=sophie.firm)
    before = rows()
    named = post(client, f"{URL}/{target.pk}/emails", {"address": "paul@exemple.fr"}, headers)
    assert errors_of(named)["address"] == (
        "L'adresse paul@exemple.fr est déjà utilisée par « Paul Martin »."
    )
    generic = post(client, f"{URL}/{target.pk}/emails", {"address": "secret@exemple.fr"}, headers)
    message = errors_of(generic)["address"]
    assert "autre contact du cabinet" in message
    assert "Secret" not in message
    assert rows() == before


def test_client_code_already_used(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    f.OrganizationFactory.create(firm=sophie.firm, client_code="C1", display_name="Dupont SARL")
    response = post(
        client, f"{URL}/organizations", {"display_name": "Autre", "client_code": "C1"}, headers
    )
    assert errors_of(response)["client_code"] == (
        "L'identifiant client « C1 » est déjà utilisé par « Dupont SARL »."
    )


# --- update -------------------------------------------------------------------------------


def test_patch_accounting_details_with_invalid_siret_and_vat(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    organization = f.OrganizationFactory.create(firm=sophie.firm)
    before = rows()
    response = patch(
        client,
        f"{URL}/{organization.pk}",
        {"legal_name": "X", "siret": "73282932000075", "vat_number": "FR41303265045"},
        headers,
    )
    errors = errors_of(response)
    assert errors["siret"] == "Numéro SIRET invalide : la clé de contrôle ne correspond pas."
    assert errors["vat_number"].startswith("Numéro de TVA invalide")
    assert rows() == before

    done = patch(
        client,
        f"{URL}/{organization.pk}",
        {
            "legal_name": "Dupont SARL",
            "siret": "73282932000074",
            "company_number": "732829320",
            "vat_number": "FR40303265045",
            "fiscal_year_end_month": 12,
            "fiscal_year_end_day": 31,
        },
        headers,
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["siret"], body["vat_number"]) == ("73282932000074", "FR40303265045")
    assert body["version"] == 2


def test_patch_person_names_and_refuse_kind_change(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    person = f.PersonFactory.create(firm=sophie.firm, first_name="Jean", last_name="Dupont")
    response = patch(client, f"{URL}/{person.pk}", {"first_name": "Jeanne"}, headers)
    assert response.json()["display_name"] == "Jeanne Dupont"
    refused = patch(client, f"{URL}/{person.pk}", {"kind": "organization"}, headers)
    assert "ne change pas" in errors_of(refused)["kind"]
    assert Contact.objects.get(pk=person.pk).kind == "person"


def test_stale_patch_of_details_is_refused(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    organization = f.OrganizationFactory.create(firm=sophie.firm)
    etag = client.get(f"{URL}/{organization.pk}", headers=headers)["ETag"]
    post(client, f"{URL}/{organization.pk}/phones", {"number": "0142685300"}, headers)
    stale = client.patch(
        f"{URL}/{organization.pk}",
        {"notes": "Trop tard"},
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert_problem(stale, 412)
    assert Contact.objects.get(pk=organization.pk).notes == ""


def test_primary_contact_shown_by_the_callers_level(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    private = f.PersonFactory.create(firm=sophie.firm, privacy=Privacy.PRIVATE)
    hidden = f.PersonFactory.create(firm=sophie.firm, privacy=Privacy.HIDDEN)
    with_private = f.OrganizationFactory.create(firm=sophie.firm, primary_contact=private)
    with_hidden = f.OrganizationFactory.create(firm=sophie.firm, primary_contact=hidden)
    shown = client.get(f"{URL}/{with_private.pk}", headers=headers).json()["primary_contact"]
    # By name only: the name and nothing else, not its kind (docs/access-rules.md).
    assert shown == {"id": private.pk, "display_name": private.display_name, "access_level": "name"}
    assert client.get(f"{URL}/{with_hidden.pk}", headers=headers).json()["primary_contact"] is None
    # Naming a hidden person is the same 422 as an unknown id.
    refused = patch(client, f"{URL}/{with_private.pk}", {"primary_contact_id": hidden.pk}, headers)
    assert errors_of(refused)["primary_contact_id"] == f"Identifiant inconnu : {hidden.pk}."
    forbidden = patch(
        client, f"{URL}/{with_hidden.pk}", {"primary_contact_id": private.pk}, headers
    )
    assert_problem(forbidden, 403)


# --- list fields and filters ----------------------------------------------------------------


def list_items(client: Client, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{URL}?limit=200{query}", headers=headers)
    assert response.status_code == 200, response.content
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_list_rows_carry_details_only_in_full(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    public = f.PersonFactory.create(firm=sophie.firm, last_name="Alpha", client_code="A1")
    f.EmailAddressFactory.create(contact=public, address="alpha@exemple.fr")
    private = f.PersonFactory.create(firm=sophie.firm, last_name="Bravo", privacy=Privacy.PRIVATE)
    f.EmailAddressFactory.create(contact=private, address="bravo@exemple.fr")
    items = {item["id"]: item for item in list_items(client, headers)}
    assert items[public.pk]["client_code"] == "A1"
    assert [e["address"] for e in items[public.pk]["emails"]] == ["alpha@exemple.fr"]
    assert set(items[private.pk]) == {"id", "display_name", "access_level"}


def test_list_queries_do_not_grow_with_rows(
    client: Client, sophie: Colleague, headers: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            person = f.PersonFactory.create(firm=sophie.firm)
            f.EmailAddressFactory.create(contact=person)
            f.PhoneNumberFactory.create(contact=person)
            organization = f.OrganizationFactory.create(firm=sophie.firm, primary_contact=person)
            del organization

    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        list_items(client, headers)
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        list_items(client, headers)


def test_archived_contacts_hidden_unless_asked(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    inactive = ContactType.objects.get(firm=sophie.firm, is_archive=True)
    active = f.OrganizationFactory.create(firm=sophie.firm)
    archived = f.OrganizationFactory.create(firm=sophie.firm, contact_type=inactive)
    private_archived = f.OrganizationFactory.create(
        firm=sophie.firm, contact_type=inactive, privacy=Privacy.PRIVATE
    )
    default = {item["id"] for item in list_items(client, headers)}
    # A name-only row stays: its type is not the caller's to know.
    assert default == {active.pk, private_archived.pk}
    everything = {item["id"] for item in list_items(client, headers, "&archived=true")}
    assert everything == {active.pk, archived.pk, private_archived.pk}
    shown = [i for i in list_items(client, headers, "&archived=true") if i["id"] == archived.pk]
    assert shown[0]["is_archived"] is True


def test_group_filter_lists_members_the_caller_may_see(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    group = f.ClientGroupFactory.create(firm=sophie.firm)
    public = f.GroupMembershipFactory.create(group=group).member
    private = f.GroupMembershipFactory.create(group=group, member__privacy=Privacy.PRIVATE).member
    f.GroupMembershipFactory.create(group=group, member__privacy=Privacy.HIDDEN)
    f.PersonFactory.create(firm=sophie.firm)  # not a member
    found = {i["id"]: i["access_level"] for i in list_items(client, headers, f"&group={group.pk}")}
    assert found == {public.pk: "full", private.pk: "name"}
    # The members of a group seen by name only are not the caller's to know.
    private_group = f.ClientGroupFactory.create(firm=sophie.firm, privacy=Privacy.PRIVATE)
    f.GroupMembershipFactory.create(group=private_group)
    assert list_items(client, headers, f"&group={private_group.pk}") == []


# --- details, cards, members ---------------------------------------------------------------


def test_details_crud(client: Client, sophie: Colleague, headers: dict[str, str]) -> None:
    person = f.PersonFactory.create(firm=sophie.firm)
    base = f"{URL}/{person.pk}"
    email = post(client, f"{base}/emails", {"address": "A@Exemple.fr", "label": "Pro"}, headers)
    assert email.status_code == 201
    assert email.json()["address"] == "a@exemple.fr"
    changed = patch(client, f"{base}/emails/{email.json()['id']}", {"label": "Perso"}, headers)
    assert changed.json()["label"] == "Perso"
    phone = post(client, f"{base}/phones", {"number": "+32 470 12 34 56"}, headers)
    assert phone.json()["display"] == "+32 470 12 34 56"
    address = post(
        client,
        f"{base}/addresses",
        {"street": "1 rue Haute", "postal_code": "1000", "city": "Bruxelles", "country": "BE"},
        headers,
    )
    assert address.status_code == 201, address.content
    handle = post(
        client, f"{base}/social-handles", {"network": "linkedin", "handle": "in/x"}, headers
    )
    assert handle.status_code == 201
    detail = client.get(base, headers=headers).json()
    assert len(detail["emails"]) == len(detail["phones"]) == len(detail["addresses"]) == 1
    assert detail["social_handles"][0]["network"] == "linkedin"
    for kind, row in (
        ("emails", email),
        ("phones", phone),
        ("addresses", address),
        ("social-handles", handle),
    ):
        assert (
            client.delete(f"{base}/{kind}/{row.json()['id']}", headers=headers).status_code == 204
        )
    detail = client.get(base, headers=headers).json()
    assert detail["emails"] == detail["phones"] == detail["addresses"] == []


def test_detail_row_of_another_contact_is_a_404(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    mine = f.PersonFactory.create(firm=sophie.firm)
    email = f.EmailAddressFactory.create(contact=f.PersonFactory.create(firm=sophie.firm))
    assert_problem(client.delete(f"{URL}/{mine.pk}/emails/{email.pk}", headers=headers), 404)
    assert EmailAddress.objects.filter(pk=email.pk).exists()


@pytest.mark.parametrize("privacy", [Privacy.PRIVATE, Privacy.HIDDEN])
def test_sub_resources_of_a_contact_not_seen_in_full_are_404_and_unchanged(
    client: Client, sophie: Colleague, headers: dict[str, str], privacy: str
) -> None:
    contact = f.PersonFactory.create(firm=sophie.firm, privacy=privacy)
    email = f.EmailAddressFactory.create(contact=contact)
    group = f.GroupMembershipFactory.create(member=contact, group__firm=sophie.firm).group
    base = f"{URL}/{contact.pk}"
    before = rows()
    for path in ("emails", "phones", "addresses", "social-handles", "cards", "groups"):
        assert_problem(client.get(f"{base}/{path}", headers=headers), 404)
    assert_problem(post(client, f"{base}/emails", {"address": "x@exemple.fr"}, headers), 404)
    assert_problem(client.delete(f"{base}/emails/{email.pk}", headers=headers), 404)
    assert_problem(client.delete(f"{base}/groups/{group.pk}", headers=headers), 404)
    assert rows() == before


def test_cards_show_other_contacts_by_the_callers_level(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    organization = f.OrganizationFactory.create(firm=sophie.firm)
    public = f.ContactCardFactory.create(
        organization=organization, person__firm=sophie.firm, role="DAF"
    )
    private = f.ContactCardFactory.create(
        organization=organization,
        person__firm=sophie.firm,
        person__privacy=Privacy.PRIVATE,
        role="Associé",
    )
    hidden = f.ContactCardFactory.create(
        organization=organization, person__firm=sophie.firm, person__privacy=Privacy.HIDDEN
    )
    cards = client.get(f"{URL}/{organization.pk}/cards", headers=headers).json()
    assert [(c["id"], c["person"]["access_level"], c["role"]) for c in cards] == [
        (public.pk, "full", "DAF"),
        (private.pk, "name", None),
    ]
    # The name-only side shows its name and nothing else (not its kind).
    assert cards[1]["person"] == {
        "id": private.person_id,
        "display_name": private.person.display_name,
        "access_level": "name",
    }
    assert_problem(
        client.delete(f"{URL}/{organization.pk}/cards/{hidden.pk}", headers=headers), 404
    )
    assert_problem(
        client.delete(f"{URL}/{organization.pk}/cards/{private.pk}", headers=headers), 403
    )
    assert ContactCard.objects.count() == 3


def test_cards_add_change_remove(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    person = f.PersonFactory.create(firm=sophie.firm)
    organization = f.OrganizationFactory.create(firm=sophie.firm)
    missing = post(client, f"{URL}/{person.pk}/cards", {"role": "DAF"}, headers)
    assert errors_of(missing)["organization_id"] == "Ce champ est obligatoire."
    card = post(
        client,
        f"{URL}/{person.pk}/cards",
        {"organization_id": organization.pk, "role": "DAF"},
        headers,
    )
    assert card.status_code == 201, card.content
    card_id = card.json()["id"]
    again = post(client, f"{URL}/{organization.pk}/cards", {"person_id": person.pk}, headers)
    assert "déjà lié" in errors_of(again)["organization_id"]
    changed = patch(client, f"{URL}/{organization.pk}/cards/{card_id}", {"role": "PDG"}, headers)
    assert changed.json()["role"] == "PDG"
    assert client.delete(f"{URL}/{person.pk}/cards/{card_id}", headers=headers).status_code == 204
    assert not ContactCard.objects.exists()


def test_person_added_as_member_of_itself_is_refused(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    person = f.PersonFactory.create(firm=sophie.firm)
    group = f.ClientGroupFactory.create(firm=sophie.firm)
    before = rows()
    assert_problem(
        post(client, f"{URL}/{person.pk}/members", {"member_ids": [person.pk]}, headers), 404
    )
    itself = post(client, f"{URL}/{group.pk}/members", {"member_ids": [group.pk]}, headers)
    assert errors_of(itself)["member_ids"] == (
        "Un groupe de clients ne peut pas être membre de lui-même."
    )
    joined = post(client, f"{URL}/{person.pk}/groups", {"group_ids": [person.pk]}, headers)
    assert "pas du bon genre" in errors_of(joined)["group_ids"]
    assert rows() == before


def test_members_and_groups(client: Client, sophie: Colleague, headers: dict[str, str]) -> None:
    group = f.ClientGroupFactory.create(firm=sophie.firm)
    person = f.PersonFactory.create(firm=sophie.firm)
    hidden = f.PersonFactory.create(firm=sophie.firm, privacy=Privacy.HIDDEN)
    refused = post(
        client, f"{URL}/{group.pk}/members", {"member_ids": [person.pk, hidden.pk]}, headers
    )
    assert errors_of(refused)["member_ids"] == f"Identifiant inconnu : {hidden.pk}."
    added = post(client, f"{URL}/{group.pk}/members", {"member_ids": [person.pk]}, headers)
    assert [m["id"] for m in added.json()] == [person.pk]
    groups = client.get(f"{URL}/{person.pk}/groups", headers=headers).json()
    assert [g["id"] for g in groups] == [group.pk]
    assert (
        client.delete(f"{URL}/{group.pk}/members/{person.pk}", headers=headers).status_code == 204
    )
    other = f.ClientGroupFactory.create(firm=sophie.firm)
    joined = post(client, f"{URL}/{person.pk}/groups", {"group_ids": [group.pk, other.pk]}, headers)
    assert {g["id"] for g in joined.json()} == {group.pk, other.pk}
    assert client.delete(f"{URL}/{person.pk}/groups/{other.pk}", headers=headers).status_code == 204
    assert [m.group_id for m in GroupMembership.objects.all()] == [group.pk]


def test_member_list_hides_hidden_members(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    group = f.ClientGroupFactory.create(firm=sophie.firm)
    private = f.GroupMembershipFactory.create(group=group, member__privacy=Privacy.PRIVATE).member
    f.GroupMembershipFactory.create(group=group, member__privacy=Privacy.HIDDEN)
    members = client.get(f"{URL}/{group.pk}/members", headers=headers).json()
    assert members == [
        {"id": private.pk, "display_name": private.display_name, "access_level": "name"}
    ]


def test_a_name_only_group_of_a_contact_shows_its_name_only(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    person = f.PersonFactory.create(firm=sophie.firm)
    private = f.ClientGroupFactory.create(
        firm=sophie.firm, display_name="Famille Privée", privacy=Privacy.PRIVATE
    )
    f.GroupMembershipFactory.create(group=private, member=person)
    groups = client.get(f"{URL}/{person.pk}/groups", headers=headers).json()
    assert groups == [{"id": private.pk, "display_name": "Famille Privée", "access_level": "name"}]


# --- avatar --------------------------------------------------------------------------------


def test_avatar_upload_checks_the_content(
    client: Client, sophie: Colleague, headers: dict[str, str], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    person = f.PersonFactory.create(firm=sophie.firm)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "JPEG")
    done = client.post(
        f"{URL}/{person.pk}/avatar",
        {"file": SimpleUploadedFile("moi.jpg", buffer.getvalue(), "image/jpeg")},
        headers=headers,
    )
    assert done.status_code == 200, done.content
    assert done.json()["avatar_url"] == f"/contacts/{person.pk}/avatar/"
    fake = client.post(
        f"{URL}/{person.pk}/avatar",
        {"file": SimpleUploadedFile("photo.jpg", b"MZ" + b"\x00" * 100, "image/jpeg")},
        headers=headers,
    )
    assert "n'est pas une image" in errors_of(fake)["avatar"]
    assert client.delete(f"{URL}/{person.pk}/avatar", headers=headers).status_code == 204
    assert not Contact.objects.get(pk=person.pk).avatar


# --- suggestions ---------------------------------------------------------------------------


def test_suggestions_are_fuzzy_and_respect_visibility(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    elodie = f.PersonFactory.create(firm=sophie.firm, first_name="Élodie", last_name="Lefèvre")
    private = f.PersonFactory.create(
        firm=sophie.firm, first_name="Elodie", last_name="Lefebvre", privacy=Privacy.PRIVATE
    )
    f.PersonFactory.create(
        firm=sophie.firm, first_name="Élodie", last_name="Lefèvres", privacy=Privacy.HIDDEN
    )
    response = client.get(f"{URL}/suggestions?q=elodie%20lefevre", headers=headers)
    assert response.status_code == 200, response.content
    found = [(s["id"], s["access_level"]) for s in response.json()]
    assert found == [(elodie.pk, "full"), (private.pk, "name")]
    full, name_only = response.json()
    assert set(full) == {"id", "kind", "display_name", "access_level", "score"}
    # By name only: the name (and how close it is to the one typed), not its kind.
    assert set(name_only) == {"id", "display_name", "access_level", "score"}


def test_suggestions_need_a_query(client: Client, headers: dict[str, str]) -> None:
    assert_problem(client.get(f"{URL}/suggestions", headers=headers), 422)


def test_portfolio_clients_include_archived_ones(client: Client, sophie: Colleague) -> None:
    admin = f.AdminFactory.create(firm=sophie.firm)
    portfolio = f.PortfolioFactory.create(firm=sophie.firm)
    inactive = ContactType.objects.get(firm=sophie.firm, is_archive=True)
    archived = f.OrganizationFactory.create(
        firm=sophie.firm, portfolio=portfolio, contact_type=inactive
    )
    response = client.get(
        f"/api/v1/portfolios/{portfolio.pk}/clients", headers=token_headers(admin)
    )
    assert [item["id"] for item in response.json()["items"]] == [archived.pk]


@pytest.mark.parametrize("url", [f"{URL}?q=Du%00pont", f"{URL}/suggestions?q=Du%00pont"])
def test_a_search_with_control_characters_finds_the_name_around_them(
    client: Client, sophie: Colleague, headers: dict[str, str], url: str
) -> None:
    # PostgreSQL refuses NUL in text: the search ignores control characters instead.
    dupont = f.PersonFactory.create(firm=sophie.firm, first_name="Jean", last_name="Dupont")
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    assert dupont.pk in [item["id"] for item in items]


def test_a_nul_character_in_a_body_is_a_located_422_and_writes_nothing(
    client: Client, sophie: Colleague, headers: dict[str, str]
) -> None:
    # PostgreSQL cannot store it: without the check this was a 500 there.
    before = rows()
    response = post(client, f"{URL}/people", {"first_name": "A\u0000b", "last_name": "C"}, headers)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"] == ["body", "first_name"]
    assert "NUL" in response.json()["errors"][0]["msg"]
    assert rows() == before
