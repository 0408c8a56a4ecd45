"""What a colleague's own work pages read (docs/work.md): « Mon travail » on the home page,
« Mes tâches », and a contact's Work tab. Every read goes through the access door.

SECURITY: assigning work or a task grants nothing (docs/access-rules.md). "Assigned to me"
looks at the assignee, which a name-only item does not show, so these lists keep items and
tasks of clients the viewer sees in full only; a client-group tab shows each item at the
viewer's level on that item's own client.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, Q, QuerySet, Value, When

from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, WorkStatus

from .models import Task, WorkItem
from .queries import WorkFilters, group_items_q, work_items

COMPLETED = WorkStatus.PrimaryState.COMPLETED
HOME_ITEMS = 20
HOME_TASKS = 20
HOME_CHANGED = 20
MY_TASKS_PAGE = 200
TAB_ITEMS = 200
# Changes shown the first time a colleague opens their home page.
FIRST_VISIT_WINDOW = datetime.timedelta(days=7)


@dataclass
class Shown:
    """A slice of a list and how many rows the whole list has."""

    rows: list[object]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _by_due(queryset: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    # Ascending due date puts the overdue first; no due date last.
    return queryset.order_by(F("due_date").asc(nulls_last=True), "id")


def my_open_items(actor: Colleague) -> QuerySet[WorkItem]:
    """Open work items assigned to the viewer on clients they see in full, by due date."""
    items = work_items(actor, WorkFilters(assignee=actor.pk, state="open"))
    return _by_due(items.select_related("client", "status", "work_type"))


def my_open_tasks(actor: Colleague) -> QuerySet[Task]:
    """Open tasks assigned to the viewer, on clients they see in full only, by due date
    (overdue first), then by their item's due date."""
    return (
        Task.objects.visible_to(actor)
        .filter(assignee_id=actor.pk, done=False)
        .select_related("work_item", "work_item__client", "work_item__status")
        .order_by(
            F("due_date").asc(nulls_last=True),
            F("work_item__due_date").asc(nulls_last=True),
            "work_item_id",
            "position",
            "id",
        )
    )


def changed_on_my_clients(actor: Colleague, since: datetime.datetime) -> QuerySet[WorkItem]:
    """Work items of the clients the viewer owns or manages, changed after `since`, most
    recent first."""
    items = WorkItem.objects.visible_to(actor, Level.FULL).filter(
        Q(client__owner__colleague_id=actor.pk) | Q(client__manager_id=actor.pk),
        updated_at__gt=since,
    )
    return items.select_related("client", "status", "assignee").order_by("-updated_at", "-id")


def holds_clients(actor: Colleague) -> bool:
    """Whether the viewer owns or manages a client (the home page then shows their changes)."""
    return (
        Contact.objects.filter(firm_id=actor.firm_id)
        .filter(Q(owner__colleague_id=actor.pk) | Q(manager_id=actor.pk))
        .exists()
    )


def shown(queryset: QuerySet[WorkItem] | QuerySet[Task], limit: int) -> Shown:
    """The first `limit` rows and the total (two queries)."""
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Shown(rows=list(rows), total=len(rows))
    return Shown(rows=list(rows[:limit]), total=queryset.count())


def contact_tab_items(actor: Colleague, contact: Contact, *, done: bool) -> QuerySet[WorkItem]:
    """A contact's Work tab (the contact seen in full): unfinished items, or with `done`
    the finished ones. A client group's tab holds its own items and those of its members
    that belong to it (work/queries.py::group_items_q), each annotated `client_level`: a
    member's item is shown at the viewer's level on that member."""
    items = WorkItem.objects.visible_to(actor, Level.NAME)
    if contact.kind == Contact.Kind.CLIENT_GROUP:
        items = items.filter(group_items_q(actor, contact.pk))
    else:
        items = items.filter(client_id=contact.pk)
    items = items.with_client_level(actor).select_related(
        "client", "status", "work_type", "assignee"
    )
    # SECURITY: a member's item seen by name only sorts by its id alone: sorted by its due
    # date or its completion among the others, its place would tell them.
    full = Q(client_level=int(Level.FULL))
    if done:
        finished = items.filter(status__primary_state=COMPLETED).annotate(
            done_key=Case(When(full, then=F("completed_at")), default=Value(None))
        )
        return finished.order_by(F("done_key").desc(nulls_last=True), "-id")
    open_items = items.exclude(status__primary_state=COMPLETED).annotate(
        due_key=Case(When(full, then=F("due_date")), default=Value(None))
    )
    return open_items.order_by(F("due_key").asc(nulls_last=True), "id")
