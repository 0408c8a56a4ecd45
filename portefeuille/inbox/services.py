"""Every write on the shared inbox (docs/inbox.md): e-mails received, replies, internal
notes, assigning, closing, linking a ticket to its client.

A colleague acts on a ticket they see through its door (`Ticket.objects.visible_to`): not
seen is a 404, like an unknown id. Each service validates before writing, writes in one
transaction and notifies; a reply's e-mail leaves once the transaction commits, through a
background task (inbox/tasks.py) and Django's mail framework.

Inbound e-mail (`receive_email`) is the system's write, for one firm: it is threaded to its
ticket by its In-Reply-To / References headers (the Message-ID of a reply we sent), else
by the « [#123] » tag of the subject when the sender is that ticket's requester, else it
opens a new ticket whose client is the contact of the firm with the sender's address, if
any. An e-mail read twice (same Message-ID) is stored once. One that cannot be read is kept
raw as an InboundFailure, so nothing is lost.

Who is told: the assignee, of an internal note by someone else, of the client's reply, of
the ticket's closing, and when it is given to them; the client's account managers (its
owner's colleague, its manager) of a new ticket from their client — only while they see
the ticket.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from email.message import EmailMessage as ParsedEmail
from email.utils import getaddresses, make_msgid, parseaddr
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.guards import lock_client
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact, EmailAddress
from portefeuille.firms.guards import (
    UNSET,
    ExpectedVersion,
    Unset,
    check_colleague,
    check_version,
    clean_text,
    field_error,
    require_active,
    require_admin,
)
from portefeuille.firms.models import Colleague, Firm
from portefeuille.notifications import kinds
from portefeuille.notifications.services import account_managers, notify

from .models import InboundFailure, Ticket, TicketMessage

SUBJECT_MAX = 300
BODY_MAX = 200_000
RAW_MAX = 10 * 1024 * 1024
_TAG = re.compile(r"\[#(\d{1,12})\]")

STALE_TICKET = gettext_lazy(
    "Ce ticket a été modifié par quelqu'un d'autre depuis que vous l'avez chargé : "
    "rechargez la page, puis refaites votre modification."
)


class MalformedEmail(ValidationError):
    """An inbound e-mail that cannot be read as a ticket message."""


# ---------------------------------------------------------------------------------------
# Locks and notifications.
# ---------------------------------------------------------------------------------------


def lock_ticket(actor: Colleague, ticket: Ticket | int) -> Ticket:
    """The ticket re-read and locked, once the actor is checked to see it (else 404). Its
    client, if any, is locked first (the order a client's deletion takes)."""
    require_active(actor)
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404
    row = Ticket.objects.filter(pk=pk, firm_id=actor.firm_id).values_list("client_id").first()
    if row is None:
        raise Http404
    (client_id,) = row
    if client_id is not None:
        lock_client(actor, Contact(pk=client_id, firm_id=actor.firm_id), minimum=None)
    found = (
        Ticket.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("client", "assignee")
        .filter(pk=pk)
        .first()
    )
    if found is None or found.client_id != client_id:
        raise Http404
    return found


def _bump(ticket: Ticket, *fields: str) -> None:
    """A change of the ticket itself: a new version (a copy loaded before it is stale), and
    its last activity."""
    now = timezone.now()
    ticket.updated_at = now
    Ticket.objects.filter(pk=ticket.pk).update(
        version=F("version") + 1, updated_at=now, **{name: getattr(ticket, name) for name in fields}
    )
    ticket.version += 1


def _touch(ticket: Ticket, *fields: str) -> None:
    """A message on the ticket: its last activity only (and these fields). Its version
    stays, so that a note or a reply never makes someone's change of assignee stale."""
    now = timezone.now()
    ticket.updated_at = now
    Ticket.objects.filter(pk=ticket.pk).update(
        updated_at=now, **{name: getattr(ticket, name) for name in fields}
    )


def _tell_assignee(actor: Colleague | None, kind: str, ticket: Ticket, **facts: Any) -> None:
    if ticket.assignee is None:
        return
    notify(
        kind=kind,
        recipients=[ticket.assignee],
        client=ticket.client,
        actor=actor,
        params={"ticket_id": ticket.pk, **facts},
        record=ticket,
    )


def _clean_body(body: str | None, field: str = "body") -> str:
    text = (body or "").strip()
    if not text:
        raise field_error(field, _("Ce champ est obligatoire."), "required")
    if len(text) > BODY_MAX:
        raise field_error(field, _("%(max)s caractères au plus.") % {"max": BODY_MAX}, "max_length")
    return text


# ---------------------------------------------------------------------------------------
# Colleagues' writes.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def assign_ticket(
    *,
    actor: Colleague,
    ticket: Ticket | int,
    assignee: Colleague | int | None,
    expected_version: ExpectedVersion = None,
) -> Ticket:
    """Gives the ticket to an active colleague of the firm (None: to no one). Assigning
    gives the assignee the ticket itself (and its client's name), nothing more of the
    client."""
    return update_ticket(
        actor=actor, ticket=ticket, assignee=assignee, expected_version=expected_version
    )


