"""access/services::change_client_team: several parts of a client team in one call, all or
nothing, each part with the history event its single service records."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from portefeuille.access import services
from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, Privacy, RoleSlot
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    OwnerEntryFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    admin = AdminFactory.create()
    RoleSlot.objects.filter(firm=admin.firm, number=1).update(title="Associé")
    RoleSlot.objects.filter(firm=admin.firm, number=2).update(title="")
    return admin


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


def written(client: Contact) -> dict[str, Any]:
    """Everything a team change may write about this client."""
    row = Contact.objects.values("owner_id", "manager_id", "version", "updated_at").get(
        pk=client.pk
    )
    return {
        "row": row,
        "roles": list(
            RoleAssignment.objects.filter(client=client).values_list("slot", "colleague")
        ),
        "members": list(
            ClientMember.objects.filter(client=client).values_list("colleague", "team")
        ),
        "events": list(AuditEvent.objects.filter(client_id=client.pk).values_list("action")),
    }


def test_every_part_is_applied_with_the_event_of_its_single_service(
    admin: Colleague, staff: Colleague
) -> None:
    admin.firm.ownership_enabled = True
    admin.firm.save(update_fields=["ownership_enabled"])
    owner = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    team = TeamFactory.create(firm=admin.firm)
    leaving = ColleagueFactory.create(firm=admin.firm)
    client = ClientFactory.create(firm=admin.firm)
    ClientMemberFactory.create(client=client, colleague=leaving)

    result = services.change_client_team(
        actor=admin,
        client=client,
        expected_version=client.version,
        owner=owner,
        manager=staff,
        roles=[(1, staff)],
        add_members=[admin, team],
        remove_members=[leaving],
    )

    assert (result.owner_id, result.manager_id) == (owner.pk, staff.pk)
    assert (client.owner_id, client.manager_id) == (owner.pk, staff.pk)  # copied back
    assert list(RoleAssignment.objects.filter(client=client).values_list("slot", "colleague")) == [
        (1, staff.pk)
    ]
    assert set(ClientMember.objects.filter(client=client).values_list("colleague", "team")) == {
        (admin.pk, None),
        (None, team.pk),
    }
    assert list(
        AuditEvent.objects.filter(client_id=client.pk).order_by("pk").values_list("action")
    ) == [
        ("client.owner_changed",),
        ("client.manager_changed",),
        ("client.role_changed",),
        ("client.member_added",),
        ("client.member_added",),
        ("client.member_removed",),
    ]


@pytest.mark.parametrize(
    "bad_part",
    ["untitled role", "member twice", "removing a non-member", "inactive manager"],
)
def test_one_refused_part_writes_nothing_and_records_no_event(
    admin: Colleague, staff: Colleague, bad_part: str
) -> None:
    client = ClientFactory.create(firm=admin.firm)
    ClientMemberFactory.create(client=client, colleague=admin)
    outsider = ColleagueFactory.create(firm=admin.firm)
    parts: dict[str, Any] = {
        "manager": staff,
        "roles": [(1, staff)],
        "add_members": [staff],
        "remove_members": [admin],
    }
    if bad_part == "untitled role":
        parts["roles"] = [(1, staff), (2, staff)]
    elif bad_part == "member twice":
        parts["add_members"] = [staff, admin]
    elif bad_part == "removing a non-member":
        parts["remove_members"] = [admin, outsider]
    else:
        parts["manager"] = ColleagueFactory.create(firm=admin.firm, is_active=False)
    before = written(client)

    with pytest.raises(ValidationError):
        services.change_client_team(actor=admin, client=client, **parts)

    assert written(client) == before
    client.refresh_from_db()
    assert client.manager_id is None


def test_a_stale_version_is_refused_before_anything_is_written(
    admin: Colleague, staff: Colleague
) -> None:
    client = ClientFactory.create(firm=admin.firm)
    services.set_privacy(actor=admin, client=client, privacy=Privacy.PRIVATE)  # version 2
    before = written(client)

    with pytest.raises(StaleVersionError):
        services.change_client_team(
            actor=admin, client=client, expected_version=1, manager=staff, roles=[(1, staff)]
        )

    assert written(client) == before


def test_only_a_team_editor_may_even_send_an_empty_change(
    admin: Colleague, staff: Colleague
) -> None:
    public = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)

    with pytest.raises(PermissionDenied):
        services.change_client_team(actor=staff, client=public)
    with pytest.raises(Http404):  # a hidden client is an unknown one
        services.change_client_team(actor=staff, client=hidden, manager=staff)
    assert services.change_client_team(actor=admin, client=public).version == public.version
    assert not AuditEvent.objects.filter(client_id__in=[public.pk, hidden.pk]).exists()
