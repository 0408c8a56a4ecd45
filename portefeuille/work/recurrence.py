"""Recurring work (docs/work.md): the next item of a series is created when one is
completed (services queue it) or when its date comes (the daily run, `due_recurrences`)."""

from __future__ import annotations

import calendar
import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portefeuille.audit.services import audit_ref, record_event
from portefeuille.firms.models import WorkStatus
from portefeuille.notifications import kinds
from portefeuille.notifications.services import notify

from .models import RECURRENCE_MONTHS, Recurrence, Task, WorkItem

COMPLETED = WorkStatus.PrimaryState.COMPLETED


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day (31 January + 1 → 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_dates(item: WorkItem) -> tuple[datetime.date | None, datetime.date | None]:
    """The start and due dates of the item that follows `item` in its series."""
    months = RECURRENCE_MONTHS[Recurrence(item.recurrence)]
    start = add_months(item.start_date, months) if item.start_date else None
    due = add_months(item.due_date, months) if item.due_date else None
    return start, due


@transaction.atomic
def create_next_item(*, item_id: int) -> WorkItem | None:
    """Creates the next item of `item_id`'s series, once: same client, title, type,
    assignee, description and checklist (undone), dates one period later, the firm's first
    open status. Nothing when the item is gone, not recurring or already followed. System
    work, with no actor: the new item's assignee is notified."""
    item = (
        WorkItem.objects.select_for_update(of=("self",))
        .select_related("client", "assignee")
        .filter(pk=item_id)
        .first()
    )
    if item is None or not item.recurrence or WorkItem.objects.filter(previous=item).exists():
        return None
    try:
        start, due = next_dates(item)
    except ValueError:  # past the end of the calendar (refused on input since)
        return None
    statuses = WorkStatus.objects.filter(firm_id=item.firm_id).order_by("position", "name")
    status = statuses.exclude(primary_state=COMPLETED).first() or statuses.first()
    if status is None:
        return None
    assignee = item.assignee if item.assignee is not None and item.assignee.is_active else None
    now = timezone.now()
    successor = WorkItem.objects.create(
        firm_id=item.firm_id,
        client=item.client,
        client_group=item.client_group,
        title=item.title,
        status=status,
        work_type=item.work_type,
        assignee=assignee,
        start_date=start,
        due_date=due,
        description=item.description,
        recurrence=item.recurrence,
        previous=item,
        created_at=now,
        updated_at=now,
    )
    Task.objects.bulk_create(
        Task(
            firm_id=item.firm_id,
            work_item=successor,
            title=task.title,
            assignee=task.assignee if task.assignee and task.assignee.is_active else None,
            position=task.position,
        )
        for task in item.tasks.select_related("assignee")
    )
    record_event(
        actor=None,
        action="work_item.recurred",
        client=item.client,
        after={"work_item": audit_ref(successor), "previous": audit_ref(item)},
    )
    if assignee is not None:
        notify(
            kind=kinds.WORK_ASSIGNED,
            recipients=[assignee],
            client=item.client,
            actor=None,
            params={"work_item_id": successor.pk, "status_id": successor.status_id},
        )
    return successor


def due_recurrences(today: datetime.date) -> list[int]:
    """Ids of the recurring items whose next occurrence's date has come and that have no
    successor yet (the daily run creates those; docs/work.md)."""
    # The next date always comes after the anchor: only series anchored by today qualify
    # (and no date arithmetic is tried on a date near the end of the calendar).
    candidates = (
        WorkItem.objects.filter(next_item__isnull=True)
        .exclude(recurrence="")
        .filter(Q(start_date__lte=today) | Q(start_date__isnull=True, due_date__lte=today))
    )
    due: list[int] = []
    for pk, recurrence, start, end in candidates.values_list(
        "pk", "recurrence", "start_date", "due_date"
    ).iterator():
        months = RECURRENCE_MONTHS[Recurrence(recurrence)]
        anchor = start or end
        if anchor is not None and add_months(anchor, months) <= today:
            due.append(pk)
    return due
