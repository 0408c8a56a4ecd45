"""Reading the shared inbox's mailbox over IMAP (docs/inbox.md, "Inbound e-mail"): the
management command `fetch_inbox` (`portefeuille fetch-inbox`) and the task
`fetch_inbox_task` run this.

Each unread (UNSEEN) message of the folder is fetched without marking it read
(BODY.PEEK[]), handed to `receive_email` in its own transaction, and marked \\Seen only
after it was stored — or, when malformed, kept as an InboundFailure. A crash in between
leaves it unread: the next run reads it again and the Message-ID dedupe stores it once.
Nothing is lost, nothing is doubled. A message whose storing failed otherwise (the
database, say) is left unread for the next run and counted as an error.

A server that cannot be reached (refused, timed out, TLS failure, dropped connection) is
tried again with a growing pause, a few times, then reported as MailboxUnavailable: nothing
was marked read that was not stored. A refused login is reported at once (trying again
would not help, and could lock the account).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from portefeuille.firms.models import Firm

from . import services

logger = logging.getLogger(__name__)

SECURITIES = ("ssl", "starttls", "plain")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "plain": 143}


class MailboxUnavailable(Exception):
    """The mailbox could not be read (after the retries): nothing was lost."""


class MailboxRefused(MailboxUnavailable):
    """The server refused the login or the folder: not retried."""


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str
    security: str = "ssl"
    folder: str = "INBOX"
    firm_id: int | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> MailboxConfig:
        """The mailbox of the INBOX_IMAP_* settings (docs/deployment.md)."""
        security = str(getattr(settings, "INBOX_IMAP_SECURITY", "ssl") or "ssl").lower()
        port = getattr(settings, "INBOX_IMAP_PORT", None)
        return cls(
            host=str(getattr(settings, "INBOX_IMAP_HOST", "") or ""),
            port=int(port) if port else DEFAULT_PORTS.get(security, 993),
            user=str(getattr(settings, "INBOX_IMAP_USER", "") or ""),
            password=str(getattr(settings, "INBOX_IMAP_PASSWORD", "") or ""),
            security=security,
            folder=str(getattr(settings, "INBOX_IMAP_FOLDER", "") or "INBOX"),
            firm_id=getattr(settings, "INBOX_FIRM_ID", None),
            timeout=float(getattr(settings, "INBOX_IMAP_TIMEOUT", 30) or 30),
        )

    def problems(self) -> list[str]:
        """What is missing or wrong in the configuration (empty: ready)."""
        found = []
        if not self.host:
            found.append("INBOX_IMAP_HOST is not set.")
        if not self.user:
            found.append("INBOX_IMAP_USER is not set.")
        if self.security not in SECURITIES:
            found.append(f"INBOX_IMAP_SECURITY must be one of {', '.join(SECURITIES)}.")
        if self.firm_id is None:
            found.append("INBOX_FIRM_ID is not set.")
        return found


@dataclass
class FetchReport:
    """What one run did."""

    stored: int = 0  # new messages on tickets
    duplicates: int = 0  # already stored (read again after a crash, or twice)
    failures: int = 0  # malformed: kept as InboundFailure
    errors: int = 0  # could not be stored: left unread for the next run
    attempts: int = 0  # connections tried
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.stored} stored, {self.duplicates} already stored, "
            f"{self.failures} kept as malformed, {self.errors} left unread after an error "
            f"({self.attempts} connection attempt(s))."
        )


def _connect(config: MailboxConfig, ssl_context: ssl.SSLContext | None) -> imaplib.IMAP4:
    if config.security == "ssl":
        return imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl_context, timeout=config.timeout
        )
    connection = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        connection.starttls(ssl_context=ssl_context or ssl.create_default_context())
    return connection


def _check(answer: tuple[str, Any], what: str) -> Any:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def _raw_message(data: Any) -> bytes | None:
    """The message's bytes in a FETCH answer: the literal of its (… BODY[] {n}) part."""
    for part in data or ():
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def _store_one(firm: Firm, raw: bytes, report: FetchReport) -> bool:
    """Stores one message in its own transaction (or keeps it as a failure); whether it may
    be marked read."""
    try:
        try:
            with transaction.atomic():
                message = services.receive_email(firm=firm, raw=raw, source="imap")
        except services.MalformedEmail as error:
            reason = " ".join(str(m) for m in error.messages)
            with transaction.atomic():
                services.keep_failure(firm=firm, raw=raw, source="imap", reason=reason)
            report.failures += 1
            logger.warning("inbox: malformed e-mail kept as a failure: %s", reason)
            return True
    except Exception:  # the database, say: the message stays unread for the next run
        report.errors += 1
        logger.exception("inbox: an e-mail could not be stored; left unread for the next run")
        return False
    if message is None:
        report.duplicates += 1
    else:
        report.stored += 1
    return True