@transaction.atomic
def update_ticket(
    *,
    actor: Colleague,
    ticket: Ticket | int,
    expected_version: ExpectedVersion = None,
    assignee: Colleague | int | Unset | None = UNSET,
    status: str | Unset = UNSET,
    client: Contact | int | Unset | None = UNSET,
) -> Ticket:
    """Changes the ticket's assignee, status (open / closed) and client at once: every
    change is checked before any is written, the ticket's version goes up once, and each
    change tells whom its own service tells (the new assignee; the assignee of a ticket
    closed). A change to what the ticket already has changes nothing.

    The client must be one the actor sees in full, and moving a ticket off its client needs
    FULL access to that client too (a client seen by name only is a 403, a hidden one 404).
    """
    found = lock_ticket(actor, ticket)
    check_version(found, expected_version, message=str(STALE_TICKET))
    errors: dict[str, list[ValidationError]] = {}

    def run(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except ValidationError as error:
            for field, messages in error.error_dict.items():
                errors.setdefault(field, []).extend(messages)
            return UNSET

    chosen: Any = UNSET
    if not isinstance(assignee, Unset):
        chosen = run(check_colleague, actor, assignee, "assignee")
    if not isinstance(status, Unset) and status not in Ticket.Status.values:
        errors.setdefault("status", []).append(
            ValidationError(_("Statut inconnu : open ou closed."), code="invalid_choice")
        )
        status = UNSET
    new_client: Any = UNSET
    if not isinstance(client, Unset):
        new_client = run(_chosen_client, actor, client)
    if errors:
        raise ValidationError(errors)
    fields: list[str] = []
    assigned = False
    if not isinstance(chosen, Unset) and (chosen.pk if chosen else None) != found.assignee_id:
        found.assignee = chosen
        fields.append("assignee")
        assigned = chosen is not None
    if not isinstance(new_client, Unset) and (
        (new_client.pk if new_client else None) != found.client_id
    ):
        if found.client is not None:
            # SECURITY: taking a ticket off its client needs FULL access to that client.
            lock_client(actor, found.client)
        found.client = new_client
        fields.append("client")
    closed = False
    if not isinstance(status, Unset) and status != found.status:
        found.status = status
        closed = status == Ticket.Status.CLOSED
        found.closed_at = timezone.now() if closed else None
        fields += ["status", "closed_at"]
    if not fields:
        return found
    _bump(found, *fields)
    if assigned:
        _tell_assignee(actor, kinds.TICKET_ASSIGNED, found)
    if closed:
        _tell_assignee(actor, kinds.TICKET_CLOSED, found)
    return found


def _chosen_client(actor: Colleague, client: Contact | int | None) -> Contact | None:
    """The client a ticket is linked to: one the actor sees in full, locked (None: no
    client). Any other id, hidden, name-only, of another firm or unknown, is the same field
    error."""
    if client is None:
        return None
    pk = client.pk if isinstance(client, Contact) else client
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise field_error("client", _("Choisissez un client."), "invalid_choice")
    row = Contact.objects.visible_to(actor, Level.FULL).filter(pk=pk).first()
    if row is None:
        raise field_error("client", _("Choisissez un client."), "invalid_choice")
    return lock_client(actor, row)


@transaction.atomic
def add_ticket_note(*, actor: Colleague, ticket: Ticket | int, body: str) -> TicketMessage:
    """An internal note: read by colleagues who see the ticket, never sent to the client."""
    found = lock_ticket(actor, ticket)
    text = _clean_body(body)
    message = TicketMessage.objects.create(
        firm_id=actor.firm_id,
        ticket=found,
        kind=TicketMessage.Kind.NOTE,
        author=actor,
        from_name=actor.full_name,
        body=text,
    )
    _touch(found)
    _tell_assignee(actor, kinds.TICKET_NOTE_ADDED, found, message_id=message.pk)
    return message


@transaction.atomic
def reply_to_ticket(*, actor: Colleague, ticket: Ticket | int, body: str) -> TicketMessage:
    """A reply to the requester: stored on the ticket, then sent by e-mail once the
    transaction commits (threaded: its Message-ID is kept so the client's answer comes back
    to this ticket). The first reply sets the ticket's first response time."""
    from .tasks import send_ticket_reply

    found = lock_ticket(actor, ticket)
    text = _clean_body(body)
    last_inbound = (
        TicketMessage.objects.filter(ticket_id=found.pk, kind=TicketMessage.Kind.INBOUND)
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .first()
    )
    now = timezone.now()
    message = TicketMessage.objects.create(
        firm_id=actor.firm_id,
        ticket=found,
        kind=TicketMessage.Kind.REPLY,
        author=actor,
        from_name=actor.full_name,
        to_addresses=found.requester_email,
        subject=reply_subject(found),
        body=text,
        message_id=make_msgid(domain="portefeuille.local"),
        in_reply_to=last_inbound.message_id if last_inbound is not None else "",
        created_at=now,
    )
    fields = []
    if found.first_response_at is None:
        found.first_response_at = now
        fields.append("first_response_at")
    _touch(found, *fields)
    transaction.on_commit(lambda: send_ticket_reply.enqueue(message_pk=message.pk))
    return message


def reply_subject(ticket: Ticket) -> str:
    """« Re: [#12] subject »: the tag threads an answer whose client dropped the headers."""
    return f"Re: [#{ticket.pk}] {ticket.subject}"[:SUBJECT_MAX]


@transaction.atomic
def close_ticket(
    *, actor: Colleague, ticket: Ticket | int, expected_version: ExpectedVersion = None
) -> Ticket:
    """Closes the ticket (its assignee is told); closing a closed ticket changes nothing."""
    return update_ticket(
        actor=actor,
        ticket=ticket,
        status=Ticket.Status.CLOSED,
        expected_version=expected_version,
    )


@transaction.atomic
def reopen_ticket(
    *, actor: Colleague, ticket: Ticket | int, expected_version: ExpectedVersion = None
) -> Ticket:
    return update_ticket(
        actor=actor, ticket=ticket, status=Ticket.Status.OPEN, expected_version=expected_version
    )


@transaction.atomic
def link_ticket_client(
    *,
    actor: Colleague,
    ticket: Ticket | int,
    client: Contact | int | None,
    expected_version: ExpectedVersion = None,
) -> Ticket:
    """Links the ticket to a client the actor sees in full (or unlinks it: None). Moving a
    ticket off a client needs FULL access to that client too."""
    return update_ticket(
        actor=actor, ticket=ticket, client=client, expected_version=expected_version
    )


@transaction.atomic
def create_ticket(
    *,
    actor: Colleague,
    subject: str,
    requester_email: str,
    body: str,
    requester_name: str = "",
    client: Contact | None = None,
    assignee: Colleague | int | None = None,
) -> Ticket:
    """A ticket written by a colleague (a request taken by phone): its first message is an
    internal note. The client, if given, must be seen in full."""
    require_active(actor)
    errors: dict[str, list[ValidationError]] = {}

    def run(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except ValidationError as error:
            for field, found in error.error_dict.items():
                errors.setdefault(field, []).extend(found)
            return None

    clean_subject = run(clean_text, subject, "subject", SUBJECT_MAX)
    address = run(_clean_address, requester_email)
    text = run(_clean_body, body)
    chosen = run(check_colleague, actor, assignee, "assignee")
    if errors:
        raise ValidationError(errors)
    locked = lock_client(actor, client) if client is not None else None
    ticket = Ticket.objects.create(
        firm_id=actor.firm_id,
        subject=clean_subject,
        client=locked,
        requester_email=address,
        requester_name=" ".join(requester_name.split())[:200],
        assignee=chosen,
    )
    TicketMessage.objects.create(
        firm_id=actor.firm_id,
        ticket=ticket,
        kind=TicketMessage.Kind.NOTE,
        author=actor,
        from_name=actor.full_name,
        body=text,
    )
    if chosen is not None:
        _tell_assignee(actor, kinds.TICKET_ASSIGNED, ticket)
    return ticket


def _clean_address(value: str | None, field: str = "requester_email") -> str:
    address = (value or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise field_error(field, _("Saisissez une adresse e-mail valide."), "invalid") from None
    return address


# ---------------------------------------------------------------------------------------
# Inbound e-mail (the system's write).
# ---------------------------------------------------------------------------------------


def parse_email(raw: bytes) -> ParsedEmail:
    """The e-mail, or MalformedEmail saying in the reader's language what is wrong."""
    if not raw or not raw.strip():
        raise MalformedEmail(_("Le message est vide."), code="empty")
    if len(raw) > RAW_MAX:
        raise MalformedEmail(_("Le message dépasse 10 Mo."), code="too_large")
    try:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the parser is lenient; anything it raises is a malformed message
        raise MalformedEmail(
            _("Ce fichier n'est pas un e-mail lisible."), code="unreadable"
        ) from None
    if not isinstance(parsed, ParsedEmail):
        raise MalformedEmail(_("Ce fichier n'est pas un e-mail lisible."), code="unreadable")
    try:
        sender = str(parsed.get("From", "") or "")
    except Exception:
        sender = ""
    _name, address = parseaddr(sender)
    if not address or "@" not in address:
        raise MalformedEmail(
            _("L'e-mail n'a pas d'expéditeur lisible (en-tête From)."), code="no_sender"
        )
    return parsed


def _header(parsed: ParsedEmail, name: str) -> str:
    try:
        return " ".join(str(parsed.get(name, "") or "").split())
    except Exception:
        return ""


def _text_of(parsed: ParsedEmail) -> str:
    try:
        part = parsed.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        content = strip_tags(content)
    return content.strip()[:BODY_MAX]


def _referenced_ids(parsed: ParsedEmail) -> list[str]:
    ids = re.findall(
        r"<[^<>\s]+>", f"{_header(parsed, 'In-Reply-To')} {_header(parsed, 'References')}"
    )
    return ids[-50:]


def _thread(firm: Firm, parsed: ParsedEmail, sender: str, subject: str) -> Ticket | None:
    ids = _referenced_ids(parsed)
    if ids:
        known = (
            TicketMessage.objects.filter(firm_id=firm.pk, message_id__in=ids)
            .order_by("-created_at")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if known is not None:
            return Ticket.objects.select_for_update().filter(pk=known).first()
    tag = _TAG.search(subject)
    if tag is not None:
        return (
            Ticket.objects.select_for_update()
            .filter(firm_id=firm.pk, pk=int(tag.group(1)), requester_email=sender)
            .first()
        )
    return None


def _match_client(firm: Firm, sender: str) -> Contact | None:
    """The contact of the firm with this address (an address belongs to one contact of the
    firm, contacts/models.py), else None."""
    found = (
        EmailAddress.objects.filter(firm_id=firm.pk, address=sender)
        .select_related("contact")
        .order_by("pk")
        .first()
    )
    return found.contact if found is not None else None


def _message_id_of(parsed: ParsedEmail, raw: bytes) -> str:
    """The e-mail's Message-ID; one without (some mailers omit it) gets one made from its
    bytes, so that reading it twice still stores it once."""
    found = _header(parsed, "Message-ID")[:300]
    if found:
        return found
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound.portefeuille.invalid>"


@transaction.atomic
def receive_email(*, firm: Firm, raw: bytes, source: str = "api") -> TicketMessage | None:
    """Stores one inbound e-mail on its ticket (a new one if it threads to none) and tells
    the assignee the client replied. Returns the message, or None when it was already stored
    (same Message-ID). A malformed e-mail raises MalformedEmail (nothing is written; the
    caller keeps it with `keep_failure`)."""
    parsed = parse_email(raw)
    name, sender = parseaddr(_header(parsed, "From"))
    sender = sender.strip().lower()
    message_id = _message_id_of(parsed, raw)
    if TicketMessage.objects.filter(firm_id=firm.pk, message_id=message_id).exists():
        return None
    subject = _header(parsed, "Subject")[:SUBJECT_MAX] or _("(sans objet)")
    body = _text_of(parsed) or _("(message sans texte)")
    ticket = _thread(firm, parsed, sender, subject)
    now = timezone.now()
    replied = ticket is not None
    try:
        # One savepoint for the new ticket and its message: the same e-mail stored meanwhile
        # by a concurrent read leaves neither behind.
        with transaction.atomic():
            if ticket is None:
                ticket = Ticket.objects.create(
                    firm_id=firm.pk,
                    subject=subject,
                    client=_match_client(firm, sender),
                    requester_email=sender[:254],
                    requester_name=name[:200],
                    created_at=now,
                    updated_at=now,
                )
            message = TicketMessage.objects.create(
                firm_id=firm.pk,
                ticket=ticket,
                kind=TicketMessage.Kind.INBOUND,
                from_address=sender[:320],
                from_name=name[:200],
                to_addresses=", ".join(a for _n, a in getaddresses([_header(parsed, "To")]))[:5000],
                subject=subject,
                body=body,
                message_id=message_id,
                in_reply_to=_header(parsed, "In-Reply-To")[:300],
                created_at=now,
            )
    except IntegrityError:  # the same e-mail stored meanwhile by a concurrent read
        return None
    if not replied and ticket.client is not None:
        # A new ticket on a client: its account managers hear of it (if they see it).
        notify(
            kind=kinds.TICKET_RECEIVED,
            recipients=account_managers(ticket.client),
            client=ticket.client,
            actor=None,
            params={"ticket_id": ticket.pk},
            record=ticket,
        )
    if replied:
        # A client who answers a closed ticket opens it again (a change of the ticket).
        if ticket.status == Ticket.Status.CLOSED:
            ticket.status = Ticket.Status.OPEN
            ticket.closed_at = None
            _bump(ticket, "status", "closed_at")
        else:
            _touch(ticket)
        ticket.assignee = (
            Colleague.objects.filter(pk=ticket.assignee_id).first() if ticket.assignee_id else None
        )
        _tell_assignee(None, kinds.TICKET_CLIENT_REPLIED, ticket, message_id=message.pk)
    return message


def keep_failure(*, firm: Firm, raw: bytes, source: str, reason: str) -> InboundFailure:
    """Keeps an e-mail that could not be read, raw, for an admin to look at: nothing lost."""
    return InboundFailure.objects.create(
        firm_id=firm.pk, source=source[:20], reason=reason[:300], raw=raw[:RAW_MAX]
    )


def receive_email_as(*, actor: Colleague, raw: bytes, source: str) -> TicketMessage | None:
    """An e-mail handed in by an admin (an uploaded .eml, the API): received for their firm.
    A malformed one is refused (MalformedEmail) and nothing is kept: the admin has it."""
    require_admin(actor)
    return receive_email(firm=actor.firm, raw=raw, source=source)
