"""contacts/services/: privacy as part of update_contact, and the expected version that
update_contact and delete_client refuse when stale (the API's If-Match ends there)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import services
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


def events(contact: Contact) -> list[str]:
    return list(
        AuditEvent.objects.filter(client_id=contact.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_privacy_is_changed_with_the_details_each_with_its_own_event(
    admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm, manager=staff, display_name="Avant")

    services.update_contact(
        actor=staff,
        contact=contact,
        expected_version=1,
        display_name="Après",
        privacy=Privacy.PRIVATE,
    )

    contact.refresh_from_db()
    assert (contact.display_name, contact.privacy) == ("Après", Privacy.PRIVATE)
    assert events(contact) == ["client.updated", "client.privacy_changed"]
    assert contact.version == 3  # one write each, as when they were two calls


def test_a_refused_privacy_undoes_the_details_too(admin: Colleague, staff: Colleague) -> None:
    # Staff sees a public client in full, may change its details, not its privacy.
    contact = ClientFactory.create(firm=admin.firm, display_name="Avant")

    with pytest.raises(PermissionDenied):
        services.update_contact(
            actor=staff, contact=contact, display_name="Après", privacy=Privacy.HIDDEN
        )

    contact.refresh_from_db()
    assert (contact.display_name, contact.privacy, contact.version) == ("Avant", "public", 1)
    assert events(contact) == []


def test_sending_the_current_privacy_still_needs_the_right_to_change_it(
    admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm)

    with pytest.raises(PermissionDenied):
        services.update_contact(actor=staff, contact=contact, privacy=Privacy.PUBLIC)


def test_a_stale_version_refuses_the_whole_update_privacy_included(admin: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm, display_name="Avant")
    services.update_contact(actor=admin, contact=contact, display_name="Entre-temps")

    with pytest.raises(StaleVersionError):
        services.update_contact(
            actor=admin,
            contact=contact,
            expected_version=1,
            display_name="Après",
            privacy=Privacy.HIDDEN,
        )

    contact.refresh_from_db()
    assert (contact.display_name, contact.privacy, contact.version) == ("Entre-temps", "public", 2)
    assert events(contact) == ["client.updated"]


def test_a_stale_version_refuses_the_deletion(admin: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm)
    services.update_contact(actor=admin, contact=contact, display_name="Entre-temps")

    with pytest.raises(StaleVersionError):
        services.delete_client(actor=admin, client=contact, expected_version=1)

    assert Contact.objects.filter(pk=contact.pk).exists()
    assert events(contact) == ["client.updated"]
    services.delete_client(actor=admin, client=contact, expected_version=2)
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_deletion_checks_the_admin_right_before_the_version(
    admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm)

    with pytest.raises(PermissionDenied):
        services.delete_client(actor=staff, client=contact, expected_version=99)
