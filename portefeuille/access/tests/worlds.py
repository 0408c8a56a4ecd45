"""Random worlds for the proof tests: a Hypothesis strategy drawing reference worlds
(`reference.World`), and `build`, which writes one to the database in a few bulk inserts.

A world has two firms, each with up to 6 colleagues (admin or staff, full or limited, some
inactive), up to 3 teams, an owner roster (entries linked to colleagues, and manual names),
up to 3 titled role slots, up to 3 portfolios with staff (colleagues and teams) and up to 8
clients of every kind and privacy with an owner, a manager, role holders (titled slots
only), members (colleagues and teams), a portfolio and grants (colleagues and teams);
persons and organizations join client groups, persons have contact cards at up to 2
organizations (what a limited colleague reads of them), and every client has up to 2 work items
(any status, an assignee, some naming a client group). With `worlds(records=True)`, each
firm also has up to 6 opportunities, projects, invoices and shared-inbox tickets
(docs/access-rules.md, "their own people"), on any client (a ticket sometimes on none),
their people drawn among the firm's colleagues of every profile, scope and state. Links
never cross firms (the services refuse that; the cross-firm test probes it).
Inactive colleagues keep their links: they were deactivated after being linked.

`build` writes rows directly (bulk_create): the point is to set up a state, not to test the
services, which the stateful test drives.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import TypeVar

from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models
from hypothesis import strategies as st

from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    GroupMembership,
    normalise_for_search,
)
from portefeuille.firms.models import (
    Colleague,
    Firm,
    OpportunityStage,
    RoleSlot,
    Team,
    TeamMembership,
    WorkStatus,
)
from portefeuille.firms.services import seed_firm_defaults
from portefeuille.inbox.models import Ticket
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator
from portefeuille.work.models import WorkItem

from . import reference as ref

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

MAX_COLLEAGUES = 6
MAX_TEAMS = 3
MAX_CLIENTS = 8
MAX_PORTFOLIOS = 3
MAX_MANUAL_OWNERS = 2
MAX_TITLED_SLOTS = 3
MAX_WORK_ITEMS = 2  # per client
MAX_CARDS = 2  # contact cards per person
MAX_RECORDS = 6  # opportunities, projects, invoices and tickets, per firm
WORK_STATUSES = 5  # the firm's default statuses (firms/services/firm.py)


# ---------------------------------------------------------------------------------------
# The strategy. Every choice shrinks towards the plainest world: staff, full scope,
# active, public, no links.
# ---------------------------------------------------------------------------------------


# Strategies are built once and cached: Hypothesis validates every new strategy object,
# which would otherwise cost more than the database work of a small world.


@functools.cache
def _index(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


@functools.cache
def _indices(n: int, max_size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(_index(n), max_size=max_size)


@functools.cache
def _count(high: int) -> st.SearchStrategy[int]:
    return st.integers(0, high)


def _choice(values: tuple[T, ...]) -> st.SearchStrategy[T]:
    return _CHOICES.setdefault(values, st.sampled_from(values))  # type: ignore[return-value]


_CHOICES: dict[tuple[object, ...], st.SearchStrategy[object]] = {}
_NONE_OR_INDEX = st.sampled_from((False, False, True))


def _subset(draw: st.DrawFn, keys: list[int], max_size: int) -> set[int]:
    if not keys:
        return set()
    return {keys[i] for i in draw(_indices(len(keys), max_size))}


def _one_or_none(draw: st.DrawFn, keys: list[int]) -> int | None:
    if not keys or not draw(_NONE_OR_INDEX):
        return None
    return keys[draw(_index(len(keys)))]


def _colleague(draw: st.DrawFn, firm: int) -> ref.Colleague:
    return ref.Colleague(
        firm=firm,
        admin=draw(_choice((False, False, False, False, True))),
        limited=draw(_choice((False, False, True))),
        active=draw(_choice((True, True, True, False))),
    )


@st.composite
def worlds(draw: st.DrawFn, records: bool = False) -> ref.World:
    world = ref.World(firms=[])
    for firm in (0, 1):
        titled = sorted({i + 1 for i in draw(_indices(10, MAX_TITLED_SLOTS))})
        world.firms.append(
            ref.FirmSettings(
                role_titles={slot: f"Poste {slot}" for slot in titled},
                ownership_enabled=draw(_choice((True, True, False))),
            )
        )
        people: list[int] = []
        for _i in range(draw(_count(MAX_COLLEAGUES))):
            key = len(world.colleagues)
            world.colleagues[key] = _colleague(draw, firm)
            people.append(key)

        teams: list[int] = []
        for _i in range(draw(_count(MAX_TEAMS))):
            key = len(world.teams)
            world.teams[key] = ref.Team(firm=firm, members=_subset(draw, people, 3))
            teams.append(key)

        owners: list[int] = []
        for colleague_key in sorted(_subset(draw, people, 3)):
            key = len(world.owners)
            world.owners[key] = ref.OwnerEntry(firm=firm, colleague=colleague_key)
            owners.append(key)
        for n in range(draw(_count(MAX_MANUAL_OWNERS))):
            key = len(world.owners)
            world.owners[key] = ref.OwnerEntry(firm=firm, name=f"Responsable manuel {firm}-{n}")
            owners.append(key)

        portfolios: list[int] = []
        for _i in range(draw(_count(MAX_PORTFOLIOS))):
            key = len(world.portfolios)
            world.portfolios[key] = ref.Portfolio(
                firm=firm, staff=_subset(draw, people, 2), staff_teams=_subset(draw, teams, 1)
            )
            portfolios.append(key)

        for _i in range(draw(_count(MAX_CLIENTS))):
            roles: dict[int, int] = {}
            if titled and people:
                for slot in titled:
                    holder = _one_or_none(draw, people)
                    if holder is not None:
                        roles[slot] = holder
            world.clients[len(world.clients)] = ref.Client(
                firm=firm,
                kind=draw(_choice(ref.KINDS)),
                privacy=draw(_choice(ref.PRIVACIES)),
                owner=_one_or_none(draw, owners),
                manager=_one_or_none(draw, people),
                roles=roles,
                members=_subset(draw, people, 2),
                member_teams=_subset(draw, teams, 1),
                portfolio=_one_or_none(draw, portfolios),
                grants=_subset(draw, people, 1),
                grant_teams=_subset(draw, teams, 1),
            )
        _draw_work(draw, world, firm, people)
    if records:
        # Drawn last, so the rest of a world is drawn as without them.
        for firm in (0, 1):
            _draw_records(draw, world, firm, world.colleagues_of(firm))
    return world


def _draw_work(draw: st.DrawFn, world: ref.World, firm: int, people: list[int]) -> None:
    """Client groups' members, persons' contact cards at organizations, and work items on
    the firm's clients (docs/work.md): some naming a client group (the client's, or one it
    is not in)."""
    clients = world.clients_of(firm)
    groups = [key for key in clients if world.clients[key].kind == "client_group"]
    for key in clients:
        client = world.clients[key]
        if client.kind != "client_group":
            client.groups = _subset(draw, groups, 2)
    organizations = [key for key in clients if world.clients[key].kind == "organization"]
    for key in clients:
        if world.clients[key].kind == "person":
            world.cards |= {(key, org) for org in _subset(draw, organizations, MAX_CARDS)}
    for key in clients:
        client = world.clients[key]
        for _i in range(draw(_count(MAX_WORK_ITEMS))):
            world.work_items[len(world.work_items)] = ref.WorkItem(
                client=key,
                status=draw(_index(WORK_STATUSES)),
                assignee=_one_or_none(draw, people),
                client_group=(
                    _one_or_none(draw, groups) if client.kind != "client_group" else None
                ),
            )


_TICKET_CLIENT = st.sampled_from((True, True, False))
_OUTSIDERS = st.sampled_from((False, True, True))
_ASSIGNED = st.sampled_from((False, True, True))  # a ticket has an assignee, or none yet


def _pool(draw: st.DrawFn, world: ref.World, people: list[int], client: int | None) -> list[int]:
    """The colleagues a record's people are drawn from: all of the firm's, or (two times in
    three) the active ones who do not see its client in full — who see the record only through
    their place on it."""
    if client is None or not draw(_OUTSIDERS):
        return people
    outsiders = [
        u
        for u in people
        if world.colleagues[u].active and ref.reference_level(world, u, client) < ref.FULL
    ]
    return outsiders or people


def _draw_records(draw: st.DrawFn, world: ref.World, firm: int, people: list[int]) -> None:
    """Opportunities, projects, invoices and tickets of the firm: each on one of its clients
    (a ticket sometimes on none: its sender matched no contact), with its people."""
    clients = world.clients_of(firm)
    for _i in range(draw(_count(MAX_RECORDS))):
        kind = draw(_choice(ref.RECORD_KINDS))
        if not clients:
            kind = ref.TICKET
        client = None
        if clients and (kind != ref.TICKET or draw(_TICKET_CLIENT)):
            client = clients[draw(_index(len(clients)))]
        record = ref.Record(kind=kind, firm=firm, client=client)
        pool = _pool(draw, world, people, client) if kind != ref.INVOICE else []
        if kind == ref.OPPORTUNITY and pool:
            # "Affectée à" is required; the second assignee is another colleague.
            record.assignee = pool[draw(_index(len(pool)))]
            second = _one_or_none(draw, pool)
            record.second_assignee = second if second != record.assignee else None
        elif kind == ref.PROJECT and pool:
            record.manager = pool[draw(_index(len(pool)))]
            record.collaborators = _subset(draw, pool, 2) - {record.manager}
        elif kind == ref.TICKET and pool and draw(_ASSIGNED):
            record.assignee = pool[draw(_index(len(pool)))]
        world.records[len(world.records)] = record


# ---------------------------------------------------------------------------------------
# Writing a world to the database.
# ---------------------------------------------------------------------------------------

_serial = itertools.count(1)


@dataclass
class Built:
    """World keys -> database ids."""

    serial: int = 0  # distinguishes the rows of this world (e-mails, names)
    firms: list[int] = field(default_factory=list)
    colleagues: dict[int, int] = field(default_factory=dict)
    teams: dict[int, int] = field(default_factory=dict)
    owners: dict[int, int] = field(default_factory=dict)
    clients: dict[int, int] = field(default_factory=dict)
    portfolios: dict[int, int] = field(default_factory=dict)
    work_items: dict[int, int] = field(default_factory=dict)
    records: dict[int, int] = field(default_factory=dict)  # record key -> id in its table
    # Per firm (index), its work statuses' ids in board order.
    statuses: list[list[int]] = field(default_factory=list)

    def client_key(self) -> dict[int, int]:
        """Database id -> world key, for clients."""
        return {pk: key for key, pk in self.clients.items()}

    def colleague_key(self) -> dict[int, int]:
        return {pk: key for key, pk in self.colleagues.items()}


def _insert(model: type[M], rows: list[M]) -> list[M]:
    return model._default_manager.bulk_create(rows) if rows else []


def _ids(model: type[M], keys: list[int], rows: list[M]) -> dict[int, int]:
    """Inserts the rows of the given world keys; returns world key -> database id."""
    return {key: row.pk for key, row in zip(keys, _insert(model, rows), strict=True)}


CLIENT_NAME = re.compile(r"Client (\d+) du monde (\d+)\b")
WORK_TITLE = re.compile(r"Travail (\d+) du monde (\d+)\b")
RECORD_TITLE = re.compile(r"(?:Affaire|Projet|Facture|Ticket) (\d+) du monde (\d+)\b")
RECORD_WORDS = {
    ref.OPPORTUNITY: "Affaire",
    ref.PROJECT: "Projet",
    ref.INVOICE: "Facture",
    ref.TICKET: "Ticket",
}


def client_name(serial: int, key: int) -> str:
    """A client's display name, unique and easy to find in a page (CLIENT_NAME)."""
    return f"Client {key} du monde {serial}"


