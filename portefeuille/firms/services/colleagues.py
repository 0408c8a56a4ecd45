"""Colleagues: creating and inviting them, changing them, deactivating, reactivating and
deleting them (admins; a colleague changes their own names and language)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from portefeuille.access.holdings import refuse_if_holding
from portefeuille.access.models import OwnerEntry
from portefeuille.access.services import release_colleague_clients
from portefeuille.audit.services import audit_ref, record_event

from ..guards import (
    ExpectedVersion,
    check_version,
    clean_text,
    field_error,
    require_active,
    require_admin,
    same_firm,
)
from ..models import Colleague
from ..sessions import end_sessions
from ..tasks import send_invitation_email
from ..versions import colleague_version
from .api_tokens import revoke_all_api_tokens
from .common import (
    change_field,
    check_choice,
    clean_email,
    lock_firm,
    lock_in_firm,
    max_length,
    merge,
)

LANGUAGES = {code for code, _label in settings.LANGUAGES}
STALE_COLLEAGUE = gettext_lazy(
    "Ce collaborateur a été modifié par quelqu'un d'autre depuis que vous l'avez chargé : "
    "rechargez-le, puis refaites votre modification."
)


def _email_taken(email: str, *, exclude: Colleague | None = None) -> ValidationError | None:
    # E-mail addresses are the sign-in key of the whole deployment, so they are unique
    # across firms; the message does not say which firm uses it.
    others = Colleague.objects.filter(email__iexact=email)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        return field_error(
            "email",
            gettext("Cette adresse e-mail est déjà utilisée par un autre collaborateur."),
            "duplicate_email",
        )
    return None


def _clean_name_field(field: str, value: str | None) -> str:
    return clean_text(value, field, max_length(Colleague, field), required=False)


def _colleague_snapshot(colleague: Colleague) -> dict[str, Any]:
    return {
        "email": colleague.email,
        "first_name": colleague.first_name,
        "last_name": colleague.last_name,
        "profile": colleague.profile,
        "scope": colleague.scope,
        "language": colleague.language,
        "is_active": colleague.is_active,
    }


def _has_other_active_admin(colleague: Colleague) -> bool:
    return (
        Colleague.objects.filter(
            firm_id=colleague.firm_id, is_active=True, profile=Colleague.Profile.ADMIN
        )
        .exclude(pk=colleague.pk)
        .exists()
    )


def _refuse_last_admin(colleague: Colleague, field: str | None = None) -> None:
    if colleague.is_active and colleague.is_admin and not _has_other_active_admin(colleague):
        message = gettext(
            "Le cabinet doit garder au moins un administrateur actif : "
            "nommez d'abord un autre administrateur."
        )
        if field:
            raise field_error(field, message, "last_admin")
        raise ValidationError(message, code="last_admin")


def _refuse_self(actor: Colleague, colleague: Colleague, message: str) -> None:
    if actor.pk == colleague.pk:
        raise ValidationError(message, code="self")


@transaction.atomic
def create_colleague(
    *,
    actor: Colleague,
    email: str,
    first_name: str,
    last_name: str,
    profile: str,
    scope: str,
    password: str | None = None,
    send_invitation: bool = False,
    language: str = "",
) -> Colleague:
    """Creates a colleague of the actor's firm (admins only).

    With `password`, they can sign in at once; with `send_invitation`, an e-mail in their
    language (`language`, else the site's) brings a link to choose their password. With
    neither, they can still use "forgotten password" on the sign-in page.
    """
    require_admin(actor)
    errors: dict[str, list[ValidationError]] = {}
    values: dict[str, Any] = {}
    checks: list[tuple[str, Any]] = [
        ("email", lambda: clean_email(email)),
        ("first_name", partial(_clean_name_field, "first_name", first_name)),
        ("last_name", partial(_clean_name_field, "last_name", last_name)),
        ("profile", lambda: check_choice(profile, Colleague.Profile.values, "profile")),
        ("scope", lambda: check_choice(scope, Colleague.Scope.values, "scope")),
        ("language", lambda: check_choice(language or "", {"", *LANGUAGES}, "language")),
    ]
    for field, check in checks:
        try:
            values[field] = check()
        except ValidationError as error:
            merge(errors, error)
    if "email" in values:
        taken = _email_taken(values["email"])
        if taken is not None:
            merge(errors, taken)
    colleague = Colleague(firm_id=actor.firm_id, **values)
    if password:
        try:
            validate_password(password, user=colleague)
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.error_list)
    if errors:
        raise ValidationError(errors)

    if password:
        colleague.set_password(password)
    else:
        colleague.set_unusable_password()
    try:
        with transaction.atomic():
            colleague.save(force_insert=True)
    except IntegrityError:
        # Two admins creating the same address at once: the database kept one.
        raise _email_taken(colleague.email) or field_error(
            "email", gettext("Cette adresse e-mail est déjà utilisée."), "duplicate_email"
        ) from None
    record_event(
        actor=actor,
        action="colleague.created",
        after=_colleague_snapshot(colleague),
    )
    if send_invitation:
        _queue_invitation(actor, colleague)
    return colleague


def _queue_invitation(actor: Colleague, colleague: Colleague) -> None:
    record_event(
        actor=actor,
        action="colleague.invited",
        after={"colleague": audit_ref(colleague), "email": colleague.email},
    )
    # Queued once the colleague row is committed, so the worker can read it.
    transaction.on_commit(
        partial(send_invitation_email.enqueue, colleague_id=colleague.pk, inviter_id=actor.pk)
    )


@transaction.atomic
def send_colleague_invitation(*, actor: Colleague, colleague: Colleague) -> None:
    """Sends (again) the e-mail that lets a colleague choose their password (admins only)."""
    require_admin(actor)
    locked = lock_in_firm(actor, colleague)
    if not locked.is_active:
        raise ValidationError(
            gettext("%(name)s est désactivé : réactivez-le avant de l'inviter.")
            % {"name": locked.full_name},
            code="inactive",
        )
    _queue_invitation(actor, locked)


@transaction.atomic
def update_colleague(
    *,
    actor: Colleague,
    colleague: Colleague,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    profile: str | None = None,
    scope: str | None = None,
    language: str | None = None,
    expected_version: ExpectedVersion = None,
) -> Colleague:
    """Changes a colleague; None leaves a field as it is.

    Admins change anyone of their firm; a colleague changes their own names and language
    only. The last active admin cannot be made staff. With `expected_version` (what the
    caller loaded, firms/versions.py), a colleague changed since is refused with
    StaleVersionError and nothing is written.
    """
    require_active(actor)
    same_firm(actor, colleague)
    is_self = actor.pk == colleague.pk
    if not actor.is_admin:
        if not is_self:
            raise PermissionDenied(gettext("Cette action est réservée aux administrateurs."))
        restricted = {"email": email, "profile": profile, "scope": scope}
        for field, value in restricted.items():
            if value is not None and value != getattr(colleague, field):
                raise PermissionDenied(
                    gettext(
                        "Seul un administrateur peut changer l'e-mail, le profil ou le périmètre."
                    )
                )
    if actor.is_admin and profile is not None:
        lock_firm(actor)
    locked = lock_in_firm(actor, colleague)
    check_version(colleague_version(locked), expected_version, message=str(STALE_COLLEAGUE))
    before = _colleague_snapshot(locked)

    errors: dict[str, list[ValidationError]] = {}
    changes: dict[str, Any] = {}

    def check(field: str, value: Any, clean: Any) -> None:
        if value is None:
            return
        try:
            cleaned = clean(value)
        except ValidationError as error:
            merge(errors, error)
            return
        if cleaned != getattr(locked, field):
            changes[field] = cleaned

    for field, value in (("first_name", first_name), ("last_name", last_name)):
        check(field, value, partial(_clean_name_field, field))
    check("email", email, clean_email)
    check("profile", profile, lambda v: check_choice(v, Colleague.Profile.values, "profile"))
    check("scope", scope, lambda v: check_choice(v, Colleague.Scope.values, "scope"))
    check("language", language, lambda v: check_choice(v, {"", *LANGUAGES}, "language"))
    if "email" in changes:
        taken = _email_taken(changes["email"], exclude=locked)
        if taken is not None:
            merge(errors, taken)
    if changes.get("profile") == Colleague.Profile.STAFF:
        try:
            _refuse_last_admin(locked, "profile")
        except ValidationError as error:
            merge(errors, error)
    if errors:
        raise ValidationError(errors)
    if not changes:
        return locked

    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=list(changes))
    except IntegrityError:
        raise field_error(
            "email",
            gettext("Cette adresse e-mail est déjà utilisée par un autre collaborateur."),
            "duplicate_email",
        ) from None
    for field, value in changes.items():
        setattr(colleague, field, value)
    record_event(
        actor=actor,
        action="colleague.updated",
        before={"colleague": audit_ref(locked), **{field: before[field] for field in changes}},
        after={field: changes[field] for field in changes},
    )
    return locked


def _reassign(
    actor: Colleague,
    colleague: Colleague,
    owner_to: OwnerEntry | None,
    manager_to: Colleague | None,
) -> None:
    release_colleague_clients(
        actor=actor, colleague=colleague, owner_to=owner_to, manager_to=manager_to
    )


def _hand_over(
    actor: Colleague,
    colleague: Colleague,
    *,
    reassign_clients: bool,
    transfer: bool | None,
    owner_to: OwnerEntry | None,
    manager_to: Colleague | None,
) -> None:
    """The choice for the clients of a colleague who leaves (docs/offboarding.md): handed
    over (`reassign_clients`), left as they are (`transfer=False`), or — no choice — refused
    with what they hold (HoldsClients) when they hold any client place."""
    if reassign_clients:
        _reassign(actor, colleague, owner_to, manager_to)
    elif transfer is not False:
        refuse_if_holding(colleague)


@transaction.atomic
def deactivate_colleague(
    *,
    actor: Colleague,
    colleague: Colleague,
    reassign_clients: bool = False,
    transfer: bool | None = None,
    owner_to: OwnerEntry | None = None,
    manager_to: Colleague | None = None,
) -> Colleague:
    """Deactivates a colleague (admins only): they cannot sign in, their sessions are deleted
    and their API tokens revoked (reactivation brings back neither), they vanish from
    pickers and stay in history.

    A colleague who holds clients (access/holdings.py) needs a choice: with
    `reassign_clients`, the clients they own go to `owner_to` and those they manage to
    `manager_to` (None: nobody) first, in the same transaction; with `transfer=False`
    ("Ne pas transférer") their clients stay as they are; an offboarding plan
    (access/offboarding.py) hands everything over, then calls this with `transfer=False`.
    Without a choice, HoldsClients says what they hold and nothing is written.
    """
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, colleague)
    _refuse_self(actor, locked, gettext("Vous ne pouvez pas désactiver votre propre compte."))
    if not locked.is_active:
        raise ValidationError(
            gettext("%(name)s est déjà désactivé.") % {"name": locked.full_name},
            code="already_inactive",
        )
    _refuse_last_admin(locked)
    _hand_over(
        actor,
        locked,
        reassign_clients=reassign_clients,
        transfer=transfer,
        owner_to=owner_to,
        manager_to=manager_to,
    )
    locked.is_active = False
    # SECURITY: a new generation invalidates every session hash of theirs, including one a
    # sign-in in flight is writing right now; deleting the rows ends the rest at once. Both,
    # so that reactivation never brings an old session cookie back (docs/security.md).
    locked.session_generation += 1
    locked.save(update_fields=["is_active", "session_generation"])
    colleague.is_active = False
    colleague.session_generation = locked.session_generation
    end_sessions(locked)
    revoked = revoke_all_api_tokens(locked)
    record_event(
        actor=actor,
        action="colleague.deactivated",
        before={"colleague": audit_ref(locked), "is_active": True},
        after={"is_active": False, "tokens_revoked": revoked},
    )
    return locked


@transaction.atomic
def reactivate_colleague(*, actor: Colleague, colleague: Colleague) -> Colleague:
    """Lets a deactivated colleague sign in again (admins only). Revoked tokens stay revoked."""
    require_admin(actor)
    locked = lock_in_firm(actor, colleague)
    if locked.is_active:
        raise ValidationError(
            gettext("%(name)s est déjà actif.") % {"name": locked.full_name},
            code="already_active",
        )
    change_field(
        actor, locked, colleague, "is_active", True, action="colleague.reactivated", ref="colleague"
    )
    return locked


@transaction.atomic
def delete_colleague(
    *,
    actor: Colleague,
    colleague: Colleague,
    reassign_clients: bool = False,
    transfer: bool | None = None,
    owner_to: OwnerEntry | None = None,
    manager_to: Colleague | None = None,
) -> None:
    """Deletes a colleague (admins only). History keeps their name (AuditEvent.actor_name).

    Their team memberships, client-team places, grants and tokens go with them. A colleague
    who holds clients needs the same choice as for deactivation (`reassign_clients`, or
    `transfer=False`: their places go with them, the clients stay without them); without
    one, HoldsClients and nothing is written.
    """
    require_admin(actor)
    lock_firm(actor)
    locked = lock_in_firm(actor, colleague)
    _refuse_self(actor, locked, gettext("Vous ne pouvez pas supprimer votre propre compte."))
    _refuse_last_admin(locked)
    _hand_over(
        actor,
        locked,
        reassign_clients=reassign_clients,
        transfer=transfer,
        owner_to=owner_to,
        manager_to=manager_to,
    )
    record_event(
        actor=actor,
        action="colleague.deleted",
        before={"colleague": audit_ref(locked), **_colleague_snapshot(locked)},
    )
    locked.delete()
