"""`portefeuille demo [--reset]`: creates the demo firm "Cabinet Démo"."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portefeuille.firms.demo import DEMO_FIRM_NAME, build_demo, delete_demo


class Command(BaseCommand):
    help = 'Creates the demo firm "Cabinet Démo" (does nothing if it exists, unless --reset).'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo firm first, then rebuild it."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the generated names.")

    def handle(self, *args: Any, reset: bool, seed: int, **options: Any) -> None:
        if reset and delete_demo():
            self.stdout.write(f"Deleted {DEMO_FIRM_NAME}.")
        result = build_demo(seed=seed)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {DEMO_FIRM_NAME}: {result.colleague_count} colleagues, "
                    f"{result.team_count} teams."
                )
            )
        else:
            self.stdout.write(f"{DEMO_FIRM_NAME} already exists (use --reset to rebuild it).")
        self.stdout.write(f"Sign in as {result.admin_email} with password {result.password}")