def _read_once(
    config: MailboxConfig,
    firm: Firm,
    report: FetchReport,
    ssl_context: ssl.SSLContext | None,
    limit: int | None,
) -> None:
    connection = _connect(config, ssl_context)
    try:
        try:
            connection.login(config.user, config.password)
        except imaplib.IMAP4.error as error:
            raise MailboxRefused(f"login refused by {config.host}: {error}") from None
        status, data = connection.select(_quoted(config.folder))
        if status != "OK":
            raise MailboxRefused(f"folder {config.folder!r} cannot be opened: {data!r}")
        uids = _check(connection.uid("SEARCH", "UNSEEN"), "SEARCH")[0].split()
        for uid in uids[:limit] if limit is not None else uids:
            fetched = _check(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = _raw_message(fetched)
            if raw is None:  # deleted meanwhile by another reader
                continue
            if _store_one(firm, raw, report):
                # Only now: a crash before this line leaves it unread, read again next time.
                _check(connection.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()


def _quoted(folder: str) -> str:
    return folder if folder.isalnum() else '"' + folder.replace('"', r"\"") + '"'


# What a failing connection raises: refused, unreachable, timed out, TLS, dropped, garbled.
TRANSIENT = (OSError, socket.timeout, ssl.SSLError, imaplib.IMAP4.abort, imaplib.IMAP4.error)


def fetch_mailbox(
    config: MailboxConfig,
    *,
    attempts: int = 4,
    backoff: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
    limit: int | None = None,
) -> FetchReport:
    """Reads the mailbox's unread messages into the firm's inbox (see the module). A server
    that cannot be reached is tried `attempts` times, pausing `backoff`, then twice as
    long…; then MailboxUnavailable. A refused login: MailboxRefused at once."""
    problems = config.problems()
    if problems:
        raise MailboxRefused(" ".join(problems))
    firm = Firm.objects.filter(pk=int(config.firm_id or 0)).first()
    if firm is None:
        raise MailboxRefused(f"INBOX_FIRM_ID {config.firm_id}: no such firm.")
    report = FetchReport()
    pause = backoff
    for attempt in range(1, max(1, attempts) + 1):
        report.attempts = attempt
        try:
            _read_once(config, firm, report, ssl_context, limit)
        except MailboxRefused:
            raise
        except TRANSIENT as error:
            problem = f"attempt {attempt}: {config.host}:{config.port}: {error!r}"
            report.problems.append(problem)
            logger.warning("inbox: mailbox unavailable, %s", problem)
            if attempt >= attempts:
                logger.error("inbox: mailbox unavailable after %s attempt(s)", attempt)
                raise MailboxUnavailable(
                    f"the mailbox {config.user}@{config.host}:{config.port} could not be read "
                    f"after {attempt} attempt(s); nothing was marked read that was not "
                    f"stored. Last error: {error!r}"
                ) from error
            sleep(pause)
            pause *= 2
        else:
            return report
    return report  # pragma: no cover — the loop returns or raises


@task()
def fetch_inbox_task(*, attempts: int = 4, backoff: float = 5.0) -> dict[str, int]:
    """The same run in the task worker (queue it from a scheduler): what it stored. Errors
    are logged and raised, so the worker records the task as failed."""
    report = fetch_mailbox(MailboxConfig.from_settings(), attempts=attempts, backoff=backoff)
    logger.info("inbox: %s", report.summary())
    return {
        "stored": report.stored,
        "duplicates": report.duplicates,
        "failures": report.failures,
        "errors": report.errors,
    }
