"""`python -m bench.work_board [--scale 1.0] [--repeat 15] [--db sqlite|postgresql|both]`
(part of `make bench`): the Kanban board filtered on the clients I own and on the clients I
manage (docs/work.md), on the large generated firm (bench/generate.py: 100,000 clients and
about 300,000 work items at scale 1).

For each database, a fresh one (an SQLite file, or a database in a throwaway PostgreSQL
cluster) and one process: migrate, generate, analyse, then time, round-robin after a
warm-up, for a typical owner or manager (the generator's "staff" colleague, or the
colleague who manages the median number of clients) and for the busiest one:

- the board read model (`work/queries.py::board`: the statuses, then every column's first
  cards and its count, through the access door), as the page and the API use it;
- the board page `GET /work/?client_owner=…` through Django's test client (the whole stack),
  for the typical colleague;
- the baseline: the same two statements written by hand in SQL, which know that an owner
  or a manager sees their clients in full and so ask nothing of the access rules.

Median and p95 of `--repeat` runs, and the ratio of the medians to the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import children

REPO = Path(__file__).resolve().parent.parent
DATABASE = "portefeuille_bench_work"
WARM_UP = 2


def _stats(times: list[float]) -> dict[str, float]:
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000}


def child(scale: float, repeat: int) -> dict[str, Any]:
    """Runs in a process whose DATABASE_URL names an empty database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portefeuille.access.models import OwnerEntry
    from portefeuille.contacts.models import Contact
    from portefeuille.firms.models import Colleague, WorkStatus, WorkType
    from portefeuille.work.models import WorkItem
    from portefeuille.work.queries import BOARD_COLUMN_LIMIT, WorkFilters, board

    from .generate import generate

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    world = generate(scale=scale)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    prepared = time.perf_counter() - started
    firm_id = world.firm_id
    staff = Colleague.objects.get(pk=world.actors["staff"])

    # Who owns and who manages: the typical colleague and the busiest one of each.
    owned = dict(
        Contact.objects.filter(firm_id=firm_id, owner__colleague__isnull=False)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    managed = list(
        Contact.objects.filter(firm_id=firm_id, manager__isnull=False)
        .values_list("manager_id")
        .annotate(n=Count("id"))
        .order_by("n", "manager_id")
    )
    staff_entry = OwnerEntry.objects.get(firm_id=firm_id, colleague=staff)
    busiest_entry = OwnerEntry.objects.select_related("colleague").get(
        pk=max(owned, key=lambda pk: (owned[pk], -pk))
    )
    assert busiest_entry.colleague is not None
    # (what, the colleague, the filter's value: their roster entry or themselves)
    cases: list[tuple[str, Colleague, int]] = [
        ("own", staff, staff_entry.pk),
        ("own", busiest_entry.colleague, busiest_entry.pk),
        (
            "manage",
            (typical := Colleague.objects.get(pk=managed[len(managed) // 2][0])),
            typical.pk,
        ),
        ("manage", (busiest := Colleague.objects.get(pk=managed[-1][0])), busiest.pk),
    ]

    item_table = connection.ops.quote_name(WorkItem._meta.db_table)
    contact_table = connection.ops.quote_name(Contact._meta.db_table)
    colleague_table = connection.ops.quote_name(Colleague._meta.db_table)
    type_table = connection.ops.quote_name(WorkType._meta.db_table)
    status_table = connection.ops.quote_name(WorkStatus._meta.db_table)

    def raw_board(column: str, value: int) -> Callable[[], int]:
        statuses_sql = (
            f"SELECT id, name, primary_state, position FROM {status_table} "  # noqa: S608
            "WHERE firm_id = %s ORDER BY position, name"
        )
        cards_sql = (
            "SELECT id, title, status_id, version, due_date, client_id, display_name, kind, "  # noqa: S608
            "first_name, last_name, email, type_name, total FROM ("
            "SELECT w.id, w.title, w.status_id, w.version, w.due_date, w.client_id, "
            "c.display_name, c.kind, a.first_name, a.last_name, a.email, t.name AS type_name, "
            "ROW_NUMBER() OVER (PARTITION BY w.status_id "
            "ORDER BY w.due_date IS NULL, w.due_date, w.id) AS rn, "
            "COUNT(*) OVER (PARTITION BY w.status_id) AS total "
            f"FROM {item_table} w JOIN {contact_table} c ON c.id = w.client_id "
            f"LEFT JOIN {colleague_table} a ON a.id = w.assignee_id "
            f"LEFT JOIN {type_table} t ON t.id = w.work_type_id "
            f"WHERE w.firm_id = %s AND c.firm_id = %s AND c.{column} = %s"
            f") ranked WHERE rn <= {BOARD_COLUMN_LIMIT} ORDER BY status_id, rn"
        )

        def run() -> int:
            with connection.cursor() as cursor:
                cursor.execute(statuses_sql, [firm_id])
                cursor.fetchall()
                cursor.execute(cards_sql, [firm_id, firm_id, value])
                return len(cursor.fetchall())

        return run

    def model_board(who: Colleague, filters: WorkFilters) -> Callable[[], int]:
        def run() -> int:
            return sum(len(column.cards) for column in board(who, filters).columns)

        return run

    def page(who: Colleague, query: str) -> Callable[[], int]:
        browser = Client(HTTP_HOST="localhost")
        browser.force_login(who)

        def run() -> int:
            response = browser.get(f"/work/?{query}")
            assert response.status_code == 200, response.status_code
            return len(response.content)

        return run

    timed: list[tuple[str, Callable[[], int]]] = []
    facts: dict[str, Any] = {}
    for index, (what, who, value) in enumerate(cases):
        rank = "typical" if index % 2 == 0 else "busiest"
        key = f"{what}.{rank}"
        param, column = (
            ("client_owner", "owner_id") if what == "own" else ("client_manager", "manager_id")
        )
        filters = (
            WorkFilters(client_owner=value) if what == "own" else WorkFilters(client_manager=value)
        )
        found = board(who, filters)
        facts[key] = {
            "colleague": who.pk,
            "clients": Contact.objects.filter(firm_id=firm_id, **{column: value}).count(),
            "items": found.total,
            "cards": sum(len(c.cards) for c in found.columns),
        }
        baseline = raw_board(column, value)
        # The baseline must show the same board, or the comparison means nothing.
        assert baseline() == facts[key]["cards"], (key, baseline(), facts[key])
        with CaptureQueriesContext(connection) as captured:
            model_board(who, filters)()
        facts[key]["queries"] = len(captured.captured_queries)
        timed.append((f"{key}.board", model_board(who, filters)))
        timed.append((f"{key}.raw_sql", baseline))
        if rank == "typical":
            timed.append((f"{key}.page", page(who, f"{param}={value}")))

    for _name, run in timed:
        for _ in range(WARM_UP):
            run()
    samples: dict[str, list[float]] = {name: [] for name, _run in timed}
    for _ in range(repeat):
        for name, run in timed:
            start = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - start)
    return {
        "database": connection.vendor,
        "scale": scale,
        "repeat": repeat,
        "prepared_s": round(prepared, 1),
        "work_items": world.rows.get("WorkItem", 0),
        "clients": world.rows.get("Contact", 0),
        "facts": facts,
        "timings": {name: _stats(times) for name, times in samples.items()},
    }


def _arguments(args: argparse.Namespace) -> list[str]:
    return ["--scale", str(args.scale), "--repeat", str(args.repeat)]


LABELS = {
    "own": "clients I own",
    "manage": "clients I manage",
}


def report(row: dict[str, Any]) -> list[str]:
    lines = [
        f"  {row['database']}: {row['clients']:,} clients, {row['work_items']:,} work items "
        f"(ready in {row['prepared_s']} s)"
    ]
    timings = row["timings"]
    for key, fact in row["facts"].items():
        what, rank = key.split(".")
        lines.append(
            f"    {LABELS[what]}, {rank} colleague: {fact['clients']:,} clients, "
            f"{fact['items']:,} items, {fact['cards']} cards, {fact['queries']} queries"
        )
        raw = timings[f"{key}.raw_sql"]
        for part, label in (("board", "board()"), ("page", "GET /work/"), ("raw_sql", "raw SQL")):
            found = timings.get(f"{key}.{part}")
            if found is None:
                continue
            ratio = (
                f"   x{found['median_ms'] / raw['median_ms']:.1f} baseline"
                if part != "raw_sql"
                else ""
            )
            lines.append(
                f"      {label:12} {found['median_ms']:8.1f} ms {found['p95_ms']:8.1f} ms{ratio}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.work_board")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 clients")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.repeat < 1:
        parser.error("--scale must be positive and --repeat at least 1")
    if args.child:
        print(json.dumps(child(args.scale, args.repeat)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="portefeuille-bench-work-"))
    results: list[dict[str, Any]] = []
    failed = False
    if args.db in ("sqlite", "both"):
        found = children.run_child(
            "bench.work_board",
            f"sqlite:///{folder / 'work.sqlite3'}",
            folder,
            _arguments(args),
        )
        failed = failed or found is None
        results += [found] if found else []
    if args.db in ("postgresql", "both"):
        found = children.run_on_postgresql("bench.work_board", DATABASE, folder, _arguments(args))
        failed = failed or found is None
        results += [found] if found else []

    print(
        f"\nThe work board filtered on my clients (scale {args.scale:g}; {args.repeat} runs "
        "after a warm-up): median, p95, and the ratio of the medians to hand-written SQL"
    )
    for row in results:
        print("\n".join(report(row)))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
