"""Everything that shows a colleague a client, held against the reference model.

A *surface* is a way the application reveals a colleague's level on clients: the rules
themselves (`level`, `annotate_level`, `visible_clients`, `visible`), and the HTTP surfaces
(API list and detail, the client list page) once they exist. Each surface observes, for
ONE colleague, the level it shows on every client of the world (a list costs one query or
one request per colleague, not one per pair). `compare` runs every surface for every
colleague and counts decisions and disagreements; `compare_explain` does the same for
`rules.explain`, client by client.

Adding a surface: write `observe(ctx, colleague_key) -> {client database id: level}`
(clients absent from the answer count as NONE), set `shows` if the surface cannot tell
every level apart (an API detail only says 200 or 404: NAME and FULL both show as
"present"), and append it to SURFACES.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.db import transaction
from django.http import Http404
from django.test import Client as HttpClient

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague

from . import reference as ref
from .worlds import Built, build

Observed = Mapping[int, int]  # client database id -> observed level


@dataclass
class Context:
    """A built world, with its rows fetched once."""

    world: ref.World
    built: Built

    @cached_property
    def colleagues(self) -> dict[int, Colleague]:
        rows = Colleague.objects.in_bulk(list(self.built.colleagues.values()))
        return {key: rows[pk] for key, pk in self.built.colleagues.items()}

    @cached_property
    def clients(self) -> dict[int, Contact]:
        rows = Contact.objects.in_bulk(list(self.built.clients.values()))
        return {key: rows[pk] for key, pk in self.built.clients.items()}

    @cached_property
    def client_key(self) -> dict[int, int]:
        return self.built.client_key()

    def http_as(self, colleague_key: int) -> HttpClient:
        """A Django test client signed in as the colleague (session)."""
        http = HttpClient()
        http.force_login(self.colleagues[colleague_key])
        return http

    def refresh(self) -> None:
        """Forgets the fetched rows (after the state changed)."""
        self.__dict__.pop("colleagues", None)
        self.__dict__.pop("clients", None)


def _same(level: int) -> int:
    return level


@dataclass(frozen=True)
class Surface:
    name: str
    observe: Callable[[Context, int], Observed]
    # What the surface is expected to show for a reference level (identity by default).
    shows: Callable[[int], int] = _same
    # Whether the surface needs the world built with one audit event per client.
    needs_audit_events: bool = False


# --- the rules ----------------------------------------------------------------------------


def _observe_level(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    return {client.pk: int(rules.level(u, client)) for client in ctx.clients.values()}


def _observe_annotate_level(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    rows = rules.annotate_level(u, Contact.objects.filter(pk__in=ctx.built.clients.values()))
    return dict(rows.values_list("pk", "access_level"))


INCONSISTENT = -1  # in the FULL answer but not in the NAME one: never a valid level


def _levels_from_sets(full: set[int], name: set[int]) -> dict[int, int]:
    """Levels read from the answers at min level FULL and NAME (FULL must be within NAME)."""
    observed = dict.fromkeys(name, int(Level.NAME))
    for pk in full:
        observed[pk] = int(Level.FULL) if pk in name else INCONSISTENT
    return observed


def _observe_visible_clients(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    full = set(rules.visible_clients(u, Level.FULL).values_list("pk", flat=True))
    name = set(rules.visible_clients(u, Level.NAME).values_list("pk", flat=True))
    return _levels_from_sets(full, name)


def _observe_visible_records(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    events = AuditEvent.objects.filter(client_id__isnull=False)
    full = set(rules.visible(u, events, min_level=Level.FULL).values_list("client_id", flat=True))
    name = set(rules.visible(u, events, min_level=Level.NAME).values_list("client_id", flat=True))
    return _levels_from_sets(full, name)


# The surfaces the issue names: level for every pair, visible_clients at each min level.
RULE_SURFACES: list[Surface] = [
    Surface("rules.level", _observe_level),
    Surface("rules.visible_clients", _observe_visible_clients),
]
# Two more ways the rules show a level: the padlock annotation of lists, and records
# hanging off a client (here one audit event per client).
EXTRA_RULE_SURFACES: list[Surface] = [
    Surface("rules.annotate_level", _observe_annotate_level),
    Surface("rules.visible (audit events)", _observe_visible_records, needs_audit_events=True),
]

# --- HTTP ---------------------------------------------------------------------------------
# The API list and detail and the client list page join this list when they exist
# (helper G); see the module docstring for the shape of a surface.
HTTP_SURFACES: list[Surface] = []

SURFACES: list[Surface] = RULE_SURFACES + HTTP_SURFACES
# The per-step checks of the stateful test: the lists, one query (or request) per colleague.
LIST_SURFACES: list[Surface] = [
    s for s in RULE_SURFACES + HTTP_SURFACES if s.name not in {"rules.level"}
]


# --- probes of one (colleague, client) pair ------------------------------------------------
# What the stateful test runs right after a step, for every colleague, on the clients the
# step touched: the "very next request" after a revoke is one of these. The HTTP detail
# probes (client page, API detail: 200 or 404) join PAIR_PROBES when they exist.


@dataclass(frozen=True)
class Probe:
    name: str
    observe: Callable[[Context, int, int], int]  # (ctx, colleague key, client key) -> level
    shows: Callable[[int], int] = _same
    # False: run only on the pairs whose level the step changed (requests are costly).
    every_pair: bool = False


def _probe_level(ctx: Context, colleague: int, client: int) -> int:
    return int(rules.level(ctx.colleagues[colleague], ctx.clients[client]))


def _probe_get_client(ctx: Context, colleague: int, client: int) -> int:
    try:
        found = rules.get_client(ctx.colleagues[colleague], ctx.built.clients[client])
    except Http404:
        return int(Level.NONE)
    return int(found.access_level)


PAIR_PROBES: list[Probe] = [
    Probe("rules.level", _probe_level, every_pair=True),
    Probe("rules.get_client", _probe_get_client),
]


# --- comparing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    surface: str
    colleague: int
    client: int  # world key, or -1 for a database id the world does not know
    expected: int
    observed: int

    def describe(self, world: ref.World) -> str:
        u = world.colleagues.get(self.colleague)
        c = world.clients.get(self.client)
        return (
            f"{self.surface}: colleague {self.colleague} {u} / client {self.client} {c}: "
            f"expected {self.expected}, observed {self.observed}"
        )


@dataclass
class Comparison:
    decisions: Counter[str] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)

    def extend(self, other: Comparison) -> None:
        self.decisions.update(other.decisions)
        self.disagreements.extend(other.disagreements)

    @property
    def total(self) -> int:
        return sum(self.decisions.values())

    def report(self, world: ref.World, limit: int = 20) -> str:
        lines = [d.describe(world) for d in self.disagreements[:limit]]
        more = len(self.disagreements) - limit
        if more > 0:
            lines.append(f"... and {more} more")
        return "\n".join(lines)


def compare(
    ctx: Context,
    surfaces: list[Surface],
    *,
    colleagues: list[int] | None = None,
) -> Comparison:
    """Every surface, for every colleague (or the given ones), on every client."""
    result = Comparison()
    world = ctx.world
    for surface in surfaces:
        for u in colleagues if colleagues is not None else list(world.colleagues):
            observed = dict(surface.observe(ctx, u))
            for pk, level in observed.items():
                if pk not in ctx.client_key:
                    result.disagreements.append(Disagreement(surface.name, u, -1, 0, level))
            for key, pk in ctx.built.clients.items():
                expected = surface.shows(ref.reference_level(world, u, key))
                seen = observed.get(pk, 0)
                result.decisions[surface.name] += 1
                if seen != expected:
                    result.disagreements.append(Disagreement(surface.name, u, key, expected, seen))
    return result


def compare_pairs(
    ctx: Context,
    probes: list[Probe],
    pairs: list[tuple[int, int]],
    *,
    changed: set[tuple[int, int]],
) -> Comparison:
    """Every probe on the given (colleague, client) pairs; the costly ones only on the
    pairs in `changed`."""
    result = Comparison()
    for probe in probes:
        for u, key in pairs:
            if not probe.every_pair and (u, key) not in changed:
                continue
            expected = probe.shows(ref.reference_level(ctx.world, u, key))
            seen = probe.observe(ctx, u, key)
            result.decisions[probe.name] += 1
            if seen != expected:
                result.disagreements.append(Disagreement(probe.name, u, key, expected, seen))
    return result


def compare_explain(ctx: Context, *, clients: list[int] | None = None) -> Comparison:
    """`rules.explain(client)` against the model: who is listed (every colleague of the
    world is a decision), at which level, and for which reasons."""
    result = Comparison()
    world = ctx.world
    colleague_key = ctx.built.colleague_key()
    for key in clients if clients is not None else list(world.clients):
        expected = ref.reference_explain(world, key)
        observed: dict[int, tuple[int, Counter[str]]] = {}
        for access in rules.explain(ctx.clients[key]):
            u = colleague_key.get(access.colleague.pk, -1)
            observed[u] = (int(access.level), Counter(r.kind for r in access.reasons))
        for u in list(world.colleagues) + [u for u in observed if u not in world.colleagues]:
            result.decisions["rules.explain"] += 1
            want, got = expected.get(u), observed.get(u)
            if (want is None) != (got is None):
                result.disagreements.append(
                    Disagreement(
                        "rules.explain (listed)",
                        u,
                        key,
                        want[0] if want else 0,
                        got[0] if got else 0,
                    )
                )
            elif want is not None and got is not None and want != got:
                result.disagreements.append(
                    ReasonDisagreement(
                        "rules.explain (reasons)", u, key, want[0], got[0], want[1], got[1]
                    )
                )
    return result


@dataclass(frozen=True)
class ReasonDisagreement(Disagreement):
    expected_reasons: Counter[str] = field(default_factory=Counter)
    observed_reasons: Counter[str] = field(default_factory=Counter)

    def describe(self, world: ref.World) -> str:
        return (
            f"{super().describe(world)}; reasons expected {dict(self.expected_reasons)}, "
            f"observed {dict(self.observed_reasons)}"
        )


def check_world(world: ref.World, surfaces: list[Surface], *, explain: bool) -> Comparison:
    """Builds the world, compares the surfaces (and explain), then rolls the world back."""
    with transaction.atomic():
        built = build(world, audit_events=any(s.needs_audit_events for s in surfaces))
        ctx = Context(world, built)
        result = compare(ctx, surfaces)
        if explain:
            result.extend(compare_explain(ctx))
        transaction.set_rollback(True)
    return result
