"""The client monitor's read model (docs/exchange.md): the clients the viewer sees, under
every filter of the contacts page, with the columns the viewer chose, sorted on any of them,
keyset-paged, and the same rows for an export. A constant number of queries per page.

SECURITY: the rows are `contacts.queries.filtered_contacts` (the access door, with the
contacts page's filters and their rule: a filter beyond the name and privacy keeps only rows
seen in full). Sorting on any column but the name is such a filter too — ordering private
rows by their owner would tell who owns them — so it keeps only rows seen in full. A row
seen by name only carries its name and nothing else, on the page and in an export. The
columns' values of a full row are read for the page's rows only, through the same rules as
the client's page: its titled roles (an untitled slot shows nowhere), its open work (all its
items are read in full, as the client is), its last activity (its notes and the e-mails the
viewer may read: the share-communication rule).
"""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portefeuille.access import rules
from portefeuille.access.communication import communication_address
from portefeuille.access.rules import Level
from portefeuille.api import pagination
from portefeuille.contacts.models import Contact, TimelineItem
from portefeuille.contacts.queries import ContactFilters, filtered_contacts, titled_roles
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, WorkStatus
from portefeuille.work.models import WorkItem

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The count shown above the table stops here (the export says the exact number).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class MonitorColumn:
    """A column the viewer may choose: its key (in the query string), its header, the type
    of its cells (exchange/writers.py), and whether it sorts."""

    key: str
    label: str
    kind: str = "text"
    sortable: bool = True


def _base_columns(ownership: bool) -> list[MonitorColumn]:
    found = [
        MonitorColumn("name", str(_("Nom"))),
        MonitorColumn("code", str(_("Identifiant client"))),
        MonitorColumn("kind", str(pgettext_lazy("genre de contact", "Genre"))),
        MonitorColumn("type", str(_("Type de contact"))),
        MonitorColumn("privacy", str(_("Confidentialité"))),
    ]
    if ownership:
        found.append(MonitorColumn("owner", str(_("Responsable client"))))
    found += [
        MonitorColumn("manager", str(_("Gestionnaire"))),
        MonitorColumn("portfolio", str(_("Portefeuille"))),
        MonitorColumn("email", str(_("Adresse de communication")), sortable=False),
        MonitorColumn("open_work", str(_("Travail en cours")), kind="number"),
        MonitorColumn("last_activity", str(_("Dernière activité")), kind="datetime"),
        MonitorColumn("created", str(_("Créé le")), kind="datetime"),
    ]
    return found


def columns_for(actor: Colleague) -> list[MonitorColumn]:
    """Every column the viewer may choose, in the table's order: the titled role slots come
    after the manager (an untitled slot is no column)."""
    base = _base_columns(actor.firm.ownership_enabled)
    slots = [
        MonitorColumn(f"role_{slot.number}", slot.title)
        for slot in RoleSlot.objects.filter(firm_id=actor.firm_id)
        .exclude(title="")
        .order_by("number")
    ]
    at = next(i for i, column in enumerate(base) if column.key == "manager") + 1
    return [*base[:at], *slots, *base[at:]]


DEFAULT_COLUMNS = ("name", "type", "owner", "manager", "portfolio", "open_work")


@dataclass(frozen=True)
class MonitorQuery:
    """What the monitor shows: the contacts page's filters, the chosen columns (keys of
    `columns_for`, the name always first), the sort column and its direction."""

    filters: ContactFilters
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    sort: str = "name"
    descending: bool = False

    @property
    def needs_full_access(self) -> bool:
        return self.filters.needs_full_access or self.sort != "name"


def choose(
    actor: Colleague,
    filters: ContactFilters,
    columns: Sequence[str],
    sort: str,
    *,
    available: Sequence[MonitorColumn] | None = None,
) -> MonitorQuery:
    """A MonitorQuery from what a query string asked: unknown columns are dropped, the name
    is always shown first, an unknown or unsortable sort column sorts by name; `-key` sorts
    descending."""
    known = {column.key: column for column in (available or columns_for(actor))}
    chosen = ["name", *(key for key in dict.fromkeys(columns) if key in known and key != "name")]
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in known or not known[key].sortable:
        key, descending = "name", False
    return MonitorQuery(filters=filters, columns=tuple(chosen), sort=key, descending=descending)


# ---------------------------------------------------------------------------------------
# Sorting: each sortable column as a non-null annotation, then the name and the id.
# ---------------------------------------------------------------------------------------

_SORT_TYPES: dict[str, type] = {"open_work": int, "last_activity": datetime.datetime}


