"""Every write on work items, tasks, notes and segments (docs/work.md).

Each service checks its own permission: writing work needs FULL access to its client (a
name-only view is a 403, no view a 404, docs/access-rules.md); validates everything before
writing anything; writes in one transaction; records the history event; notifies. A stale
`expected_version` (a card dragged or an item edited from an old copy) is refused with
StaleVersionError and changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.guards import lock_client
from portefeuille.access.rules import Level, level
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.contacts.models import Contact, GroupMembership
from portefeuille.firms.guards import (
    UNSET,
    ExpectedVersion,
    FieldErrors,
    Unset,
    check_colleague,
    check_version,
    clean_text,
    field_error,
    require_active,
)
from portefeuille.firms.models import Colleague, WorkStatus, WorkType
from portefeuille.notifications import kinds
from portefeuille.notifications.services import account_managers, notify

from .models import RECURRENCE_MONTHS, HomeVisit, Recurrence, Segment, Task, WorkItem, WorkNote
from .recurrence import add_months
from .tasks import create_next_occurrence

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
NOTE_MAX = 20_000
TASKS_MAX = 200
SEGMENTS_MAX = 100
COMPLETED = WorkStatus.PrimaryState.COMPLETED

STALE_TASK = gettext_lazy(
    "Cette tâche a été modifiée par quelqu'un d'autre depuis que vous l'avez chargée : "
    "rechargez la page, puis refaites votre modification."
)
STALE_ITEM = gettext_lazy(
    "Cet élément de travail a été modifié par quelqu'un d'autre depuis que vous l'avez "
    "chargé : rechargez la page, puis refaites votre modification."
)


# ---------------------------------------------------------------------------------------
# Checks of the values a work item may take.
# ---------------------------------------------------------------------------------------


def _check_status(actor: Colleague, status: WorkStatus | int | None) -> WorkStatus:
    found: WorkStatus | None = _firm_row(actor, WorkStatus, status)
    if found is None:
        raise field_error("status", _("Choisissez un statut du cabinet."), "invalid_choice")
    return found


def _check_type(actor: Colleague, work_type: WorkType | int | None) -> WorkType | None:
    if work_type is None:
        return None
    found: WorkType | None = _firm_row(actor, WorkType, work_type)
    if found is None:
        raise field_error(
            "work_type", _("Choisissez un type de travail du cabinet."), "invalid_choice"
        )
    return found


def _firm_row(actor: Colleague, model: Any, value: Any) -> Any:
    """SECURITY: a row of another firm is the same refusal as an unknown id."""
    if value is None:
        return None
    pk = value.pk if hasattr(value, "pk") else value
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return model.objects.filter(pk=pk, firm_id=actor.firm_id).first()


def check_assignee(
    actor: Colleague, assignee: Colleague | int | None, field: str = "assignee"
) -> Colleague | None:
    """An assignee is an active colleague of the firm. Assigning grants no access: a
    colleague without access to the client does not see the work (docs/access-rules.md)."""
    return check_colleague(actor, assignee, field)


def _check_dates(start: datetime.date | None, due: datetime.date | None) -> None:
    if start is not None and due is not None and due < start:
        raise field_error(
            "due_date",
            _("L'échéance ne peut pas précéder la date de début."),
            "due_before_start",
        )


def _check_recurrence(
    recurrence: str, start: datetime.date | None, due: datetime.date | None
) -> str:
    if recurrence not in Recurrence.values:
        raise field_error(
            "recurrence",
            _("Choisissez une période : mensuelle, trimestrielle ou annuelle."),
            "invalid_choice",
        )
    if recurrence and start is None and due is None:
        raise field_error(
            "recurrence",
            _("Un travail récurrent a besoin d'une date de début ou d'une échéance."),
            "needs_date",
        )
    if recurrence:
        months = RECURRENCE_MONTHS[Recurrence(recurrence)]
        try:
            for day in (start, due):
                if day is not None:
                    add_months(day, months)
        except ValueError:
            raise field_error(
                "recurrence",
                _("Ces dates sont trop lointaines pour un travail récurrent."),
                "out_of_range",
            ) from None
    return recurrence


def _check_group(actor: Colleague, client: Contact, group: Contact | int | None) -> Contact | None:
    """The client group an item names: one of the client's own groups, seen in full."""
    if group is None:
        return None
    found: Contact | None = _firm_row(actor, Contact, group)
    if (
        found is None
        or found.kind != Contact.Kind.CLIENT_GROUP
        or level(actor, found) != Level.FULL
    ):
        raise field_error("client_group", _("Groupe de clients introuvable."), "invalid_choice")
    if not GroupMembership.objects.filter(group_id=found.pk, member_id=client.pk).exists():
        raise field_error(
            "client_group",
            _("Ce contact n'est pas membre de ce groupe de clients."),
            "not_member",
        )
    return found


