"""`portefeuille fetch-inbox` (also `fetch_inbox`): reads the unread messages of the shared
inbox's IMAP mailbox into the firm's inbox (docs/inbox.md, inbox/mailbox.py). Run it every
few minutes from cron, on one machine; a run that cannot reach the server tries again a few
times, then says so on stderr and exits with a non-zero status, nothing lost."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portefeuille.inbox.mailbox import MailboxConfig, MailboxUnavailable, fetch_mailbox


class Command(BaseCommand):
    help = (
        "Reads the unread messages of the shared inbox's IMAP mailbox (INBOX_IMAP_* settings) "
        "into the firm's inbox: each is stored once, then marked read; a malformed one is kept "
        "for the admins. An unreachable server is tried again, then reported (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--attempts", type=int, default=4, help="Connections tried before giving up (4)."
        )
        parser.add_argument(
            "--backoff",
            type=float,
            default=5.0,
            help="Seconds before the second attempt, doubled after each one (5).",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Read at most this many messages."
        )

    def handle(
        self, *args: Any, attempts: int, backoff: float, limit: int | None, **options: Any
    ) -> None:
        config = MailboxConfig.from_settings()
        try:
            report = fetch_mailbox(
                config, attempts=attempts, backoff=max(0.0, backoff), limit=limit
            )
        except MailboxUnavailable as error:
            raise CommandError(f"fetch_inbox: {error}") from error
        self.stdout.write(report.summary())
        if report.errors:
            raise CommandError(
                f"fetch_inbox: {report.errors} message(s) could not be stored; they stay unread "
                "and will be read again on the next run."
            )
