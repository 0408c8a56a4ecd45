"""Statistics per responsible (docs/sales.md): opportunities — how many and what value — per
assignee and stage, and invoices per responsible (an invoice custom field of type User) and
status, over a date range.

SECURITY: only the records the viewer sees count (their door, `visible_to`): a statistic is
a list in disguise. Amounts are summed per currency, never across currencies. Each table is
one grouped query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum

from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.firms.models import Colleague, OpportunityStage

from .models import Invoice, Opportunity

# How far back the range starts by default, and the longest range read at once.
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


@dataclass
class Cell:
    count: int = 0
    # currency -> total
    totals: dict[str, Decimal] = field(default_factory=dict)

    def add(self, count: int, currency: str, total: Decimal | None) -> None:
        self.count += count
        self.totals[currency] = self.totals.get(currency, Decimal(0)) + (total or Decimal(0))


@dataclass
class Row:
    """One responsible (None: nobody) and their cells, by column key."""

    colleague: Colleague | None
    cells: dict[object, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)
    # The cells in the table's column order (empty cells included).
    line: list[Cell] = field(default_factory=list)


@dataclass
class Table:
    columns: list[tuple[object, str]]
    rows: list[Row]
    total: Cell
    # The largest row count, for the chart's scale (at least 1).
    peak: int


def _table(
    grouped: list[tuple[int | None, object, str, int, Decimal | None]],
    columns: list[tuple[object, str]],
    people: dict[int, Colleague],
) -> Table:
    rows: dict[int | None, Row] = {}
    total = Cell()
    for person_id, column, currency, count, amount in grouped:
        row = rows.get(person_id)
        if row is None:
            row = rows[person_id] = Row(people.get(person_id) if person_id else None)
        row.cells.setdefault(column, Cell()).add(count, currency, amount)
        row.total.add(count, currency, amount)
        total.add(count, currency, amount)
    ordered = sorted(
        rows.values(),
        key=lambda row: (
            row.colleague is None,
            (row.colleague.full_name if row.colleague else "").lower(),
            row.colleague.pk if row.colleague else 0,
        ),
    )
    for row in ordered:
        row.line = [row.cells.get(key, Cell()) for key, _label in columns]
    peak = max((row.total.count for row in ordered), default=0) or 1
    return Table(columns, ordered, total, peak)


def _people(firm_id: int, ids: set[int | None]) -> dict[int, Colleague]:
    wanted = [pk for pk in ids if pk is not None]
    return {c.pk: c for c in Colleague.objects.filter(firm_id=firm_id, pk__in=wanted)}


def opportunities_table(viewer: Colleague, start: datetime.date, end: datetime.date) -> Table:
    """The opportunities the viewer sees, created in [start, end], per assignee and stage."""
    stages = list(
        OpportunityStage.objects.filter(firm_id=viewer.firm_id).order_by("position", "pk")
    )
    grouped = list(
        Opportunity.objects.visible_to(viewer)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .order_by()
        .values_list("assignee_id", "stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("value"))
    )
    people = _people(viewer.firm_id, {row[0] for row in grouped})
    return _table(grouped, [(stage.pk, stage.name) for stage in stages], people)


def invoice_user_fields(firm_id: int) -> list[CustomField]:
    return list(
        CustomField.objects.filter(
            firm_id=firm_id,
            area=CustomField.Area.INVOICE,
            kind=CustomField.Kind.USER,
            archived=False,
        ).order_by("position", "pk")
    )


def invoices_table(
    viewer: Colleague, responsible: CustomField, start: datetime.date, end: datetime.date
) -> Table:
    """The invoices the viewer sees, dated in [start, end], per responsible (the value of
    `responsible`, a User field) and status."""
    who = CustomValue.objects.filter(field_id=responsible.pk, invoice_id=OuterRef("pk")).values(
        "user_id"
    )[:1]
    grouped = list(
        Invoice.objects.visible_to(viewer)
        .filter(date__gte=start, date__lte=end)
        .annotate(responsible_id=Subquery(who))
        .order_by()
        .values_list("responsible_id", "status", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    people = _people(viewer.firm_id, {row[0] for row in grouped})
    return _table(grouped, [(code, str(label)) for code, label in Invoice.Status.choices], people)