def _group_unseen(actor: Colleague, item: WorkItem) -> bool:
    """Whether the item names a client group the actor does not see in full."""
    if item.client_group_id is None:
        return False
    group = Contact.objects.filter(pk=item.client_group_id).first()
    return group is None or level(actor, group) != Level.FULL


def _pick_default(actor: Colleague, status: None) -> WorkStatus:
    del status
    return _default_status(actor)


def _default_status(actor: Colleague) -> WorkStatus:
    statuses = WorkStatus.objects.filter(firm_id=actor.firm_id).order_by("position", "name")
    first = statuses.exclude(primary_state=COMPLETED).first() or statuses.first()
    if first is None:
        raise field_error("status", _("Le cabinet n'a aucun statut de travail."), "no_status")
    return first


def _clean_date(value: Any, field: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        raise field_error(field, _("Date invalide : attendu AAAA-MM-JJ."))
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("Date invalide : attendu AAAA-MM-JJ.")) from None


def _clean_long(value: str | None, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise field_error(
            field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length"
        )
    return text


# ---------------------------------------------------------------------------------------
# Reads for writing: the item locked, at the level a write needs.
# ---------------------------------------------------------------------------------------


def lock_item(actor: Colleague, item: WorkItem | int) -> WorkItem:
    """The item re-read in the actor's firm and locked, with its client locked and seen in
    FULL (a client hidden from the actor: 404; seen by name only: 403). The client is
    locked and checked first, then the item: the order a client's deletion takes (client,
    then its items), and no row is locked for someone who may not write it."""
    require_active(actor)
    pk = item.pk if isinstance(item, WorkItem) else item
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404
    client = (
        Contact.objects.filter(work_items__pk=pk, firm_id=actor.firm_id).only("pk", "firm").first()
    )
    if client is None:
        raise Http404
    locked_client = lock_client(actor, client)
    found = (
        WorkItem.objects.select_for_update(of=("self",))
        .select_related("status")
        .filter(pk=pk, client_id=locked_client.pk)
        .first()
    )
    if found is None:  # moved or deleted meanwhile
        raise Http404
    found.client = locked_client
    return found


def _bump(item: WorkItem, *fields: str) -> None:
    now = timezone.now()
    item.updated_at = now
    WorkItem.objects.filter(pk=item.pk).update(
        version=F("version") + 1, updated_at=now, **{name: getattr(item, name) for name in fields}
    )
    item.version += 1


def _touch(item: WorkItem) -> None:
    """A change to the item's checklist or notes: it counts as a change for "changed since
    my last visit", but leaves the version (a drag of the card is not made stale by a
    ticked task)."""
    now = timezone.now()
    item.updated_at = now
    WorkItem.objects.filter(pk=item.pk).update(updated_at=now)


def _item_facts(item: WorkItem) -> dict[str, Any]:
    return {"work_item_id": item.pk, "status_id": item.status_id}


def _notify_assigned(actor: Colleague, item: WorkItem) -> None:
    if item.assignee is not None:
        notify(
            kind=kinds.WORK_ASSIGNED,
            recipients=[item.assignee],
            client=item.client,
            actor=actor,
            params=_item_facts(item),
        )


def _notify_task_assigned(actor: Colleague, item: WorkItem, task: Task) -> None:
    if task.assignee is not None:
        notify(
            kind=kinds.TASK_ASSIGNED,
            recipients=[task.assignee],
            client=item.client,
            actor=actor,
            params={**_item_facts(item), "task_id": task.pk},
        )


def _history(item: WorkItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "status": audit_ref(item.status),
        "work_type": audit_ref(item.work_type),
        "assignee": audit_ref(item.assignee),
        "start_date": item.start_date.isoformat() if item.start_date else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "recurrence": item.recurrence,
        "client_group": audit_ref(item.client_group),
    }


# ---------------------------------------------------------------------------------------
# Work items.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def create_work_item(
    *,
    actor: Colleague,
    client: Contact,
    title: str,
    status: WorkStatus | int | None = None,
    work_type: WorkType | int | None = None,
    assignee: Colleague | int | None = None,
    start_date: datetime.date | str | None = None,
    due_date: datetime.date | str | None = None,
    description: str = "",
    recurrence: str = "",
    client_group: Contact | int | None = None,
    tasks: Sequence[Mapping[str, Any]] = (),
) -> WorkItem:
    """A work item on a client the actor sees in full, with its checklist (`tasks`: dicts
    of title, assignee, due_date); the status is the firm's first open one by default."""
    locked = lock_client(actor, client)
    errors = FieldErrors()
    clean_title = errors.run(clean_text, title, "title", TITLE_MAX)
    chosen_status = errors.run(
        _check_status if status is not None else _pick_default, actor, status
    )
    chosen_type = errors.run(_check_type, actor, work_type)
    chosen_assignee = errors.run(check_assignee, actor, assignee)
    start = errors.run(_clean_date, start_date, "start_date")
    due = errors.run(_clean_date, due_date, "due_date")
    errors.run(_check_dates, start, due)
    chosen_recurrence = errors.run(_check_recurrence, recurrence or "", start, due)
    text = errors.run(_clean_long, description, "description", DESCRIPTION_MAX)
    group = errors.run(_check_group, actor, locked, client_group)
    if len(tasks) > TASKS_MAX:
        errors.run(_too_many_tasks)
    planned = [
        errors.run(_clean_task_values, actor, dict(values), f"tasks.{i}")
        for i, values in enumerate(tasks[:TASKS_MAX])
    ]
    errors.raise_if_any()
    now = timezone.now()
    item = WorkItem.objects.create(
        firm_id=actor.firm_id,
        client=locked,
        client_group=group,
        title=clean_title,
        status=chosen_status,
        work_type=chosen_type,
        assignee=chosen_assignee,
        start_date=start,
        due_date=due,
        description=text,
        recurrence=chosen_recurrence,
        completed_at=now if chosen_status.primary_state == COMPLETED else None,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    created = Task.objects.bulk_create(
        Task(firm_id=actor.firm_id, work_item=item, position=i, **values)
        for i, values in enumerate(planned)
    )
    record_event(
        actor=actor,
        action="work_item.created",
        client=locked,
        after={"work_item": audit_ref(item), **_history(item), "tasks": len(created)},
    )
    _notify_assigned(actor, item)
    for task in created:
        _notify_task_assigned(actor, item, task)
    if item.completed_at is not None:
        _schedule_next(item)
    return item


def _too_many_tasks() -> None:
    raise field_error(
        "tasks", _("%(max)s tâches au plus par élément de travail.") % {"max": TASKS_MAX}
    )


_EDITABLE = (
    "title",
    "work_type",
    "assignee",
    "start_date",
    "due_date",
    "description",
    "recurrence",
    "client_group",
)


@transaction.atomic
def update_work_item(
    *,
    actor: Colleague,
    item: WorkItem | int,
    expected_version: ExpectedVersion = None,
    status: WorkStatus | int | Unset = UNSET,
    **changes: Any,
) -> WorkItem:
    """Changes the fields given (`changes` names fields of `_EDITABLE`; any other is refused)
    and, with `status`, moves it (as `move_work_item`), all in one transaction."""
    locked = lock_item(actor, item)
    check_version(locked, expected_version, message=str(STALE_ITEM))
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise field_error(unknown[0], _("Champ inconnu."), "unknown_field")
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = errors.run(clean_text, changes["title"], "title", TITLE_MAX)
    if "work_type" in changes:
        values["work_type"] = errors.run(_check_type, actor, changes["work_type"])
    if "assignee" in changes:
        values["assignee"] = errors.run(check_assignee, actor, changes["assignee"])
    for name in ("start_date", "due_date"):
        if name in changes:
            values[name] = errors.run(_clean_date, changes[name], name)
    if "description" in changes:
        values["description"] = errors.run(
            _clean_long, changes["description"], "description", DESCRIPTION_MAX
        )
    if (
        "client_group" in changes
        and changes["client_group"] is None
        and _group_unseen(actor, locked)
    ):
        # SECURITY: the actor was never shown this link (a group they do not see in full):
        # "no group" from their form or their copy means "unchanged", never "unlink".
        del changes["client_group"]
    if "client_group" in changes:
        values["client_group"] = errors.run(
            _check_group, actor, locked.client, changes["client_group"]
        )
    start = values.get("start_date", locked.start_date)
    due = values.get("due_date", locked.due_date)
    if "start_date" not in errors.errors and "due_date" not in errors.errors:
        errors.run(_check_dates, start, due)
    recurrence = changes.get("recurrence", locked.recurrence) or ""
    if "recurrence" in changes or recurrence:
        values["recurrence"] = errors.run(_check_recurrence, recurrence, start, due)
    new_status = None if isinstance(status, Unset) else errors.run(_check_status, actor, status)
    errors.raise_if_any()
    before = _history(locked)
    old_assignee = locked.assignee_id
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, values[name])
    if changed:
        _bump(locked, *changed)
        after = _history(locked)
        record_event(
            actor=actor,
            action="work_item.updated",
            client=locked.client,
            before={"work_item": audit_ref(locked)}
            | {k: v for k, v in before.items() if before[k] != after[k]},
            after={"work_item": audit_ref(locked), "fields": list(changed)}
            | {k: v for k, v in after.items() if before[k] != after[k]},
        )
        if locked.assignee_id != old_assignee:
            _notify_assigned(actor, locked)
    if new_status is not None and new_status.pk != locked.status_id:
        _change_status(actor, locked, new_status)
    return locked


