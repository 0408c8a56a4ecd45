"""What a colleague holds on clients (docs/offboarding.md): every place of theirs that
gives them a client — owner through their roster entry, manager, role slot holder, direct
member of a client team, staff of a portfolio, member of a team that is on a client team or
staffs a portfolio. Deactivating or deleting a colleague who holds any of them needs a
choice first (firms/services/colleagues.py); an offboarding plan (access/offboarding.py)
hands each one over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, TeamMembership

from .models import ClientMember, OwnerEntry, PortfolioStaff, RoleAssignment

OWNER, MANAGER, ROLE, MEMBER, PORTFOLIO_STAFF, TEAM_MEMBER = (
    "owner",
    "manager",
    "role",
    "member",
    "portfolio_staff",
    "team_member",
)
KINDS = (OWNER, MANAGER, ROLE, MEMBER, PORTFOLIO_STAFF, TEAM_MEMBER)
CLIENT_KINDS = (OWNER, MANAGER, ROLE, MEMBER)


@dataclass(frozen=True, order=True)
class Holding:
    """One place a colleague holds: on a client (owner, manager, role `slot`, member), on a
    portfolio (staff) or in a team (a team with clients)."""

    kind: str
    client_id: int | None = None
    slot: int | None = None
    portfolio_id: int | None = None
    team_id: int | None = None


def holdings_of(colleague: Colleague) -> list[Holding]:
    """Every place the colleague holds, sorted (a constant number of queries)."""
    firm = colleague.firm_id
    found: list[Holding] = []
    entries = OwnerEntry.objects.filter(firm_id=firm, colleague=colleague)
    found += [
        Holding(OWNER, client_id=pk)
        for pk in Contact.objects.filter(firm_id=firm, owner__in=entries).values_list(
            "pk", flat=True
        )
    ]
    found += [
        Holding(MANAGER, client_id=pk)
        for pk in Contact.objects.filter(firm_id=firm, manager=colleague).values_list(
            "pk", flat=True
        )
    ]
    found += [
        Holding(ROLE, client_id=client, slot=slot)
        for client, slot in RoleAssignment.objects.filter(
            firm_id=firm, colleague=colleague
        ).values_list("client_id", "slot")
    ]
    found += [
        Holding(MEMBER, client_id=pk)
        for pk in ClientMember.objects.filter(firm_id=firm, colleague=colleague).values_list(
            "client_id", flat=True
        )
    ]
    found += [
        Holding(PORTFOLIO_STAFF, portfolio_id=pk)
        for pk in PortfolioStaff.objects.filter(firm_id=firm, colleague=colleague).values_list(
            "portfolio_id", flat=True
        )
    ]
    teams_with_clients = Q(team__client_memberships__isnull=False) | Q(
        team__portfolio_staffings__isnull=False
    )
    found += [
        Holding(TEAM_MEMBER, team_id=pk)
        for pk in TeamMembership.objects.filter(firm_id=firm, colleague=colleague)
        .filter(teams_with_clients)
        .values_list("team_id", flat=True)
        .distinct()
    ]
    return sorted(set(found))


def count_holdings(holdings: list[Holding]) -> dict[str, int]:
    """How many places of each kind (every kind present, zero included)."""
    counts = dict.fromkeys(KINDS, 0)
    for holding in holdings:
        counts[holding.kind] += 1
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    """The counts in a sentence: « responsable de 3 clients, gestionnaire d'1 client »."""
    phrases = {
        OWNER: lambda n: ngettext(
            "responsable de %(count)d client", "responsable de %(count)d clients", n
        ),
        MANAGER: lambda n: ngettext(
            "gestionnaire de %(count)d client", "gestionnaire de %(count)d clients", n
        ),
        ROLE: lambda n: ngettext(
            "%(count)d poste personnalisé sur un client",
            "%(count)d postes personnalisés sur des clients",
            n,
        ),
        MEMBER: lambda n: ngettext(
            "membre de l'équipe client de %(count)d client",
            "membre de l'équipe client de %(count)d clients",
            n,
        ),
        PORTFOLIO_STAFF: lambda n: ngettext(
            "rattaché à %(count)d portefeuille", "rattaché à %(count)d portefeuilles", n
        ),
        TEAM_MEMBER: lambda n: ngettext(
            "membre de %(count)d équipe qui a des clients",
            "membre de %(count)d équipes qui ont des clients",
            n,
        ),
    }
    return ", ".join(
        phrases[kind](counts[kind]) % {"count": counts[kind]} for kind in KINDS if counts[kind]
    )


class HoldsClients(ValidationError):
    """A colleague who holds clients cannot leave without a choice; `holds` counts what
    they hold per kind (the API adds it to the problem details)."""

    def __init__(self, colleague: Colleague, counts: dict[str, int]) -> None:
        self.holds = counts
        super().__init__(
            _(
                "%(name)s détient encore des clients (%(holds)s) : préparez un plan de départ "
                "pour dire à qui ils passent, ou choisissez « Ne pas transférer »."
            )
            % {"name": colleague.full_name, "holds": describe_counts(counts)},
            code="holds_clients",
        )

    problem_slug = "holds-clients"

    @property
    def problem_extras(self) -> dict[str, Any]:
        return {"holds": self.holds}


def refuse_if_holding(colleague: Colleague) -> None:
    """Raises HoldsClients when the colleague holds any client place."""
    holdings = holdings_of(colleague)
    if holdings:
        raise HoldsClients(colleague, count_holdings(holdings))
