"""contacts/fields.py: the one table of a contact's editable fields. Every entry reaches the
model, the API's details output and PATCH body, its section's form, the service and the
history — so adding a field is the model field, its migration and one entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client

from portefeuille.api.testing import token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import services
from portefeuille.contacts.fields import CONTACT_FIELDS, FIELDS, ContactField, ValueType
from portefeuille.contacts.forms import AccountingForm, BasicsForm
from portefeuille.contacts.models import Contact
from portefeuille.contacts.schemas import ClientFull, ClientUpdate, ContactDetailsOut
from portefeuille.firms.models import Colleague, ContactType, Firm
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    FirmFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

SECTION_FORMS = {"basics": BasicsForm, "accounting": AccountingForm}

# Valid values for the fields whose cleaner checks more than the type (registration
# numbers, a person's link); any other field gets one from its type (`_sample`).
SAMPLES: dict[str, Any] = {
    "company_number": "732829320",
    "siret": "73282932000074",
    "vat_number": "FR40303265045",
    "tax_number": "3023217600053",
    "country": "BE",
    "employment_status": "retired",
    "website": "https://exemple.fr",
}


def _sample(entry: ContactField, contact: Contact) -> Any:
    if entry.name in SAMPLES:
        return SAMPLES[entry.name]
    if entry.type == ValueType.FK:
        related = entry.model_field.related_model
        if related is Contact:
            return PersonFactory.create(firm_id=contact.firm_id)
        if related is ContactType:
            return ContactType.objects.create(firm_id=contact.firm_id, name="Prospect test")
        raise AssertionError(f"No sample for {entry.name}: add one to SAMPLES.")
    return {
        ValueType.TEXT: "Exemple",
        ValueType.LONG_TEXT: "Deux\nlignes",
        ValueType.DATE: date(1990, 4, 2),
        ValueType.BOOL: not getattr(contact, entry.name),
        ValueType.CHOICE: entry.choices[-1][0] if entry.choices else "",
        ValueType.MONTH: 6,
        ValueType.DAY: 30,
    }[entry.type]


def _contact_for(entry: ContactField, firm: Firm) -> Contact:
    if Contact.Kind.PERSON in entry.kinds:
        return PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    if Contact.Kind.ORGANIZATION in entry.kinds:
        return OrganizationFactory.create(firm=firm, display_name="Acme")
    return ClientGroupFactory.create(firm=firm, display_name="Famille")


def _changes(entry: ContactField, contact: Contact) -> dict[str, Any]:
    changes = {entry.name: _sample(entry, contact)}
    # The day and the month of the year end go together (a check across the two).
    if entry.type == ValueType.MONTH:
        changes["fiscal_year_end_day"] = 30
    if entry.type == ValueType.DAY:
        changes["fiscal_year_end_month"] = 6
    if entry.name == "vat_number":  # a person's VAT number needs self-employment
        changes["employment_status"] = "self_employed"
    return changes


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm)


def _params(entries: Any) -> list[Any]:
    return [pytest.param(entry, id=entry.name) for entry in entries]


ENTRIES = _params(CONTACT_FIELDS)
ALL_KINDS = frozenset(Contact.Kind.values)


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_is_an_editable_field_of_the_contact_model(entry: ContactField) -> None:
    field = Contact._meta.get_field(entry.name)

    assert isinstance(field, models.Field)
    assert field.editable
    assert field.concrete
    assert entry.kinds
    assert entry.kinds <= set(Contact.Kind.values)


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_is_in_the_api_output_and_patch_body(entry: ContactField) -> None:
    output = ContactDetailsOut if entry.details else ClientFull
    assert entry.name in output.model_fields
    assert entry.api_name in ClientUpdate.model_fields
    assert ClientUpdate.model_fields[entry.api_name].default is None  # None: not sent


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_is_on_its_section_form_with_its_model_label(
    entry: ContactField, firm: Firm
) -> None:
    form_class = SECTION_FORMS[entry.section]
    other = next(cls for section, cls in SECTION_FORMS.items() if section != entry.section)
    contact = _contact_for(entry, firm)

    form = form_class(contact=contact)
    assert entry.name not in other.base_fields
    if not entry.form:
        assert entry.name not in form.fields
        return
    assert form.fields[entry.name].label == entry.form_label
    assert form_class.initial_for(contact)[entry.name] is not None or entry.type in {
        ValueType.DATE,
        ValueType.FK,
        ValueType.MONTH,
        ValueType.DAY,
    }
    for kind in set(Contact.Kind.values) - entry.kinds:
        assert entry.name not in form_class(contact=Contact(firm=firm, kind=kind)).fields


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_is_changed_by_the_service_and_recorded_in_the_history(
    entry: ContactField, firm: Firm, admin: Colleague
) -> None:
    contact = _contact_for(entry, firm)
    changes = _changes(entry, contact)

    services.update_contact(actor=admin, contact=contact, **changes)

    event = AuditEvent.objects.filter(client=contact, action="client.updated").latest("id")
    assert event.after is not None
    assert entry.name in event.after
    contact.refresh_from_db()
    stored = getattr(contact, entry.name)
    sent = changes[entry.name]
    assert (str(stored) if entry.type == ValueType.COUNTRY else stored) == sent


@pytest.mark.parametrize("entry", _params(e for e in CONTACT_FIELDS if e.kinds != ALL_KINDS))
def test_every_entry_is_refused_on_a_kind_it_does_not_apply_to(
    entry: ContactField, firm: Firm, admin: Colleague
) -> None:
    others = ALL_KINDS - entry.kinds
    contact = Contact.objects.create(firm=firm, kind=sorted(others)[0], display_name="Autre")
    value = _sample(entry, _contact_for(entry, firm))

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=admin, contact=contact, **{entry.name: value})

    assert [e.code for e in error.value.error_dict[entry.name]] == ["wrong_kind"]


@pytest.mark.parametrize("entry", _params(e for e in CONTACT_FIELDS if e.details))
def test_every_entry_comes_back_from_the_api(
    entry: ContactField, firm: Firm, admin: Colleague
) -> None:
    contact = _contact_for(entry, firm)
    services.update_contact(actor=admin, contact=contact, **_changes(entry, contact))

    answer = Client().get(f"/api/v1/contacts/{contact.pk}", headers=token_headers(admin)).json()

    contact.refresh_from_db()
    if entry.type == ValueType.FK:
        assert answer[entry.name]["id"] == getattr(contact, entry.attname)
    elif entry.type == ValueType.DATE:
        assert answer[entry.name] == getattr(contact, entry.name).isoformat()
    else:
        assert answer[entry.name] == (
            str(getattr(contact, entry.name))
            if entry.type == ValueType.COUNTRY
            else getattr(contact, entry.name)
        )


def test_a_name_outside_the_table_is_refused_in_french(firm: Firm, admin: Colleague) -> None:
    contact = OrganizationFactory.create(firm=firm)

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=admin, contact=contact, nickname="Bob", avatar="x.png")

    assert set(error.value.error_dict) == {"nickname", "avatar"}
    [refusal] = error.value.error_dict["nickname"]
    assert refusal.code == "unknown_field"
    assert refusal.message == "Ce champ n'existe pas."
    assert AuditEvent.objects.filter(client=contact, action="client.updated").count() == 0


def test_the_table_names_each_field_once() -> None:
    assert len(FIELDS) == len(CONTACT_FIELDS)


@pytest.mark.parametrize("entry", _params(e for e in CONTACT_FIELDS if e.display is not None))
def test_every_shown_entry_is_on_the_contact_page_with_its_value(
    entry: ContactField, firm: Firm, admin: Colleague
) -> None:
    contact = _contact_for(entry, firm)
    changes = _changes(entry, contact)
    services.update_contact(actor=admin, contact=contact, **changes)
    http = Client()
    http.force_login(admin)

    html = http.get(f"/contacts/{contact.pk}/").content.decode()

    label = str(entry.fact_label or entry.form_label).replace("'", "&#x27;")
    assert f"<dt>{label}</dt>" in html
    if entry.type == ValueType.TEXT:
        assert f"{changes[entry.name]}</" in html
