"""The ordered, named lists of the settings page: contact types, work types, work statuses
and the stages of the sales pipeline (admins only). They share their rules: names unique in
the firm without regard to case, an item in use cannot be deleted, the order is the firm's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, ProtectedError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from portefeuille.audit.services import audit_ref, record_event

from ..guards import field_error, require_admin, same_firm
from ..models import Colleague, ContactType, OpportunityStage, WorkStatus, WorkType
from .common import (
    change_field,
    check_choice,
    clean_unique_name,
    lock_firm,
    lock_in_firm,
    rename,
    save_unique_name,
)

NamedModel = TypeVar("NamedModel", ContactType, WorkType, WorkStatus, OpportunityStage)


def _duplicate_name() -> str:
    return gettext("« %(name)s » existe déjà.")


def _next_position(actor: Colleague, model: type[NamedModel]) -> int:
    last = model.objects.filter(firm_id=actor.firm_id).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _usage_count(item: models.Model) -> int:
    """How many rows point at `item` through a foreign key (contacts, work items,
    opportunities)."""
    total = 0
    for relation in item._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            related = relation.related_model._default_manager
            total += related.filter(**{relation.field.name: item}).count()
    return total


def _create_item(
    actor: Colleague, model: type[NamedModel], name: str, action: str, **extra: Any
) -> NamedModel:
    require_admin(actor)
    lock_firm(actor)
    item = model(
        firm_id=actor.firm_id,
        name=clean_unique_name(actor, model, name, duplicate=_duplicate_name()),
        position=_next_position(actor, model),
        **extra,
    )
    save_unique_name(item, duplicate=_duplicate_name())
    record_event(
        actor=actor,
        action=f"{action}.created",
        after={"item": audit_ref(item), **extra},
    )
    return item


def _rename_item(actor: Colleague, item: NamedModel, name: str, action: str) -> NamedModel:
    require_admin(actor)
    locked = lock_in_firm(actor, item)
    return rename(
        actor, locked, item, name, duplicate=_duplicate_name(), action=f"{action}.renamed", key="id"
    )


def _delete_item(
    actor: Colleague, item: NamedModel, action: str, in_use: Callable[[int], str]
) -> None:
    """Deletes an unused item; `in_use(count)` is the refusal, with %(count)s and %(name)s."""
    require_admin(actor)
    locked = lock_in_firm(actor, item)
    count = _usage_count(locked)
    if count:
        raise ValidationError(in_use(count) % {"count": count, "name": locked.name}, code="in_use")
    record_event(
        actor=actor,
        action=f"{action}.deleted",
        before={"item": audit_ref(locked)},
    )
    try:
        # A savepoint: a row that came to use the item since it was counted (its reference
        # is PROTECT) leaves the transaction usable for the refusal.
        with transaction.atomic():
            locked.delete()
    except ProtectedError as error:
        count = len(error.protected_objects)
        raise ValidationError(
            in_use(count) % {"count": count, "name": locked.name}, code="in_use"
        ) from None


def _reorder_items(
    actor: Colleague, model: type[NamedModel], items: Sequence[NamedModel], action: str
) -> list[NamedModel]:
    """Puts the firm's items in the given order, which must list each of them once."""
    require_admin(actor)
    rows = model.objects.select_for_update().filter(firm_id=actor.firm_id)
    current = {item.pk: item for item in rows}
    for item in items:
        same_firm(actor, item)
    wanted = [item.pk for item in items]
    if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
        raise ValidationError(
            gettext("L'ordre demandé ne correspond plus à la liste : rechargez la page."),
            code="stale_order",
        )
    changed = []
    for position, pk in enumerate(wanted):
        if current[pk].position != position:
            current[pk].position = position
            changed.append(current[pk])
    if changed:
        model.objects.bulk_update(changed, ["position"])
        record_event(
            actor=actor,
            action=f"{action}.reordered",
            after=[current[pk].name for pk in wanted],
        )
    return [current[pk] for pk in wanted]


def _move_item(
    actor: Colleague, model: type[NamedModel], item: NamedModel, offset: int, action: str
) -> list[NamedModel]:
    """Moves an item `offset` places (-1 up, +1 down) in the firm's order, read under the
    lock of the reorder; at an end of the list nothing changes."""
    require_admin(actor)
    same_firm(actor, item)
    items = list(
        model.objects.select_for_update().filter(firm_id=actor.firm_id).order_by("position", "name")
    )
    index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
    if index is None:
        raise Http404
    target = index + offset
    if not 0 <= target < len(items):
        return items
    items[index], items[target] = items[target], items[index]
    return _reorder_items(actor, model, items, action)


@transaction.atomic
def create_contact_type(*, actor: Colleague, name: str, is_archive: bool = False) -> ContactType:
    return _create_item(actor, ContactType, name, "contact_type", is_archive=is_archive)