@transaction.atomic
def move_work_item(
    *,
    actor: Colleague,
    item: WorkItem | int,
    status: WorkStatus | int,
    expected_version: ExpectedVersion = None,
) -> WorkItem:
    """Moves the item to another status (a card dragged to another column). Moving to the
    status it has changes nothing; a stale copy is refused."""
    locked = lock_item(actor, item)
    check_version(locked, expected_version, message=str(STALE_ITEM))
    new_status = _check_status(actor, status)
    if new_status.pk != locked.status_id:
        _change_status(actor, locked, new_status)
    return locked


def _change_status(actor: Colleague, item: WorkItem, status: WorkStatus) -> None:
    before = audit_ref(item.status)
    was_completed = item.status.primary_state == COMPLETED
    item.status = status
    now_completed = status.primary_state == COMPLETED
    if now_completed and not was_completed:
        item.completed_at = timezone.now()
    elif was_completed and not now_completed:
        item.completed_at = None
    _bump(item, "status", "completed_at")
    record_event(
        actor=actor,
        action="work_item.status_changed",
        client=item.client,
        before={"work_item": audit_ref(item), "status": before},
        after={"work_item": audit_ref(item), "status": audit_ref(status)},
    )
    notify(
        kind=kinds.WORK_STATUS_CHANGED,
        recipients=account_managers(item.client),
        client=item.client,
        actor=actor,
        params=_item_facts(item),
    )
    if now_completed and not was_completed:
        _schedule_next(item)


