"""The checks every service starts with: an active actor, an admin, objects of the actor's
firm, a field error in the caller's language, an expected version. One copy of each, used
by every app's services (docs/architecture.md, "Services")."""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Colleague


class StaleVersionError(ValidationError):
    """The record changed since the caller read it (optimistic concurrency): nothing was
    written. The API answers 412, pages ask to reload."""


class Versioned(Protocol):
    version: int


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A refusal located on one input field."""
    return ValidationError({field: ValidationError(message, code=code)})


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


def check_version(locked: Versioned, expected_version: int | None) -> None:
    """Refuses a change made from a stale copy; None means the caller did not say."""
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersionError(
            _(
                "Ce client a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Rechargez la page pour voir ses modifications."
            ),
            code="stale",
        )
