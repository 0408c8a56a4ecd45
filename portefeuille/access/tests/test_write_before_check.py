"""Write before check (docs/access-proofs.md): a change the services refuse (403 or 404)
leaves the database exactly as it was — every row of the firms, contacts, access and audit
apps, audit trail included.

Every access service is called by someone §4 does not allow, on a client they may not
change or cannot see, or with an object of the other firm. Each refusal must be the
expected one (404 when the client or object does not exist for the actor, 403 when they
see it but may not act) and must leave the snapshot unchanged. The bulk changes of the
coverage monitor (docs/coverage.md) do not raise for a client the actor may not change:
they leave it as it is and list it as refused (or leave it out, if the actor does not see
it in full); their cases say which clients the answer must list. The offboarding services
(access/offboarding.py, docs/offboarding.md) are tried too, on a plan made before the
snapshot: firm A's for its manager leaving, and one of firm B.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portefeuille.access import offboarding
from portefeuille.access import services as access
from portefeuille.access.models import OffboardingPlan, OwnerEntry, Portfolio
from portefeuille.access.services import BulkPlan
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, ContactType, Team

from . import reference as ref
from .worlds import Built, build, snapshot

pytestmark = pytest.mark.django_db

A, B = 0, 1
# Colleagues (world keys).
ADMIN, OUTSIDER, LIMITED, INACTIVE_ADMIN, MANAGER, MEMBER, GRANTEE, STAFFER, THEIR_ADMIN = range(9)
# Clients.
PUBLIC, PRIVATE, HIDDEN, THEIRS = range(4)
# Teams, owner-roster entries, portfolios.
OUR_TEAM, THEIR_TEAM = 0, 1
OUR_ENTRY, MANUAL_ENTRY, THEIR_ENTRY = 0, 1, 2
OUR_PORTFOLIO, THEIR_PORTFOLIO = 0, 1
OUR_PLAN, THEIR_PLAN = 0, 1


def the_world() -> ref.World:
    """Firm A: an admin, a full-scope outsider, a limited colleague, an inactive admin, and
    the manager, member, grantee and portfolio staffer of every client of A. Firm B: an
    admin, a team, an owner entry, a portfolio and a client."""
    colleagues = {
        ADMIN: ref.Colleague(A, admin=True),
        OUTSIDER: ref.Colleague(A),
        LIMITED: ref.Colleague(A, limited=True),
        INACTIVE_ADMIN: ref.Colleague(A, admin=True, active=False),
        MANAGER: ref.Colleague(A),
        MEMBER: ref.Colleague(A),
        GRANTEE: ref.Colleague(A),
        STAFFER: ref.Colleague(A),
        THEIR_ADMIN: ref.Colleague(B, admin=True),
    }

    def ours(privacy: str) -> ref.Client:
        return ref.Client(
            A,
            privacy=privacy,
            owner=OUR_ENTRY,
            manager=MANAGER,
            members={MEMBER},
            grants={GRANTEE},
            portfolio=OUR_PORTFOLIO,
        )

    return ref.World(
        firms=[ref.FirmSettings(role_titles={1: "Associé signataire"}), ref.FirmSettings()],
        colleagues=colleagues,
        teams={OUR_TEAM: ref.Team(A, {MEMBER}), THEIR_TEAM: ref.Team(B, {THEIR_ADMIN})},
        owners={
            OUR_ENTRY: ref.OwnerEntry(A, colleague=MANAGER),
            MANUAL_ENTRY: ref.OwnerEntry(A, name="Maître Dupont"),
            THEIR_ENTRY: ref.OwnerEntry(B, colleague=THEIR_ADMIN),
        },
        clients={
            PUBLIC: ours(ref.PUBLIC),
            PRIVATE: ours(ref.PRIVATE),
            HIDDEN: ours(ref.HIDDEN),
            THEIRS: ref.Client(B, owner=THEIR_ENTRY, portfolio=THEIR_PORTFOLIO),
        },
        portfolios={
            OUR_PORTFOLIO: ref.Portfolio(A, staff={STAFFER}),
            THEIR_PORTFOLIO: ref.Portfolio(B, staff={THEIR_ADMIN}),
        },
    )


@dataclass
class Cast:
    """The world's rows, fetched fresh (as a view would before calling a service)."""

    built: Built
    plans: dict[int, int] = field(default_factory=dict)

    def colleague(self, key: int) -> Colleague:
        return Colleague.objects.get(pk=self.built.colleagues[key])

    def client(self, key: int) -> Contact:
        return Contact.objects.get(pk=self.built.clients[key])

    def team(self, key: int) -> Team:
        return Team.objects.get(pk=self.built.teams[key])

    def entry(self, key: int) -> OwnerEntry:
        return OwnerEntry.objects.get(pk=self.built.owners[key])

    def portfolio(self, key: int) -> Portfolio:
        return Portfolio.objects.get(pk=self.built.portfolios[key])

    def plan(self, key: int) -> OffboardingPlan:
        return OffboardingPlan.objects.get(pk=self.plans[key])

    def make_plans(self) -> None:
        """Firm A's plan for its manager leaving (made by its admin), and one of firm B."""
        ours = offboarding.create_offboarding_plan(
            actor=self.colleague(ADMIN), colleague=self.colleague(MANAGER), action="deactivate"
        )
        leaver = self.colleague(THEIR_ADMIN)
        theirs = OffboardingPlan.objects.create(
            firm_id=leaver.firm_id,
            colleague=leaver,
            colleague_name=leaver.full_name,
            action="deactivate",
        )
        self.plans = {OUR_PLAN: ours.pk, THEIR_PLAN: theirs.pk}

    def their_contact_type(self) -> ContactType:
        return ContactType.objects.filter(firm_id=self.built.firms[B]).first()  # type: ignore[return-value]


