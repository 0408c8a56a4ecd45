"""API of the custom field definitions (/api/v1/custom-fields, docs/custom-fields.md): every
colleague lists and reads them (to read and send the `custom_fields` of records); admins
define, change (If-Match) and delete them. Values travel with their records: the contact's
`custom_fields` (contacts/api_clients.py) and the sales records'.

Thin adapters over customfields/services.py; another firm's field is the same 404 as an
unknown one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, expected_version, set_etag
from portefeuille.api.errors import problem_responses, renamed
from portefeuille.api.lookup import get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.firms.guards import UNSET, StaleVersionError, require_admin

from . import queries, services
from .models import CustomField
from .schemas import AreaName, CustomFieldCreate, CustomFieldOut, CustomFieldUpdate

router = Router(tags=["custom fields"])


# ---------------------------------------------------------------------------------------
# The `custom_fields` of records, for the records' own routers.
# ---------------------------------------------------------------------------------------


def custom_fields_of(
    firm_id: int, area: str, records: Iterable[Model]
) -> dict[int, dict[str, Any]]:
    """{record id: its `custom_fields` answer} for records the caller holds through their
    door (every active field of the area, null when no value): two queries for a page."""
    rows = [record for record in records if record.pk is not None]
    if not rows:
        return {}
    fields = queries.fields_for(firm_id, area)
    values = queries.values_for(rows, area, fields)
    return {row.pk: queries.api_values(fields, values.get(row.pk)) for row in rows}


def attach_custom_fields(firm_id: int, rows: Iterable[Model]) -> None:
    """Gives each row (all of one model, read through its door) its `custom_fields`
    answer, for the records' representations: two queries for a page, none when empty."""
    rows = list(rows)
    if not rows:
        return
    answers = custom_fields_of(firm_id, services.area_of(rows[0]), rows)
    for row in rows:
        row.custom_fields = answers.get(row.pk, {})  # type: ignore[attr-defined]


def located(error: ValidationError) -> ValidationError:
    """A values refusal located in the body's `custom_fields` object (`cf_12` →
    `custom_fields.12`)."""
    if not hasattr(error, "error_dict"):
        return error
    names = {
        name: f"custom_fields.{name.removeprefix('cf_')}"
        for name in error.error_dict
        if name.startswith("cf_")
    }
    return renamed(error, names)


@contextmanager
def custom_field_names() -> Iterator[None]:
    """Locates a service's refusal of custom values in the body (`located`)."""
    try:
        yield
    except StaleVersionError:
        raise
    except ValidationError as error:
        raise located(error) from None


class FieldFilters(Schema):
    area: AreaName | None = Field(None, description="contact, opportunity, project or invoice.")
    archived: bool = Field(False, description="Include archived fields.")


def _answer(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "area": field.area,
        "label": field.label,
        "kind": field.kind,
        "choices": list(field.choices),
        "position": field.position,
        "in_list": field.in_list,
        "archived": field.archived,
        "version": field.version,
        "created_at": field.created_at,
        "updated_at": field.updated_at,
    }


@router.get("", response=Page[CustomFieldOut], summary="List the custom fields")
def list_custom_fields(
    request: HttpRequest, page: Query[PageQuery], filters: Query[FieldFilters]
) -> dict[str, Any]:
    """The firm's fields, by records then in their order."""
    actor = api_colleague(request)
    fields = CustomField.objects.filter(firm_id=actor.firm_id)
    if filters.area:
        fields = fields.filter(area=filters.area)
    if not filters.archived:
        fields = fields.filter(archived=False)
    result = paginate(fields, page, order=("area", "position", "id"))
    result["items"] = [_answer(field) for field in result["items"]]
    return result


@router.post(
    "",
    response={201: CustomFieldOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Define a custom field (admins)",
)
def create_custom_field(
    request: HttpRequest, payload: CustomFieldCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    field = services.define_custom_field(
        actor=actor,
        area=payload.area,
        label=payload.label,
        kind=payload.kind,
        choices=payload.choices,
        in_list=payload.in_list,
    )
    set_etag(response, field.version)
    return Status(201, _answer(field))


def _field(request: HttpRequest, field_id: int) -> CustomField:
    actor = api_colleague(request)
    return get_or_404(CustomField.objects.filter(firm_id=actor.firm_id), field_id)


@router.get(
    "/{field_id}",
    response=CustomFieldOut,
    openapi_extra=etag_openapi(200),
    summary="A custom field",
)
def get_custom_field(request: HttpRequest, field_id: int, response: HttpResponse) -> dict[str, Any]:
    field = _field(request, field_id)
    set_etag(response, field.version)
    return _answer(field)


@router.patch(
    "/{field_id}",
    response={200: CustomFieldOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a custom field (admins)",
)
def update_custom_field(
    request: HttpRequest,
    field_id: int,
    payload: CustomFieldUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Label, choices, shown in the list, archived. Its records and type never change."""
    actor = api_colleague(request)
    require_admin(actor)
    field = _field(request, field_id)
    sent = payload.model_dump(exclude_unset=True)
    changes = {
        name: UNSET if sent.get(name) is None else sent[name]
        for name in ("label", "choices", "in_list", "archived")
    }
    field = services.update_custom_field(
        actor=actor,
        field=field,
        expected_version=expected_version(
            if_match, field.version, sent_version=sent.get("version")
        ),
        **changes,
    )
    set_etag(response, field.version)
    return _answer(field)


@router.delete(
    "/{field_id}",
    response={204: None, **problem_responses(403, 412)},
    summary="Delete a custom field and its values (admins)",
)
def delete_custom_field(
    request: HttpRequest, field_id: int, if_match: IfMatch = None
) -> Status[None]:
    """For good, with every value of it (archive it instead to keep them)."""
    actor = api_colleague(request)
    require_admin(actor)
    field = _field(request, field_id)
    services.delete_custom_field(
        actor=actor, field=field, expected_version=expected_version(if_match, field.version)
    )
    return Status(204, None)