def _schedule_next(item: WorkItem) -> None:
    if not item.recurrence:
        return
    pk = item.pk
    transaction.on_commit(lambda: create_next_occurrence.enqueue(work_item_id=pk))


@transaction.atomic
def delete_work_item(
    *, actor: Colleague, item: WorkItem | int, expected_version: ExpectedVersion = None
) -> None:
    """Deletes the item with its tasks and notes (its history event stays)."""
    locked = lock_item(actor, item)
    check_version(locked, expected_version, message=str(STALE_ITEM))
    record_event(
        actor=actor,
        action="work_item.deleted",
        client=locked.client,
        before={"work_item": audit_ref(locked), **_history(locked)},
    )
    locked.delete()


# ---------------------------------------------------------------------------------------
# Recurrence: the next item of a series, through the task queue.
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# Tasks (the checklist).
# ---------------------------------------------------------------------------------------


def _clean_task_values(actor: Colleague, values: dict[str, Any], prefix: str) -> dict[str, Any]:
    unknown = sorted(set(values) - {"title", "assignee", "due_date", "done"})
    if unknown:
        raise field_error(f"{prefix}.{unknown[0]}", _("Champ inconnu."), "unknown_field")
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    if "title" in values or prefix != "task":
        cleaned["title"] = errors.run(clean_text, values.get("title"), f"{prefix}.title", TITLE_MAX)
    if "assignee" in values:
        cleaned["assignee"] = errors.run(
            check_assignee, actor, values["assignee"], f"{prefix}.assignee"
        )
    if "due_date" in values:
        cleaned["due_date"] = errors.run(_clean_date, values["due_date"], f"{prefix}.due_date")
    if "done" in values:
        if not isinstance(values["done"], bool):
            errors.run(_bad_done, f"{prefix}.done")
        cleaned["done"] = bool(values["done"])
        cleaned["done_at"] = timezone.now() if values["done"] else None
    errors.raise_if_any()
    return cleaned


