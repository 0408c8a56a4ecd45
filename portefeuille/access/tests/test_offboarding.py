"""Offboarding (docs/offboarding.md): the refusal to let a colleague who holds clients leave
without a choice, and the plan — defaults, group edits, preview, apply, and each bad input
refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from portefeuille.access import offboarding
from portefeuille.access.holdings import HoldsClients, holdings_of
from portefeuille.access.models import (
    ClientMember,
    OffboardingPlan,
    OwnerEntry,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.access.services import set_manager
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms import services as firms
from portefeuille.firms.models import Colleague, Firm, RoleSlot, TeamMembership
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    PortfolioFactory,
    PortfolioStaffFactory,
    RoleAssignmentFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm)


def _state() -> dict[str, Any]:
    """Everything a plan may change, to prove a refusal wrote nothing."""
    return {
        "clients": sorted(Contact.objects.values_list("pk", "owner_id", "manager_id", "version")),
        "roles": sorted(RoleAssignment.objects.values_list("client_id", "slot", "colleague_id")),
        "members": sorted(ClientMember.objects.values_list("client_id", "colleague_id")),
        "staff": sorted(PortfolioStaff.objects.values_list("portfolio_id", "colleague_id")),
        "teams": sorted(TeamMembership.objects.values_list("team_id", "colleague_id")),
        "active": sorted(Colleague.objects.values_list("pk", "is_active")),
        "events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _titled(firm: Firm, number: int = 1, title: str = "Associé signataire") -> None:
    RoleSlot.objects.filter(firm=firm, number=number).update(title=title)
    if not RoleSlot.objects.filter(firm=firm, number=number).exists():
        RoleSlot.objects.create(firm=firm, number=number, title=title)


def _leaver_with_everything(firm: Firm) -> dict[str, Any]:
    leaver = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Part")
    entry = OwnerEntry.objects.create(firm=firm, colleague=leaver)
    manager = ColleagueFactory.create(firm=firm, first_name="Marc", last_name="Gère")
    OwnerEntry.objects.create(firm=firm, colleague=manager)
    portfolio = PortfolioFactory.create(firm=firm)
    staffer = ColleagueFactory.create(firm=firm, first_name="Sam", last_name="Staff")
    PortfolioStaffFactory.create(firm=firm, portfolio=portfolio, colleague=staffer)
    PortfolioStaffFactory.create(firm=firm, portfolio=portfolio, colleague=leaver)
    owned = ClientFactory.create(firm=firm, owner=entry, manager=manager)
    managed = ClientFactory.create(firm=firm, manager=leaver, portfolio=portfolio)
    _titled(firm)
    role_client = ClientFactory.create(firm=firm)
    RoleAssignmentFactory.create(firm=firm, client=role_client, slot=1, colleague=leaver)
    member_client = ClientFactory.create(firm=firm, manager=manager)
    ClientMemberFactory.create(firm=firm, client=member_client, colleague=leaver)
    team = TeamFactory.create(firm=firm)
    TeamMembershipFactory.create(firm=firm, team=team, colleague=leaver)
    ClientMemberFactory.create(firm=firm, client=ClientFactory.create(firm=firm), team=team)
    return locals()


# --- the refusal without a choice ------------------------------------------------------------


@pytest.mark.parametrize("leave", ["deactivate", "delete"])
def test_a_colleague_who_holds_clients_cannot_leave_without_a_choice(
    firm: Firm, admin: Colleague, leave: str
) -> None:
    world = _leaver_with_everything(firm)
    before = _state()
    service = firms.deactivate_colleague if leave == "deactivate" else firms.delete_colleague

    with pytest.raises(HoldsClients) as refusal:
        service(actor=admin, colleague=world["leaver"])

    assert refusal.value.holds == {
        "owner": 1,
        "manager": 1,
        "role": 1,
        "member": 1,
        "portfolio_staff": 1,
        "team_member": 1,
    }
    message = refusal.value.messages[0]
    assert "Léa Part détient encore des clients" in message
    assert "responsable de 1 client" in message
    assert "gestionnaire de 1 client" in message
    assert _state() == before


def test_ne_pas_transferer_lets_the_colleague_leave_with_the_clients_as_they_are(
    firm: Firm, admin: Colleague
) -> None:
    world = _leaver_with_everything(firm)

    firms.deactivate_colleague(actor=admin, colleague=world["leaver"], transfer=False)

    world["managed"].refresh_from_db()
    assert world["managed"].manager == world["leaver"]
    assert not Colleague.objects.get(pk=world["leaver"].pk).is_active


def test_a_colleague_who_holds_nothing_leaves_without_being_asked(
    firm: Firm, admin: Colleague
) -> None:
    free = ColleagueFactory.create(firm=firm)
    firms.delete_colleague(actor=admin, colleague=free)
    assert not Colleague.objects.filter(pk=free.pk).exists()


# --- the plan ---------------------------------------------------------------------------------


def test_a_plan_lists_every_place_with_its_default_successor(firm: Firm, admin: Colleague) -> None:
    world = _leaver_with_everything(firm)

    plan = offboarding.create_offboarding_plan(
        actor=admin, colleague=world["leaver"], action="deactivate"
    )
    rows = {
        (row.kind, row.client_id): row
        for row in offboarding.preview_offboarding(actor=admin, plan=plan).rows
    }

    assert len(rows) == 6
    # Owner: the client's manager, on the roster. Manager: the portfolio's other staffer.
    assert rows[("owner", world["owned"].pk)].after == "Marc Gère"
    assert rows[("manager", world["managed"].pk)].after == "Sam Staff"
    # No manager, no portfolio: nobody. A member place: the client's manager.
    assert rows[("role", world["role_client"].pk)].after is None
    assert rows[("member", world["member_client"].pk)].after == "Marc Gère"
    assert rows[("portfolio_staff", None)].after is None
    assert rows[("team_member", None)].after is None
    assert all(row.before == "Léa Part" for row in rows.values())


def test_forty_clients_split_across_three_successors_then_applied(
    firm: Firm, admin: Colleague
) -> None:
    leaver = ColleagueFactory.create(firm=firm)
    entry = OwnerEntry.objects.create(firm=firm, colleague=leaver)
    a, b, c = (ColleagueFactory.create(firm=firm) for _ in range(3))
    for successor in (a, b, c):
        OwnerEntry.objects.create(firm=firm, colleague=successor)
    north = PortfolioFactory.create(firm=firm)
    clients = [
        ClientFactory.create(
            firm=firm, owner=entry, manager=leaver, portfolio=north if i < 20 else None
        )
        for i in range(40)
    ]
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="delete")
    items = {(item.kind, item.client_id): item.pk for item in offboarding.plan_items(plan)}

    offboarding.set_offboarding_successor_groups(
        actor=admin,
        plan=plan,
        groups=[
            {"successor": a, "portfolio": north},
            {
                "successor": b,
                "item_ids": [
                    items[(k, cl.pk)] for cl in clients[20:32] for k in ("owner", "manager")
                ],
            },
            {
                "successor": c,
                "item_ids": [
                    items[(k, cl.pk)] for cl in clients[32:] for k in ("owner", "manager")
                ],
            },
        ],
    )
    preview = offboarding.preview_offboarding(actor=admin, plan=plan)
    assert preview.ready
    assert dict(preview.by_successor()) == {a.full_name: 40, b.full_name: 24, c.full_name: 16}

    applied = offboarding.apply_offboarding(actor=admin, plan=plan)

    assert applied.changed == 80
    owners = dict(Contact.objects.filter(firm=firm).values_list("pk", "owner__colleague_id"))
    managers = dict(Contact.objects.filter(firm=firm).values_list("pk", "manager_id"))
    for i, client in enumerate(clients):
        expected = a if i < 20 else b if i < 32 else c
        assert owners[client.pk] == expected.pk
        assert managers[client.pk] == expected.pk
    assert not Colleague.objects.filter(pk=leaver.pk).exists()
    assert AuditEvent.objects.filter(action="client.owner_changed").count() == 40
    assert AuditEvent.objects.filter(action="client.manager_changed").count() == 40
    # One notification per successor and role, with how many clients (not one per client).
    given = sorted(
        (n.recipient_id, n.kind, n.client_id, n.params["count"]) for n in Notification.objects.all()
    )
    assert given == sorted(
        (who.pk, kind, None, count)
        for who, count in ((a, 20), (b, 12), (c, 8))
        for kind in ("client.owner_given", "client.manager_given")
    )
    assert applied.notified == 6
    assert OffboardingPlan.objects.get(pk=plan.pk).applied_at is not None


def test_applying_empties_every_place_and_deactivates(firm: Firm, admin: Colleague) -> None:
    world = _leaver_with_everything(firm)
    leaver = world["leaver"]
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")

    offboarding.apply_offboarding(actor=admin, plan=plan)

    assert holdings_of(leaver) == []
    assert not Colleague.objects.get(pk=leaver.pk).is_active
    assert ClientMember.objects.filter(client=world["member_client"], colleague=world["manager"])
    world["managed"].refresh_from_db()
    assert world["managed"].manager == world["staffer"]


# --- bad input: a clear refusal, nothing written -----------------------------------------------


def test_a_plan_that_leaves_a_required_owner_empty_is_refused(firm: Firm, admin: Colleague) -> None:
    Firm.objects.filter(pk=firm.pk).update(ownership_enabled=True, owner_required=True)
    leaver = ColleagueFactory.create(firm=firm)
    entry = OwnerEntry.objects.create(firm=firm, colleague=leaver)
    ClientFactory.create(firm=firm, owner=entry)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    preview = offboarding.preview_offboarding(actor=admin, plan=plan)
    assert [issue.code for _row, issue in preview.blocking] == ["owner_required"]
    before = _state()

    with pytest.raises(ValidationError) as refusal:
        offboarding.apply_offboarding(actor=admin, plan=plan)

    assert "exige un responsable client" in " ".join(refusal.value.messages)
    assert _state() == before


@pytest.mark.parametrize("profile", ["inactive", "not_on_roster", "leaver", "other_firm"])
def test_a_successor_without_the_right_profile_is_refused(
    firm: Firm, admin: Colleague, profile: str
) -> None:
    leaver = ColleagueFactory.create(firm=firm)
    entry = OwnerEntry.objects.create(firm=firm, colleague=leaver)
    ClientFactory.create(firm=firm, owner=entry)
    successor = {
        "inactive": lambda: ColleagueFactory.create(firm=firm, is_active=False),
        "not_on_roster": lambda: ColleagueFactory.create(firm=firm),
        "leaver": lambda: leaver,
        "other_firm": lambda: ColleagueFactory.create(),
    }[profile]()
    if profile == "inactive":
        OwnerEntry.objects.create(firm=firm, colleague=successor)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    before = _state()
    expected: type[Exception] = Http404 if profile == "other_firm" else ValidationError

    with pytest.raises(expected) as refusal:
        offboarding.set_offboarding_successors(actor=admin, plan=plan, successor=successor)

    if profile == "not_on_roster":
        assert "liste des responsables clients" in " ".join(refusal.value.messages)  # type: ignore[attr-defined]
    assert _state() == before
    assert all(item.successor_id is None for item in offboarding.plan_items(plan))


def test_a_successor_deactivated_after_being_chosen_refuses_the_apply(
    firm: Firm, admin: Colleague
) -> None:
    leaver = ColleagueFactory.create(firm=firm)
    successor = ColleagueFactory.create(firm=firm)
    ClientFactory.create(firm=firm, manager=leaver)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    offboarding.set_offboarding_successors(actor=admin, plan=plan, successor=successor)
    firms.deactivate_colleague(actor=admin, colleague=successor)
    before = _state()

    with pytest.raises(ValidationError) as refusal:
        offboarding.apply_offboarding(actor=admin, plan=plan)

    assert "est désactivé" in " ".join(refusal.value.messages)
    assert _state() == before


def test_applying_after_the_clients_changed_is_refused_with_what_changed(
    firm: Firm, admin: Colleague
) -> None:
    leaver = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Part")
    other = ColleagueFactory.create(firm=firm)
    taken = ClientFactory.create(firm=firm, manager=leaver, display_name="Boulangerie Roux")
    ClientFactory.create(firm=firm, manager=leaver)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    set_manager(actor=admin, client=taken, manager=other)  # someone changed a client since
    gained = ClientFactory.create(firm=firm, display_name="Garage Noir")
    set_manager(actor=admin, client=gained, manager=leaver)
    before = _state()

    with pytest.raises(offboarding.PlanChanged) as refusal:
        offboarding.apply_offboarding(actor=admin, plan=plan)

    changes = {(c["change"], c["client_id"]) for c in refusal.value.problem_extras["changes"]}
    assert changes == {("gone", taken.pk), ("new", gained.pk)}
    text = " ".join(refusal.value.messages)
    assert "Boulangerie Roux" in text
    assert "Garage Noir" in text
    assert _state() == before
    assert Colleague.objects.get(pk=leaver.pk).is_active


def test_a_plan_is_applied_once(firm: Firm, admin: Colleague) -> None:
    leaver = ColleagueFactory.create(firm=firm)
    ClientFactory.create(firm=firm, manager=leaver)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    offboarding.apply_offboarding(actor=admin, plan=plan)

    with pytest.raises(ValidationError):
        offboarding.apply_offboarding(actor=admin, plan=plan)


def test_plans_are_for_admins_of_the_firm(firm: Firm, admin: Colleague) -> None:
    leaver = ColleagueFactory.create(firm=firm)
    ClientFactory.create(firm=firm, manager=leaver)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    stranger = AdminFactory.create()
    staff = ColleagueFactory.create(firm=firm)

    with pytest.raises(Http404):
        offboarding.preview_offboarding(actor=stranger, plan=plan)
    with pytest.raises(Http404):
        offboarding.create_offboarding_plan(actor=stranger, colleague=leaver, action="delete")
    with pytest.raises(Exception, match="administrateurs"):
        offboarding.apply_offboarding(actor=staff, plan=plan)
    with pytest.raises(ValidationError):
        offboarding.create_offboarding_plan(actor=admin, colleague=admin, action="delete")
