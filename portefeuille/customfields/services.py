"""Every write on custom fields and their values (docs/custom-fields.md).

Defining, changing, archiving, ordering and deleting a field is for admins; each is one
transaction with its history event (on the firm). Setting the values of one record needs the
right to change that record: FULL access to a contact (access.guards.lock_client), or, for an
opportunity, a project or an invoice, seeing it through its door
(sales.services.lock_record). Every value is checked by its field's type before anything is
written; a refusal names its field (`cf_<id>`) and changes nothing. A value of type User is
an active colleague of the actor's firm (another firm's is refused like an unknown id) and
grants that colleague nothing: no door reads this table.

Setting values bumps the record's version (an edit form or an If-Match from before is then
stale) and records `custom_values.changed` on the record's client.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.guards import lock_client
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.contacts.models import Contact, normalise_for_search
from portefeuille.firms.guards import (
    UNSET,
    ExpectedVersion,
    FieldErrors,
    StaleVersionError,
    Unset,
    check_version,
    clean_text,
    field_error,
    firm_row,
    require_active,
    require_admin,
)
from portefeuille.firms.models import Colleague
from portefeuille.sales.models import Invoice, Opportunity, Project, SalesRecord
from portefeuille.sales.services import lock_record

from .cleaning import clean_date, clean_number
from .models import CustomField, CustomValue

LABEL_MAX = 80
TEXT_MAX = 500
CHOICE_MAX = 100
CHOICES_MAX = 100
FIELDS_PER_AREA = 50

Area = CustomField.Area
Kind = CustomField.Kind

# The record model of each area, and the column of a value that names it.
AREA_MODELS: dict[str, type[models.Model]] = {
    Area.CONTACT: Contact,
    Area.OPPORTUNITY: Opportunity,
    Area.PROJECT: Project,
    Area.INVOICE: Invoice,
}

STALE_RECORD = gettext_lazy(
    "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez chargée : "
    "rechargez la page, puis refaites votre modification."
)
STALE_FIELD = gettext_lazy(
    "Ce champ personnalisé a été modifié par quelqu'un d'autre depuis que vous l'avez "
    "chargé : rechargez la page, puis refaites votre modification."
)

R = TypeVar("R", bound=models.Model)


def area_of(record: models.Model) -> str:
    """The area of a record (contact, opportunity, project, invoice)."""
    for area, model in AREA_MODELS.items():
        if isinstance(record, model):
            return area
    raise TypeError(f"No custom fields on {type(record).__name__}")


def column_of(area: str) -> str:
    """The column of CustomValue naming a record of this area."""
    return str(area)


# ---------------------------------------------------------------------------------------
# Field definitions (admins).
# ---------------------------------------------------------------------------------------


def _field_history(field: CustomField) -> dict[str, Any]:
    return {
        "custom_field": audit_ref(field),
        "area": field.area,
        "kind": field.kind,
        "label": field.label,
        "choices": list(field.choices),
        "in_list": field.in_list,
        "archived": field.archived,
    }


def _clean_choices(kind: str, choices: Iterable[Any] | None) -> list[str]:
    """The options of a choice field: non-empty texts, once each (case ignored)."""
    if kind != Kind.CHOICE:
        return []
    if isinstance(choices, str):
        choices = choices.splitlines()
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in choices or ():
        if not isinstance(raw, str):
            raise field_error("choices", _("Chaque choix est un texte."), "invalid")
        text = " ".join(raw.split())
        if not text:
            continue
        if len(text) > CHOICE_MAX:
            raise field_error(
                "choices",
                _("Un choix fait %(max)s caractères au plus.") % {"max": CHOICE_MAX},
                "max_length",
            )
        if text.casefold() in seen:
            raise field_error(
                "choices", _("Le choix « %(choice)s » est en double.") % {"choice": text}, "unique"
            )
        seen.add(text.casefold())
        cleaned.append(text)
    if not cleaned:
        raise field_error("choices", _("Une liste de choix a au moins un choix."), "required")
    if len(cleaned) > CHOICES_MAX:
        raise field_error("choices", _("%(max)s choix au plus.") % {"max": CHOICES_MAX}, "too_many")
    return cleaned


def _label_taken(actor: Colleague, area: str, label: str, exclude: int | None = None) -> None:
    taken = CustomField.objects.filter(firm_id=actor.firm_id, area=area).filter(
        **{"label__iexact": label}
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise field_error(
            "label",
            _("Un champ « %(label)s » existe déjà sur ces fiches.") % {"label": label},
            "unique",
        )


def _save_unique(field: CustomField, **kwargs: Any) -> None:
    """Saves; a label taken meanwhile by a concurrent write is the same refusal."""
    try:
        with transaction.atomic():
            field.save(**kwargs)
    except IntegrityError:
        raise field_error(
            "label",
            _("Un champ « %(label)s » existe déjà sur ces fiches.") % {"label": field.label},
            "unique",
        ) from None


@transaction.atomic
def define_custom_field(
    *,
    actor: Colleague,
    area: str,
    label: str,
    kind: str,
    choices: Iterable[str] | None = None,
    in_list: bool = False,
) -> CustomField:
    """A new field at the end of its area's fields. Its type never changes afterwards (the
    values already written are of that type)."""
    require_admin(actor)
    errors = FieldErrors()
    if area not in Area.values:
        errors.add(field_error("area", _("Choisissez les fiches du champ."), "invalid_choice"))
    if kind not in Kind.values:
        errors.add(field_error("kind", _("Choisissez le type du champ."), "invalid_choice"))
    clean_label = errors.run(clean_text, label, "label", LABEL_MAX)
    clean_choices = errors.run(_clean_choices, kind, choices) or []
    errors.raise_if_any()
    # The lock of the area's fields: two fields defined at once get distinct positions.
    existing = list(
        CustomField.objects.select_for_update()
        .filter(firm_id=actor.firm_id, area=area)
        .values_list("pk", flat=True)
    )
    if len(existing) >= FIELDS_PER_AREA:
        raise field_error(
            "label",
            _("%(max)s champs personnalisés au plus sur ces fiches.") % {"max": FIELDS_PER_AREA},
            "too_many",
        )
    _label_taken(actor, area, clean_label)
    last = CustomField.objects.filter(firm_id=actor.firm_id, area=area).aggregate(
        last=Max("position")
    )["last"]
    now = timezone.now()
    field = CustomField(
        firm_id=actor.firm_id,
        area=area,
        label=clean_label,
        kind=kind,
        choices=clean_choices,
        in_list=bool(in_list),
        position=(last + 1) if last is not None else 0,
        created_at=now,
        updated_at=now,
    )
    _save_unique(field, force_insert=True)
    record_event(actor=actor, action="custom_field.created", after=_field_history(field))
    return field


def lock_field(actor: Colleague, field: CustomField | int) -> CustomField:
    """The field re-read in the actor's firm and locked; another firm's is a 404."""
    pk = field.pk if isinstance(field, CustomField) else field
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404
    found = CustomField.objects.select_for_update().filter(pk=pk, firm_id=actor.firm_id).first()
    if found is None:
        raise Http404
    return found


def values_count(field: CustomField) -> int:
    """How many records hold a value of this field."""
    return CustomValue.objects.filter(field_id=field.pk).count()


def _choices_in_use(field: CustomField, removed: Sequence[str]) -> None:
    """A choice some record holds cannot be removed (values hold the choice's text)."""
    if not removed:
        return
    used = (
        CustomValue.objects.filter(field_id=field.pk, choice__in=list(removed))
        .values("choice")
        .annotate(n=models.Count("id"))
        .order_by("choice")
        .first()
    )
    if used is not None:
        raise field_error(
            "choices",
            _(
                "Le choix « %(choice)s » est la valeur de %(count)s fiche(s) : changez-les "
                "avant de le retirer."
            )
            % {"choice": used["choice"], "count": used["n"]},
            "in_use",
        )


@transaction.atomic
def update_custom_field(
    *,
    actor: Colleague,
    field: CustomField | int,
    label: str | Unset = UNSET,
    choices: Iterable[str] | Unset = UNSET,
    in_list: bool | Unset = UNSET,
    archived: bool | Unset = UNSET,
    kind: str | Unset = UNSET,
    area: str | Unset = UNSET,
    expected_version: ExpectedVersion = None,
) -> CustomField:
    """Renames a field, changes its choices (a choice some record holds cannot be removed),
    whether the lists show it, or archives / restores it (values kept). Its type and its
    records never change: sending them different is refused."""
    require_admin(actor)
    found = lock_field(actor, field)
    check_version(found, expected_version, message=str(STALE_FIELD))
    before = _field_history(found)
    errors = FieldErrors()
    if not isinstance(kind, Unset) and kind != found.kind:
        errors.add(
            field_error(
                "kind",
                _("Le type d'un champ ne change pas après sa création."),
                "kind_fixed",
            )
        )
    if not isinstance(area, Unset) and area != found.area:
        errors.add(
            field_error(
                "area",
                _("Les fiches d'un champ ne changent pas après sa création."),
                "area_fixed",
            )
        )
    changed: list[str] = []
    respelled: dict[str, str] = {}
    if not isinstance(label, Unset):
        new_label = errors.run(clean_text, label, "label", LABEL_MAX)
        if new_label and new_label != found.label:
            errors.run(_label_taken, actor, found.area, new_label, found.pk)
            if "label" not in errors.errors:
                found.label = new_label
                changed.append("label")
    if not isinstance(choices, Unset) and found.kind == Kind.CHOICE:
        new_choices = errors.run(_clean_choices, found.kind, choices)
        if new_choices is not None and new_choices != found.choices:
            spelled = {choice.casefold(): choice for choice in new_choices}
            removed = [old for old in found.choices if old.casefold() not in spelled]
            respelled = {
                old: spelled[old.casefold()]
                for old in found.choices
                if old.casefold() in spelled and spelled[old.casefold()] != old
            }
            errors.run(_choices_in_use, found, removed)
            found.choices = new_choices
            changed.append("choices")
    if not isinstance(in_list, Unset) and bool(in_list) != found.in_list:
        found.in_list = bool(in_list)
        changed.append("in_list")
    if not isinstance(archived, Unset) and bool(archived) != found.archived:
        found.archived = bool(archived)
        changed.append("archived")
    errors.raise_if_any()
    if not changed:
        return found
    if "choices" in changed:
        # A choice written differently ("paris" → "Paris") keeps its records, respelled.
        for old, new in respelled.items():
            CustomValue.objects.filter(field_id=found.pk, choice=old).update(choice=new)
    found.version += 1
    found.updated_at = timezone.now()
    _save_unique(found, update_fields=[*changed, "version", "updated_at"])
    action = "custom_field.changed"
    if changed == ["archived"]:
        action = "custom_field.archived" if found.archived else "custom_field.restored"
    record_event(actor=actor, action=action, before=before, after=_field_history(found))
    return found


def archive_custom_field(
    *, actor: Colleague, field: CustomField | int, archived: bool = True
) -> CustomField:
    """Hides the field from forms, pages and filters (its values stay), or shows it again."""
    return update_custom_field(actor=actor, field=field, archived=archived)


@transaction.atomic
def move_custom_field(*, actor: Colleague, field: CustomField | int, offset: int) -> CustomField:
    """Moves a field `offset` places (-1 up, +1 down) among its area's fields."""
    require_admin(actor)
    found = lock_field(actor, field)
    fields = list(
        CustomField.objects.select_for_update()
        .filter(firm_id=actor.firm_id, area=found.area)
        .order_by("position", "id")
    )
    index = next(i for i, other in enumerate(fields) if other.pk == found.pk)
    target = index + offset
    if not 0 <= target < len(fields) or offset == 0:
        return found
    fields[index], fields[target] = fields[target], fields[index]
    for position, other in enumerate(fields):
        if other.position != position:
            CustomField.objects.filter(pk=other.pk).update(
                position=position, version=F("version") + 1
            )
    record_event(
        actor=actor,
        action="custom_field.reordered",
        after={"area": found.area, "fields": [audit_ref(other) for other in fields]},
    )
    found.refresh_from_db()
    return found


@transaction.atomic
def delete_custom_field(
    *,
    actor: Colleague,
    field: CustomField | int,
    expected_version: ExpectedVersion = None,
    expected_values: int | None = None,
) -> int:
    """Deletes the field and every value of it, for good; returns how many values went
    with it. The page asks to confirm, saying how many: `expected_values` is the count it
    showed, and a different count now (values written since) asks again."""
    require_admin(actor)
    found = lock_field(actor, field)
    check_version(found, expected_version, message=str(STALE_FIELD))
    count = values_count(found)
    if expected_values is not None and expected_values != count:
        raise ValidationError(
            _(
                "Entre-temps, le nombre de fiches qui ont une valeur pour ce champ est passé "
                "à %(count)s : confirmez de nouveau."
            )
            % {"count": count},
            code="values_changed",
        )
    record_event(
        actor=actor,
        action="custom_field.deleted",
        before={**_field_history(found), "values": count},
    )
    found.delete()
    return count


# ---------------------------------------------------------------------------------------
# Values.
# ---------------------------------------------------------------------------------------


def _clean_text_value(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise field_error(name, _("Saisissez un texte."), "invalid")
    return clean_text(value, name, TEXT_MAX, required=False) or None


def _clean_choice(field: CustomField, value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        folded = " ".join(value.split()).casefold()
        for choice in field.choices:
            if choice.casefold() == folded:
                return str(choice)
    raise field_error(
        name,
        _("Choisissez l'un des choix du champ « %(label)s ».") % {"label": field.label},
        "invalid_choice",
    )


def _colleague_id(value: Any) -> int | None:
    if isinstance(value, Colleague):
        return value.pk
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _clean_user(
    actor: Colleague, field: CustomField, value: Any, name: str, current: int | None
) -> Colleague | None:
    """An active colleague of the actor's firm. SECURITY: another firm's colleague is the
    same refusal as an unknown id. The current value, kept as it is, stays even if that
    colleague was deactivated since (keeping is not choosing)."""
    if value is None or value == "":
        return None
    pk = _colleague_id(value)
    found = firm_row(actor, Colleague, pk) if pk is not None else None
    if not isinstance(found, Colleague):
        raise field_error(name, _("Choisissez un collègue du cabinet."), "invalid_choice")
    if not found.is_active and found.pk != current:
        raise field_error(
            name,
            _("%(name)s est désactivé(e) : choisissez un collègue actif.")
            % {"name": found.full_name},
            "inactive",
        )
    return found


def _field_key(raw: Any) -> int | None:
    if isinstance(raw, CustomField):
        return raw.pk
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        text = raw.removeprefix("cf_")
        if text.isascii() and text.isdigit() and len(text) < 19:
            return int(text)
    return None


@dataclass(frozen=True)
class Cleaned:
    """A value ready to write (None: the record has no value for the field)."""

    field: CustomField
    value: Any

    @property
    def column(self) -> str:
        return _VALUE_COLUMNS[self.field.kind]


_VALUE_COLUMNS: dict[str, str] = {
    Kind.TEXT: "text",
    Kind.NUMBER: "number",
    Kind.DATE: "date",
    Kind.CHOICE: "choice",
    Kind.USER: "user",
}
_EMPTY = {"text": "", "number": None, "date": None, "choice": "", "user": None}


def clean_custom_values(
    actor: Colleague,
    area: str,
    values: Mapping[Any, Any],
    current: Mapping[int, CustomValue] | None = None,
) -> list[Cleaned]:
    """Checks the values sent for the fields of an area (`{field id: raw value}`, keys as
    ints, digit strings or `cf_<id>`), every one before any is written: the refusals come
    at once, each on `cf_<id>`. An unknown field, one of another area or firm, or an
    archived one, is refused like an unknown id. Writes nothing."""
    require_active(actor)
    wanted: dict[int, Any] = {}
    errors = FieldErrors()
    for raw_key, raw_value in values.items():
        key = _field_key(raw_key)
        if key is None or not 0 < key < 2**63:
            errors.add(
                field_error(f"cf_{raw_key}", _("Champ personnalisé inconnu."), "unknown_field")
            )
            continue
        wanted[key] = raw_value
    fields = {
        field.pk: field
        for field in CustomField.objects.filter(
            firm_id=actor.firm_id, area=area, archived=False, pk__in=list(wanted)
        )
    }
    current = current or {}
    cleaned: list[Cleaned] = []
    for key, raw_value in wanted.items():
        name = f"cf_{key}"
        field = fields.get(key)
        if field is None:
            errors.add(field_error(name, _("Champ personnalisé inconnu."), "unknown_field"))
            continue
        value: Any
        if field.kind == Kind.TEXT:
            value = errors.run(_clean_text_value, raw_value, name)
        elif field.kind == Kind.NUMBER:
            value = errors.run(clean_number, raw_value, name)
        elif field.kind == Kind.DATE:
            value = errors.run(clean_date, raw_value, name)
        elif field.kind == Kind.CHOICE:
            value = errors.run(_clean_choice, field, raw_value, name)
        else:
            held = current.get(field.pk)
            value = errors.run(
                _clean_user, actor, field, raw_value, name, held.user_id if held else None
            )
        if name not in errors.errors:
            cleaned.append(Cleaned(field=field, value=value))
    errors.raise_if_any()
    return cleaned


def _lock_for_values(actor: Colleague, record: models.Model) -> tuple[models.Model, Contact]:
    """The record locked once the actor may change it, and its client."""
    area = area_of(record)
    if area == Area.CONTACT:
        assert isinstance(record, Contact)
        locked_contact = lock_client(actor, record)
        return locked_contact, locked_contact
    assert isinstance(record, SalesRecord)
    locked = lock_record(actor, type(record), record)
    return locked, locked.client


def _shown(cleaned_value: Any) -> Any:
    """A value as the history stores it."""
    if isinstance(cleaned_value, Colleague):
        return audit_ref(cleaned_value)
    if isinstance(cleaned_value, Decimal):
        return str(cleaned_value.normalize()) if cleaned_value == cleaned_value else None
    if isinstance(cleaned_value, datetime.date):
        return cleaned_value.isoformat()
    return cleaned_value


def _held(value: CustomValue | None, column: str) -> Any:
    if value is None:
        return None
    held = getattr(value, f"{column}_id" if column == "user" else column)
    return None if held in ("", None) else held


def _record_ref(area: str, record: models.Model) -> dict[str, Any] | None:
    if area == Area.CONTACT:
        return None
    return {"type": area, **(audit_ref(record) or {})}


@transaction.atomic
def set_custom_values(
    *,
    actor: Colleague,
    record: models.Model,
    values: Mapping[Any, Any],
    expected_version: ExpectedVersion = None,
) -> dict[int, Any]:
    """Sets the values of one record (`{field id: raw value}`; None or "" clears one); the
    fields not sent keep theirs. Returns the changed values by field id. Needs the right
    to change the record (a hidden one is a 404, a contact seen by name only a 403)."""
    area = area_of(record)
    locked, client = _lock_for_values(actor, record)
    check_version(locked, expected_version, message=str(STALE_RECORD))  # type: ignore[arg-type]
    column = column_of(area)
    current = {
        value.field_id: value
        for value in CustomValue.objects.select_for_update().filter(
            firm_id=actor.firm_id, **{f"{column}_id": locked.pk}
        )
    }
    cleaned = clean_custom_values(actor, area, values, current)
    now = timezone.now()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    changed: dict[int, Any] = {}
    for item in cleaned:
        held = current.get(item.field.pk)
        new = item.value.pk if isinstance(item.value, Colleague) else item.value
        if _held(held, item.column) == new:
            continue
        old_shown: Any = _held(held, item.column)
        if item.column == "user" and held is not None and held.user_id is not None:
            old_shown = audit_ref(held.user)
        before[item.field.label] = _shown(old_shown)
        after[item.field.label] = _shown(item.value)
        changed[item.field.pk] = item.value
        if item.value is None:
            if held is not None:
                held.delete()
            continue
        columns = {item.column: item.value}
        if item.column == "text":
            columns["text_search"] = normalise_for_search(item.value)
        if held is None:
            CustomValue.objects.create(
                firm_id=actor.firm_id,
                field=item.field,
                updated_at=now,
                **{column: locked},
                **columns,
            )
        else:
            for name, new_value in columns.items():
                setattr(held, name, new_value)
            held.updated_at = now
            held.save(update_fields=[*columns, "updated_at"])
    if not changed:
        return changed
    type(locked)._default_manager.filter(pk=locked.pk).update(
        version=F("version") + 1, updated_at=now
    )
    for target in (locked, record):
        target.version = locked.version + (1 if target is locked else 0)  # type: ignore[attr-defined]
        target.updated_at = now  # type: ignore[attr-defined]
    ref = _record_ref(area, locked)
    record_event(
        actor=actor,
        action="custom_values.changed",
        client=client,
        before={"record": ref, "values": before},
        after={"record": ref, "values": after},
    )
    return changed


@transaction.atomic
def write_with_custom_values(
    *,
    actor: Colleague,
    area: str,
    values: Mapping[Any, Any] | None,
    write: Callable[[], R],
    record: models.Model | None = None,
) -> R:
    """Runs a record's own service (`write`: create or update it) and sets its custom
    values, in one transaction: both checked before anything stays written, their refusals
    gathered into one ValidationError (a stale copy is refused alone). `record` is the
    record being changed (None for a new one), so that a value kept as it is stays valid."""
    written: R | None = None
    problems = FieldErrors()
    try:
        with transaction.atomic():
            written = write()
    except StaleVersionError:
        raise
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        problems.add(error)
    if values:
        if written is not None:
            try:
                with transaction.atomic():
                    set_custom_values(actor=actor, record=written, values=values)
            except ValidationError as error:
                problems.add(error)
        else:
            current: dict[int, CustomValue] = {}
            if record is not None and record.pk is not None:
                current = {
                    value.field_id: value
                    for value in CustomValue.objects.filter(
                        firm_id=actor.firm_id, **{f"{column_of(area)}_id": record.pk}
                    )
                }
            try:
                clean_custom_values(actor, area, values, current)
            except ValidationError as error:
                problems.add(error)
    # Raising leaves this transaction: whatever `write` wrote is undone.
    problems.raise_if_any()
    assert written is not None
    return written


def fields_of(actor: Colleague, area: str) -> Sequence[CustomField]:
    """The active fields of an area in the actor's firm, in their order."""
    return list(
        CustomField.objects.filter(firm_id=actor.firm_id, area=area, archived=False).order_by(
            "position", "id"
        )
    )
