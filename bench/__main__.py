"""`python -m bench [--scale 1.0] [--repeat 15] [--db sqlite|postgresql|both]` (`make bench`).

For each database: a fresh database (an SQLite file under var/bench/, or a database in a
throwaway PostgreSQL cluster), then one `bench.worker` process that migrates, generates,
analyses and times the scenarios. Results go to var/bench/results-<db>.json; the medians
of both databases are printed side by side at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "portefeuille_bench"


def var_dir() -> Path:
    return Path(os.environ.get("PORTEFEUILLE_VAR_DIR", REPO / "var")) / "bench"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Times the access rules on a generated firm."
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 100,000 clients (0.01 for a quick run)"
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per scenario")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=None, help="generator seed")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.repeat < 1:
        parser.error("--scale must be positive and --repeat at least 1")
    return args


def _worker(label: str, url: str, args: argparse.Namespace, out: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "bench.worker",
        "--label",
        label,
        "--scale",
        str(args.scale),
        "--repeat",
        str(args.repeat),
        "--out",
        str(out),
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTEFEUILLE_DEV": os.environ.get("PORTEFEUILLE_DEV", "1"),
        "DJANGO_SETTINGS_MODULE": "portefeuille.settings",
    }
    return subprocess.run(command, env=env, cwd=REPO, check=False).returncode  # noqa: S603


def run_sqlite(args: argparse.Namespace, out: Path) -> int:
    path = out / "bench.sqlite3"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return _worker("sqlite", f"sqlite:///{path}", args, out)


def run_postgresql(args: argparse.Namespace, out: Path) -> int:
    import psycopg

    from portefeuille.testing.pgcluster import ClusterError, find_binaries, start_cluster

    if find_binaries() is None:
        print(
            "\n#### NO POSTGRESQL BINARIES (initdb, pg_ctl): the PostgreSQL benchmark was "
            "skipped. apt-get install -y postgresql\n",
            flush=True,
        )
        return 1
    try:
        cluster = start_cluster()
    except ClusterError as error:
        print(f"PostgreSQL cluster did not start: {error}", flush=True)
        return 1
    try:
        with psycopg.connect(cluster.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        url = cluster.url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
        return _worker("postgresql", url, args, out)
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out = var_dir()
    out.mkdir(parents=True, exist_ok=True)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failed = []
    started = time.perf_counter()
    for database in databases:
        stale = out / f"results-{database}.json"
        stale.unlink(missing_ok=True)
        code = run_sqlite(args, out) if database == "sqlite" else run_postgresql(args, out)
        if code != 0:
            failed.append(database)
    runs: dict[str, Any] = {}
    for database in databases:
        path = out / f"results-{database}.json"
        if path.exists():
            runs[database] = json.loads(path.read_text())
    if len(runs) > 1:
        from .report import side_by_side

        print(f"\n== Medians side by side (scale {args.scale:g}, {args.repeat} runs each)")
        print(side_by_side({r["database"].split(" (")[0]: r for r in runs.values()}))
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
