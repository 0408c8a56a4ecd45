"""Segments on the contacts, opportunities and invoices lists (docs/custom-fields.md,
"Segments"): a list's filters saved under a name (work.models.Segment, area `contacts`,
`opportunities`, `invoices`), for their owner or shared with the firm, shown above the list
with each one's live count.

SECURITY: a segment stores a query string, never records. Each reader's count is the list's
own selection for that reader, through the list's door (one COUNT per segment): sharing a
segment shares no record, and `me` in a shared segment means each reader.

Each list says here how its query string is read back (`canonical`: only the valid filters,
in the order the segments store them) and counted (`counter`). The list modules are
imported when first needed: they import this module to show the segments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import QueryDict
from django.urls import reverse

from portefeuille.firms.models import Colleague
from portefeuille.work.models import Segment

from . import queries as custom
from .models import CustomField

# Segments listed above a list (its owner's first, then those shared with the firm).
SHOWN = 20


@dataclass(frozen=True)
class SegmentArea:
    area: str  # Segment.Area
    list_url: str  # the list page's URL name
    # The valid filters of a query string, as parameters (for the actor).
    canonical: Callable[[Colleague, QueryDict], dict[str, str]]
    # For the actor: a function counting the records a query string selects (the setup
    # queries run once for all the segments shown).
    counter: Callable[[Colleague], Callable[[str], int]]


def stored(query: Mapping[str, str]) -> str:
    """A query string as the segments store it (work/services.py::save_segment)."""
    return urlencode(sorted((key, value) for key, value in query.items() if value != ""))


# ---------------------------------------------------------------------------------------
# The lists.
# ---------------------------------------------------------------------------------------


def _contact_setup(actor: Colleague) -> tuple[Any, set[int], list[CustomField]]:
    from portefeuille.contacts import views as contact_views
    from portefeuille.firms.models import RoleSlot

    titled = set(
        RoleSlot.objects.filter(firm_id=actor.firm_id)
        .exclude(title="")
        .values_list("number", flat=True)
    )
    return contact_views, titled, custom.fields_for(actor.firm_id, custom.Area.CONTACT)


def _contact_filters(actor: Colleague, data: QueryDict, setup: Any) -> Any:
    from dataclasses import replace

    contact_views, titled, fields = setup
    filters = contact_views.filters_from_query(data, titled)
    if not actor.firm.ownership_enabled:
        filters = replace(filters, owner=None)
    filters, _found = contact_views.with_custom_filters(actor, filters, data, fields)
    return filters


def _contact_canonical(actor: Colleague, data: QueryDict) -> dict[str, str]:
    setup = _contact_setup(actor)
    filters = _contact_filters(actor, data, setup)
    return dict(parse_qsl(setup[0]._query_string(filters)))


def _contact_counter(actor: Colleague) -> Callable[[str], int]:
    from portefeuille.contacts import queries as contact_queries

    setup = _contact_setup(actor)

    def count(query: str) -> int:
        filters = _contact_filters(actor, QueryDict(query), setup)
        return contact_queries.filtered_contacts(actor, filters).count()

    return count


def _sales_filters(
    actor: Colleague,
    data: QueryDict,
    parse: Callable[..., Any],
    area: str,
    fields: list[CustomField],
) -> tuple[Any, custom.CustomFilters]:
    """A sales list's filters; a malformed one is left out (never an error here)."""
    values = {key: data.get(key, "") for key in data if not key.startswith("cf_")}
    try:
        filters = parse(values, me=actor)
    except ValidationError as error:
        for name in error.message_dict:
            values.pop(name, None)
        filters = parse(values, me=actor)
    return filters, custom.parse_custom_filters(actor, area, data, fields)


def _sales_area(kind: str) -> tuple[Callable[..., Any], Callable[..., Any], str]:
    from portefeuille.sales import queries as sales_queries

    if kind == "opportunities":
        return (
            sales_queries.parse_opportunity_filters,
            sales_queries.opportunities,
            custom.Area.OPPORTUNITY,
        )
    return sales_queries.parse_invoice_filters, sales_queries.invoices, custom.Area.INVOICE