def _bad_done(field: str) -> None:
    raise field_error(field, _("Valeur invalide : vrai ou faux."))


def _field_name(prefix: str, error: ValidationError) -> ValidationError:
    return ValidationError(
        {key.removeprefix(f"{prefix}."): value for key, value in error.error_dict.items()}
    )


def _clean_task(actor: Colleague, values: dict[str, Any]) -> dict[str, Any]:
    try:
        return _clean_task_values(actor, values, "task")
    except ValidationError as error:
        raise _field_name("task", error) from None


def lock_task(actor: Colleague, task: Task | int) -> tuple[WorkItem, Task]:
    """The task and its item, locked, the item's client seen in full (else 404/403)."""
    require_active(actor)
    pk = task.pk if isinstance(task, Task) else task
    found = Task.objects.filter(pk=pk, firm_id=actor.firm_id).values_list("work_item_id", flat=True)
    item_id = found.first()
    if item_id is None:
        raise Http404
    item = lock_item(actor, item_id)
    locked = Task.objects.select_for_update().filter(pk=pk, work_item_id=item.pk).first()
    if locked is None:
        raise Http404
    return item, locked


@transaction.atomic
def add_task(
    *,
    actor: Colleague,
    item: WorkItem | int,
    title: str,
    assignee: Colleague | int | None = None,
    due_date: datetime.date | str | None = None,
    expected_version: ExpectedVersion = None,
) -> Task:
    """Adds a line to the item's checklist."""
    locked = lock_item(actor, item)
    check_version(locked, expected_version, message=str(STALE_ITEM))
    values = _clean_task(actor, {"title": title, "assignee": assignee, "due_date": due_date})
    count = locked.tasks.count()
    if count >= TASKS_MAX:
        _too_many_tasks()
    task = Task.objects.create(firm_id=actor.firm_id, work_item=locked, position=count, **values)
    _touch(locked)
    record_event(
        actor=actor,
        action="work_item.task_added",
        client=locked.client,
        after={"work_item": audit_ref(locked), "task": audit_ref(task)},
    )
    _notify_task_assigned(actor, locked, task)
    return task


@transaction.atomic
def update_task(
    *,
    actor: Colleague,
    task: Task | int,
    expected_version: ExpectedVersion = None,
    **changes: Any,
) -> Task:
    """Changes a task's title, assignee, due date or done flag (those given); a stale
    `expected_version` (the task's own) is refused."""
    item, locked = lock_task(actor, task)
    check_version(locked, expected_version, message=str(STALE_TASK))
    values = _clean_task(actor, dict(changes))
    if not values.get("title", True):
        values.pop("title")
    old_assignee = locked.assignee_id
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if "done_at" in changed and "done" not in changed:
        changed.remove("done_at")
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.version += 1
    locked.save(update_fields=[*changed, "version"])
    _touch(item)
    record_event(
        actor=actor,
        action="work_item.task_updated",
        client=item.client,
        after={
            "work_item": audit_ref(item),
            "task": audit_ref(locked),
            "fields": sorted(name for name in changed if name != "done_at"),
            "done": locked.done,
        },
    )
    if locked.assignee_id != old_assignee:
        _notify_task_assigned(actor, item, locked)
    return locked


