"""One database's benchmark, in its own process (`python -m bench.worker`, started by
`python -m bench`): the settings read DATABASE_URL once, at start-up, so each database gets a
fresh interpreter. Migrates the (empty) database, generates the data, analyses it, times
the scenarios, and writes var/bench/results-<label>.json and plans-<label>.txt."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--label", required=True, help="sqlite or postgresql (file names)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portefeuille.settings")
    os.environ.setdefault("PORTEFEUILLE_DEV", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from portefeuille.access.rules import Level, visible_clients

    from . import report
    from .generate import SEED, generate
    from .scenarios import Cast, query_plans, run_all

    seed = SEED if args.seed is None else args.seed
    if connection.vendor == "postgresql":
        # The throwaway cluster runs with synchronous_commit=off; a commit not yet flushed
        # leaves its rows without hint bits, and VACUUM then marks no page all-visible:
        # index-only scans would visit the heap and plans would differ from a live server's.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    say(f"[{args.label}] migrated in {migrated - started:.1f} s; generating (scale {args.scale:g})")
    world = generate(scale=args.scale, seed=seed, log=lambda m: say(f"[{args.label}] {m}"))
    generated = time.perf_counter()
    say(f"[{args.label}] generated in {generated - migrated:.1f} s")
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM also sets the visibility map that index-only scans rely on.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    analysed = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relpages > 0 "
                "AND relallvisible < relpages AND relnamespace = 'public'::regnamespace"
            )
            not_visible = [name for (name,) in cursor.fetchall()]
        if not_visible:
            say(f"[{args.label}] warning: not all-visible after VACUUM: {', '.join(not_visible)}")

    cast = Cast.load(world)
    actors: dict[str, Any] = {}
    for name, who in (
        ("admin", cast.admin),
        ("staff", cast.staff),
        ("power", cast.power),
        ("limited", cast.limited),
    ):
        actors[name] = {
            "id": who.pk,
            "visible_name": visible_clients(who).count(),
            "visible_full": visible_clients(who, Level.FULL).count(),
            "teams": who.team_memberships.count(),
            "portfolios": who.portfolio_staffings.count(),
        }
    say(f"[{args.label}] timing ({args.repeat} runs per scenario, medians)")
    load_before = os.getloadavg()[0]
    results = run_all(cast, args.repeat)
    load_after = os.getloadavg()[0]
    plans = query_plans(cast)
    finished = time.perf_counter()

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    payload: dict[str, Any] = {
        "database": f"{connection.vendor} {version}",
        "python": platform.python_version(),
        "scale": args.scale,
        "seed": seed,
        "repeat": args.repeat,
        "seconds": {
            "migrate": round(migrated - started, 2),
            "generate": round(generated - migrated, 2),
            "analyze": round(analysed - generated, 2),
            "scenarios": round(finished - analysed, 2),
        },
        # The machine's 1-minute load average around the timings (other work skews them).
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "cpus": os.cpu_count(),
        "shape": world.shape.__dict__,
        "rows": world.rows,
        "other_firm_rows": world.other_rows,
        "actors": actors,
        "scenarios": [r.as_json() for r in results],
        "plans": plans,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / f"results-{args.label}.json"
    results_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    plans_path = args.out / f"plans-{args.label}.txt"
    plans_path.write_text(
        "\n\n".join(f"== {name}\n{p['sql']}\n\n{p['plan']}" for name, p in plans.items()) + "\n"
    )

    say("")
    say(
        f"== {payload['database']}, scale {args.scale:g}: {world.rows.get('Contact', 0)} clients; "
        f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    say(
        "   "
        + "; ".join(
            f"{name} sees {a['visible_name']} (full {a['visible_full']})"
            for name, a in actors.items()
        )
    )
    say(report.table(payload["scenarios"]))
    say(f"results: {results_path}\nquery plans: {plans_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
