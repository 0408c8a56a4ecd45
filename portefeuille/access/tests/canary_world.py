"""The world of the canary sweep (docs/access-proofs.md): two firms built through the services,
as in life, where every fact a role may not see carries its own canary.

A canary is either a text token (`zq` and ten hex digits, inside a name, an e-mail, a note,
a card role, a document's name and content...), a literal (a phone number in each of its
written forms) or a record id. Every id of the world lies in a range no other number of a
page uses: before each firm is built, the next id of every table is moved to a range of
its own (firm A from 94 100 000, firm B from 95 100 000, 10 000 ids per table), so
"94 130 002" in an answer can only be that record.

Each canary is tagged with the roles that must never read it, from the levels the world is
built to give (written down in LEVELS, by construction, not computed by the rules).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import phonenumbers
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client as HttpClient
from PIL import Image, PngImagePlugin

from portefeuille.access import services as access
from portefeuille.access.holdings import holdings_of
from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OffboardingItem,
    OffboardingPlan,
    OwnerEntry,
    Portfolio,
    RoleAssignment,
)
from portefeuille.access.offboarding import create_offboarding_plan
from portefeuille.access.rules import Level, visible_clients
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import documents, timeline
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    Document,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
    TimelineItem,
)
from portefeuille.customfields import services as custom_fields
from portefeuille.customfields.models import CustomField
from portefeuille.exchange import imports
from portefeuille.exchange.models import Export, Import
from portefeuille.exchange.tasks import run_export
from portefeuille.firms import services as firms
from portefeuille.firms.models import (
    Colleague,
    ContactType,
    Firm,
    OpportunityStage,
    PersonalAccessToken,
    Privacy,
    Team,
    WorkStatus,
    WorkType,
)
from portefeuille.inbox import services as inbox
from portefeuille.inbox.models import Ticket, TicketMessage
from portefeuille.notifications.models import Notification
from portefeuille.sales import services as sales
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator
from portefeuille.work import services as work
from portefeuille.work.models import HomeVisit, Segment, Task, WorkItem, WorkNote

PASSWORD = "canary horse battery staple"
FIRM_A_IDS = 94_100_000
FIRM_B_IDS = 95_100_000
IDS_PER_TABLE = 10_000

# The roles of the sweep. ADMIN_A sees everything of firm A: its answers are the positive
# control (every canary of firm A must show to someone entitled to it) and must hold nothing
# of firm B.
ADMIN_A = "admin of firm A"
ADMIN_B = "admin of firm B"
STAFF = "staff of A, not linked"
LIMITED = "limited colleague of A"
DEACTIVATED_SESSION = "deactivated colleague's session"
DEACTIVATED_TOKEN = "deactivated colleague's token"
REACTIVATED_SESSION = "reactivated colleague's old session"
REACTIVATED_TOKEN = "reactivated colleague's old token"
ROLES = (
    ADMIN_B,
    STAFF,
    LIMITED,
    DEACTIVATED_SESSION,
    DEACTIVATED_TOKEN,
    REACTIVATED_SESSION,
    REACTIVATED_TOKEN,
    ADMIN_A,
)
SIGNED_OUT_ROLES = frozenset(
    {DEACTIVATED_SESSION, DEACTIVATED_TOKEN, REACTIVATED_SESSION, REACTIVATED_TOKEN}
)
TOKEN_ONLY_ROLES = frozenset({DEACTIVATED_TOKEN, REACTIVATED_TOKEN})
# Everyone who must read nothing at all of firm A.
OUTSIDERS_OF_A = frozenset({ADMIN_B} | SIGNED_OUT_ROLES)
# Everyone of firm A (signed out or not) must read nothing of firm B.
INSIDERS_OF_A = frozenset(set(ROLES) - {ADMIN_B})

NONE, NAME, FULL = 0, 1, 2


def token(fact: str) -> str:
    """The canary token of a fact: stable from run to run, so a failure can be replayed."""
    return "zq" + hashlib.sha256(fact.encode()).hexdigest()[:10]


@dataclass
class Canaries:
    """What each role must never read: text tokens, literals and ids, each with its fact."""

    texts: dict[str, set[str]] = field(default_factory=dict)  # token -> roles
    # A phone number's national significant digits ("612345678"): found in every way a
    # page may write it (E.164, national, international, with or without separators).
    literals: dict[str, set[str]] = field(default_factory=dict)
    ids: dict[int, set[str]] = field(default_factory=dict)  # record id -> roles
    facts: dict[str, str] = field(default_factory=dict)  # token / literal / str(id) -> fact

    def text(self, fact: str, hidden_from: Iterable[str]) -> str:
        found = token(fact)
        self.texts.setdefault(found, set()).update(hidden_from)
        self.facts[found] = fact
        return found

    def literal(self, value: str, fact: str, hidden_from: Iterable[str]) -> None:
        self.literals.setdefault(value, set()).update(hidden_from)
        self.facts[value] = fact

    def id(self, pk: int, fact: str, hidden_from: Iterable[str]) -> None:
        roles = set(hidden_from)
        if roles:
            self.ids.setdefault(pk, set()).update(roles)
            self.facts.setdefault(str(pk), fact)

    def hidden_from(self, role: str) -> tuple[set[str], set[str], set[int]]:
        return (
            {t for t, roles in self.texts.items() if role in roles},
            {v for v, roles in self.literals.items() if role in roles},
            {pk for pk, roles in self.ids.items() if role in roles},
        )


# ---------------------------------------------------------------------------------------
# Ids in ranges of their own.
# ---------------------------------------------------------------------------------------


def _tables() -> list[tuple[str, str]]:
    """(table, pk column) of every model with an integer primary key: ours and allauth's."""
    found: set[tuple[str, str]] = set()
    for model in apps.get_models():
        if not model.__module__.startswith(("portefeuille.", "allauth.")):
            continue
        pk = model._meta.pk
        if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            found.add((model._meta.db_table, str(pk.column)))
    return sorted(found)


def move_ids_to(base: int) -> None:
    """The next id of table number i becomes base + i * IDS_PER_TABLE + 1."""
    with connection.cursor() as cursor:
        for index, (table, column) in enumerate(_tables()):
            start = base + index * IDS_PER_TABLE
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, true)",
                    [table, column, start],
                )
            elif connection.vendor == "sqlite":
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                )
            else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL only
                raise NotImplementedError(connection.vendor)


# ---------------------------------------------------------------------------------------
# Contents carrying canaries.
# ---------------------------------------------------------------------------------------


def _phone(seed: str) -> str:
    """A valid French mobile number in E.164, different for every seed."""
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    for attempt in itertools.count():
        number = f"+336{(digest + attempt * 7919) % 90_000_000 + 10_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number
    raise AssertionError("unreachable")


