"""A benchmark scenario measured in a child process, against SQLite or a throwaway
PostgreSQL cluster (each child settles Django on its own database): the runner shared by
the scenario modules that need one database per run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def run_child(
    module: str,
    url: str,
    folder: Path,
    arguments: Sequence[str],
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Runs `python -m <module> --child <arguments>` on the database `url`; its last line of
    output is its JSON result (None, with its output on stderr, when it failed)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(folder / "media"),
        "PORTEFEUILLE_DEV": os.environ.get("PORTEFEUILLE_DEV", "1"),
        "DJANGO_SETTINGS_MODULE": "portefeuille.settings",
        **(environment or {}),
    }
    command = [sys.executable, "-m", module, "--child", *arguments]
    done = subprocess.run(  # noqa: S603 — our own module, our own arguments
        command, env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_on_postgresql(
    module: str,
    database: str,
    folder: Path,
    arguments: Sequence[str],
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """`run_child` on a new database of a throwaway cluster started from the installed
    binaries (None, said on stderr, when there are none or it does not start)."""
    return run_steps_on_postgresql(module, database, folder, [arguments], environment)[0]


def run_steps_on_postgresql(
    module: str,
    database: str,
    folder: Path,
    steps: Sequence[Sequence[str]],
    environment: Mapping[str, str] | None = None,
) -> list[dict[str, Any] | None]:
    """`run_child` once per step (its arguments), one after the other, on the same new
    database of one throwaway cluster: a step may build what the next ones measure, each in
    a process of its own. None for every step when there is no cluster."""
    import psycopg

    from portefeuille.testing.pgcluster import ClusterError, find_binaries, start_cluster

    if find_binaries() is None:
        print("No PostgreSQL binaries (initdb, pg_ctl): PostgreSQL skipped.", file=sys.stderr)
        return [None for _ in steps]
    try:
        cluster = start_cluster()
    except ClusterError as error:
        print(f"PostgreSQL cluster did not start: {error}", file=sys.stderr)
        return [None for _ in steps]
    try:
        with psycopg.connect(cluster.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {database}")
        url = cluster.url.rsplit("/", 1)[0] + f"/{database}"
        return [run_child(module, url, folder, arguments, environment) for arguments in steps]
    finally:
        cluster.stop()