# A call of one service on one client: (cast, actor, client) -> result. Arguments other
# than the actor and the client are valid: only the permission is wrong.
ClientCall = Callable[[Cast, Colleague, Contact], object]

CLIENT_TEAM_CALLS: dict[str, ClientCall] = {
    "set_owner": lambda w, actor, client: access.set_owner(
        actor=actor, client=client, owner=w.entry(MANUAL_ENTRY)
    ),
    "set_manager": lambda w, actor, client: access.set_manager(
        actor=actor, client=client, manager=w.colleague(OUTSIDER)
    ),
    "set_role_holder": lambda w, actor, client: access.set_role_holder(
        actor=actor, client=client, slot=1, colleague=w.colleague(OUTSIDER)
    ),
    "add_client_member": lambda w, actor, client: access.add_client_member(
        actor=actor, client=client, colleague=w.colleague(OUTSIDER)
    ),
    "remove_client_member": lambda w, actor, client: access.remove_client_member(
        actor=actor, client=client, colleague=w.colleague(MEMBER)
    ),
    "set_privacy": lambda w, actor, client: access.set_privacy(
        actor=actor,
        client=client,
        privacy=ref.HIDDEN if client.privacy != ref.HIDDEN else ref.PUBLIC,
    ),
    "grant_access": lambda w, actor, client: access.grant_access(
        actor=actor, client=client, colleague=w.colleague(OUTSIDER)
    ),
    "revoke_access": lambda w, actor, client: access.revoke_access(
        actor=actor, client=client, colleague=w.colleague(GRANTEE)
    ),
    "change_client_team": lambda w, actor, client: access.change_client_team(
        actor=actor, client=client, manager=w.colleague(OUTSIDER)
    ),
}
ADMIN_CLIENT_CALLS: dict[str, ClientCall] = {
    "move_client_to_portfolio": lambda w, actor, client: access.move_client_to_portfolio(
        actor=actor, client=client, portfolio=None
    ),
    "delete_client": lambda w, actor, client: contacts.delete_client(actor=actor, client=client),
}
DETAILS_CALLS: dict[str, ClientCall] = {
    "update_contact": lambda w, actor, client: contacts.update_contact(
        actor=actor, contact=client, display_name="Nouveau nom"
    ),
}

