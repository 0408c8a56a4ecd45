"""A contact's timeline: notes, logged e-mails and the client's events, newest first.

Decisions where the spec is silent:
- Notes are stored as Markdown and rendered on read (markdown-it-py, CommonMark, raw HTML
  off) then sanitised with nh3 (a small allow-list of tags; links only http, https and
  mailto, opened with rel="noopener noreferrer nofollow"). A `<script>` or a
  `javascript:` link in a note therefore shows as harmless text.
- Events are the client's audit events, except "note added" and "e-mail logged", whose item
  is already on the timeline. An event is written for its reader (audit/sentences/) and
  searched by that sentence.
- "Share communication" (Contact.share_communication, persons only): when it is OFF, the
  e-mails logged on that person are visible only to the colleague who logged them and to
  admins — on the timeline, in the documents (their attachments) and in the API. Notes and
  events are not affected. Turning it back on shows them again to everyone with full access.
  The rule is read through `TimelineItem.objects.visible_to` (docs/access-rules.md).
- A client group's timeline holds only the group's own items, never its members'.
- Logging an e-mail reads an uploaded .eml with a bounded reader (mime.py: linear in the
  file, whatever it holds). It is refused, nothing written, when the file is not an e-mail
  (binary, no "From" header or no other header of a message), is too large, passes one of
  the reader's bounds (headers over 256 KB, over 500 parts, over 1,000 recipients...), or
  when the same Message-ID is already on this client's timeline. Attachments become documents of the
  client linked to the e-mail; an attachment refused as an upload would be (documents.py:
  type not on the allow-list, a zip refused by its declared sizes...) is not kept, and the
  answer lists it with the reason. At most `EMAIL_MAX_ATTACHMENTS` are kept; the others are
  listed too (the answers name the first `SKIPPED_LISTED` and count the others). An
  attachment decodes to no more than its encoded size, so the .eml's own limit bounds each
  of them. The text kept is at most `EMAIL_BODY_MAX_CHARS` (an HTML body is read from its
  first 2 MiB). A missing or unreadable date is the time of logging.
- Editing is for notes only (an e-mail is a record of what was sent); notes and e-mails can
  be deleted. Deleting an e-mail keeps its attachments as documents of the client.
- Permission: FULL access to the client, for reading and for every change.
"""

from __future__ import annotations

import datetime
import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, Literal

import filetype
import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from portefeuille.access.guards import require_level
from portefeuille.access.rules import Level, emails_shared
from portefeuille.api import pagination
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.queries import readable_events
from portefeuille.audit.sentences import ShownEvent, show_events
from portefeuille.audit.services import record_event
from portefeuille.firms.models import Colleague
from portefeuille.notifications import kinds
from portefeuille.notifications.services import account_managers, notify

from . import documents, mime
from .models import Contact, TimelineItem, normalise_for_search

NOTE_MAX_CHARS = 50_000
# The most attachments of one .eml kept as documents (each is a row and a stored file).
EMAIL_MAX_ATTACHMENTS = 100
# The most attachments not kept that an answer names (the page's message is kept in the
# session); the others are counted: "and 80 others".
SKIPPED_LISTED = 20
# The most characters of an e-mail's text kept on the timeline (a long note is 50,000): the
# text is searched and shown on every read; past this it ends with "[…]".
EMAIL_BODY_MAX_CHARS = 500_000
ItemType = Literal["note", "email", "event"]
ITEM_TYPES: tuple[ItemType, ...] = ("note", "email", "event")
# Where a page ends: (moment, rank — items 1, events 0 —, id), newest first.
Cursor = tuple[datetime.datetime, int, int]
# Events whose item is already on the timeline.
EVENTS_SHOWN_AS_ITEMS = ("timeline.note_added", "timeline.email_logged")

# ---------------------------------------------------------------------------------------
# Markdown.
# ---------------------------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    """A note's Markdown as sanitised HTML, safe to put in a page."""
    rendered = _markdown.render(text)
    cleaned = nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 — sanitised by nh3 just above


# ---------------------------------------------------------------------------------------
# Reads.
# ---------------------------------------------------------------------------------------


def visible_items(actor: Colleague, client: Contact) -> QuerySet[TimelineItem]:
    """The notes and e-mails of this client that `actor` may read, through the door
    (`TimelineItem.objects.visible_to`): nothing unless they see the client in full, and
    no e-mail the share-communication rule hides from them."""
    items = TimelineItem.objects.visible_to(actor, Level.FULL).filter(client_id=client.pk)
    return items.select_related("author")


