"""API of the shared inbox (docs/inbox.md): /api/v1/tickets (the list with the inbox's
filters, create, read with its messages, change, replies, internal notes, inbound e-mail)
and /api/v1/inbox/statistics.

Thin adapters over inbox/services.py; every read goes through the tickets' door
(`Ticket.objects.visible_to`, through inbox/queries.py, the inbox's read model).

Decisions where the spec is silent:
- A ticket is read whole or not at all. Seen through its assignee only, its client comes
  back as `{id, name, level: "name"}`: the client's id and name, nothing else of it.
  Unknown, of another firm or not visible is the same 404, on every operation, before
  If-Match is looked at.
- The filters are the inbox page's (inbox/queries.py, one parser for both): `status` (open
  by default, closed, all), `assignee` (an id, `me`, `none`), `client` (a client seen in
  full only), `q`. The list is sorted newest first by id (a stable order for paging; the
  page sorts by last activity).
- PATCH changes the assignee, the status and the client in one service call
  (`update_ticket`): all or nothing, one new version. 204: the change took the ticket away
  from you (given to someone else, off a client you do not see in full).
- POST /tickets/inbound takes the e-mail as JSON `{"raw": "<base64 of the .eml>"}` (one
  body format for the whole API, and a size the request limits already bound): for
  admins, as if it had arrived in the mailbox. 201 with the message, 200 `created: false`
  when it was already stored (same Message-ID), 422 on `raw` when it cannot be read —
  nothing is kept then (the caller has it).
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, expected_version, set_etag
from portefeuille.api.errors import in_query, problem_responses, renamed
from portefeuille.api.lookup import Id, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts.api_clients import pick
from portefeuille.firms.guards import UNSET
from portefeuille.firms.models import Colleague

from . import queries, services
from .models import Ticket, TicketMessage
from .schemas import (
    InboundIn,
    InboundOut,
    InboxStatisticsOut,
    TicketCreate,
    TicketDetailOut,
    TicketMessageIn,
    TicketMessageOut,
    TicketOut,
    TicketStatusFilter,
    TicketUpdate,
)

tickets_router = Router(tags=["inbox"])
inbox_router = Router(tags=["inbox"])

# A service's argument -> the body field that carries it.
API_NAMES = {"assignee": "assignee_id", "client": "client_id"}


# ---------------------------------------------------------------------------------------
# Reads through the door, and representations.
# ---------------------------------------------------------------------------------------


def _rows(actor: Colleague, filters: queries.TicketFilters | None = None) -> QuerySet[Ticket]:
    return queries.tickets(actor, filters or queries.TicketFilters(status="all"))


def _colleague(colleague: Colleague | None) -> dict[str, Any] | None:
    if colleague is None:
        return None
    return {"id": colleague.pk, "full_name": colleague.full_name, "is_active": colleague.is_active}


def represent_ticket(row: Any) -> dict[str, Any]:
    client = None
    if row.client_id is not None:
        # SECURITY: the client row was read with its id, name and kind only (queries.py).
        level = "full" if row.client_level >= Level.FULL else "name"
        client = {"id": row.client_id, "name": row.client.display_name, "level": level}
    return {
        "id": row.pk,
        "subject": row.subject,
        "status": row.status,
        "requester_email": row.requester_email,
        "requester_name": row.requester_name,
        "client": client,
        "assignee": _colleague(row.assignee),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "first_response_at": row.first_response_at,
        "closed_at": row.closed_at,
        "version": row.version,
    }


def represent_message(message: TicketMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": _colleague(message.author),
        "from_address": message.from_address,
        "from_name": message.from_name,
        "to_addresses": message.to_addresses,
        "subject": message.subject,
        "body": message.body,
        "created_at": message.created_at,
    }


def _detail(row: Ticket) -> dict[str, Any]:
    return {
        **represent_ticket(row),
        "messages": [represent_message(m) for m in queries.thread(row)],
    }


def _located(error: ValidationError) -> ValidationError:
    return renamed(error, API_NAMES)


# ---------------------------------------------------------------------------------------
# /tickets
# ---------------------------------------------------------------------------------------


class TicketListFilters(Schema):
    """The filters of the inbox (they combine). Ids of another firm match nothing."""

    status: TicketStatusFilter | None = Field(None, description="open (default), closed, all.")
    assignee: str | None = Field(None, description="A colleague id, `me`, or `none` (no one).")
    client: Id | None = Field(None, description="The tickets of one client seen in full.")
    q: str | None = Field(None, description="Words of the subject.")


@tickets_router.get("", response=Page[TicketOut], summary="List tickets")
def list_tickets(
    request: HttpRequest, page: Query[PageQuery], filters: Query[TicketListFilters]
) -> dict[str, Any]:
    """The tickets you see that match every filter given, newest first: those of the
    clients you see in full, those assigned to you whatever your level on their client, and
    — with full scope — those matched to no client yet."""
    actor = api_colleague(request)
    data = {k: str(v) for k, v in filters.model_dump().items() if v not in (None, "")}
    try:
        parsed = queries.parse_filters(data)
    except ValidationError as error:
        raise in_query(error, *error.error_dict) from None
    result = paginate(_rows(actor, parsed), page, order=("-id",))
    result["items"] = [represent_ticket(row) for row in result["items"]]
    return result


@tickets_router.post(
    "",
    response={201: TicketDetailOut, 204: None, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a ticket",
)
def create_ticket(request: HttpRequest, payload: TicketCreate, response: HttpResponse) -> Any:
    """A request taken by phone: `body` becomes its first internal note. `client_id`: a
    client you see in full (name only: 403; hidden: 422 on `client_id`). 204: created, but
    not yours to read (no assignee, no client, and you are a limited colleague)."""
    actor = api_colleague(request)
    client = None
    if payload.client_id is not None:
        client = pick(rules.visible_clients(actor, Level.NAME), payload.client_id, "client_id")
    try:
        ticket = services.create_ticket(
            actor=actor,
            subject=payload.subject,
            requester_email=payload.requester_email,
            requester_name=payload.requester_name,
            body=payload.body,
            client=client,
            assignee=payload.assignee_id,
        )
    except ValidationError as error:
        raise _located(error) from None
    row = _rows(actor).filter(pk=ticket.pk).first()
    if row is None:
        return Status(204, None)
    set_etag(response, row.version)
    return Status(201, _detail(row))


# Before the routes of one ticket: « inbound » is no ticket id.
@tickets_router.post(
    "/inbound",
    response={201: InboundOut, 200: InboundOut, **problem_responses(403)},
    summary="Receive an e-mail into the inbox (admins)",
)
def receive_inbound(request: HttpRequest, payload: InboundIn) -> Any:
    """The e-mail as if it had arrived in the mailbox: threaded to its ticket (a reply to
    one of ours, or « [#id] » in the subject from its requester), else a new ticket matched
    to the client with the sender's address. 200 `created: false`: already stored."""
    actor = api_colleague(request)
    try:
        raw = base64.b64decode(payload.raw.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise ValidationError(
            {"raw": ValidationError(_("Ce n'est pas du base64 valide."), code="invalid")}
        ) from None
    try:
        message = services.receive_email_as(actor=actor, raw=raw, source="api")
    except services.MalformedEmail as error:
        raise ValidationError({"raw": error.error_list}) from None
    if message is None:
        return Status(200, {"created": False, "ticket_id": None, "message_id": None})
    return Status(201, {"created": True, "ticket_id": message.ticket_id, "message_id": message.pk})


@tickets_router.get(
    "/{ticket_id}",
    response=TicketDetailOut,
    openapi_extra=etag_openapi(200),
    summary="A ticket and its messages",
)
def get_ticket(request: HttpRequest, ticket_id: int, response: HttpResponse) -> dict[str, Any]:
    actor = api_colleague(request)
    row = get_or_404(_rows(actor), ticket_id)
    set_etag(response, row.version)
    return _detail(row)


@tickets_router.patch(
    "/{ticket_id}",
    response={200: TicketDetailOut, 204: None, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a ticket's assignee, status or client",
)
def update_ticket(
    request: HttpRequest,
    ticket_id: int,
    payload: TicketUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Any:
    """Send the ETag in If-Match (or `version`) so a stale change is refused (412). A new
    assignee is told; closing tells the assignee. Moving a ticket off its client needs that
    client in full (403 otherwise). 204: the change took the ticket away from you."""
    actor = api_colleague(request)
    found = get_or_404(_rows(actor), ticket_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, found.version, sent_version=sent.pop("version", None))
    if "status" in sent and sent["status"] is None:
        raise ValidationError(
            {"status": ValidationError(_("Statut inconnu : open ou closed."), code="null")}
        )
    try:
        services.update_ticket(
            actor=actor,
            ticket=found.pk,
            expected_version=expected,
            assignee=sent.get("assignee_id", UNSET),
            status=sent.get("status", UNSET),
            client=sent.get("client_id", UNSET),
        )
    except ValidationError as error:
        raise _located(error) from None
    row = _rows(actor).filter(pk=found.pk).first()
    if row is None:
        return Status(204, None)
    set_etag(response, row.version)
    return _detail(row)


def _message_answer(message: TicketMessage) -> dict[str, Any]:
    found = TicketMessage.objects.select_related("author").get(pk=message.pk)
    return represent_message(found)


@tickets_router.post(
    "/{ticket_id}/replies",
    response={201: TicketMessageOut},
    summary="Reply to the requester",
)
def add_reply(request: HttpRequest, ticket_id: int, payload: TicketMessageIn) -> Any:
    """Stored on the ticket, then sent by e-mail to the requester once saved; the first
    reply sets the ticket's first response time."""
    actor = api_colleague(request)
    found = get_or_404(_rows(actor), ticket_id)
    message = services.reply_to_ticket(actor=actor, ticket=found.pk, body=payload.body)
    return Status(201, _message_answer(message))


@tickets_router.post(
    "/{ticket_id}/notes",
    response={201: TicketMessageOut},
    summary="Add an internal note",
)
def add_note(request: HttpRequest, ticket_id: int, payload: TicketMessageIn) -> Any:
    """Read by colleagues who see the ticket, never sent to the client; the assignee is
    told."""
    actor = api_colleague(request)
    found = get_or_404(_rows(actor), ticket_id)
    message = services.add_ticket_note(actor=actor, ticket=found.pk, body=payload.body)
    return Status(201, _message_answer(message))


# ---------------------------------------------------------------------------------------
# /inbox/statistics
# ---------------------------------------------------------------------------------------


class StatisticsQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    start: datetime.date | None = Field(
        None, alias="from", description="The first day (default: 30 days before `to`)."
    )
    end: datetime.date | None = Field(
        None, alias="to", description="The last day (default: today)."
    )


def _stat_row(row: queries.StatisticsRow) -> dict[str, Any]:
    delay = row.median_first_response
    return {
        "assignee": _colleague(row.colleague),
        "received": row.received,
        "still_open": row.still_open,
        "closed": row.closed,
        "answered": row.answered,
        "median_first_response_seconds": int(delay.total_seconds()) if delay is not None else None,
    }


@inbox_router.get(
    "/statistics", response=InboxStatisticsOut, summary="Tickets per assignee over a range"
)
def inbox_statistics(request: HttpRequest, period: Query[StatisticsQuery]) -> dict[str, Any]:
    """Per assignee, among the tickets you see: received in the range (and, of those,
    still open), closed in the range, and the median time to the first reply of those
    received that were answered. At most three years at once (422 beyond)."""
    actor = api_colleague(request)
    end = period.end or timezone.localdate()
    start = period.start or end - datetime.timedelta(days=queries.DEFAULT_DAYS)
    errors: dict[str, list[ValidationError]] = {}
    if start > end:
        errors["from"] = [ValidationError(_("La date de début est après la date de fin."))]
    elif (end - start).days > queries.MAX_DAYS:
        errors["from"] = [ValidationError(_("La période est limitée à trois ans."))]
    if errors:
        raise in_query(ValidationError(errors), "from")
    found = queries.ticket_statistics(actor, start, end)
    return {
        "start": start,
        "end": end,
        "rows": [_stat_row(row) for row in found.rows],
        "total": _stat_row(found.total),
    }
