"""`fetch_inbox` against a real IMAP server (pymap, in-memory, on this machine) (docs/inbox.md,
"Inbound e-mail"): a message delivered into the mailbox becomes a reply on its ticket and
its assignee is told; each is stored once and marked read only once stored, a crash in
between costing nothing; a malformed one is kept; a server that is down is tried again, then
reported, nothing lost; a refused login is reported at once."""

from __future__ import annotations

import imaplib
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from portefeuille.firms.models import Colleague, Firm
from portefeuille.inbox import mailbox, services
from portefeuille.inbox.models import InboundFailure, Ticket, TicketMessage
from portefeuille.notifications.reading import readable
from portefeuille.testing.factories import ClientFactory, EmailAddressFactory

from .conftest import eml

pytestmark = pytest.mark.django_db

USER, PASSWORD = "accueil", "mot-de-passe"
PYMAP = Path(sys.executable).with_name("pymap")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ImapServer:
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 — our own test server, fixed arguments
            [
                str(PYMAP),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-tls",
                "dict",
                "--demo-user",
                USER,
                "--demo-password",
                PASSWORD,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the IMAP test server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port)
        connection.login(USER, PASSWORD)
        connection.select("INBOX")
        return connection

    def deliver(self, raw: bytes) -> None:
        """A message arrives in the mailbox, unread."""
        connection = self.client()
        status, _data = connection.append("INBOX", None, None, raw)
        assert status == "OK"
        connection.logout()

    def unseen(self) -> int:
        connection = self.client()
        _status, data = connection.uid("SEARCH", "UNSEEN")
        connection.logout()
        return len(data[0].split())


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    server = ImapServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configured(settings: Any, firm: Firm) -> Any:
    def configure(port: int, password: str = PASSWORD) -> None:
        settings.INBOX_IMAP_HOST = "127.0.0.1"
        settings.INBOX_IMAP_PORT = port
        settings.INBOX_IMAP_USER = USER
        settings.INBOX_IMAP_PASSWORD = password
        settings.INBOX_IMAP_SECURITY = "plain"
        settings.INBOX_IMAP_FOLDER = "INBOX"
        settings.INBOX_IMAP_TIMEOUT = 5
        settings.INBOX_FIRM_ID = firm.pk

    return configure


def fetch(*args: str) -> str:
    out = StringIO()
    call_command("fetch_inbox", "--backoff", "0", *args, stdout=out)
    return out.getvalue()


