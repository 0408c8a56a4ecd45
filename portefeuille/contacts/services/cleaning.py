"""The contact's own fields, as the services use them: validating the values given (the
table and its cleaners are contacts/fields.py; shared by creation and update), applying the
cleaned values, and the checks every other module of the package shares (errors gathered
per field, a contact to link, the version bump)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.access.rules import Level, level
from portefeuille.audit.services import audit_ref
from portefeuille.firms.guards import (
    Unset,
    field_error,
)
from portefeuille.firms.models import Colleague

from ..fields import FIELDS, Cleaning, Errors, ValueType, clean_line, clean_values, taken_by
from ..models import Contact

Kind = Contact.Kind


# Errors gathered per field (contacts/fields.py), shared by every module of the package.
_Errors = Errors

# ---------------------------------------------------------------------------------------
# Permission checks.
# ---------------------------------------------------------------------------------------


def _unknown(field: str, pk: object) -> ValidationError:
    # The API's message for an unknown id: a hidden contact must read exactly the same.
    return field_error(field, _("Identifiant inconnu : %(id)s.") % {"id": pk}, "unknown_id")


def _linkable(actor: Colleague, other: Contact, field: str, kinds: Iterable[str]) -> Contact:
    """Another contact about to be linked (or unlinked): the actor must see it in full."""
    if other.firm_id != actor.firm_id:
        raise _unknown(field, other.pk)
    locked = Contact.objects.select_for_update().filter(pk=other.pk, firm_id=actor.firm_id).first()
    if locked is None:
        raise _unknown(field, other.pk)
    seen = level(actor, locked)
    if seen == Level.NONE:
        raise _unknown(field, other.pk)
    if seen < Level.FULL:
        raise PermissionDenied(
            _("Vous ne voyez que le nom de « %(name)s » : vous ne pouvez pas le lier ni le délier.")
            % {"name": locked.display_name}
        )
    allowed = tuple(kinds)
    if locked.kind not in allowed:
        labels = ", ".join(str(Kind(kind).label).lower() for kind in allowed)
        raise field_error(
            field,
            _("« %(name)s » n'est pas du bon genre : attendu %(kinds)s.")
            % {"name": locked.display_name, "kinds": labels},
            "wrong_kind",
        )
    return locked


def _bump(contact: Contact, *fields: str) -> None:
    contact.updated_at = timezone.now()
    contact.version += 1
    contact.save(update_fields=[*fields, "updated_at", "version"])


def _sync(original: Contact, locked: Contact) -> None:
    """Copies the locked row's state back onto the caller's instance."""
    for field in locked._meta.concrete_fields:
        setattr(original, field.attname, getattr(locked, field.attname))


# ---------------------------------------------------------------------------------------
# Basics and accounting details: validation shared by creation and update.
# ---------------------------------------------------------------------------------------


def person_display_name(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first, middle, last) if part)


def _field_max(model: type[models.Model], field: str, default: int = 255) -> int:
    return getattr(model._meta.get_field(field), "max_length", None) or default


def _max_length(field: str) -> int:
    return _field_max(Contact, field)


def _clean_text(errors: _Errors, field: str, value: Any, max_length: int) -> str:
    text, too_long = clean_line(value, max_length)
    if too_long:
        errors.add(field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length")
    return text


_taken_by = taken_by


def _clean_values(
    actor: Colleague, contact: Contact, values: dict[str, Any], errors: _Errors
) -> dict[str, Any]:
    """Validated, normalised values for the fields given (only those); errors gathered.
    The fields, their cleaners and the checks across them: contacts/fields.py."""
    return clean_values(Cleaning(actor, contact, errors, _linkable), values)


def _audit_value(value: Any) -> Any:
    if isinstance(value, Contact):
        return audit_ref(value)
    if isinstance(value, models.Model):
        return audit_ref(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value is not None and not isinstance(value, bool | int) else value


def _apply(contact: Contact, cleaned: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sets the cleaned values on the contact; returns what changed (before, after)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in cleaned.items():
        entry = FIELDS[field]
        if entry.type == ValueType.FK:
            current_id = getattr(contact, entry.attname)
            if (value.pk if value is not None else None) == current_id:
                continue
            before[field] = _audit_value(getattr(contact, field)) if current_id else None
        else:
            current = getattr(contact, field)
            if entry.type == ValueType.COUNTRY:
                current = str(current or "")
            if current == value:
                continue
            before[field] = _audit_value(current)
        after[field] = _audit_value(value)
        setattr(contact, field, value)
    if contact.kind == Kind.PERSON and {"first_name", "middle_name", "last_name"} & set(after):
        name = person_display_name(contact.first_name, contact.middle_name, contact.last_name)
        if name != contact.display_name:
            before["display_name"], after["display_name"] = contact.display_name, name
            contact.display_name = name
    return before, after


def _saved_fields(after: dict[str, Any]) -> list[str]:
    fields = [FIELDS[field].attname if field in FIELDS else field for field in after]
    if "display_name" in after:
        fields.append("search_name")
    return fields


def _base_values(**values: Any) -> dict[str, Any]:
    return {field: value for field, value in values.items() if not isinstance(value, Unset)}


def _race_lost(field: str, message: str) -> ValidationError:
    return field_error(field, message, "concurrent_write")


def _client_code_race(contact: Contact) -> ValidationError:
    return _race_lost(
        "client_code",
        _("L'identifiant client « %(code)s » vient d'être attribué à un autre contact.")
        % {"code": contact.client_code},
    )
