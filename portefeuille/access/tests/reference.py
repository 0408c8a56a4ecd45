"""A reference model of docs/access-rules.md, in plain Python, for the proof tests.

It imports nothing from `portefeuille.access` (neither the rules nor the models): a world is
a handful of dataclasses keyed by small integers, and `reference_level` reads §6 line by
line. The differential and stateful tests hold the real rules against it.

Keys are world keys, not database ids (`worlds.build` maps one to the other). Every key
space (colleagues, teams, owners, clients, portfolios) is independent, and keys are unique
across both firms.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import cast

NONE, NAME, FULL = 0, 1, 2
LEVEL_NAMES = {NONE: "none", NAME: "name", FULL: "full"}

PUBLIC, PRIVATE, HIDDEN = "public", "private", "hidden"
PRIVACIES = (PUBLIC, PRIVATE, HIDDEN)
KINDS = ("organization", "person", "client_group")


@dataclass
class FirmSettings:
    # Titled custom role slots: {slot number (1..10): title}. Untitled slots are absent.
    role_titles: dict[int, str] = field(default_factory=dict)
    # The ownership switch hides the owner field; it does not change §6 (owner data kept).
    ownership_enabled: bool = True


@dataclass
class Colleague:
    firm: int
    admin: bool = False
    limited: bool = False
    active: bool = True


@dataclass
class Team:
    firm: int
    members: set[int] = field(default_factory=set)  # colleague keys


@dataclass
class OwnerEntry:
    """An owner-roster entry: linked to a colleague, or a manual owner known by name."""

    firm: int
    colleague: int | None = None
    name: str = ""


@dataclass
class Client:
    firm: int
    kind: str = "organization"
    privacy: str = PUBLIC
    owner: int | None = None  # owner-roster entry key
    manager: int | None = None  # colleague key
    roles: dict[int, int] = field(default_factory=dict)  # slot number -> colleague key
    members: set[int] = field(default_factory=set)  # colleague keys
    member_teams: set[int] = field(default_factory=set)  # team keys
    portfolio: int | None = None  # portfolio key
    grants: set[int] = field(default_factory=set)  # colleague keys
    grant_teams: set[int] = field(default_factory=set)  # team keys
    # The client groups (client keys) a person or organization is a member of.
    groups: set[int] = field(default_factory=set)


@dataclass
class WorkItem:
    """A work item (docs/work.md): read at the reader's level on its client."""

    client: int  # client key
    status: int = 0  # index of its status in the firm's board order
    assignee: int | None = None  # colleague key
    # For a person or organization: the client group it is done for (possibly one the
    # client has since left).
    client_group: int | None = None


# The records with a client that have people of their own (docs/access-rules.md, "their own
# people"), and invoices, which have none.
OPPORTUNITY, PROJECT, INVOICE, TICKET = "opportunity", "project", "invoice", "ticket"
RECORD_KINDS = (OPPORTUNITY, PROJECT, INVOICE, TICKET)


@dataclass
class Record:
    """An opportunity, a project, an invoice or a shared-inbox ticket."""

    kind: str
    firm: int
    client: int | None = None  # client key; None only for a ticket whose client is unknown
    assignee: int | None = None  # an opportunity's or a ticket's (colleague key)
    second_assignee: int | None = None  # an opportunity's
    manager: int | None = None  # a project's
    collaborators: set[int] = field(default_factory=set)  # a project's


@dataclass
class Portfolio:
    firm: int
    staff: set[int] = field(default_factory=set)  # colleague keys
    staff_teams: set[int] = field(default_factory=set)  # team keys


