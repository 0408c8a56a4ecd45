"""The checks and writes the firms services share: the firm lock, a row of the actor's firm
re-read under lock, e-mail and choice fields, names unique in a firm, one-field changes.
The checks every app shares (active, admin, same firm...) are in firms/guards.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils.translation import gettext

from portefeuille.audit.services import audit_ref, record_event

from ..guards import clean_text, field_error, same_firm
from ..models import Colleague, Firm

Row = TypeVar("Row", bound=models.Model)


def lock_firm(actor: Colleague) -> Firm:
    """The actor's firm row, locked: serialises changes to the set of active admins."""
    return Firm.objects.select_for_update().get(pk=actor.firm_id)


def lock_in_firm(actor: Colleague, row: Row) -> Row:
    """`row` read again under a lock, from the actor's firm only: another firm's row, or
    one deleted since, is a 404 like an unknown id."""
    same_firm(actor, row)
    model = cast("type[Row]", row._meta.model)  # not type(row): request.user is a lazy proxy
    try:
        return model._default_manager.select_for_update().get(pk=row.pk, firm_id=actor.firm_id)
    except ObjectDoesNotExist:
        raise Http404 from None


def max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length or 255  # type: ignore[union-attr]


def clean_email(value: str | None, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        raise field_error(field, gettext("Ce champ est obligatoire."), "required")
    try:
        validate_email(email)
    except ValidationError:
        raise field_error(
            field, gettext("Saisissez une adresse e-mail valide."), "invalid_email"
        ) from None
    if len(email) > max_length(Colleague, "email"):
        raise field_error(field, gettext("Cette adresse e-mail est trop longue."), "max_length")
    return email


def check_choice(value: str, choices: Iterable[str], field: str) -> str:
    if value not in set(choices):
        raise field_error(
            field,
            gettext("Choix non valide : %(value)s.") % {"value": value},
            "invalid_choice",
        )
    return value


def merge(errors: dict[str, list[ValidationError]], error: ValidationError) -> None:
    """Adds a field-keyed refusal to `errors`, so one answer lists every field at fault."""
    for field, messages in error.error_dict.items():
        errors.setdefault(field, []).extend(messages)


def clean_unique_name(
    actor: Colleague,
    model: type[Row],
    name: str,
    *,
    duplicate: str,
    exclude: Row | None = None,
) -> str:
    """A required name, unique among the firm's `model` rows without regard to case;
    `duplicate` is the refusal, with %(name)s."""
    cleaned = clean_text(name, "name", max_length(model, "name"), required=True)
    others = model._default_manager.filter(firm_id=actor.firm_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    # Compared in Python: SQLite's LOWER() ignores accented capitals ("Équipe").
    wanted = cleaned.casefold()
    if any(other.casefold() == wanted for other in others.values_list("name", flat=True)):
        raise field_error("name", duplicate % {"name": cleaned}, "duplicate_name")
    return cleaned


def save_unique_name(row: models.Model, *, duplicate: str, fields: list[str] | None = None) -> None:
    """Inserts `row` (or saves `fields`); when a concurrent write took the name first, the
    database's unique constraint becomes the field error `duplicate` (with %(name)s)."""
    try:
        with transaction.atomic():
            if fields is None:
                row.save(force_insert=True)
            else:
                row.save(update_fields=fields)
    except IntegrityError:
        name = getattr(row, "name", "")
        raise field_error("name", duplicate % {"name": name}, "duplicate_name") from None


def change_field(
    actor: Colleague,
    locked: models.Model,
    copy: models.Model,
    field: str,
    value: Any,
    *,
    action: str,
    ref: str,
) -> None:
    """Sets one field of a locked row, mirrors it on the caller's copy and records the
    event `action`: before `{ref: the row, field: old}`, after `{field: new}`."""
    before = getattr(locked, field)
    setattr(locked, field, value)
    locked.save(update_fields=[field])
    setattr(copy, field, value)
    record_event(
        actor=actor,
        action=action,
        before={ref: audit_ref(locked), field: before},
        after={field: value},
    )


def rename(
    actor: Colleague,
    locked: Row,
    copy: Row,
    name: str,
    *,
    duplicate: str,
    action: str,
    key: str,
) -> Row:
    """Renames a locked row whose name is unique in the firm, mirrors the name on the
    caller's copy and records `action` with the row's id under `key`."""
    cleaned = clean_unique_name(actor, type(locked), name, duplicate=duplicate, exclude=locked)
    before = getattr(locked, "name", "")
    if cleaned == before:
        return locked
    locked.name = cleaned  # type: ignore[attr-defined]
    save_unique_name(locked, duplicate=duplicate, fields=["name"])
    copy.name = cleaned  # type: ignore[attr-defined]
    record_event(
        actor=actor,
        action=action,
        before={key: locked.pk, "name": before},
        after={key: locked.pk, "name": cleaned},
    )
    return locked