def png_with(text: str) -> bytes:
    """A small PNG whose text chunk carries a canary (an avatar's file must not leak)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 120, 200)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def eml(*, subject: str, sender: str, body: str, attachment: tuple[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Cabinet <accueil@cabinet.example>"
    message["Subject"] = subject
    message["Date"] = "Tue, 14 Oct 2025 09:30:00 +0200"
    message["Message-ID"] = f"<{subject.split()[-1]}@ondine.example>"
    message.set_content(body)
    name, content = attachment
    message.add_attachment(content, maintype="text", subtype="plain", filename=name)
    return message.as_bytes()


# ---------------------------------------------------------------------------------------
# The world.
# ---------------------------------------------------------------------------------------


@dataclass
class Item:
    """A record a route names by id, with the contact it hangs off (for nested routes)."""

    pk: int
    contact: int | None = None
    # A card hangs off two contacts: its person is the second one.
    also: int | None = None


@dataclass
class FirmWorld:
    firm: Firm
    admin: Colleague
    colleagues: dict[str, Colleague] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    # kind of id parameter ("email", "card"...) -> name -> the record.
    items: dict[str, dict[str, Item]] = field(default_factory=dict)
    # The records with people of their own (opportunities, projects, invoices, tickets) ->
    # the roles of LEVELS built to read them (by construction: their client in full, or a
    # place on them). Everyone else of the firm must not.
    readers: dict[int, frozenset[str]] = field(default_factory=dict)

    def add_item(
        self, kind: str, name: str, pk: int, contact: Contact | None = None, also: int | None = None
    ) -> None:
        self.items.setdefault(kind, {})[name] = Item(pk, contact.pk if contact else None, also)

    def add_record(
        self, kind: str, name: str, pk: int, client: Contact | None, readers: Iterable[str]
    ) -> None:
        self.add_item(kind, name, pk, client)
        self.readers[pk] = frozenset(readers)


@dataclass
class World:
    a: FirmWorld
    b: FirmWorld
    canaries: Canaries
    # role -> signed-in browser (web pages, and the API through the session), API token.
    browsers: dict[str, HttpClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    own_firm: dict[str, FirmWorld] = field(default_factory=dict)


# The client monitor's every column (exchange/monitor.py), for the exports of the world.
MONITOR_EVERY_COLUMN = (
    "col=name,code,kind,type,privacy,owner,manager,role_1,role_2,role_3,portfolio,email,"
    "open_work,last_activity,created"
)

# What each role of firm A was built to see of firm A's contacts (§6, by construction):
# STAFF is on no client team (full scope: public in full, private by name, hidden not at
# all); LIMITED is a member of O's and G's teams only, and reads the persons with a card
# at O by their privacy (« CRM limité »: PU in full, P by name, H not at all). LEVELS is the
# expectation the canaries are tagged from; the rules themselves are held against a
# reference elsewhere.
CONTACT_NAMES = ("O", "PU", "PS", "O2", "G", "P", "H", "HO", "HG", "HS")
LEVELS: dict[str, dict[str, int]] = {
    STAFF: {
        "O": FULL,
        "PU": FULL,
        "PS": FULL,
        "O2": FULL,
        "G": FULL,
        "P": NAME,
        "H": NONE,
        "HO": NONE,
        "HG": NONE,
        "HS": NONE,
    },
    LIMITED: {
        name: {"O": FULL, "G": FULL, "PU": FULL, "P": NAME}.get(name, NONE)
        for name in CONTACT_NAMES
    },
}
# The hidden client HS whose NAME (and id) STAFF and LIMITED read all the same, on the
# records they have a place on (docs/access-rules.md, "their own people"); nothing else of it.
NAMED_THROUGH_RECORDS: dict[str, frozenset[str]] = {
    STAFF: frozenset({"HS"}),
    LIMITED: frozenset({"HS"}),
}


class Builder:
    """Builds one firm through the services, registering its canaries as it goes."""

    def __init__(self, canaries: Canaries, label: str, outsiders: frozenset[str]) -> None:
        self.c = canaries
        self.label = label
        # Roles that must read nothing of this firm.
        self.outsiders = outsiders

    def t(self, fact: str, *also: str) -> str:
        """A text canary of this firm, hidden from its outsiders and from `also`."""
        return self.c.text(f"{self.label}: {fact}", self.outsiders | set(also))

    def phone(self, fact: str, *also: str) -> str:
        number = _phone(f"{self.label}: {fact}")
        significant = str(phonenumbers.parse(number).national_number)
        self.c.literal(significant, f"{self.label}: {fact}", self.outsiders | set(also))
        return number


def _details(b: Builder, admin: Colleague, contact: Contact, tag: str, *hidden_from: str) -> None:
    """Every kind of detail on a contact, each with its canary."""
    contacts.add_email(
        actor=admin, contact=contact, address=f"{b.t(f'{tag} e-mail', *hidden_from)}@ondine.example"
    )
    contacts.add_phone(actor=admin, contact=contact, number=b.phone(f"{tag} phone", *hidden_from))
    contacts.add_address(
        actor=admin,
        contact=contact,
        street=f"12 rue {b.t(f'{tag} street', *hidden_from)}",
        city=f"Ville {b.t(f'{tag} city', *hidden_from)}",
        postal_code="1200",
        country="CH",
    )
    contacts.add_social_handle(
        actor=admin, contact=contact, network="linkedin", handle=b.t(f"{tag} handle", *hidden_from)
    )
    contacts.update_contact(
        actor=admin,
        contact=Contact.objects.get(pk=contact.pk),
        description=f"Description {b.t(f'{tag} description', *hidden_from)}",
        client_code=b.t(f"{tag} client code", *hidden_from),
        legal_name=f"SA {b.t(f'{tag} legal name', *hidden_from)}",
        country="CH",
        company_number=b.t(f"{tag} company number", *hidden_from),
        vat_number="CHE" + b.t(f"{tag} VAT number", *hidden_from),
        tax_number=b.t(f"{tag} tax number", *hidden_from),
        notes=f"Notes {b.t(f'{tag} notes', *hidden_from)}",
        # A person shows a VAT number only when self-employed.
        employment_status="self_employed" if contact.kind == Contact.Kind.PERSON else "",
    )


def _timeline(
    b: Builder,
    admin: Colleague,
    contact: Contact,
    tag: str,
    world: FirmWorld,
    *hidden_from: str,
    email_hidden_from: tuple[str, ...] = (),
) -> None:
    """A note, a logged e-mail with an attachment and a document, each with its canaries
    (the e-mail's also hidden from `email_hidden_from`)."""
    note = timeline.add_note(
        actor=admin, client=contact, body=f"Note **{b.t(f'{tag} note', *hidden_from)}**"
    )
    mail_hidden = (*hidden_from, *email_hidden_from)
    world.add_item("timeline_item", f"{tag} note", note.pk, contact)
    raw = eml(
        subject=f"Objet {b.t(f'{tag} e-mail subject', *mail_hidden)}",
        sender=f"Expéditeur <{b.t(f'{tag} e-mail sender', *mail_hidden)}@ondine.example>",
        body=f"Corps {b.t(f'{tag} e-mail body', *mail_hidden)}",
        attachment=(
            f"Piece {b.t(f'{tag} attachment name', *mail_hidden)}.txt",
            f"Contenu {b.t(f'{tag} attachment content', *mail_hidden)}\n".encode(),
        ),
    )
    logged = timeline.log_email(actor=admin, client=contact, file=io.BytesIO(raw), size=len(raw))
    world.add_item("timeline_item", f"{tag} e-mail", logged.item.pk, contact)
    for attachment in Document.objects.filter(email=logged.item):
        world.add_item("document", f"{tag} attachment", attachment.pk, contact)
    content = f"Contenu {b.t(f'{tag} document content', *hidden_from)}\n".encode()
    document = documents.upload_document(
        actor=admin,
        client=contact,
        file=SimpleUploadedFile("bilan.txt", content, "text/plain"),
        name=f"Bilan {b.t(f'{tag} document name', *hidden_from)}.txt",
        size=len(content),
    )
    world.add_item("document", f"{tag} document", document.pk, contact)


def _rows(
    world: FirmWorld, kind: str, model: type[models.Model], tag: str, contact: Contact
) -> None:
    for pk in _values(model, "pk", contact=contact):
        world.add_item(kind, f"{tag} {kind} {pk}", pk, contact)


def _work(
    b: Builder,
    admin: Colleague,
    world: FirmWorld,
    client: Contact,
    tag: str,
    *,
    title_hidden_from: tuple[str, ...] = (),
    hidden_from: tuple[str, ...] = (),
    assignee: Colleague | None = None,
    task_assignees: tuple[Colleague | None, ...] = (None,),
    client_group: Contact | None = None,
    due: str = "",
) -> WorkItem:
    """A work item on `client` with its checklist and a note (docs/work.md). Its title is
    what NAME shows (hidden from `title_hidden_from`); its description, due date, tasks and
    note are FULL only (hidden from `hidden_from`)."""
    item = work.create_work_item(
        actor=admin,
        client=client,
        title=f"Dossier {b.t(f'{tag} work title', *title_hidden_from)}",
        assignee=assignee,
        description=f"Description **{b.t(f'{tag} work description', *hidden_from)}**",
        due_date=due or None,
        client_group=client_group,
        tasks=[
            {"title": f"Tâche {b.t(f'{tag} task {n}', *hidden_from)}", "assignee": who}
            for n, who in enumerate(task_assignees)
        ],
    )
    if due:
        # The due date as literals (its ISO form's 8 digits, and its short forms).
        date_literals(b, datetime.date.fromisoformat(due), f"{tag} work due date", *hidden_from)
    note = work.add_work_note(
        actor=admin, item=item, body=f"Note *{b.t(f'{tag} work note', *hidden_from)}*"
    )
    world.add_item("work_item", f"{tag} work item", item.pk, client)
    for task in Task.objects.filter(work_item=item).order_by("pk"):
        world.add_item("task", f"{tag} task {task.pk}", task.pk, client, also=item.pk)
    world.add_item("work_note", f"{tag} work note", note.pk, client, also=item.pk)
    return item


# ---------------------------------------------------------------------------------------
# Sales and service records (docs/access-rules.md, "their own people"): each is seen by
# whoever sees its client in full and by its own people. `readers` says, by construction,
# which roles of LEVELS read it; its canaries are hidden from the others.
# ---------------------------------------------------------------------------------------


def _not_readers(readers: Iterable[str]) -> tuple[str, ...]:
    """The roles of LEVELS that may not read a record read by `readers`."""
    chosen = set(readers)
    return tuple(role for role in LEVELS if role not in chosen)


def _digest(b: Builder, fact: str) -> int:
    return int(hashlib.sha256(f"{b.label}: {fact}".encode()).hexdigest(), 16)


def _free(c: Canaries, *values: str) -> bool:
    """Whether no literal of the world holds one of `values`, nor is held by one (each
    literal must name one fact only)."""
    return not any(v in known or known in v for v in values for known in c.literals)


def _amount(b: Builder, fact: str, *hidden_from: str) -> Decimal:
    """An amount whose 8 integer digits are a literal (found whatever groups them: « 12 345
    678,90 € », « €12,345,678.90 », "12345678.90"); never in the ids' ranges."""
    digest = _digest(b, fact)
    whole = 10_000_000 + digest % 80_000_000
    while not _free(b.c, str(whole)):
        whole += 1
    b.c.literal(str(whole), f"{b.label}: {fact}", b.outsiders | set(hidden_from))
    return Decimal(f"{whole}.{digest % 100:02d}")


DATE_FORMS = ("%Y%m%d", "%d%m%Y", "%m%d%Y")


def date_literals(b: Builder, day: datetime.date, fact: str, *hidden_from: str) -> None:
    """A date as literals: its ISO form's 8 digits, and its short forms (19/07/2031 in French,
    07/19/2031 in English), one fact."""
    for form in DATE_FORMS:
        b.c.literal(day.strftime(form), f"{b.label}: {fact}", b.outsiders | set(hidden_from))


def _day(
    b: Builder, fact: str, *hidden_from: str, after: datetime.date | None = None
) -> datetime.date:
    """A date of its own for a fact (in the 2030s and 2040s, or some days after `after`),
    registered as literals."""
    digest = _digest(b, fact)
    if after is not None:
        day = after + datetime.timedelta(days=20 + digest % 300)
    else:
        day = datetime.date(2033 + digest % 12, 1 + digest // 13 % 12, 1 + digest // 157 % 28)
    while not _free(b.c, *(day.strftime(form) for form in DATE_FORMS)):
        day += datetime.timedelta(days=1)
    date_literals(b, day, fact, *hidden_from)
    return day


def _opportunity(
    b: Builder,
    admin: Colleague,
    world: FirmWorld,
    client: Contact,
    tag: str,
    *,
    readers: Iterable[str] = (),
    assignee: Colleague,
    second: Colleague | None = None,
    currency: str = "EUR",
    stage: OpportunityStage | None = None,
) -> Opportunity:
    hidden = _not_readers(readers)
    found = sales.create_opportunity(
        actor=admin,
        client=client,
        title=f"Affaire {b.t(f'{tag} opportunity title', *hidden)}",
        assignee=assignee,
        second_assignee=second,
        value=_amount(b, f"{tag} opportunity value", *hidden),
        currency=currency,
        stage=stage,
        expected_close=_day(b, f"{tag} opportunity close date", *hidden),
    )
    world.add_record("opportunity", f"{tag} opportunity", found.pk, client, readers)
    return found


def _project(
    b: Builder,
    admin: Colleague,
    world: FirmWorld,
    client: Contact,
    tag: str,
    *,
    readers: Iterable[str] = (),
    manager: Colleague | None = None,
    collaborators: tuple[Colleague, ...] = (),
) -> Project:
    hidden = _not_readers(readers)
    start = _day(b, f"{tag} project start", *hidden)
    found = sales.create_project(
        actor=admin,
        client=client,
        name=f"Projet {b.t(f'{tag} project name', *hidden)}",
        manager=manager,
        start_date=start,
        end_date=_day(b, f"{tag} project end", *hidden, after=start),
        description=f"Description {b.t(f'{tag} project description', *hidden)}",
        collaborators=list(collaborators),
    )
    world.add_record("project", f"{tag} project", found.pk, client, readers)
    return found


def _invoice(
    b: Builder,
    admin: Colleague,
    world: FirmWorld,
    client: Contact,
    tag: str,
    *,
    readers: Iterable[str] = (),
    status: str = Invoice.Status.SENT,
) -> Invoice:
    hidden = _not_readers(readers)
    day = _day(b, f"{tag} invoice date", *hidden)
    found = sales.create_invoice(
        actor=admin,
        client=client,
        number=f"F-{b.t(f'{tag} invoice number', *hidden)}",
        date=day,
        due_date=_day(b, f"{tag} invoice due date", *hidden, after=day),
        amount=_amount(b, f"{tag} invoice amount", *hidden),
        status=status,
    )
    world.add_record("invoice", f"{tag} invoice", found.pk, client, readers)
    return found


def inbound(
    *, subject: str, sender: str, body: str, message_id: str, in_reply_to: str = ""
) -> bytes:
    """An e-mail as the shared inbox receives it (no attachment: a ticket keeps the text)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Cabinet <accueil@cabinet.example>"
    message["Subject"] = subject
    message["Date"] = "Wed, 15 Oct 2025 10:15:00 +0200"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def _message_id(b: Builder, fact: str) -> str:
    """A Message-ID of its own (no canary: no page shows it, so none could prove a thing)."""
    return f"<m{_digest(b, fact) % 16**12:012x}@ondine.example>"


def _ticket(
    b: Builder,
    admin: Colleague,
    world: FirmWorld,
    tag: str,
    *,
    readers: Iterable[str] = (),
    client: Contact | None = None,
    sender: str = "",
    assignee: Colleague | None = None,
    reassign_to: Colleague | None = None,
) -> Ticket:
    """A ticket of the shared inbox with an inbound e-mail, an internal note, a reply and the
    client's answer to it, each with its canaries. With `sender`, it arrives by e-mail from
    that address (its client: the contact of the firm with it, if any, which must be
    `client`); else it is written by the admin on `client`, its requester's address a canary
    of its own. With `reassign_to`, it is given to `assignee` (who is told) and then to
    `reassign_to` (the notification goes with the ticket)."""
    hidden = _not_readers(readers)
    subject = f"Demande {b.t(f'{tag} ticket subject', *hidden)}"
    name = f"Demandeur {b.t(f'{tag} ticket requester name', *hidden)}"
    if sender:
        address = sender
        received = inbox.receive_email(
            firm=world.firm,
            raw=inbound(
                subject=subject,
                sender=f"{name} <{address}>",
                body=f"Bonjour, {b.t(f'{tag} ticket first message', *hidden)}",
                message_id=_message_id(b, f"{tag} ticket message"),
            ),
        )
        assert received is not None
        ticket = Ticket.objects.get(pk=received.ticket_id)
        assert ticket.client_id == (client.pk if client else None), (tag, ticket.client_id)
        if assignee is not None:
            ticket = inbox.assign_ticket(actor=admin, ticket=ticket, assignee=assignee)
    else:
        address = f"{b.t(f'{tag} ticket requester e-mail', *hidden)}@demandeur.example"
        ticket = inbox.create_ticket(
            actor=admin,
            subject=subject,
            requester_email=address,
            requester_name=name,
            body=f"Appel reçu : {b.t(f'{tag} ticket first message', *hidden)}",
            client=client,
            assignee=assignee,
        )
    inbox.add_ticket_note(
        actor=admin, ticket=ticket, body=f"Note interne {b.t(f'{tag} ticket note', *hidden)}"
    )
    reply = inbox.reply_to_ticket(
        actor=admin, ticket=ticket, body=f"Réponse {b.t(f'{tag} ticket reply', *hidden)}"
    )
    answered = inbox.receive_email(
        firm=world.firm,
        raw=inbound(
            subject=inbox.reply_subject(ticket),
            sender=f"{name} <{address}>",
            body=f"Merci, {b.t(f'{tag} ticket answer', *hidden)}",
            message_id=_message_id(b, f"{tag} ticket answer"),
            in_reply_to=reply.message_id,
        ),
    )
    assert answered is not None, tag
    assert answered.ticket_id == ticket.pk, tag
    if reassign_to is not None:
        inbox.assign_ticket(actor=admin, ticket=ticket.pk, assignee=reassign_to)
    world.add_record("ticket", f"{tag} ticket", ticket.pk, client, readers)
    for pk in _values(TicketMessage, "pk", ticket=ticket):
        world.add_item("ticket_message", f"{tag} ticket message {pk}", pk, client, also=ticket.pk)
    return ticket


def _sales_firm_a(
    b: Builder,
    w: FirmWorld,
    *,
    h: Contact,
    p: Contact,
    pu: Contact,
    ps: Contact,
    o: Contact,
    hs: Contact,
    stage: OpportunityStage,
) -> None:
    """Opportunities, projects, invoices and tickets of firm A, the most secret first (the
    sweep samples the records a role may not see in this order). STAFF is the assignee of an
    opportunity, a collaborator of a project and the assignee of a ticket on the hidden HS,
    and LIMITED the second assignee of another opportunity there: those records and HS's
    name are theirs, nothing else of HS. An opportunity on HS first given to STAFF, then to
    the member, and a ticket on PS first given to LIMITED, then to the member, are no longer
    theirs, nor the notifications about them (a ticket on PU, assigned to LIMITED, they
    read through PU's card at O). P is
    private: STAFF and LIMITED read its name, but no record of it (there is no name-only
    view of these records)."""
    admin = w.admin
    staff_one, limited_one, member = (w.colleagues[k] for k in ("staff", "limited", "member"))
    both = (STAFF, LIMITED)
    address = {
        key: EmailAddress.objects.filter(contact=contact).order_by("pk").first().address  # type: ignore[union-attr]
        for key, contact in (("H", h), ("P", p), ("PU", pu), ("O", o))
    }
    # H, hidden: nobody but the admins and its team.
    _opportunity(b, admin, w, h, "H", assignee=member)
    _project(b, admin, w, h, "H", manager=member)
    _invoice(b, admin, w, h, "H")
    _ticket(b, admin, w, "H", client=h, sender=address["H"], assignee=member)
    # HS, hidden: its team's records, and those of STAFF and LIMITED.
    _opportunity(b, admin, w, hs, "HS", assignee=member, currency="CHF")
    moved = _opportunity(b, admin, w, hs, "HS moved", assignee=staff_one)
    sales.update_opportunity(actor=admin, opportunity=moved, assignee=member)
    _invoice(b, admin, w, hs, "HS")
    _project(b, admin, w, hs, "HS", manager=member)
    _opportunity(b, admin, w, hs, "HS staff", readers={STAFF}, assignee=staff_one, second=member)
    _opportunity(
        b, admin, w, hs, "HS limited", readers={LIMITED}, assignee=member, second=limited_one
    )
    _project(
        b, admin, w, hs, "HS staff", readers={STAFF}, manager=member, collaborators=(staff_one,)
    )
    _ticket(b, admin, w, "HS staff", readers={STAFF}, client=hs, assignee=staff_one)
    # P, private: STAFF reads its name, not its records.
    _opportunity(b, admin, w, p, "P", assignee=member)
    _project(b, admin, w, p, "P", manager=member)
    _invoice(b, admin, w, p, "P", status=Invoice.Status.OVERDUE)
    _ticket(b, admin, w, "P", client=p, sender=address["P"], assignee=member)
    # PU, public, with a card at LIMITED's O: both read its records; a ticket given to
    # LIMITED, then to the member.
    _opportunity(b, admin, w, pu, "PU", readers=both, assignee=member)
    _project(b, admin, w, pu, "PU", readers=both, manager=member)
    _invoice(b, admin, w, pu, "PU", readers=both)
    _ticket(
        b,
        admin,
        w,
        "PU",
        readers=both,
        client=pu,
        sender=address["PU"],
        assignee=limited_one,
    )
    # PS, public, on no card at O: a ticket given to LIMITED, then to the member, is no
    # longer theirs, nor the notifications about it.
    _ticket(
        b,
        admin,
        w,
        "PS",
        readers={STAFF},
        client=ps,
        assignee=limited_one,
        reassign_to=member,
    )
    # No client yet: the shared inbox's, for every active colleague with full scope.
    _ticket(
        b,
        admin,
        w,
        "unknown sender",
        readers={STAFF},
        sender=f"{b.t('unknown sender address', LIMITED)}@inconnu.example",
    )
    # O, public, on LIMITED's team: everyone of the firm reads them.
    _opportunity(
        b, admin, w, o, "O", readers=both, assignee=limited_one, second=staff_one, stage=stage
    )
    _project(b, admin, w, o, "O", readers=both, collaborators=(staff_one, limited_one))
    _invoice(b, admin, w, o, "O", readers=both, status=Invoice.Status.PAID)
    _ticket(b, admin, w, "O", readers=both, client=o, sender=address["O"], assignee=limited_one)


def _sales_firm_b(
    b: Builder, w: FirmWorld, *, hb: Contact, ob: Contact, stage: OpportunityStage
) -> None:
    """Firm B's records, on a hidden and a public client, and a ticket with no client."""
    admin, staff_b = w.admin, w.colleagues["staff"]
    _opportunity(b, admin, w, hb, "HB", assignee=staff_b)
    _ticket(b, admin, w, "HB", client=hb, assignee=staff_b)
    _ticket(
        b, admin, w, "B unknown sender", sender=f"{b.t('unknown sender address')}@inconnu.example"
    )
    _opportunity(b, admin, w, ob, "OB", assignee=staff_b, stage=stage)
    _project(b, admin, w, ob, "OB", collaborators=(staff_b,))
    _invoice(b, admin, w, ob, "OB")
    address = EmailAddress.objects.filter(contact=ob).order_by("pk").first().address  # type: ignore[union-attr]
    _ticket(b, admin, w, "OB", client=ob, sender=address, assignee=staff_b)


def _custom_fields(b: Builder, w: FirmWorld, clients: dict[str, Contact]) -> None:
    """Custom fields (docs/custom-fields.md), shown as list columns: a text on contacts
    whose values carry canaries hidden from whoever does not see the contact in full, a User
    field naming STAFF on the hidden H and on H's invoice (it grants STAFF nothing), and a
    text on opportunities whose value goes with the opportunity (STAFF reads the one on HS
    assigned to them). An admin's private segment of the invoices list is theirs only."""
    admin = w.admin
    staff_one = w.colleagues["staff"]
    note = custom_fields.define_custom_field(
        actor=admin,
        area="contact",
        label=f"Note {b.t('contact field label')}",
        kind="text",
        in_list=True,
    )
    holder = custom_fields.define_custom_field(
        actor=admin, area="contact", label="Chargé de compte", kind="user", in_list=True
    )
    responsible = custom_fields.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user", in_list=True
    )
    source = custom_fields.define_custom_field(
        actor=admin, area="opportunity", label="Source", kind="text", in_list=True
    )
    for key, contact in clients.items():
        hidden = tuple(role for role, levels in LEVELS.items() if levels.get(key, FULL) < FULL)
        values: dict[int, Any] = {note.pk: f"Note {b.t(f'{key} custom note', *hidden)}"}
        if key == "H":
            values[holder.pk] = staff_one.pk
        custom_fields.set_custom_values(actor=admin, record=contact, values=values)
    records = {name: item.pk for name, item in w.items.get("invoice", {}).items()}
    if "H invoice" in records:
        custom_fields.set_custom_values(
            actor=admin,
            record=Invoice.objects.get(pk=records["H invoice"]),
            values={responsible.pk: staff_one.pk},
        )
    for name, item in w.items.get("opportunity", {}).items():
        readers = w.readers.get(item.pk, frozenset())
        custom_fields.set_custom_values(
            actor=admin,
            record=Opportunity.objects.get(pk=item.pk),
            values={source.pk: f"Salon {b.t(f'{name} custom source', *_not_readers(readers))}"},
        )
    segment = work.save_segment(
        actor=admin,
        name=f"Factures {b.t('admin invoice segment', *LEVELS)}",
        query={f"cf_{responsible.pk}": "me"},
        area=Segment.Area.INVOICES,
    )
    w.add_item("segment", "invoice segment of the admin", segment.pk)


def _import_of(who: Colleague) -> Import:
    seen = visible_clients(who, Level.NAME).values_list("display_name", flat=True)
    lines = ["Nom;Confidentialité", *(f"{name};masqué" for name in seen), "Nouveau Venu;masqué"]
    upload = SimpleUploadedFile("contacts.csv", "\n".join(lines).encode(), "text/csv")
    job = imports.start(actor=who, upload=upload)
    imports.set_mapping(actor=who, job=job, chosen=job.mapping)
    imports.analyse(job)
    return job


def build_firm_a(c: Canaries) -> FirmWorld:
    b = Builder(c, "A", OUTSIDERS_OF_A)
    firm, admin = firms.create_firm(
        name=f"Cabinet {b.t('firm name')}",
        admin_email=f"{b.t('admin e-mail')}@cabinet-a.example",
        admin_password=PASSWORD,
        admin_first_name="Adèle",
        admin_last_name=b.t("admin name"),
    )
    firms.update_firm_settings(actor=admin, general_email=f"{b.t('firm e-mail')}@cabinet-a.example")
    w = FirmWorld(firm=firm, admin=admin)
    w.colleagues["admin"] = admin

    def colleague(key: str, profile: str, scope: str, language: str = "fr") -> Colleague:
        found = firms.create_colleague(
            actor=admin,
            email=f"{b.t(f'{key} e-mail')}@cabinet-a.example",
            first_name=key.capitalize(),
            last_name=b.t(f"{key} name"),
            profile=profile,
            scope=scope,
            password=PASSWORD,
            language=language,
        )
        w.colleagues[key] = found
        return found

    staff, admin_p, full, limited = (
        Colleague.Profile.STAFF,
        Colleague.Profile.ADMIN,
        Colleague.Scope.FULL,
        Colleague.Scope.LIMITED,
    )
    colleague("staff", staff, full, language="en")  # reads the English pages
    limited_one = colleague("limited", staff, limited)
    member = colleague("member", staff, full)  # on the hidden clients' teams
    colleague("deactivated", admin_p, full)
    colleague("reactivated", admin_p, full)

    team = firms.create_team(actor=admin, name=f"Équipe {b.t('team name')}", members=[member])
    firms.set_role_slot_titles(
        actor=admin, titles={1: f"Associé {b.t('role slot 1')}", 2: f"Expert {b.t('role slot 2')}"}
    )
    contact_type = firms.create_contact_type(actor=admin, name=f"Type {b.t('contact type')}")
    firms.create_work_type(actor=admin, name=f"Travail {b.t('work type')}")
    stage = firms.create_opportunity_stage(
        actor=admin, name=f"Étape {b.t('opportunity stage')}", outcome="open"
    )
    entry = access.add_roster_owner(actor=admin, colleague=member)
    access.add_roster_owner(actor=admin, name=f"Maître {b.t('manual owner')}")
    portfolio = access.create_portfolio(
        actor=admin,
        name=f"Portefeuille {b.t('portfolio name')}",
        email=f"{b.t('portfolio e-mail')}@cabinet-a.example",
    )
    access.staff_portfolio(actor=admin, portfolio=portfolio, colleague=member)

    not_staff = (STAFF, LIMITED)  # hidden contacts: neither sees them
    only_full = (STAFF, LIMITED)  # details of private contacts: by name only for STAFF
    not_limited = (LIMITED,)

    # O, a public organization on LIMITED's team, with its own (visible) details.
    o = contacts.create_organization(
        actor=admin,
        display_name=f"Organisation Ondine {b.t('O name')}",
        privacy=Privacy.PUBLIC,
        website=f"https://{b.t('O website')}.example/",
        contact_type=contact_type,
        owner=entry,
    )
    _details(b, admin, o, "O")
    _timeline(b, admin, o, "O", w)
    access.add_client_member(actor=admin, client=o, colleague=limited_one)
    access.grant_access(actor=admin, client=o, team=team)

    # PU, a public person with a card at O: STAFF reads it (public), and so does LIMITED
    # (a card at one of their organizations).
    pu = contacts.create_person(
        actor=admin,
        first_name="Paul",
        last_name=f"Ondine {b.t('PU name')}",
        privacy=Privacy.PUBLIC,
        organization=o,
        role=f"Gérant {b.t('PU card role')}",
        emails=[f"{b.t('PU e-mail')}@ondine.example"],
    )
    # PS, a public person who does not share communication: an e-mail the admin logs on it
    # is seen by its author and the admins only.
    ps = contacts.create_person(
        actor=admin,
        first_name="Sam",
        last_name=f"Ondine {b.t('PS name', *not_limited)}",
        privacy=Privacy.PUBLIC,
        share_communication=False,
    )
    _timeline(b, admin, ps, "PS", w, *not_limited, email_hidden_from=(STAFF,))
    o2 = contacts.create_organization(
        actor=admin,
        display_name=f"Organisation Ondine {b.t('O2 name', *not_limited)}",
        privacy=Privacy.PUBLIC,
    )

    # H, a hidden person with a card at O (its role later renamed by the admin), every
    # detail, a timeline, documents, an avatar and a full client team.
    h = contacts.create_person(
        actor=admin,
        first_name="Hugo",
        last_name=f"Ondine {b.t('H name', *not_staff)}",
        privacy=Privacy.HIDDEN,
        organization=o,
        role=f"DAF {b.t('H card role', *not_staff)}",
        emails=[f"{b.t('H first e-mail', *not_staff)}@ondine.example"],
    )
    _details(b, admin, h, "H", *not_staff)
    _timeline(b, admin, h, "H", w, *not_staff)
    contacts.set_avatar(
        actor=admin,
        contact=h,
        image=SimpleUploadedFile("h.png", png_with(b.t("H avatar", *not_staff)), "image/png"),
    )
    access.set_owner(actor=admin, client=h, owner=entry)
    access.set_manager(actor=admin, client=h, manager=member)
    access.set_role_holder(actor=admin, client=h, slot=1, colleague=member)
    access.add_client_member(actor=admin, client=h, team=team)
    access.grant_access(actor=admin, client=h, colleague=member)
    access.move_client_to_portfolio(actor=admin, client=h, portfolio=portfolio)
    contacts.update_contact(
        actor=admin,
        contact=Contact.objects.get(pk=h.pk),
        first_name=f"Hugues {b.t('H renamed', *not_staff)}",
    )

    # P, a private person with a card at O: STAFF and LIMITED read its name, nothing else.
    p = contacts.create_person(
        actor=admin,
        first_name="Pia",
        last_name=f"Ondine {b.t('P name')}",
        privacy=Privacy.PUBLIC,
        organization=o,
        role=f"Conseil {b.t('P card role', *only_full)}",
    )
    access.set_privacy(actor=admin, client=p, privacy=Privacy.PRIVATE)
    _details(b, admin, p, "P", *only_full)
    _timeline(b, admin, p, "P", w, *only_full)
    access.set_manager(actor=admin, client=p, manager=member)
    access.set_role_holder(actor=admin, client=p, slot=2, colleague=member)
    access.grant_access(actor=admin, client=p, team=team)

    # The admin renames both card roles at O: the history of O must not tell their roles to
    # those who may not see H or P in full (docs/history.md).
    for person, fact, hidden in (
        ("H", "H card role renamed", not_staff),
        ("P", "P card role renamed", only_full),
    ):
        card = ContactCard.objects.get(organization=o, person=h if person == "H" else p)
        contacts.update_card(actor=admin, card=card, role=f"Directeur {b.t(fact, *hidden)}")

    # HO, a hidden organization where the public PU has a card.
    ho = contacts.create_organization(
        actor=admin,
        display_name=f"Holding Ondine {b.t('HO name', *not_staff)}",
        privacy=Privacy.HIDDEN,
        emails=[f"{b.t('HO e-mail', *not_staff)}@ondine.example"],
    )
    contacts.add_card(
        actor=admin,
        person=pu,
        organization=ho,
        role=f"Mandataire {b.t('PU card role at HO', *not_staff)}",
    )
    access.add_client_member(actor=admin, client=ho, colleague=member)

    # G, a public client group with a hidden member (H), a private one (P) and O; LIMITED is
    # on its team. HG, a hidden group holding O and PU.
    g = contacts.create_client_group(
        actor=admin,
        display_name=f"Groupe Ondine {b.t('G name')}",
        privacy=Privacy.PUBLIC,
        members=[o, p],
    )
    contacts.add_group_members(actor=admin, group=g, members=[h])
    access.add_client_member(actor=admin, client=g, colleague=limited_one)
    hg = contacts.create_client_group(
        actor=admin,
        display_name=f"Groupe Ondine {b.t('HG name', *not_staff)}",
        privacy=Privacy.HIDDEN,
        members=[o, pu],
    )
    contacts.update_contact(
        actor=admin,
        contact=Contact.objects.get(pk=hg.pk),
        display_name=f"Groupe Ondine {b.t('HG renamed', *not_staff)}",
    )

    # HS, a hidden organization whose records STAFF and LIMITED have places on (below): they
    # read its name there, and nothing else of it.
    hs = contacts.create_organization(
        actor=admin,
        display_name=f"Société Ondine {b.t('HS name')}",
        privacy=Privacy.HIDDEN,
        emails=[f"{b.t('HS first e-mail', *not_staff)}@ondine.example"],
    )
    _details(b, admin, hs, "HS", *not_staff)
    access.set_manager(actor=admin, client=hs, manager=member)

    # Work (docs/work.md), the most secret first. H's item names G, whose Work tab shows it
    # (to those who see H); P's names no group: P is in G only, so G's tab shows it too, by
    # title and status to STAFF and LIMITED (NAME on P).
    # Tasks on H and P assigned to STAFF and LIMITED: not in their « Mes tâches ».
    staff_one = w.colleagues["staff"]
    _work(
        b,
        admin,
        w,
        h,
        "H",
        title_hidden_from=not_staff,
        hidden_from=not_staff,
        assignee=member,
        task_assignees=(staff_one, limited_one, member),
        client_group=g,
        due="2031-07-19",
    )
    _work(
        b,
        admin,
        w,
        p,
        "P",
        hidden_from=only_full,
        assignee=member,
        task_assignees=(staff_one, limited_one),
        due="2031-08-23",
    )
    _work(b, admin, w, hg, "HG", title_hidden_from=not_staff, hidden_from=not_staff)
    _work(
        b,
        admin,
        w,
        pu,
        "PU",
        assignee=staff_one,
    )
    _work(b, admin, w, g, "G", assignee=limited_one, task_assignees=(limited_one,))
    _work(b, admin, w, o, "O", assignee=limited_one, task_assignees=(staff_one, limited_one))
    _work(b, admin, w, hs, "HS", title_hidden_from=not_staff, hidden_from=not_staff)
    # Opportunities, projects, invoices and tickets (docs/access-rules.md).
    _sales_firm_a(b, w, h=h, p=p, pu=pu, ps=ps, o=o, hs=hs, stage=stage)
    _custom_fields(b, w, {"H": h, "P": p, "O": o})
    # Saved filters: each colleague's own. The admin's names a secret of its own.
    for who, name, query in (
        (admin, f"Segment {b.t('admin segment', STAFF, LIMITED)}", {"client_owner": str(entry.pk)}),
        (staff_one, "Mes dossiers", {"mine": "1"}),
        (limited_one, "En retard", {"due": "overdue"}),
    ):
        segment = work.save_segment(actor=who, name=name, query=query)
        w.add_item("segment", f"segment of {who.first_name}", segment.pk)
    # Large exports of the client monitor (docs/exchange.md): each colleague's own, written
    # by the worker with their rights, every column; the admin's holds every client.
    for who in (admin, staff_one, limited_one):
        export = Export.objects.create(
            firm=w.firm, requester=who, state=MONITOR_EVERY_COLUMN, format="xlsx"
        )
        assert run_export.call(export_id=export.pk)
        w.add_item("export", f"export of {who.first_name}", export.pk)
    # Imports of contacts (docs/imports.md): each colleague's own, analysed with their
    # rights; its rows repeat the names of the contacts they see (likely duplicates, named
    # on the preview at their level), and any contact it creates is hidden.
    for who in (admin, staff_one, limited_one):
        job = _import_of(who)
        w.add_item("import", f"import of {who.first_name}", job.pk)

    # Notifications (docs/notifications.md): STAFF and LIMITED were each on H's team for a
    # moment (a notification each, sent with full access), then taken off it: H is hidden
    # from them again, and so are those notifications, in lists, counts and by id. STAFF was
    # also on P's team for a moment (P is private: named, no link) and on O's (public).
    for client, who in ((h, staff_one), (h, limited_one), (p, staff_one), (o, staff_one)):
        access.add_client_member(actor=admin, client=client, colleague=who)
        access.remove_client_member(actor=admin, client=client, colleague=who)

    # The most secret first: the sweep samples the records a role may not see in this order.
    for key, found in (
        ("H", h),
        ("HS", hs),
        ("P", p),
        ("HG", hg),
        ("HO", ho),
        ("PS", ps),
        ("PU", pu),
        ("O2", o2),
        ("G", g),
        ("O", o),
    ):
        w.contacts[key] = Contact.objects.get(pk=found.pk)
    return w


def build_firm_b(c: Canaries) -> FirmWorld:
    b = Builder(c, "B", INSIDERS_OF_A)
    firm, admin = firms.create_firm(
        name=f"Cabinet {b.t('firm name')}",
        admin_email=f"{b.t('admin e-mail')}@cabinet-b.example",
        admin_password=PASSWORD,
        admin_first_name="Bruno",
        admin_last_name=b.t("admin name"),
    )
    w = FirmWorld(firm=firm, admin=admin)
    w.colleagues["admin"] = admin
    w.colleagues["staff"] = firms.create_colleague(
        actor=admin,
        email=f"{b.t('staff e-mail')}@cabinet-b.example",
        first_name="Berthe",
        last_name=b.t("staff name"),
        profile=Colleague.Profile.STAFF,
        scope=Colleague.Scope.FULL,
        password=PASSWORD,
    )
    team = firms.create_team(
        actor=admin, name=f"Équipe {b.t('team name')}", members=[w.colleagues["staff"]]
    )
    firms.set_role_slot_titles(actor=admin, titles={1: f"Associé {b.t('role slot 1')}"})
    contact_type = firms.create_contact_type(actor=admin, name=f"Type {b.t('contact type')}")
    stage = firms.create_opportunity_stage(
        actor=admin, name=f"Étape {b.t('opportunity stage')}", outcome="open"
    )
    entry = access.add_roster_owner(actor=admin, colleague=w.colleagues["staff"])
    portfolio = access.create_portfolio(actor=admin, name=f"Portefeuille {b.t('portfolio name')}")
    ob = contacts.create_organization(
        actor=admin,
        display_name=f"Organisation Ondine {b.t('OB name')}",
        privacy=Privacy.PUBLIC,
        contact_type=contact_type,
        owner=entry,
    )
    _details(b, admin, ob, "OB")
    _timeline(b, admin, ob, "OB", w)
    hb = contacts.create_person(
        actor=admin,
        first_name="Hector",
        last_name=f"Ondine {b.t('HB name')}",
        privacy=Privacy.HIDDEN,
        organization=ob,
        role=f"DAF {b.t('HB card role')}",
    )
    _details(b, admin, hb, "HB")
    pb = contacts.create_person(
        actor=admin,
        first_name="Prune",
        last_name=f"Ondine {b.t('PB name')}",
        privacy=Privacy.PRIVATE,
    )
    gb = contacts.create_client_group(
        actor=admin,
        display_name=f"Groupe Ondine {b.t('GB name')}",
        privacy=Privacy.PUBLIC,
        members=[ob, hb],
    )
    access.set_manager(actor=admin, client=hb, manager=w.colleagues["staff"])
    access.grant_access(actor=admin, client=pb, team=team)
    access.move_client_to_portfolio(actor=admin, client=ob, portfolio=portfolio)
    access.set_role_holder(actor=admin, client=ob, slot=1, colleague=w.colleagues["staff"])
    staff_b = w.colleagues["staff"]
    _work(b, admin, w, hb, "HB", assignee=staff_b, client_group=gb, due="2032-03-17")
    _work(b, admin, w, pb, "PB", task_assignees=(staff_b,))
    _work(b, admin, w, ob, "OB", assignee=staff_b)
    _work(b, admin, w, gb, "GB")
    _sales_firm_b(b, w, hb=hb, ob=ob, stage=stage)
    _custom_fields(b, w, {"HB": hb, "OB": ob})
    segment = work.save_segment(
        actor=admin, name=f"Segment {b.t('admin segment')}", query={"mine": "1"}
    )
    w.add_item("segment", "segment of the admin", segment.pk)
    for key, found in (("HB", hb), ("PB", pb), ("GB", gb), ("OB", ob)):
        w.contacts[key] = Contact.objects.get(pk=found.pk)
    return w


def _collect_items(w: FirmWorld) -> None:
    """The records of the firm that routes name by id, by kind."""
    firm_id = w.firm.pk
    for key, contact in w.contacts.items():
        w.add_item("contact", key, contact.pk, contact)
        for kind, model in (
            ("email", EmailAddress),
            ("phone", PhoneNumber),
            ("address", PostalAddress),
            ("social_handle", SocialHandle),
        ):
            _rows(w, kind, model, key, contact)
        for grant in AccessGrant.objects.filter(client=contact):
            w.add_item("grant", f"{key} grant {grant.pk}", grant.pk, contact)
    for card in ContactCard.objects.filter(firm_id=firm_id).select_related(
        "person", "organization"
    ):
        name = f"card {card.person.display_name} at {card.organization.display_name}"
        w.add_item("card", name, card.pk, card.organization, also=card.person_id)
    for key, colleague in w.colleagues.items():
        w.add_item("colleague", key, colleague.pk)
    listed: tuple[tuple[type[models.Model], str], ...] = (
        (Team, "team"),
        (Portfolio, "portfolio"),
        (OwnerEntry, "owner_entry"),
        (ContactType, "contact_type"),
        (WorkType, "work_type"),
        (WorkStatus, "work_status"),
        (OpportunityStage, "opportunity_stage"),
        (CustomField, "custom_field"),
        (PersonalAccessToken, "token"),
        (OffboardingPlan, "offboarding_plan"),
        (OffboardingItem, "offboarding_item"),
    )
    # An offboarding plan (docs/offboarding.md) of a colleague who holds clients: its pages
    # name those clients, for the firm's admins only.
    for colleague in w.colleagues.values():
        if colleague.pk != w.admin.pk and colleague.is_active and holdings_of(colleague):
            create_offboarding_plan(actor=w.admin, colleague=colleague, action="deactivate")
            break
    for firm_model, kind in listed:
        for pk in _values(firm_model, "pk", firm_id=firm_id)[:3]:
            w.add_item(kind, f"{kind} {pk}", pk)
    # Every notification: each role's own, and the others' (the most secret first).
    contacts_by_id = {contact.pk: contact for contact in w.contacts.values()}
    for pk, client_id in _values(Notification, "pk", "client_id", firm_id=firm_id):
        w.add_item("notification", f"notification {pk}", pk, contacts_by_id.get(client_id))


# ---------------------------------------------------------------------------------------
# Id canaries: every id of a firm is hidden from its outsiders; inside firm A, from the
# roles whose levels (LEVELS) do not reach the record.
# ---------------------------------------------------------------------------------------


def _values(model: type[models.Model], *fields: str, **filters: Any) -> list[Any]:
    """`values_list` of any model (one field: flat)."""
    rows = model._default_manager.filter(**filters).order_by("pk")
    return list(rows.values_list(*fields, flat=len(fields) == 1))


def _firm_rows(firm: Firm) -> Iterator[tuple[str, models.Model]]:
    yield "Firm", firm
    for model in apps.get_models():
        if not model.__module__.startswith("portefeuille."):
            continue
        try:
            field_ = model._meta.get_field("firm")
        except Exception:  # noqa: S112 - not firm-scoped
            continue
        if getattr(field_, "related_model", None) is not Firm:
            continue
        for row in model._default_manager.filter(firm=firm):
            yield model.__name__, row


def records_through_doors(colleague: Colleague) -> set[int]:
    """The opportunities, projects, invoices and tickets the doors show `colleague`
    (access/scopes.py), to hold the world's `readers` against."""
    found: set[int] = set()
    for model in (Opportunity, Project, Invoice, Ticket):
        found |= set(model.objects.visible_to(colleague).values_list("pk", flat=True))
    return found


def records_built_for(firm_world: FirmWorld, role: str) -> set[int]:
    """The records of the firm the world was built to show `role` (its `readers`)."""
    return {pk for pk, roles in firm_world.readers.items() if role in roles}


def notifications_tagged_for(world: World, colleague: Colleague, role: str) -> set[int]:
    """The colleague's notifications that `tag_ids` leaves readable to `role` (held against
    notifications/reading.py: about a record, they follow the record)."""
    ids = world.canaries.ids
    return {
        pk for pk in _values(Notification, "pk", recipient=colleague) if role not in ids.get(pk, ())
    }


def tag_ids(world: World) -> None:
    c = world.canaries
    for firm_world, outsiders in ((world.a, OUTSIDERS_OF_A), (world.b, INSIDERS_OF_A)):
        for model_name, row in _firm_rows(firm_world.firm):
            if isinstance(row.pk, int):
                c.id(row.pk, f"{model_name} {row.pk} of firm {firm_world.firm.name}", outsiders)
    names = {contact.pk: key for key, contact in world.a.contacts.items()}
    hidden_emails = {
        item.pk
        for name, item in world.a.items.get("timeline_item", {}).items()
        if name == "PS e-mail"
    }
    for role, levels in LEVELS.items():
        level = {pk: levels[key] for pk, key in names.items()}
        me = world.a.colleagues["staff" if role == STAFF else "limited"]

        def hide(pk: int, fact: str, *, role: str = role) -> None:
            c.id(pk, fact, {role})

        for pk, key in names.items():
            if level[pk] == NONE and key not in NAMED_THROUGH_RECORDS.get(role, ()):
                hide(pk, f"contact {key}")
        firm = world.a.firm
        for detail in (EmailAddress, PhoneNumber, PostalAddress, SocialHandle):
            for pk, contact_id in _values(detail, "pk", "contact_id", firm=firm):
                if level.get(contact_id, NONE) < FULL:
                    hide(pk, f"{detail.__name__} of {names.get(contact_id)}")
        for record in (TimelineItem, Document, RoleAssignment, ClientMember, AccessGrant):
            for pk, client_id in _values(record, "pk", "client_id", firm=firm):
                if level.get(client_id, NONE) < FULL or (
                    pk in hidden_emails and record is TimelineItem
                ):
                    hide(pk, f"{record.__name__} of {names.get(client_id)}")
        for pk, email_id in _values(Document, "pk", "email_id", firm=firm, email__in=hidden_emails):
            hide(pk, f"attachment of the hidden e-mail {email_id}")
        for link, one, other in (
            (ContactCard, "person_id", "organization_id"),
            (GroupMembership, "group_id", "member_id"),
        ):
            for pk, x, y in _values(link, "pk", one, other, firm=firm):
                lx, ly = level.get(x, NONE), level.get(y, NONE)
                if not ((lx == FULL and ly >= NAME) or (ly == FULL and lx >= NAME)):
                    hide(pk, f"{link.__name__} between {names.get(x)} and {names.get(y)}")
        for pk, client_id in _values(AuditEvent, "pk", "client_id", firm=firm):
            if client_id is None or level.get(client_id, NONE) < FULL:
                hide(pk, f"audit event {pk} of {names.get(client_id, 'the firm')}")
        # Offboarding plans and their places are for the admins (docs/offboarding.md).
        for plan_model in (OffboardingPlan, OffboardingItem):
            for pk in _values(plan_model, "pk", firm=firm):
                hide(pk, f"{plan_model.__name__} {pk} (admins only)")
        # Work (docs/work.md): an item exists for whoever sees its client (NAME: its title
        # and status); its tasks and notes need FULL; segments and home visits are their
        # owner's.
        for pk, client_id in _values(WorkItem, "pk", "client_id", firm=firm):
            if level.get(client_id, NONE) == NONE:
                hide(pk, f"work item {pk} of {names.get(client_id)}")
        for work_record in (Task, WorkNote):
            for pk, client_id in _values(work_record, "pk", "work_item__client_id", firm=firm):
                if level.get(client_id, NONE) < FULL:
                    hide(pk, f"{work_record.__name__} {pk} of {names.get(client_id)}")
        for personal, owner_field in (
            (Segment, "owner_id"),
            (HomeVisit, "colleague_id"),
            (Export, "requester_id"),
            (Import, "requester_id"),
        ):
            for pk, owner_id in _values(personal, "pk", owner_field, firm=firm):
                if owner_id != me.pk:
                    hide(pk, f"{personal.__name__} {pk} of colleague {owner_id}")
        for pk, owner_id in _values(PersonalAccessToken, "pk", "colleague_id", firm=firm):
            if owner_id != me.pk:
                hide(pk, f"API token {pk} of colleague {owner_id}")
        # Opportunities, projects, invoices, tickets: their readers by construction (the
        # client in full, or a place on the record); a ticket's messages and a project's
        # collaborators go with it.
        readers = world.a.readers
        for record_model in (Opportunity, Project, Invoice, Ticket):
            for pk in _values(record_model, "pk", firm=firm):
                if role not in readers.get(pk, ()):
                    hide(pk, f"{record_model.__name__} {pk}")
        for part, parent in ((TicketMessage, "ticket_id"), (ProjectCollaborator, "project_id")):
            for pk, parent_id in _values(part, "pk", parent, firm=firm):
                if role not in readers.get(parent_id, ()):
                    hide(pk, f"{part.__name__} {pk} of {parent} {parent_id}")
        # A notification is its recipient's, while they see its client (at least by name) or,
        # about a record with people of its own, while they see that record.
        for pk, recipient_id, client_id, record_type, record_id in _values(
            Notification, "pk", "recipient_id", "client_id", "record_type", "record_id", firm=firm
        ):
            if record_type:
                readable = role in readers.get(record_id, ())
            else:
                readable = client_id is None or level.get(client_id, NONE) != NONE
            if recipient_id != me.pk or not readable:
                hide(pk, f"notification {pk} of colleague {recipient_id}")


# ---------------------------------------------------------------------------------------
# Signing the roles in, then deactivating two of them.
# ---------------------------------------------------------------------------------------

SIGNED_IN = {
    ADMIN_A: ("a", "admin"),
    ADMIN_B: ("b", "admin"),
    STAFF: ("a", "staff"),
    LIMITED: ("a", "limited"),
    DEACTIVATED_SESSION: ("a", "deactivated"),
    REACTIVATED_SESSION: ("a", "reactivated"),
}
TOKEN_OF = {DEACTIVATED_TOKEN: DEACTIVATED_SESSION, REACTIVATED_TOKEN: REACTIVATED_SESSION}


def _sign_in(colleague: Colleague) -> tuple[HttpClient, str]:
    """Through the sign-in form and POST /auth/token, as a colleague does."""
    browser = HttpClient(raise_request_exception=False)
    answer = browser.post("/accounts/login/", {"login": colleague.email, "password": PASSWORD})
    assert answer.status_code == 302, answer.content[:500]
    browser.get(answer["Location"])  # the home page, which shows (and uses up) the greeting
    answer = HttpClient().post(
        "/api/v1/auth/token",
        {"email": colleague.email, "password": PASSWORD, "name": "Balayage"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content[:500]
    return browser, answer.json()["token"]


def build() -> World:
    """Both firms, every role signed in, D deactivated and R deactivated then reactivated,
    and every canary tagged."""
    canaries = Canaries()
    move_ids_to(FIRM_A_IDS)
    a = build_firm_a(canaries)
    move_ids_to(FIRM_B_IDS)
    b = build_firm_b(canaries)
    world = World(a=a, b=b, canaries=canaries)
    for role, (firm_key, colleague_key) in SIGNED_IN.items():
        firm_world = a if firm_key == "a" else b
        browser, secret = _sign_in(firm_world.colleagues[colleague_key])
        world.browsers[role], world.tokens[role] = browser, secret
        world.own_firm[role] = firm_world
    for role, session_role in TOKEN_OF.items():
        world.browsers[role] = HttpClient(raise_request_exception=False)
        world.tokens[role] = world.tokens[session_role]
        world.own_firm[role] = a
    firms.deactivate_colleague(actor=a.admin, colleague=a.colleagues["deactivated"])
    reactivated = a.colleagues["reactivated"]
    firms.deactivate_colleague(actor=a.admin, colleague=reactivated)
    firms.reactivate_colleague(actor=a.admin, colleague=Colleague.objects.get(pk=reactivated.pk))
    for firm_world in (a, b):
        firm_world.colleagues = {
            key: Colleague.objects.get(pk=found.pk) for key, found in firm_world.colleagues.items()
        }
        _collect_items(firm_world)
    tag_ids(world)
    return world
