"""API of the sales records (docs/sales.md): /api/v1/opportunities, /projects and /invoices
(list with the lists' filters, create, read, change, delete) and /opportunity-stages (the
firm's pipeline, for every colleague).

Thin adapters over sales/services.py; every read goes through the records' door
(`Opportunity/Project/Invoice.objects.visible_to`, through sales/queries.py, the lists'
read model).

Decisions where the spec is silent:
- There is no name-only view of these records: a record is read in full or not at all.
  Read through its own people only (an opportunity's assignees, a project's manager or
  collaborators), it comes back whole, with its client as `{id, name, level: "name"}`:
  the client's id and name, nothing else of the client. Unknown, of another firm or not
  visible is the same 404, on every operation, before If-Match is looked at.
- Whoever sees a record may change or delete it (the services decide; its client never
  changes). Creating one needs the client in full: a client seen by name only is a 403, a
  hidden one an unknown `client_id` (422), as for work items.
- The filters are those of the list pages (sales/queries.py, one parser for both);
  `assignee` and `manager` also take `me`. `client` keeps only the records of a client
  you see in full, so probing ids tells nothing of a hidden client.
- Lists are sorted by id (keyset paged, constant queries).
- Amounts are decimal strings with two places ("1250.50"); the bodies take a string (the
  service reads "1 250,50" too) or a JSON number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, expected_version, set_etag
from portefeuille.api.errors import in_query, problem_responses, renamed
from portefeuille.api.lookup import Id, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts.api_clients import pick
from portefeuille.customfields.api import attach_custom_fields, custom_field_names
from portefeuille.customfields.models import CustomField
from portefeuille.customfields.services import write_with_custom_values
from portefeuille.firms.models import Colleague, OpportunityStage

from . import queries, services
from .models import Invoice, Opportunity, Project, ProjectCollaborator
from .schemas import (
    InvoiceCreate,
    InvoiceOut,
    InvoiceStatusName,
    InvoiceUpdate,
    OpportunityCreate,
    OpportunityOut,
    OpportunityStageOut,
    OpportunityUpdate,
    OutcomeName,
    ProjectCreate,
    ProjectOut,
    ProjectUpdate,
)

opportunities_router = Router(tags=["sales"])
projects_router = Router(tags=["sales"])
invoices_router = Router(tags=["sales"])
stages_router = Router(tags=["sales"])

# A service's argument -> the body field that carries it.
API_NAMES = {
    "stage": "stage_id",
    "assignee": "assignee_id",
    "second_assignee": "second_assignee_id",
    "manager": "manager_id",
    "collaborators": "collaborator_ids",
}
# What the answers read of a record besides what the lists read (sales/queries.py).
_TIMES = ("created_at", "updated_at")


# ---------------------------------------------------------------------------------------
# Reads through the door, and representations.
# ---------------------------------------------------------------------------------------


def _opportunity_rows(
    actor: Colleague, filters: queries.OpportunityFilters | None = None
) -> QuerySet[Opportunity]:
    rows = queries.opportunities(actor, filters or queries.OpportunityFilters())
    return rows.only(*queries.OPPORTUNITY_FIELDS, *_TIMES, "closed_at")


def _project_rows(
    actor: Colleague, filters: queries.ProjectFilters | None = None
) -> QuerySet[Project]:
    collaborators = ProjectCollaborator.objects.select_related("colleague").order_by(
        "colleague__last_name", "colleague__first_name", "colleague_id"
    )
    return (
        queries.projects(actor, filters or queries.ProjectFilters())
        .only(*queries.PROJECT_FIELDS, *_TIMES, "description")
        .prefetch_related(Prefetch("collaborators", queryset=collaborators, to_attr="people"))
    )


def _invoice_rows(
    actor: Colleague, filters: queries.InvoiceFilters | None = None
) -> QuerySet[Invoice]:
    return queries.invoices(actor, filters or queries.InvoiceFilters()).only(
        *queries.INVOICE_FIELDS, *_TIMES
    )


def _colleague(colleague: Colleague | None) -> dict[str, Any] | None:
    if colleague is None:
        return None
    return {"id": colleague.pk, "full_name": colleague.full_name, "is_active": colleague.is_active}


def _client(record: Any) -> dict[str, Any]:
    """The record's client at the reader's level (`client_level`, from the door): its id
    and name, and whether the reader sees it in full."""
    # SECURITY: the client row was read with its id, name and kind only (sales/queries.py).
    level = "full" if record.client_level >= Level.FULL else "name"
    return {"id": record.client_id, "name": record.client.display_name, "level": level}


def represent_opportunity(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "title": row.title,
        "value": str(row.value),
        "currency": row.currency,
        "stage": {"id": row.stage.pk, "name": row.stage.name, "outcome": row.stage.outcome},
        "expected_close": row.expected_close,
        "assignee": _colleague(row.assignee),
        "second_assignee": _colleague(row.second_assignee),
        "client": _client(row),
        "closed_at": row.closed_at,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "custom_fields": getattr(row, "custom_fields", {}),
    }


def represent_project(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "description": row.description,
        "manager": _colleague(row.manager),
        "collaborators": [_colleague(person.colleague) for person in row.people],
        "client": _client(row),
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "custom_fields": getattr(row, "custom_fields", {}),
    }


def represent_invoice(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "number": row.number,
        "date": row.date,
        "due_date": row.due_date,
        "amount": str(row.amount),
        "currency": row.currency,
        "status": row.status,
        "client": _client(row),
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "custom_fields": getattr(row, "custom_fields", {}),
    }


def _answer(
    rows: QuerySet[Any],
    pk: int,
    represent: Callable[[Any], dict[str, Any]],
    response: HttpResponse,
) -> dict[str, Any]:
    """The record as the caller sees it now (the 404 of an unknown id when they do not),
    with its ETag."""
    row = get_or_404(rows, pk)
    set_etag(response, row.version)
    attach_custom_fields(row.firm_id, [row])
    return represent(row)


def _changed_answer(
    rows: QuerySet[Any],
    pk: int,
    represent: Callable[[Any], dict[str, Any]],
    response: HttpResponse,
) -> Any:
    """The record after a change, as the caller sees it now; a change that took it away
    from them (they gave it to someone else, off a client they do not see in full) is a
    204: done, and nothing of the record to read any more."""
    row = rows.filter(pk=pk).first()
    if row is None:
        return Status(204, None)
    set_etag(response, row.version)
    attach_custom_fields(row.firm_id, [row])
    return represent(row)


def _located(error: ValidationError) -> ValidationError:
    """A service's refusal with the body's field names (`assignee` -> `assignee_id`)."""
    return renamed(error, API_NAMES)


def _service_changes(sent: Mapping[str, Any]) -> dict[str, Any]:
    """A PATCH body's fields as the service's arguments (`stage_id` -> `stage`)."""
    by_api_name = {api: service for service, api in API_NAMES.items()}
    return {by_api_name.get(name, name): value for name, value in sent.items()}


def _parsed(parse: Callable[..., Any], actor: Colleague, filters: Schema) -> Any:
    """A list's filters read by the pages' parser; a malformed one is a 422 on it."""
    data = {
        name: str(value) for name, value in filters.model_dump().items() if value not in (None, "")
    }
    try:
        return parse(data, me=actor)
    except ValidationError as error:
        raise in_query(error, *error.error_dict) from None


# ---------------------------------------------------------------------------------------
# /opportunities
# ---------------------------------------------------------------------------------------


class OpportunityListFilters(Schema):
    """The filters of the opportunity list (they combine). Ids of another firm match
    nothing."""

    assignee: str | None = Field(
        None, description="A colleague id, or `me`: the first or the second assignee."
    )
    stage: Id | None = Field(None, description="A stage id (/opportunity-stages).")
    outcome: OutcomeName | None = Field(None, description="The outcome of the stage.")
    client: Id | None = Field(None, description="The opportunities of one client seen in full.")
    q: str | None = Field(None, description="Words of the title.")


@opportunities_router.get("", response=Page[OpportunityOut], summary="List opportunities")
def list_opportunities(
    request: HttpRequest, page: Query[PageQuery], filters: Query[OpportunityListFilters]
) -> dict[str, Any]:
    """The opportunities you see that match every filter given, by id: those of the
    clients you see in full, and those assigned to you (first or second assignee) whatever
    your level on their client."""
    actor = api_colleague(request)
    selection = _opportunity_rows(actor, _parsed(queries.parse_opportunity_filters, actor, filters))
    result = paginate(selection, page, order=("id",))
    attach_custom_fields(actor.firm_id, result["items"])
    result["items"] = [represent_opportunity(row) for row in result["items"]]
    return result


@opportunities_router.post(
    "",
    response={201: OpportunityOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create an opportunity",
)
def create_opportunity(
    request: HttpRequest, payload: OpportunityCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """On a client you see in full (one seen by name only: 403; a hidden one is an unknown
    `client_id`). « Affectée à » (`assignee_id`) is required; its assignees are told."""
    actor = api_colleague(request)
    client = pick(rules.visible_clients(actor, Level.NAME), payload.client_id, "client_id")
    try:
        with custom_field_names():
            opportunity = write_with_custom_values(
                actor=actor,
                area=CustomField.Area.OPPORTUNITY,
                values=payload.custom_fields,
                write=lambda: services.create_opportunity(
                    actor=actor,
                    client=client,
                    title=payload.title,
                    assignee=payload.assignee_id,
                    second_assignee=payload.second_assignee_id,
                    value=payload.value,
                    currency=payload.currency,
                    stage=payload.stage_id,
                    expected_close=payload.expected_close,
                ),
            )
    except ValidationError as error:
        raise _located(error) from None
    answer = _answer(_opportunity_rows(actor), opportunity.pk, represent_opportunity, response)
    return Status(201, answer)


@opportunities_router.get(
    "/{opportunity_id}",
    response=OpportunityOut,
    openapi_extra=etag_openapi(200),
    summary="An opportunity",
)
def get_opportunity(
    request: HttpRequest, opportunity_id: int, response: HttpResponse
) -> dict[str, Any]:
    actor = api_colleague(request)
    return _answer(_opportunity_rows(actor), opportunity_id, represent_opportunity, response)


@opportunities_router.patch(
    "/{opportunity_id}",
    response={200: OpportunityOut, 204: None, **problem_responses(412)},
    openapi_extra=etag_openapi(200),
    summary="Change an opportunity",
)
def update_opportunity(
    request: HttpRequest,
    opportunity_id: int,
    payload: OpportunityUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Any:
    """Send the ETag in If-Match (or `version`) so a stale change is refused (412). A new
    assignee is told it was given to them, the assignees who stay that it changed. 204: the
    change took the opportunity away from you (given to others, on a client you do not see
    in full)."""
    actor = api_colleague(request)
    found = get_or_404(_opportunity_rows(actor), opportunity_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, found.version, sent_version=sent.pop("version", None))
    custom_values = sent.pop("custom_fields", None)
    try:
        with custom_field_names():
            write_with_custom_values(
                actor=actor,
                area=CustomField.Area.OPPORTUNITY,
                values=custom_values,
                write=lambda: services.update_opportunity(
                    actor=actor,
                    opportunity=found.pk,
                    expected_version=expected,
                    **_service_changes(sent),
                ),
                record=found,
            )
    except ValidationError as error:
        raise _located(error) from None
    return _changed_answer(_opportunity_rows(actor), found.pk, represent_opportunity, response)


@opportunities_router.delete(
    "/{opportunity_id}",
    response={204: None, **problem_responses(412)},
    summary="Delete an opportunity",
)
def delete_opportunity(
    request: HttpRequest, opportunity_id: int, if_match: IfMatch = None
) -> Status[None]:
    """Its history stays on its client."""
    actor = api_colleague(request)
    found = get_or_404(_opportunity_rows(actor), opportunity_id)
    services.delete_opportunity(
        actor=actor,
        opportunity=found.pk,
        expected_version=expected_version(if_match, found.version),
    )
    return Status(204, None)


# ---------------------------------------------------------------------------------------
# /projects
# ---------------------------------------------------------------------------------------


class ProjectListFilters(Schema):
    """The filters of the project list (they combine)."""

    manager: str | None = Field(None, description="A colleague id, or `me`.")
    client: Id | None = Field(None, description="The projects of one client seen in full.")
    q: str | None = Field(None, description="Words of the name.")


@projects_router.get("", response=Page[ProjectOut], summary="List projects")
def list_projects(
    request: HttpRequest, page: Query[PageQuery], filters: Query[ProjectListFilters]
) -> dict[str, Any]:
    """The projects you see that match every filter given, by id: those of the clients
    you see in full, and those you manage or work on whatever your level on their client."""
    actor = api_colleague(request)
    selection = _project_rows(actor, _parsed(queries.parse_project_filters, actor, filters))
    result = paginate(selection, page, order=("id",))
    attach_custom_fields(actor.firm_id, result["items"])
    result["items"] = [represent_project(row) for row in result["items"]]
    return result


@projects_router.post(
    "",
    response={201: ProjectOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a project",
)
def create_project(
    request: HttpRequest, payload: ProjectCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """On a client you see in full; its manager is you unless `manager_id` names another.
    Its manager and collaborators are told."""
    actor = api_colleague(request)
    client = pick(rules.visible_clients(actor, Level.NAME), payload.client_id, "client_id")
    try:
        with custom_field_names():
            project = write_with_custom_values(
                actor=actor,
                area=CustomField.Area.PROJECT,
                values=payload.custom_fields,
                write=lambda: services.create_project(
                    actor=actor,
                    client=client,
                    name=payload.name,
                    manager=payload.manager_id,
                    start_date=payload.start_date,
                    end_date=payload.end_date,
                    description=payload.description,
                    collaborators=payload.collaborator_ids,
                ),
            )
    except ValidationError as error:
        raise _located(error) from None
    return Status(201, _answer(_project_rows(actor), project.pk, represent_project, response))


@projects_router.get(
    "/{project_id}", response=ProjectOut, openapi_extra=etag_openapi(200), summary="A project"
)
def get_project(request: HttpRequest, project_id: int, response: HttpResponse) -> dict[str, Any]:
    actor = api_colleague(request)
    return _answer(_project_rows(actor), project_id, represent_project, response)


@projects_router.patch(
    "/{project_id}",
    response={200: ProjectOut, 204: None, **problem_responses(412)},
    openapi_extra=etag_openapi(200),
    summary="Change a project",
)
def update_project(
    request: HttpRequest,
    project_id: int,
    payload: ProjectUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Any:
    """Send the ETag in If-Match (or `version`) so a stale change is refused (412). 204:
    the change took the project away from you (you are no longer on it, and do not see its
    client in full)."""
    actor = api_colleague(request)
    found = get_or_404(_project_rows(actor), project_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, found.version, sent_version=sent.pop("version", None))
    if "description" in sent and sent["description"] is None:
        sent["description"] = ""
    if "collaborator_ids" in sent and sent["collaborator_ids"] is None:
        sent["collaborator_ids"] = []
    custom_values = sent.pop("custom_fields", None)
    try:
        with custom_field_names():
            write_with_custom_values(
                actor=actor,
                area=CustomField.Area.PROJECT,
                values=custom_values,
                write=lambda: services.update_project(
                    actor=actor,
                    project=found.pk,
                    expected_version=expected,
                    **_service_changes(sent),
                ),
                record=found,
            )
    except ValidationError as error:
        raise _located(error) from None
    return _changed_answer(_project_rows(actor), found.pk, represent_project, response)


@projects_router.delete(
    "/{project_id}", response={204: None, **problem_responses(412)}, summary="Delete a project"
)
def delete_project(request: HttpRequest, project_id: int, if_match: IfMatch = None) -> Status[None]:
    """Its history stays on its client."""
    actor = api_colleague(request)
    found = get_or_404(_project_rows(actor), project_id)
    services.delete_project(
        actor=actor, project=found.pk, expected_version=expected_version(if_match, found.version)
    )
    return Status(204, None)


# ---------------------------------------------------------------------------------------
# /invoices
# ---------------------------------------------------------------------------------------


class InvoiceListFilters(Schema):
    """The filters of the invoice list (they combine)."""

    status: InvoiceStatusName | None = None
    client: Id | None = Field(None, description="The invoices of one client seen in full.")
    q: str | None = Field(None, description="Part of the number.")


@invoices_router.get("", response=Page[InvoiceOut], summary="List invoices")
def list_invoices(
    request: HttpRequest, page: Query[PageQuery], filters: Query[InvoiceListFilters]
) -> dict[str, Any]:
    """The invoices of the clients you see in full that match every filter given, by id
    (an invoice has no people of its own: its client decides)."""
    actor = api_colleague(request)
    selection = _invoice_rows(actor, _parsed(queries.parse_invoice_filters, actor, filters))
    result = paginate(selection, page, order=("id",))
    attach_custom_fields(actor.firm_id, result["items"])
    result["items"] = [represent_invoice(row) for row in result["items"]]
    return result


@invoices_router.post(
    "",
    response={201: InvoiceOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create an invoice",
)
def create_invoice(
    request: HttpRequest, payload: InvoiceCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """On a client you see in full; its number must not be used yet in the firm (a 422 on
    `number` otherwise, naming no other invoice)."""
    actor = api_colleague(request)
    client = pick(rules.visible_clients(actor, Level.NAME), payload.client_id, "client_id")
    with custom_field_names():
        invoice = write_with_custom_values(
            actor=actor,
            area=CustomField.Area.INVOICE,
            values=payload.custom_fields,
            write=lambda: services.create_invoice(
                actor=actor,
                client=client,
                number=payload.number,
                date=payload.date,
                due_date=payload.due_date,
                amount=payload.amount,
                currency=payload.currency,
                status=payload.status,
            ),
        )
    return Status(201, _answer(_invoice_rows(actor), invoice.pk, represent_invoice, response))


@invoices_router.get(
    "/{invoice_id}", response=InvoiceOut, openapi_extra=etag_openapi(200), summary="An invoice"
)
def get_invoice(request: HttpRequest, invoice_id: int, response: HttpResponse) -> dict[str, Any]:
    actor = api_colleague(request)
    return _answer(_invoice_rows(actor), invoice_id, represent_invoice, response)


@invoices_router.patch(
    "/{invoice_id}",
    response={200: InvoiceOut, **problem_responses(412)},
    openapi_extra=etag_openapi(200),
    summary="Change an invoice",
)
def update_invoice(
    request: HttpRequest,
    invoice_id: int,
    payload: InvoiceUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Send the ETag in If-Match (or `version`) so a stale change is refused (412)."""
    actor = api_colleague(request)
    found = get_or_404(_invoice_rows(actor), invoice_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, found.version, sent_version=sent.pop("version", None))
    custom_values = sent.pop("custom_fields", None)
    with custom_field_names():
        write_with_custom_values(
            actor=actor,
            area=CustomField.Area.INVOICE,
            values=custom_values,
            write=lambda: services.update_invoice(
                actor=actor, invoice=found.pk, expected_version=expected, **sent
            ),
            record=found,
        )
    return _answer(_invoice_rows(actor), found.pk, represent_invoice, response)


@invoices_router.delete(
    "/{invoice_id}", response={204: None, **problem_responses(412)}, summary="Delete an invoice"
)
def delete_invoice(request: HttpRequest, invoice_id: int, if_match: IfMatch = None) -> Status[None]:
    """Its history stays on its client."""
    actor = api_colleague(request)
    found = get_or_404(_invoice_rows(actor), invoice_id)
    services.delete_invoice(
        actor=actor, invoice=found.pk, expected_version=expected_version(if_match, found.version)
    )
    return Status(204, None)


# ---------------------------------------------------------------------------------------
# /opportunity-stages
# ---------------------------------------------------------------------------------------


@stages_router.get(
    "", response=Page[OpportunityStageOut], summary="The stages of the firm's pipeline"
)
def list_opportunity_stages(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """In the pipeline's order, for every colleague (to choose an opportunity's stage).
    Admins change them in the firm settings."""
    actor = api_colleague(request)
    stages = OpportunityStage.objects.filter(firm_id=actor.firm_id)
    result = paginate(stages, page, order=("position", "id"))
    result["items"] = [
        {"id": s.pk, "name": s.name, "outcome": s.outcome, "position": s.position}
        for s in result["items"]
    ]
    return result
