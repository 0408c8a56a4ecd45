"""The timed scenarios: `visible_clients` for each named colleague, against the admin's
query and against hand-written SQL measured in the same run; `level`, `get_client` and
`explain` on single clients; and the query plans of the access queries."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.access.rules import (
    Level,
    annotate_level,
    explain,
    get_client,
    level,
    visible_clients,
)
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, TeamMembership

from .generate import World

PAGE_SIZE = 50
WARM_UP = 2
ORDER = ("search_name", "id")


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    run: Callable[[], int]  # returns the number of rows (or the level) it produced
    # label -> key of the scenario this one is compared with
    baselines: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    key: str
    title: str
    rows: int
    queries: int
    median_ms: float
    p90_ms: float
    samples_ms: list[float]
    ratios: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "rows": self.rows,
            "queries": self.queries,
            "median_ms": round(self.median_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "samples_ms": [round(s, 3) for s in self.samples_ms],
            "ratios": {k: round(v, 2) for k, v in self.ratios.items()},
        }


def p90(samples: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def measure(found: list[Scenario], repeat: int) -> dict[str, Result]:
    """Warm-up runs, one run per scenario counting its queries, then `repeat` rounds in which
    every scenario runs once: round-robin, so that a burst of load on a shared machine
    falls on a scenario and its baselines alike."""
    results: dict[str, Result] = {}
    for scenario in found:
        for _ in range(WARM_UP):
            scenario.run()
        with CaptureQueriesContext(connection) as captured:
            rows = scenario.run()
        results[scenario.key] = Result(
            key=scenario.key,
            title=scenario.title,
            rows=rows,
            queries=len(captured.captured_queries),
            median_ms=0.0,
            p90_ms=0.0,
            samples_ms=[],
        )
    for _ in range(repeat):
        for scenario in found:
            start = time.perf_counter()
            scenario.run()
            results[scenario.key].samples_ms.append((time.perf_counter() - start) * 1000)
    for result in results.values():
        result.median_ms = statistics.median(result.samples_ms)
        result.p90_ms = p90(result.samples_ms)
    return results


# ---------------------------------------------------------------------------------------
# Hand-written SQL: what a careful person would write against these tables.
# ---------------------------------------------------------------------------------------


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def hand_written_sql(
    firm_id: int, colleague: Colleague | None, min_level: Level, *, page: bool
) -> tuple[str, list[Any]]:
    """The visible clients of `colleague` (None: the admin's "whole firm"), as a count or
    as the first page ordered by name. The links of §6 rule 3 are a CTE of id lists."""
    # S608 below: identifiers come from the models' metadata; every value is a parameter.
    contact = _table(Contact)
    columns = ", ".join(
        f"c.{connection.ops.quote_name(str(f.column))}" for f in Contact._meta.concrete_fields
    )
    selected = columns if page else "COUNT(*)"
    select = f"SELECT {selected} FROM {contact} c"  # noqa: S608
    tail = f" ORDER BY c.search_name, c.id LIMIT {PAGE_SIZE}" if page else ""
    if colleague is None:
        return f"{select} WHERE c.firm_id = %s{tail}", [firm_id]
    u = colleague.pk
    cte = f"""WITH my_teams AS (
  SELECT team_id FROM {_table(TeamMembership)} WHERE colleague_id = %s
), my_portfolios AS (
  SELECT portfolio_id FROM {_table(PortfolioStaff)} WHERE colleague_id = %s
  UNION
  SELECT portfolio_id FROM {_table(PortfolioStaff)}
   WHERE team_id IN (SELECT team_id FROM my_teams)
), linked AS (
  SELECT k.id FROM {contact} k JOIN {_table(OwnerEntry)} o ON o.id = k.owner_id
   WHERE o.colleague_id = %s
  UNION ALL SELECT id FROM {contact} WHERE manager_id = %s
  UNION ALL SELECT client_id FROM {_table(RoleAssignment)} WHERE colleague_id = %s
  UNION ALL SELECT client_id FROM {_table(ClientMember)} WHERE colleague_id = %s
  UNION ALL SELECT client_id FROM {_table(ClientMember)}
   WHERE team_id IN (SELECT team_id FROM my_teams)
  UNION ALL SELECT id FROM {contact}
   WHERE portfolio_id IN (SELECT portfolio_id FROM my_portfolios)
  UNION ALL SELECT client_id FROM {_table(AccessGrant)} WHERE colleague_id = %s
  UNION ALL SELECT client_id FROM {_table(AccessGrant)}
   WHERE team_id IN (SELECT team_id FROM my_teams)
)
"""  # noqa: S608
    params: list[Any] = [u] * 7
    if colleague.is_limited:
        where = "c.firm_id = %s AND c.id IN (SELECT id FROM linked)"
        return f"{cte}{select} WHERE {where}{tail}", [*params, firm_id]
    if min_level == Level.FULL:
        shown = [Privacy.PUBLIC.value]
    else:
        shown = [Privacy.PUBLIC.value, Privacy.PRIVATE.value]
    marks = ", ".join(["%s"] * len(shown))
    where = f"c.firm_id = %s AND (c.privacy IN ({marks}) OR c.id IN (SELECT id FROM linked))"  # noqa: S608
    return f"{cte}{select} WHERE {where}{tail}", [*params, firm_id, *shown]


def sql_of(run: Callable[[], object]) -> tuple[str, list[Any]]:
    """The SQL and parameters of the last statement `run` executes."""
    seen: list[tuple[str, list[Any]]] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        run()
    return seen[-1]


def _raw(sql: str, params: list[Any], *, page: bool) -> Callable[[], int]:
    def run() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if page:
                return len(cursor.fetchall())
            row = cursor.fetchone()
            return int(row[0]) if row else 0

    return run


# ---------------------------------------------------------------------------------------
# The scenarios.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    admin: Colleague
    staff: Colleague
    power: Colleague
    limited: Colleague
    firm_id: int
    well_staffed: Contact
    private_unlinked: Contact
    limited_client: Contact

    @classmethod
    def load(cls, world: World) -> Cast:
        people = Colleague.objects.in_bulk(list(world.actors.values()))
        actors = {name: people[pk] for name, pk in world.actors.items()}
        staff = actors["staff"]
        private_unlinked = (
            visible_clients(staff)
            .filter(privacy=Privacy.PRIVATE)
            .exclude(pk__in=visible_clients(staff, Level.FULL).values("pk"))
            .order_by("id")
            .first()
        )
        limited_client = visible_clients(actors["limited"]).order_by("id").first()
        assert private_unlinked is not None
        assert limited_client is not None
        return cls(
            admin=actors["admin"],
            staff=staff,
            power=actors["power"],
            limited=actors["limited"],
            firm_id=world.firm_id,
            well_staffed=Contact.objects.get(pk=world.well_staffed_client_id),
            private_unlinked=private_unlinked,
            limited_client=limited_client,
        )


def scenarios(cast: Cast) -> list[Scenario]:
    firm_id = cast.firm_id
    named = [("admin", cast.admin), ("limited", cast.limited), ("staff", cast.staff)]
    named.append(("power", cast.power))
    found: list[Scenario] = []

    def admin_query() -> Any:
        return Contact.objects.filter(firm_id=firm_id)

    found.append(
        Scenario(
            "admin_query.count",
            "Contact.objects.filter(firm).count()",
            lambda: admin_query().count(),
        )
    )
    found.append(
        Scenario(
            "admin_query.page",
            f"Contact.objects.filter(firm) first {PAGE_SIZE}",
            lambda: len(admin_query().order_by(*ORDER)[:PAGE_SIZE]),
        )
    )
    levels: list[tuple[str, Colleague, Level]] = [
        (name, who, Level.NAME) for name, who in named if name != "admin"
    ]
    levels.insert(2, ("staff.full", cast.staff, Level.FULL))
    for name, who, min_level in levels:
        for page in (False, True):
            sql, params = hand_written_sql(firm_id, who, min_level, page=page)
            what = "page" if page else "count"
            found.append(
                Scenario(
                    f"raw.{name}.{what}",
                    f"hand-written SQL ({name}) {what}",
                    _raw(sql, params, page=page),
                )
            )

    def count_of(who: Colleague, min_level: Level) -> Callable[[], int]:
        return lambda: visible_clients(who, min_level).count()

    def page_of(who: Colleague, min_level: Level) -> Callable[[], int]:
        return lambda: len(visible_clients(who, min_level).order_by(*ORDER)[:PAGE_SIZE])

    for name, who, min_level in [("admin", cast.admin, Level.NAME), *levels]:
        arg = ", FULL" if min_level == Level.FULL else ""
        actor = name.split(".")[0]
        for what, run in (("count", count_of(who, min_level)), ("page", page_of(who, min_level))):
            # The very SQL the ORM sends, run through a cursor: separates the cost of
            # building the queryset (Python) from the cost of the statement (database).
            sql, params = sql_of(run)
            found.append(
                Scenario(
                    f"own_sql.{name}.{what}",
                    f"SQL of visible_clients({actor}{arg}) {what}, by cursor",
                    _raw(sql, params, page=what == "page"),
                )
            )
            baselines = {"admin": f"admin_query.{what}"}
            if name != "admin":
                baselines["raw"] = f"raw.{name}.{what}"
            baselines["sql"] = f"own_sql.{name}.{what}"
            title = (
                f"visible_clients({actor}{arg}).count()"
                if what == "count"
                else f"visible_clients({actor}{arg}) first {PAGE_SIZE}"
            )
            found.append(Scenario(f"visible.{name}.{what}", title, run, baselines))
    found.append(
        Scenario(
            "annotate.staff.page",
            f"annotate_level(staff, visible_clients(staff)) first {PAGE_SIZE}",
            lambda: len(
                annotate_level(cast.staff, visible_clients(cast.staff)).order_by(*ORDER)[:PAGE_SIZE]
            ),
            {"admin": "admin_query.page", "raw": "raw.staff.page"},
        )
    )

    # Single clients. Baselines: fetching the row by id; listing the firm's active colleagues
    # (what explain() cannot avoid doing).
    found.append(
        Scenario(
            "get.by_id",
            "Contact.objects.get(pk) (baseline)",
            lambda: int(Contact.objects.get(pk=cast.private_unlinked.pk).pk is not None),
        )
    )
    found.append(
        Scenario(
            "level.staff.private",
            "level(staff, private client, no link)",
            lambda: int(level(cast.staff, cast.private_unlinked)),
            {"admin": "get.by_id"},
        )
    )
    found.append(
        Scenario(
            "level.limited.linked",
            "level(limited, linked client)",
            lambda: int(level(cast.limited, cast.limited_client)),
            {"admin": "get.by_id"},
        )
    )
    found.append(
        Scenario(
            "get_client.staff",
            "get_client(staff, private client)",
            lambda: int(get_client(cast.staff, cast.private_unlinked.pk).pk is not None),
            {"admin": "get.by_id"},
        )
    )
    found.append(
        Scenario(
            "colleagues.active",
            "list of the firm's active colleagues (baseline)",
            lambda: len(list(Colleague.objects.filter(firm_id=firm_id, is_active=True))),
        )
    )
    found.append(
        Scenario(
            "explain.well_staffed",
            "explain(well-staffed client)",
            lambda: len(explain(cast.well_staffed)),
            {"admin": "colleagues.active"},
        )
    )
    return found


def run_all(cast: Cast, repeat: int) -> list[Result]:
    found = scenarios(cast)
    results = measure(found, repeat)
    for scenario in found:
        result = results[scenario.key]
        for label, key in scenario.baselines.items():
            base = results[key].median_ms
            result.ratios[label] = result.median_ms / base if base > 0 else float("nan")
    return [results[s.key] for s in found]


# ---------------------------------------------------------------------------------------
# Query plans.
# ---------------------------------------------------------------------------------------


def _captured_sql(run: Callable[[], object]) -> str:
    with CaptureQueriesContext(connection) as captured:
        run()
    return str(captured.captured_queries[-1]["sql"])


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            rows = cursor.fetchall()
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + str(detail))
            return "\n".join(lines)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def query_plans(cast: Cast) -> dict[str, dict[str, str]]:
    """The SQL and the plan of visible_clients (count and first page) per colleague."""
    plans: dict[str, dict[str, str]] = {}
    for name, who in (("limited", cast.limited), ("staff", cast.staff), ("power", cast.power)):
        for what, run in (
            ("count", lambda who=who: visible_clients(who).count()),
            ("page", lambda who=who: list(visible_clients(who).order_by(*ORDER)[:PAGE_SIZE])),
        ):
            sql = _captured_sql(run)
            plans[f"visible_clients({name}) {what}"] = {"sql": sql, "plan": _plan(sql)}
    return plans
