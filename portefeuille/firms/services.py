"""Every write on firms, colleagues, teams, firm settings and personal API tokens.

Each function checks the actor's permission itself, validates, writes in one transaction
and records an audit event in that same transaction. Objects of another firm raise Http404,
exactly like unknown ids. Error messages are rendered in the active language (the caller's).

Decisions where the product text is silent:
- A firm always keeps at least one active admin: demoting, deactivating or deleting the
  last one is refused, and an admin cannot deactivate or delete themselves.
- Deactivating a colleague keeps their team memberships (history; reactivation restores
  them) but revokes their API tokens and deletes their web sessions, so reactivating them
  revives neither (they sign in again). Their clients stay with them unless the caller
  asks to hand them over (`reassign_clients`, through access.release_colleague_clients).
- `set_team_members` sets the active members exactly; a deactivated member is kept unless
  removed explicitly (pickers never show inactive colleagues, so saving a team from a
  screen must not drop them silently). Adding an inactive colleague is refused.
- Each primary work state keeps at least one work status, so work can always be planned,
  started, put on hold and completed.
- A contact type, work type or work status in use cannot be deleted; the message says how
  many records use it. Names are unique in a firm, compared without regard to case.
- Role slot titles are unique among titled slots; an empty title hides the slot.
- The owner-required switch needs the ownership switch on.
- Invitations link to allauth's "password reset from key" page, with allauth's token
  generator (it checks the e-mail address too); the link is valid for
  PASSWORD_RESET_TIMEOUT, and an admin can send a new one.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portefeuille.access.models import OwnerEntry
from portefeuille.access.services import release_colleague_clients
from portefeuille.audit.services import audit_ref, record_event

from .guards import clean_text, field_error, require_active, require_admin, same_firm
from .models import (
    Colleague,
    ContactType,
    Firm,
    PersonalAccessToken,
    Privacy,
    RoleSlot,
    Team,
    TeamMembership,
    WorkStatus,
    WorkType,
)
from .sessions import end_sessions
from .tasks import send_invitation_email
from .tokens import TOKEN_PREFIX_LENGTH, hash_secret

DEFAULT_CONTACT_TYPES: list[tuple[str, bool]] = [
    ("Client", False),
    ("Prospect", False),
    ("Fournisseur", False),
    ("Partenaire", False),
    ("Inactif", True),
]
DEFAULT_WORK_TYPES = ["Comptabilité", "Fiscalité", "Paie", "Juridique", "Conseil"]
DEFAULT_WORK_STATUSES: list[tuple[str, str]] = [
    ("Planifié", WorkStatus.PrimaryState.PLANNED),
    ("Prêt à démarrer", WorkStatus.PrimaryState.READY),
    ("En cours", WorkStatus.PrimaryState.IN_PROGRESS),
    ("En attente du client", WorkStatus.PrimaryState.WAITING),
    ("Terminé", WorkStatus.PrimaryState.COMPLETED),
]
# Reference strings so makemessages knows the seeded names exist; the stored names are the
# firm's own data (editable), so they are saved as written, in the firm's language.
SEEDED_NAMES = (_("Client"), _("Prospect"), _("Fournisseur"), _("Partenaire"), _("Inactif"))

LANGUAGES = {code for code, _label in settings.LANGUAGES}
TOKEN_PREFIX_ALPHABET = string.ascii_lowercase + string.digits

NamedModel = TypeVar("NamedModel", ContactType, WorkType, WorkStatus)
# How the audit summaries name the items of the settings lists (singular, plural).
LIST_LABELS: dict[type[models.Model], tuple[Any, Any]] = {
    ContactType: (_("Type de contact"), _("types de contact")),
    WorkType: (_("Type de travail"), _("types de travail")),
    WorkStatus: (_("Statut de travail"), _("statuts de travail")),
}


# ---------------------------------------------------------------------------------------
# Firm creation.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def create_firm(
    *,
    name: str,
    admin_email: str,
    admin_password: str | None,
    admin_first_name: str = "",
    admin_last_name: str = "",
) -> tuple[Firm, Colleague]:
    """Creates a firm with its default settings and its first admin, in one transaction."""
    firm = Firm.objects.create(name=name)
    seed_firm_defaults(firm)
    admin = Colleague.objects.create_user(
        email=admin_email,
        password=admin_password,
        firm=firm,
        first_name=admin_first_name,
        last_name=admin_last_name,
        profile=Colleague.Profile.ADMIN,
    )
    return firm, admin


def seed_firm_defaults(firm: Firm) -> None:
    """The settings a new firm starts with: contact types, 10 untitled role slots, work setup."""
    ContactType.objects.bulk_create(
        ContactType(firm=firm, name=type_name, position=i, is_archive=is_archive)
        for i, (type_name, is_archive) in enumerate(DEFAULT_CONTACT_TYPES)
    )
    RoleSlot.objects.bulk_create(
        RoleSlot(firm=firm, number=n) for n in range(1, RoleSlot.MAX_SLOTS + 1)
    )
    WorkType.objects.bulk_create(
        WorkType(firm=firm, name=type_name, position=i)
        for i, type_name in enumerate(DEFAULT_WORK_TYPES)
    )
    WorkStatus.objects.bulk_create(
        WorkStatus(firm=firm, name=status_name, primary_state=state, position=i)
        for i, (status_name, state) in enumerate(DEFAULT_WORK_STATUSES)
    )


# ---------------------------------------------------------------------------------------
# Checks shared by the services.
# ---------------------------------------------------------------------------------------


def _lock_firm(actor: Colleague) -> Firm:
    """The actor's firm row, locked: serialises changes to the set of active admins."""
    return Firm.objects.select_for_update().get(pk=actor.firm_id)


