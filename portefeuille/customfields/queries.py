"""The custom fields' read model (docs/custom-fields.md): the fields of an area, the values of
a batch of records in one query, how a value reads, and the list filters on custom values.

SECURITY: values are only ever read for records the reader already holds through their door
(`values_for(records)` is given rows read by `visible_to`), and a filter is a condition on
the record's own door queryset (`custom_filter_q` → `Q(pk__in=...)`), never a door of its
own. A custom value of a contact is a fact of the client: the contacts list keeps only rows
seen in full when a custom filter is given (contacts/queries.py::needs_full_access), as for
its other filters beyond the name. A User value grants nothing to the colleague it names.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import formats
from django.utils.translation import gettext as _

from portefeuille.contacts.models import normalise_for_search
from portefeuille.firms.models import Colleague

from .cleaning import clean_date, clean_number
from .models import CustomField, CustomValue

Area = CustomField.Area
Kind = CustomField.Kind

# The parameters of a list's query string: `cf_<id>` (contains for a text, equals for the
# others; `me` or `none` for a User field, `none` for a choice), `cf_<id>_from` and
# `cf_<id>_to` for a range of numbers or dates.
PARAMETER = re.compile(r"^cf_(\d{1,18})(?:_(from|to))?$")
ME = "me"
NONE = "none"

_COLLEAGUE_FIELDS = ("user__id", "user__first_name", "user__last_name", "user__email")
_COLLEAGUE_FIELDS_ACTIVE = (*_COLLEAGUE_FIELDS, "user__is_active")


def fields_for(firm_id: int, area: str, *, in_list: bool | None = None) -> list[CustomField]:
    """The active (not archived) fields of an area, in their order: one query."""
    found = CustomField.objects.filter(firm_id=firm_id, area=area, archived=False)
    if in_list is not None:
        found = found.filter(in_list=in_list)
    return list(found.order_by("position", "id"))


def values_for(
    records: Iterable[Model], area: str, fields: Sequence[CustomField] | None = None
) -> dict[int, dict[int, CustomValue]]:
    """{record id: {field id: value}} for records the reader holds through their door, for
    the given fields (default: every active field of the area): one query whatever the
    number of records, none when there is nothing to read."""
    ids = [record.pk for record in records if record.pk is not None]
    if not ids or (fields is not None and not fields):
        return {}
    column = str(area)
    found = CustomValue.objects.filter(**{f"{column}_id__in": ids}).select_related("user")
    if fields is not None:
        found = found.filter(field_id__in=[field.pk for field in fields])
    else:
        found = found.filter(field__archived=False)
    found = found.only(
        "id",
        "field_id",
        f"{column}_id",
        "text",
        "number",
        "date",
        "choice",
        "user_id",
        *_COLLEAGUE_FIELDS_ACTIVE,
    )
    result: dict[int, dict[int, CustomValue]] = defaultdict(dict)
    for value in found:
        result[getattr(value, f"{column}_id")][value.field_id] = value
    return dict(result)


def raw_value(field: CustomField, value: CustomValue | None) -> Any:
    """The value held (None when the record has none): str, Decimal, date or Colleague."""
    if value is None:
        return None
    match field.kind:
        case Kind.TEXT:
            return value.text or None
        case Kind.NUMBER:
            return value.number
        case Kind.DATE:
            return value.date
        case Kind.CHOICE:
            return value.choice or None
        case Kind.USER:
            return value.user if value.user_id is not None else None
    return None


def number_text(number: Decimal) -> str:
    """A number in the reader's language, its useless zeros left out ("1 234,5")."""
    normal = number.normalize()
    exponent = normal.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return str(formats.number_format(normal, places, use_l10n=True, force_grouping=True))


def colleague_name(colleague: Colleague) -> str:
    name = colleague.full_name or colleague.email
    if not colleague.is_active:
        return str(_("%(name)s (désactivé·e)") % {"name": name})
    return name


def value_text(field: CustomField, value: CustomValue | None) -> str:
    """How a value reads on a page, in the reader's language ("" when none)."""
    held = raw_value(field, value)
    if held is None:
        return ""
    if isinstance(held, Colleague):
        return colleague_name(held)
    if isinstance(held, Decimal):
        return number_text(held)
    if isinstance(held, datetime.date):
        return str(formats.date_format(held, "SHORT_DATE_FORMAT"))
    return str(held)


