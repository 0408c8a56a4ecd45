"""`python -m bench.exports [--clients 100000] [--db sqlite|postgresql|both]` (part of
`make bench`): the client monitor's export (docs/exchange.md) of every client of a firm, to
Excel and to CSV, as an admin and as a staff colleague (private clients by name only,
hidden ones left out), through `exchange.monitor.export_rows` and `exchange.writers`.

For each database, one child process builds the firm (`--clients` clients: 10 % private,
5 % hidden, a manager, a portfolio and a titled role on most); then each export runs in a
fresh child process of its own, so that its peak resident memory (ru_maxrss) is the
export's alone: time and peak RSS, and the growth of RSS over the process's resting size
after Django is set up. The baseline, measured the same way: the same columns read by one
raw SQL query through a server-side cursor and written with the `csv` module.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import children

DATABASE = "portefeuille_bench_exports"
COLUMNS = ["name", "code", "type", "owner", "manager", "role_1", "portfolio", "open_work"]
RUNS = (("admin", "xlsx"), ("staff", "xlsx"), ("staff", "csv"), ("raw", "csv"))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(clients: int) -> dict[str, Any]:
    import django

    django.setup()
    import random

    from django.core.management import call_command

    from portefeuille.access.models import OwnerEntry, Portfolio, RoleAssignment
    from portefeuille.contacts.models import Contact, normalise_for_search
    from portefeuille.firms.models import Privacy, RoleSlot
    from portefeuille.testing.factories import AdminFactory, ColleagueFactory, FirmFactory

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(7)
    firm = FirmFactory.create(name="Cabinet Banc d'essai")
    AdminFactory.create(firm=firm, email="admin@bench.test")
    ColleagueFactory.create(firm=firm, email="staff@bench.test")
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé signataire")
    people = [ColleagueFactory.create(firm=firm) for _ in range(20)]
    entries = [OwnerEntry.objects.create(firm=firm, colleague=c) for c in people[:10]]
    portfolios = [Portfolio.objects.create(firm=firm, name=f"Portefeuille {n}") for n in range(10)]
    privacy = [Privacy.PUBLIC] * 85 + [Privacy.PRIVATE] * 10 + [Privacy.HIDDEN] * 5
    made = Contact.objects.bulk_create(
        (
            Contact(
                firm=firm,
                kind=Contact.Kind.ORGANIZATION,
                display_name=f"Société {n:06d} =cmd",
                search_name=normalise_for_search(f"Société {n:06d}"),
                client_code=f"C{n:06d}",
                privacy=rng.choice(privacy),
                owner=rng.choice(entries),
                manager=rng.choice(people),
                portfolio=rng.choice(portfolios),
            )
            for n in range(clients)
        ),
        batch_size=2000,
    )
    RoleAssignment.objects.bulk_create(
        (
            RoleAssignment(firm=firm, client=c, slot=1, colleague=rng.choice(people))
            for c in made
            if rng.random() < 0.7
        ),
        batch_size=2000,
    )
    return {"clients": clients}


def export(who: str, fmt: str, folder: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from portefeuille.contacts.queries import ContactFilters
    from portefeuille.exchange import monitor, writers
    from portefeuille.firms.models import Colleague

    resting = _rss_mib()
    out = Path(folder) / f"export-{who}.{fmt}"
    started = time.perf_counter()
    if who == "raw":
        table = "contacts_contact"
        rows = 0
        with out.open("w", encoding="utf-8-sig", newline="") as handle, connection.cursor() as c:
            import csv

            writer = csv.writer(handle)
            writer.writerow(["Nom", "Identifiant client", "Gestionnaire", "Portefeuille"])
            c.execute(
                "SELECT c.display_name, c.client_code, m.last_name, p.name "  # noqa: S608
                f"FROM {table} c LEFT JOIN firms_colleague m ON m.id = c.manager_id "
                "LEFT JOIN access_portfolio p ON p.id = c.portfolio_id ORDER BY c.search_name, c.id"
            )
            while batch := c.fetchmany(1000):
                writer.writerows(batch)
                rows += len(batch)
    else:
        actor = Colleague.objects.get(email=f"{who}@bench.test")
        query = monitor.choose(actor, ContactFilters(include_inactive=True), COLUMNS, "name")
        shown = {c.key: c for c in monitor.columns_for(actor)}
        columns = [writers.Column(k, shown[k].label, shown[k].kind) for k in query.columns]
        cells = (
            [row.value(key) for key in query.columns] for row in monitor.export_rows(actor, query)
        )
        if fmt == "xlsx":
            rows = writers.write_xlsx(columns, cells, out, sheet_name="Clients")
        else:
            with out.open("wb") as handle:
                rows = writers.write_csv(columns, cells, handle)
    seconds = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "who": who,
        "format": fmt,
        "rows": rows,
        "seconds": seconds,
        "peak_rss_mib": _rss_mib(),
        "growth_mib": _rss_mib() - resting,
        "bytes": out.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", default="build", help=argparse.SUPPRESS)
    parser.add_argument("--who", default="admin", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="xlsx", help=argparse.SUPPRESS)
    parser.add_argument("--folder", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        answer = (
            build(args.clients)
            if args.step == "build"
            else export(args.who, args.format, args.folder)
        )
        print(json.dumps(answer))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="portefeuille-bench-exports-"))
    results: list[dict[str, Any]] = []
    failed = False
    for database in ("sqlite", "postgresql"):
        if args.db not in (database, "both"):
            continue
        url = f"sqlite:///{folder / 'exports.sqlite3'}"
        steps = [["--step", "build", "--clients", str(args.clients)]] + [
            ["--step", "export", "--who", who, "--format", fmt, "--folder", str(folder)]
            for who, fmt in RUNS
        ]
        if database == "sqlite":
            found = [children.run_child("bench.exports", url, folder, s) for s in steps]
        else:
            found = children.run_steps_on_postgresql("bench.exports", DATABASE, folder, steps)
        failed = failed or any(f is None for f in found)
        results += [f for f in found[1:] if f]

    print(f"\nExport of a firm of {args.clients:,} clients from the client monitor, each run in")
    print("a fresh process (peak RSS: ru_maxrss; growth: over the process at rest)")
    heading = ("database", "who", "format", "rows", "time", "peak", "growth")
    print("  {:10} {:6} {:6} {:>8} {:>9} {:>9} {:>9}".format(*heading))
    for row in results:
        print(
            f"  {row['database']:10} {row['who']:6} {row['format']:6} {row['rows']:8,} "
            f"{row['seconds']:7.1f} s {row['peak_rss_mib']:6.0f} MiB {row['growth_mib']:6.0f} MiB"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
