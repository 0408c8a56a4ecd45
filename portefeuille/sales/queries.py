"""The sales pages' read model (docs/sales.md): the filters of the opportunity, project and
invoice lists, and the selections they make, always through the records' door
(`Opportunity/Project/Invoice.objects.visible_to`, access/scopes.py), keyset-paged like the
work list, a constant number of queries whatever the number of rows.

SECURITY: a record may be seen through its own people (an opportunity's assignees, a
project's manager and collaborators) while its client is seen by name only, or not at all:
such a row carries `client_level` = NAME and the pages show its client's name and nothing
else of the client. The `client` filter keeps only records of a client the viewer sees in
full, so probing client ids never tells which hidden client a record of theirs belongs to.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import DateField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.api import pagination
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, OpportunityStage

from .models import Invoice, Opportunity, Project

PAGE_SIZE = 50
# Rows a contact's « Ventes » tab shows of each kind; the rest is one link to the list.
TAB_ROWS = 20
OUTCOMES = tuple(OpportunityStage.Outcome.values)
# Identifiers are positive database ids; anything larger is no id of ours.
_MAX_ID = 2**63 - 1
_NO_DATE = datetime.date(9999, 12, 31)

# The keyset orders: opportunities by expected close (none last), projects newest first,
# invoices by date, newest first. The last key is unique, so no row repeats or is skipped.
OPPORTUNITY_ORDER = ("close_key", "id")
PROJECT_ORDER = ("-id",)
INVOICE_ORDER = ("-date", "-id")

_PERSON = ("id", "first_name", "last_name", "email", "is_active")
_CLIENT = ("client__id", "client__display_name", "client__kind")


def _person(relation: str) -> tuple[str, ...]:
    return tuple(f"{relation}__{name}" for name in _PERSON)


# What a row reads of a record and of its client (never more than the client's name).
OPPORTUNITY_FIELDS = (
    "id",
    "firm_id",
    "title",
    "value",
    "currency",
    "expected_close",
    "stage_id",
    "client_id",
    "assignee_id",
    "second_assignee_id",
    "version",
    "stage__id",
    "stage__name",
    "stage__outcome",
    "stage__position",
    *_CLIENT,
    *_person("assignee"),
    *_person("second_assignee"),
)
PROJECT_FIELDS = (
    "id",
    "firm_id",
    "name",
    "start_date",
    "end_date",
    "client_id",
    "manager_id",
    "version",
    *_CLIENT,
    *_person("manager"),
)
INVOICE_FIELDS = (
    "id",
    "firm_id",
    "number",
    "date",
    "due_date",
    "amount",
    "currency",
    "status",
    "client_id",
    "version",
    *_CLIENT,
)


# ---------------------------------------------------------------------------------------
# Filters.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpportunityFilters:
    q: str = ""  # words of the title
    assignee: int | None = None  # the first or the second assignee
    stage: int | None = None
    outcome: str = ""  # open, won, lost: the outcome of the stage
    client: int | None = None


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""  # words of the name
    manager: int | None = None
    client: int | None = None


@dataclass(frozen=True)
class InvoiceFilters:
    q: str = ""  # part of the number
    status: str = ""
    client: int | None = None


Filters = OpportunityFilters | ProjectFilters | InvoiceFilters


def as_query(filters: Filters) -> dict[str, str]:
    """The filters given, as the query parameters the parsers read back."""
    query: dict[str, str] = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if value not in (None, ""):
            query[f.name] = str(value)
    return query


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="invalid")})


def _parse_id(field: str, raw: str, me: Colleague | None, *, me_allowed: bool = False) -> int:
    if raw == "me" and me_allowed and me is not None:
        return me.pk
    # isascii: "²" is a digit to str.isdigit() but not to int().
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= _MAX_ID:
        raise _bad(field, _("Identifiant invalide."))
    return int(raw)


class _Reader:
    """Reads the values of a query string, gathering what was malformed."""

    def __init__(self, data: Mapping[str, Any], me: Colleague | None) -> None:
        self.data, self.me = data, me
        self.values: dict[str, Any] = {}
        self.errors: dict[str, list[ValidationError]] = {}

    def raw(self, name: str) -> str:
        value = self.data.get(name)
        return "" if value is None else str(value).strip()

    def id(self, name: str, *, me_allowed: bool = False) -> None:
        text = self.raw(name)
        if text:
            try:
                self.values[name] = _parse_id(name, text, self.me, me_allowed=me_allowed)
            except ValidationError as error:
                self.errors.update(error.error_dict)

    def choice(self, name: str, choices: tuple[str, ...], message: str) -> None:
        text = self.raw(name)
        if text:
            if text in choices:
                self.values[name] = text
            else:
                self.errors.update(_bad(name, message).error_dict)

    def text(self, name: str) -> None:
        self.values[name] = self.raw(name)[:200]

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise ValidationError(self.errors)
        return self.values


def parse_opportunity_filters(
    data: Mapping[str, Any], *, me: Colleague | None = None
) -> OpportunityFilters:
    """The filters of a query string; `assignee=me` names the viewer. A malformed value is a
    ValidationError on its parameter, every one of them at once."""
    reader = _Reader(data, me)
    reader.text("q")
    reader.id("assignee", me_allowed=True)
    reader.id("stage")
    reader.id("client")
    reader.choice("outcome", OUTCOMES, _("Issue inconnue : open, won ou lost."))
    return OpportunityFilters(**reader.done())


def parse_project_filters(
    data: Mapping[str, Any], *, me: Colleague | None = None
) -> ProjectFilters:
    reader = _Reader(data, me)
    reader.text("q")
    reader.id("manager", me_allowed=True)
    reader.id("client")
    return ProjectFilters(**reader.done())


def parse_invoice_filters(
    data: Mapping[str, Any], *, me: Colleague | None = None
) -> InvoiceFilters:
    reader = _Reader(data, me)
    reader.text("q")
    reader.id("client")
    reader.choice("status", tuple(Invoice.Status.values), _("Statut de facture inconnu."))
    return InvoiceFilters(**reader.done())


def _client_q(actor: Colleague, client_id: int) -> Q:
    """Records of this client, when the viewer sees it in full (else none)."""
    seen = rules.visible_clients(actor, Level.FULL).filter(pk=client_id).values("pk")
    return Q(client_id__in=seen)


def filter_client(actor: Colleague, client_id: int | None) -> Contact | None:
    """The client a list is filtered on, when the viewer sees it in full (its name shown
    above the list); None otherwise."""
    if client_id is None:
        return None
    return (
        rules.visible_clients(actor, Level.FULL)
        .filter(pk=client_id)
        .only("id", "display_name", "kind")
        .first()
    )


# ---------------------------------------------------------------------------------------
# The selections.
# ---------------------------------------------------------------------------------------


def opportunities(actor: Colleague, filters: OpportunityFilters) -> QuerySet[Opportunity]:
    """The opportunities the viewer sees that match the filters, each with `client_level`
    and `close_key` (not ordered): one SQL statement when evaluated."""
    rows = Opportunity.objects.visible_to(actor)
    if filters.assignee is not None:
        rows = rows.filter(Q(assignee_id=filters.assignee) | Q(second_assignee_id=filters.assignee))
    if filters.stage is not None:
        rows = rows.filter(stage_id=filters.stage)
    if filters.outcome:
        rows = rows.filter(stage__outcome=filters.outcome)
    if filters.client is not None:
        rows = rows.filter(_client_q(actor, filters.client))
    for word in filters.q.split():
        rows = rows.filter(title__icontains=word)
    return (
        rows.with_client_level(actor)
        .annotate(close_key=Coalesce("expected_close", Value(_NO_DATE), output_field=DateField()))
        .select_related("client", "stage", "assignee", "second_assignee")
        .only(*OPPORTUNITY_FIELDS)
    )


def projects(actor: Colleague, filters: ProjectFilters) -> QuerySet[Project]:
    rows = Project.objects.visible_to(actor)
    if filters.manager is not None:
        rows = rows.filter(manager_id=filters.manager)
    if filters.client is not None:
        rows = rows.filter(_client_q(actor, filters.client))
    for word in filters.q.split():
        rows = rows.filter(name__icontains=word)
    return rows.with_client_level(actor).select_related("client", "manager").only(*PROJECT_FIELDS)


def invoices(actor: Colleague, filters: InvoiceFilters) -> QuerySet[Invoice]:
    rows = Invoice.objects.visible_to(actor)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.client is not None:
        rows = rows.filter(_client_q(actor, filters.client))
    if filters.q:
        rows = rows.filter(number__icontains=filters.q)
    return rows.with_client_level(actor).select_related("client").only(*INVOICE_FIELDS)


@dataclass(frozen=True)
class ListPage:
    rows: list[Any]
    next_cursor: str | None


def page(queryset: QuerySet[Any], order: tuple[str, ...], after: str | None) -> ListPage:
    """One page of a list after `after` (a cursor not of ours: the first page). One query."""
    try:
        rows, next_cursor = pagination.keyset_page(
            queryset, order=order, limit=PAGE_SIZE, cursor=after
        )
    except pagination.InvalidCursor:
        rows, next_cursor = pagination.keyset_page(queryset, order=order, limit=PAGE_SIZE)
    return ListPage(rows=rows, next_cursor=next_cursor)


def open_totals(selection: QuerySet[Opportunity]) -> list[tuple[str, Decimal]]:
    """The value of the open opportunities of a selection, per currency (one query)."""
    totals = (
        selection.filter(stage__outcome=OpportunityStage.Outcome.OPEN)
        .order_by()
        .values("currency")
        .annotate(total=Sum("value"))
        .order_by("currency")
    )
    return [(row["currency"], row["total"]) for row in totals if row["total"]]


def invoice_totals(selection: QuerySet[Invoice]) -> list[tuple[str, Decimal]]:
    """The amount of a selection of invoices, per currency (one query)."""
    totals = (
        selection.order_by().values("currency").annotate(total=Sum("amount")).order_by("currency")
    )
    return [(row["currency"], row["total"]) for row in totals if row["total"]]


def stages(actor: Colleague) -> list[OpportunityStage]:
    """The firm's pipeline, in its order."""
    return list(OpportunityStage.objects.filter(firm_id=actor.firm_id).order_by("position", "name"))