def _sales_canonical(kind: str) -> Callable[[Colleague, QueryDict], dict[str, str]]:
    def canonical(actor: Colleague, data: QueryDict) -> dict[str, str]:
        from portefeuille.sales import queries as sales_queries

        parse, _select, area = _sales_area(kind)
        fields = custom.fields_for(actor.firm_id, area)
        filters, found = _sales_filters(actor, data, parse, area, fields)
        query = sales_queries.as_query(filters)
        for name, value in data.items():
            # `me` stays `me`: a shared segment means each of its readers.
            if value == "me" and name in query:
                query[name] = "me"
        return {**query, **found.as_query()}

    return canonical


def _sales_counter(kind: str) -> Callable[[Colleague], Callable[[str], int]]:
    def counter(actor: Colleague) -> Callable[[str], int]:
        parse, select, area = _sales_area(kind)
        fields = custom.fields_for(actor.firm_id, area)

        def count(query: str) -> int:
            filters, found = _sales_filters(actor, QueryDict(query), parse, area, fields)
            selection = select(actor, filters)
            condition = found.q(area, actor)
            if condition is not None:
                selection = selection.filter(condition)
            return int(selection.order_by().count())

        return count

    return counter


AREAS: dict[str, SegmentArea] = {
    Segment.Area.CONTACTS: SegmentArea(
        Segment.Area.CONTACTS, "contacts:list", _contact_canonical, _contact_counter
    ),
    Segment.Area.OPPORTUNITIES: SegmentArea(
        Segment.Area.OPPORTUNITIES,
        "opportunity_list",
        _sales_canonical("opportunities"),
        _sales_counter("opportunities"),
    ),
    Segment.Area.INVOICES: SegmentArea(
        Segment.Area.INVOICES,
        "invoice_list",
        _sales_canonical("invoices"),
        _sales_counter("invoices"),
    ),
}


# ---------------------------------------------------------------------------------------
# What a list shows.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownSegment:
    segment: Segment
    url: str
    count: int
    mine: bool
    current: bool

    @property
    def pk(self) -> int:
        return self.segment.pk

    @property
    def name(self) -> str:
        return self.segment.name


def readable_segments(actor: Colleague, area: str) -> Any:
    """The segments of a list a colleague may open: their own, and those shared with the
    firm; their own first, by name."""
    return (
        Segment.objects.filter(firm_id=actor.firm_id, area=area)
        .filter(Q(owner_id=actor.pk) | Q(shared=True))
        .select_related("owner")
        .annotate(
            not_mine=Case(
                When(owner_id=actor.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("not_mine", "name", "id")
    )


def segment_sidebar(actor: Colleague, area: str, current_query: str) -> dict[str, Any]:
    """The segments shown above a list, each with its live count for the reader (one COUNT
    query each, at most SHOWN of them), and what the « Enregistrer comme segment » form
    carries (the list's current filters)."""
    spec = AREAS[area]
    segments = list(readable_segments(actor, area)[:SHOWN])
    current = stored(dict(parse_qsl(current_query)))
    shown: list[ShownSegment] = []
    if segments:
        count = spec.counter(actor)
        base = reverse(spec.list_url)
        for segment in segments:
            shown.append(
                ShownSegment(
                    segment=segment,
                    url=f"{base}?{segment.query}" if segment.query else base,
                    count=count(segment.query),
                    mine=segment.owner_id == actor.pk,
                    current=segment.query == current,
                )
            )
    return {"area": area, "segments": shown, **segment_form(area, current_query)}


def segment_form(area: str, current_query: str) -> dict[str, str]:
    """What the « Enregistrer comme segment » form carries: the list's current filters
    (no query: swapped into the page again when the list's results change)."""
    return {
        "query": stored(dict(parse_qsl(current_query))),
        "save_url": reverse("segment_save", args=[area]),
    }
