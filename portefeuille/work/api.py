"""API of work (docs/work.md): /api/v1/work-items (the list with the work view's filters,
create, read, change, move, delete; an item's tasks and notes), /api/v1/tasks (my open
tasks) and /api/v1/segments (my saved filters).

Thin adapters over work/services.py; every read goes through the access door
(`WorkItem.objects.visible_to`, work/queries.py::work_items).

Decisions where the spec is silent:
- An item of a client seen by name only comes back as `WorkItemName`: its id, title,
  status and client's id and name, nothing else — no version nor ETag either (a changing
  tag would tell that something the reader cannot see changed). Changing, moving or
  deleting it is a 403 (the item is visible), decided before If-Match is looked at.
- Its tasks and notes need full access: for an item seen by name only, hidden, unknown or
  of another firm, /tasks and /notes answer the same 404 (like a contact's sub-resources).
- The filters are those of the work view (work/queries.py::parse_filters, one parser for
  the board, the list, the API and the segments); `assignee`, `client_manager`, `member`
  and `role_holder` also take `me`. `role` is a titled role slot's number, or
  `<slot>:<colleague id>` as on /contacts; an untitled slot is a 422 that says so (it shows
  nowhere). Filters that look beyond an item's title and status keep the items seen in
  full only (see work/queries.py).
- The list is sorted by id: sorting by a field a name-only reader cannot see (due date,
  assignee) would tell them something of it, and its cursor would carry it.
- A task's If-Match is the task's own ETag (its `version`): a change to that task since
  makes it stale, a change to another line does not. Adding a line takes the item's ETag.
  Ticking a task or adding a note leaves the item's version as it is (work/services.py),
  so it never makes a drag of the card stale.
- /tasks lists the caller's tasks not done, on clients they see in full, by due date (none
  last); /segments the caller's own and those shared with the firm, of one list (`area`:
  the work view by default; contacts, opportunities, invoices, tickets), each list's
  filters checked as that list reads them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.guards import name_only_refusal
from portefeuille.access.rules import Level
from portefeuille.access.scopes import WorkItemQuerySet
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, expected_version, set_etag
from portefeuille.api.errors import in_query, problem_responses, renamed
from portefeuille.api.lookup import MAX_ID, Id, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts.api_clients import pick
from portefeuille.contacts.timeline import render_markdown
from portefeuille.customfields.segments import AREAS
from portefeuille.firms.guards import UNSET
from portefeuille.firms.models import Colleague, RoleSlot, WorkStatus
from portefeuille.inbox.queries import QUERY_NAMES as TICKET_NAMES
from portefeuille.inbox.queries import parse_filters as ticket_filters

from . import personal, services
from .models import Segment, Task, WorkItem, WorkNote
from .queries import QUERY_NAMES, WorkFilters, parse_filters, work_items
from .schemas import (
    MyTaskOut,
    SegmentArea,
    SegmentIn,
    SegmentOut,
    TaskCreate,
    TaskOut,
    TaskUpdate,
    WorkItemCreate,
    WorkItemFull,
    WorkItemOut,
    WorkItemStatusChange,
    WorkItemUpdate,
    WorkNoteIn,
    WorkNoteOut,
)

work_items_router = Router(tags=["work"])
tasks_router = Router(tags=["work"])
segments_router = Router(tags=["work"])

# A service's argument -> the body field that carries it.
API_NAMES = {
    "status": "status_id",
    "work_type": "work_type_id",
    "assignee": "assignee_id",
    "client_group": "client_group_id",
}
# Far in the future: a task without a due date comes after every dated one.
NO_DUE_DATE = datetime.date(9999, 12, 31)


# ---------------------------------------------------------------------------------------
# Reads through the door, and representations.
# ---------------------------------------------------------------------------------------


def _count(condition: Q | None = None) -> Coalesce:
    tasks = Task.objects.filter(work_item=OuterRef("pk"))
    if condition is not None:
        tasks = tasks.filter(condition)
    counted = tasks.order_by().values("work_item").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _shown(actor: Colleague, items: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    """The rows an answer shows: the reader's level on each (`client_level`) and what a
    full row says, in the same statement."""
    door = cast(WorkItemQuerySet[WorkItem], items)
    return (
        door.with_client_level(actor)
        .select_related("status", "client", "work_type", "assignee")
        .annotate(tasks_count=_count(), open_tasks_count=_count(Q(done=False)))
    )


def _read_item(actor: Colleague, item_id: int, min_level: Level = Level.NAME) -> Any:
    """The item if the caller sees its client at `min_level`; else the 404 of an unknown id."""
    return get_or_404(_shown(actor, WorkItem.objects.visible_to(actor, min_level)), item_id)


def _status(status: WorkStatus) -> dict[str, Any]:
    return {"id": status.pk, "name": status.name, "state": status.primary_state}


def _colleague(colleague: Colleague | None) -> dict[str, Any] | None:
    if colleague is None:
        return None
    return {"id": colleague.pk, "full_name": colleague.full_name, "is_active": colleague.is_active}


def _group_names(actor: Colleague, items: Iterable[Any]) -> dict[int, str]:
    """The client groups the full rows name, those the caller sees (one query): a group
    hidden from them is left out of the answer (docs/access-rules.md: a second record is
    read at the reader's level on it)."""
    wanted = {
        item.client_group_id
        for item in items
        if item.client_level >= Level.FULL and item.client_group_id is not None
    }
    if not wanted:
        return {}
    return dict(
        rules.visible_clients(actor, Level.NAME)
        .filter(pk__in=wanted)
        .values_list("pk", "display_name")
    )


def represent(item: Any, groups: Mapping[int, str]) -> dict[str, Any]:
    """The item as the caller may see it; a name-only row says nothing else."""
    shown = {
        "id": item.pk,
        "title": item.title,
        "status": _status(item.status),
        "client": {"id": item.client_id, "name": item.client.display_name},
    }
    if item.client_level < Level.FULL:
        # SECURITY: title, status and client's name only (docs/access-rules.md).
        return {**shown, "level": "name"}
    group = item.client_group_id
    return {
        **shown,
        "level": "full",
        "client_group": {"id": group, "name": groups[group]} if group in groups else None,
        "work_type": (
            None
            if item.work_type is None
            else {"id": item.work_type.pk, "name": item.work_type.name}
        ),
        "assignee": _colleague(item.assignee),
        "start_date": item.start_date,
        "due_date": item.due_date,
        "description": item.description,
        "description_html": str(render_markdown(item.description)),
        "recurrence": item.recurrence,
        "previous_id": item.previous_id,
        "completed_at": item.completed_at,
        "tasks_count": item.tasks_count,
        "open_tasks_count": item.open_tasks_count,
        "version": item.version,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def represent_page(actor: Colleague, items: list[Any]) -> list[dict[str, Any]]:
    groups = _group_names(actor, items)
    return [represent(item, groups) for item in items]


def item_answer(actor: Colleague, item_id: int, response: HttpResponse) -> dict[str, Any]:
    """The item as the caller sees it now, with its ETag when seen in full."""
    item = _read_item(actor, item_id)
    if item.client_level >= Level.FULL:
        set_etag(response, item.version)
    return represent(item, _group_names(actor, [item]))


def _writable(actor: Colleague, item_id: int) -> Any:
    """The item a change is made to: hidden is a 404, seen by name only a 403 (before any
    If-Match or id in the body is looked at)."""
    item = _read_item(actor, item_id)
    if item.client_level < Level.FULL:
        raise name_only_refusal()
    return item


def _located(error: ValidationError) -> ValidationError:
    """A service's refusal with the body's field names (`assignee` -> `assignee_id`)."""
    if not hasattr(error, "error_dict"):
        return error
    names = {}
    for key in error.error_dict:
        *path, last = key.split(".")
        names[key] = ".".join([*path, API_NAMES.get(last, last)])
    return renamed(error, names)


# ---------------------------------------------------------------------------------------
# The filters.
# ---------------------------------------------------------------------------------------


class WorkItemFilters(Schema):
    """The filters of the work view (they combine). Ids of another firm match nothing."""

    assignee: str | None = Field(None, description="A colleague id, or `me`.")
    client_owner: Id | None = Field(None, description="An owner roster entry id (/owners).")
    client_manager: str | None = Field(None, description="A colleague id, or `me`.")
    role: str | None = Field(
        None,
        description="A titled role slot's number (anyone holds it), or "
        "`<slot>:<colleague id>`; an untitled slot is a 422.",
    )
    role_holder: str | None = Field(
        None, description="A colleague id, or `me`: holds `role`, or any titled role."
    )
    member: str | None = Field(
        None, description="A colleague id, or `me`: on the client team, directly or via a team."
    )
    mine: bool = Field(False, description="Only clients whose team you are on.")
    portfolio: Id | None = Field(None, description="A portfolio id.")
    type: Id | None = Field(None, description="A work type id.")
    status: Id | None = Field(None, description="A work status id.")
    state: Literal["planned", "ready", "in_progress", "waiting", "completed", "open"] | None = (
        Field(None, description="A primary state, or `open` (every state but completed).")
    )
    due: Literal["overdue", "week", "month"] | None = Field(
        None, description="Overdue (and not completed), due this week, or this month."
    )
    due_before: datetime.date | None = Field(None, description="Due on or before this day.")
    due_after: datetime.date | None = Field(None, description="Due on or after this day.")
    client_group: Id | None = Field(
        None,
        description="A client group's Work tab: the group's items, and its members' items "
        "(for a member of several groups, those that name this group).",
    )
    client: Id | None = Field(None, description="The items of one client.")
    q: str | None = Field(None, description="Words of the title.")


# The parameters a segment may save: those of the list.
FILTER_NAMES = frozenset(QUERY_NAMES.get(f.name, f.name) for f in fields(WorkFilters))


def _untitled(actor: Colleague, slot: int) -> bool:
    return (
        not RoleSlot.objects.filter(firm_id=actor.firm_id, number=slot).exclude(title="").exists()
    )


def read_filters(actor: Colleague, data: Mapping[str, str]) -> WorkFilters:
    """The work view's filters from parameters (the list's query or a segment's filters);
    a ValidationError keyed by parameter."""
    values = dict(data)
    if not actor.firm.ownership_enabled:
        # With client ownership off, owners show nowhere, not as a filter either (the
        # board drops it the same way).
        values.pop("client_owner", None)
    role = values.get("role", "")
    if ":" in role:
        slot, _sep, holder = role.partition(":")
        if values.get("role_holder"):
            raise ValidationError(
                {"role": ValidationError(_("Valeur de filtre invalide."), code="invalid")}
            )
        values["role"], values["role_holder"] = slot, holder
        try:
            found = parse_filters(values, me=actor)
        except ValidationError as error:
            # The holder was written inside `role`: its error is there too.
            raise renamed(error, {"role_holder": "role"}) from None
    else:
        found = parse_filters(values, me=actor)
    if found.role is not None and _untitled(actor, found.role):
        raise ValidationError(
            {
                "role": ValidationError(
                    _(
                        "Le poste nº %(number)s n'a pas d'intitulé : il n'apparaît nulle part et "
                        "ne peut pas servir de filtre."
                    )
                    % {"number": found.role},
                    code="untitled",
                )
            }
        )
    return found


def _query_filters(actor: Colleague, filters: WorkItemFilters) -> WorkFilters:
    data = {
        name: "1" if value is True else str(value)
        for name, value in filters.model_dump().items()
        if value not in (None, "", False)
    }
    try:
        return read_filters(actor, data)
    except ValidationError as error:
        raise in_query(error, *error.error_dict) from None


# ---------------------------------------------------------------------------------------
# /work-items and /work-items/{id}
# ---------------------------------------------------------------------------------------


@work_items_router.get("", response=Page[WorkItemOut], summary="List work items")
def list_work_items(
    request: HttpRequest, page: Query[PageQuery], filters: Query[WorkItemFilters]
) -> dict[str, Any]:
    """The work items you see that match every filter given, by id. An item of a private
    client you see by name only comes back with `level: "name"` and its title, status and
    client only; a hidden client's items do not come back."""
    actor = api_colleague(request)
    selection = work_items(actor, _query_filters(actor, filters))
    result = paginate(_shown(actor, selection), page, order=("id",))
    result["items"] = represent_page(actor, result["items"])
    return result


@work_items_router.post(
    "",
    response={201: WorkItemFull, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a work item",
)
def create_work_item(
    request: HttpRequest, payload: WorkItemCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """On a client you see in full (one seen by name only: 403; a hidden one is an unknown
    `client_id`), with its checklist; every field is checked before anything is written."""
    actor = api_colleague(request)
    client = pick(rules.visible_clients(actor, Level.NAME), payload.client_id, "client_id")
    try:
        item = services.create_work_item(
            actor=actor,
            client=client,
            title=payload.title,
            status=payload.status_id,
            work_type=payload.work_type_id,
            assignee=payload.assignee_id,
            start_date=payload.start_date,
            due_date=payload.due_date,
            description=payload.description,
            recurrence=payload.recurrence,
            client_group=payload.client_group_id,
            tasks=[
                {"title": t.title, "assignee": t.assignee_id, "due_date": t.due_date}
                for t in payload.tasks
            ],
        )
    except ValidationError as error:
        raise _located(error) from None
    return Status(201, item_answer(actor, item.pk, response))


@work_items_router.get(
    "/{item_id}", response=WorkItemOut, openapi_extra=etag_openapi(200), summary="A work item"
)
def get_work_item(request: HttpRequest, item_id: int, response: HttpResponse) -> dict[str, Any]:
    return item_answer(api_colleague(request), item_id, response)


# What null means in a PATCH body: an optional link or date is cleared, a text emptied.
_NULL_IS_EMPTY = ("description", "recurrence")


@work_items_router.patch(
    "/{item_id}",
    response={200: WorkItemFull, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a work item",
)
def update_work_item(
    request: HttpRequest,
    item_id: int,
    payload: WorkItemUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Send the ETag in If-Match (or `version`) so a stale change is refused (412)."""
    actor = api_colleague(request)
    item = _writable(actor, item_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, item.version, sent_version=sent.pop("version", None))
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        service_name = name.removesuffix("_id")
        changes[service_name] = "" if value is None and name in _NULL_IS_EMPTY else value
    status = changes.pop("status", UNSET)
    try:
        services.update_work_item(
            actor=actor, item=item.pk, expected_version=expected, status=status, **changes
        )
    except ValidationError as error:
        raise _located(error) from None
    return item_answer(actor, item_id, response)


@work_items_router.delete(
    "/{item_id}",
    response={204: None, **problem_responses(403, 412)},
    summary="Delete a work item",
)
def delete_work_item(request: HttpRequest, item_id: int, if_match: IfMatch = None) -> Status[None]:
    """With its tasks and notes; its history stays."""
    actor = api_colleague(request)
    item = _writable(actor, item_id)
    services.delete_work_item(
        actor=actor, item=item.pk, expected_version=expected_version(if_match, item.version)
    )
    return Status(204, None)


@work_items_router.post(
    "/{item_id}/status",
    response={200: WorkItemFull, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Move a work item to another status",
)
def change_work_item_status(
    request: HttpRequest,
    item_id: int,
    payload: WorkItemStatusChange,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """A card dragged to another column: moving to a completed status completes it (and
    creates the next item of its series), to another status reopens it. Send its ETag in
    If-Match (or `version`): a move made from a stale copy is refused (412)."""
    actor = api_colleague(request)
    item = _writable(actor, item_id)
    expected = expected_version(if_match, item.version, sent_version=payload.version)
    try:
        services.move_work_item(
            actor=actor, item=item.pk, status=payload.status_id, expected_version=expected
        )
    except ValidationError as error:
        raise _located(error) from None
    return item_answer(actor, item_id, response)


# ---------------------------------------------------------------------------------------
# /work-items/{id}/tasks and /notes (full access to the item's client).
# ---------------------------------------------------------------------------------------


def _task(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "work_item_id": task.work_item_id,
        "title": task.title,
        "assignee": _colleague(task.assignee),
        "due_date": task.due_date,
        "done": task.done,
        "done_at": task.done_at,
        "position": task.position,
        "version": task.version,
    }


def _item_version(item_id: int) -> int:
    version: int = WorkItem.objects.filter(pk=item_id).values_list("version", flat=True).get()
    return version


def _task_of(actor: Colleague, item_id: int, task_id: int) -> tuple[Any, Task]:
    """The item seen in full and its task; a task of another item is a 404."""
    item = _read_item(actor, item_id, Level.FULL)
    tasks = Task.objects.visible_to(actor).filter(work_item_id=item.pk)
    return item, get_or_404(tasks, task_id)


@work_items_router.get(
    "/{item_id}/tasks",
    response=list[TaskOut],
    openapi_extra=etag_openapi(200),
    summary="A work item's checklist",
)
def list_tasks(request: HttpRequest, item_id: int, response: HttpResponse) -> list[dict[str, Any]]:
    """In order; the ETag is the work item's."""
    actor = api_colleague(request)
    item = _read_item(actor, item_id, Level.FULL)
    tasks = (
        Task.objects.visible_to(actor)
        .filter(work_item_id=item.pk)
        .select_related("assignee")
        .order_by("position", "id")
    )
    set_etag(response, item.version)
    return [_task(task) for task in tasks]


@work_items_router.post(
    "/{item_id}/tasks",
    response={201: TaskOut, **problem_responses(412)},
    openapi_extra=etag_openapi(201),
    summary="Add a line to a work item's checklist",
)
def add_task(
    request: HttpRequest,
    item_id: int,
    payload: TaskCreate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status[dict[str, Any]]:
    """Its assignee is told. If-Match (or `version`) is the work item's ETag."""
    actor = api_colleague(request)
    item = _read_item(actor, item_id, Level.FULL)
    expected = expected_version(if_match, item.version, sent_version=payload.version)
    try:
        task = services.add_task(
            actor=actor,
            item=item.pk,
            title=payload.title,
            assignee=payload.assignee_id,
            due_date=payload.due_date,
            expected_version=expected,
        )
    except ValidationError as error:
        raise _located(error) from None
    set_etag(response, _item_version(item.pk))
    return Status(201, _task(Task.objects.select_related("assignee").get(pk=task.pk)))


@work_items_router.patch(
    "/{item_id}/tasks/{task_id}",
    response={200: TaskOut, **problem_responses(412)},
    openapi_extra=etag_openapi(200),
    summary="Change a line of a work item's checklist",
)
def update_task(
    request: HttpRequest,
    item_id: int,
    task_id: int,
    payload: TaskUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Tick it (`done`), rename it, assign it (null: nobody) or date it (null: no date).
    If-Match (or `version`) is the task's own ETag: a change made since to this task is not
    overwritten (412); changes to other lines of the checklist do not count."""
    actor = api_colleague(request)
    _item, task = _task_of(actor, item_id, task_id)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, task.version, sent_version=sent.pop("version", None))
    changes = {
        name.removesuffix("_id"): value
        for name, value in sent.items()
        if value is not None or name in ("assignee_id", "due_date")
    }
    try:
        services.update_task(actor=actor, task=task.pk, expected_version=expected, **changes)
    except ValidationError as error:
        raise _located(error) from None
    changed = Task.objects.select_related("assignee").get(pk=task.pk)
    set_etag(response, changed.version)
    return _task(changed)


@work_items_router.delete(
    "/{item_id}/tasks/{task_id}",
    response={204: None, **problem_responses(412)},
    summary="Remove a line of a work item's checklist",
)
def delete_task(
    request: HttpRequest, item_id: int, task_id: int, if_match: IfMatch = None
) -> Status[None]:
    """If-Match is the task's ETag."""
    actor = api_colleague(request)
    _item, task = _task_of(actor, item_id, task_id)
    services.delete_task(
        actor=actor, task=task.pk, expected_version=expected_version(if_match, task.version)
    )
    return Status(204, None)


def _note(note: WorkNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "work_item_id": note.work_item_id,
        "body": note.body,
        "html": str(render_markdown(note.body)),
        "author": _colleague(note.author),
        "created_at": note.created_at,
    }


@work_items_router.get(
    "/{item_id}/notes", response=Page[WorkNoteOut], summary="A work item's notes, oldest first"
)
def list_notes(request: HttpRequest, item_id: int, page: Query[PageQuery]) -> dict[str, Any]:
    actor = api_colleague(request)
    item = _read_item(actor, item_id, Level.FULL)
    notes = WorkNote.objects.visible_to(actor).filter(work_item_id=item.pk).select_related("author")
    result = paginate(notes, page, order=("created_at", "id"))
    result["items"] = [_note(note) for note in result["items"]]
    return result


@work_items_router.post(
    "/{item_id}/notes", response={201: WorkNoteOut}, summary="Add a note to a work item"
)
def add_note(request: HttpRequest, item_id: int, payload: WorkNoteIn) -> Status[dict[str, Any]]:
    """The client's owner and manager are told."""
    actor = api_colleague(request)
    item = _read_item(actor, item_id, Level.FULL)
    note = services.add_work_note(actor=actor, item=item.pk, body=payload.body)
    return Status(201, _note(WorkNote.objects.select_related("author").get(pk=note.pk)))


# ---------------------------------------------------------------------------------------
# /tasks: my open tasks.
# ---------------------------------------------------------------------------------------


def _my_task(task: Task) -> dict[str, Any]:
    item = task.work_item
    return {
        **_task(task),
        "work_item": {
            "id": item.pk,
            "title": item.title,
            "status": _status(item.status),
            "client": {"id": item.client_id, "name": item.client.display_name},
            "due_date": item.due_date,
        },
    }


@tasks_router.get("", response=Page[MyTaskOut], summary="My open tasks, by due date")
def list_my_tasks(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The tasks assigned to you and not done, on clients you see in full (a task on a
    client hidden from you is not listed: assigning it gave no access), overdue first, those
    without a due date last."""
    actor = api_colleague(request)
    # The selection of « Mes tâches » (work/personal.py), in its order, with keys that are
    # never NULL for the cursor.
    tasks = (
        personal.my_open_tasks(actor)
        .select_related("assignee")
        .annotate(
            due_key=Coalesce("due_date", Value(NO_DUE_DATE)),
            item_due_key=Coalesce("work_item__due_date", Value(NO_DUE_DATE)),
        )
    )
    order = ("due_key", "item_due_key", "work_item_id", "position", "id")
    result = paginate(tasks, page, order=order)
    result["items"] = [_my_task(task) for task in result["items"]]
    return result


# ---------------------------------------------------------------------------------------
# /segments: my saved filters.
# ---------------------------------------------------------------------------------------


def _segment(segment: Segment, actor: Colleague) -> dict[str, Any]:
    pairs = parse_qsl(segment.query)
    if segment.area == Segment.Area.WORK:
        # The query a page saved may also name its view (`view=list`): not a filter.
        pairs = [(k, v) for k, v in pairs if k in FILTER_NAMES]
    return {
        "id": segment.pk,
        "name": segment.name,
        "area": segment.area,
        "filters": dict(pairs),
        "query": segment.query,
        "shared": segment.shared,
        "mine": segment.owner_id == actor.pk,
    }


class SegmentListQuery(Schema):
    area: SegmentArea = Field("work", description="The list whose segments are listed.")


@segments_router.get("", response=Page[SegmentOut], summary="List my segments")
def list_segments(
    request: HttpRequest, page: Query[PageQuery], which: Query[SegmentListQuery]
) -> dict[str, Any]:
    """Your segments of one list (`area`, the work view by default), and those your
    colleagues shared with the firm (`mine` false). A segment is a saved filter, never an
    access right: the list it opens is read at your level."""
    actor = api_colleague(request)
    segments = Segment.objects.filter(firm_id=actor.firm_id, area=which.area).filter(
        Q(owner_id=actor.pk) | Q(shared=True)
    )
    result = paginate(segments, page, order=("name", "id"))
    result["items"] = [_segment(segment, actor) for segment in result["items"]]
    return result


def _unknown(names: Iterable[str]) -> dict[str, list[ValidationError]]:
    return {
        f"filters.{name}": [ValidationError(_("Ce champ n'existe pas."), code="unknown")]
        for name in sorted(names)
    }


def _segment_filters(actor: Colleague, area: str, sent: Mapping[str, str]) -> dict[str, str]:
    """The filters of a segment, checked as the list checks them, in its canonical form."""
    if area == Segment.Area.TICKETS:
        errors = _unknown(set(sent) - TICKET_NAMES)
        try:
            query = ticket_filters(sent).as_query()
        except ValidationError as error:
            errors.update({f"filters.{key}": found for key, found in error.error_dict.items()})
        if errors:
            raise ValidationError(errors)
        return query
    if area != Segment.Area.WORK:
        spec = AREAS.get(area)
        if spec is None:
            raise ValidationError({"area": [ValidationError(_("Liste inconnue."))]})
        read = spec.canonical(actor, QueryDict(urlencode(sorted(sent.items()))))
        # Whatever the list did not keep is unknown or malformed there.
        errors = _unknown(name for name in sent if sent[name] != "" and name not in read)
        if errors:
            raise ValidationError(errors)
        return read
    errors = _unknown(set(sent) - FILTER_NAMES)
    try:
        work_query = read_filters(actor, {k: v for k, v in sent.items() if k in FILTER_NAMES})
    except ValidationError as error:
        errors.update({f"filters.{key}": found for key, found in error.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    return work_query.as_query()


@segments_router.post(
    "",
    response={201: SegmentOut, 200: SegmentOut},
    summary="Save the filters of a list as a segment",
)
def save_segment(request: HttpRequest, payload: SegmentIn) -> Status[dict[str, Any]]:
    """201 for a new segment; 200 when one of yours of that list had this name (its
    filters and sharing are replaced). `shared`: listed for every colleague of the firm,
    each counting it at their own level."""
    actor = api_colleague(request)
    query = _segment_filters(actor, payload.area, payload.filters)
    existed = Segment.objects.filter(
        owner_id=actor.pk, area=payload.area, name__iexact=" ".join(payload.name.split())
    ).exists()
    try:
        segment = services.save_segment(
            actor=actor, name=payload.name, query=query, area=payload.area, shared=payload.shared
        )
    except ValidationError as error:
        raise renamed(error, {"query": "filters"}) from None
    return Status(200 if existed else 201, _segment(segment, actor))


@segments_router.delete("/{segment_id}", response={204: None}, summary="Delete one of my segments")
def delete_segment(request: HttpRequest, segment_id: int) -> Status[None]:
    """Another colleague's segment is the same 404 as an unknown one."""
    if not 1 <= segment_id <= MAX_ID:
        raise Http404
    services.delete_segment(actor=api_colleague(request), segment=segment_id)
    return Status(204, None)
