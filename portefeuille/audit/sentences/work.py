"""Sentences about a client's work: its work items, their checklists and notes
(docs/work.md). The item and its tasks are named by the title they had, for readers who see
the event's client in full only; the client group an item names is a second contact, read
at the reader's level on it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from portefeuille.access.rules import Level
from portefeuille.work.models import Recurrence, Task, WorkItem

from ..models import AuditEvent
from .base import Others, Rendered, _a, _b, _dict, _field_label, _name

# Keys of an event's parameters that are not fields of the item.
_NOT_FIELDS = ("work_item", "fields", "tasks", "previous", "task", "note", "done")


def _work_mentions(event: AuditEvent) -> Iterable[Any]:
    # The event's own client: the title is read only at FULL on it (a second door, after
    # audit/queries.py, which already reads only the events of clients seen in full).
    if event.client_id is not None:
        yield event.client_id
    for side in (_b(event), _a(event)):
        if side.get("client_group") is not None:
            yield side["client_group"]


def _title(event: AuditEvent) -> str:
    item = _dict(_a(event).get("work_item")) or _dict(_b(event).get("work_item"))
    return _name(item, _("un élément de travail"))


def _sides(event: AuditEvent, others: Others) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The parameters as the reader may read them: a client group they do not see is
    removed, with the field that names it (the third value says so)."""
    before, after = _b(event), _a(event)
    refs = [side["client_group"] for side in (before, after) if side.get("client_group")]
    if any(others.ref(ref) is None for ref in refs):
        # SECURITY: a hidden group is not named, nor is the change that names it.
        for side in (before, after):
            side.pop("client_group", None)
        fields = after.get("fields")
        if isinstance(fields, list):
            after["fields"] = [name for name in fields if name != "client_group"]
        return before, after, True
    for side in (before, after):
        if side.get("client_group"):
            side["client_group"] = others.ref(side["client_group"])
    return before, after, False


def _labels(model: type[WorkItem] | type[Task], names: Iterable[str]) -> str:
    """The fields' labels, in the order of the form (the model's)."""
    order = {field.name: i for i, field in enumerate(model._meta.get_fields())}
    found: list[str] = []
    for name in sorted(names, key=lambda name: order.get(name, len(order))):
        label = _field_label(model, name)
        if label not in found:
            found.append(label)
    return ", ".join(found) or "—"


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    listed = after.get("fields")
    if isinstance(listed, list):
        return [str(name) for name in listed]
    keys = [*before, *after]
    return [key for key in dict.fromkeys(keys) if key not in _NOT_FIELDS]


def _readable(event: AuditEvent, others: Others) -> bool:
    return event.client_id is None or others.level(event.client_id) == Level.FULL


def _recurrence(value: Any) -> str:
    try:
        return str(Recurrence(value).label)
    except ValueError:
        return str(value or "—")


def render_work_item(event: AuditEvent, others: Others) -> Rendered:
    """work_item.created / updated / deleted / recurred."""
    if not _readable(event, others):
        return None
    before, after, removed = _sides(event, others)
    values = {"title": _title(event)}
    if event.action == "work_item.created":
        status = _name(after.get("status"), "—")
        return (
            _("Élément de travail « %(title)s » créé (%(status)s)") % {**values, "status": status},
            None,
            after,
        )
    if event.action == "work_item.deleted":
        return _("Élément de travail « %(title)s » supprimé") % values, before, None
    if event.action == "work_item.recurred":
        text = _("Élément de travail « %(title)s » créé pour la période suivante") % values
        return text, None, after
    fields = _changed_fields(before, after)
    if removed and not fields:
        return None
    if fields == ["recurrence"]:
        text = _("Élément de travail « %(title)s » : récurrence %(before)s → %(after)s") % {
            **values,
            "before": _recurrence(before.get("recurrence")),
            "after": _recurrence(after.get("recurrence")),
        }
        return text, before, after
    text = _("Élément de travail « %(title)s » modifié : %(fields)s") % {
        **values,
        "fields": _labels(WorkItem, fields),
    }
    return text, before, after


def render_status(event: AuditEvent, others: Others) -> Rendered:
    if not _readable(event, others):
        return None
    text = _("« %(title)s » : %(before)s → %(after)s") % {
        "title": _title(event),
        "before": _name(_b(event).get("status"), "—"),
        "after": _name(_a(event).get("status"), "—"),
    }
    return text, event.before, event.after


def render_task(event: AuditEvent, others: Others) -> Rendered:
    """work_item.task_added / task_updated / task_deleted."""
    if not _readable(event, others):
        return None
    before, after = _b(event), _a(event)
    task = _name(_dict(after.get("task")) or _dict(before.get("task")), _("une tâche"))
    values = {"title": _title(event), "task": task}
    if event.action == "work_item.task_added":
        text = _("Tâche « %(task)s » ajoutée à « %(title)s »") % values
    elif event.action == "work_item.task_deleted":
        text = _("Tâche « %(task)s » retirée de « %(title)s »") % values
    else:
        fields = [str(name) for name in after.get("fields") or [] if isinstance(name, str)]
        if fields == ["done"]:
            text = (
                _("Tâche « %(task)s » de « %(title)s » cochée")
                if after.get("done")
                else _("Tâche « %(task)s » de « %(title)s » décochée")
            ) % values
        else:
            text = _("Tâche « %(task)s » de « %(title)s » modifiée : %(fields)s") % {
                **values,
                "fields": _labels(Task, fields),
            }
    return text, event.before, event.after


def render_note(event: AuditEvent, others: Others) -> Rendered:
    if not _readable(event, others):
        return None
    return _("Note ajoutée à « %(title)s »") % {"title": _title(event)}, None, event.after
