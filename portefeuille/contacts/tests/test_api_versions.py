"""/api/v1/contacts/{id}: If-Match goes to the service as the expected version, and the
service's refusal of a stale one answers 412 (never to a reader who sees the name only);
PATCH /team is one all-or-nothing service call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    token_headers,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, RoleSlot
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory
from portefeuille.testing.responses import ClientResponse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/contacts"


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


def patch(
    client: Client,
    contact: Contact,
    body: dict[str, Any],
    headers: dict[str, str],
    if_match: str | None,
) -> ClientResponse:
    extra = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(
        f"{URL}/{contact.pk}", body, content_type="application/json", headers={**headers, **extra}
    )


def changed_since_loaded(contact: Contact, admin: Colleague, client: Client) -> str:
    """The ETag of a first load, made stale by another change."""
    headers = token_headers(admin)
    etag = client.get(f"{URL}/{contact.pk}", headers=headers)["ETag"]
    assert patch(client, contact, {"notes": "Entre-temps"}, headers, None).status_code == 200
    return str(etag)


def test_a_stale_if_match_on_delete_is_a_412_and_the_client_stays(
    client: Client, admin: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm)
    stale = changed_since_loaded(contact, admin, client)
    headers = token_headers(admin)

    refused = client.delete(f"{URL}/{contact.pk}", headers={**headers, "If-Match": stale})

    assert assert_problem(refused, 412)["type"].endswith(":stale-write")
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert not AuditEvent.objects.filter(action="client.deleted").exists()
    fresh = client.get(f"{URL}/{contact.pk}", headers=headers)["ETag"]
    deleted = client.delete(f"{URL}/{contact.pk}", headers={**headers, "If-Match": fresh})
    assert deleted.status_code == 204, deleted.content


def test_a_stale_if_match_refuses_a_privacy_change_too(client: Client, admin: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)
    stale = changed_since_loaded(contact, admin, client)

    refused = patch(client, contact, {"privacy": "hidden"}, token_headers(admin), stale)

    assert_problem(refused, 412)
    contact.refresh_from_db()
    assert contact.privacy == Privacy.PUBLIC
    assert not AuditEvent.objects.filter(action="client.privacy_changed").exists()


@pytest.mark.parametrize("tag", ['W/"{v}"', '"0", "{v}"', "*"])
def test_weak_listed_and_star_tags_naming_the_current_version_go_through(
    client: Client, admin: Colleague, tag: str
) -> None:
    contact = ClientFactory.create(firm=admin.firm)

    response = patch(
        client, contact, {"notes": "Noté"}, token_headers(admin), tag.format(v=contact.version)
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{contact.version + 1}"'


@pytest.mark.parametrize("tag", ['"0", "7"', "garbage"])
def test_tags_that_do_not_name_the_current_version_are_a_412(
    client: Client, admin: Colleague, tag: str
) -> None:
    contact = ClientFactory.create(firm=admin.firm)

    assert_problem(patch(client, contact, {"notes": "Noté"}, token_headers(admin), tag), 412)
    contact.refresh_from_db()
    assert (contact.notes, contact.version) == ("", 1)


def test_a_fresh_if_match_with_a_stale_body_version_is_a_412(
    client: Client, admin: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm)
    changed_since_loaded(contact, admin, client)
    contact.refresh_from_db()

    refused = patch(
        client,
        contact,
        {"notes": "Après", "version": contact.version - 1},
        token_headers(admin),
        f'"{contact.version}"',
    )

    assert_problem(refused, 412)


def test_a_name_only_reader_with_a_stale_tag_gets_403_not_412(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    headers = token_headers(staff)

    assert_problem(patch(client, contact, {"notes": "x"}, headers, '"0"'), 403)
    assert_problem(
        client.delete(f"{URL}/{contact.pk}", headers={**headers, "If-Match": '"0"'}), 403
    )


def test_a_team_change_with_one_bad_part_answers_422_and_records_nothing(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    RoleSlot.objects.filter(firm=admin.firm, number=1).update(title="Associé")
    contact = ClientFactory.create(firm=admin.firm)

    response = client.patch(
        f"{URL}/{contact.pk}/team",
        {
            "manager_id": staff.pk,
            "roles": [{"slot": 1, "colleague_id": staff.pk}],
            "add_members": {"colleague_ids": [admin.pk]},
            "remove_members": {"colleague_ids": [staff.pk]},  # not a member: refused
        },
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert_problem(response, 422)
    contact.refresh_from_db()
    assert (contact.manager_id, contact.version) == (None, 1)
    assert not RoleAssignment.objects.filter(client=contact).exists()
    assert not ClientMember.objects.filter(client=contact).exists()
    assert not AuditEvent.objects.filter(client_id=contact.pk).exists()
