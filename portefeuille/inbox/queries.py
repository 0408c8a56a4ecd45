"""The shared inbox's read model (docs/inbox.md): the filters of the inbox (the page, the API
and the segments read them with one parser), the selection they make, a ticket's thread,
and the statistics per assignee — always through the tickets' door
(`Ticket.objects.visible_to`, access/scopes.py), a constant number of queries whatever the
number of tickets.

SECURITY: a ticket may be seen through its assignee while its client is seen by name only,
or not at all: such a row carries `client_level` NAME and the pages show its client's name
and nothing else of the client. The `client` filter keeps only tickets of a client the
viewer sees in full, so probing client ids never tells which hidden client a ticket of
theirs belongs to.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.api import pagination
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague

from .models import InboundFailure, Ticket, TicketMessage

PAGE_SIZE = 50
# The inbox's order: the last activity first (a message, a change), then the newest id.
ORDER = ("-updated_at", "-id")
STATUSES = ("open", "closed", "all")
# `assignee`: a colleague's id, `me` (each reader: a shared segment means its reader) or
# `none` (no one).
ME, NOBODY = "me", "none"
_MAX_ID = 2**63 - 1
# The statistics' default range and the longest one read at once.
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366

# What a row of the inbox reads of a ticket, of its client (its name, never more) and of
# its assignee.
ROW_FIELDS = (
    "id",
    "firm_id",
    "subject",
    "status",
    "requester_email",
    "requester_name",
    "created_at",
    "updated_at",
    "closed_at",
    "first_response_at",
    "version",
    "client_id",
    "assignee_id",
    "client__id",
    "client__display_name",
    "client__kind",
    "assignee__id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
    "assignee__is_active",
)


# ---------------------------------------------------------------------------------------
# Filters.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilters:
    status: str = "open"  # open (the default), closed, all
    assignee: str = ""  # a colleague id, `me`, `none`; empty: anyone
    client: int | None = None
    q: str = ""  # words of the subject

    def as_query(self) -> dict[str, str]:
        """The filters given, as the query parameters `parse_filters` reads back (the
        default status is not written)."""
        query: dict[str, str] = {}
        if self.status != "open":
            query["status"] = self.status
        if self.assignee:
            query["assignee"] = self.assignee
        if self.client is not None:
            query["client"] = str(self.client)
        if self.q:
            query["q"] = self.q
        return query


QUERY_NAMES = frozenset(TicketFilters.__dataclass_fields__)


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code="invalid")})


def _is_id(raw: str) -> bool:
    # isascii: "²" is a digit to str.isdigit() but not to int().
    return raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_ID


def parse_filters(data: Mapping[str, Any]) -> TicketFilters:
    """The filters of a query string. A malformed value is a ValidationError on its
    parameter, every one of them at once; unknown parameters are ignored."""

    def raw(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value).strip()

    errors: dict[str, list[ValidationError]] = {}
    values: dict[str, Any] = {}
    status = raw("status")
    if status:
        if status in STATUSES:
            values["status"] = status
        else:
            errors.update(_bad("status", _("Statut inconnu : open, closed ou all.")).error_dict)
    assignee = raw("assignee")
    if assignee:
        if assignee in (ME, NOBODY) or _is_id(assignee):
            values["assignee"] = assignee
        else:
            errors.update(
                _bad("assignee", _("Un identifiant de collègue, « me » ou « none ».")).error_dict
            )
    client = raw("client")
    if client:
        if _is_id(client):
            values["client"] = int(client)
        else:
            errors.update(_bad("client", _("Identifiant invalide.")).error_dict)
    values["q"] = " ".join(raw("q").split())[:200]
    if errors:
        raise ValidationError(errors)
    return TicketFilters(**values)


def lenient_filters(data: Mapping[str, Any]) -> tuple[TicketFilters, dict[str, list[str]]]:
    """The filters of a query string, a malformed one left out; and what was wrong, by
    parameter (a page says it, never an error page)."""
    values = {key: data.get(key, "") for key in data if key in QUERY_NAMES}
    try:
        return parse_filters(values), {}
    except ValidationError as error:
        problems = error.message_dict
        for name in problems:
            values.pop(name, None)
        return parse_filters(values), problems


# ---------------------------------------------------------------------------------------
# The selections.
# ---------------------------------------------------------------------------------------


def tickets(actor: Colleague, filters: TicketFilters) -> QuerySet[Ticket]:
    """The tickets the viewer sees that match the filters, each with `client_level` (not
    ordered): one SQL statement when evaluated."""
    rows = Ticket.objects.visible_to(actor)
    if filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.assignee == ME:
        rows = rows.filter(assignee_id=actor.pk)
    elif filters.assignee == NOBODY:
        rows = rows.filter(assignee__isnull=True)
    elif filters.assignee:
        rows = rows.filter(assignee_id=int(filters.assignee))
    if filters.client is not None:
        seen = rules.visible_clients(actor, Level.FULL).filter(pk=filters.client).values("pk")
        rows = rows.filter(client_id__in=seen)
    for word in filters.q.split():
        rows = rows.filter(subject__icontains=word)
    return rows.with_client_level(actor).select_related("client", "assignee").only(*ROW_FIELDS)


@dataclass(frozen=True)
class ListPage:
    rows: list[Ticket]
    next_cursor: str | None


def page(selection: QuerySet[Ticket], after: str | None) -> ListPage:
    """One page of the inbox after `after` (a cursor not of ours: the first page). One
    query."""
    try:
        rows, next_cursor = pagination.keyset_page(
            selection, order=ORDER, limit=PAGE_SIZE, cursor=after
        )
    except pagination.InvalidCursor:
        rows, next_cursor = pagination.keyset_page(selection, order=ORDER, limit=PAGE_SIZE)
    return ListPage(rows=rows, next_cursor=next_cursor)


def ticket_of(actor: Colleague, ticket_id: int) -> Ticket | None:
    """The ticket through its door, with `client_level`; None when unseen, unknown or of
    another firm. One read."""
    return tickets(actor, TicketFilters(status="all")).filter(pk=ticket_id).first()


def thread(ticket: Ticket) -> list[TicketMessage]:
    """A ticket's messages, oldest first, with their authors (one query). The caller read
    the ticket through its door."""
    return list(
        TicketMessage.objects.filter(ticket_id=ticket.pk, firm_id=ticket.firm_id)
        .select_related("author")
        .order_by("created_at", "id")
    )


def filter_client(actor: Colleague, client_id: int | None) -> Contact | None:
    """The client the inbox is filtered on, when the viewer sees it in full; else None."""
    if client_id is None:
        return None
    return (
        rules.visible_clients(actor, Level.FULL)
        .filter(pk=client_id)
        .only("id", "display_name", "kind")
        .first()
    )


def failures(actor: Colleague, limit: int = 5) -> tuple[int, list[InboundFailure]]:
    """For an admin: how many inbound e-mails could not be read, and the last ones (two
    queries). Others: none (a failure holds raw client mail)."""
    if not actor.is_admin or not actor.is_active:
        return 0, []
    kept = InboundFailure.objects.filter(firm_id=actor.firm_id)
    latest = list(kept.defer("raw").order_by("-created_at", "-id")[:limit])
    return (kept.count() if len(latest) == limit else len(latest)), latest


# ---------------------------------------------------------------------------------------
# Statistics per assignee.
# ---------------------------------------------------------------------------------------


@dataclass
class StatisticsRow:
    """One assignee (None: unassigned) over the range."""

    colleague: Colleague | None
    received: int = 0  # tickets created in the range
    still_open: int = 0  # of those, open now
    closed: int = 0  # tickets closed in the range
    answered: int = 0  # tickets created in the range that got a first response
    median_first_response: datetime.timedelta | None = None
    # The chart's bars (received, closed), in parts of the longest bar (0..1).
    received_share: float = 0.0
    closed_share: float = 0.0


@dataclass
class Statistics:
    start: datetime.date
    end: datetime.date
    rows: list[StatisticsRow]
    total: StatisticsRow = field(default_factory=lambda: StatisticsRow(None))


def day_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """[start 00:00, the day after end 00:00) in the site's time zone."""
    zone = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
    return low, high