# (actor, client, expected refusal of the team/admin calls, of update_contact (None: allowed))
CLIENT_SCENARIOS: dict[str, tuple[int, int, type[Exception], type[Exception] | None]] = {
    "staff on a public client they are not on the team of": (
        OUTSIDER,
        PUBLIC,
        PermissionDenied,
        None,
    ),
    "staff on a private client (name only)": (
        OUTSIDER,
        PRIVATE,
        PermissionDenied,
        PermissionDenied,
    ),
    "staff on a hidden client": (OUTSIDER, HIDDEN, Http404, Http404),
    "limited colleague on a public client": (LIMITED, PUBLIC, Http404, Http404),
    "inactive admin": (INACTIVE_ADMIN, PUBLIC, PermissionDenied, PermissionDenied),
    "admin of the other firm": (THEIR_ADMIN, PUBLIC, Http404, Http404),
    "admin on the other firm's client": (ADMIN, THEIRS, Http404, Http404),
}


@dataclass(frozen=True)
class Skipped:
    """The refusal of a bulk change: it returns, having changed no client, with these
    clients (world keys) listed as refused — those the actor sees in full but may not
    change; the others are left out."""

    refused: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Case:
    service: str
    scenario: str
    call: Callable[[Cast], object]
    error: type[Exception] | Skipped


def _client_case(service: str, scenario: str, fn: ClientCall, error: type[Exception]) -> Case:
    actor, client = CLIENT_SCENARIOS[scenario][:2]
    return Case(service, scenario, lambda w: fn(w, w.colleague(actor), w.client(client)), error)


def client_cases() -> list[Case]:
    cases = []
    for scenario, (_actor, _client, refusal, details_refusal) in CLIENT_SCENARIOS.items():
        for service, fn in {**CLIENT_TEAM_CALLS, **ADMIN_CLIENT_CALLS}.items():
            # Admin-only actions on a client the staff colleague sees: 403, as for the team.
            cases.append(_client_case(service, scenario, fn, refusal))
        if details_refusal is not None:
            for service, fn in DETAILS_CALLS.items():
                cases.append(_client_case(service, scenario, fn, details_refusal))
    return cases


def _as(actor: int, fn: Callable[[Cast, Colleague], object]) -> Callable[[Cast], object]:
    return lambda w: fn(w, w.colleague(actor))


# Admin-only services without a client: (service, call(cast, actor)).
ADMIN_CALLS: dict[str, Callable[[Cast, Colleague], object]] = {
    "create_portfolio": lambda w, actor: access.create_portfolio(actor=actor, name="Nouveau"),
    "update_portfolio": lambda w, actor: access.update_portfolio(
        actor=actor, portfolio=w.portfolio(OUR_PORTFOLIO), name="Renommé", email=""
    ),
    "delete_portfolio": lambda w, actor: access.delete_portfolio(
        actor=actor, portfolio=w.portfolio(OUR_PORTFOLIO)
    ),
    "staff_portfolio": lambda w, actor: access.staff_portfolio(
        actor=actor, portfolio=w.portfolio(OUR_PORTFOLIO), colleague=w.colleague(OUTSIDER)
    ),
    "unstaff_portfolio": lambda w, actor: access.unstaff_portfolio(
        actor=actor, portfolio=w.portfolio(OUR_PORTFOLIO), colleague=w.colleague(STAFFER)
    ),
    "add_roster_owner": lambda w, actor: access.add_roster_owner(
        actor=actor, colleague=w.colleague(OUTSIDER)
    ),
    "remove_roster_owner": lambda w, actor: access.remove_roster_owner(
        actor=actor, entry=w.entry(OUR_ENTRY), transfer_to=None
    ),
    "transfer_clients": lambda w, actor: access.transfer_clients(
        actor=actor, from_owner=w.entry(OUR_ENTRY), to_owner=w.entry(MANUAL_ENTRY)
    ),
    "release_colleague_clients": lambda w, actor: access.release_colleague_clients(
        actor=actor, colleague=w.colleague(MANAGER), owner_to=None, manager_to=None
    ),
}
# Calls that act on firm A's objects (the other firm's admin gets a 404 for them).
ON_OUR_OBJECTS = set(ADMIN_CALLS) - {"create_portfolio", "add_roster_owner"}


