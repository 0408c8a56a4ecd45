"""The access services: who may call them (§4), what they refuse, what they record, and
that a refused change leaves the database exactly as it was.

The cast of test_rules.py works here too (Cabinet Lambert: Alice the admin, Olivier the
owner, Marc the manager, Rose the role holder, Fanny the outsider, Louis limited, ...).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import translation
from pytest_django import Settings

from portefeuille.access import services
from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.access.rules import Level, level, visible_clients
from portefeuille.access.tests.test_rules import World, build_world
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import services as contact_services
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy, RoleSlot
from portefeuille.testing import factories as f
from portefeuille.testing.history import sentence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the access services may write, as plain rows."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (
            Contact,
            OwnerEntry,
            RoleAssignment,
            ClientMember,
            AccessGrant,
            Portfolio,
            PortfolioStaff,
            AuditEvent,
        )
    }


def assert_refused(
    call: Callable[[], object], error: type[Exception], field: str | None = None
) -> Exception:
    """Runs a call that must be refused with `error`, and proves nothing was written."""
    before = snapshot()
    with pytest.raises(error) as raised:
        call()
    assert snapshot() == before
    if field is not None:
        assert isinstance(raised.value, ValidationError)
        assert field in raised.value.message_dict, raised.value.message_dict
    return raised.value


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk").first()  # type: ignore[return-value]


def fresh(client: Contact) -> Contact:
    return Contact.objects.get(pk=client.pk)


# ---------------------------------------------------------------------------------------
# Creating, editing and deleting a client.
# ---------------------------------------------------------------------------------------


def test_staff_creates_a_public_client_with_the_firms_default_privacy(world: World) -> None:
    fanny = world.people["fanny"]
    client = contact_services.create_client(
        actor=fanny, kind="organization", display_name="  Roux  SAS "
    )
    assert client.firm_id == world.firm.pk
    assert client.display_name == "Roux SAS"
    assert client.privacy == Privacy.PUBLIC
    assert client.manager is None
    event = last_event()
    assert (event.action, event.client_id, event.actor_id) == (
        "client.created",
        client.pk,
        fanny.pk,
    )
    assert event.after["display_name"] == "Roux SAS"  # type: ignore[index]
    assert event.actor_name == fanny.full_name


def test_a_creator_who_would_lose_the_client_becomes_its_manager(world: World) -> None:
    Firm.objects.filter(pk=world.firm.pk).update(default_privacy=Privacy.HIDDEN)
    for who in ["fanny", "louis"]:
        creator = world.people[who]
        client = contact_services.create_client(
            actor=creator, kind="person", display_name=f"Client {who}"
        )
        assert client.privacy == Privacy.HIDDEN
        assert client.manager == creator
        assert level(creator, client) == Level.FULL
    admin_made = contact_services.create_client(
        actor=world.people["alice"], kind="person", display_name="Client admin"
    )
    assert admin_made.manager is None


def test_a_limited_creator_who_is_the_owner_is_not_made_manager(world: World) -> None:
    louis = world.people["louis"]
    entry = OwnerEntry.objects.create(firm=world.firm, colleague=louis)
    client = contact_services.create_client(
        actor=louis, kind="person", display_name="Dupuis", owner=entry, privacy=Privacy.PRIVATE
    )
    assert client.owner == entry
    assert client.manager is None
    assert level(louis, client) == Level.FULL


def test_create_client_refuses_bad_input_field_by_field(world: World) -> None:
    fanny = world.people["fanny"]
    error = assert_refused(
        lambda: contact_services.create_client(
            actor=fanny, kind="robot", display_name=" ", privacy="x"
        ),
        ValidationError,
    )
    assert set(error.message_dict) == {"kind", "display_name", "privacy"}  # type: ignore[attr-defined]


def test_the_firm_may_require_an_owner_on_new_clients(world: World) -> None:
    Firm.objects.filter(pk=world.firm.pk).update(owner_required=True)
    alice = world.people["alice"]
    assert_refused(
        lambda: contact_services.create_client(
            actor=alice, kind="person", display_name="Sans resp."
        ),
        ValidationError,
        "owner",
    )
    entry = OwnerEntry.objects.get(colleague=world.people["olivier"])
    client = contact_services.create_client(
        actor=alice, kind="person", display_name="Avec resp.", owner=entry
    )
    assert client.owner == entry


def test_ownership_switched_off_neither_requires_nor_accepts_an_owner(world: World) -> None:
    Firm.objects.filter(pk=world.firm.pk).update(ownership_enabled=False, owner_required=True)
    alice = world.people["alice"]
    contact_services.create_client(actor=alice, kind="person", display_name="Sans responsable")
    entry = OwnerEntry.objects.get(colleague=world.people["olivier"])
    assert_refused(
        lambda: contact_services.create_client(
            actor=alice, kind="person", display_name="X", owner=entry
        ),
        ValidationError,
        "owner",
    )
    assert_refused(
        lambda: services.set_owner(actor=alice, client=world.clients["public"], owner=entry),
        ValidationError,
        "owner",
    )


def test_an_owner_or_type_of_another_firm_is_a_404(world: World) -> None:
    zoe = world.people["zoe"]
    foreign_entry = OwnerEntry.objects.create(firm=zoe.firm, colleague=zoe)
    foreign_type = ContactType.objects.filter(firm=zoe.firm).first()
    alice = world.people["alice"]
    assert_refused(
        lambda: contact_services.create_client(
            actor=alice, kind="person", display_name="X", owner=foreign_entry
        ),
        Http404,
    )
    assert_refused(
        lambda: contact_services.create_client(
            actor=alice, kind="person", display_name="X", contact_type=foreign_type
        ),
        Http404,
    )


def test_an_inactive_colleague_can_change_nothing(world: World) -> None:
    ines = world.people["ines"]
    assert_refused(
        lambda: contact_services.create_client(actor=ines, kind="person", display_name="X"),
        PermissionDenied,
    )


def test_anyone_with_full_access_edits_details_and_the_version_moves(world: World) -> None:
    lea = world.people["lea"]  # limited, but on the client team
    client = world.clients["followed_hidden"]
    updated = contact_services.update_contact(
        actor=lea, contact=client, display_name="Nouveau nom", expected_version=1
    )
    assert updated.version == 2
    assert client.display_name == "Nouveau nom"
    assert fresh(client).search_name == "nouveau nom"
    event = last_event()
    assert event.action == "client.updated"
    assert event.before == {"display_name": "Suivi hidden"}
    assert event.after == {"display_name": "Nouveau nom"}


def test_a_stale_edit_is_refused_and_the_other_change_stays(world: World) -> None:
    alice = world.people["alice"]
    client = world.clients["public"]
    contact_services.update_contact(actor=alice, contact=client, display_name="Premier")
    error = assert_refused(
        lambda: contact_services.update_contact(
            actor=alice, contact=client, display_name="Second", expected_version=1
        ),
        StaleVersionError,
    )
    assert error.code == "stale"  # type: ignore[attr-defined]
    assert fresh(client).display_name == "Premier"


def test_details_edit_needs_full_access(world: World) -> None:
    fanny = world.people["fanny"]
    assert_refused(
        lambda: contact_services.update_contact(
            actor=fanny, contact=world.clients["private"], display_name="X"
        ),
        PermissionDenied,
    )
    assert_refused(
        lambda: contact_services.update_contact(
            actor=fanny, contact=world.clients["hidden"], display_name="X"
        ),
        Http404,
    )


def test_setting_a_type_of_the_firm_is_audited(world: World) -> None:
    alice = world.people["alice"]
    prospect = ContactType.objects.get(firm=world.firm, name="Prospect")
    contact_services.update_contact(
        actor=alice, contact=world.clients["public"], contact_type=prospect
    )
    assert fresh(world.clients["public"]).contact_type == prospect
    assert last_event().after == {"contact_type": {"id": prospect.pk, "name": "Prospect"}}


def test_only_admins_delete_and_the_history_keeps_the_name(world: World) -> None:
    client = world.clients["followed_public"]
    for who in ["olivier", "marc", "fanny"]:
        actor = world.people[who]
        assert_refused(
            lambda: contact_services.delete_client(actor=actor, client=client),  # noqa: B023
            PermissionDenied,
        )
    assert_refused(
        lambda: contact_services.delete_client(actor=world.people["louis"], client=client), Http404
    )
    client_id = client.pk
    contact_services.delete_client(actor=world.people["alice"], client=client)
    assert not Contact.objects.filter(pk=client_id).exists()
    assert not ClientMember.objects.filter(client_id=client_id).exists()
    event = AuditEvent.objects.get(client_id=client_id, action="client.deleted")
    assert event.client_name == "Suivi public"


# ---------------------------------------------------------------------------------------
# Client team, privacy and grants: admin, owner or manager only (§4).
# ---------------------------------------------------------------------------------------


def team_changes(world: World) -> dict[str, Callable[[Colleague, Contact], object]]:
    fanny, paie = world.people["fanny"], world.teams["Paie"]
    return {
        "set_owner": lambda actor, client: services.set_owner(
            actor=actor, client=client, owner=None
        ),
        "set_manager": lambda actor, client: services.set_manager(
            actor=actor, client=client, manager=fanny
        ),
        "set_role_holder": lambda actor, client: services.set_role_holder(
            actor=actor, client=client, slot=1, colleague=fanny
        ),
        "add_client_member": lambda actor, client: services.add_client_member(
            actor=actor, client=client, colleague=fanny
        ),
        "remove_client_member": lambda actor, client: services.remove_client_member(
            actor=actor, client=client, team=paie
        ),
        "set_privacy": lambda actor, client: services.set_privacy(
            actor=actor, client=client, privacy=Privacy.PUBLIC
        ),
        "grant_access": lambda actor, client: services.grant_access(
            actor=actor, client=client, colleague=fanny
        ),
        "revoke_access": lambda actor, client: services.revoke_access(
            actor=actor, client=client, team=world.teams["Fiscalité"]
        ),
    }


TEAM_CHANGES = [
    "set_owner",
    "set_manager",
    "set_role_holder",
    "add_client_member",
    "remove_client_member",
    "set_privacy",
    "grant_access",
    "revoke_access",
]


@pytest.mark.parametrize("change", TEAM_CHANGES)
@pytest.mark.parametrize("who", ["alice", "olivier", "marc"])
def test_admin_owner_and_manager_change_the_client_team(
    world: World, change: str, who: str
) -> None:
    client = world.clients["followed_private"]
    count = AuditEvent.objects.count()
    team_changes(world)[change](world.people[who], client)
    assert AuditEvent.objects.count() == count + 1
    event = last_event()
    assert event.client_id == client.pk
    assert event.actor_id == world.people[who].pk
    assert event.action.startswith("client.")


@pytest.mark.parametrize("change", TEAM_CHANGES)
@pytest.mark.parametrize("who", ["rose", "mehdi", "theo", "paula", "gina", "lea", "fanny"])
def test_others_who_see_the_client_are_forbidden(world: World, change: str, who: str) -> None:
    client = world.clients["followed_private"]
    assert_refused(lambda: team_changes(world)[change](world.people[who], client), PermissionDenied)


@pytest.mark.parametrize("change", TEAM_CHANGES)
@pytest.mark.parametrize("who", ["louis", "zoe"])
def test_those_who_cannot_see_the_client_get_a_404(world: World, change: str, who: str) -> None:
    client = world.clients["followed_private"]
    assert_refused(lambda: team_changes(world)[change](world.people[who], client), Http404)


@pytest.mark.parametrize("change", TEAM_CHANGES)
def test_an_inactive_former_manager_is_forbidden(world: World, change: str) -> None:
    marc = world.people["marc"]
    Colleague.objects.filter(pk=marc.pk).update(is_active=False)
    marc.refresh_from_db()
    client = world.clients["followed_private"]
    assert_refused(lambda: team_changes(world)[change](marc, client), PermissionDenied)


def test_fanny_may_not_make_herself_manager(world: World) -> None:
    fanny = world.people["fanny"]
    assert_refused(
        lambda: services.set_manager(actor=fanny, client=world.clients["public"], manager=fanny),
        PermissionDenied,
    )
    assert_refused(
        lambda: services.set_manager(actor=fanny, client=world.clients["hidden"], manager=fanny),
        Http404,
    )


def test_manager_change_is_audited_with_names_and_ids(world: World) -> None:
    marc, fanny = world.people["marc"], world.people["fanny"]
    client = world.clients["followed_hidden"]
    version = client.version
    services.set_manager(actor=marc, client=client, manager=fanny)
    assert client.manager_id == fanny.pk
    assert client.version == fresh(client).version == version + 1
    assert level(fanny, client) == Level.FULL
    event = last_event()
    assert event.action == "client.manager_changed"
    assert event.before == {"manager": {"id": marc.pk, "name": marc.full_name}}
    assert event.after == {"manager": {"id": fanny.pk, "name": fanny.full_name}}
    assert sentence(event, marc) == f"Gestionnaire : {marc.full_name} → {fanny.full_name}"


def test_the_manager_must_be_an_active_colleague_of_the_firm(world: World) -> None:
    alice, client = world.people["alice"], world.clients["public"]
    assert_refused(
        lambda: services.set_manager(actor=alice, client=client, manager=world.people["ines"]),
        ValidationError,
        "manager",
    )
    assert_refused(
        lambda: services.set_manager(actor=alice, client=client, manager=world.people["zoe"]),
        Http404,
    )


def test_setting_the_same_manager_again_records_nothing(world: World) -> None:
    before = snapshot()
    services.set_manager(
        actor=world.people["alice"],
        client=world.clients["followed_public"],
        manager=world.people["marc"],
    )
    assert snapshot() == before


def test_owner_change_and_roster_entries(world: World) -> None:
    alice, client = world.people["alice"], world.clients["public"]
    manual = OwnerEntry.objects.create(firm=world.firm, name="Maître Girard")
    services.set_owner(actor=alice, client=client, owner=manual)
    assert fresh(client).owner == manual
    assert last_event().after == {"owner": {"id": manual.pk, "name": "Maître Girard"}}
    inactive_entry = OwnerEntry.objects.create(firm=world.firm, colleague=world.people["ines"])
    assert_refused(
        lambda: services.set_owner(actor=alice, client=client, owner=inactive_entry),
        ValidationError,
        "owner",
    )
    foreign = OwnerEntry.objects.create(firm=world.people["zoe"].firm, name="Ailleurs")
    assert_refused(lambda: services.set_owner(actor=alice, client=client, owner=foreign), Http404)


def test_a_role_needs_a_titled_slot_and_an_active_colleague(world: World) -> None:
    alice, client = world.people["alice"], world.clients["public"]
    fanny = world.people["fanny"]
    assert_refused(
        lambda: services.set_role_holder(actor=alice, client=client, slot=2, colleague=fanny),
        ValidationError,
        "slot",
    )
    assert_refused(
        lambda: services.set_role_holder(actor=alice, client=client, slot=11, colleague=fanny),
        ValidationError,
        "slot",
    )
    assert_refused(
        lambda: services.set_role_holder(
            actor=alice, client=client, slot=1, colleague=world.people["ines"]
        ),
        ValidationError,
        "colleague",
    )
    services.set_role_holder(actor=alice, client=client, slot=1, colleague=fanny)
    services.set_role_holder(actor=alice, client=client, slot=1, colleague=world.people["rose"])
    assert RoleAssignment.objects.get(client=client, slot=1).colleague == world.people["rose"]
    event = last_event()
    assert event.before["role"]["colleague"]["id"] == fanny.pk  # type: ignore[index]
    assert event.after["role"]["title"] == "Associé signataire"  # type: ignore[index]


def test_the_holder_of_an_untitled_slot_can_still_be_removed(world: World) -> None:
    RoleSlot.objects.filter(firm=world.firm, number=1).update(title="")
    client = world.clients["followed_public"]
    services.set_role_holder(actor=world.people["alice"], client=client, slot=1, colleague=None)
    assert not RoleAssignment.objects.filter(client=client).exists()
    assert level(world.people["rose"], world.clients["followed_hidden"]) == Level.FULL


def test_members_are_colleagues_or_teams_never_twice(world: World) -> None:
    olivier, client = world.people["olivier"], world.clients["followed_hidden"]
    fanny, paie = world.people["fanny"], world.teams["Paie"]
    services.add_client_member(actor=olivier, client=client, colleague=fanny)
    assert level(fanny, client) == Level.FULL
    assert last_event().after == {
        "member": {"colleague": {"id": fanny.pk, "name": fanny.full_name}}
    }
    assert_refused(
        lambda: services.add_client_member(actor=olivier, client=client, colleague=fanny),
        ValidationError,
        "colleague",
    )
    assert_refused(
        lambda: services.add_client_member(actor=olivier, client=client, team=paie),
        ValidationError,
        "team",
    )
    assert_refused(
        lambda: services.add_client_member(
            actor=olivier, client=client, colleague=fanny, team=paie
        ),
        ValidationError,
        "colleague",
    )
    assert_refused(
        lambda: services.add_client_member(actor=olivier, client=client), ValidationError
    )
    assert_refused(
        lambda: services.add_client_member(
            actor=olivier, client=client, colleague=world.people["ines"]
        ),
        ValidationError,
        "colleague",
    )
    foreign_team = f.TeamFactory.create(firm=world.people["zoe"].firm)
    assert_refused(
        lambda: services.add_client_member(actor=olivier, client=client, team=foreign_team),
        Http404,
    )
    services.remove_client_member(actor=olivier, client=client, team=paie)
    assert level(world.people["theo"], client) == Level.NONE
    assert last_event().before == {"member": {"team": {"id": paie.pk, "name": "Paie"}}}
    assert_refused(
        lambda: services.remove_client_member(actor=olivier, client=client, team=paie),
        ValidationError,
        "team",
    )


def test_privacy_changes_are_validated_and_audited(world: World) -> None:
    marc, client = world.people["marc"], world.clients["followed_public"]
    fanny = world.people["fanny"]
    services.set_privacy(actor=marc, client=client, privacy=Privacy.HIDDEN)
    assert client.privacy == Privacy.HIDDEN
    assert level(fanny, client) == Level.NONE
    event = last_event()
    assert (event.before, event.after) == ({"privacy": "public"}, {"privacy": "hidden"})
    assert_refused(
        lambda: services.set_privacy(actor=marc, client=client, privacy="secret"),
        ValidationError,
        "privacy",
    )


def test_grants_give_and_revoke_access_at_once(world: World) -> None:
    marc, client = world.people["marc"], world.clients["followed_hidden"]
    fanny, paie = world.people["fanny"], world.teams["Paie"]
    services.grant_access(actor=marc, client=client, colleague=fanny)
    assert client in visible_clients(fanny)
    assert_refused(
        lambda: services.grant_access(actor=marc, client=client, colleague=fanny),
        ValidationError,
        "colleague",
    )
    services.revoke_access(actor=marc, client=client, colleague=fanny)
    assert client not in visible_clients(fanny)
    assert last_event().action == "client.access_revoked"
    assert_refused(
        lambda: services.revoke_access(actor=marc, client=client, colleague=fanny),
        ValidationError,
        "colleague",
    )
    services.grant_access(actor=marc, client=client, team=paie)
    assert AccessGrant.objects.filter(client=client, team=paie).exists()
    assert last_event().after == {"grant": {"team": {"id": paie.pk, "name": "Paie"}}}


# ---------------------------------------------------------------------------------------
# Portfolios: admins only.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["olivier", "marc", "paula", "fanny", "louis", "ines"])
def test_only_admins_manage_portfolios(world: World, who: str) -> None:
    actor = world.people[who]
    portfolio = Portfolio.objects.get(name="Grands comptes")
    calls: list[Callable[[], object]] = [
        lambda: services.create_portfolio(actor=actor, name="Nouveau"),
        lambda: services.update_portfolio(actor=actor, portfolio=portfolio, name="X", email=""),
        lambda: services.delete_portfolio(actor=actor, portfolio=portfolio),
        lambda: services.staff_portfolio(
            actor=actor, portfolio=portfolio, colleague=world.people["fanny"]
        ),
        lambda: services.unstaff_portfolio(
            actor=actor, portfolio=portfolio, colleague=world.people["paula"]
        ),
    ]
    for call in calls:
        assert_refused(call, PermissionDenied)
    # A client the actor cannot see at all stays a 404, as for any unknown id.
    move = Http404 if actor.is_active and actor.is_limited else PermissionDenied
    assert_refused(
        lambda: services.move_client_to_portfolio(
            actor=actor, client=world.clients["followed_public"], portfolio=None
        ),
        move,
    )


def test_a_client_the_actor_cannot_see_is_a_404_even_for_a_move(world: World) -> None:
    assert_refused(
        lambda: services.move_client_to_portfolio(
            actor=world.people["louis"], client=world.clients["public"], portfolio=None
        ),
        Http404,
    )


def test_portfolio_names_and_emails_are_validated(world: World) -> None:
    alice = world.people["alice"]
    assert_refused(
        lambda: services.create_portfolio(actor=alice, name=" ", email="pas-une-adresse"),
        ValidationError,
    )
    assert_refused(
        lambda: services.create_portfolio(actor=alice, name="grands COMPTES"),
        ValidationError,
        "name",
    )
    portfolio = services.create_portfolio(actor=alice, name="PME", email="PME@Cabinet.fr")
    assert (portfolio.name, portfolio.email) == ("PME", "pme@cabinet.fr")
    assert last_event().action == "portfolio.created"
    services.update_portfolio(actor=alice, portfolio=portfolio, name="PME et TPE", email="")
    assert Portfolio.objects.get(pk=portfolio.pk).name == "PME et TPE"
    assert last_event().before["portfolio"]["name"] == "PME"  # type: ignore[index]


def test_moving_a_client_takes_it_out_of_its_previous_portfolio(world: World) -> None:
    alice = world.people["alice"]
    client = world.clients["followed_hidden"]
    grands = Portfolio.objects.get(name="Grands comptes")
    pme = services.create_portfolio(actor=alice, name="PME")
    previous = services.move_client_to_portfolio(actor=alice, client=client, portfolio=pme)
    assert previous == grands
    assert fresh(client).portfolio == pme
    assert level(world.people["paula"], client) == Level.NONE
    assert level(world.people["pierre"], client) == Level.NONE
    event = last_event()
    assert event.action == "client.portfolio_changed"
    assert sentence(event, alice) == "Portefeuille : Grands comptes → PME"
    assert event.before == {"portfolio": {"id": grands.pk, "name": "Grands comptes"}}
    assert services.move_client_to_portfolio(actor=alice, client=client, portfolio=None) == pme
    foreign = f.PortfolioFactory.create(firm=world.people["zoe"].firm)
    assert_refused(
        lambda: services.move_client_to_portfolio(actor=alice, client=client, portfolio=foreign),
        Http404,
    )


def test_staffing_a_portfolio_opens_all_its_clients(world: World) -> None:
    alice, fanny = world.people["alice"], world.people["fanny"]
    grands = Portfolio.objects.get(name="Grands comptes")
    services.staff_portfolio(actor=alice, portfolio=grands, colleague=fanny)
    assert level(fanny, world.clients["followed_hidden"]) == Level.FULL
    assert_refused(
        lambda: services.staff_portfolio(actor=alice, portfolio=grands, colleague=fanny),
        ValidationError,
        "colleague",
    )
    assert_refused(
        lambda: services.staff_portfolio(
            actor=alice, portfolio=grands, colleague=world.people["ines"]
        ),
        ValidationError,
        "colleague",
    )
    services.unstaff_portfolio(actor=alice, portfolio=grands, team=world.teams["Audit"])
    assert level(world.people["pierre"], world.clients["followed_hidden"]) == Level.NONE
    assert last_event().action == "portfolio.unstaffed"
    assert_refused(
        lambda: services.unstaff_portfolio(
            actor=alice, portfolio=grands, team=world.teams["Audit"]
        ),
        ValidationError,
        "team",
    )


def test_deleting_a_portfolio_releases_its_clients_with_an_event_each(world: World) -> None:
    alice = world.people["alice"]
    grands = Portfolio.objects.get(name="Grands comptes")
    assert services.delete_portfolio(actor=alice, portfolio=grands) == 3
    assert not Contact.objects.filter(portfolio__isnull=False).exists()
    assert AuditEvent.objects.filter(action="client.portfolio_changed").count() == 3
    assert level(world.people["paula"], world.clients["followed_hidden"]) == Level.NONE


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_leave_one_portfolio_and_a_true_history() -> None:
    firm = f.FirmFactory.create()
    admin = f.AdminFactory.create(firm=firm)
    client = f.ClientFactory.create(firm=firm)
    targets = [f.PortfolioFactory.create(firm=firm, name=n) for n in ("Nord", "Sud")]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def move(portfolio: Portfolio) -> None:
        try:
            barrier.wait(timeout=10)
            services.move_client_to_portfolio(actor=admin, client=client, portfolio=portfolio)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(p,)) for p in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if connection.vendor == "postgresql":
        # The row lock makes the second move wait for the first, then succeed.
        assert errors == []
    else:
        # SQLite's in-memory test database (shared cache) refuses a concurrent writer
        # instead of waiting; a refused move must then have written nothing at all.
        assert all("locked" in str(error) for error in errors)
    final = Contact.objects.get(pk=client.pk).portfolio
    assert final in targets
    events = list(AuditEvent.objects.filter(client_id=client.pk).order_by("pk"))
    assert len(events) == 2 - len(errors)
    # Each move saw the true previous portfolio: the history chains without a gap.
    assert events[0].before == {"portfolio": None}
    for earlier, later in itertools.pairwise(events):
        assert later.before == earlier.after
    assert final is not None
    assert events[-1].after == {"portfolio": {"id": final.pk, "name": final.name}}


# ---------------------------------------------------------------------------------------
# The owner roster, transfers and leaving colleagues (admins only).
# ---------------------------------------------------------------------------------------


def test_admins_add_colleagues_and_manual_owners_to_the_roster(world: World) -> None:
    alice, fanny = world.people["alice"], world.people["fanny"]
    entry = services.add_roster_owner(actor=alice, colleague=fanny)
    assert entry.colleague == fanny
    assert last_event().action == "roster.added"
    assert_refused(
        lambda: services.add_roster_owner(actor=alice, colleague=fanny),
        ValidationError,
        "colleague",
    )
    assert_refused(
        lambda: services.add_roster_owner(actor=alice, colleague=world.people["ines"]),
        ValidationError,
        "colleague",
    )
    assert_refused(
        lambda: services.add_roster_owner(actor=world.people["olivier"], name="Maître Girard"),
        PermissionDenied,
    )
    manual = services.add_roster_owner(actor=alice, name="Maître  Girard")
    assert (manual.colleague, manual.name) == (None, "Maître Girard")
    assert_refused(
        lambda: services.add_roster_owner(actor=alice, name="maitre girard"),
        ValidationError,
        "name",
    )
    assert_refused(lambda: services.add_roster_owner(actor=alice), ValidationError, "colleague")


def test_a_manual_name_matching_a_colleague_suggests_that_colleague(world: World) -> None:
    alice, marc = world.people["alice"], world.people["marc"]
    error = assert_refused(
        lambda: services.add_roster_owner(actor=alice, name=marc.full_name.upper()),
        ValidationError,
        "name",
    )
    detail = error.error_dict["name"][0]  # type: ignore[attr-defined]
    assert detail.code == "matches_colleague"
    assert detail.params["colleague_id"] == marc.pk
    entry = services.add_roster_owner(actor=alice, name=marc.full_name, allow_manual=True)
    assert entry.colleague is None


def test_transfer_moves_every_client_in_one_go(world: World) -> None:
    alice = world.people["alice"]
    source = OwnerEntry.objects.get(colleague=world.people["olivier"])
    target = services.add_roster_owner(actor=alice, colleague=world.people["fanny"])
    assert services.transfer_clients(actor=alice, from_owner=source, to_owner=target) == 3
    assert Contact.objects.filter(owner=target).count() == 3
    assert set(Contact.objects.filter(owner=target).values_list("version", flat=True)) == {2}
    assert AuditEvent.objects.filter(action="client.owner_changed").count() == 3
    assert last_event().action == "roster.clients_transferred"
    assert level(world.people["fanny"], world.clients["followed_hidden"]) == Level.FULL
    assert_refused(
        lambda: services.transfer_clients(actor=alice, from_owner=target, to_owner=target),
        ValidationError,
        "to_owner",
    )
    assert_refused(
        lambda: services.transfer_clients(
            actor=world.people["marc"], from_owner=target, to_owner=source
        ),
        PermissionDenied,
    )
    inactive = OwnerEntry.objects.create(firm=world.firm, colleague=world.people["ines"])
    assert_refused(
        lambda: services.transfer_clients(actor=alice, from_owner=target, to_owner=inactive),
        ValidationError,
        "to_owner",
    )


def test_removing_an_owner_transfers_or_leaves_clients_unowned(world: World) -> None:
    alice = world.people["alice"]
    olivier_entry = OwnerEntry.objects.get(colleague=world.people["olivier"])
    manual = services.add_roster_owner(actor=alice, name="Maître Girard")
    assert_refused(
        lambda: services.remove_roster_owner(
            actor=alice, entry=olivier_entry, transfer_to=olivier_entry
        ),
        ValidationError,
        "transfer_to",
    )
    assert services.remove_roster_owner(actor=alice, entry=olivier_entry, transfer_to=manual) == 3
    assert not OwnerEntry.objects.filter(pk=olivier_entry.pk).exists()
    assert Contact.objects.filter(owner=manual).count() == 3
    assert services.remove_roster_owner(actor=alice, entry=manual, transfer_to=None) == 3
    assert not Contact.objects.filter(owner__isnull=False).exists()
    assert last_event().action == "roster.removed"


def test_releasing_a_leaving_colleagues_clients(world: World) -> None:
    alice, olivier, marc = world.people["alice"], world.people["olivier"], world.people["marc"]
    fanny = world.people["fanny"]
    manual = services.add_roster_owner(actor=alice, name="Maître Girard")
    assert_refused(
        lambda: services.release_colleague_clients(
            actor=alice, colleague=marc, owner_to=None, manager_to=marc
        ),
        ValidationError,
        "manager_to",
    )
    assert_refused(
        lambda: services.release_colleague_clients(
            actor=alice, colleague=marc, owner_to=None, manager_to=world.people["ines"]
        ),
        ValidationError,
        "manager_to",
    )
    assert_refused(
        lambda: services.release_colleague_clients(
            actor=marc, colleague=marc, owner_to=None, manager_to=fanny
        ),
        PermissionDenied,
    )
    own_entry = OwnerEntry.objects.get(colleague=olivier)
    assert_refused(
        lambda: services.release_colleague_clients(
            actor=alice, colleague=olivier, owner_to=own_entry, manager_to=None
        ),
        ValidationError,
        "owner_to",
    )
    released = services.release_colleague_clients(
        actor=alice, colleague=marc, owner_to=None, manager_to=fanny
    )
    assert released == services.Released(owned=0, managed=3)
    assert Contact.objects.filter(manager=fanny).count() == 3
    released = services.release_colleague_clients(
        actor=alice, colleague=olivier, owner_to=manual, manager_to=None
    )
    assert released == services.Released(owned=3, managed=0)
    # Olivier was on these clients only as their owner: he no longer sees the hidden one.
    assert level(olivier, world.clients["followed_hidden"]) == Level.NONE
    assert Contact.objects.filter(owner=manual).count() == 3


# ---------------------------------------------------------------------------------------
# Language.
# ---------------------------------------------------------------------------------------


def test_refusals_speak_the_callers_language(world: World) -> None:
    fanny = world.people["fanny"]
    with translation.override("en"):
        with pytest.raises(PermissionDenied) as raised:
            services.set_privacy(actor=fanny, client=world.clients["public"], privacy="hidden")
        assert "Only an admin" in str(raised.value)
        with pytest.raises(ValidationError) as invalid:
            contact_services.create_client(actor=fanny, kind="person", display_name="")
        assert invalid.value.message_dict["display_name"] == ["This field is required."]
    with translation.override("fr"):
        with pytest.raises(ValidationError) as invalid:
            contact_services.create_client(actor=fanny, kind="person", display_name="")
        assert invalid.value.message_dict["display_name"] == ["Ce champ est obligatoire."]
