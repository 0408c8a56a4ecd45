"""Keyset pagination for every list, of the API and of the pages: `?limit=` and an opaque
`?cursor=` (one codec, `encode_cursor` / `decode_cursor`, one paginator, `keyset_page`).

A list answers `{"items": [...], "next_cursor": "..." | null}`; the client passes
`next_cursor` back as `cursor` to get the next page, until it is null. The cursor holds the
sort values of the last item sent, so a page costs one indexed query however deep it is,
and rows added or removed meanwhile never shift the next page.

    @router.get("", response=Page[ContactOut])
    def list_contacts(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
        contacts = visible_contacts(api_colleague(request))
        return paginate(contacts, page, order=("search_name", "id"))

`order` names fields (or annotations) of the rows, `-` for descending; its last key must be
unique (`id`) so ties never repeat or skip rows, and the keys must not be NULL (annotate with
Coalesce first if they can be).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from .lookup import MAX_ID

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(Schema):
    """The query parameters of a list."""

    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items per page (1 to 200)."
    )
    cursor: str | None = Field(
        None, description="The `next_cursor` of the previous page; absent for the first page."
    )


class Page(Schema, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` to get the next page; null on the last page."
    )


class InvalidCursor(ValueError):
    """A cursor that is not one of ours (garbled, forged, or of another list)."""


def invalid_cursor() -> NinjaValidationError:
    """The API's answer to an InvalidCursor: a 422 on `cursor`."""
    return NinjaValidationError(
        [
            {
                "loc": ("query", "cursor"),
                "msg": _("Ce curseur n'est pas valide : reprenez la liste depuis le début."),
                "type": "cursor_invalid",
            }
        ]
    )


class _CursorEncoder(DjangoJSONEncoder):
    """Django's encoder, except that a moment keeps its microseconds: Django's rounds them
    to milliseconds, and a cursor must hold its row's sort value exactly."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque text of a cursor holding these sort values (text, numbers, moments)."""
    raw = json.dumps(list(values), cls=_CursorEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime.datetime:
        if not isinstance(value, str):
            raise InvalidCursor
        moment = datetime.datetime.fromisoformat(value)  # ValueError when not a moment
        if timezone.is_naive(moment):
            raise InvalidCursor
        try:
            # A moment at the edge of the calendar (year 1 or 9999 with an offset) has no
            # UTC form: the database would fail on it, so it is no cursor of ours.
            moment.astimezone(datetime.UTC)
        except OverflowError:
            raise InvalidCursor from None
        return moment
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidCursor
    return value


def decode_cursor(cursor: str, shape: int | Sequence[type]) -> list[Any]:
    """The sort values inside a cursor: `shape` is their number, or their types (`str`,
    `int`, `float`, `datetime.datetime`, read back from its text). InvalidCursor for
    anything else: the API answers it with `invalid_cursor()` (422), a page starts again
    from the top."""
    size = shape if isinstance(shape, int) else len(shape)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidCursor from None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)
        or any(isinstance(v, int) and abs(v) > MAX_ID for v in values)
    ):
        raise InvalidCursor
    if isinstance(shape, int):
        return values
    try:
        return [_typed(value, kind) for value, kind in zip(values, shape, strict=True)]
    except ValueError:
        raise InvalidCursor from None


def after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in this order: (a > x) | (a = x & b > y) | ..."""
    condition = Q()
    equal_so_far = Q()
    for key, value in zip(order, values, strict=True):
        field = key.removeprefix("-")
        lookup = "lt" if key.startswith("-") else "gt"
        condition |= equal_so_far & Q(**{f"{field}__{lookup}": value})
        equal_so_far &= Q(**{field: value})
    return condition


def _sort_values(row: Model, order: Sequence[str]) -> list[Any]:
    values = []
    for key in order:
        value: Any = row
        for part in key.removeprefix("-").split("__"):
            value = getattr(value, part)
        if value is None:
            raise ValueError(f"Sort key {key!r} is NULL; paginate on non-null keys only.")
        values.append(value)
    return values


def first_shown(
    queryset: QuerySet[Any],
    order: Sequence[str],
    want: int,
    show: Callable[[list[Any]], list[Any]],
) -> list[Any]:
    """The first `want` items that `show` makes of the rows of `queryset` (sorted by
    `order`), for reads where some rows are left out or reworded for the reader (history):
    rows are read in batches until enough are shown. Each shown item carries the sort
    values of its row (same attribute names), so a cursor built from it never tells what
    was left out after it."""
    found: list[Any] = []
    batch = max(2 * want, 100)
    queryset = queryset.order_by(*order)
    last: Any = None
    while len(found) < want:
        rows_after = queryset if last is None else queryset.filter(after(order, last))
        rows = list(rows_after[:batch])
        found.extend(show(rows))
        if len(rows) < batch:
            break
        last = _sort_values(rows[-1], order)
    return found[:want]


def keyset_page(
    queryset: QuerySet[Any],
    *,
    order: Sequence[str],
    limit: int,
    cursor: str | None = None,
    show: Callable[[list[Any]], list[Any]] | None = None,
) -> tuple[list[Any], str | None]:
    """One page of `queryset` sorted by `order` after `cursor`, and the cursor of the next
    page (None on the last): the one keyset paginator of pages and API. With `show`, the
    page holds what `show` makes of the rows (see `first_shown`). InvalidCursor when
    `cursor` is not one of this list's."""
    queryset = queryset.order_by(*order)
    try:
        if cursor:
            queryset = queryset.filter(after(order, decode_cursor(cursor, len(order))))
        if show is not None:
            rows = first_shown(queryset, order, limit + 1, show)
        else:
            rows = list(queryset[: limit + 1])
    except (ValueError, TypeError, DjangoValidationError):
        # A hand-made cursor whose values do not fit the fields' types.
        raise InvalidCursor from None
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(_sort_values(rows[-1], order))
    return rows, next_cursor


def paginate(
    queryset: QuerySet[Any],
    page: PageQuery | None = None,
    *,
    order: Sequence[str],
    show: Callable[[list[Any]], list[Any]] | None = None,
) -> dict[str, Any]:
    """One page of `queryset` sorted by `order`, as the `Page` body; a cursor not of ours
    is a 422 on `cursor`."""
    page = page or PageQuery(limit=DEFAULT_LIMIT, cursor=None)
    try:
        rows, next_cursor = keyset_page(
            queryset, order=order, limit=page.limit, cursor=page.cursor, show=show
        )
    except InvalidCursor:
        raise invalid_cursor() from None
    return {"items": rows, "next_cursor": next_cursor}