@dataclass
class World:
    firms: list[FirmSettings] = field(default_factory=lambda: [FirmSettings(), FirmSettings()])
    colleagues: dict[int, Colleague] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    owners: dict[int, OwnerEntry] = field(default_factory=dict)
    clients: dict[int, Client] = field(default_factory=dict)
    portfolios: dict[int, Portfolio] = field(default_factory=dict)
    work_items: dict[int, WorkItem] = field(default_factory=dict)
    records: dict[int, Record] = field(default_factory=dict)
    # Contact cards, as (person key, organization key): a person linked to an organization.
    cards: set[tuple[int, int]] = field(default_factory=set)

    def teams_of(self, colleague: int) -> set[int]:
        return {key for key, team in self.teams.items() if colleague in team.members}

    def colleagues_of(self, firm: int) -> list[int]:
        return [key for key, colleague in self.colleagues.items() if colleague.firm == firm]

    def clients_of(self, firm: int) -> list[int]:
        return [key for key, client in self.clients.items() if client.firm == firm]

    def teams_in(self, firm: int) -> list[int]:
        return [key for key, team in self.teams.items() if team.firm == firm]

    def portfolios_in(self, firm: int) -> list[int]:
        return [key for key, portfolio in self.portfolios.items() if portfolio.firm == firm]

    def owners_in(self, firm: int) -> list[int]:
        return [key for key, owner in self.owners.items() if owner.firm == firm]

    def size(self) -> str:
        return (
            f"{len(self.colleagues)} colleagues, {len(self.teams)} teams, "
            f"{len(self.clients)} clients, {len(self.portfolios)} portfolios, "
            f"{len(self.work_items)} work items, {len(self.records)} records, "
            f"{len(self.cards)} cards"
        )


# ---------------------------------------------------------------------------------------
# §6, read line by line.
# ---------------------------------------------------------------------------------------


def _on_client_team(world: World, u: int, c: Client) -> bool:
    """Rule 3, first part: owner (through a roster entry linked to u), manager, role holder,
    direct member, member of a team on the client team."""
    owner = world.owners.get(c.owner) if c.owner is not None else None
    return (
        (owner is not None and owner.colleague == u)
        or c.manager == u
        or u in c.roles.values()
        or u in c.members
        or any(u in world.teams[team].members for team in c.member_teams)
    )


def _staffs_portfolio(world: World, u: int, c: Client) -> bool:
    """Rule 3, second part: staffs c's portfolio directly or through a team."""
    if c.portfolio is None:
        return False
    portfolio = world.portfolios[c.portfolio]
    return u in portfolio.staff or any(
        u in world.teams[team].members for team in portfolio.staff_teams
    )


def _holds_grant(world: World, u: int, c: Client) -> bool:
    """Rule 3, third part: holds an access grant on c, directly or through a team."""
    return u in c.grants or any(u in world.teams[team].members for team in c.grant_teams)


def reference_level(world: World, colleague: int, client: int) -> int:
    """§6 `level(u, c)`: NONE (0), NAME (1) or FULL (2)."""
    u = world.colleagues[colleague]
    c = world.clients[client]
    if u.firm != c.firm:  # "for a colleague u and a client c of the same firm"; §2: never crosses
        return NONE
    if not u.active:  # 1.
        return NONE
    if u.admin:  # 2.
        return FULL
    if (  # 3.
        _on_client_team(world, colleague, c)
        or _staffs_portfolio(world, colleague, c)
        or _holds_grant(world, colleague, c)
    ):
        return FULL
    by_privacy = {PUBLIC: FULL, PRIVATE: NAME, HIDDEN: NONE}[c.privacy]
    if u.limited:  # 4. (« CRM limité »: the persons on the cards of their organizations)
        return by_privacy if _card_organizations(world, colleague, client) else NONE
    return by_privacy  # 5.


def _linked(world: World, u: int, c: Client) -> bool:
    """Rule 3: on the client team, staffing the portfolio, or holding a grant."""
    return (
        _on_client_team(world, u, c) or _staffs_portfolio(world, u, c) or _holds_grant(world, u, c)
    )


def _card_organizations(world: World, colleague: int, client: int) -> set[int]:
    """The organizations where a person `client` has a contact card and that the colleague
    reaches by rule 3 (for rule 4: what a limited colleague reads of that person)."""
    c = world.clients[client]
    if c.kind != "person":
        return set()
    return {
        organization
        for person, organization in world.cards
        if person == client
        and world.clients[organization].firm == c.firm
        and _linked(world, colleague, world.clients[organization])
    }


def reference_visible(world: World, colleague: int, min_level: int) -> set[int]:
    """The client keys on which the colleague has at least `min_level` (NAME or FULL)."""
    return {
        client for client in world.clients if reference_level(world, colleague, client) >= min_level
    }