def admin_cases() -> list[Case]:
    cases = []
    for service, fn in ADMIN_CALLS.items():
        cases.append(Case(service, "staff colleague", _as(OUTSIDER, fn), PermissionDenied))
        cases.append(Case(service, "inactive admin", _as(INACTIVE_ADMIN, fn), PermissionDenied))
        if service in ON_OUR_OBJECTS:
            cases.append(Case(service, "admin of the other firm", _as(THEIR_ADMIN, fn), Http404))
    cases.append(
        Case(
            "create_client",
            "inactive colleague",
            _as(
                INACTIVE_ADMIN,
                lambda w, a: contacts.create_client(
                    actor=a, kind="person", display_name="Jeanne Martin"
                ),
            ),
            PermissionDenied,
        )
    )
    return cases


# Our admin, our client, but an object of the other firm as the argument: always a 404.
THEIR_OBJECT_CALLS: dict[str, Callable[[Cast, Colleague, Contact], object]] = {
    "set_owner": lambda w, a, c: access.set_owner(actor=a, client=c, owner=w.entry(THEIR_ENTRY)),
    "set_manager": lambda w, a, c: access.set_manager(
        actor=a, client=c, manager=w.colleague(THEIR_ADMIN)
    ),
    "set_role_holder": lambda w, a, c: access.set_role_holder(
        actor=a, client=c, slot=1, colleague=w.colleague(THEIR_ADMIN)
    ),
    "add_client_member": lambda w, a, c: access.add_client_member(
        actor=a, client=c, team=w.team(THEIR_TEAM)
    ),
    "remove_client_member": lambda w, a, c: access.remove_client_member(
        actor=a, client=c, colleague=w.colleague(THEIR_ADMIN)
    ),
    "grant_access": lambda w, a, c: access.grant_access(
        actor=a, client=c, colleague=w.colleague(THEIR_ADMIN)
    ),
    "revoke_access": lambda w, a, c: access.revoke_access(
        actor=a, client=c, team=w.team(THEIR_TEAM)
    ),
    "move_client_to_portfolio": lambda w, a, c: access.move_client_to_portfolio(
        actor=a, client=c, portfolio=w.portfolio(THEIR_PORTFOLIO)
    ),
    "staff_portfolio": lambda w, a, c: access.staff_portfolio(
        actor=a, portfolio=w.portfolio(OUR_PORTFOLIO), team=w.team(THEIR_TEAM)
    ),
    "unstaff_portfolio": lambda w, a, c: access.unstaff_portfolio(
        actor=a, portfolio=w.portfolio(THEIR_PORTFOLIO), colleague=w.colleague(THEIR_ADMIN)
    ),
    "update_portfolio": lambda w, a, c: access.update_portfolio(
        actor=a, portfolio=w.portfolio(THEIR_PORTFOLIO), name="Pris", email=""
    ),
    "delete_portfolio": lambda w, a, c: access.delete_portfolio(
        actor=a, portfolio=w.portfolio(THEIR_PORTFOLIO)
    ),
    "add_roster_owner": lambda w, a, c: access.add_roster_owner(
        actor=a, colleague=w.colleague(THEIR_ADMIN)
    ),
    "remove_roster_owner": lambda w, a, c: access.remove_roster_owner(
        actor=a, entry=w.entry(THEIR_ENTRY), transfer_to=None
    ),
    "transfer_clients": lambda w, a, c: access.transfer_clients(
        actor=a, from_owner=w.entry(OUR_ENTRY), to_owner=w.entry(THEIR_ENTRY)
    ),
    "release_colleague_clients": lambda w, a, c: access.release_colleague_clients(
        actor=a, colleague=w.colleague(THEIR_ADMIN), owner_to=None, manager_to=None
    ),
    "create_client": lambda w, a, c: contacts.create_client(
        actor=a, kind="person", display_name="Jeanne Martin", owner=w.entry(THEIR_ENTRY)
    ),
    "update_contact": lambda w, a, c: contacts.update_contact(
        actor=a, contact=c, contact_type=w.their_contact_type()
    ),
}


