"""API of a contact's timeline and documents: /contacts/{id}/timeline and /documents.

Thin adapters over timeline.py and documents.py, on `contacts_router` (api_clients.py). Every
operation needs FULL access to the contact: a name-only, hidden, unknown or foreign contact
answers the same 404 (a 403 would confirm it exists), and so does a note, e-mail or document
of another contact or one hidden from the caller (an e-mail whose person does not share
communication). Uploads are multipart (`file`); the limit is DOCUMENT_MAX_UPLOAD_BYTES and
the type is checked by content (see documents.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.api import pagination
from portefeuille.api.auth import api_colleague
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import MAX_ID
from portefeuille.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageQuery, paginate
from portefeuille.api.schemas import InputSchema
from portefeuille.firms.models import Colleague

from . import documents, timeline
from .api_clients import contacts_router
from .models import Contact, Document, TimelineItem
from .views_timeline import DOCUMENTS_ORDER, download_response

# ---------------------------------------------------------------------------------------
# Schemas (names unique across the API).
# ---------------------------------------------------------------------------------------


class TimelineAuthor(Schema):
    id: int
    full_name: str


class ContactDocumentOut(Schema):
    """A document kept on a contact."""

    id: int
    name: str
    size: int = Field(description="In bytes.")
    content_type: str = Field(description="Detected from the content, not the name.")
    email_id: int | None = Field(description="The logged e-mail it came attached to, if any.")
    uploaded_by: TimelineAuthor | None
    uploaded_at: datetime
    download_url: str


class TimelineNoteOut(Schema):
    id: int
    body: str = Field(description="The note's Markdown, as written.")
    html: str = Field(description="The note rendered and sanitised (safe to display).")
    author: TimelineAuthor | None
    created_at: datetime
    updated_at: datetime


class TimelineEmailOut(Schema):
    id: int
    subject: str
    sender: str
    recipients: list[str]
    message_id: str
    body: str = Field(description="The plain-text body.")
    author: TimelineAuthor | None = Field(description="Who logged it.")
    attachments: list[ContactDocumentOut]


class TimelineEventOut(Schema):
    id: int
    action: str
    label: str = Field(description="The kind of event, in the caller's language.")
    summary: str = Field(description="What happened, written for the caller.")
    actor_name: str


class TimelineEntryOut(Schema):
    """One line of the timeline; exactly one of note, email, event is set, per `type`."""

    type: Literal["note", "email", "event"]
    id: int
    at: datetime
    note: TimelineNoteOut | None = None
    email: TimelineEmailOut | None = None
    event: TimelineEventOut | None = None


class TimelineNoteIn(InputSchema):
    body: str = Field(description="Markdown; scripts and unsafe links are removed on display.")


class SkippedAttachmentOut(Schema):
    name: str
    reason: str = Field(description="Why it was not kept, in the caller's language.")


class TimelineEmailLoggedOut(Schema):
    entry: TimelineEntryOut
    skipped_attachments: list[str] = Field(
        description="Names of the attachments not kept (type not accepted, too large, a zip "
        f"refused by its declared sizes, too many attachments), the first "
        f"{timeline.SKIPPED_LISTED}; `skipped_details` says why."
    )
    skipped_details: list[SkippedAttachmentOut] = Field(
        description="The same attachments, each with the reason it was not kept."
    )
    skipped_others: int = Field(
        description=f"How many more attachments were not kept, past the {timeline.SKIPPED_LISTED} "
        "listed."
    )


class ContactDocumentRename(InputSchema):
    name: str


class TimelineQuery(Schema):
    type: Literal["note", "email", "event"] | None = Field(
        None, description="Only notes, e-mails or events."
    )
    q: str | None = Field(None, description="Words to find; accents and case ignored.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page.")


# ---------------------------------------------------------------------------------------
# Representations and lookups.
# ---------------------------------------------------------------------------------------


def _author(colleague: Colleague | None) -> dict[str, Any] | None:
    return None if colleague is None else {"id": colleague.pk, "full_name": colleague.full_name}


def _document_out(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.name,
        "size": document.size,
        "content_type": document.content_type,
        "email_id": document.email_id,
        "uploaded_by": _author(document.uploaded_by),
        "uploaded_at": document.uploaded_at,
        "download_url": reverse(
            "api:download_contact_document",
            kwargs={"client_id": document.client_id, "document_id": document.pk},
        ),
    }


def _item_out(item: TimelineItem) -> dict[str, Any]:
    if item.kind == TimelineItem.Kind.NOTE:
        return {
            "type": "note",
            "id": item.pk,
            "at": item.occurred_at,
            "note": {
                "id": item.pk,
                "body": item.body,
                "html": str(timeline.render_markdown(item.body)),
                "author": _author(item.author),
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            },
        }
    attachments = getattr(item, "shown_attachments", [])
    return {
        "type": "email",
        "id": item.pk,
        "at": item.occurred_at,
        "email": {
            "id": item.pk,
            "subject": item.subject,
            "sender": item.sender,
            "recipients": list(item.recipients),
            "message_id": item.message_id,
            "body": item.body,
            "author": _author(item.author),
            "attachments": [_document_out(doc) for doc in attachments],
        },
    }


def _entry_out(entry: timeline.Entry) -> dict[str, Any]:
    if entry.item is not None:
        return _item_out(entry.item)
    event = entry.event
    assert event is not None
    return {
        "type": "event",
        "id": event.id,
        "at": event.created_at,
        "event": {
            "id": event.id,
            "action": event.action,
            "label": event.label,
            "summary": event.summary,
            "actor_name": event.actor_name,
        },
    }


def _contact(actor: Colleague, client_id: int) -> Contact:
    """FULL access or the same 404 as an unknown id."""
    if not 1 <= client_id <= MAX_ID:
        raise Http404
    contact: Contact = rules.get_client(actor, client_id, Level.FULL)
    return contact


def _document(actor: Colleague, contact: Contact, document_id: int) -> Document:
    if not 1 <= document_id <= MAX_ID:
        raise Http404
    found = documents.visible_documents(actor, contact).filter(pk=document_id).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------------------------------
# /contacts/{id}/timeline
# ---------------------------------------------------------------------------------------


@contacts_router.get(
    "/{client_id}/timeline",
    response=Page[TimelineEntryOut],
    summary="A contact's timeline",
)
def list_timeline(
    request: HttpRequest, client_id: int, filters: Query[TimelineQuery]
) -> dict[str, Any]:
    """Notes, logged e-mails and events, newest first; filter by `type`, search with `q`."""
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    cursor = None
    if filters.cursor:
        try:
            cursor = timeline.parse_cursor(filters.cursor)
        except pagination.InvalidCursor:
            raise pagination.invalid_cursor() from None
    page = timeline.read_timeline(
        actor,
        contact,
        types=[filters.type] if filters.type else timeline.ITEM_TYPES,
        query=filters.q or "",
        cursor=cursor,
        limit=filters.limit,
    )
    return {
        "items": [_entry_out(entry) for entry in page.entries],
        "next_cursor": pagination.encode_cursor(page.next_cursor) if page.next_cursor else None,
    }


@contacts_router.post(
    "/{client_id}/timeline/notes",
    response={201: TimelineEntryOut, **problem_responses(403)},
    summary="Add a note",
)
def create_timeline_note(
    request: HttpRequest, client_id: int, payload: TimelineNoteIn
) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    note = timeline.add_note(actor=actor, client=contact, body=payload.body)
    return Status(201, _item_out(note))


@contacts_router.patch(
    "/{client_id}/timeline/notes/{int:item_id}",
    response={200: TimelineEntryOut, **problem_responses(403)},
    summary="Change a note",
)
def update_timeline_note(
    request: HttpRequest, client_id: int, item_id: int, payload: TimelineNoteIn
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    note = timeline.get_item(actor, contact, item_id)
    if note.kind != TimelineItem.Kind.NOTE:
        raise Http404
    note = timeline.edit_note(actor=actor, note=note, body=payload.body)
    return _item_out(note)


@contacts_router.delete(
    "/{client_id}/timeline/{int:item_id}",
    response={204: None, **problem_responses(403)},
    summary="Delete a note or a logged e-mail",
)
def delete_timeline_item(request: HttpRequest, client_id: int, item_id: int) -> Status[None]:
    """A deleted e-mail's attachments stay in the contact's documents."""
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    item = timeline.get_item(actor, contact, item_id)
    timeline.delete_item(actor=actor, item=item)
    return Status(204, None)


@contacts_router.post(
    "/{client_id}/timeline/emails",
    response={201: TimelineEmailLoggedOut, **problem_responses(403, 413)},
    summary="Log an e-mail (.eml upload)",
)
def create_timeline_email(
    request: HttpRequest, client_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Multipart `file`: an .eml. Sender, recipients, subject, date and plain-text body are
    read from it; attachments of an accepted type become documents of the contact."""
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    logged = timeline.log_email(actor=actor, client=contact, file=file, size=file.size or 0)
    item = logged.item
    item.shown_attachments = logged.attachments  # type: ignore[attr-defined]
    return Status(
        201,
        {
            "entry": _item_out(item),
            "skipped_attachments": [skipped.name for skipped in logged.listed],
            "skipped_details": [
                {"name": skipped.name, "reason": skipped.reason} for skipped in logged.listed
            ],
            "skipped_others": logged.others,
        },
    )


