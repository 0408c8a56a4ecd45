"""The work view's read model (docs/work.md): the filters shared by the board, the list, the
API and the saved segments, and the selection they make, always through the access door.

SECURITY: a work item seen by name only shows its title, its status and its client's name
(docs/access-rules.md). Any filter that looks at more — the assignee, the type, the dates,
the client team, the portfolio — would reveal that "more" on such rows (filtering a private
client's items by owner tells who owns it), so those filters keep only items seen in full.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, DateField, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.access.scopes import WorkItemQuerySet
from portefeuille.api import pagination
from portefeuille.contacts.models import Contact, GroupMembership
from portefeuille.contacts.queries import ContactFilters, filtered_contacts
from portefeuille.firms.models import Colleague, WorkStatus

from .models import WorkItem

DUE_RANGES = ("overdue", "week", "month")
COMPLETED = WorkStatus.PrimaryState.COMPLETED
STATES = tuple(WorkStatus.PrimaryState.values)
# Identifiers are positive database ids; anything larger is no id of ours.
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class WorkFilters:
    """What a board, a list or an API call asks for. Ids are of the viewer's firm or match
    nothing; every filter given must hold (they combine with AND)."""

    assignee: int | None = None
    client_owner: int | None = None  # an owner-roster entry
    client_manager: int | None = None
    role: int | None = None  # a titled role slot's number
    role_holder: int | None = None  # with `role`: its holder; alone: holds any titled role
    member: int | None = None  # a colleague on the client team (directly or by a team)
    mine: bool = False  # "mes clients": I own the client or am on its client team
    portfolio: int | None = None
    work_type: int | None = None
    status: int | None = None
    state: str = ""  # a primary state, or "open" (every state but completed)
    due: str = ""  # overdue, week, month
    due_before: datetime.date | None = None
    due_after: datetime.date | None = None
    client_group: int | None = None
    client: int | None = None
    q: str = ""

    @property
    def needs_full_access(self) -> bool:
        """Whether a filter looks at more than an item's title, status and client."""
        return (
            self.mine
            or bool(self.due)
            or any(
                value is not None
                for value in (
                    self.assignee,
                    self.client_owner,
                    self.client_manager,
                    self.role,
                    self.role_holder,
                    self.member,
                    self.portfolio,
                    self.work_type,
                    self.due_before,
                    self.due_after,
                )
            )
        )

    @property
    def filters_clients(self) -> bool:
        return self.mine or any(
            value is not None
            for value in (
                self.client_owner,
                self.client_manager,
                self.role,
                self.role_holder,
                self.member,
                self.portfolio,
            )
        )

    def without(self, *names: str) -> WorkFilters:
        defaults: dict[str, Any] = {f.name: f.default for f in fields(self) if f.name in names}
        return replace(self, **defaults)

    def as_query(self) -> dict[str, str]:
        """The filters given, as the query parameters `parse_filters` reads back."""
        query: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", False):
                continue
            name = QUERY_NAMES.get(f.name, f.name)
            query[name] = "1" if value is True else str(value)
        return query


# Field -> query parameter, where they differ (the API's names, PRODUCT.md §11).
QUERY_NAMES = {"work_type": "type"}
_INT_FIELDS = (
    "assignee",
    "client_owner",
    "client_manager",
    "role",
    "role_holder",
    "member",
    "portfolio",
    "work_type",
    "status",
    "client_group",
    "client",
)


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="invalid")})


def _parse_id(field: str, raw: str, me: Colleague | None) -> int:
    if (
        raw == "me"
        and me is not None
        and field in ("assignee", "client_manager", "member", "role_holder")
    ):
        return me.pk
    # isascii: "²" is a digit to str.isdigit() but not to int().
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= _MAX_ID:
        raise _bad(field, _("Identifiant invalide."))
    return int(raw)


def _parse_date(field: str, raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise _bad(field, _("Date invalide : attendu AAAA-MM-JJ.")) from None


def parse_filters(data: Mapping[str, Any], *, me: Colleague | None = None) -> WorkFilters:
    """The filters of a query string (web) or of the API's parameters; empty values are
    "not given". `me` lets `assignee=me` (and manager, member) name the viewer. A malformed
    value is a ValidationError on its parameter, every one of them at once."""
    values: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}

    def raw(name: str) -> str:
        value = data.get(QUERY_NAMES.get(name, name))
        return "" if value is None else str(value).strip()

    for name in _INT_FIELDS:
        text = raw(name)
        if text:
            try:
                values[name] = _parse_id(QUERY_NAMES.get(name, name), text, me)
            except ValidationError as error:
                errors.update(error.error_dict)
    for name in ("due_before", "due_after"):
        text = raw(name)
        if text:
            try:
                values[name] = _parse_date(name, text)
            except ValidationError as error:
                errors.update(error.error_dict)
    due = raw("due")
    if due:
        if due in DUE_RANGES:
            values["due"] = due
        else:
            errors.update(_bad("due", _("Échéance inconnue.")).error_dict)
    state = raw("state")
    if state:
        if state in STATES or state == "open":
            values["state"] = state
        else:
            errors.update(_bad("state", _("État inconnu.")).error_dict)
    mine = raw("mine")
    if mine:
        if mine in ("1", "true", "on", "yes"):
            values["mine"] = True
        elif mine not in ("0", "false", "off", "no"):
            errors.update(_bad("mine", _("Valeur invalide.")).error_dict)
    values["q"] = raw("q")[:200]
    if errors:
        raise ValidationError(errors)
    return WorkFilters(**values)


