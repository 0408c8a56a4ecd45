"""Background work of the work app: the next item of a recurring series (docs/work.md)."""

from __future__ import annotations

from django_tasks import task

from .recurrence import create_next_item


@task()
def create_next_occurrence(*, work_item_id: int) -> int | None:
    """Creates the item that follows `work_item_id` in its series (once; nothing when it is
    gone or already followed); returns the new item's id."""
    successor = create_next_item(item_id=work_item_id)
    return None if successor is None else successor.pk