def api_value(field: CustomField, value: CustomValue | None) -> Any:
    """How a value reads in the API: a text, a decimal string, an ISO date, a choice, or a
    colleague {id, full_name, is_active}; None when the record has none."""
    held = raw_value(field, value)
    if isinstance(held, Colleague):
        return {"id": held.pk, "full_name": held.full_name, "is_active": held.is_active}
    if isinstance(held, Decimal):
        return str(held.normalize()) if held != 0 else "0"
    if isinstance(held, datetime.date):
        return held.isoformat()
    return held


def form_value(field: CustomField, value: CustomValue | None) -> Any:
    """The value as a form shows it back (what the form posts again keeps it)."""
    held = raw_value(field, value)
    if held is None:
        return ""
    if isinstance(held, Colleague):
        return str(held.pk)
    if isinstance(held, Decimal):
        normal = held.normalize()
        exponent = normal.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return str(formats.number_format(normal, places, use_l10n=True))
    return held


@dataclass(frozen=True)
class ShownValue:
    """A field and its value on one record, as a page shows it."""

    field: CustomField
    text: str
    colleague: Colleague | None = None

    @property
    def label(self) -> str:
        return self.field.label


def shown_values(
    fields: Sequence[CustomField], values: Mapping[int, CustomValue] | None
) -> list[ShownValue]:
    """Every field, in order, with its value on the record ("" when none)."""
    values = values or {}
    shown = []
    for field in fields:
        value = values.get(field.pk)
        held = raw_value(field, value)
        shown.append(
            ShownValue(
                field=field,
                text=value_text(field, value),
                colleague=held if isinstance(held, Colleague) else None,
            )
        )
    return shown


def record_values(firm_id: int, area: str, record: Model) -> list[ShownValue]:
    """The active fields of an area with their values on one record (held through its
    door): two queries."""
    fields = fields_for(firm_id, area)
    if not fields:
        return []
    return shown_values(fields, values_for([record], area, fields).get(record.pk, {}))


def api_values(
    fields: Sequence[CustomField], values: Mapping[int, CustomValue] | None
) -> dict[str, Any]:
    """{"<field id>": value or None} for every active field (the API's `custom_fields`)."""
    values = values or {}
    return {str(field.pk): api_value(field, values.get(field.pk)) for field in fields}


# ---------------------------------------------------------------------------------------
# Filters.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomFilter:
    """One condition on a custom value: `op` is contains (text), is, from, to, or none (the
    record holds no value); `raw` is what the query string said (`me` stays `me`: a saved
    segment means each reader)."""

    field: CustomField
    op: str
    value: Any
    parameter: str
    raw: str


