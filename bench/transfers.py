"""`python -m bench.transfers [--clients 10000] [--repeat 7] [--db sqlite|postgresql|both]`
(part of `make bench`): "Transférer les clients" of an owner who has 10,000 clients, through
the service the roster page and `POST /api/v1/owners/{id}/transfer` call
(access/services/owners.py::transfer_clients: the rows locked, one history event per
client, one notification to each side, one transaction).

For each database, a fresh one (an SQLite file, or a database in a throwaway PostgreSQL
cluster), one process: a firm, two owners on its roster, `--clients` clients owned by the
first. Each timed run moves them all to the other owner (the next one moves them back). The
baseline, timed in the same process between the runs, is what the database alone needs for
the same move: one raw SQL `UPDATE` of the same rows (owner, version, updated_at) in a
transaction.
Median and p95 of `--repeat` runs after a warm-up, and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import children

REPO = Path(__file__).resolve().parent.parent
# The notification e-mails are queued in the database like any task; none is run.
ENVIRONMENT = {"TASK_BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend")}
DATABASE = "portefeuille_bench_transfers"


def _stats(times: list[float]) -> dict[str, float]:
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000}


def child(clients: int, repeat: int) -> dict[str, Any]:
    """Runs in a process whose DATABASE_URL names an empty database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from portefeuille.access.models import OwnerEntry
    from portefeuille.access.services import transfer_clients
    from portefeuille.contacts.models import Contact, normalise_for_search
    from portefeuille.testing.factories import AdminFactory, ColleagueFactory, FirmFactory

    call_command("migrate", verbosity=0, interactive=False)
    firm = FirmFactory.create(name="Cabinet Banc d'essai")
    admin = AdminFactory.create(firm=firm)
    entries = [
        OwnerEntry.objects.create(firm=firm, colleague=ColleagueFactory.create(firm=firm))
        for _ in range(2)
    ]
    Contact.objects.bulk_create(
        (
            Contact(
                firm=firm,
                kind=Contact.Kind.ORGANIZATION,
                display_name=f"Client {n:05d}",
                search_name=normalise_for_search(f"Client {n:05d}"),
                owner=entries[0],
            )
            for n in range(clients)
        ),
        batch_size=1000,
    )
    table = Contact._meta.db_table

    holder = [0]  # which entry owns the clients now

    def move() -> tuple[OwnerEntry, OwnerEntry]:
        source, target = entries[holder[0]], entries[1 - holder[0]]
        holder[0] = 1 - holder[0]
        return source, target

    def service() -> None:
        source, target = move()
        moved = transfer_clients(actor=admin, from_owner=source, to_owner=target)
        assert moved == clients, moved

    def raw_update() -> None:
        source, target = move()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET owner_id = %s, version = version + 1, updated_at = %s "  # noqa: S608
                "WHERE firm_id = %s AND owner_id = %s",
                [target.pk, timezone.now(), firm.pk, source.pk],
            )
            assert cursor.rowcount == clients, cursor.rowcount

    def timed(action: Callable[[], None]) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started

    service()  # warm-up: imports, statements, caches
    raw_update()
    service_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(repeat):
        service_times.append(timed(service))
        raw_times.append(timed(raw_update))
    return {
        "database": connection.vendor,
        "clients": clients,
        "repeat": repeat,
        "service": _stats(service_times),
        "raw_sql": _stats(raw_times),
    }


def _arguments(args: argparse.Namespace) -> list[str]:
    return ["--clients", str(args.clients), "--repeat", str(args.repeat)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transfers")
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.repeat < 1:
        parser.error("--clients and --repeat must be at least 1")
    if args.child:
        print(json.dumps(child(args.clients, args.repeat)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="portefeuille-bench-transfers-"))
    results: list[dict[str, Any]] = []
    failed = False
    if args.db in ("sqlite", "both"):
        found = children.run_child(
            "bench.transfers",
            f"sqlite:///{folder / 'transfers.sqlite3'}",
            folder,
            _arguments(args),
            ENVIRONMENT,
        )
        failed = failed or found is None
        results += [found] if found else []
    if args.db in ("postgresql", "both"):
        found = children.run_on_postgresql(
            "bench.transfers", DATABASE, folder, _arguments(args), ENVIRONMENT
        )
        failed = failed or found is None
        results += [found] if found else []

    print(
        f"\nTransfer of {args.clients:,} clients from one owner to another "
        f"({args.repeat} runs after a warm-up), against one raw SQL UPDATE of the same rows"
    )
    print(f"  {'database':12} {'':18} {'median':>10} {'p95':>10}")
    for row in results:
        service, raw = row["service"], row["raw_sql"]
        print(
            f"  {row['database']:12} {'transfer_clients':18} "
            f"{service['median_ms']:8.0f} ms {service['p95_ms']:8.0f} ms"
        )
        print(
            f"  {'':12} {'raw SQL UPDATE':18} {raw['median_ms']:8.0f} ms {raw['p95_ms']:8.0f} ms"
            f"   (service / baseline: x{service['median_ms'] / raw['median_ms']:.1f})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
