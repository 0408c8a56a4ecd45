"""Custom fields and their values (docs/custom-fields.md): admins define them; values are
checked by type, a User value is an active colleague of the firm (another firm's is refused
like an unknown id), writing one needs the right to change the record, and a User field never
opens the record to the colleague it names."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from portefeuille.access.rules import Level, visible_clients
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.customfields import services
from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.sales import services as sales
from portefeuille.sales.models import Invoice, Opportunity
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Vendeur")


@pytest.fixture
def client_(firm: Firm) -> Contact:
    return ClientFactory.create(firm=firm, display_name="Boulangerie Ondine")


def responsible(admin: Colleague, area: str = "invoice") -> CustomField:
    return services.define_custom_field(actor=admin, area=area, label="Responsable", kind="user")


def invoice_of(admin: Colleague, client: Contact, number: str = "F-1") -> Invoice:
    return sales.create_invoice(
        actor=admin, client=client, number=number, date="2026-12-01", amount="100"
    )


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# ---------------------------------------------------------------------------------------
# Definitions.
# ---------------------------------------------------------------------------------------


def test_an_admin_defines_fields_in_order_and_the_history_says_so(admin: Colleague) -> None:
    first = responsible(admin)
    second = services.define_custom_field(
        actor=admin, area="invoice", label="Canal", kind="choice", choices=["Web", " Salon "]
    )
    assert (first.position, second.position) == (0, 1)
    assert second.choices == ["Web", "Salon"]
    assert AuditEvent.objects.filter(action="custom_field.created").count() == 2


def test_a_colleague_who_is_not_admin_cannot_define_a_field(staff: Colleague) -> None:
    with pytest.raises(PermissionDenied):
        responsible(staff)
    assert not CustomField.objects.exists()


def test_bad_definitions_are_refused_on_their_fields_at_once(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as error:
        services.define_custom_field(actor=admin, area="planet", label="", kind="colour")
    assert set(field_errors(error)) == {"area", "label", "kind"}
    with pytest.raises(ValidationError) as error:
        services.define_custom_field(
            actor=admin, area="contact", label="Ville", kind="choice", choices=["Lyon", "lyon"]
        )
    assert "en double" in field_errors(error)["choices"][0]
    with pytest.raises(ValidationError) as error:
        services.define_custom_field(actor=admin, area="contact", label="Ville", kind="choice")
    assert "au moins un choix" in field_errors(error)["choices"][0]
    assert not CustomField.objects.exists()


def test_a_label_is_unique_per_kind_of_record_case_ignored(admin: Colleague) -> None:
    responsible(admin)
    with pytest.raises(ValidationError) as error:
        services.define_custom_field(actor=admin, area="invoice", label="RESPONSABLE", kind="text")
    assert "existe déjà" in field_errors(error)["label"][0]
    # The same label on another kind of record is another field.
    responsible(admin, area="contact")


def test_the_type_and_records_of_a_field_never_change(admin: Colleague) -> None:
    field = responsible(admin)
    with pytest.raises(ValidationError) as error:
        services.update_custom_field(actor=admin, field=field, kind="text", area="contact")
    assert set(field_errors(error)) == {"kind", "area"}


def test_a_choice_in_use_cannot_be_removed_but_can_be_respelled(
    admin: Colleague, client_: Contact
) -> None:
    field = services.define_custom_field(
        actor=admin, area="contact", label="Canal", kind="choice", choices=["web", "Salon"]
    )
    services.set_custom_values(actor=admin, record=client_, values={field.pk: "WEB"})
    assert CustomValue.objects.get().choice == "web"
    with pytest.raises(ValidationError) as error:
        services.update_custom_field(actor=admin, field=field, choices=["Salon"])
    assert "« web » est la valeur de 1 fiche" in field_errors(error)["choices"][0]
    services.update_custom_field(actor=admin, field=field, choices=["Web", "Salon", "Presse"])
    assert CustomValue.objects.get().choice == "Web"


def test_a_stale_copy_of_a_field_is_refused(admin: Colleague) -> None:
    field = responsible(admin)
    services.update_custom_field(actor=admin, field=field, label="Chargé de compte")
    with pytest.raises(StaleVersionError):
        services.update_custom_field(
            actor=admin, field=field.pk, label="Autre", expected_version=field.version - 1
        )
    field.refresh_from_db()
    assert field.label == "Chargé de compte"


def test_archiving_keeps_the_values_and_hides_the_field_from_writes(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = responsible(admin, area="contact")
    services.set_custom_values(actor=admin, record=client_, values={field.pk: staff.pk})
    services.archive_custom_field(actor=admin, field=field)
    assert CustomValue.objects.filter(field=field).count() == 1
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(actor=admin, record=client_, values={field.pk: None})
    assert field_errors(error) == {f"cf_{field.pk}": ["Champ personnalisé inconnu."]}
    services.archive_custom_field(actor=admin, field=field, archived=False)
    assert AuditEvent.objects.filter(action="custom_field.restored").exists()


def test_deleting_a_field_deletes_its_values_and_says_how_many(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = responsible(admin, area="contact")
    other = ClientFactory.create(firm=admin.firm)
    for record in (client_, other):
        services.set_custom_values(actor=admin, record=record, values={field.pk: staff.pk})
    with pytest.raises(ValidationError, match="passé à 2"):
        services.delete_custom_field(actor=admin, field=field, expected_values=1)
    assert services.delete_custom_field(actor=admin, field=field, expected_values=2) == 2
    assert not CustomValue.objects.exists()
    event = AuditEvent.objects.get(action="custom_field.deleted")
    assert (event.before or {})["values"] == 2


def test_moving_a_field_changes_the_order(admin: Colleague) -> None:
    first = responsible(admin)
    second = services.define_custom_field(actor=admin, area="invoice", label="Note", kind="text")
    services.move_custom_field(actor=admin, field=second, offset=-1)
    ordered = list(CustomField.objects.filter(area="invoice").order_by("position"))
    assert ordered == [second, first]


def test_another_firms_field_is_unknown(admin: Colleague) -> None:
    foreign = responsible(AdminFactory.create())
    with pytest.raises(Http404):
        services.update_custom_field(actor=admin, field=foreign.pk, label="x")
    with pytest.raises(Http404):
        services.delete_custom_field(actor=admin, field=foreign.pk)


# ---------------------------------------------------------------------------------------
# Values.
# ---------------------------------------------------------------------------------------


def test_values_are_read_by_type(admin: Colleague, client_: Contact) -> None:
    text = services.define_custom_field(actor=admin, area="contact", label="Note", kind="text")
    number = services.define_custom_field(
        actor=admin, area="contact", label="Effectif", kind="number"
    )
    day = services.define_custom_field(actor=admin, area="contact", label="Depuis", kind="date")
    changed = services.set_custom_values(
        actor=admin,
        record=client_,
        values={
            str(text.pk): "  Client   fidèle ",
            number.pk: "1 234,5",
            f"cf_{day.pk}": "31/12/2025",
        },
    )
    assert changed == {
        text.pk: "Client fidèle",
        number.pk: Decimal("1234.5"),
        day.pk: datetime.date(2025, 12, 31),
    }
    stored = {value.field_id: value for value in CustomValue.objects.all()}
    assert stored[number.pk].number == Decimal("1234.5")
    assert stored[day.pk].date == datetime.date(2025, 12, 31)
    # Clearing one deletes its row; the others stay.
    services.set_custom_values(actor=admin, record=client_, values={text.pk: ""})
    assert set(CustomValue.objects.values_list("field_id", flat=True)) == {number.pk, day.pk}


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("number", "douze", "Saisissez un nombre."),
        ("number", "1,23456", "4 décimales au plus."),
        ("number", "123456789012345", "Ce nombre est trop grand."),
        ("number", True, "Saisissez un nombre."),
        ("date", "2025-02-30", "Saisissez une date valide (AAAA-MM-JJ)."),
        ("date", "demain", "Saisissez une date valide (AAAA-MM-JJ)."),
        ("text", 12, "Saisissez un texte."),
        ("text", "x" * 501, "500 caractères au plus."),
        ("user", "quelqu'un", "Choisissez un collègue du cabinet."),
        ("user", 93_999_999, "Choisissez un collègue du cabinet."),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_written(
    admin: Colleague, client_: Contact, kind: str, raw: Any, message: str
) -> None:
    field = services.define_custom_field(actor=admin, area="contact", label="Champ", kind=kind)
    note = services.define_custom_field(actor=admin, area="contact", label="Note", kind="text")
    version = Contact.objects.get(pk=client_.pk).version
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(
            actor=admin, record=client_, values={note.pk: "écrit ?", field.pk: raw}
        )
    assert field_errors(error) == {f"cf_{field.pk}": [message]}
    assert not CustomValue.objects.exists()
    assert Contact.objects.get(pk=client_.pk).version == version


def test_a_choice_must_be_one_of_the_fields(admin: Colleague, client_: Contact) -> None:
    field = services.define_custom_field(
        actor=admin, area="contact", label="Canal", kind="choice", choices=["Web"]
    )
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(actor=admin, record=client_, values={field.pk: "Radio"})
    assert "Choisissez l'un des choix" in field_errors(error)[f"cf_{field.pk}"][0]


def test_a_user_of_another_firm_is_refused_like_an_unknown_id(
    admin: Colleague, client_: Contact
) -> None:
    field = responsible(admin, area="contact")
    foreigner = ColleagueFactory.create(first_name="Oscar", last_name="Ailleurs")
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(actor=admin, record=client_, values={field.pk: foreigner.pk})
    unknown = field_errors(error)
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(actor=admin, record=client_, values={field.pk: 93_999_999})
    assert (
        field_errors(error) == unknown == {f"cf_{field.pk}": ["Choisissez un collègue du cabinet."]}
    )
    assert "Oscar" not in str(unknown)
    assert not CustomValue.objects.exists()


def test_an_inactive_colleague_is_refused_but_a_kept_value_stays_valid(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = responsible(admin, area="contact")
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False, first_name="Inès")
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(actor=admin, record=client_, values={field.pk: gone.pk})
    assert "désactivé" in field_errors(error)[f"cf_{field.pk}"][0]
    services.set_custom_values(actor=admin, record=client_, values={field.pk: staff.pk})
    Colleague.objects.filter(pk=staff.pk).update(is_active=False)
    # Sending the same (now inactive) colleague again keeps it: keeping is not choosing.
    assert (
        services.set_custom_values(actor=admin, record=client_, values={field.pk: staff.pk}) == {}
    )


def test_unknown_or_other_area_fields_are_refused(admin: Colleague, client_: Contact) -> None:
    invoice_field = responsible(admin, area="invoice")
    with pytest.raises(ValidationError) as error:
        services.set_custom_values(
            actor=admin, record=client_, values={invoice_field.pk: None, "abc": 1}
        )
    assert set(field_errors(error)) == {f"cf_{invoice_field.pk}", "cf_abc"}


def test_writing_a_contacts_values_needs_full_access(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    field = services.define_custom_field(actor=admin, area="contact", label="Note", kind="text")
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    with pytest.raises(PermissionDenied):
        services.set_custom_values(actor=staff, record=private, values={field.pk: "x"})
    with pytest.raises(Http404):
        services.set_custom_values(actor=staff, record=hidden, values={field.pk: "x"})
    assert not CustomValue.objects.exists()


def test_a_user_field_never_grants_access(admin: Colleague, staff: Colleague, firm: Firm) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    contact_field = responsible(admin, area="contact")
    invoice_field = responsible(admin)
    invoice = invoice_of(admin, hidden)
    services.set_custom_values(actor=admin, record=hidden, values={contact_field.pk: staff.pk})
    services.set_custom_values(actor=admin, record=invoice, values={invoice_field.pk: staff.pk})
    assert not visible_clients(staff, Level.NAME).filter(pk=hidden.pk).exists()
    assert not Invoice.objects.visible_to(staff).exists()
    with pytest.raises(Http404):
        services.set_custom_values(actor=staff, record=invoice, values={invoice_field.pk: None})


def test_setting_values_bumps_the_records_version_and_records_the_history(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = responsible(admin)
    invoice = invoice_of(admin, client_)
    version = invoice.version
    services.set_custom_values(
        actor=admin, record=invoice, values={field.pk: staff.pk}, expected_version=version
    )
    assert Invoice.objects.get(pk=invoice.pk).version == version + 1 == invoice.version
    event = AuditEvent.objects.get(action="custom_values.changed")
    assert event.client_id == client_.pk
    after, before = event.after or {}, event.before or {}
    assert after["record"] == {"type": "invoice", "id": invoice.pk, "name": "F-1"}
    assert after["values"] == {"Responsable": {"id": staff.pk, "name": staff.full_name}}
    assert before["values"] == {"Responsable": None}
    # From the copy before: stale, nothing changes.
    with pytest.raises(StaleVersionError):
        services.set_custom_values(
            actor=admin,
            record=Invoice.objects.get(pk=invoice.pk),
            values={field.pk: None},
            expected_version=version,
        )
    assert CustomValue.objects.get().user_id == staff.pk
    # The same value again changes nothing: no new version, no event.
    services.set_custom_values(actor=admin, record=invoice, values={field.pk: staff.pk})
    assert Invoice.objects.get(pk=invoice.pk).version == version + 1
    assert AuditEvent.objects.filter(action="custom_values.changed").count() == 1


def test_an_opportunitys_own_people_may_set_its_values(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    field = services.define_custom_field(
        actor=admin, area="opportunity", label="Source", kind="text"
    )
    opportunity = sales.create_opportunity(
        actor=admin, client=hidden, title="Audit", assignee=staff
    )
    services.set_custom_values(actor=staff, record=opportunity, values={field.pk: "Salon"})
    assert CustomValue.objects.get().opportunity_id == opportunity.pk


def test_a_record_and_its_values_are_written_together_or_not_at_all(
    admin: Colleague, client_: Contact
) -> None:
    field = responsible(admin)
    note = services.define_custom_field(actor=admin, area="invoice", label="Note", kind="text")
    with pytest.raises(ValidationError) as error:
        services.write_with_custom_values(
            actor=admin,
            area="invoice",
            values={field.pk: 93_999_999, note.pk: "ok"},
            write=lambda: invoice_of(admin, client_),
        )
    assert set(field_errors(error)) == {f"cf_{field.pk}"}
    assert not Invoice.objects.exists()
    # Both refused at once: the invoice's own errors and the custom ones.
    invoice_of(admin, client_, "F-9")
    with pytest.raises(ValidationError) as error:
        services.write_with_custom_values(
            actor=admin,
            area="invoice",
            values={field.pk: 93_999_999},
            write=lambda: invoice_of(admin, client_, "F-9"),
        )
    assert set(field_errors(error)) == {"number", f"cf_{field.pk}"}
    assert Invoice.objects.count() == 1
    created = services.write_with_custom_values(
        actor=admin,
        area="invoice",
        values={field.pk: admin.pk},
        write=lambda: invoice_of(admin, client_, "F-10"),
    )
    assert CustomValue.objects.get(invoice=created).user_id == admin.pk


def test_deleting_a_record_or_the_named_colleague_leaves_no_value_behind(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = responsible(admin, area="opportunity")
    opportunity = sales.create_opportunity(
        actor=admin, client=client_, title="Audit", assignee=admin
    )
    services.set_custom_values(actor=admin, record=opportunity, values={field.pk: staff.pk})
    staff.delete()
    assert CustomValue.objects.get().user_id is None
    sales.delete_opportunity(actor=admin, opportunity=opportunity)
    assert not Opportunity.objects.exists()
    assert not CustomValue.objects.exists()