def _as_our_admin_on_our_client(fn: ClientCall) -> Callable[[Cast], object]:
    return lambda w: fn(w, w.colleague(ADMIN), w.client(PUBLIC))


def their_object_cases() -> list[Case]:
    return [
        Case(
            service, "the other firm's object as argument", _as_our_admin_on_our_client(fn), Http404
        )
        for service, fn in THEIR_OBJECT_CALLS.items()
    ]


# A bulk change of many clients at once: (cast, actor, client ids) -> BulkPlan. The owner
# and manager given are valid for firm A: only the permission is wrong.
BulkCall = Callable[[Cast, Colleague, list[int]], object]

BULK_CALLS: dict[str, BulkCall] = {
    "bulk_set_owner": lambda w, actor, ids: access.bulk_set_owner(
        actor=actor, client_ids=ids, owner=w.entry(MANUAL_ENTRY)
    ),
    "plan_bulk_owner": lambda w, actor, ids: access.plan_bulk_owner(
        actor=actor, client_ids=ids, owner=w.entry(MANUAL_ENTRY)
    ),
    "bulk_set_manager": lambda w, actor, ids: access.bulk_set_manager(
        actor=actor, client_ids=ids, manager=w.colleague(STAFFER)
    ),
    "plan_bulk_manager": lambda w, actor, ids: access.plan_bulk_manager(
        actor=actor, client_ids=ids, manager=w.colleague(STAFFER)
    ),
}
# The same calls with the other firm's owner entry or colleague as the value.
BULK_THEIR_VALUE_CALLS: dict[str, BulkCall] = {
    "bulk_set_owner": lambda w, actor, ids: access.bulk_set_owner(
        actor=actor, client_ids=ids, owner=w.entry(THEIR_ENTRY)
    ),
    "plan_bulk_owner": lambda w, actor, ids: access.plan_bulk_owner(
        actor=actor, client_ids=ids, owner=w.entry(THEIR_ENTRY)
    ),
    "bulk_set_manager": lambda w, actor, ids: access.bulk_set_manager(
        actor=actor, client_ids=ids, manager=w.colleague(THEIR_ADMIN)
    ),
    "plan_bulk_manager": lambda w, actor, ids: access.plan_bulk_manager(
        actor=actor, client_ids=ids, manager=w.colleague(THEIR_ADMIN)
    ),
}
EVERY_CLIENT = (PUBLIC, PRIVATE, HIDDEN, THEIRS)
OUR_CLIENTS = (PUBLIC, PRIVATE, HIDDEN)
UNKNOWN_CLIENT_ID = 10**9

