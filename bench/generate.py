"""A deterministic generator of a large firm for the access benchmark.

`generate(scale=1.0)` builds, with a fixed seed (`random.Random(seed)`, Faker fr_FR seeded),
one firm of 1,000 colleagues, 150 teams, 400 portfolios and 100,000 clients, with owners
and managers Zipf-skewed, role holders, client members, portfolios and grants; plus a
small second firm, so that scoping by firm is exercised. Rows are written with
`bulk_create` straight into the tables (no services, no audit events: this is test data,
written fast). The same seed and scale give the same data, row for row, on any database.
Then work items, `WORK_PER_CLIENT` per client on average (300,000 at scale 1), across the
firm's types and statuses, dated around `WORK_TODAY` (a fixed day, so the data stays the
same from one day to the next), from their own seeded generator so that the firms' other
rows are those the generator made before it wrote work.

Named actors of the main firm (`World.actors`):
- "admin": an administrator (sees everything);
- "staff": a typical full-scope colleague (an owner of middling rank, in a few teams);
- "power": a full-scope colleague in 10 teams and staffing 10 portfolios;
- "limited": a limited-scope colleague who sees exactly `Shape.limited_visible` clients
  (about 200 at scale 1), reached through every kind of link of rule 3 of docs/access-rules.md.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from faker import Faker

from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.contacts.models import Contact, normalise_for_search
from portefeuille.firms.models import (
    Colleague,
    ContactType,
    Firm,
    Privacy,
    RoleSlot,
    Team,
    TeamMembership,
    WorkStatus,
    WorkType,
)
from portefeuille.firms.services import create_firm
from portefeuille.work.demo import ITEM_FIELDS, insert_rows
from portefeuille.work.models import WorkItem

SEED = 20240601
BATCH_SIZE = 5_000
# Bulk-created colleagues cannot sign in (no password hashing for a thousand rows).
UNUSABLE_PASSWORD = "!bench"

TITLED_SLOTS = {1: "Associé signataire", 2: "Expert-comptable", 3: "Chef de mission"}

# Shares of the client population (weights, not necessarily summing to 100).
PRIVACY_WEIGHTS = {Privacy.PUBLIC: 85, Privacy.PRIVATE: 10, Privacy.HIDDEN: 5}
KIND_WEIGHTS = {
    Contact.Kind.PERSON: 55,
    Contact.Kind.ORGANIZATION: 40,
    Contact.Kind.CLIENT_GROUP: 5,
}
CONTACT_TYPE_WEIGHTS = {"Client": 70, "Prospect": 15, "Fournisseur": 4, "Partenaire": 4}
CONTACT_TYPE_OTHER_WEIGHT = 7  # every other type of the firm (Inactif)
OWNED_SHARE = 0.90
MANAGED_SHARE = 0.75
IN_PORTFOLIO_SHARE = 0.70
WITH_ROLES_SHARE = 0.35
WITH_MEMBERS_SHARE = 0.20
WITH_GRANT_SHARE = 0.03
ZIPF_EXPONENT = 1.1
POWER_TEAMS = 10
POWER_PORTFOLIOS = 10
WORK_PER_CLIENT = 3  # on average: 0 to 6 items per client
WORK_TODAY = datetime.date(2026, 6, 1)
WORK_STATE_WEIGHTS = {
    WorkStatus.PrimaryState.COMPLETED: 45,
    WorkStatus.PrimaryState.PLANNED: 18,
    WorkStatus.PrimaryState.READY: 10,
    WorkStatus.PrimaryState.IN_PROGRESS: 15,
    WorkStatus.PrimaryState.WAITING: 12,
}

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")
Log = Callable[[str], None]


@dataclass(frozen=True)
class Shape:
    """What a firm is made of. Totals include the named actors and their dedicated team
    and portfolio."""

    colleagues: int
    admins: int
    limited: int
    inactive: int
    teams: int
    portfolios: int
    roster_linked: int
    roster_manual: int
    clients: int
    limited_visible: int

    @classmethod
    def for_scale(cls, scale: float) -> Shape:
        """The main firm at `scale` (1.0: 1,000 colleagues and 100,000 clients). Small
        scales keep the floors the named actors need (10 teams, 10 portfolios...)."""
        if scale <= 0:
            raise ValueError("scale must be positive")

        def scaled(full: int, floor: int) -> int:
            return max(floor, round(full * scale))

        clients = scaled(100_000, 200)
        return cls(
            colleagues=scaled(1_000, 40),
            admins=scaled(5, 2),
            limited=scaled(50, 2),
            inactive=scaled(30, 1),
            teams=scaled(150, POWER_TEAMS + 2),
            portfolios=scaled(400, POWER_PORTFOLIOS + 2),
            roster_linked=scaled(280, 8),
            roster_manual=scaled(20, 2),
            clients=clients,
            limited_visible=min(scaled(200, 20), clients // 5),
        )


# The second firm: small, with no named actor; its data must never show up in the first.
OTHER_FIRM_SHAPE = Shape(
    colleagues=20,
    admins=1,
    limited=1,
    inactive=1,
    teams=4,
    portfolios=5,
    roster_linked=8,
    roster_manual=2,
    clients=300,
    limited_visible=0,
)


@dataclass(frozen=True)
class World:
    """What `generate` built: ids to run scenarios with, and the rows written per table."""

    firm_id: int
    other_firm_id: int
    shape: Shape
    actors: dict[str, int]
    well_staffed_client_id: int
    rows: dict[str, int]
    other_rows: dict[str, int]


def zipf_cum_weights(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n (rank r drawn with probability ∝ 1/r^s)."""
    total = 0.0
    cumulative = []
    for rank in range(1, n + 1):
        total += 1.0 / rank**exponent
        cumulative.append(total)
    return cumulative


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """`total` split by `shares`, the last part taking what rounding leaves."""
    parts = [math.floor(total * share) for share in shares[:-1]]
    parts.append(total - sum(parts))
    return parts


