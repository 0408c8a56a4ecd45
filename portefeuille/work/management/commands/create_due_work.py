"""`portefeuille work-recurrences [--date YYYY-MM-DD]` (also `create_due_work`): the daily
run of recurring work (docs/work.md). Creates the next item of every series whose next date
has come, as the task queue does when an item is completed; run it once a day from cron."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portefeuille.work.recurrence import create_next_item, due_recurrences


class Command(BaseCommand):
    help = (
        "Creates the next work item of every recurring series whose next start (or due) date "
        "has come and that has no next item yet. Each item is created once: running it twice "
        "the same day creates nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            default=None,
            help="The day to run for, YYYY-MM-DD (default: today, in the site's time zone).",
        )

    def handle(self, *args: Any, date: str | None, **options: Any) -> None:
        if date is None:
            today = timezone.localdate()
        else:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: expected YYYY-MM-DD, got {date!r}.") from None
        created = 0
        # One transaction per item (create_next_item): one that fails leaves the others.
        for item_id in due_recurrences(today):
            if create_next_item(item_id=item_id) is not None:
                created += 1
        self.stdout.write(f"{created} recurring work item(s) created for {today.isoformat()}.")