def _open_work(actor: Colleague) -> Subquery:
    # SECURITY: used on rows seen in full only, whose items are all read in full.
    return Subquery(
        WorkItem.objects.filter(firm_id=actor.firm_id, client_id=OuterRef("pk"))
        .exclude(status__primary_state=WorkStatus.PrimaryState.COMPLETED)
        .order_by()
        .values("client_id")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


def _last_activity(actor: Colleague) -> Greatest:
    """The latest of the client's own change, its work's and its timeline's (notes, and the
    e-mails the viewer may read): rows seen in full only."""
    timeline = TimelineItem.objects.filter(firm_id=actor.firm_id, client_id=OuterRef("pk"))
    if not actor.is_admin:
        # SECURITY: an e-mail the viewer may not read does not date the row either.
        timeline = timeline.exclude(rules.hidden_emails_q(actor))
    latest_note = Subquery(
        timeline.order_by().values("client_id").annotate(at=Max("created_at")).values("at"),
        output_field=DateTimeField(),
    )
    latest_work = Subquery(
        WorkItem.objects.filter(firm_id=actor.firm_id, client_id=OuterRef("pk"))
        .order_by()
        .values("client_id")
        .annotate(at=Max("updated_at"))
        .values("at"),
        output_field=DateTimeField(),
    )
    return Greatest(
        "updated_at",
        Coalesce(latest_note, "updated_at"),
        Coalesce(latest_work, "updated_at"),
        output_field=DateTimeField(),
    )


def _sort_key(actor: Colleague, key: str) -> Any:
    """The sort column's value as a non-null SQL expression."""
    if key == "code":
        return Coalesce("client_code", Value(""))
    if key == "kind":
        return Coalesce("kind", Value(""))
    if key == "type":
        return Coalesce("contact_type__name", Value(""))
    if key == "privacy":
        return Coalesce("privacy", Value(""))
    if key == "owner":
        return Coalesce("owner__colleague__last_name", "owner__name", Value(""))
    if key == "manager":
        return Coalesce("manager__last_name", Value(""))
    if key == "portfolio":
        return Coalesce("portfolio__name", Value(""))
    if key.startswith("role_"):
        holder = titled_roles(actor.firm_id).filter(
            client_id=OuterRef("pk"), slot=int(key.removeprefix("role_"))
        )
        return Coalesce(Subquery(holder.values("colleague__last_name")[:1]), Value(""))
    if key == "open_work":
        return Coalesce(_open_work(actor), Value(0))
    if key == "last_activity":
        return _last_activity(actor)
    if key == "created":
        return F("created_at")
    raise ValueError(key)


def _ordered(actor: Colleague, query: MonitorQuery) -> tuple[QuerySet[Contact], tuple[str, ...]]:
    """The filtered rows with their sort annotation, and the keyset order."""
    filters = query.filters
    if query.needs_full_access and not filters.needs_full_access:
        # Sorting on a column beyond the name: only rows seen in full (module docstring).
        rows = filtered_contacts(actor, filters).filter(rules.full_access_q(actor))
    else:
        rows = filtered_contacts(actor, filters)
    if query.sort == "name":
        order: tuple[str, ...] = ("search_name", "id")
        if query.descending:
            order = ("-search_name", "-id")
        return rows, order
    rows = rows.annotate(sort_value=_sort_key(actor, query.sort))
    sign = "-" if query.descending else ""
    return rows, (f"{sign}sort_value", "search_name", "id")


def _cursor_types(query: MonitorQuery) -> tuple[type, ...]:
    if query.sort == "name":
        return (str, int)
    if query.sort == "created":
        return (datetime.datetime, str, int)
    return (_SORT_TYPES.get(query.sort, str), str, int)


# ---------------------------------------------------------------------------------------
# The rows and their cells.
# ---------------------------------------------------------------------------------------


@dataclass
class MonitorRow:
    contact: Any  # a Contact annotated with access_level
    # Column key -> the cell's value (text, number, moment, or None), full rows only.
    cells: dict[str, Any] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return bool(self.contact.access_level >= Level.FULL)

    def value(self, key: str) -> Any:
        if key == "name":
            return self.contact.display_name
        return self.cells.get(key) if self.full else None


@dataclass
class MonitorPage:
    rows: list[MonitorRow]
    next_cursor: str | None
    count: int
    count_capped: bool


_ROW_FIELDS = (
    "id",
    "firm_id",
    "kind",
    "display_name",
    "search_name",
    "privacy",
    "client_code",
    "created_at",
    "updated_at",
    "owner__name",
    "owner__colleague__first_name",
    "owner__colleague__last_name",
    "owner__colleague__email",
    "manager__first_name",
    "manager__last_name",
    "manager__email",
    "manager__is_active",
    "portfolio__name",
    "portfolio__email",
    "contact_type__name",
)


def _fetch(
    actor: Colleague, rows: QuerySet[Contact], order: Sequence[str], query: MonitorQuery
) -> QuerySet[Contact]:
    fetched = (
        rules.annotate_level(actor, rows)
        .select_related("owner__colleague", "manager", "portfolio", "contact_type")
        .only(*_ROW_FIELDS)
        .order_by(*order)
    )
    if "last_activity" in query.columns and query.sort != "last_activity":
        fetched = fetched.annotate(last_activity=_last_activity(actor))
    if "open_work" in query.columns and query.sort != "open_work":
        fetched = fetched.annotate(open_work=_open_work(actor))
    return fetched


def _fill(actor: Colleague, query: MonitorQuery, found: list[Any]) -> list[MonitorRow]:
    """The rows' cells, for the rows seen in full: one more query for the roles."""
    full = [c for c in found if c.access_level >= Level.FULL]
    roles: dict[int, dict[int, str]] = defaultdict(dict)
    if full and any(key.startswith("role_") for key in query.columns):
        for client_id, slot, first, last, email in (
            titled_roles(actor.firm_id)
            .filter(client_id__in=[c.pk for c in full])
            .values_list(
                "client_id",
                "slot",
                "colleague__first_name",
                "colleague__last_name",
                "colleague__email",
            )
        ):
            roles[client_id][slot] = f"{first} {last}".strip() or email
    firm = actor.firm
    kinds = dict(Contact.Kind.choices)
    privacies = dict(Privacy.choices)
    result: list[MonitorRow] = []
    for contact in found:
        row = MonitorRow(contact=contact)
        if row.full:
            address = communication_address(contact, firm)
            sort_value = getattr(contact, "sort_value", None)
            row.cells = {
                "code": contact.client_code or None,
                "kind": str(kinds.get(contact.kind, contact.kind)),
                "type": contact.contact_type.name if contact.contact_type_id else None,
                "privacy": str(privacies.get(contact.privacy, contact.privacy)),
                "owner": str(contact.owner) if contact.owner_id else None,
                "manager": contact.manager.full_name if contact.manager_id else None,
                "portfolio": contact.portfolio.name if contact.portfolio_id else None,
                "email": address.email if address is not None else None,
                "open_work": (
                    sort_value if query.sort == "open_work" else getattr(contact, "open_work", None)
                )
                or 0,
                "last_activity": (
                    sort_value
                    if query.sort == "last_activity"
                    else getattr(contact, "last_activity", None)
                ),
                "created": contact.created_at,
            }
            for key in query.columns:
                if key.startswith("role_"):
                    row.cells[key] = roles[contact.pk].get(int(key.removeprefix("role_")))
        result.append(row)
    return result


def monitor_page(
    actor: Colleague, query: MonitorQuery, *, after: str | None = None, limit: int = PAGE_SIZE
) -> MonitorPage:
    """One page of the monitor (keyset: the cursor holds the last row's sort values), with
    the count of every matching row (capped at COUNT_CAP). At most six queries."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows, order = _ordered(actor, query)
    count = rows.order_by().values("pk")[: COUNT_CAP + 1].count()
    paged = rows
    with contextlib.suppress(pagination.InvalidCursor):
        cursor = pagination.decode_cursor(after or "", _cursor_types(query))
        paged = rows.filter(pagination.after(order, cursor))
    found = list(_fetch(actor, paged, order, query)[: limit + 1])
    has_next = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if has_next:
        last = found[-1]
        values = [getattr(last, key.removeprefix("-")) for key in order]
        next_cursor = pagination.encode_cursor(values)
    return MonitorPage(
        rows=_fill(actor, query, found),
        next_cursor=next_cursor,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )


def selection(
    actor: Colleague, query: MonitorQuery, ids: Sequence[int] | None = None
) -> QuerySet[Contact]:
    """The rows an action on the monitor applies to: every matching row, or those of `ids`
    among them (an id the viewer may not see, or that does not match, is simply not there)."""
    rows, _order = _ordered(actor, query)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows


def export_rows(
    actor: Colleague, query: MonitorQuery, ids: Sequence[int] | None = None, *, batch: int = 1000
) -> Iterator[MonitorRow]:
    """Every row of the selection, in the monitor's order, read a batch at a time by keyset
    (flat memory, whatever the number of rows)."""
    rows, order = _ordered(actor, query)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    cursor: list[Any] | None = None
    while True:
        page = rows if cursor is None else rows.filter(pagination.after(order, cursor))
        found = list(_fetch(actor, page, order, query)[:batch])
        if not found:
            return
        yield from _fill(actor, query, found)
        if len(found) < batch:
            return
        cursor = [getattr(found[-1], key.removeprefix("-")) for key in order]