def reference_reasons(world: World, colleague: int, client: int) -> Counter[str]:
    """Why a colleague sees a client, as a multiset of reason kinds (docs/access-rules.md):
    one per link (a colleague in two teams on the client team has two "team" reasons),
    "admin" for admins, "public" for a full-scope colleague (or admin) on a public client,
    "private_name_only" for a name-only view, and for a limited colleague one "card" per
    organization of theirs (rule 3) where the person has a contact card. Empty when the
    level is NONE."""
    found: Counter[str] = Counter()
    level = reference_level(world, colleague, client)
    if level == NONE:
        return found
    u = world.colleagues[colleague]
    c = world.clients[client]
    cards = len(_card_organizations(world, colleague, client)) if u.limited else 0
    if cards:
        found["card"] += cards
    if level == NAME:
        found["private_name_only"] += 1
        return found
    if u.admin:
        found["admin"] += 1
    owner = world.owners.get(c.owner) if c.owner is not None else None
    if owner is not None and owner.colleague == colleague:
        found["owner"] += 1
    if c.manager == colleague:
        found["manager"] += 1
    found["role"] += sum(1 for holder in c.roles.values() if holder == colleague)
    if colleague in c.members:
        found["member"] += 1
    teams = world.teams_of(colleague)
    found["team"] += len(teams & c.member_teams)
    if c.portfolio is not None:
        portfolio = world.portfolios[c.portfolio]
        if colleague in portfolio.staff:
            found["portfolio"] += 1
        found["portfolio_team"] += len(teams & portfolio.staff_teams)
    if colleague in c.grants:
        found["grant"] += 1
    found["grant_team"] += len(teams & c.grant_teams)
    if c.privacy == PUBLIC and not u.limited:
        found["public"] += 1
    return +found  # drop zero counts


def reference_explain(world: World, client: int) -> dict[int, tuple[int, Counter[str]]]:
    """§6 `explain(c)`: every ACTIVE colleague of c's firm with level >= NAME, with their
    level and reasons."""
    firm = world.clients[client].firm
    result: dict[int, tuple[int, Counter[str]]] = {}
    for key in world.colleagues_of(firm):
        if not world.colleagues[key].active:
            continue
        level = reference_level(world, key, client)
        if level >= NAME:
            result[key] = (level, reference_reasons(world, key, client))
    return result


def reference_can_edit_team(world: World, colleague: int, client: int) -> bool:
    """§4: an admin, or the client's owner (through a roster entry linked to them) or
    manager, may change the client's team, privacy and grants (active, same firm)."""
    u = world.colleagues[colleague]
    c = world.clients[client]
    if u.firm != c.firm or not u.active:
        return False
    if u.admin or c.manager == colleague:
        return True
    owner = world.owners.get(c.owner) if c.owner is not None else None
    return owner is not None and owner.colleague == colleague


# ---------------------------------------------------------------------------------------
# Work (docs/work.md): an item inherits its client's level; the filters of the work view.
# ---------------------------------------------------------------------------------------


def reference_item_level(world: World, colleague: int, item: int) -> int:
    """The level at which a colleague reads a work item: the level on its client (NAME:
    its title and status only)."""
    return reference_level(world, colleague, world.work_items[item].client)


def reference_group_tab(world: World, group: int) -> set[int]:
    """The work items (keys) of a client group's Work tab, before the viewer's level: the
    group's own, and its members' that name it — or name no group when the member is in
    this group only."""
    found: set[int] = set()
    for key, item in world.work_items.items():
        groups = world.clients[item.client].groups
        if item.client == group or (
            group in groups
            and (item.client_group == group or (item.client_group is None and groups == {group}))
        ):
            found.add(key)
    return found


def reference_on_team(world: World, colleague: int, client: int) -> bool:
    """ "Mes clients": the colleague owns the client or is on its client team."""
    return _on_client_team(world, colleague, world.clients[client])


def _team_member(world: World, colleague: int, c: Client) -> bool:
    return colleague in c.members or any(
        colleague in world.teams[team].members for team in c.member_teams
    )


# A filter of the work view, as (name, value): the name is a parameter of the work filters
# ("client_owner", "client_manager", "role", "role_holder", "member", "mine", "portfolio",
# "assignee"); "role" takes (slot, holder or None for any holder).
WorkFilter = tuple[str, object]


