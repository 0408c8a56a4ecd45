"""Teams: named sets of active colleagues of one firm."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from portefeuille.audit.models import AuditEvent
from portefeuille.firms import services
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, Team
from portefeuille.firms.versions import team_version
from portefeuille.testing.factories import (
    AdminFactory,
    ClientMemberFactory,
    ColleagueFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_team_is_created_with_its_members(admin: Colleague) -> None:
    alice, bruno = ColleagueFactory.create_batch(2, firm=admin.firm)

    team = services.create_team(actor=admin, name="  Paie   Lyon ", members=[alice, bruno, alice])

    assert team.name == "Paie Lyon"
    assert set(team.members.all()) == {alice, bruno}
    event = AuditEvent.objects.get(action="team.created")
    assert event.after is not None
    assert {m["id"] for m in event.after["members"]} == {alice.pk, bruno.pk}


def test_duplicate_team_name_is_refused_whatever_the_case(admin: Colleague) -> None:
    services.create_team(actor=admin, name="Équipe Fiscale")

    with pytest.raises(ValidationError) as caught:
        services.create_team(actor=admin, name="ÉQUIPE fiscale")

    assert codes(caught.value) == {"name": ["duplicate_name"]}
    assert Team.objects.filter(firm=admin.firm).count() == 1


def test_same_team_name_is_fine_in_another_firm(admin: Colleague) -> None:
    TeamFactory.create(name="Audit")

    services.create_team(actor=admin, name="Audit")


def test_member_of_another_firm_is_an_unknown_colleague(admin: Colleague) -> None:
    stranger = ColleagueFactory.create()

    with pytest.raises(ValidationError) as caught:
        services.create_team(actor=admin, name="Audit", members=[stranger])

    assert codes(caught.value) == {"members": ["unknown_colleague"]}
    assert not Team.objects.filter(name="Audit").exists()


def test_inactive_colleague_cannot_be_added(admin: Colleague) -> None:
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)
    team = services.create_team(actor=admin, name="Audit")

    with pytest.raises(ValidationError) as caught:
        services.add_team_member(actor=admin, team=team, colleague=gone)

    assert codes(caught.value) == {"members": ["inactive_colleague"]}
    assert not team.members.exists()


def test_set_members_adds_and_removes_but_keeps_deactivated_members(admin: Colleague) -> None:
    alice, bruno, chloe = ColleagueFactory.create_batch(3, firm=admin.firm)
    team = services.create_team(actor=admin, name="Audit", members=[alice, bruno])
    services.deactivate_colleague(actor=admin, colleague=bruno)

    services.set_team_members(actor=admin, team=team, members=[chloe])

    assert set(team.members.all()) == {bruno, chloe}
    event = AuditEvent.objects.get(action="team.members_changed")
    assert event.after is not None
    assert event.before is not None
    assert event.after["added"] == [{"id": chloe.pk, "name": chloe.full_name}]
    assert event.before["removed"] == [{"id": alice.pk, "name": alice.full_name}]


def test_deactivated_member_can_be_removed_explicitly(admin: Colleague) -> None:
    bruno = ColleagueFactory.create(firm=admin.firm)
    team = services.create_team(actor=admin, name="Audit", members=[bruno])
    services.deactivate_colleague(actor=admin, colleague=bruno)

    services.remove_team_member(actor=admin, team=team, colleague=bruno)

    assert not team.members.exists()
    with pytest.raises(ValidationError):
        services.remove_team_member(actor=admin, team=team, colleague=bruno)


def test_adding_a_member_twice_is_refused(admin: Colleague) -> None:
    alice = ColleagueFactory.create(firm=admin.firm)
    team = services.create_team(actor=admin, name="Audit", members=[alice])

    with pytest.raises(ValidationError) as caught:
        services.add_team_member(actor=admin, team=team, colleague=alice)

    assert codes(caught.value) == {"members": ["already_member"]}


def test_rename_and_members_change_together_or_not_at_all(admin: Colleague) -> None:
    services.create_team(actor=admin, name="Paie")
    team = services.create_team(actor=admin, name="Audit")
    alice = ColleagueFactory.create(firm=admin.firm)
    stranger = ColleagueFactory.create()

    with pytest.raises(ValidationError) as caught:
        services.update_team(actor=admin, team=team, name="Paie", members=[alice, stranger])

    assert set(caught.value.message_dict) == {"name", "members"}
    team.refresh_from_db()
    assert team.name == "Audit"
    assert not team.members.exists()

    services.update_team(actor=admin, team=team, name="Audit Lyon", members=[alice])
    team.refresh_from_db()
    assert team.name == "Audit Lyon"
    assert list(team.members.all()) == [alice]


def test_a_rename_from_a_stale_copy_is_refused_and_writes_nothing(admin: Colleague) -> None:
    team = TeamFactory.create(firm=admin.firm, name="Audit")
    loaded = team_version(team)
    services.add_team_member(
        actor=admin, team=team, colleague=ColleagueFactory.create(firm=admin.firm)
    )

    with pytest.raises(StaleVersionError):
        services.rename_team(actor=admin, team=team, name="Révision", expected_version=loaded)

    team.refresh_from_db()
    assert team.name == "Audit"
    assert not AuditEvent.objects.filter(action="team.renamed").exists()


def test_members_set_from_a_stale_copy_are_refused_and_nothing_changes(
    admin: Colleague,
) -> None:
    alice, bruno = ColleagueFactory.create_batch(2, firm=admin.firm)
    team = services.create_team(actor=admin, name="Audit", members=[alice])
    loaded = team_version(team)
    services.rename_team(actor=admin, team=team, name="Révision")

    with pytest.raises(StaleVersionError):
        services.set_team_members(actor=admin, team=team, members=[bruno], expected_version=loaded)

    assert set(team.members.all()) == {alice}
    services.set_team_members(
        actor=admin, team=team, members=[bruno], expected_version=team_version(team)
    )
    assert set(team.members.all()) == {bruno}


def test_deleting_a_team_removes_its_client_team_places(admin: Colleague) -> None:
    team = services.create_team(actor=admin, name="Audit")
    place = ClientMemberFactory.create(client__firm=admin.firm, team=team)

    services.delete_team(actor=admin, team=team)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not type(place).objects.filter(pk=place.pk).exists()
    deleted = AuditEvent.objects.get(action="team.deleted")
    assert deleted.before is not None
    assert deleted.before["team"]["name"] == "Audit"


def test_staff_cannot_manage_teams(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)
    team = services.create_team(actor=admin, name="Audit")

    with pytest.raises(PermissionDenied):
        services.create_team(actor=staff, name="Paie")
    with pytest.raises(PermissionDenied):
        services.rename_team(actor=staff, team=team, name="Paie")
    with pytest.raises(PermissionDenied):
        services.add_team_member(actor=staff, team=team, colleague=staff)
    with pytest.raises(PermissionDenied):
        services.delete_team(actor=staff, team=team)
    assert Team.objects.get(pk=team.pk).name == "Audit"


def test_team_of_another_firm_is_not_found(admin: Colleague) -> None:
    foreign = TeamFactory.create()

    with pytest.raises(Http404):
        services.rename_team(actor=admin, team=foreign, name="Mine")
    with pytest.raises(Http404):
        services.delete_team(actor=admin, team=foreign)
    assert Team.objects.filter(pk=foreign.pk).exists()
