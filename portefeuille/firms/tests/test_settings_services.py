"""Firm settings: general settings, role slot titles, contact types, work types and statuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from portefeuille.audit.models import AuditEvent
from portefeuille.firms import services
from portefeuille.firms.models import Colleague, ContactType, RoleSlot, WorkStatus, WorkType
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_general_settings_are_saved_and_audited(admin: Colleague) -> None:
    services.update_firm_settings(
        actor=admin,
        name="Cabinet Rivière",
        general_email="Contact@Riviere.fr",
        default_privacy="private",
        ownership_enabled=True,
        owner_required=True,
    )

    admin.firm.refresh_from_db()
    firm = admin.firm
    assert (firm.name, firm.general_email, firm.default_privacy) == (
        "Cabinet Rivière",
        "contact@riviere.fr",
        "private",
    )
    assert firm.owner_required
    event = AuditEvent.objects.get(action="firm.settings_changed")
    assert event.after == {
        "name": "Cabinet Rivière",
        "general_email": "contact@riviere.fr",
        "default_privacy": "private",
        "owner_required": True,
    }


def test_bad_general_settings_are_refused_by_field(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.update_firm_settings(
            actor=admin, name=" ", general_email="nope", default_privacy="secret"
        )

    assert set(caught.value.message_dict) == {"name", "general_email", "default_privacy"}


def test_owner_cannot_be_required_while_ownership_is_off(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.update_firm_settings(actor=admin, ownership_enabled=False, owner_required=True)

    assert codes(caught.value) == {"owner_required": ["ownership_disabled"]}


def test_staff_cannot_change_settings(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    with pytest.raises(PermissionDenied):
        services.update_firm_settings(actor=staff, name="Mine")
    with pytest.raises(PermissionDenied):
        services.set_role_slot_titles(actor=staff, titles={1: "Associé"})
    with pytest.raises(PermissionDenied):
        services.create_contact_type(actor=staff, name="Ami")


def test_role_slot_titles_are_set_and_cleared(admin: Colleague) -> None:
    services.set_role_slot_titles(actor=admin, titles={1: "Associé", 2: "Expert-comptable"})
    services.set_role_slot_titles(actor=admin, titles={2: "", 3: "Juriste"})

    titles = dict(RoleSlot.objects.filter(firm=admin.firm).values_list("number", "title"))
    assert titles[1] == "Associé"
    assert titles[2] == ""
    assert titles[3] == "Juriste"
    assert len(titles) == 10


def test_two_slots_cannot_share_a_title(admin: Colleague) -> None:
    services.set_role_slot_titles(actor=admin, titles={1: "Associé"})

    with pytest.raises(ValidationError) as caught:
        services.set_role_slot_titles(actor=admin, titles={4: "associé"})

    assert codes(caught.value) == {"title_4": ["duplicate_title"]}


def test_unknown_slot_number_is_refused(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.set_role_slot_titles(actor=admin, titles={11: "Associé"})

    assert codes(caught.value) == {"title_11": ["unknown_slot"]}


def test_contact_types_are_created_renamed_and_reordered(admin: Colleague) -> None:
    ami = services.create_contact_type(actor=admin, name="Ami")
    services.rename_contact_type(actor=admin, contact_type=ami, name="Ami du cabinet")
    types = list(ContactType.objects.filter(firm=admin.firm).order_by("position"))
    assert types[-1].name == "Ami du cabinet"

    services.reorder_contact_types(actor=admin, contact_types=[types[-1], *types[:-1]])

    first = ContactType.objects.filter(firm=admin.firm).order_by("position").first()
    assert first is not None
    assert first.name == "Ami du cabinet"


def test_duplicate_contact_type_is_refused(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_contact_type(actor=admin, name="prospect")

    assert codes(caught.value) == {"name": ["duplicate_name"]}


def test_contact_type_in_use_cannot_be_deleted_and_says_how_many_use_it(
    admin: Colleague,
) -> None:
    client_type = ContactType.objects.get(firm=admin.firm, name="Client")
    ClientFactory.create_batch(3, firm=admin.firm, contact_type=client_type)

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.delete_contact_type(actor=admin, contact_type=client_type)

    message = caught.value.messages[0]
    assert "3 contacts" in message
    assert "renommez" in message
    assert ContactType.objects.filter(pk=client_type.pk).exists()


def test_unused_contact_type_is_deleted(admin: Colleague) -> None:
    prospect = ContactType.objects.get(firm=admin.firm, name="Prospect")

    services.delete_contact_type(actor=admin, contact_type=prospect)

    assert not ContactType.objects.filter(pk=prospect.pk).exists()
    assert AuditEvent.objects.filter(action="contact_type.deleted").count() == 1


def test_archive_mark_can_move_to_another_type(admin: Colleague) -> None:
    prospect = ContactType.objects.get(firm=admin.firm, name="Prospect")

    services.set_contact_type_archive(actor=admin, contact_type=prospect, is_archive=True)

    prospect.refresh_from_db()
    assert prospect.is_archive


def test_reorder_must_list_every_type_once(admin: Colleague) -> None:
    types = list(ContactType.objects.filter(firm=admin.firm))

    with pytest.raises(ValidationError):
        services.reorder_contact_types(actor=admin, contact_types=types[:-1])
    with pytest.raises(ValidationError):
        services.reorder_contact_types(actor=admin, contact_types=[*types[:-1], types[0]])


def test_moving_a_work_type_swaps_it_with_its_neighbour_in_the_current_order(
    admin: Colleague,
) -> None:
    names = list(
        WorkType.objects.filter(firm=admin.firm).order_by("position").values_list("name", flat=True)
    )
    second = WorkType.objects.get(firm=admin.firm, name=names[1])

    services.move_work_type(actor=admin, work_type=second, offset=-1)

    order = WorkType.objects.filter(firm=admin.firm).order_by("position")
    assert list(order.values_list("name", flat=True)) == [names[1], names[0], *names[2:]]
    assert AuditEvent.objects.filter(action="work_type.reordered").count() == 1


def test_moving_past_an_end_of_the_list_changes_nothing(admin: Colleague) -> None:
    statuses = list(WorkStatus.objects.filter(firm=admin.firm).order_by("position"))

    services.move_work_status(actor=admin, work_status=statuses[0], offset=-1)
    services.move_work_status(actor=admin, work_status=statuses[-1], offset=1)

    assert list(WorkStatus.objects.filter(firm=admin.firm).order_by("position")) == statuses
    assert not AuditEvent.objects.filter(action="work_status.reordered").exists()


def test_moving_is_for_admins_and_the_firms_own_types(admin: Colleague) -> None:
    prospect = ContactType.objects.get(firm=admin.firm, name="Prospect")
    foreign = ContactType.objects.get(firm=AdminFactory.create().firm, name="Prospect")

    with pytest.raises(PermissionDenied):
        services.move_contact_type(
            actor=ColleagueFactory.create(firm=admin.firm), contact_type=prospect, offset=1
        )
    with pytest.raises(Http404):
        services.move_contact_type(actor=admin, contact_type=foreign, offset=1)


def test_contact_type_of_another_firm_is_not_found(admin: Colleague) -> None:
    foreign = ContactType.objects.get(firm=AdminFactory.create().firm, name="Prospect")

    with pytest.raises(Http404):
        services.rename_contact_type(actor=admin, contact_type=foreign, name="Mine")
    with pytest.raises(Http404):
        services.delete_contact_type(actor=admin, contact_type=foreign)


def test_work_types_are_managed_like_contact_types(admin: Colleague) -> None:
    audit = services.create_work_type(actor=admin, name="Audit légal")
    services.rename_work_type(actor=admin, work_type=audit, name="Commissariat aux comptes")
    with pytest.raises(ValidationError):
        services.create_work_type(actor=admin, name="PAIE")

    services.delete_work_type(actor=admin, work_type=audit)

    assert not WorkType.objects.filter(pk=audit.pk).exists()


def test_work_status_needs_a_primary_state(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_work_status(actor=admin, name="Relance", primary_state="someday")

    assert codes(caught.value) == {"primary_state": ["invalid_choice"]}


def test_each_primary_state_keeps_at_least_one_status(admin: Colleague) -> None:
    waiting = WorkStatus.objects.get(firm=admin.firm, primary_state="waiting")

    with pytest.raises(ValidationError):
        services.delete_work_status(actor=admin, work_status=waiting)
    with pytest.raises(ValidationError) as caught:
        services.update_work_status(actor=admin, work_status=waiting, primary_state="ready")
    assert codes(caught.value) == {"primary_state": ["last_of_state"]}

    services.create_work_status(actor=admin, name="En attente de l'AG", primary_state="waiting")
    services.update_work_status(
        actor=admin, work_status=waiting, name="Pièces demandées", primary_state="ready"
    )
    waiting.refresh_from_db()
    assert (waiting.name, waiting.primary_state) == ("Pièces demandées", "ready")
    services.delete_work_status(actor=admin, work_status=waiting)
    assert not WorkStatus.objects.filter(pk=waiting.pk).exists()