@dataclass
class _Links:
    """Link rows waiting to be written, flushed by batches."""

    firm_id: int
    rows: dict[str, int]
    pending: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def add(self, obj: models.Model) -> None:
        batch = self.pending.setdefault(type(obj), [])
        batch.append(obj)
        if len(batch) >= BATCH_SIZE:
            self.flush(type(obj))

    def flush(self, model: type[models.Model] | None = None) -> None:
        for kind in [model] if model is not None else list(self.pending):
            batch = self.pending.get(kind, [])
            if batch:
                kind._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
                self.rows[kind.__name__] = self.rows.get(kind.__name__, 0) + len(batch)
                self.pending[kind] = []


class _FirmBuilder:
    def __init__(
        self,
        *,
        name: str,
        domain: str,
        shape: Shape,
        rng: random.Random,
        fake: Faker,
        with_actors: bool,
        log: Log,
    ) -> None:
        self.name = name
        self.domain = domain
        self.shape = shape
        self.rng = rng
        self.fake = fake
        self.with_actors = with_actors
        self.log = log
        self.rows: dict[str, int] = {}
        self.actors: dict[str, int] = {}
        self.well_staffed_client_id = 0

    # --- helpers ------------------------------------------------------------------------

    def _create(self, model: type[M], objects: list[M]) -> list[M]:
        created = model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        self.rows[model.__name__] = self.rows.get(model.__name__, 0) + len(created)
        return created

    def _sample(self, population: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(population, min(k, len(population)))

    # --- the firm -----------------------------------------------------------------------

    def build(self) -> Firm:
        fake = self.fake
        firm, admin = create_firm(
            name=self.name,
            admin_email=f"admin@{self.domain}",
            admin_password=None,
            admin_first_name=fake.first_name(),
            admin_last_name=fake.last_name(),
        )
        self.firm = firm
        self.rows["Colleague"] = 1
        for number, title in TITLED_SLOTS.items():
            RoleSlot.objects.filter(firm=firm, number=number).update(title=title)
        self.actors["admin"] = admin.pk

        colleagues = self._colleagues(admin)
        teams, restricted_team = self._teams(colleagues)
        portfolios, restricted_portfolio = self._portfolios(teams)
        roster = self._roster()
        self._clients(roster, teams, portfolios, restricted_team, restricted_portfolio)
        return firm

    def _colleagues(self, admin: Colleague) -> list[Colleague]:
        shape, fake = self.shape, self.fake
        # Profiles in blocks (admins, limited, inactive, full staff), then shuffled so that
        # ids say nothing about profiles.
        plan: list[tuple[Colleague.Profile, Colleague.Scope, bool]] = (
            [(Colleague.Profile.ADMIN, Colleague.Scope.FULL, True)] * (shape.admins - 1)
            + [(Colleague.Profile.STAFF, Colleague.Scope.LIMITED, True)] * shape.limited
            + [(Colleague.Profile.STAFF, Colleague.Scope.FULL, False)] * shape.inactive
        )
        plan += [(Colleague.Profile.STAFF, Colleague.Scope.FULL, True)] * (
            shape.colleagues - 1 - len(plan)
        )
        order = list(range(len(plan)))
        self.rng.shuffle(order)
        objects = [
            Colleague(
                firm_id=self.firm.pk,
                email=f"c{number:04d}@{self.domain}",
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                profile=plan[i][0],
                scope=plan[i][1],
                is_active=plan[i][2],
                password=UNUSABLE_PASSWORD,
            )
            for number, i in enumerate(order, start=1)
        ]
        colleagues = self._create(Colleague, objects)
        everyone = [admin, *colleagues]
        if self.with_actors:
            limited = next(c for c in colleagues if c.is_limited)
            regular = [c for c in colleagues if not c.is_admin and not c.is_limited and c.is_active]
            self.actors["limited"] = limited.pk
            self.actors["power"] = regular[0].pk
        self.log(f"  {len(everyone)} colleagues")
        # Pools for random links; the named limited and power colleagues get only their own.
        special = {self.actors.get("limited"), self.actors.get("power")}
        self.team_pool = [c for c in everyone if c.pk not in special]
        self.active_pool = [c for c in self.team_pool if c.is_active]
        self.active_cum = zipf_cum_weights(len(self.active_pool))
        self.everyone = everyone
        return everyone

    def _teams(self, colleagues: list[Colleague]) -> tuple[list[Team], Team | None]:
        count = self.shape.teams - (1 if self.with_actors else 0)
        teams = self._create(
            Team,
            [Team(firm_id=self.firm.pk, name=f"Équipe {i:03d}") for i in range(1, count + 1)],
        )
        memberships = []
        for team in teams:
            size = self.rng.randint(3, 30)
            memberships += [
                TeamMembership(firm_id=self.firm.pk, team_id=team.pk, colleague_id=c.pk)
                for c in self._sample(self.team_pool, size)
            ]
        restricted: Team | None = None
        if self.with_actors:
            for team in self._sample(teams, POWER_TEAMS):
                memberships.append(
                    TeamMembership(
                        firm_id=self.firm.pk, team_id=team.pk, colleague_id=self.actors["power"]
                    )
                )
            # The limited colleague's own team: never used by the random links below.
            (restricted,) = self._create(
                Team, [Team(firm_id=self.firm.pk, name="Équipe restreinte")]
            )
            holders = [self.actors["limited"], *(c.pk for c in self._sample(self.active_pool, 2))]
            memberships += [
                TeamMembership(firm_id=self.firm.pk, team_id=restricted.pk, colleague_id=pk)
                for pk in holders
            ]
        self._create(TeamMembership, memberships)
        self.log(f"  {len(teams) + (restricted is not None)} teams, {len(memberships)} memberships")
        return teams, restricted

    def _portfolios(self, teams: list[Team]) -> tuple[list[Portfolio], Portfolio | None]:
        rng = self.rng
        count = self.shape.portfolios - (1 if self.with_actors else 0)
        portfolios = self._create(
            Portfolio,
            [
                Portfolio(
                    firm_id=self.firm.pk,
                    name=f"Portefeuille {i:03d}",
                    email=f"portefeuille{i:03d}@{self.domain}",
                )
                for i in range(1, count + 1)
            ],
        )
        staff = []
        self.team_staffed: list[Portfolio] = []
        for portfolio in portfolios:
            staff += [
                PortfolioStaff(firm_id=self.firm.pk, portfolio_id=portfolio.pk, colleague_id=c.pk)
                for c in self._sample(self.active_pool, rng.randint(1, 4))
            ]
            team_count = rng.choices((0, 1, 2), weights=(50, 35, 15))[0]
            staff += [
                PortfolioStaff(firm_id=self.firm.pk, portfolio_id=portfolio.pk, team_id=t.pk)
                for t in self._sample(teams, team_count)
            ]
            if team_count:
                self.team_staffed.append(portfolio)
        restricted: Portfolio | None = None
        if self.with_actors:
            for portfolio in self._sample(portfolios, POWER_PORTFOLIOS):
                staff.append(
                    PortfolioStaff(
                        firm_id=self.firm.pk,
                        portfolio_id=portfolio.pk,
                        colleague_id=self.actors["power"],
                    )
                )
            (restricted,) = self._create(
                Portfolio, [Portfolio(firm_id=self.firm.pk, name="Portefeuille restreint")]
            )
            staff.append(
                PortfolioStaff(
                    firm_id=self.firm.pk,
                    portfolio_id=restricted.pk,
                    colleague_id=self.actors["limited"],
                )
            )
        self._create(PortfolioStaff, staff)
        self.log(f"  {len(portfolios) + (restricted is not None)} portfolios, {len(staff)} staff")
        return portfolios, restricted

    def _roster(self) -> list[OwnerEntry]:
        shape = self.shape
        linked = self._sample(self.active_pool, shape.roster_linked)
        entries = [OwnerEntry(firm_id=self.firm.pk, colleague_id=c.pk) for c in linked]
        entries += [
            OwnerEntry(firm_id=self.firm.pk, name=self.fake.name())
            for _ in range(shape.roster_manual)
        ]
        # Zipf rank = position in the roster: shuffle so manual owners sit among the rest.
        self.rng.shuffle(entries)
        roster = self._create(OwnerEntry, entries)
        if self.with_actors:
            # The typical colleague: a full-scope owner ranked past the busiest few.
            by_pk = {c.pk: c for c in self.active_pool}
            ranked = [
                by_pk[e.colleague_id]
                for e in roster
                if e.colleague_id is not None
                and not by_pk[e.colleague_id].is_admin
                and not by_pk[e.colleague_id].is_limited
            ]
            self.actors["staff"] = ranked[min(len(ranked) - 1, max(3, len(ranked) // 15))].pk
        return roster

    # --- the clients --------------------------------------------------------------------

    def _clients(
        self,
        roster: list[OwnerEntry],
        teams: list[Team],
        portfolios: list[Portfolio],
        restricted_team: Team | None,
        restricted_portfolio: Portfolio | None,
    ) -> None:
        rng, fake, n = self.rng, self.fake, self.shape.clients
        firm_id = self.firm.pk
        types = dict(ContactType.objects.filter(firm_id=firm_id).values_list("name", "pk"))
        type_ids = list(types.values())
        type_weights = [CONTACT_TYPE_WEIGHTS.get(name, CONTACT_TYPE_OTHER_WEIGHT) for name in types]
        kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=n)
        privacies = rng.choices(list(PRIVACY_WEIGHTS), weights=list(PRIVACY_WEIGHTS.values()), k=n)
        contact_types = rng.choices(type_ids, weights=type_weights, k=n)
        owners: list[int | None] = [
            e.pk if rng.random() < OWNED_SHARE else None
            for e in rng.choices(roster, cum_weights=zipf_cum_weights(len(roster)), k=n)
        ]
        managers: list[int | None] = [
            c.pk if rng.random() < MANAGED_SHARE else None
            for c in rng.choices(self.active_pool, cum_weights=self.active_cum, k=n)
        ]
        # Portfolios are mildly skewed (some are much bigger than others).
        portfolio_ids: list[int | None] = [
            p.pk if rng.random() < IN_PORTFOLIO_SHARE else None
            for p in rng.choices(
                portfolios, cum_weights=zipf_cum_weights(len(portfolios), 0.5), k=n
            )
        ]

        reserved: set[int] = set()
        limited_parts: dict[str, list[int]] = {}
        if self.with_actors:
            assert restricted_portfolio is not None
            # Client 0 is the well-staffed one `explain` is timed on.
            reserved.add(0)
            privacies[0] = Privacy.PRIVATE
            portfolio_ids[0] = (self.team_staffed or portfolios)[0].pk
            chosen = rng.sample(range(1, n), self.shape.limited_visible)
            reserved.update(chosen)
            names = ["manager", "role", "member", "team", "grant", "portfolio"]
            sizes = _split(len(chosen), [0.25, 0.20, 0.20, 0.15, 0.10, 0.10])
            start = 0
            for name, size in zip(names, sizes, strict=True):
                limited_parts[name] = chosen[start : start + size]
                start += size
            for i in limited_parts["manager"]:
                managers[i] = self.actors["limited"]
            for i in limited_parts["portfolio"]:
                portfolio_ids[i] = restricted_portfolio.pk

        client_ids: list[int] = []
        for start in range(0, n, BATCH_SIZE):
            batch = []
            for i in range(start, min(n, start + BATCH_SIZE)):
                kind = kinds[i]
                if kind == Contact.Kind.PERSON:
                    display_name = f"{fake.last_name()} {fake.first_name()}"
                elif kind == Contact.Kind.ORGANIZATION:
                    display_name = fake.company()
                else:
                    display_name = f"Groupe {fake.last_name()}"
                batch.append(
                    Contact(
                        firm_id=firm_id,
                        kind=kind,
                        display_name=display_name,
                        # bulk_create skips save(), which normally fills search_name.
                        search_name=normalise_for_search(display_name),
                        privacy=privacies[i],
                        contact_type_id=contact_types[i],
                        owner_id=owners[i],
                        manager_id=managers[i],
                        portfolio_id=portfolio_ids[i],
                    )
                )
            client_ids += [c.pk for c in self._create(Contact, batch)]
            if len(client_ids) % (4 * BATCH_SIZE) == 0 or len(client_ids) == n:
                self.log(f"  {len(client_ids)} clients")

        links = _Links(firm_id=firm_id, rows=self.rows)
        slots = list(TITLED_SLOTS)
        for i, client_id in enumerate(client_ids):
            if i in reserved:
                continue
            if rng.random() < WITH_ROLES_SHARE:
                chosen_slots = rng.sample(slots, rng.choice((2, 3)))
                holders = rng.choices(
                    self.active_pool, cum_weights=self.active_cum, k=len(chosen_slots)
                )
                for slot, holder in zip(chosen_slots, holders, strict=True):
                    links.add(
                        RoleAssignment(
                            firm_id=firm_id, client_id=client_id, slot=slot, colleague_id=holder.pk
                        )
                    )
            if rng.random() < WITH_MEMBERS_SHARE:
                seen: set[tuple[str, int]] = set()
                for _ in range(rng.randint(1, 3)):
                    if rng.random() < 0.3:
                        key = ("team", rng.choice(teams).pk)
                    else:
                        key = ("colleague", rng.choice(self.active_pool).pk)
                    if key not in seen:
                        seen.add(key)
                        links.add(
                            ClientMember(firm_id=firm_id, client_id=client_id, **_holder(key))
                        )
            if rng.random() < WITH_GRANT_SHARE:
                if rng.random() < 0.6:
                    key = ("colleague", rng.choice(self.active_pool).pk)
                else:
                    key = ("team", rng.choice(teams).pk)
                links.add(AccessGrant(firm_id=firm_id, client_id=client_id, **_holder(key)))

        if self.with_actors:
            assert restricted_team is not None
            self._named_links(links, client_ids, teams, restricted_team, limited_parts)
        links.flush()
        self.log(
            "  "
            + ", ".join(
                f"{self.rows.get(m.__name__, 0)} {m.__name__}"
                for m in (RoleAssignment, ClientMember, AccessGrant)
            )
        )

    def _named_links(
        self,
        links: _Links,
        client_ids: list[int],
        teams: list[Team],
        restricted_team: Team,
        limited_parts: dict[str, list[int]],
    ) -> None:
        firm_id, limited = self.firm.pk, self.actors["limited"]
        for i in limited_parts["role"]:
            links.add(
                RoleAssignment(
                    firm_id=firm_id, client_id=client_ids[i], slot=1, colleague_id=limited
                )
            )
        for i in limited_parts["member"]:
            links.add(ClientMember(firm_id=firm_id, client_id=client_ids[i], colleague_id=limited))
        for i in limited_parts["team"]:
            links.add(
                ClientMember(firm_id=firm_id, client_id=client_ids[i], team_id=restricted_team.pk)
            )
        for i in limited_parts["grant"]:
            links.add(AccessGrant(firm_id=firm_id, client_id=client_ids[i], colleague_id=limited))

        # The well-staffed client: every kind of link at once.
        client_id = client_ids[0]
        self.well_staffed_client_id = client_id
        people = self._sample(self.active_pool, 6)
        for slot, holder in zip(TITLED_SLOTS, people[:3], strict=True):
            links.add(
                RoleAssignment(
                    firm_id=firm_id, client_id=client_id, slot=slot, colleague_id=holder.pk
                )
            )
        for holder in people[3:]:
            links.add(ClientMember(firm_id=firm_id, client_id=client_id, colleague_id=holder.pk))
        chosen_teams = self._sample(teams, 3)
        for team in chosen_teams[:2]:
            links.add(ClientMember(firm_id=firm_id, client_id=client_id, team_id=team.pk))
        links.add(AccessGrant(firm_id=firm_id, client_id=client_id, team_id=chosen_teams[2].pk))
        grantee = next(c for c in self.active_pool if c not in people)
        links.add(AccessGrant(firm_id=firm_id, client_id=client_id, colleague_id=grantee.pk))


def _holder(key: tuple[str, int]) -> dict[str, Any]:
    kind, pk = key
    return {"colleague_id": pk} if kind == "colleague" else {"team_id": pk}


def generate(*, scale: float = 1.0, seed: int = SEED, log: Log | None = None) -> World:
    """Builds the benchmark firm at `scale` and the small second firm, in one transaction."""
    say: Log = log or (lambda message: None)
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    shape = Shape.for_scale(scale)
    with transaction.atomic():
        say(f"Firm A (scale {scale:g})")
        main = _FirmBuilder(
            name="Cabinet Banc d'essai",
            domain="banc-essai.example",
            shape=shape,
            rng=rng,
            fake=fake,
            with_actors=True,
            log=say,
        )
        firm = main.build()
        say("Firm B")
        other = _FirmBuilder(
            name="Cabinet Témoin",
            domain="temoin.example",
            shape=OTHER_FIRM_SHAPE,
            rng=rng,
            fake=fake,
            with_actors=False,
            log=say,
        )
        other_firm = other.build()
        work_rng = random.Random(seed + 1)
        for builder in (main, other):
            builder.rows["WorkItem"] = add_work(builder.firm.pk, work_rng)
        say(f"  {main.rows['WorkItem']} work items (firm A), {other.rows['WorkItem']} (firm B)")
    return World(
        firm_id=firm.pk,
        other_firm_id=other_firm.pk,
        shape=shape,
        actors=dict(main.actors),
        well_staffed_client_id=main.well_staffed_client_id,
        rows=dict(main.rows),
        other_rows=dict(other.rows),
    )


def add_work(firm_id: int, rng: random.Random) -> int:
    """Work items on the firm's clients (0 to twice WORK_PER_CLIENT each), most assigned to
    the client's manager, some overdue; returns how many."""
    statuses: dict[str, list[int]] = {}
    for pk, state in WorkStatus.objects.filter(firm_id=firm_id).values_list("pk", "primary_state"):
        statuses.setdefault(state, []).append(pk)
    states = [state for state in WORK_STATE_WEIGHTS if state in statuses]
    weights = [WORK_STATE_WEIGHTS[state] for state in states]
    types = list(WorkType.objects.filter(firm_id=firm_id).values_list("pk", flat=True))
    active = set(
        Colleague.objects.filter(firm_id=firm_id, is_active=True).values_list("pk", flat=True)
    )
    now = datetime.datetime.combine(WORK_TODAY, datetime.time(9), tzinfo=datetime.UTC)
    rows: list[tuple[Any, ...]] = []
    clients = Contact.objects.filter(firm_id=firm_id).order_by("pk").values_list("pk", "manager_id")
    for client_id, manager_id in clients:
        for _ in range(rng.randint(0, 2 * WORK_PER_CLIENT)):
            state = rng.choices(states, weights=weights)[0]
            completed = state == WorkStatus.PrimaryState.COMPLETED
            offset = -rng.randint(1, 400) if completed else rng.randint(-60, 180)
            due = WORK_TODAY + datetime.timedelta(days=offset)
            number = len(rows) + 1
            rows.append(
                (
                    firm_id,
                    client_id,
                    None,
                    f"Mission {number:06d}",
                    rng.choice(types) if types else None,
                    rng.choice(statuses[state]),
                    manager_id if manager_id in active and rng.random() < 0.8 else None,
                    None,
                    due,
                    "",
                    "",
                    now if completed else None,
                    None,
                    1,
                    now,
                    now,
                )
            )
    insert_rows(WorkItem, ITEM_FIELDS, rows)
    return len(rows)