# (actor, clients asked for, the calls, expected refusal)
BULK_SCENARIOS: dict[
    str, tuple[int, tuple[int, ...], dict[str, BulkCall], type[Exception] | Skipped]
] = {
    # On the team of every client of A, so sees them all in full, but neither admin, owner
    # nor manager: every one refused, by name.
    "team member on clients they may not change": (
        MEMBER,
        EVERY_CLIENT,
        BULK_CALLS,
        Skipped(frozenset(OUR_CLIENTS)),
    ),
    # Sees the public client in full (refused), the private one by name only and the
    # hidden one not at all (left out, as the other firm's and an unknown id).
    "staff on clients they may not change or see": (
        OUTSIDER,
        EVERY_CLIENT,
        BULK_CALLS,
        Skipped(frozenset({PUBLIC})),
    ),
    "limited colleague": (LIMITED, EVERY_CLIENT, BULK_CALLS, Skipped()),
    "inactive admin": (INACTIVE_ADMIN, EVERY_CLIENT, BULK_CALLS, PermissionDenied),
    "admin on the other firm's client": (ADMIN, (THEIRS,), BULK_CALLS, Skipped()),
    "admin of the other firm with our owner or colleague": (
        THEIR_ADMIN,
        OUR_CLIENTS,
        BULK_CALLS,
        Http404,
    ),
    "admin of the other firm with their own owner or colleague, on our clients": (
        THEIR_ADMIN,
        OUR_CLIENTS,
        BULK_THEIR_VALUE_CALLS,
        Skipped(),
    ),
    "the other firm's owner or colleague as the value": (
        ADMIN,
        OUR_CLIENTS,
        BULK_THEIR_VALUE_CALLS,
        Http404,
    ),
}


def _bulk_call(
    fn: BulkCall, actor: int, clients: tuple[int, ...], refusal: type[Exception] | Skipped
) -> Callable[[Cast], object]:
    def call(w: Cast) -> object:
        ids = [w.built.clients[key] for key in clients] + [UNKNOWN_CLIENT_ID]
        result = fn(w, w.colleague(actor), ids)
        if isinstance(refusal, Skipped):
            assert isinstance(result, BulkPlan)
            assert (result.changed, result.unchanged) == ([], 0)
            expected = {w.built.clients[key] for key in refusal.refused}
            assert {client.pk for client in result.refused} == expected
        return result

    return call


def bulk_cases() -> list[Case]:
    return [
        Case(service, scenario, _bulk_call(fn, actor, clients, refusal), refusal)
        for scenario, (actor, clients, calls, refusal) in BULK_SCENARIOS.items()
        for service, fn in calls.items()
    ]


# The offboarding services on firm A's plan: (cast, actor) -> result, valid but for the
# permission. The successors given are firm A's (active, on the roster for the owner).
PlanCall = Callable[[Cast, Colleague], object]

OFFBOARDING_CALLS: dict[str, PlanCall] = {
    "create_offboarding_plan": lambda w, actor: offboarding.create_offboarding_plan(
        actor=actor, colleague=w.colleague(STAFFER), action="delete"
    ),
    "set_offboarding_successors": lambda w, actor: offboarding.set_offboarding_successors(
        actor=actor, plan=w.plan(OUR_PLAN), successor=w.colleague(OUTSIDER), kinds=["manager"]
    ),
    "set_offboarding_successor_groups": lambda w, actor: (
        offboarding.set_offboarding_successor_groups(
            actor=actor,
            plan=w.plan(OUR_PLAN),
            groups=[{"successor": w.colleague(OUTSIDER), "kinds": ["manager"]}],
        )
    ),
    "preview_offboarding": lambda w, actor: offboarding.preview_offboarding(
        actor=actor, plan=w.plan(OUR_PLAN)
    ),
    "apply_offboarding": lambda w, actor: offboarding.apply_offboarding(
        actor=actor, plan=w.plan(OUR_PLAN)
    ),
}
# Our admin with an object of the other firm: its plan, its colleague as the leaver or the
# successor, its owner entry or portfolio in the selection.
OFFBOARDING_THEIR_OBJECT_CALLS: dict[str, list[PlanCall]] = {
    "create_offboarding_plan": [
        lambda w, a: offboarding.create_offboarding_plan(
            actor=a, colleague=w.colleague(THEIR_ADMIN), action="deactivate"
        ),
    ],
    "set_offboarding_successors": [
        lambda w, a: offboarding.set_offboarding_successors(
            actor=a, plan=w.plan(THEIR_PLAN), successor=w.colleague(OUTSIDER)
        ),
        lambda w, a: offboarding.set_offboarding_successors(
            actor=a, plan=w.plan(OUR_PLAN), successor=w.colleague(THEIR_ADMIN)
        ),
        lambda w, a: offboarding.set_offboarding_successors(
            actor=a, plan=w.plan(OUR_PLAN), successor_owner=w.entry(THEIR_ENTRY)
        ),
        lambda w, a: offboarding.set_offboarding_successors(
            actor=a,
            plan=w.plan(OUR_PLAN),
            successor=w.colleague(OUTSIDER),
            portfolio=w.portfolio(THEIR_PORTFOLIO),
        ),
    ],
    "set_offboarding_successor_groups": [
        lambda w, a: offboarding.set_offboarding_successor_groups(
            actor=a,
            plan=w.plan(OUR_PLAN),
            groups=[
                {"successor": w.colleague(OUTSIDER), "kinds": ["manager"]},
                {"successor": w.colleague(THEIR_ADMIN)},
            ],
        ),
    ],
    "preview_offboarding": [
        lambda w, a: offboarding.preview_offboarding(actor=a, plan=w.plan(THEIR_PLAN)),
    ],
    "apply_offboarding": [
        lambda w, a: offboarding.apply_offboarding(actor=a, plan=w.plan(THEIR_PLAN)),
    ],
}