def work_title(serial: int, key: int) -> str:
    """A work item's title, unique and easy to find in a page (WORK_TITLE)."""
    return f"Travail {key} du monde {serial}"


def record_title(serial: int, key: int, kind: str) -> str:
    """A record's title (an opportunity's title, a project's name, an invoice's number, a
    ticket's subject), unique and easy to find in a page (RECORD_TITLE)."""
    return f"{RECORD_WORDS[kind]} {key} du monde {serial}"


def colleague_row(world_serial: int, key: int, colleague: ref.Colleague, firm_id: int) -> Colleague:
    return Colleague(
        firm_id=firm_id,
        email=f"w{world_serial}-c{key}@example.test",
        first_name=f"Collègue {key}",
        last_name=f"Monde {world_serial}",
        profile=Colleague.Profile.ADMIN if colleague.admin else Colleague.Profile.STAFF,
        scope=Colleague.Scope.LIMITED if colleague.limited else Colleague.Scope.FULL,
        is_active=colleague.active,
        # Nobody signs in with a password here (the HTTP surfaces use force_login).
        password=f"{UNUSABLE_PASSWORD_PREFIX}proof",
    )


def build(world: ref.World, *, audit_events: bool = False) -> Built:
    """Writes the world in the current transaction. With `audit_events`, one audit event
    per client, so `rules.visible` has records hanging off every client."""
    serial = next(_serial)
    built = Built(serial=serial)

    firms = _insert(
        Firm,
        [
            Firm(name=f"Cabinet {serial}-{n}", ownership_enabled=settings.ownership_enabled)
            for n, settings in enumerate(world.firms)
        ],
    )
    built.firms = [firm.pk for firm in firms]
    for firm, settings in zip(firms, world.firms, strict=True):
        seed_firm_defaults(firm)
        if settings.role_titles:
            slots = list(
                RoleSlot.objects.filter(firm_id=firm.pk, number__in=list(settings.role_titles))
            )
            for slot in slots:
                slot.title = settings.role_titles[slot.number]
            RoleSlot.objects.bulk_update(slots, ["title"])

    keys = list(world.colleagues)
    built.colleagues = _ids(
        Colleague,
        keys,
        [
            colleague_row(
                serial, key, world.colleagues[key], built.firms[world.colleagues[key].firm]
            )
            for key in keys
        ],
    )

    keys = list(world.teams)
    built.teams = _ids(
        Team,
        keys,
        [Team(firm_id=built.firms[world.teams[key].firm], name=f"Équipe {key}") for key in keys],
    )
    _insert(
        TeamMembership,
        [
            TeamMembership(
                firm_id=built.firms[team.firm],
                team_id=built.teams[key],
                colleague_id=built.colleagues[member],
            )
            for key, team in world.teams.items()
            for member in sorted(team.members)
        ],
    )

    keys = list(world.owners)
    built.owners = _ids(
        OwnerEntry,
        keys,
        [
            OwnerEntry(
                firm_id=built.firms[world.owners[key].firm],
                colleague_id=(
                    built.colleagues[world.owners[key].colleague]  # type: ignore[index]
                    if world.owners[key].colleague is not None
                    else None
                ),
                name=world.owners[key].name,
            )
            for key in keys
        ],
    )

    keys = list(world.portfolios)
    built.portfolios = _ids(
        Portfolio,
        keys,
        [
            Portfolio(firm_id=built.firms[world.portfolios[key].firm], name=f"Portefeuille {key}")
            for key in keys
        ],
    )
    staff: list[PortfolioStaff] = []
    for key, portfolio in world.portfolios.items():
        firm_id = built.firms[portfolio.firm]
        staff += [
            PortfolioStaff(
                firm_id=firm_id,
                portfolio_id=built.portfolios[key],
                colleague_id=built.colleagues[c],
            )
            for c in sorted(portfolio.staff)
        ]
        staff += [
            PortfolioStaff(
                firm_id=firm_id, portfolio_id=built.portfolios[key], team_id=built.teams[t]
            )
            for t in sorted(portfolio.staff_teams)
        ]
    _insert(PortfolioStaff, staff)

    keys = list(world.clients)
    contacts = []
    for key in keys:
        client = world.clients[key]
        name = client_name(serial, key)
        contacts.append(
            Contact(
                firm_id=built.firms[client.firm],
                kind=client.kind,
                display_name=name,
                search_name=normalise_for_search(name),
                privacy=client.privacy,
                owner_id=built.owners[client.owner] if client.owner is not None else None,
                manager_id=built.colleagues[client.manager] if client.manager is not None else None,
                portfolio_id=(
                    built.portfolios[client.portfolio] if client.portfolio is not None else None
                ),
            )
        )
    built.clients = _ids(Contact, keys, contacts)

    roles: list[RoleAssignment] = []
    members: list[ClientMember] = []
    grants: list[AccessGrant] = []
    events: list[AuditEvent] = []
    for key, client in world.clients.items():
        firm_id, client_id = built.firms[client.firm], built.clients[key]
        roles += [
            RoleAssignment(
                firm_id=firm_id, client_id=client_id, slot=slot, colleague_id=built.colleagues[c]
            )
            for slot, c in sorted(client.roles.items())
        ]
        members += [
            ClientMember(firm_id=firm_id, client_id=client_id, colleague_id=built.colleagues[c])
            for c in sorted(client.members)
        ]
        members += [
            ClientMember(firm_id=firm_id, client_id=client_id, team_id=built.teams[t])
            for t in sorted(client.member_teams)
        ]
        grants += [
            AccessGrant(firm_id=firm_id, client_id=client_id, colleague_id=built.colleagues[c])
            for c in sorted(client.grants)
        ]
        grants += [
            AccessGrant(firm_id=firm_id, client_id=client_id, team_id=built.teams[t])
            for t in sorted(client.grant_teams)
        ]
        if audit_events:
            events.append(
                AuditEvent(
                    firm_id=firm_id,
                    client_id=client_id,
                    client_name=f"Client {key}",
                    action="client.created",
                )
            )
    _insert(RoleAssignment, roles)
    _insert(ClientMember, members)
    _insert(AccessGrant, grants)
    _insert(AuditEvent, events)
    _build_work(world, built)
    _build_records(world, built)
    return built