# ---------------------------------------------------------------------------------------
# /contacts/{id}/documents
# ---------------------------------------------------------------------------------------


@contacts_router.get(
    "/{client_id}/documents",
    response=Page[ContactDocumentOut],
    summary="A contact's documents",
)
def list_contact_documents(
    request: HttpRequest, client_id: int, page: Query[PageQuery]
) -> dict[str, Any]:
    """Newest first."""
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    result = paginate(documents.visible_documents(actor, contact), page, order=DOCUMENTS_ORDER)
    result["items"] = [_document_out(doc) for doc in result["items"]]
    return result


@contacts_router.post(
    "/{client_id}/documents",
    response={201: ContactDocumentOut, **problem_responses(403, 413)},
    summary="Upload a document",
)
def upload_contact_document(
    request: HttpRequest,
    client_id: int,
    file: File[UploadedFile],
    name: Form[str | None] = None,
) -> Status[dict[str, Any]]:
    """Multipart `file` (and optionally `name`, else the file's name)."""
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    document = documents.upload_document(
        actor=actor,
        client=contact,
        file=file,
        name=name or file.name or "",
        size=file.size or 0,
    )
    return Status(201, _document_out(document))


@contacts_router.patch(
    "/{client_id}/documents/{document_id}",
    response={200: ContactDocumentOut, **problem_responses(403)},
    summary="Rename a document",
)
def rename_contact_document(
    request: HttpRequest, client_id: int, document_id: int, payload: ContactDocumentRename
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    document = _document(actor, contact, document_id)
    document = documents.rename_document(actor=actor, document=document, name=payload.name)
    return _document_out(document)


@contacts_router.delete(
    "/{client_id}/documents/{document_id}",
    response={204: None, **problem_responses(403)},
    summary="Delete a document",
)
def delete_contact_document(request: HttpRequest, client_id: int, document_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    document = _document(actor, contact, document_id)
    documents.delete_document(actor=actor, document=document)
    return Status(204, None)


@contacts_router.get(
    "/{client_id}/documents/{document_id}/download",
    response={200: None},
    url_name="download_contact_document",
    summary="Download a document",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment, with its detected content type.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_contact_document(
    request: HttpRequest, client_id: int, document_id: int
) -> FileResponse:
    actor = api_colleague(request)
    contact = _contact(actor, client_id)
    return download_response(_document(actor, contact, document_id))