def _lock_colleague(actor: Colleague, colleague: Colleague) -> Colleague:
    same_firm(actor, colleague)
    try:
        return Colleague.objects.select_for_update().get(pk=colleague.pk, firm_id=actor.firm_id)
    except Colleague.DoesNotExist:
        raise Http404 from None


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length or 255  # type: ignore[union-attr]


def _clean_email(value: str | None, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        raise field_error(field, gettext("Ce champ est obligatoire."), "required")
    try:
        validate_email(email)
    except ValidationError:
        raise field_error(
            field, gettext("Saisissez une adresse e-mail valide."), "invalid_email"
        ) from None
    if len(email) > _max_length(Colleague, "email"):
        raise field_error(field, gettext("Cette adresse e-mail est trop longue."), "max_length")
    return email


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
    return clean_text(value, field, _max_length(Colleague, field), required=False)


def _name_taken(names: Iterable[str], name: str) -> bool:
    # Compared in Python: SQLite's LOWER() ignores accented capitals ("Équipe").
    wanted = name.casefold()
    return any(other.casefold() == wanted for other in names)


def _check_choice(value: str, choices: Iterable[str], field: str) -> str:
    if value not in set(choices):
        raise field_error(
            field,
            gettext("Choix non valide : %(value)s.") % {"value": value},
            "invalid_choice",
        )
    return value


def _merge(errors: dict[str, list[ValidationError]], error: ValidationError) -> None:
    for field, messages in error.error_dict.items():
        errors.setdefault(field, []).extend(messages)


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


# ---------------------------------------------------------------------------------------
# Colleagues.
# ---------------------------------------------------------------------------------------


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
        ("email", lambda: _clean_email(email)),
        ("first_name", partial(_clean_name_field, "first_name", first_name)),
        ("last_name", partial(_clean_name_field, "last_name", last_name)),
        ("profile", lambda: _check_choice(profile, Colleague.Profile.values, "profile")),
        ("scope", lambda: _check_choice(scope, Colleague.Scope.values, "scope")),
        ("language", lambda: _check_choice(language or "", {"", *LANGUAGES}, "language")),
    ]
    for field, check in checks:
        try:
            values[field] = check()
        except ValidationError as error:
            _merge(errors, error)
    if "email" in values:
        taken = _email_taken(values["email"])
        if taken is not None:
            _merge(errors, taken)
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
    locked = _lock_colleague(actor, colleague)
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
) -> Colleague:
    """Changes a colleague; None leaves a field as it is.

    Admins change anyone of their firm; a colleague changes their own names and language
    only. The last active admin cannot be made staff.
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
        _lock_firm(actor)
    locked = _lock_colleague(actor, colleague)
    before = _colleague_snapshot(locked)

    errors: dict[str, list[ValidationError]] = {}
    changes: dict[str, Any] = {}

    def check(field: str, value: Any, clean: Any) -> None:
        if value is None:
            return
        try:
            cleaned = clean(value)
        except ValidationError as error:
            _merge(errors, error)
            return
        if cleaned != getattr(locked, field):
            changes[field] = cleaned

    for field, value in (("first_name", first_name), ("last_name", last_name)):
        check(field, value, partial(_clean_name_field, field))
    check("email", email, _clean_email)
    check("profile", profile, lambda v: _check_choice(v, Colleague.Profile.values, "profile"))
    check("scope", scope, lambda v: _check_choice(v, Colleague.Scope.values, "scope"))
    check("language", language, lambda v: _check_choice(v, {"", *LANGUAGES}, "language"))
    if "email" in changes:
        taken = _email_taken(changes["email"], exclude=locked)
        if taken is not None:
            _merge(errors, taken)
    if changes.get("profile") == Colleague.Profile.STAFF:
        try:
            _refuse_last_admin(locked, "profile")
        except ValidationError as error:
            _merge(errors, error)
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


@transaction.atomic
def deactivate_colleague(
    *,
    actor: Colleague,
    colleague: Colleague,
    reassign_clients: bool = False,
    owner_to: OwnerEntry | None = None,
    manager_to: Colleague | None = None,
) -> Colleague:
    """Deactivates a colleague (admins only): they cannot sign in, their sessions are deleted
    and their API tokens revoked (reactivation brings back neither), they vanish from
    pickers and stay in history.

    With `reassign_clients`, the clients they own go to `owner_to` and those they manage
    to `manager_to` (None: nobody) first, in the same transaction.
    """
    require_admin(actor)
    _lock_firm(actor)
    locked = _lock_colleague(actor, colleague)
    _refuse_self(actor, locked, gettext("Vous ne pouvez pas désactiver votre propre compte."))
    if not locked.is_active:
        raise ValidationError(
            gettext("%(name)s est déjà désactivé.") % {"name": locked.full_name},
            code="already_inactive",
        )
    _refuse_last_admin(locked)
    if reassign_clients:
        _reassign(actor, locked, owner_to, manager_to)
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
    locked = _lock_colleague(actor, colleague)
    if locked.is_active:
        raise ValidationError(
            gettext("%(name)s est déjà actif.") % {"name": locked.full_name},
            code="already_active",
        )
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    colleague.is_active = True
    record_event(
        actor=actor,
        action="colleague.reactivated",
        before={"colleague": audit_ref(locked), "is_active": False},
        after={"is_active": True},
    )
    return locked


@transaction.atomic
def delete_colleague(
    *,
    actor: Colleague,
    colleague: Colleague,
    reassign_clients: bool = False,
    owner_to: OwnerEntry | None = None,
    manager_to: Colleague | None = None,
) -> None:
    """Deletes a colleague (admins only). History keeps their name (AuditEvent.actor_name).

    Their team memberships, client-team places, grants and tokens go with them; with
    `reassign_clients`, their clients are handed over first, as for deactivation.
    """
    require_admin(actor)
    _lock_firm(actor)
    locked = _lock_colleague(actor, colleague)
    _refuse_self(actor, locked, gettext("Vous ne pouvez pas supprimer votre propre compte."))
    _refuse_last_admin(locked)
    if reassign_clients:
        _reassign(actor, locked, owner_to, manager_to)
    record_event(
        actor=actor,
        action="colleague.deleted",
        before={"colleague": audit_ref(locked), **_colleague_snapshot(locked)},
    )
    locked.delete()


# ---------------------------------------------------------------------------------------
# Teams.
# ---------------------------------------------------------------------------------------


def _clean_team_name(actor: Colleague, name: str, *, exclude: Team | None = None) -> str:
    cleaned = clean_text(name, "name", _max_length(Team, "name"), required=True)
    others = Team.objects.filter(firm_id=actor.firm_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if _name_taken(others.values_list("name", flat=True), cleaned):
        raise field_error(
            "name",
            gettext("Une équipe porte déjà le nom « %(name)s ».") % {"name": cleaned},
            "duplicate_name",
        )
    return cleaned


def _clean_members(
    actor: Colleague, members: Iterable[Colleague], *, already: Collection[int] = ()
) -> list[Colleague]:
    """Distinct colleagues of the actor's firm, active (or already members)."""
    chosen: dict[int, Colleague] = {}
    for member in members:
        if not isinstance(member, Colleague) or member.firm_id != actor.firm_id:
            raise field_error("members", gettext("Collaborateur inconnu."), "unknown_colleague")
        if not member.is_active and member.pk not in already:
            raise field_error(
                "members",
                gettext("%(name)s est désactivé : choisissez un collaborateur actif.")
                % {"name": member.full_name},
                "inactive_colleague",
            )
        chosen[member.pk] = member
    return list(chosen.values())