def _build_work(world: ref.World, built: Built) -> None:
    """The client groups' members, the contact cards and the work items."""
    built.statuses = [
        list(
            WorkStatus.objects.filter(firm_id=firm_id)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        for firm_id in built.firms
    ]
    assert all(len(found) == WORK_STATUSES for found in built.statuses), built.statuses
    _insert(
        ContactCard,
        [
            ContactCard(
                firm_id=built.firms[world.clients[person].firm],
                person_id=built.clients[person],
                organization_id=built.clients[organization],
            )
            for person, organization in sorted(world.cards)
        ],
    )
    _insert(
        GroupMembership,
        [
            GroupMembership(
                firm_id=built.firms[client.firm],
                group_id=built.clients[group],
                member_id=built.clients[key],
            )
            for key, client in world.clients.items()
            for group in sorted(client.groups)
        ],
    )
    keys = list(world.work_items)
    rows = []
    for key in keys:
        item = world.work_items[key]
        firm = world.clients[item.client].firm
        rows.append(
            WorkItem(
                firm_id=built.firms[firm],
                client_id=built.clients[item.client],
                client_group_id=(
                    built.clients[item.client_group] if item.client_group is not None else None
                ),
                title=work_title(built.serial, key),
                status_id=built.statuses[firm][item.status],
                assignee_id=(
                    built.colleagues[item.assignee] if item.assignee is not None else None
                ),
            )
        )
    built.work_items = _ids(WorkItem, keys, rows)


def _build_records(world: ref.World, built: Built) -> None:
    """The opportunities, projects, invoices and tickets, and the projects' collaborators."""
    if not world.records:
        return
    # Every firm starts with its pipeline (firms/services/firm.py): its first stage.
    stages = dict(
        OpportunityStage.objects.filter(firm_id__in=built.firms, position=0).values_list(
            "firm_id", "pk"
        )
    )

    def colleague(key: int | None) -> int | None:
        return built.colleagues[key] if key is not None else None

    by_kind: dict[str, list[int]] = {kind: [] for kind in ref.RECORD_KINDS}
    rows: dict[str, list[models.Model]] = {kind: [] for kind in ref.RECORD_KINDS}
    for key, record in world.records.items():
        firm_id = built.firms[record.firm]
        client_id = built.clients[record.client] if record.client is not None else None
        title = record_title(built.serial, key, record.kind)
        row: models.Model
        if record.kind == ref.TICKET:
            row = Ticket(
                firm_id=firm_id,
                client_id=client_id,
                subject=title,
                requester_email=f"w{built.serial}-t{key}@example.test",
                assignee_id=colleague(record.assignee),
            )
        elif client_id is None:
            raise AssertionError(f"a {record.kind} has a client: {record}")
        elif record.kind == ref.OPPORTUNITY:
            row = Opportunity(
                firm_id=firm_id,
                client_id=client_id,
                title=title,
                value=1000,
                stage_id=stages[firm_id],
                assignee_id=colleague(record.assignee),
                second_assignee_id=colleague(record.second_assignee),
            )
        elif record.kind == ref.PROJECT:
            row = Project(
                firm_id=firm_id,
                client_id=client_id,
                name=title,
                manager_id=colleague(record.manager),
            )
        else:
            row = Invoice(
                firm_id=firm_id,
                client_id=client_id,
                number=title,
                date=datetime.date(2025, 3, 1),
                amount=500,
            )
        by_kind[record.kind].append(key)
        rows[record.kind].append(row)
    models_of: dict[str, type[models.Model]] = {
        ref.OPPORTUNITY: Opportunity,
        ref.PROJECT: Project,
        ref.INVOICE: Invoice,
        ref.TICKET: Ticket,
    }
    for kind, model in models_of.items():
        built.records.update(_ids(model, by_kind[kind], rows[kind]))
    _insert(
        ProjectCollaborator,
        [
            ProjectCollaborator(
                firm_id=built.firms[record.firm],
                project_id=built.records[key],
                colleague_id=built.colleagues[person],
            )
            for key, record in world.records.items()
            if record.kind == ref.PROJECT
            for person in sorted(record.collaborators)
        ],
    )


# ---------------------------------------------------------------------------------------
# The whole state the services may write, to prove a refused change wrote nothing.
# ---------------------------------------------------------------------------------------

SNAPSHOT_APPS = ("firms", "contacts", "access", "audit", "work")


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every model of the firms, contacts, access and audit apps (models
    added later included), as plain tuples ordered by primary key."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for label in SNAPSHOT_APPS
        for model in apps.get_app_config(label).get_models()
    }
