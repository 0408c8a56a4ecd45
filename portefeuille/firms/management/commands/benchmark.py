"""`portefeuille benchmark [--scale 1.0] [--repeat 15] [--db sqlite|postgresql|both]`.

Runs the access benchmark of the source tree (`python -m bench`, as `make bench` does). It
never touches the configured database: each run builds fresh databases of its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

REPO = Path(__file__).resolve().parents[4]


class Command(BaseCommand):
    help = (
        "Times the access rules (visible_clients, level, explain) on a generated firm of "
        "100,000 clients, on fresh SQLite and PostgreSQL databases (never the configured one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 clients")
        parser.add_argument("--repeat", type=int, default=15, help="timed runs per scenario")
        parser.add_argument(
            "--db", choices=["sqlite", "postgresql", "both"], default="both", dest="database"
        )
        parser.add_argument("--seed", type=int, default=None, help="generator seed")

    def handle(
        self,
        *args: Any,
        scale: float,
        repeat: int,
        database: str,
        seed: int | None,
        **options: Any,
    ) -> None:
        if not (REPO / "bench" / "__main__.py").exists():
            raise CommandError(
                "The benchmark lives in the source tree (bench/); run it from there."
            )
        # bench starts one process per database (the settings read DATABASE_URL at start-up),
        # so it runs beside this one rather than inside it.
        command = [sys.executable, "-m", "bench", "--scale", str(scale), "--repeat", str(repeat)]
        command += ["--db", database]
        if seed is not None:
            command += ["--seed", str(seed)]
        code = subprocess.run(command, cwd=REPO, check=False).returncode  # noqa: S603
        if code != 0:
            raise CommandError(f"The benchmark failed (exit status {code}).")