def _due_range(filters: WorkFilters, today: datetime.date) -> Q:
    if filters.due == "overdue":
        return Q(due_date__lt=today) & ~Q(status__primary_state=COMPLETED)
    if filters.due == "week":
        start = today - datetime.timedelta(days=today.weekday())
        return Q(due_date__gte=start, due_date__lt=start + datetime.timedelta(days=7))
    if filters.due == "month":
        start = today.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        return Q(due_date__gte=start, due_date__lt=end)
    return Q()


def _client_filters(filters: WorkFilters) -> ContactFilters:
    role_slot = filters.role
    return ContactFilters(
        view="mine" if filters.mine else "all",
        owner=filters.client_owner,
        manager=filters.client_manager,
        role_slot=role_slot,
        role_holder=filters.role_holder,
        member=filters.member,
        portfolio=filters.portfolio,
        include_inactive=True,
    )


def group_items_q(actor: Colleague, group_id: int) -> Q:
    """Items of a client group's Work tab: those of the group itself, and those of its
    members that name it — a member in several groups shows here only the items done for
    this group (docs/work.md). The group is read in full by the viewer, or nothing.

    The group's access is decided first, in one query: the items' query then names the
    group by its id instead of repeating the access subquery in each of its five parts
    (SQLite's parser refuses statements nested that deep for a limited colleague)."""
    opens = (
        rules.visible_clients(actor, Level.FULL)
        .filter(pk=group_id, kind=Contact.Kind.CLIENT_GROUP)
        .exists()
    )
    if not opens:
        return Q(pk__in=[])
    members = GroupMembership.objects.filter(firm_id=actor.firm_id, group_id=group_id)
    elsewhere = GroupMembership.objects.filter(
        firm_id=actor.firm_id, member_id__in=members.values("member_id")
    ).exclude(group_id=group_id)
    single = members.exclude(member_id__in=elsewhere.values("member_id"))
    return (
        Q(client_id=group_id)
        | Q(client_group_id=group_id, client_id__in=members.values("member_id"))
        | Q(client_group__isnull=True, client_id__in=single.values("member_id"))
    )


def work_items(
    actor: Colleague, filters: WorkFilters, *, today: datetime.date | None = None
) -> QuerySet[WorkItem]:
    """The items the viewer sees that match the filters (not ordered, not annotated): one
    SQL statement when evaluated."""
    min_level = Level.FULL if filters.needs_full_access else Level.NAME
    items = WorkItem.objects.visible_to(actor, min_level)
    if filters.filters_clients:
        # SECURITY: the client-team filters run on the clients the viewer sees in full
        # (contacts/queries.py applies the same rules as the contacts list).
        items = items.filter(client_id__in=filtered_contacts(actor, _client_filters(filters)))
    if filters.assignee is not None:
        items = items.filter(assignee_id=filters.assignee)
    if filters.work_type is not None:
        items = items.filter(work_type_id=filters.work_type)
    if filters.status is not None:
        items = items.filter(status_id=filters.status)
    if filters.state == "open":
        items = items.exclude(status__primary_state=COMPLETED)
    elif filters.state:
        items = items.filter(status__primary_state=filters.state)
    if filters.due:
        items = items.filter(_due_range(filters, today or timezone.localdate()))
    if filters.due_before is not None:
        items = items.filter(due_date__lte=filters.due_before)
    if filters.due_after is not None:
        items = items.filter(due_date__gte=filters.due_after)
    if filters.client is not None:
        items = items.filter(client_id=filters.client)
    if filters.client_group is not None:
        items = items.filter(group_items_q(actor, filters.client_group))
    for word in filters.q.split():
        items = items.filter(title__icontains=word)
    return items


# ---------------------------------------------------------------------------------------
# The board and the list: what each card shows, at the viewer's level on its client.
# ---------------------------------------------------------------------------------------

# Cards shown per column; the rest is "+N autres", a link to the list of that column.
BOARD_COLUMN_LIMIT = 25
LIST_PAGE_SIZE = 50
# The list's keyset order: by due date (no due date last), then id.
LIST_ORDER = ("due_key", "id")
_NO_DUE = datetime.date(9999, 12, 31)
# What a card reads of an item and its rows (never the description).
_CARD_FIELDS = (
    "id",
    "firm_id",
    "title",
    "status_id",
    "client_id",
    "version",
    "due_date",
    "assignee_id",
    "work_type_id",
    "client__id",
    "client__display_name",
    "client__kind",
    "assignee__id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
    "work_type__id",
    "work_type__name",
)