def offboarding_cases() -> list[Case]:
    cases = []
    for service, fn in OFFBOARDING_CALLS.items():
        cases.append(Case(service, "staff colleague", _as(OUTSIDER, fn), PermissionDenied))
        cases.append(Case(service, "inactive admin", _as(INACTIVE_ADMIN, fn), PermissionDenied))
        cases.append(Case(service, "admin of the other firm", _as(THEIR_ADMIN, fn), Http404))
    for service, calls in OFFBOARDING_THEIR_OBJECT_CALLS.items():
        for i, fn in enumerate(calls):
            scenario = f"the other firm's plan, colleague, entry or portfolio ({i + 1})"
            cases.append(Case(service, scenario, _as(ADMIN, fn), Http404))
    return cases


OFFBOARDING_SERVICES = set(OFFBOARDING_CALLS)
CASES = client_cases() + admin_cases() + their_object_cases() + bulk_cases() + offboarding_cases()


@pytest.fixture
def cast() -> Cast:
    return Cast(build(the_world(), audit_events=True))


def every_row() -> dict[str, list[tuple[object, ...]]]:
    """The snapshot (worlds.py), and the notifications a change writes in its transaction."""
    rows = snapshot()
    for model in apps.get_app_config("notifications").get_models():
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return rows


@pytest.mark.parametrize("case", CASES, ids=[f"{c.service}: {c.scenario}" for c in CASES])
def test_a_refused_change_leaves_the_database_as_it_was(cast: Cast, case: Case) -> None:
    if case.service in OFFBOARDING_SERVICES:
        cast.make_plans()
    before = every_row()
    if isinstance(case.error, Skipped):
        case.call(cast)  # returns, and checks what it answers (see _bulk_call)
    else:
        with pytest.raises(case.error):
            case.call(cast)
    assert every_row() == before


def test_every_access_service_is_tried_with_a_refusal() -> None:
    """A service added to access/services/ or access/offboarding.py must join the cases
    above."""
    services = {
        name
        for module, prefix in ((access, f"{access.__name__}."), (offboarding, offboarding.__name__))
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__.startswith(prefix)
        and not name.startswith("_")
        and "actor" in inspect.signature(fn).parameters
    }
    covered = {case.service for case in CASES}
    assert services - covered == set()


@pytest.mark.parametrize("service", sorted(OFFBOARDING_CALLS))
def test_the_offboarding_calls_are_valid_for_our_admin(cast: Cast, service: str) -> None:
    """The refusals above come from the actor or the object only: our admin's call goes
    through."""
    cast.make_plans()
    OFFBOARDING_CALLS[service](cast, cast.colleague(ADMIN))