def test_a_message_delivered_to_the_mailbox_becomes_a_reply_and_its_assignee_is_told(
    imap: ImapServer,
    configured: Any,
    firm: Firm,
    admin: Colleague,
    agent: Colleague,
    django_capture_on_commit_callbacks: Any,
) -> None:
    configured(imap.port)
    client = ClientFactory.create(firm=firm, display_name="Dupain SARL")
    EmailAddressFactory.create(contact=client, firm=firm, address="paul@dupain.example")
    imap.deliver(eml("paul@dupain.example", "Bilan 2026", "Bonjour", "<q1@dupain.example>"))

    first = fetch()
    ticket = Ticket.objects.get(firm=firm)
    services.assign_ticket(actor=admin, ticket=ticket, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_to_ticket(actor=admin, ticket=ticket, body="Bien reçu.")
    imap.deliver(
        eml(
            "paul@dupain.example",
            "Re: Bilan 2026",
            "Merci !",
            "<q2@dupain.example>",
            reply.message_id,
        )
    )
    second = fetch()
    third = fetch()

    assert "1 stored" in first
    assert ticket.client == client
    assert "1 stored" in second
    assert "0 stored" in third
    kinds = list(TicketMessage.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["inbound", "reply", "inbound"]
    assert TicketMessage.objects.filter(ticket=ticket).last().body == "Merci !"  # type: ignore[union-attr]
    replied = [n for n in readable(agent) if n.kind == "inbox.client_replied"]
    assert len(replied) == 1
    assert replied[0].record_id == ticket.pk
    assert imap.unseen() == 0


def test_a_message_stored_before_a_crash_is_read_again_and_stored_once(
    imap: ImapServer, configured: Any, firm: Firm
) -> None:
    configured(imap.port)
    raw = eml("x@y.example", "Question", "?", "<crash@y.example>")
    imap.deliver(raw)
    # A run stored it, then died before marking it read: it is still unread.
    services.receive_email(firm=firm, raw=raw, source="imap")
    assert imap.unseen() == 1

    out = fetch()

    assert "0 stored, 1 already stored" in out
    assert TicketMessage.objects.filter(message_id="<crash@y.example>").count() == 1
    assert imap.unseen() == 0


def test_a_message_without_message_id_read_twice_is_stored_once(
    imap: ImapServer, configured: Any, firm: Firm
) -> None:
    configured(imap.port)
    raw = eml("x@y.example", "Sans identifiant", "?")
    imap.deliver(raw)
    services.receive_email(firm=firm, raw=raw, source="imap")

    fetch()

    assert Ticket.objects.filter(subject="Sans identifiant").count() == 1
    assert TicketMessage.objects.count() == 1


def test_a_malformed_message_is_kept_and_the_others_are_stored(
    imap: ImapServer, configured: Any, firm: Firm
) -> None:
    configured(imap.port)
    imap.deliver(b"Subject: no sender\r\n\r\nwho wrote this?\r\n")
    imap.deliver(eml("x@y.example", "Question", "?", "<ok@y.example>"))

    out = fetch()

    assert "1 stored" in out
    assert "1 kept as malformed" in out
    (failure,) = InboundFailure.objects.filter(firm=firm)
    assert failure.source == "imap"
    assert bytes(failure.raw).startswith(b"Subject: no sender")
    assert "From" in failure.reason
    assert Ticket.objects.filter(firm=firm).count() == 1
    assert imap.unseen() == 0


def test_a_server_that_is_down_is_tried_again_then_reported_nothing_lost(
    configured: Any, firm: Firm, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there: the connection is refused
    configured(port)

    with (
        caplog.at_level(logging.WARNING, logger="portefeuille.inbox.mailbox"),
        pytest.raises(CommandError) as refused,
    ):
        fetch("--attempts", "3")

    assert "after 3 attempt(s)" in str(refused.value)
    assert "nothing was marked read" in str(refused.value)
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 4
    assert not Ticket.objects.exists()
    assert not InboundFailure.objects.exists()


def test_a_server_back_before_the_next_attempt_is_read_and_nothing_is_lost(
    configured: Any, firm: Firm
) -> None:
    server = ImapServer(port=free_port())
    configured(server.port)
    pauses: list[float] = []

    def pause_then_start(seconds: float) -> None:
        # The server comes back during the pause after the first refused attempt.
        pauses.append(seconds)
        if server.process is None:
            server.start()
            server.deliver(eml("x@y.example", "Après la panne", "?", "<late@y.example>"))

    try:
        report = mailbox.fetch_mailbox(
            mailbox.MailboxConfig.from_settings(), attempts=4, backoff=2, sleep=pause_then_start
        )
        unseen = server.unseen()
    finally:
        server.stop()

    assert report.attempts == 2
    assert pauses == [2]
    assert report.stored == 1
    assert Ticket.objects.get(firm=firm).subject == "Après la panne"
    assert unseen == 0


def test_the_pauses_between_attempts_grow(configured: Any, firm: Firm) -> None:
    configured(free_port())
    pauses: list[float] = []

    with pytest.raises(mailbox.MailboxUnavailable):
        mailbox.fetch_mailbox(
            mailbox.MailboxConfig.from_settings(), attempts=4, backoff=1.5, sleep=pauses.append
        )

    assert pauses == [1.5, 3.0, 6.0]


def test_a_refused_login_is_reported_at_once(imap: ImapServer, configured: Any, firm: Firm) -> None:
    configured(imap.port, password="wrong")
    pauses: list[float] = []
    imap.deliver(eml("x@y.example", "Question", "?", "<login@y.example>"))

    with pytest.raises(mailbox.MailboxRefused) as refused:
        mailbox.fetch_mailbox(mailbox.MailboxConfig.from_settings(), sleep=pauses.append)

    assert "login refused" in str(refused.value)
    assert pauses == []
    assert imap.unseen() == 1


def test_a_missing_configuration_is_said(settings: Any) -> None:
    settings.INBOX_IMAP_HOST = ""
    settings.INBOX_FIRM_ID = None

    with pytest.raises(CommandError) as refused:
        fetch()

    assert "INBOX_IMAP_HOST is not set." in str(refused.value)
    assert "INBOX_FIRM_ID is not set." in str(refused.value)


def test_the_task_reads_the_mailbox_in_the_worker(
    imap: ImapServer, configured: Any, firm: Firm
) -> None:
    configured(imap.port)
    imap.deliver(eml("x@y.example", "Par le worker", "?", "<task@y.example>"))

    result = mailbox.fetch_inbox_task.enqueue(attempts=1, backoff=0)

    assert result.return_value == {"stored": 1, "duplicates": 0, "failures": 0, "errors": 0}
    assert Ticket.objects.get(firm=firm).subject == "Par le worker"