def _lock_team(actor: Colleague, team: Team) -> Team:
    same_firm(actor, team)
    try:
        return Team.objects.select_for_update().get(pk=team.pk, firm_id=actor.firm_id)
    except Team.DoesNotExist:
        raise Http404 from None


def _save_team(team: Team, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                team.save(force_insert=True)
            else:
                team.save(update_fields=fields)
    except IntegrityError:
        raise field_error(
            "name",
            gettext("Une équipe porte déjà le nom « %(name)s ».") % {"name": team.name},
            "duplicate_name",
        ) from None


def _member_refs(members: Iterable[Colleague]) -> list[dict[str, Any] | None]:
    return [audit_ref(member) for member in members]


@transaction.atomic
def create_team(*, actor: Colleague, name: str, members: Iterable[Colleague] = ()) -> Team:
    """Creates a team of active colleagues (admins only)."""
    require_admin(actor)
    cleaned = _clean_team_name(actor, name)
    chosen = _clean_members(actor, members)
    team = Team(firm_id=actor.firm_id, name=cleaned)
    _save_team(team)
    TeamMembership.objects.bulk_create(
        TeamMembership(firm_id=actor.firm_id, team=team, colleague=member) for member in chosen
    )
    record_event(
        actor=actor,
        action="team.created",
        after={"team": audit_ref(team), "members": _member_refs(chosen)},
    )
    return team


@transaction.atomic
def rename_team(*, actor: Colleague, team: Team, name: str) -> Team:
    require_admin(actor)
    locked = _lock_team(actor, team)
    cleaned = _clean_team_name(actor, name, exclude=locked)
    if cleaned == locked.name:
        return locked
    before = locked.name
    locked.name = cleaned
    _save_team(locked, fields=["name"])
    team.name = cleaned
    record_event(
        actor=actor,
        action="team.renamed",
        before={"team": locked.pk, "name": before},
        after={"team": locked.pk, "name": cleaned},
    )
    return locked


@transaction.atomic
def update_team(
    *,
    actor: Colleague,
    team: Team,
    name: str | None = None,
    members: Iterable[Colleague] | None = None,
) -> Team:
    """Renames a team and/or sets its members in one transaction (admins only); every
    refusal of both is reported at once, and nothing is written if there is one."""
    errors: dict[str, list[ValidationError]] = {}
    for change in (
        None if name is None else partial(rename_team, actor=actor, team=team, name=name),
        None
        if members is None
        else partial(set_team_members, actor=actor, team=team, members=members),
    ):
        if change is None:
            continue
        try:
            with transaction.atomic():
                change()
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            _merge(errors, error)
    if errors:
        raise ValidationError(errors)
    return team


@transaction.atomic
def delete_team(*, actor: Colleague, team: Team) -> None:
    """Deletes a team (admins only); its places on client teams, grants and portfolio
    staffing go with it, so the access they gave ends."""
    require_admin(actor)
    locked = _lock_team(actor, team)
    members = list(locked.members.all())
    record_event(
        actor=actor,
        action="team.deleted",
        before={"team": audit_ref(locked), "members": _member_refs(members)},
    )
    locked.delete()


def _record_members_change(
    actor: Colleague, team: Team, added: Sequence[Colleague], removed: Sequence[Colleague]
) -> None:
    record_event(
        actor=actor,
        action="team.members_changed",
        before={"team": audit_ref(team), "removed": _member_refs(removed)},
        after={"team": audit_ref(team), "added": _member_refs(added)},
    )


@transaction.atomic
def set_team_members(*, actor: Colleague, team: Team, members: Iterable[Colleague]) -> Team:
    """Makes `members` the team's active members (admins only). Deactivated members stay
    unless removed with `remove_team_member`."""
    require_admin(actor)
    locked = _lock_team(actor, team)
    current = {member.pk: member for member in locked.members.all()}
    chosen = _clean_members(actor, members, already=set(current))
    chosen_ids = {member.pk for member in chosen}
    added = [member for member in chosen if member.pk not in current]
    removed = [
        member for pk, member in current.items() if pk not in chosen_ids and member.is_active
    ]
    if not added and not removed:
        return locked
    TeamMembership.objects.filter(team=locked, colleague__in=removed).delete()
    TeamMembership.objects.bulk_create(
        TeamMembership(firm_id=actor.firm_id, team=locked, colleague=member) for member in added
    )
    _record_members_change(actor, locked, added, removed)
    return locked


@transaction.atomic
def add_team_member(*, actor: Colleague, team: Team, colleague: Colleague) -> Team:
    require_admin(actor)
    locked = _lock_team(actor, team)
    (member,) = _clean_members(actor, [colleague])
    if TeamMembership.objects.filter(team=locked, colleague=member).exists():
        raise field_error(
            "members",
            gettext("%(name)s est déjà membre de cette équipe.") % {"name": member.full_name},
            "already_member",
        )
    TeamMembership.objects.create(firm_id=actor.firm_id, team=locked, colleague=member)
    _record_members_change(actor, locked, [member], [])
    return locked


@transaction.atomic
def remove_team_member(*, actor: Colleague, team: Team, colleague: Colleague) -> Team:
    require_admin(actor)
    locked = _lock_team(actor, team)
    if not isinstance(colleague, Colleague) or colleague.firm_id != actor.firm_id:
        raise field_error("members", gettext("Collaborateur inconnu."), "unknown_colleague")
    deleted, _rows = TeamMembership.objects.filter(team=locked, colleague=colleague).delete()
    if not deleted:
        raise field_error(
            "members",
            gettext("%(name)s n'est pas membre de cette équipe.") % {"name": colleague.full_name},
            "not_member",
        )
    _record_members_change(actor, locked, [], [colleague])
    return locked


# ---------------------------------------------------------------------------------------
# Firm settings.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def update_firm_settings(
    *,
    actor: Colleague,
    name: str | None = None,
    general_email: str | None = None,
    default_privacy: str | None = None,
    ownership_enabled: bool | None = None,
    owner_required: bool | None = None,
) -> Firm:
    """Changes the firm's general settings (admins only); None leaves a setting as it is."""
    require_admin(actor)
    firm = _lock_firm(actor)
    errors: dict[str, list[ValidationError]] = {}
    changes: dict[str, Any] = {}

    def keep(field: str, value: Any) -> None:
        if value != getattr(firm, field):
            changes[field] = value

    try:
        if name is not None:
            keep("name", clean_text(name, "name", _max_length(Firm, "name"), required=True))
    except ValidationError as error:
        _merge(errors, error)
    if general_email is not None:
        if general_email.strip():
            try:
                keep("general_email", _clean_email(general_email, "general_email"))
            except ValidationError as error:
                _merge(errors, error)
        else:
            keep("general_email", "")
    try:
        if default_privacy is not None:
            keep(
                "default_privacy",
                _check_choice(default_privacy, Privacy.values, "default_privacy"),
            )
    except ValidationError as error:
        _merge(errors, error)
    if ownership_enabled is not None:
        keep("ownership_enabled", bool(ownership_enabled))
    if owner_required is not None:
        keep("owner_required", bool(owner_required))
    ownership = changes.get("ownership_enabled", firm.ownership_enabled)
    if changes.get("owner_required", firm.owner_required) and not ownership:
        _merge(
            errors,
            field_error(
                "owner_required",
                gettext(
                    "Un responsable ne peut être obligatoire que si les responsables clients "
                    "sont activés."
                ),
                "ownership_disabled",
            ),
        )
    if errors:
        raise ValidationError(errors)
    if not changes:
        return firm
    before = {field: getattr(firm, field) for field in changes}
    for field, value in changes.items():
        setattr(firm, field, value)
    firm.save(update_fields=list(changes))
    if actor.firm is not firm:
        for field, value in changes.items():
            setattr(actor.firm, field, value)
    record_event(
        actor=actor,
        action="firm.settings_changed",
        before=before,
        after=changes,
    )
    return firm