def _median(delays: list[datetime.timedelta]) -> datetime.timedelta | None:
    if not delays:
        return None
    seconds = statistics.median(delay.total_seconds() for delay in delays)
    return datetime.timedelta(seconds=round(seconds))


def ticket_statistics(viewer: Colleague, start: datetime.date, end: datetime.date) -> Statistics:
    """Per assignee, the tickets the viewer sees (docs/inbox.md, "Statistics"): received in
    [start, end] and, of those, still open; closed in [start, end]; the median time to the
    first response of those received that were answered. Four queries, whatever the number
    of tickets (the delays of the range are read to take their median)."""
    low, high = day_range(start, end)
    seen = Ticket.objects.visible_to(viewer)
    created = Q(created_at__gte=low, created_at__lt=high)
    per: dict[int | None, StatisticsRow] = {}

    def row(pk: int | None) -> StatisticsRow:
        return per.setdefault(pk, StatisticsRow(None))

    for assignee_id, count, still_open in (
        seen.filter(created)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("id"), still=Count("id", filter=Q(status=Ticket.Status.OPEN)))
    ):
        row(assignee_id).received += count
        row(assignee_id).still_open += still_open
    for assignee_id, count in (
        seen.filter(status=Ticket.Status.CLOSED, closed_at__gte=low, closed_at__lt=high)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    ):
        row(assignee_id).closed += count
    delays: dict[int | None, list[datetime.timedelta]] = {}
    for assignee_id, opened, answered in (
        seen.filter(created, first_response_at__isnull=False)
        .order_by()
        .values_list("assignee_id", "created_at", "first_response_at")
    ):
        if answered is not None:
            delay = max(answered - opened, datetime.timedelta())
            delays.setdefault(assignee_id, []).append(delay)
    for assignee_id, found in delays.items():
        row(assignee_id).answered = len(found)
        row(assignee_id).median_first_response = _median(found)
    people = {
        colleague.pk: colleague
        for colleague in Colleague.objects.filter(
            firm_id=viewer.firm_id, pk__in=[pk for pk in per if pk is not None]
        )
    }
    for pk, found_row in per.items():
        found_row.colleague = people.get(pk) if pk is not None else None
    rows = sorted(
        per.values(),
        key=lambda r: (
            r.colleague is None,
            (r.colleague.full_name if r.colleague else "").lower(),
            r.colleague.pk if r.colleague else 0,
        ),
    )
    peak = max((max(r.received, r.closed) for r in rows), default=0) or 1
    for found_row in rows:
        found_row.received_share = found_row.received / peak
        found_row.closed_share = found_row.closed / peak
    total = StatisticsRow(
        None,
        received=sum(r.received for r in rows),
        still_open=sum(r.still_open for r in rows),
        closed=sum(r.closed for r in rows),
        answered=sum(r.answered for r in rows),
        median_first_response=_median([d for found in delays.values() for d in found]),
    )
    return Statistics(start=start, end=end, rows=rows, total=total)