@transaction.atomic
def rename_contact_type(*, actor: Colleague, contact_type: ContactType, name: str) -> ContactType:
    return _rename_item(actor, contact_type, name, "contact_type")


@transaction.atomic
def set_contact_type_archive(
    *, actor: Colleague, contact_type: ContactType, is_archive: bool
) -> ContactType:
    """Marks a type as the archive (its contacts are hidden from lists unless asked)."""
    require_admin(actor)
    locked = lock_in_firm(actor, contact_type)
    if locked.is_archive == is_archive:
        return locked
    change_field(
        actor,
        locked,
        contact_type,
        "is_archive",
        is_archive,
        action="contact_type.archive_changed",
        ref="item",
    )
    return locked


@transaction.atomic
def delete_contact_type(*, actor: Colleague, contact_type: ContactType) -> None:
    """Deletes a contact type no contact uses; otherwise says how many do."""
    require_admin(actor)
    same_firm(actor, contact_type)

    def in_use(count: int) -> str:
        return ngettext(
            "Le type « %(name)s » est utilisé par %(count)s contact : renommez-le, ou donnez "
            "d'abord un autre type à ce contact.",
            "Le type « %(name)s » est utilisé par %(count)s contacts : renommez-le, ou donnez "
            "d'abord un autre type à ces contacts.",
            count,
        )

    _delete_item(actor, contact_type, "contact_type", in_use)


@transaction.atomic
def reorder_contact_types(
    *, actor: Colleague, contact_types: Sequence[ContactType]
) -> list[ContactType]:
    return _reorder_items(actor, ContactType, contact_types, "contact_type")


@transaction.atomic
def move_contact_type(
    *, actor: Colleague, contact_type: ContactType, offset: int
) -> list[ContactType]:
    return _move_item(actor, ContactType, contact_type, offset, "contact_type")


@transaction.atomic
def create_work_type(*, actor: Colleague, name: str) -> WorkType:
    return _create_item(actor, WorkType, name, "work_type")


@transaction.atomic
def rename_work_type(*, actor: Colleague, work_type: WorkType, name: str) -> WorkType:
    return _rename_item(actor, work_type, name, "work_type")


def _work_in_use(count: int) -> str:
    return ngettext(
        "« %(name)s » est utilisé par %(count)s élément de travail : renommez-le, ou "
        "changez-le d'abord sur cet élément.",
        "« %(name)s » est utilisé par %(count)s éléments de travail : renommez-le, ou "
        "changez-le d'abord sur ces éléments.",
        count,
    )


@transaction.atomic
def delete_work_type(*, actor: Colleague, work_type: WorkType) -> None:
    require_admin(actor)
    same_firm(actor, work_type)
    _delete_item(actor, work_type, "work_type", _work_in_use)


@transaction.atomic
def reorder_work_types(*, actor: Colleague, work_types: Sequence[WorkType]) -> list[WorkType]:
    return _reorder_items(actor, WorkType, work_types, "work_type")


@transaction.atomic
def move_work_type(*, actor: Colleague, work_type: WorkType, offset: int) -> list[WorkType]:
    return _move_item(actor, WorkType, work_type, offset, "work_type")


def _refuse_last_of_state(actor: Colleague, status: WorkStatus, field: str | None) -> None:
    others = WorkStatus.objects.filter(
        firm_id=actor.firm_id, primary_state=status.primary_state
    ).exclude(pk=status.pk)
    if not others.exists():
        message = gettext(
            "« %(name)s » est le seul statut de l'état « %(state)s » : chaque état principal "
            "garde au moins un statut."
        ) % {"name": status.name, "state": status.get_primary_state_display()}
        if field:
            raise field_error(field, message, "last_of_state")
        raise ValidationError(message, code="last_of_state")


@transaction.atomic
def create_work_status(*, actor: Colleague, name: str, primary_state: str) -> WorkStatus:
    state = check_choice(primary_state, WorkStatus.PrimaryState.values, "primary_state")
    return _create_item(actor, WorkStatus, name, "work_status", primary_state=state)


@transaction.atomic
def update_work_status(
    *,
    actor: Colleague,
    work_status: WorkStatus,
    name: str | None = None,
    primary_state: str | None = None,
) -> WorkStatus:
    """Renames a status and/or maps it to another primary state (admins only)."""
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, work_status)
    if name is not None:
        locked = _rename_item(actor, locked, name, "work_status")
        work_status.name = locked.name
    if primary_state is not None:
        state = check_choice(primary_state, WorkStatus.PrimaryState.values, "primary_state")
        if state != locked.primary_state:
            _refuse_last_of_state(actor, locked, "primary_state")
            change_field(
                actor,
                locked,
                work_status,
                "primary_state",
                state,
                action="work_status.state_changed",
                ref="item",
            )
    return locked


@transaction.atomic
def rename_work_status(*, actor: Colleague, work_status: WorkStatus, name: str) -> WorkStatus:
    return update_work_status(actor=actor, work_status=work_status, name=name)