@transaction.atomic
def set_role_slot_titles(*, actor: Colleague, titles: Mapping[int, str]) -> list[RoleSlot]:
    """Titles the firm's custom role slots (admins only); an empty title hides the slot.
    Slots not in `titles` keep their title. Errors are keyed `title_<number>`."""
    require_admin(actor)
    slots = {
        slot.number: slot
        for slot in RoleSlot.objects.select_for_update().filter(firm_id=actor.firm_id)
    }
    errors: dict[str, list[ValidationError]] = {}
    wanted: dict[int, str] = {}
    max_length = _max_length(RoleSlot, "title")
    for number, title in titles.items():
        field = f"title_{number}"
        if number not in slots:
            _merge(
                errors,
                field_error(
                    field,
                    gettext("Le poste n°%(number)s n'existe pas.") % {"number": number},
                    "unknown_slot",
                ),
            )
            continue
        try:
            wanted[number] = clean_text(title, field, max_length, required=False)
        except ValidationError as error:
            _merge(errors, error)
    final = {number: wanted.get(number, slot.title) for number, slot in slots.items()}
    seen: dict[str, int] = {}
    for number in sorted(final):
        title = final[number]
        if not title:
            continue
        key = title.casefold()
        if key in seen and number in wanted:
            _merge(
                errors,
                field_error(
                    f"title_{number}",
                    gettext("L'intitulé « %(title)s » est déjà celui du poste n°%(other)s.")
                    % {"title": title, "other": seen[key]},
                    "duplicate_title",
                ),
            )
        seen.setdefault(key, number)
    if errors:
        raise ValidationError(errors)
    changed = [slots[n] for n, title in wanted.items() if title != slots[n].title]
    if changed:
        before = {slot.number: slot.title for slot in changed}
        for slot in changed:
            slot.title = wanted[slot.number]
        RoleSlot.objects.bulk_update(changed, ["title"])
        record_event(
            actor=actor,
            action="firm.role_slots_changed",
            before=before,
            after={slot.number: slot.title for slot in changed},
        )
    return [slots[n] for n in sorted(slots)]


