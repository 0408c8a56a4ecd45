"""Teams of colleagues: creating, renaming, their members, deleting (admins only)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext, gettext_lazy

from portefeuille.audit.services import audit_ref, record_event

from ..guards import ExpectedVersion, check_version, field_error, require_admin
from ..models import Colleague, Team, TeamMembership
from ..versions import team_version
from .common import clean_unique_name, lock_in_firm, merge, rename, save_unique_name

STALE_TEAM = gettext_lazy(
    "Cette équipe a été modifiée par quelqu'un d'autre depuis que vous l'avez chargée : "
    "rechargez-la, puis refaites votre modification."
)


def _duplicate_name() -> str:
    return gettext("Une équipe porte déjà le nom « %(name)s ».")


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


def _lock_team(actor: Colleague, team: Team, expected_version: ExpectedVersion = None) -> Team:
    """The team locked, refused if it changed since the caller loaded `expected_version`."""
    locked = lock_in_firm(actor, team)
    if expected_version is not None:
        prefetch_related_objects([locked], "members")
        check_version(team_version(locked), expected_version, message=str(STALE_TEAM))
    return locked


def _member_refs(members: Iterable[Colleague]) -> list[dict[str, Any] | None]:
    return [audit_ref(member) for member in members]


@transaction.atomic
def create_team(*, actor: Colleague, name: str, members: Iterable[Colleague] = ()) -> Team:
    """Creates a team of active colleagues (admins only)."""
    require_admin(actor)
    cleaned = clean_unique_name(actor, Team, name, duplicate=_duplicate_name())
    chosen = _clean_members(actor, members)
    team = Team(firm_id=actor.firm_id, name=cleaned)
    save_unique_name(team, duplicate=_duplicate_name())
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
def rename_team(
    *, actor: Colleague, team: Team, name: str, expected_version: ExpectedVersion = None
) -> Team:
    """Renames a team (admins only); with `expected_version` (firms/versions.py), a team
    changed since is refused with StaleVersionError."""
    require_admin(actor)
    locked = _lock_team(actor, team, expected_version)
    return rename(
        actor, locked, team, name, duplicate=_duplicate_name(), action="team.renamed", key="team"
    )


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
            merge(errors, error)
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
def set_team_members(
    *,
    actor: Colleague,
    team: Team,
    members: Iterable[Colleague],
    expected_version: ExpectedVersion = None,
) -> Team:
    """Makes `members` the team's active members (admins only). Deactivated members stay
    unless removed with `remove_team_member`. With `expected_version`, a team changed
    since is refused with StaleVersionError."""
    require_admin(actor)
    locked = _lock_team(actor, team, expected_version)
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
