"""The version of a colleague, a team, the firm settings and the role slot titles, as their
ETag and `version` field show it: a hash of what the API represents
(portefeuille/api/concurrency.py explains the versions). The API shows it; the services
check the version a caller expects against it, under the row lock."""

from __future__ import annotations

from collections.abc import Iterable

from portefeuille.api.concurrency import representation_version

from .models import Colleague, Firm, RoleSlot, Team

# What a colleague's version covers: every field of its representation.
COLLEAGUE_VERSIONED_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "profile",
    "scope",
    "is_active",
    "language",
)


# What the firm settings' version covers: every field of /firm/settings.
FIRM_SETTINGS_FIELDS = (
    "name",
    "general_email",
    "default_privacy",
    "ownership_enabled",
    "owner_required",
)


def firm_settings_version(firm: Firm) -> str:
    return representation_version({field: getattr(firm, field) for field in FIRM_SETTINGS_FIELDS})


def role_slots_version(slots: Iterable[RoleSlot]) -> str:
    """The titles of the firm's role slots, by number (/firm/role-slots)."""
    return representation_version({str(slot.number): slot.title for slot in slots})


def colleague_version(colleague: Colleague) -> str:
    return representation_version(
        {field: getattr(colleague, field) for field in COLLEAGUE_VERSIONED_FIELDS}
    )


def team_version(team: Team) -> str:
    """Name and members: prefetch `members` (see teams_queryset) to avoid a query per team."""
    member_ids = sorted(member.pk for member in team.members.all())
    return representation_version({"name": team.name, "members": member_ids})