def client_events(actor: Colleague, client: Contact) -> QuerySet[AuditEvent]:
    return (
        readable_events(actor).filter(client_id=client.pk).exclude(action__in=EVENTS_SHOWN_AS_ITEMS)
    )


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a note, an e-mail or an event."""

    type: ItemType
    at: datetime.datetime
    pk: int
    item: TimelineItem | None = None
    event: ShownEvent | None = None

    @property
    def key(self) -> tuple[datetime.datetime, int, int]:
        return (self.at, _RANK[self.type == "event"], self.pk)

    @property
    def html(self) -> SafeString:
        if self.item is not None and self.item.kind == TimelineItem.Kind.NOTE:
            return render_markdown(self.item.body)
        return mark_safe("")


# At one instant, items come before events (newest first = highest rank first).
_RANK = {False: 1, True: 0}


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: Cursor | None


def parse_cursor(text: str) -> Cursor:
    """The timeline cursor inside `text` (written by `pagination.encode_cursor`);
    `pagination.InvalidCursor` when it is not one of ours."""
    when, rank, pk = pagination.decode_cursor(text, (datetime.datetime, int, int))
    if rank not in _RANK.values():
        raise pagination.InvalidCursor
    return (when, rank, pk)


def _after(at: str, rank_field: int, cursor: tuple[datetime.datetime, int, int] | None) -> Q:
    """Rows of a source of rank `rank_field` that come after `cursor`, newest first."""
    if cursor is None:
        return Q()
    when, rank, pk = cursor
    if rank_field < rank:
        return Q(**{f"{at}__lte": when})
    if rank_field > rank:
        return Q(**{f"{at}__lt": when})
    return Q(**{f"{at}__lt": when}) | Q(**{at: when, "pk__lt": pk})


def _words(query: str) -> list[str]:
    return normalise_for_search(query).split()


def _matching_events(
    actor: Colleague, events: QuerySet[AuditEvent], words: Sequence[str], want: int
) -> list[ShownEvent]:
    """The first `want` events (newest first) as `actor` may read them, whose sentence
    holds every word, accents and case ignored. Sentences are written when read (in the
    reader's language, some events left out for some readers), so events are read in
    batches until enough are found."""

    def show(rows: list[AuditEvent]) -> list[ShownEvent]:
        return [
            shown
            for shown in show_events(actor, rows)
            if all(word in normalise_for_search(shown.summary) for word in words)
        ]

    return pagination.first_shown(events, ("-created_at", "-id"), want, show)


def read_timeline(
    actor: Colleague,
    client: Contact,
    *,
    types: Iterable[str] = ITEM_TYPES,
    query: str = "",
    cursor: Cursor | None = None,
    limit: int = 30,
) -> TimelinePage:
    """One page of the timeline, newest first; `cursor` is the `next_cursor` of the page
    before. Each source is read with its own index up to `limit + 1` rows, then merged."""
    wanted = {t for t in types if t in ITEM_TYPES} or set(ITEM_TYPES)
    words = _words(query)
    entries: list[Entry] = []
    item_kinds = [kind for kind in ("note", "email") if kind in wanted]
    if item_kinds:
        items = visible_items(actor, client).filter(kind__in=item_kinds)
        for word in words:
            items = items.filter(search_text__contains=word)
        items = items.filter(_after("occurred_at", _RANK[False], cursor)).order_by(
            "-occurred_at", "-id"
        )
        for item in items[: limit + 1]:
            kind: ItemType = "note" if item.kind == TimelineItem.Kind.NOTE else "email"
            entries.append(Entry(type=kind, at=item.occurred_at, pk=item.pk, item=item))
    if "event" in wanted:
        events = (
            client_events(actor, client)
            .filter(_after("created_at", _RANK[True], cursor))
            .order_by("-created_at", "-id")
        )
        for event in _matching_events(actor, events, words, limit + 1):
            entries.append(Entry(type="event", at=event.created_at, pk=event.id, event=event))
    entries.sort(key=lambda entry: entry.key, reverse=True)
    next_cursor = None
    if len(entries) > limit:
        entries = entries[:limit]
        next_cursor = entries[-1].key
    _load_attachments(actor, [entry.item for entry in entries if entry.type == "email"])
    return TimelinePage(entries=entries, next_cursor=next_cursor)


def _load_attachments(actor: Colleague, emails: list[TimelineItem | None]) -> None:
    """Sets `shown_attachments` on each e-mail, in one query."""
    found = [item for item in emails if item is not None]
    if not found:
        return
    by_email: dict[int, list[Any]] = {item.pk: [] for item in found}
    for document in documents.visible_documents(actor).filter(email_id__in=list(by_email)):
        by_email[document.email_id].append(document)  # type: ignore[index]
    for item in found:
        item.shown_attachments = by_email[item.pk]  # type: ignore[attr-defined]


def get_item(actor: Colleague, client: Contact, item_id: object) -> TimelineItem:
    """A note or e-mail of this client visible to `actor`; Http404 otherwise."""
    try:
        pk = int(str(item_id))
    except (TypeError, ValueError):
        raise Http404 from None
    found = visible_items(actor, client).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------------------------------
# Notes.
# ---------------------------------------------------------------------------------------


def _clean_note(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(
            {"body": ValidationError(_("Écrivez le texte de la note."), code="required")}
        )
    if len(body) > NOTE_MAX_CHARS:
        raise ValidationError(
            {
                "body": ValidationError(
                    _("Une note fait au plus %(max)s caractères.") % {"max": NOTE_MAX_CHARS},
                    code="max_length",
                )
            }
        )
    return body


def add_note(*, actor: Colleague, client: Contact, body: str) -> TimelineItem:
    require_level(actor, client, Level.FULL)
    body = _clean_note(body)
    now = timezone.now()
    with transaction.atomic():
        note = TimelineItem(
            firm_id=client.firm_id,
            client=client,
            kind=TimelineItem.Kind.NOTE,
            author=actor,
            body=body,
            occurred_at=now,
            created_at=now,
            updated_at=now,
        )
        note.save(force_insert=True)
        record_event(
            actor=actor,
            action="timeline.note_added",
            client=client,
            after={"id": note.pk, "body": body},
        )
        notify(
            kind=kinds.CLIENT_NOTE_ADDED,
            recipients=account_managers(client),
            client=client,
            actor=actor,
            params={"note_id": note.pk},
        )
    return note


def edit_note(*, actor: Colleague, note: TimelineItem, body: str) -> TimelineItem:
    require_level(actor, note.client, Level.FULL)
    if note.kind != TimelineItem.Kind.NOTE:
        raise PermissionDenied(_("Seules les notes peuvent être modifiées."))
    body = _clean_note(body)
    before = note.body
    if body == before:
        return note
    with transaction.atomic():
        note.body = body
        note.updated_at = timezone.now()
        note.save(update_fields=["body", "updated_at", "search_text"])
        record_event(
            actor=actor,
            action="timeline.note_edited",
            client=note.client,
            before={"id": note.pk, "body": before},
            after={"id": note.pk, "body": body},
        )
    return note


def delete_item(*, actor: Colleague, item: TimelineItem) -> None:
    """Deletes a note or a logged e-mail. The attachments of an e-mail stay as documents,
    unless the person's communication is not shared: then they go with it, since once
    detached from their e-mail nothing would keep them from every colleague."""
    require_level(actor, item.client, Level.FULL)
    with transaction.atomic():
        if item.kind == TimelineItem.Kind.EMAIL and not emails_shared(item.client):
            for attachment in list(item.attachments.all()):
                attachment.delete()
                if attachment.file.name:
                    transaction.on_commit(
                        partial(attachment.file.storage.delete, attachment.file.name)
                    )
        if item.kind == TimelineItem.Kind.NOTE:
            record_event(
                actor=actor,
                action="timeline.note_deleted",
                client=item.client,
                before={"id": item.pk, "body": item.body},
            )
        else:
            # The subject is not copied: the history is read by people who may not see
            # this e-mail (share communication off).
            record_event(
                actor=actor,
                action="timeline.email_deleted",
                client=item.client,
                before={"id": item.pk},
            )
        item.delete()


# ---------------------------------------------------------------------------------------
# E-mails.
# ---------------------------------------------------------------------------------------


# The text of an HTML e-mail by substitutions that never look back, so linear in the body
# whatever it holds (html.parser, like html5ever, takes quadratic time on a few hundred
# kilobytes of unclosed tags or comments), read from the first HTML_MAX_CHARS of the body
# (about a quarter of a second at worst). An unclosed comment or script ends the text.
HTML_MAX_CHARS = 2 * 1024 * 1024
_COMMENT = re.compile(r"<!--(?:.*?-->|.*)", re.S)
_SKIPPED = re.compile(r"<(script|style|head|title)\b[^<>]*>(?:.*?</\1\s*>|.*)", re.S | re.I)
_BLOCK = re.compile(r"</?(?:p|div|br|li|tr|h[1-6]|blockquote)\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<[!?][^<>]*>")


def html_to_text(markup: str) -> str:
    """The readable text of an HTML e-mail body (its first HTML_MAX_CHARS): comments,
    scripts, styles and the head dropped, blocks on their own lines, entities decoded."""
    text = _SKIPPED.sub("", _COMMENT.sub("", markup[:HTML_MAX_CHARS]))
    text = html.unescape(_TAG.sub("", _BLOCK.sub("\n", text)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass
class ParsedEmail:
    subject: str
    sender: str
    recipients: list[str]
    message_id: str
    occurred_at: datetime.datetime
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def _malformed(reason: str) -> ValidationError:
    return ValidationError(
        {
            "file": ValidationError(
                _("Ce fichier n'est pas un e-mail lisible (.eml) : %(reason)s")
                % {"reason": reason},
                code="malformed_email",
            )
        }
    )


def _too_complex(refused: mime.TooComplex) -> ValidationError:
    limit = refused.limit
    messages = {
        "headers_too_large": _(
            "Les en-têtes de cet e-mail dépassent %(limit)s : il n'est pas accepté."
        ),
        "all_headers_too_large": _(
            "Les en-têtes des parties de cet e-mail dépassent %(limit)s en tout : il n'est pas "
            "accepté."
        ),
        "too_many_parts": _("Cet e-mail compte plus de %(limit)s parties : il n'est pas accepté."),
        "too_deep": _(
            "Cet e-mail imbrique ses parties sur plus de %(limit)s niveaux : il n'est pas accepté."
        ),
        "too_many_recipients": _(
            "Cet e-mail a plus de %(limit)s destinataires : il n'est pas accepté."
        ),
    }
    shown = documents.human_size(limit) if refused.code.endswith("too_large") else limit
    return ValidationError(
        {
            "file": ValidationError(
                messages[refused.code] % {"limit": shown}, code=f"email_{refused.code}"
            )
        }
    )


def parse_eml(raw: bytes) -> ParsedEmail:
    """Reads an .eml file; ValidationError on "file" when it is not a readable e-mail, or
    is past one of the bounds of mime.py (too many parts, headers too large...)."""
    if not raw or raw.isspace():
        raise _malformed(_("le fichier est vide."))
    # Only the headers must be text: a body may hold 8-bit text in any charset.
    head = raw[: mime.MAX_HEADER_BYTES + 2].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    if filetype.guess(raw[:8192]) is not None or b"\x00" in head:
        raise _malformed(_("il ne commence pas par les en-têtes d'un message (De, À, Objet…)."))
    try:
        # Bounded in time and memory whatever the file holds (see mime.py).
        message = mime.read(raw)
    except mime.TooComplex as refused:
        raise _too_complex(refused) from None
    if not documents.looks_like_email(head.decode("utf-8", errors="replace")):
        raise _malformed(_("il ne commence pas par les en-têtes d'un message (De, À, Objet…)."))
    if not message.senders:
        raise _malformed(_("l'expéditeur (en-tête « From ») est absent ou illisible."))
    try:
        occurred_at = timezone.now()
        if message.date is not None:
            occurred_at = message.date
            if timezone.is_naive(occurred_at):
                occurred_at = occurred_at.replace(tzinfo=datetime.UTC)
        body = ""
        part = mime.body(message, "plain")
        if part is not None:
            body = part.text_content()
        else:
            part = mime.body(message, "html")
            if part is not None:
                body = html_to_text(part.text_content())
        attachments: list[tuple[str, bytes]] = []
        for attachment in mime.attachments(message):
            # A multipart, or a message attached inside the message, is not unpacked.
            if attachment.parts is not None or attachment.maintype == "message":
                continue
            content = attachment.payload()
            if not content:
                continue
            attachments.append((attachment.filename or _("piece-jointe"), content))
    except (ValueError, LookupError, UnicodeError):  # a broken encoding, a broken body
        raise _malformed(_("sa structure est invalide.")) from None
    body = body.strip()
    if len(body) > EMAIL_BODY_MAX_CHARS:
        body = body[:EMAIL_BODY_MAX_CHARS].rstrip() + "\n[…]"
    return ParsedEmail(
        subject=message.subject.strip()[:998],
        sender=message.senders[0][:998],
        recipients=message.recipients,
        message_id=message.message_id.strip()[:998],
        occurred_at=occurred_at,
        body=body,
        attachments=attachments,
    )


@dataclass(frozen=True)
class SkippedAttachment:
    """An attachment not kept, and why, in the reader's language."""

    name: str
    reason: str


@dataclass
class LoggedEmail:
    item: TimelineItem
    attachments: list[Any]
    refused: list[SkippedAttachment]

    @property
    def skipped(self) -> list[str]:
        """The names of the attachments not kept."""
        return [attachment.name for attachment in self.refused]

    @property
    def listed(self) -> list[SkippedAttachment]:
        """The attachments not kept that an answer names: the first SKIPPED_LISTED."""
        return self.refused[:SKIPPED_LISTED]

    @property
    def others(self) -> int:
        """How many attachments not kept an answer does not name."""
        return max(0, len(self.refused) - SKIPPED_LISTED)


def log_email(*, actor: Colleague, client: Contact, file: IO[bytes], size: int) -> LoggedEmail:
    """Logs an uploaded .eml on the client's timeline, its attachments as documents."""
    require_level(actor, client, Level.FULL)
    limit = documents.max_upload_bytes()
    if size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Le fichier fait %(size)s : la limite est de %(limit)s.")
                    % {"size": documents.human_size(size), "limit": documents.human_size(limit)},
                    code="too_large",
                )
            }
        )
    file.seek(0)
    raw = file.read(limit + 1)  # never more than the limit, whatever `size` said
    if len(raw) > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Le fichier dépasse la limite de %(limit)s.")
                    % {"limit": documents.human_size(limit)},
                    code="too_large",
                )
            }
        )
    parsed = parse_eml(raw)
    if (
        parsed.message_id
        # SECURITY: only among the e-mails the actor sees; answering "already there" for an
        # e-mail hidden from them would tell it exists.
        and visible_items(actor, client)
        .filter(kind=TimelineItem.Kind.EMAIL, message_id=parsed.message_id)
        .exists()
    ):
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Cet e-mail est déjà dans la chronologie de ce contact."),
                    code="duplicate_email",
                )
            }
        )
    checked: list[tuple[str, bytes, str]] = []
    skipped: list[SkippedAttachment] = []
    for name, content in parsed.attachments:
        shown = documents.clean_name(name) or _("piece-jointe")
        if len(checked) == EMAIL_MAX_ATTACHMENTS:
            reason = _("Au-delà de %(limit)s pièces jointes, les suivantes ne sont pas gardées.")
            skipped.append(SkippedAttachment(shown, reason % {"limit": EMAIL_MAX_ATTACHMENTS}))
            continue
        try:
            content_type = documents.check_upload(io.BytesIO(content), size=len(content))
        except ValidationError as refused:
            skipped.append(SkippedAttachment(shown, " ".join(refused.messages)))
            continue
        checked.append((shown, content, content_type))
    now = timezone.now()
    with documents.removing_files_on_error() as stored, transaction.atomic():
        item = TimelineItem(
            firm_id=client.firm_id,
            client=client,
            kind=TimelineItem.Kind.EMAIL,
            author=actor,
            body=parsed.body,
            subject=parsed.subject,
            sender=parsed.sender,
            recipients=parsed.recipients,
            message_id=parsed.message_id,
            occurred_at=parsed.occurred_at,
            created_at=now,
            updated_at=now,
        )
        item.save(force_insert=True)
        kept = [
            documents.store_document(
                actor=actor,
                client=client,
                file=io.BytesIO(content),
                name=shown,
                size=len(content),
                content_type=content_type,
                stored=stored,
                email=item,
            )
            for shown, content, content_type in checked
        ]
        # No subject nor sender in the history: it is read by colleagues who may not see
        # this e-mail when the person's communication is not shared.
        record_event(
            actor=actor,
            action="timeline.email_logged",
            client=client,
            after={"id": item.pk, "attachments": [doc.pk for doc in kept], "skipped": len(skipped)},
        )
    return LoggedEmail(item=item, attachments=kept, refused=skipped)
