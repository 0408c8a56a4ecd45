"""The checks every service starts with: an active actor, an admin, objects of the actor's
firm, a field error in the caller's language, a one-line text, an expected version. One
copy of each, used by every app's services (docs/architecture.md)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Colleague


class StaleVersionError(ValidationError):
    """The record changed since the caller read it (optimistic concurrency): nothing was
    written. The API answers 412, pages ask to reload."""


class Unset(enum.Enum):
    """The default of an update service's optional arguments: "not given", unlike None."""

    UNSET = 0


UNSET = Unset.UNSET


class Versioned(Protocol):
    version: int


# What a caller expects a record's version to be: None (did not say), one version, or
# several (an If-Match list).
ExpectedVersion = int | str | Collection[int | str] | None


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A refusal located on one input field."""
    return ValidationError({field: ValidationError(message, code=code)})


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """A one-line text, its blanks folded; a field error when required and empty, or too
    long."""
    text = " ".join((value or "").split())
    if required and not text:
        raise field_error(field, _("Ce champ est obligatoire."), "required")
    if len(text) > max_length:
        raise field_error(
            field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length"
        )
    return text


def require_active(actor: Colleague) -> None:
    if not actor.is_active:
        raise PermissionDenied(_("Votre compte est désactivé."))


def require_admin(actor: Colleague) -> None:
    require_active(actor)
    if not actor.is_admin:
        raise PermissionDenied(_("Cette action est réservée aux administrateurs."))


def same_firm(actor: Colleague, *objects: models.Model | None) -> None:
    """SECURITY: an object of another firm must look exactly like an unknown id."""
    for obj in objects:
        if obj is not None and getattr(obj, "firm_id", None) != actor.firm_id:
            raise Http404


def check_version(
    locked: Versioned | int | str,
    expected_version: ExpectedVersion,
    *,
    message: str | None = None,
) -> None:
    """Refuses a change made from a stale copy; None means the caller did not say.

    `locked` is the row read under its lock (its `version`) or its current version itself
    (a colleague's or a team's, firms/versions.py). Several expected versions (the list an
    If-Match header may give) pass when one of them is current. `message` says what
    changed; by default, a client."""
    if expected_version is None:
        return
    current = locked if isinstance(locked, int | str) else locked.version
    expected = [expected_version] if isinstance(expected_version, int | str) else expected_version
    if str(current) not in {str(version) for version in expected}:
        raise StaleVersionError(
            message
            or _(
                "Ce client a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Rechargez la page pour voir ses modifications."
            ),
            code="stale",
        )


def firm_row(actor: Colleague, model: type[models.Model], value: object) -> models.Model | None:
    """The row of `model` with this id (or this row's id) in the actor's firm, else None.
    SECURITY: a row of another firm is the same answer as an unknown id."""
    if value is None:
        return None
    pk = getattr(value, "pk", value)
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return model._default_manager.filter(pk=pk, firm_id=actor.firm_id).first()


def check_colleague(
    actor: Colleague, colleague: Colleague | int | None, field: str
) -> Colleague | None:
    """A colleague given to a record (an assignee, a manager, a collaborator): an active
    colleague of the actor's firm. None stays None (the caller says whether it is
    required). Giving someone a record grants them only what docs/access-rules.md says."""
    if colleague is None:
        return None
    found = firm_row(actor, Colleague, colleague)
    if not isinstance(found, Colleague):
        raise field_error(field, _("Choisissez un collègue du cabinet."), "invalid_choice")
    if not found.is_active:
        raise field_error(
            field,
            _("%(name)s est désactivé(e) : choisissez un collègue actif.")
            % {"name": found.full_name},
            "inactive",
        )
    return found


class FieldErrors:
    """Field errors gathered so a form shows them all at once: `run` a check (its value, or
    None when it refused), `take` one ((True, value) or (False, None)), `add` a refusal,
    then `raise_if_any`."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, error: ValidationError) -> None:
        for name, found in error.error_dict.items():
            self.errors.setdefault(name, []).extend(found)

    def take(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        try:
            return True, function(*args, **kwargs)
        except ValidationError as error:
            self.add(error)
            return False, None

    def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.take(function, *args, **kwargs)[1]

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
