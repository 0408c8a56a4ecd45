"""The shapes of /api/v1/work-items, /tasks and /segments (work/api.py); names are unique
across the API (the OpenAPI document names each schema by its class)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.schemas import ColleagueBrief, Ref

StateName = Literal["planned", "ready", "in_progress", "waiting", "completed"]
RecurrenceName = Literal["", "monthly", "quarterly", "yearly"]


# ---------------------------------------------------------------------------------------
# Work items.
# ---------------------------------------------------------------------------------------


class WorkStatusRef(Schema):
    """A status of the firm (/firm settings) and the primary state it belongs to."""

    id: int
    name: str
    state: StateName = Field(description="The primary state: planned ... completed.")


class WorkItemName(Schema):
    """A work item of a client you see by name only: its title, its status and its
    client's name, nothing else (no assignee, type, dates, description or tasks)."""

    id: int
    title: str
    status: WorkStatusRef
    client: Ref
    level: Literal["name"]


class WorkItemFull(Schema):
    """A work item of a client you see in full."""

    id: int
    title: str
    status: WorkStatusRef
    client: Ref
    level: Literal["full"]
    client_group: Ref | None = Field(
        description="The client group it is done for (a group the client belongs to); null "
        "when none, or when that group is hidden from you."
    )
    work_type: Ref | None
    assignee: ColleagueBrief | None
    start_date: datetime.date | None
    due_date: datetime.date | None
    description: str = Field(description="Markdown, as written.")
    description_html: str = Field(description="The description rendered and sanitised.")
    recurrence: RecurrenceName = Field(
        description="monthly, quarterly or yearly: the next item of the series is created "
        "when this one completes; empty when it does not recur."
    )
    previous_id: int | None = Field(description="The item of the series this one follows.")
    completed_at: datetime.datetime | None
    tasks_count: int = Field(description="Lines of its checklist.")
    open_tasks_count: int = Field(description="Lines of its checklist not done yet.")
    version: int = Field(description="Send it back in If-Match (or `version`) with a change.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


WorkItemOut = WorkItemFull | WorkItemName


class WorkTaskIn(InputSchema):
    """A line of a new item's checklist."""

    title: str
    assignee_id: Id | None = None
    due_date: datetime.date | None = None


class WorkItemCreate(InputSchema):
    client_id: Id = Field(description="A client you see in full.")
    title: str
    status_id: Id | None = Field(
        None, description="A status of the firm; by default its first status not completed."
    )
    work_type_id: Id | None = None
    assignee_id: Id | None = Field(None, description="An active colleague.")
    start_date: datetime.date | None = None
    due_date: datetime.date | None = Field(None, description="On or after `start_date`.")
    description: str = Field("", description="Markdown.")
    recurrence: RecurrenceName = Field(
        "", description="monthly, quarterly or yearly; needs a start or due date."
    )
    client_group_id: Id | None = Field(
        None, description="One of the client's client groups, seen in full."
    )
    tasks: list[WorkTaskIn] = Field(default_factory=list, description="Its checklist.")


class WorkItemUpdate(InputSchema):
    """The fields sent are changed (null clears an optional one); every field is checked
    before anything is written. An unknown field is refused."""

    title: str | None = None
    status_id: Id | None = Field(None, description="Moves the item (as POST /status).")
    work_type_id: Id | None = None
    assignee_id: Id | None = None
    start_date: datetime.date | None = None
    due_date: datetime.date | None = None
    description: str | None = None
    recurrence: RecurrenceName | None = None
    client_group_id: Id | None = None
    version: int | None = Field(None, description="The version you loaded (as If-Match).")


class WorkItemStatusChange(InputSchema):
    status_id: Id = Field(description="A status of the firm.")
    version: int | None = Field(None, description="The version you loaded (as If-Match).")


# ---------------------------------------------------------------------------------------
# Tasks and notes.
# ---------------------------------------------------------------------------------------


class TaskOut(Schema):
    """A line of a work item's checklist."""

    id: int
    work_item_id: int
    title: str
    assignee: ColleagueBrief | None
    due_date: datetime.date | None
    done: bool
    done_at: datetime.datetime | None
    position: int
    version: int = Field(description="Send it back in If-Match to change or remove the task.")


class TaskCreate(InputSchema):
    title: str
    assignee_id: Id | None = Field(None, description="An active colleague.")
    due_date: datetime.date | None = None
    version: int | None = Field(
        None, description="The work item's version you loaded (as If-Match)."
    )


class TaskUpdate(InputSchema):
    """The fields sent are changed (null clears the assignee or the due date)."""

    title: str | None = None
    assignee_id: Id | None = None
    due_date: datetime.date | None = None
    done: bool | None = None
    version: int | None = Field(None, description="The task's version you loaded (as If-Match).")


class WorkItemBrief(Schema):
    """The work item a task belongs to."""

    id: int
    title: str
    status: WorkStatusRef
    client: Ref
    due_date: datetime.date | None


class MyTaskOut(TaskOut):
    """One of your open tasks, with its work item."""

    work_item: WorkItemBrief


class WorkNoteOut(Schema):
    id: int
    work_item_id: int
    body: str = Field(description="Markdown, as written.")
    html: str = Field(description="The note rendered and sanitised (safe to display).")
    author: ColleagueBrief | None
    created_at: datetime.datetime


class WorkNoteIn(InputSchema):
    body: str = Field(description="Markdown; the client's owner and manager are told.")


# ---------------------------------------------------------------------------------------
# Segments.
# ---------------------------------------------------------------------------------------


# The lists a segment may filter (work.models.Segment.Area).
SegmentArea = Literal["work", "contacts", "opportunities", "invoices", "tickets"]


class SegmentOut(Schema):
    """A saved filter: yours, or shared with the firm by a colleague (`mine` false)."""

    id: int
    name: str
    area: SegmentArea = Field(
        description="The list it filters: work (GET /work-items), contacts, opportunities, "
        "invoices, tickets (GET /tickets)."
    )
    filters: dict[str, str] = Field(
        description="The filters, as the query parameters of the list's page (for work and "
        "tickets, those of GET /work-items and GET /tickets)."
    )
    query: str = Field(description="The same filters as a query string.")
    shared: bool = Field(False, description="Listed for every colleague of the firm.")
    mine: bool = Field(True, description="Yours (only its owner may change or delete it).")


class SegmentIn(InputSchema):
    name: str = Field(description="Saving again under a name you use replaces its filters.")
    area: SegmentArea = "work"
    filters: dict[str, str] = Field(
        default_factory=dict,
        description="Query parameters of the list: GET /work-items (assignee, client_owner, "
        "type, ...), GET /tickets (status, assignee, client, q), or the contacts, "
        "opportunities and invoices pages.",
    )
    shared: bool = Field(
        False, description="Shared with the firm: listed for every colleague, counted for each."
    )
