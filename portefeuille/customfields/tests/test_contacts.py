"""Custom fields on contacts (docs/custom-fields.md): shown on the Details tab (FULL only),
edited in their own section of the contact page, filterable on the contacts list (rows seen
in full only: a filter would otherwise tell a private client's value), shown as list
columns, and carried by the API (`custom_fields`, ETag / If-Match kept)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.contacts.models import Contact
from portefeuille.customfields import services
from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    """Full scope, on no client team: public clients in full, private ones by name."""
    return ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Vendeur")


@pytest.fixture
def manager_field(admin: Colleague) -> CustomField:
    return services.define_custom_field(
        actor=admin, area="contact", label="Chargé de compte", kind="user", in_list=True
    )


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# ---------------------------------------------------------------------------------------
# The contact page.
# ---------------------------------------------------------------------------------------


def test_the_details_tab_shows_the_values(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    client = ClientFactory.create(firm=firm)
    services.set_custom_values(actor=admin, record=client, values={manager_field.pk: staff.pk})
    page = html(browse(staff).get(f"/contacts/{client.pk}/"))
    assert "Chargé de compte" in page
    assert "Xavier Vendeur" in page
    assert f"/contacts/{client.pk}/edit/custom/" in page


def test_editing_the_custom_section_writes_the_values(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    note = services.define_custom_field(
        actor=admin, area="contact", label="Effectif", kind="number"
    )
    client = ClientFactory.create(firm=firm)
    http = browse(staff)
    form = html(http.get(f"/contacts/{client.pk}/edit/custom/"))
    assert f'name="cf_{manager_field.pk}"' in form
    assert f'name="cf_{note.pk}"' in form
    response = http.post(
        f"/contacts/{client.pk}/edit/custom/",
        {"version": client.version, f"cf_{manager_field.pk}": admin.pk, f"cf_{note.pk}": "12,5"},
    )
    assert response.status_code == 302
    values = {v.field_id: v for v in CustomValue.objects.filter(contact=client)}
    assert values[manager_field.pk].user_id == admin.pk
    assert str(values[note.pk].number) == "12.5000"
    assert Contact.objects.get(pk=client.pk).version == client.version + 1


def test_a_bad_value_is_shown_on_its_field_with_the_input_kept(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    note = services.define_custom_field(
        actor=admin, area="contact", label="Effectif", kind="number"
    )
    client = ClientFactory.create(firm=firm)
    response = browse(staff).post(
        f"/contacts/{client.pk}/edit/custom/", {"version": client.version, f"cf_{note.pk}": "douze"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Saisissez un nombre." in page
    assert 'value="douze"' in page
    assert not CustomValue.objects.exists()


def test_a_stale_custom_form_is_refused_and_the_other_change_stays(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    client = ClientFactory.create(firm=firm)
    old_version = client.version
    services.set_custom_values(actor=admin, record=client, values={manager_field.pk: admin.pk})
    response = browse(staff).post(
        f"/contacts/{client.pk}/edit/custom/",
        {"version": old_version, f"cf_{manager_field.pk}": staff.pk},
    )
    assert response.status_code == 422
    assert "modifiée par quelqu" in response.content.decode()
    assert CustomValue.objects.get().user_id == admin.pk


def test_a_private_contact_seen_by_name_has_no_custom_section(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    services.set_custom_values(actor=admin, record=private, values={manager_field.pk: staff.pk})
    http = browse(staff)
    assert http.get(f"/contacts/{private.pk}/").status_code == 404
    assert http.get(f"/contacts/{private.pk}/edit/custom/").status_code == 404
    assert http.post(f"/contacts/{private.pk}/edit/custom/", {"version": 1}).status_code == 404


# ---------------------------------------------------------------------------------------
# The contacts list: filters and columns.
# ---------------------------------------------------------------------------------------


def test_the_list_filters_by_a_user_field_with_me(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    mine = ClientFactory.create(firm=firm, display_name="Cidrerie Mienne")
    theirs = ClientFactory.create(firm=firm, display_name="Fromagerie Autre")
    ClientFactory.create(firm=firm, display_name="Laiterie Personne")
    services.set_custom_values(actor=admin, record=mine, values={manager_field.pk: staff.pk})
    services.set_custom_values(actor=admin, record=theirs, values={manager_field.pk: admin.pk})
    page = html(browse(staff).get("/contacts/", {"view": "all", f"cf_{manager_field.pk}": "me"}))
    assert "Cidrerie Mienne" in page
    assert "Fromagerie Autre" not in page
    assert "Laiterie Personne" not in page
    nobody = html(
        browse(staff).get("/contacts/", {"view": "all", f"cf_{manager_field.pk}": "none"})
    )
    assert "Laiterie Personne" in nobody
    assert "Cidrerie Mienne" not in nobody


def test_a_custom_filter_never_matches_a_contact_seen_by_name_only(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    """SECURITY: filtering private clients by their custom value would tell the value."""
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, display_name="Secret Sàrl")
    services.set_custom_values(actor=admin, record=private, values={manager_field.pk: staff.pk})
    http = browse(staff)
    assert "Secret Sàrl" in html(http.get("/contacts/", {"view": "all"}))
    for value in ("me", str(staff.pk), "none"):
        page = html(http.get("/contacts/", {"view": "all", f"cf_{manager_field.pk}": value}))
        assert "Secret Sàrl" not in page, value
    # Its value is no column of a name-only row either.
    listed = html(http.get("/contacts/", {"view": "all"}))
    row = listed[listed.index("Secret Sàrl") : listed.index("</tr>", listed.index("Secret Sàrl"))]
    assert "Vendeur" not in row


def test_text_number_date_and_choice_filters(admin: Colleague, firm: Firm) -> None:
    text = services.define_custom_field(actor=admin, area="contact", label="Note", kind="text")
    number = services.define_custom_field(
        actor=admin, area="contact", label="Effectif", kind="number"
    )
    day = services.define_custom_field(actor=admin, area="contact", label="Depuis", kind="date")
    choice = services.define_custom_field(
        actor=admin, area="contact", label="Canal", kind="choice", choices=["Web", "Salon"]
    )
    small = ClientFactory.create(firm=firm, display_name="Petite Échoppe")
    big = ClientFactory.create(firm=firm, display_name="Grande Usine")
    services.set_custom_values(
        actor=admin,
        record=small,
        values={text.pk: "Client fidèle", number.pk: "3", day.pk: "2020-01-15", choice.pk: "Web"},
    )
    services.set_custom_values(
        actor=admin,
        record=big,
        values={text.pk: "Prospect", number.pk: "250", day.pk: "2024-06-01", choice.pk: "Salon"},
    )
    http = browse(admin)

    def names(**params: str) -> set[str]:
        page = html(http.get("/contacts/", {"view": "all", **params}))
        return {name for name in ("Petite Échoppe", "Grande Usine") if name in page}

    assert names(**{f"cf_{text.pk}": "FIDÈLE"}) == {"Petite Échoppe"}
    assert names(**{f"cf_{number.pk}_from": "10"}) == {"Grande Usine"}
    assert names(**{f"cf_{number.pk}_to": "10", f"cf_{number.pk}_from": "1"}) == {"Petite Échoppe"}
    assert names(**{f"cf_{day.pk}_from": "2023-01-01"}) == {"Grande Usine"}
    assert names(**{f"cf_{choice.pk}": "salon"}) == {"Grande Usine"}
    # A malformed filter is left out, never an error page.
    assert names(**{f"cf_{number.pk}": "beaucoup"}) == {"Petite Échoppe", "Grande Usine"}
    assert names(**{"cf_93999999": "x"}) == {"Petite Échoppe", "Grande Usine"}


def test_the_list_with_custom_columns_and_filters_costs_the_same_whatever_its_size(
    admin: Colleague,
    staff: Colleague,
    manager_field: CustomField,
    firm: Firm,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    services.define_custom_field(
        actor=admin, area="contact", label="Effectif", kind="number", in_list=True
    )
    http = browse(staff)
    params = {"view": "all", f"cf_{manager_field.pk}": "me"}

    def add(count: int) -> None:
        for _ in range(count):
            contact = ClientFactory.create(firm=firm)
            services.set_custom_values(
                actor=admin, record=contact, values={manager_field.pk: staff.pk}
            )

    add(3)
    http.get("/contacts/", params)  # warm the session
    with CaptureQueriesContext(connection) as small:
        first = http.get("/contacts/", params)
    add(12)
    with django_assert_num_queries(len(small.captured_queries)):
        second = http.get("/contacts/", params)
    assert html(first).count('class="contact-row"') == 3
    assert html(second).count('class="contact-row"') == 15
    assert html(second).count("Xavier Vendeur") >= 15


# ---------------------------------------------------------------------------------------
# The API.
# ---------------------------------------------------------------------------------------


def test_the_api_shows_and_sets_custom_fields_with_if_match(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    client = ClientFactory.create(firm=firm)
    headers = token_headers(staff)
    http = Client()
    answer = http.get(f"/api/v1/contacts/{client.pk}", headers=headers)
    assert answer.json()["custom_fields"] == {str(manager_field.pk): None}
    etag = answer["ETag"]
    changed = http.patch(
        f"/api/v1/contacts/{client.pk}",
        data=json.dumps({"custom_fields": {str(manager_field.pk): admin.pk}}),
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["custom_fields"] == {
        str(manager_field.pk): {"id": admin.pk, "full_name": "Alice Admin", "is_active": True}
    }
    assert changed["ETag"] != etag
    # From the copy before: 412, theirs stays.
    stale = http.patch(
        f"/api/v1/contacts/{client.pk}",
        data=json.dumps({"custom_fields": {str(manager_field.pk): None}}),
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert_problem(stale, 412)
    assert CustomValue.objects.get().user_id == admin.pk
    listed = http.get("/api/v1/contacts", {"q": client.display_name}, headers=headers).json()
    assert listed["items"][0]["custom_fields"][str(manager_field.pk)]["id"] == admin.pk


def test_the_api_refuses_another_firms_colleague_on_the_custom_field_with_details_untouched(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    client = ClientFactory.create(firm=firm, display_name="Avant")
    foreigner = ColleagueFactory.create()
    response = Client().patch(
        f"/api/v1/contacts/{client.pk}",
        data=json.dumps(
            {"display_name": "Après", "custom_fields": {str(manager_field.pk): foreigner.pk}}
        ),
        content_type="application/json",
        headers=token_headers(staff, language="en"),
    )
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"loc": ["body", "custom_fields", str(manager_field.pk)], "msg": body["errors"][0]["msg"]}
    ]
    assert Contact.objects.get(pk=client.pk).display_name == "Avant"
    assert not CustomValue.objects.exists()


def test_the_api_gives_no_custom_fields_of_a_name_only_contact(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    services.set_custom_values(actor=admin, record=private, values={manager_field.pk: admin.pk})
    http = Client()
    headers = token_headers(staff)
    answer = http.get(f"/api/v1/contacts/{private.pk}", headers=headers).json()
    assert "custom_fields" not in answer
    refused = http.patch(
        f"/api/v1/contacts/{private.pk}",
        data=json.dumps({"custom_fields": {str(manager_field.pk): staff.pk}}),
        content_type="application/json",
        headers=headers,
    )
    assert_problem(refused, 403)
    assert CustomValue.objects.get().user_id == admin.pk