@dataclass(frozen=True)
class Card:
    """One work item as the board and the list show it. SECURITY: an item seen by name only
    carries its id, title, status and client's name, and nothing else (`full` False): the
    other fields stay empty whatever the row holds (docs/access-rules.md)."""

    id: int
    title: str
    status: WorkStatus
    client_id: int
    client_name: str
    full: bool
    client_kind: str = ""
    version: int | None = None
    assignee_name: str = ""
    work_type_name: str = ""
    due_date: datetime.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Column:
    status: WorkStatus
    total: int  # the items of this column matching the filters (its WIP count)
    cards: list[Card]

    @property
    def more(self) -> int:
        """Items of the column not shown on the board."""
        return self.total - len(self.cards)


@dataclass(frozen=True)
class Board:
    columns: list[Column]

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)


def work_statuses(actor: Colleague) -> list[WorkStatus]:
    """The firm's statuses in board order: the columns."""
    return list(WorkStatus.objects.filter(firm_id=actor.firm_id).order_by("position", "name"))


def _card(item: WorkItem, status: WorkStatus, today: datetime.date) -> Card:
    client = item.client
    if item.client_level < Level.FULL:  # type: ignore[attr-defined]
        return Card(
            id=item.pk,
            title=item.title,
            status=status,
            client_id=item.client_id,
            client_name=client.display_name,
            full=False,
        )
    return Card(
        id=item.pk,
        title=item.title,
        status=status,
        client_id=item.client_id,
        client_name=client.display_name,
        client_kind=client.kind,
        full=True,
        version=item.version,
        assignee_name=item.assignee.full_name if item.assignee is not None else "",
        work_type_name=item.work_type.name if item.work_type is not None else "",
        due_date=item.due_date,
        overdue=item.due_date is not None
        and item.due_date < today
        and status.primary_state != COMPLETED,
    )


def _card_rows(actor: Colleague, filters: WorkFilters, today: datetime.date) -> QuerySet[WorkItem]:
    items = cast("WorkItemQuerySet[WorkItem]", work_items(actor, filters, today=today))
    # SECURITY: the order of cards and the list's cursor read `due_key`, never `due_date`: an
    # item seen by name only sorts as if it had no due date (last, by id), or its place among
    # the others, and the cursor after it, would tell its due date.
    return (
        items.with_client_level(actor)
        .annotate(
            due_key=Case(
                When(client_level=int(Level.FULL), then=Coalesce("due_date", Value(_NO_DUE))),
                default=Value(_NO_DUE),
                output_field=DateField(),
            )
        )
        .select_related("client", "assignee", "work_type")
        .only(*_CARD_FIELDS)
    )


def board(
    actor: Colleague,
    filters: WorkFilters,
    *,
    per_column: int = BOARD_COLUMN_LIMIT,
    today: datetime.date | None = None,
) -> Board:
    """The Kanban board: one column per status of the firm, each with its count of matching
    items and its first `per_column` cards (by due date, none last). Two queries whatever
    the number of items, clients and statuses: the statuses, then the cards with their
    column's count (window functions over the one selection of `work_items`)."""
    today = today or timezone.localdate()
    statuses = work_statuses(actor)
    by_id = {status.pk: status for status in statuses}
    order = [F("due_key").asc(), F("id").asc()]
    rows = (
        _card_rows(actor, filters, today)
        .annotate(
            column_rank=Window(RowNumber(), partition_by=[F("status_id")], order_by=order),
            column_total=Window(Count("id"), partition_by=[F("status_id")]),
        )
        .filter(column_rank__lte=per_column)
        .order_by("status_id", "column_rank")
    )
    cards: dict[int, list[Card]] = {status.pk: [] for status in statuses}
    totals: dict[int, int] = {}
    for item in rows:
        status = by_id.get(item.status_id)
        if status is None:  # a status created since the columns were read
            continue
        cards[status.pk].append(_card(item, status, today))
        totals[status.pk] = item.column_total
    return Board(
        columns=[
            Column(status=status, total=totals.get(status.pk, 0), cards=cards[status.pk])
            for status in statuses
        ]
    )


@dataclass(frozen=True)
class ListPage:
    cards: list[Card]
    next_cursor: str | None


def work_list(
    actor: Colleague,
    filters: WorkFilters,
    *,
    after: str | None = None,
    limit: int = LIST_PAGE_SIZE,
    today: datetime.date | None = None,
) -> ListPage:
    """One page of the list view: the same selection as the board, every column, by due
    date (none last) then id, keyset-paged (a cursor not of ours: the first page). Two
    queries: the statuses and the page."""
    today = today or timezone.localdate()
    by_id = {status.pk: status for status in work_statuses(actor)}
    rows = _card_rows(actor, filters, today)
    try:
        found, next_cursor = pagination.keyset_page(
            rows, order=LIST_ORDER, limit=limit, cursor=after
        )
    except pagination.InvalidCursor:
        found, next_cursor = pagination.keyset_page(rows, order=LIST_ORDER, limit=limit)
    cards = [_card(item, by_id[item.status_id], today) for item in found if item.status_id in by_id]
    return ListPage(cards=cards, next_cursor=next_cursor)