@dataclass
class Shown:
    """A slice of a list and how many rows the whole list has."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def shown(queryset: QuerySet[Any], order: tuple[str, ...], limit: int = TAB_ROWS) -> Shown:
    """The first `limit` rows and the total (two queries when there are more)."""
    rows = list(queryset.order_by(*order)[: limit + 1])
    if len(rows) <= limit:
        return Shown(rows=rows, total=len(rows))
    return Shown(rows=rows[:limit], total=queryset.count())


@dataclass
class ContactSales:
    opportunities: Shown
    projects: Shown
    invoices: Shown


def contact_sales(actor: Colleague, contact: Contact) -> ContactSales:
    """A contact's « Ventes » tab (the contact seen in full): its opportunities, projects and
    invoices, through their door. Three queries (and a count for each list cut short)."""
    return ContactSales(
        opportunities=shown(
            opportunities(actor, OpportunityFilters()).filter(client_id=contact.pk),
            OPPORTUNITY_ORDER,
        ),
        projects=shown(
            projects(actor, ProjectFilters()).filter(client_id=contact.pk), PROJECT_ORDER
        ),
        invoices=shown(
            invoices(actor, InvoiceFilters()).filter(client_id=contact.pk), INVOICE_ORDER
        ),
    )


def collaborators(project: Project) -> list[Colleague]:
    """A project's collaborators, by name (one query); colleagues of the firm are named to
    every colleague."""
    return list(
        Colleague.objects.filter(project_collaborations__project_id=project.pk).order_by(
            "last_name", "first_name", "id"
        )
    )
