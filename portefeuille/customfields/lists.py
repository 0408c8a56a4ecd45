"""The custom fields of a list page of records (docs/custom-fields.md): its `cf_…` filters
read from the query string and applied to the list's own selection (through its door), the
columns of the fields shown in the list with each row's values (one query for the page),
and what the filter form offers. Used by the opportunity, project and invoice lists; the
contacts list does the same for its rows seen in full (contacts/views.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague

from . import queries
from .models import CustomField


@dataclass
class CustomList:
    actor: Colleague
    area: str
    fields: list[CustomField]
    filters: queries.CustomFilters
    colleagues: list[Colleague]

    @property
    def columns(self) -> list[CustomField]:
        return [field for field in self.fields if field.in_list]

    @property
    def query(self) -> dict[str, str]:
        """The filters' parameters, for the list's links (« Afficher plus », segments)."""
        return self.filters.as_query()

    @property
    def problems(self) -> list[tuple[str, str]]:
        """What was wrong with the filters, as (field label, message)."""
        labels = {field.parameter: field.label for field in self.fields}
        found = []
        for parameter, message in self.filters.problems:
            base = parameter.removesuffix("_from").removesuffix("_to")
            found.append((labels.get(base, parameter), message))
        return found

    def apply(self, selection: QuerySet[Any]) -> QuerySet[Any]:
        """The list's selection with the custom filters: among what the reader sees, never
        more (a condition on the records of the list's door)."""
        condition = self.filters.q(self.area, self.actor)
        return selection.filter(condition) if condition is not None else selection

    def decorate(self, rows: Iterable[Any]) -> None:
        """Gives each row its `custom_values` for the columns (one query for the page)."""
        rows = list(rows)
        columns = self.columns
        values = queries.values_for(rows, self.area, columns) if columns else {}
        for row in rows:
            row.custom_values = queries.shown_values(columns, values.get(row.pk))

    def context(self) -> dict[str, Any]:
        return {
            "custom_columns": self.columns,
            "custom_filters": queries.filter_choices(self.fields, self.filters),
            "custom_colleagues": self.colleagues,
        }


def custom_list(actor: Colleague, area: str, data: Mapping[str, Any]) -> CustomList:
    """The custom fields of a list for this query string: one query for the fields, one for
    the colleagues when a User field is among them."""
    fields = queries.fields_for(actor.firm_id, area)
    colleagues: list[Colleague] = []
    if any(field.kind == CustomField.Kind.USER for field in fields):
        colleagues = list(active_colleagues(actor.firm_id))
    found = (
        queries.parse_custom_filters(actor, area, data, fields)
        if fields
        else (queries.CustomFilters())
    )
    return CustomList(actor, area, fields, found, colleagues)
