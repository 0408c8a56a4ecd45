"""The coverage monitor (docs/coverage.md): the active clients whose team has a gap — no
owner, an owner whose colleague is deactivated, no manager (or a deactivated one), or an
empty client team — as querysets over the access door, and their counts in one query.

"Active" is what the contacts page shows by default: a client whose contact type is not an
archive type (« Inactif »). The owner gaps only exist while the firm's ownership switch is
on (with it off, the owner field is hidden everywhere, filters included): they match
nothing then, in SQL, so callers need not read the firm first.

SECURITY: every set is read through `Contact.objects.visible_to(colleague, FULL)`: an admin
counts the whole firm, anyone else only the clients they see in full (a gap in a client's
team is a fact about its team, which a name-only reader may not know).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, ContactType, RoleSlot

from .models import ClientMember, OwnerEntry, RoleAssignment
from .scopes import Level

NO_OWNER = "no_owner"
INACTIVE_OWNER = "inactive_owner"
NO_MANAGER = "no_manager"
EMPTY_TEAM = "empty_team"
GAPS = (NO_OWNER, INACTIVE_OWNER, NO_MANAGER, EMPTY_TEAM)
OWNER_GAPS = frozenset({NO_OWNER, INACTIVE_OWNER})
LABELS: dict[str, Promise] = {
    NO_OWNER: _("Sans responsable client"),
    INACTIVE_OWNER: _("Responsable client désactivé"),
    NO_MANAGER: _("Sans gestionnaire actif"),
    EMPTY_TEAM: _("Équipe client vide"),
}


def gap_choices(*, ownership_enabled: bool) -> list[tuple[str, Promise]]:
    """(gap, label) for the gaps that apply to the firm (the owner gaps need ownership on)."""
    return [(gap, LABELS[gap]) for gap in GAPS if ownership_enabled or gap not in OWNER_GAPS]


def active_q(firm_id: int) -> Q:
    """Clients whose type is not an archive type (« Inactif »), untyped ones included."""
    archived = ContactType.objects.filter(firm_id=firm_id, is_archive=True).values("pk")
    return ~Q(contact_type_id__in=archived)


def gap_q(gap: str, firm_id: int) -> Q:
    """The condition of one gap on the clients of `firm_id` (active or not: see
    `coverage_q`). An unknown gap is a programming error."""
    ownership_on = Q(firm__ownership_enabled=True)
    inactive_colleagues = Colleague.objects.filter(firm_id=firm_id, is_active=False).values("pk")
    if gap == NO_OWNER:
        return ownership_on & Q(owner__isnull=True)
    if gap == INACTIVE_OWNER:
        entries = OwnerEntry.objects.filter(
            firm_id=firm_id, colleague_id__in=inactive_colleagues
        ).values("pk")
        return ownership_on & Q(owner_id__in=entries)
    if gap == NO_MANAGER:
        return Q(manager__isnull=True) | Q(manager_id__in=inactive_colleagues)
    if gap == EMPTY_TEAM:
        # As the client team shows it: a holder of an untitled slot shows nowhere
        # (docs/access-rules.md), so it does not fill the team.
        titled = RoleSlot.objects.filter(firm_id=firm_id).exclude(title="").values("number")
        roles = RoleAssignment.objects.filter(client_id=OuterRef("pk"), slot__in=titled)
        members = ClientMember.objects.filter(client_id=OuterRef("pk"))
        return (
            Q(owner__isnull=True)
            & Q(manager__isnull=True)
            & ~Exists(roles.values("pk"))
            & ~Exists(members.values("pk"))
        )
    raise ValueError(f"unknown coverage gap {gap!r}")


def coverage_q(gap: str, firm_id: int) -> Q:
    """An active client of the firm with this gap."""
    return active_q(firm_id) & gap_q(gap, firm_id)


def clients_with_gap(colleague: Colleague, gap: str) -> QuerySet[Contact]:
    """The active clients the colleague sees in full that have this gap."""
    return Contact.objects.visible_to(colleague, Level.FULL).filter(
        coverage_q(gap, colleague.firm_id)
    )


@dataclass(frozen=True)
class Coverage:
    """How many active clients, seen in full by the reader, have each gap. The owner gaps
    are None while the firm's ownership switch is off."""

    no_owner: int | None
    inactive_owner: int | None
    no_manager: int
    empty_team: int

    def items(self) -> list[tuple[str, int]]:
        """(gap, count) for the gaps that apply, in display order."""
        return [(gap, count) for gap in GAPS if (count := getattr(self, gap)) is not None]


def coverage_counts(colleague: Colleague, *, ownership_enabled: bool) -> Coverage:
    """The four counts, in one query."""
    firm_id = colleague.firm_id
    counts = (
        Contact.objects.visible_to(colleague, Level.FULL)
        .filter(active_q(firm_id))
        .aggregate(**{gap: Count("pk", filter=gap_q(gap, firm_id)) for gap in GAPS})
    )
    return Coverage(
        no_owner=counts[NO_OWNER] if ownership_enabled else None,
        inactive_owner=counts[INACTIVE_OWNER] if ownership_enabled else None,
        no_manager=counts[NO_MANAGER],
        empty_team=counts[EMPTY_TEAM],
    )