@transaction.atomic
def delete_task(
    *, actor: Colleague, task: Task | int, expected_version: ExpectedVersion = None
) -> None:
    item, locked = lock_task(actor, task)
    check_version(locked, expected_version, message=str(STALE_TASK))
    record_event(
        actor=actor,
        action="work_item.task_deleted",
        client=item.client,
        before={"work_item": audit_ref(item), "task": audit_ref(locked)},
    )
    locked.delete()
    _touch(item)


# ---------------------------------------------------------------------------------------
# Notes.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def add_work_note(*, actor: Colleague, item: WorkItem | int, body: str) -> WorkNote:
    """A note on the item (Markdown); the client's owner and manager are told."""
    locked = lock_item(actor, item)
    text = _clean_long(body, "body", NOTE_MAX)
    if not text:
        raise field_error("body", _("Ce champ est obligatoire."), "required")
    note = WorkNote.objects.create(firm_id=actor.firm_id, work_item=locked, author=actor, body=text)
    _touch(locked)
    record_event(
        actor=actor,
        action="work_item.note_added",
        client=locked.client,
        after={"work_item": audit_ref(locked), "note": note.pk},
    )
    notify(
        kind=kinds.WORK_NOTE_ADDED,
        recipients=account_managers(locked.client),
        client=locked.client,
        actor=actor,
        params={**_item_facts(locked), "note_id": note.pk},
    )
    return note


# ---------------------------------------------------------------------------------------
# Segments: saved filters of the work view.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def save_segment(
    *,
    actor: Colleague,
    name: str,
    query: Mapping[str, str],
    area: str = Segment.Area.WORK,
    shared: bool = False,
) -> Segment:
    """Saves the filters `query` (parameter -> value, already valid) under `name`, for the
    actor only, or `shared` with every colleague of the firm (who see it and count it
    through the list's own door: sharing a filter shares no record); saving again under the
    same name replaces the filters and the sharing."""
    require_active(actor)
    clean_name = clean_text(name, "name", 80)
    if area not in Segment.Area.values:
        raise field_error("area", _("Liste inconnue."), "invalid_choice")
    text = urlencode(sorted(query.items()))
    if len(text) > 2000:
        raise field_error("query", _("Trop de filtres pour un segment."), "max_length")
    existing = (
        Segment.objects.select_for_update()
        .filter(owner_id=actor.pk, area=area, name__iexact=clean_name)
        .first()
    )
    if existing is not None:
        existing.query = text
        existing.shared = bool(shared)
        existing.save(update_fields=["query", "shared"])
        return existing
    if Segment.objects.filter(owner_id=actor.pk, area=area).count() >= SEGMENTS_MAX:
        raise field_error(
            "name", _("%(max)s segments au plus.") % {"max": SEGMENTS_MAX}, "too_many"
        )
    return Segment.objects.create(
        firm_id=actor.firm_id,
        owner=actor,
        area=area,
        name=clean_name,
        query=text,
        shared=bool(shared),
    )


@transaction.atomic
def delete_segment(*, actor: Colleague, segment: Segment | int) -> None:
    """Deletes one of the actor's own segments (another's is a 404)."""
    require_active(actor)
    pk = segment.pk if isinstance(segment, Segment) else segment
    deleted, _count = Segment.objects.filter(pk=pk, owner_id=actor.pk).delete()
    if not deleted:
        raise Http404


# ---------------------------------------------------------------------------------------
# The home page's "since my last visit".
# ---------------------------------------------------------------------------------------

# Home pages opened within this time of each other are one visit: a reload keeps showing
# what changed since the visit before.
VISIT_GAP = datetime.timedelta(minutes=30)


@transaction.atomic
def record_home_visit(*, actor: Colleague, now: datetime.datetime | None = None) -> HomeVisit:
    """Notes that the actor opened their home page; `previous_seen_at` of the answer is the
    start of "changed since my last visit" (None on the first visit). Not audited: it is
    the colleague's own reading position, not a change of the firm's data."""
    require_active(actor)
    now = now or timezone.now()
    # get_or_create: two first visits at once make one row, not an error.
    visit, created = HomeVisit.objects.get_or_create(
        colleague=actor, defaults={"firm_id": actor.firm_id, "seen_at": now}
    )
    if created:
        return visit
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    if now - visit.seen_at > VISIT_GAP:
        visit.previous_seen_at = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["seen_at", "previous_seen_at"])
    return visit