def reference_matches(world: World, item: int, work_filter: WorkFilter) -> bool:
    """Whether an item matches one filter (on the facts, before any level)."""
    name, value = work_filter
    found = world.work_items[item]
    c = world.clients[found.client]
    if name == "assignee":
        return found.assignee == value
    if name == "client_owner":
        return c.owner == value
    if name == "client_manager":
        return c.manager == value
    if name == "role":
        slot, holder = cast(tuple[int, int | None], value)
        return slot in c.roles if holder is None else c.roles.get(slot) == holder
    if name == "role_holder":
        return value in c.roles.values()
    if name == "member":
        return _team_member(world, cast(int, value), c)
    if name == "portfolio":
        return c.portfolio == value
    if name == "mine":
        return True  # the viewer's own clients: see reference_filtered
    raise ValueError(name)


def reference_filtered(
    world: World, colleague: int, work_filter: WorkFilter | None
) -> dict[int, int]:
    """Item key -> the level shown by the work view filtered by `work_filter` (None: no
    filter): every filter looks beyond the title and status, so it keeps items seen in
    full only ("mine" is the viewer on the client team)."""
    shown: dict[int, int] = {}
    for key in world.work_items:
        level = reference_item_level(world, colleague, key)
        if work_filter is None:
            shown[key] = level
        elif work_filter[0] == "mine":
            on_team = reference_on_team(world, colleague, world.work_items[key].client)
            shown[key] = FULL if level == FULL and on_team else NONE
        else:
            shown[key] = (
                FULL if level == FULL and reference_matches(world, key, work_filter) else NONE
            )
    return shown


def reference_work_counts(world: World, colleague: int, client: int) -> Counter[int]:
    """The work counts of a contact's row (seen in full), status index -> items: its own
    items, or for a client group the items of its Work tab seen at any level."""
    c = world.clients[client]
    if c.kind == "client_group":
        keys = reference_group_tab(world, client)
    else:
        keys = {key for key, item in world.work_items.items() if item.client == client}
    return Counter(
        world.work_items[key].status
        for key in keys
        if reference_item_level(world, colleague, key) >= NAME
    )


# ---------------------------------------------------------------------------------------
# Opportunities, projects, invoices and tickets (docs/access-rules.md, "their own people";
# PRODUCT §6: "Opportunities, projects and tickets have their own people").
# ---------------------------------------------------------------------------------------


def reference_record_people(record: Record) -> set[int]:
    """The colleagues a record names as its own: an opportunity's assignee and second
    assignee, a project's manager and collaborators, a ticket's assignee. An invoice has
    none."""
    if record.kind == OPPORTUNITY:
        people = {record.assignee, record.second_assignee}
    elif record.kind == PROJECT:
        people = {record.manager, *record.collaborators}
    elif record.kind == TICKET:
        people = {record.assignee}
    else:
        people = set()
    return {person for person in people if person is not None}


def reference_record_visible(world: World, colleague: int, record: int) -> bool:
    """Whether the colleague sees the record (always in full: there is no name-only view)."""
    u = world.colleagues[colleague]
    r = world.records[record]
    if u.firm != r.firm or not u.active:  # never across firms; inactive: nothing
        return False
    mine = colleague in reference_record_people(r)
    if r.client is None:
        # A ticket whose client is not known yet: the shared inbox's, for every colleague
        # with full scope (and admins); a limited colleague only if it is theirs.
        return u.admin or not u.limited or mine
    # Whoever sees the client in full; and the record's own people, whatever their level.
    return reference_level(world, colleague, r.client) == FULL or mine


# How a record shows a colleague its client: not at all (the record is not seen), by name
# only (seen through a place on it), in full (a link to the client), or no client at all.
RECORD_UNSEEN, RECORD_CLIENT_NAME, RECORD_CLIENT_FULL, RECORD_NO_CLIENT = 0, 1, 2, 3


def reference_record_view(world: World, colleague: int, record: int) -> int:
    """RECORD_UNSEEN, or how the seen record shows its client to the colleague."""
    if not reference_record_visible(world, colleague, record):
        return RECORD_UNSEEN
    client = world.records[record].client
    if client is None:
        return RECORD_NO_CLIENT
    if reference_level(world, colleague, client) == FULL:
        return RECORD_CLIENT_FULL
    return RECORD_CLIENT_NAME