@transaction.atomic
def delete_work_status(*, actor: Colleague, work_status: WorkStatus) -> None:
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, work_status)
    _refuse_last_of_state(actor, locked, None)
    _delete_item(actor, locked, "work_status", _work_in_use)


@transaction.atomic
def reorder_work_statuses(
    *, actor: Colleague, work_statuses: Sequence[WorkStatus]
) -> list[WorkStatus]:
    return _reorder_items(actor, WorkStatus, work_statuses, "work_status")


@transaction.atomic
def move_work_status(*, actor: Colleague, work_status: WorkStatus, offset: int) -> list[WorkStatus]:
    return _move_item(actor, WorkStatus, work_status, offset, "work_status")


# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# The stages of the sales pipeline (docs/sales.md): each outcome (open, won, lost) keeps at
# least one stage, so an opportunity can always be opened, won and lost; a stage in use
# cannot be deleted. Moving a stage to another outcome closes (or reopens) its
# opportunities with it.
# ---------------------------------------------------------------------------------------


def _refuse_last_of_outcome(actor: Colleague, stage: OpportunityStage, field: str | None) -> None:
    others = OpportunityStage.objects.filter(firm_id=actor.firm_id, outcome=stage.outcome).exclude(
        pk=stage.pk
    )
    if not others.exists():
        message = gettext(
            "« %(name)s » est la seule étape « %(outcome)s » du pipeline : chaque issue (en "
            "cours, gagnée, perdue) garde au moins une étape."
        ) % {"name": stage.name, "outcome": stage.get_outcome_display()}
        if field:
            raise field_error(field, message, "last_of_outcome")
        raise ValidationError(message, code="last_of_outcome")


def _stage_in_use(count: int) -> str:
    return ngettext(
        "« %(name)s » est l'étape de %(count)s opportunité : renommez-la, ou changez d'abord "
        "l'étape de cette opportunité.",
        "« %(name)s » est l'étape de %(count)s opportunités : renommez-la, ou changez d'abord "
        "l'étape de ces opportunités.",
        count,
    )


@transaction.atomic
def create_opportunity_stage(*, actor: Colleague, name: str, outcome: str) -> OpportunityStage:
    chosen = check_choice(outcome, OpportunityStage.Outcome.values, "outcome")
    return _create_item(actor, OpportunityStage, name, "opportunity_stage", outcome=chosen)


@transaction.atomic
def update_opportunity_stage(
    *,
    actor: Colleague,
    opportunity_stage: OpportunityStage,
    name: str | None = None,
    outcome: str | None = None,
) -> OpportunityStage:
    """Renames a stage and/or gives it another outcome (admins only). Its opportunities
    follow: moved to won or lost they are closed now, moved back to open they reopen."""
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, opportunity_stage)
    if name is not None:
        locked = _rename_item(actor, locked, name, "opportunity_stage")
        opportunity_stage.name = locked.name
    if outcome is not None:
        chosen = check_choice(outcome, OpportunityStage.Outcome.values, "outcome")
        if chosen != locked.outcome:
            _refuse_last_of_outcome(actor, locked, "outcome")
            change_field(
                actor,
                locked,
                opportunity_stage,
                "outcome",
                chosen,
                action="opportunity_stage.outcome_changed",
                ref="item",
            )
            # The reverse relation of sales.Opportunity.stage: its closing date follows the
            # outcome, as when an opportunity itself changes stage (sales/services.py).
            opportunities = locked.opportunities
            if chosen == OpportunityStage.Outcome.OPEN:
                opportunities.filter(closed_at__isnull=False).update(closed_at=None)
            else:
                opportunities.filter(closed_at__isnull=True).update(closed_at=timezone.now())
    return locked


@transaction.atomic
def rename_opportunity_stage(
    *, actor: Colleague, opportunity_stage: OpportunityStage, name: str
) -> OpportunityStage:
    return update_opportunity_stage(actor=actor, opportunity_stage=opportunity_stage, name=name)


@transaction.atomic
def delete_opportunity_stage(*, actor: Colleague, opportunity_stage: OpportunityStage) -> None:
    """Deletes a stage no opportunity is at, unless it is the last of its outcome; otherwise
    says how many opportunities are at it."""
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, opportunity_stage)
    _refuse_last_of_outcome(actor, locked, None)
    _delete_item(actor, locked, "opportunity_stage", _stage_in_use)


@transaction.atomic
def reorder_opportunity_stages(
    *, actor: Colleague, opportunity_stages: Sequence[OpportunityStage]
) -> list[OpportunityStage]:
    return _reorder_items(actor, OpportunityStage, opportunity_stages, "opportunity_stage")


@transaction.atomic
def move_opportunity_stage(
    *, actor: Colleague, opportunity_stage: OpportunityStage, offset: int
) -> list[OpportunityStage]:
    return _move_item(actor, OpportunityStage, opportunity_stage, offset, "opportunity_stage")
