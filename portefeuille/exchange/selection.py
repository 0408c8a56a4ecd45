"""How the client monitor reads its selection from a query string (docs/exchange.md): the
filters, columns and sort of the page, shared by the page, its exports, its bulk edit and
the task that writes a large export."""

from __future__ import annotations

from dataclasses import replace

from django.http import QueryDict

from portefeuille.contacts.views import filters_from_query, parse_id, with_custom_filters
from portefeuille.customfields import queries as custom
from portefeuille.firms.models import Colleague, RoleSlot

from . import monitor, writers
from .monitor import MonitorColumn, MonitorQuery

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Each format's file extension (the CSV for French Excel has « ; » between fields).
EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "csv_semicolon": "csv"}

# The filters' own parameters, kept in the query string of the sort links and the export.
FILTER_KEYS = (
    "view",
    "q",
    "kind",
    "type",
    "owner",
    "manager",
    "role",
    "role_holder",
    "member",
    "portfolio",
    "privacy",
    "inactive",
    "group",
    "coverage",
)


def query_and_columns(actor: Colleague, get: QueryDict) -> tuple[MonitorQuery, list[MonitorColumn]]:
    """The monitor's query from a query string — every contacts page filter (the monitor
    shows all contacts unless asked for « mine »), the chosen columns and the sort — and
    every column the actor may choose."""
    if "view" not in get:
        get = get.copy()
        get["view"] = "all"
    slots = set(
        RoleSlot.objects.filter(firm_id=actor.firm_id)
        .exclude(title="")
        .values_list("number", flat=True)
    )
    filters = filters_from_query(get, slots)
    group = parse_id(get.get("group"))
    if group is not None:
        filters = replace(filters, group=group)
    if not actor.firm.ownership_enabled:
        filters = replace(filters, owner=None)
    filters, _custom = with_custom_filters(actor, filters, get)
    available = monitor.columns_for(actor)
    # Columns as `col=a&col=b` (the form's checkboxes) or `col=a,b` (a short link).
    chosen = [key for value in get.getlist("col") for key in value.split(",") if key]
    chosen = chosen or list(monitor.DEFAULT_COLUMNS)
    query = monitor.choose(actor, filters, chosen, get.get("sort", "name"), available=available)
    return query, available


def filter_pairs(get: QueryDict) -> list[tuple[str, str]]:
    """The filter parameters of a query string (custom ones included), without the columns,
    the sort or the cursor."""
    return [
        (key, value)
        for key, values in get.lists()
        for value in values
        if (key in FILTER_KEYS or custom.PARAMETER.match(key)) and value != ""
    ]


def query_from(actor: Colleague, get: QueryDict) -> tuple[MonitorQuery, list[MonitorColumn]]:
    """The monitor's query of a query string and the columns it shows, in order."""
    query, available = query_and_columns(actor, get)
    by_key = {column.key: column for column in available}
    return query, [by_key[key] for key in query.columns]


def export_columns(shown: list[MonitorColumn]) -> list[writers.Column]:
    return [writers.Column(key=c.key, header=c.label, kind=c.kind) for c in shown]