# The three ordered, named lists of the settings page share their rules.


def _clean_list_name(
    actor: Colleague, model: type[NamedModel], name: str, *, exclude: NamedModel | None = None
) -> str:
    cleaned = clean_text(name, "name", _max_length(model, "name"), required=True)
    others = model.objects.filter(firm_id=actor.firm_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if _name_taken(others.values_list("name", flat=True), cleaned):
        raise field_error(
            "name",
            gettext("« %(name)s » existe déjà.") % {"name": cleaned},
            "duplicate_name",
        )
    return cleaned


def _lock_item(actor: Colleague, model: type[NamedModel], item: NamedModel) -> NamedModel:
    same_firm(actor, item)
    try:
        return model.objects.select_for_update().get(pk=item.pk, firm_id=actor.firm_id)
    except model.DoesNotExist:
        raise Http404 from None


def _save_item(item: models.Model, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                item.save(force_insert=True)
            else:
                item.save(update_fields=fields)
    except IntegrityError:
        raise field_error(
            "name",
            gettext("« %(name)s » existe déjà.") % {"name": item.name},  # type: ignore[attr-defined]
            "duplicate_name",
        ) from None


def _next_position(actor: Colleague, model: type[NamedModel]) -> int:
    last = model.objects.filter(firm_id=actor.firm_id).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _usage_count(item: models.Model) -> int:
    """How many rows point at `item` through a foreign key (contacts, and later work items)."""
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
    _lock_firm(actor)
    item = model(
        firm_id=actor.firm_id,
        name=_clean_list_name(actor, model, name),
        position=_next_position(actor, model),
        **extra,
    )
    _save_item(item)
    record_event(
        actor=actor,
        action=f"{action}.created",
        after={"item": audit_ref(item), **extra},
    )
    return item


def _rename_item(
    actor: Colleague, model: type[NamedModel], item: NamedModel, name: str, action: str
) -> NamedModel:
    require_admin(actor)
    locked = _lock_item(actor, model, item)
    cleaned = _clean_list_name(actor, model, name, exclude=locked)
    if cleaned == locked.name:
        return locked
    before = locked.name
    locked.name = cleaned
    _save_item(locked, fields=["name"])
    item.name = cleaned
    record_event(
        actor=actor,
        action=f"{action}.renamed",
        before={"id": locked.pk, "name": before},
        after={"id": locked.pk, "name": cleaned},
    )
    return locked


def _delete_item(
    actor: Colleague, model: type[NamedModel], item: NamedModel, action: str, in_use: str
) -> None:
    """Deletes an unused item; `in_use` is the refusal, with %(count)s and %(name)s."""
    require_admin(actor)
    locked = _lock_item(actor, model, item)
    count = _usage_count(locked)
    if count:
        raise ValidationError(in_use % {"count": count, "name": locked.name}, code="in_use")
    record_event(
        actor=actor,
        action=f"{action}.deleted",
        before={"item": audit_ref(locked)},
    )
    locked.delete()


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


@transaction.atomic
def create_contact_type(*, actor: Colleague, name: str, is_archive: bool = False) -> ContactType:
    return _create_item(actor, ContactType, name, "contact_type", is_archive=is_archive)


@transaction.atomic
def rename_contact_type(*, actor: Colleague, contact_type: ContactType, name: str) -> ContactType:
    return _rename_item(actor, ContactType, contact_type, name, "contact_type")


@transaction.atomic
def set_contact_type_archive(
    *, actor: Colleague, contact_type: ContactType, is_archive: bool
) -> ContactType:
    """Marks a type as the archive (its contacts are hidden from lists unless asked)."""
    require_admin(actor)
    locked = _lock_item(actor, ContactType, contact_type)
    if locked.is_archive == is_archive:
        return locked
    locked.is_archive = is_archive
    locked.save(update_fields=["is_archive"])
    contact_type.is_archive = is_archive
    record_event(
        actor=actor,
        action="contact_type.archive_changed",
        before={"item": audit_ref(locked), "is_archive": not is_archive},
        after={"is_archive": is_archive},
    )
    return locked


@transaction.atomic
def delete_contact_type(*, actor: Colleague, contact_type: ContactType) -> None:
    """Deletes a contact type no contact uses; otherwise says how many do."""
    require_admin(actor)
    same_firm(actor, contact_type)
    count = contact_type.contacts.count()
    in_use = ngettext(
        "Le type « %(name)s » est utilisé par %(count)s contact : renommez-le, ou donnez "
        "d'abord un autre type à ce contact.",
        "Le type « %(name)s » est utilisé par %(count)s contacts : renommez-le, ou donnez "
        "d'abord un autre type à ces contacts.",
        count,
    )
    _delete_item(actor, ContactType, contact_type, "contact_type", in_use)


@transaction.atomic
def reorder_contact_types(
    *, actor: Colleague, contact_types: Sequence[ContactType]
) -> list[ContactType]:
    return _reorder_items(actor, ContactType, contact_types, "contact_type")


@transaction.atomic
def create_work_type(*, actor: Colleague, name: str) -> WorkType:
    return _create_item(actor, WorkType, name, "work_type")


@transaction.atomic
def rename_work_type(*, actor: Colleague, work_type: WorkType, name: str) -> WorkType:
    return _rename_item(actor, WorkType, work_type, name, "work_type")


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
    _delete_item(actor, WorkType, work_type, "work_type", _work_in_use(_usage_count(work_type)))


@transaction.atomic
def reorder_work_types(*, actor: Colleague, work_types: Sequence[WorkType]) -> list[WorkType]:
    return _reorder_items(actor, WorkType, work_types, "work_type")


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
    state = _check_choice(primary_state, WorkStatus.PrimaryState.values, "primary_state")
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
    _lock_firm(actor)
    locked = _lock_item(actor, WorkStatus, work_status)
    if name is not None:
        locked = _rename_item(actor, WorkStatus, locked, name, "work_status")
        work_status.name = locked.name
    if primary_state is not None:
        state = _check_choice(primary_state, WorkStatus.PrimaryState.values, "primary_state")
        if state != locked.primary_state:
            _refuse_last_of_state(actor, locked, "primary_state")
            before = locked.primary_state
            locked.primary_state = state
            locked.save(update_fields=["primary_state"])
            work_status.primary_state = state
            record_event(
                actor=actor,
                action="work_status.state_changed",
                before={"item": audit_ref(locked), "primary_state": before},
                after={"primary_state": state},
            )
    return locked


@transaction.atomic
def rename_work_status(*, actor: Colleague, work_status: WorkStatus, name: str) -> WorkStatus:
    return update_work_status(actor=actor, work_status=work_status, name=name)


@transaction.atomic
def delete_work_status(*, actor: Colleague, work_status: WorkStatus) -> None:
    require_admin(actor)
    _lock_firm(actor)
    locked = _lock_item(actor, WorkStatus, work_status)
    _refuse_last_of_state(actor, locked, None)
    _delete_item(actor, WorkStatus, locked, "work_status", _work_in_use(_usage_count(locked)))


@transaction.atomic
def reorder_work_statuses(
    *, actor: Colleague, work_statuses: Sequence[WorkStatus]
) -> list[WorkStatus]:
    return _reorder_items(actor, WorkStatus, work_statuses, "work_status")


# ---------------------------------------------------------------------------------------
# Personal API tokens.
# ---------------------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def create_api_token(*, actor: Colleague, name: str) -> tuple[PersonalAccessToken, str]:
    """Creates a token acting as the actor; returns it with its secret, shown only once
    (only a SHA-256 hash is stored). Secret format: `pf_<prefix>_<random>`."""
    # SECURITY: the actor's row is re-read under the lock deactivation takes, so a request
    # already running when the colleague is deactivated cannot make a token that outlives it.
    locked = Colleague.objects.select_for_update().get(pk=actor.pk)
    require_active(locked)
    cleaned = clean_text(name, "name", _max_length(PersonalAccessToken, "name"), required=True)
    while True:
        prefix = "".join(secrets.choice(TOKEN_PREFIX_ALPHABET) for _i in range(TOKEN_PREFIX_LENGTH))
        if not PersonalAccessToken.objects.filter(prefix=prefix).exists():
            break
    secret = f"pf_{prefix}_{secrets.token_urlsafe(32)}"
    token = PersonalAccessToken.objects.create(
        firm_id=actor.firm_id,
        colleague=actor,
        name=cleaned,
        prefix=prefix,
        key_hash=hash_secret(secret),
        generation=locked.session_generation,
    )
    record_event(
        actor=actor,
        action="api_token.created",
        after={"token": audit_ref(token), "prefix": prefix},
    )
    return token, secret


def revoke_all_api_tokens(colleague: Colleague) -> int:
    """Revokes every live token of `colleague` (a password reset: whoever knew the old
    password may have made one); returns how many."""
    return PersonalAccessToken.objects.filter(colleague=colleague, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def revoke_api_token(*, actor: Colleague, token: PersonalAccessToken) -> PersonalAccessToken:
    """Revokes a token: its owner may, and so may an admin of the firm. Others get a 404."""
    require_active(actor)
    same_firm(actor, token)
    if token.colleague_id != actor.pk and not actor.is_admin:
        raise Http404
    try:
        locked = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    except PersonalAccessToken.DoesNotExist:
        raise Http404 from None
    if locked.revoked_at is not None:
        raise ValidationError(
            gettext("Ce jeton est déjà révoqué."),
            code="already_revoked",
        )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    record_event(
        actor=actor,
        action="api_token.revoked",
        before={"token": audit_ref(locked), "prefix": locked.prefix},
    )
    return locked