@dataclass(frozen=True)
class CustomFilters:
    """The custom filters of a list, and what was wrong in its query string."""

    filters: tuple[CustomFilter, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()  # (parameter, message)

    def __bool__(self) -> bool:
        return bool(self.filters)

    def as_query(self) -> dict[str, str]:
        """The parameters of the filters, as a list's query string carries them."""
        return {item.parameter: item.raw for item in self.filters}

    def q(self, area: str, me: Colleague | None) -> Q | None:
        """Every filter at once (each must hold), as a condition on the record model."""
        if not self.filters:
            return None
        condition = Q()
        for item in self.filters:
            condition &= custom_filter_q(item.field, item.op, item.value, area, me=me)
        return condition

    def raw_of(self, parameter: str) -> str:
        return next((item.raw for item in self.filters if item.parameter == parameter), "")

    def errors(self) -> ValidationError:
        """The problems as a ValidationError keyed by parameter (the API's 422)."""
        found: dict[str, list[str]] = defaultdict(list)
        for parameter, message in self.problems:
            found[parameter].append(message)
        return ValidationError(dict(found))


def _user_filter(raw: str, me: Colleague | None) -> tuple[str, Any] | None:
    if raw == ME:
        return ("is", me.pk) if me is not None else None
    if raw == NONE:
        return ("none", None)
    if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63:
        return ("is", int(raw))
    return None


def parse_custom_filters(
    actor: Colleague,
    area: str,
    data: Mapping[str, Any],
    fields: Sequence[CustomField] | None = None,
) -> CustomFilters:
    """The `cf_…` parameters of a query string for this area's active fields (given, or read
    in one query when a `cf_` parameter is there). An empty value is no filter; a malformed
    one, or an unknown, archived or other area's field, is left out and said."""
    wanted = []
    for key in data:
        if not isinstance(key, str) or not key.startswith("cf_"):
            continue
        raw = data.get(key)
        text = "" if raw is None else " ".join(str(raw).split())[:200]
        if text:
            wanted.append((key, text))
    if not wanted:
        return CustomFilters()
    if fields is None:
        fields = fields_for(actor.firm_id, area)
    known = {field.pk: field for field in fields}
    filters: list[CustomFilter] = []
    problems: list[tuple[str, str]] = []
    unknown = _("Champ personnalisé inconnu.")
    for parameter, text in sorted(wanted):
        match = PARAMETER.match(parameter)
        field = known.get(int(match.group(1))) if match else None
        if match is None or field is None:
            problems.append((parameter, str(unknown)))
            continue
        bound = match.group(2) or ""
        label = field.label
        if bound and field.kind not in (Kind.NUMBER, Kind.DATE):
            problems.append((parameter, str(unknown)))
            continue
        try:
            if field.kind == Kind.TEXT:
                filters.append(CustomFilter(field, "contains", text, parameter, text))
            elif field.kind in (Kind.NUMBER, Kind.DATE):
                reader = clean_number if field.kind == Kind.NUMBER else clean_date
                value = reader(text, parameter)
                filters.append(CustomFilter(field, bound or "is", value, parameter, text))
            elif field.kind == Kind.CHOICE:
                if text == NONE:
                    filters.append(CustomFilter(field, "none", None, parameter, text))
                    continue
                choice = next((c for c in field.choices if c.casefold() == text.casefold()), None)
                if choice is None:
                    problems.append(
                        (
                            parameter,
                            _("« %(value)s » n'est pas un choix du champ « %(label)s ».")
                            % {"value": text, "label": label},
                        )
                    )
                    continue
                filters.append(CustomFilter(field, "is", choice, parameter, choice))
            else:
                found = _user_filter(text, actor)
                if found is None:
                    problems.append(
                        (
                            parameter,
                            _("%(label)s : un collègue, « me » ou « none ».") % {"label": label},
                        )
                    )
                    continue
                op, value = found
                filters.append(CustomFilter(field, op, value, parameter, text))
        except ValidationError as error:
            problems.extend((parameter, f"{label} : {message}") for message in error.messages)
    return CustomFilters(filters=tuple(filters), problems=tuple(problems))


_COLUMNS: dict[str, str] = {
    Kind.TEXT: "text",
    Kind.NUMBER: "number",
    Kind.DATE: "date",
    Kind.CHOICE: "choice",
    Kind.USER: "user",
}


def custom_filter_q(
    field: CustomField, op: str, value: Any, area: str, *, me: Colleague | None = None
) -> Q:
    """A condition on the record model of `area` (Contact, Opportunity…): the records whose
    value of `field` satisfies `op` / `value` — contains (text), is, from, to (inclusive),
    or none (no value). `value` "me" names `me`. Apply it to a queryset of the record's
    door: it selects among what the reader already sees, never more."""
    record_column = f"{area}_id"
    column = _COLUMNS[field.kind]
    values = CustomValue.objects.filter(field_id=field.pk, **{f"{record_column}__isnull": False})
    if value == ME and field.kind == Kind.USER:
        value = me.pk if me is not None else None
        if value is None:
            return Q(pk__in=[])
    if op == "none":
        held = (
            values.exclude(**{column: ""})
            if column in ("text", "choice")
            else values.filter(**{f"{column}__isnull": False})
        )
        return ~Q(pk__in=held.values(record_column))
    if op == "contains":
        for word in normalise_for_search(str(value)).split():
            values = values.filter(text_search__contains=word)
    elif op == "from":
        values = values.filter(**{f"{column}__gte": value})
    elif op == "to":
        values = values.filter(**{f"{column}__lte": value})
    elif field.kind == Kind.USER:
        values = values.filter(user_id=value)
    else:
        values = values.filter(**{column: value})
    return Q(pk__in=values.values(record_column))


def filter_choices(fields: Sequence[CustomField], filters: CustomFilters) -> list[dict[str, Any]]:
    """What a list's filter form offers for each field, with the current values."""
    shown = []
    for field in fields:
        parameter = field.parameter
        shown.append(
            {
                "field": field,
                "parameter": parameter,
                "value": filters.raw_of(parameter),
                "from": filters.raw_of(f"{parameter}_from"),
                "to": filters.raw_of(f"{parameter}_to"),
            }
        )
    return shown
