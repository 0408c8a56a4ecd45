"""API of a client's team, grants and access (/api/v1/contacts/{id}/team, /grants,
/access) and of portfolios. The client record's own operations (/contacts, /contacts/{id})
are contacts/api_clients.py, whose representations this module reuses.

Thin adapters over access/services; every read goes through access/rules.py.

Decisions where the spec is silent:
- The sub-resources of a client seen by name only (/team, /grants, /access) answer 404 to
  such a colleague, like a hidden or unknown client: a 403 would confirm facts about it.
- /access (who may see the client and why) is for those who may change the team; a
  colleague who sees the client in full but may not change it gets 403, others 404.
- A team change names colleagues, teams and owners by id; an unknown id is a 422 on its
  field, looked up before the service checks the right to change the team.
- Portfolios: every colleague may list and read them (names only); writes, clients and
  staff changes are for admins (the services check). A portfolio's clients are read through
  `visible_clients`, so nobody learns of a client they may not see.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from portefeuille.api.auth import api_colleague
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts.api_clients import (
    ClientAnswer,
    ClientFilters,
    colleague_ref,
    filtered_clients,
    owner_ref,
    ownership_enabled,
    pick,
    ref,
    represent_page,
    with_links,
)
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import UNSET, Unset
from portefeuille.firms.models import Colleague, RoleSlot, Team

from . import rules, services
from .models import AccessGrant, ClientMember, OwnerEntry, Portfolio, PortfolioStaff, RoleAssignment
from .rules import Level
from .schemas import (
    AccessOut,
    ClientTeamOut,
    GrantIn,
    GrantOut,
    MembersIn,
    PortfolioClientIn,
    PortfolioIn,
    PortfolioMoveOut,
    PortfolioOut,
    PortfolioUpdate,
    StaffOut,
    TeamChange,
)

client_access_router = Router(tags=["contacts"])  # mounted at /contacts too (api/api.py)
portfolios_router = Router(tags=["portfolios"])


# ---------------------------------------------------------------------------------------
# Lookups, always scoped to the caller's firm.
# ---------------------------------------------------------------------------------------


def _colleagues(actor: Colleague) -> QuerySet[Colleague]:
    return Colleague.objects.filter(firm_id=actor.firm_id)


def _teams(actor: Colleague) -> QuerySet[Team]:
    return Team.objects.filter(firm_id=actor.firm_id)


def _client(actor: Colleague, client_id: int, min_level: Level = Level.NAME) -> Any:
    """The client (with `access_level`) or the same 404 for unknown, foreign or hidden."""
    return rules.get_client(actor, client_id, min_level)


# --- /contacts/{id}/team ---------------------------------------------------------------


def team_answer(actor: Colleague, client: Contact) -> dict[str, Any]:
    titles = {
        slot.number: slot.title
        for slot in RoleSlot.objects.filter(firm_id=client.firm_id).exclude(title="")
    }
    roles = (
        RoleAssignment.objects.filter(client_id=client.pk, slot__in=list(titles))
        .select_related("colleague")
        .order_by("slot")
    )
    members = ClientMember.objects.filter(client_id=client.pk).select_related("colleague", "team")
    enabled = ownership_enabled(actor)
    owner = client.owner if enabled and client.owner_id else None
    return {
        "owner": owner_ref(owner),
        "manager": colleague_ref(client.manager),
        "roles": [
            {"slot": r.slot, "title": titles[r.slot], "colleague": colleague_ref(r.colleague)}
            for r in roles
        ],
        "member_colleagues": sorted(
            (colleague_ref(m.colleague) for m in members if m.colleague_id),
            key=lambda ref: (ref or {}).get("full_name", ""),
        ),
        "member_teams": sorted(
            (ref(m.team) for m in members if m.team_id),
            key=lambda ref: (ref or {}).get("name", ""),
        ),
        "can_edit": rules.can_edit_team(actor, client),
    }


@client_access_router.get(
    "/{client_id}/team", response=ClientTeamOut, summary="A client's team (full access)"
)
def get_team(request: HttpRequest, client_id: int) -> dict[str, Any]:
    actor = api_colleague(request)
    client = rules.get_client(
        actor, client_id, Level.FULL, queryset=with_links(Contact.objects.all())
    )
    return team_answer(actor, client)


@client_access_router.patch(
    "/{client_id}/team",
    response={200: ClientTeamOut, **problem_responses(403)},
    summary="Change a client's team (admin, owner, manager)",
)
def change_team(request: HttpRequest, client_id: int, payload: TeamChange) -> dict[str, Any]:
    """Every piece is applied in one transaction: if one is refused, nothing changes."""
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    sent = payload.model_dump(exclude_unset=True)
    colleagues = _colleagues(actor)
    owner: OwnerEntry | Unset | None = UNSET
    manager: Colleague | Unset | None = UNSET
    if "owner_id" in sent:
        owner = pick(OwnerEntry.objects.filter(firm_id=actor.firm_id), sent["owner_id"], "owner_id")
    if "manager_id" in sent:
        manager = pick(colleagues, sent["manager_id"], "manager_id")
    services.change_client_team(
        actor=actor,
        client=client,
        owner=owner,
        manager=manager,
        roles=[(role.slot, pick(colleagues, role.colleague_id, "roles")) for role in payload.roles],
        add_members=_members(actor, payload.add_members, "add_members"),
        remove_members=_members(actor, payload.remove_members, "remove_members"),
    )
    # Read again through the door: a change may have taken the actor's own access away.
    fresh = rules.get_client(
        actor, client.pk, Level.FULL, queryset=with_links(Contact.objects.all())
    )
    return team_answer(actor, fresh)


def _members(actor: Colleague, sent: MembersIn | None, field: str) -> list[Colleague | Team]:
    """The colleagues, then the teams, of a members list (unknown ids: a 422 on `field`)."""
    if sent is None:
        return []
    colleagues = _colleagues(actor)
    teams = _teams(actor)
    return [pick(colleagues, pk, field) for pk in sent.colleague_ids] + [
        pick(teams, pk, field) for pk in sent.team_ids
    ]


def raise_forbidden() -> None:
    raise PermissionDenied(
        _(
            "Seuls un administrateur, le responsable ou le gestionnaire du client peuvent "
            "modifier son équipe."
        )
    )


# --- /contacts/{id}/grants and /access -----------------------------------------------------


def _grant_answer(grant: AccessGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "colleague": colleague_ref(grant.colleague),
        "team": ref(grant.team),
        "created_at": grant.created_at,
    }


@client_access_router.get(
    "/{client_id}/grants", response=list[GrantOut], summary="Access grants on a client"
)
def list_grants(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    grants = AccessGrant.objects.filter(client_id=client.pk).select_related("colleague", "team")
    return [_grant_answer(g) for g in grants.order_by("id")]


@client_access_router.post(
    "/{client_id}/grants",
    response={201: GrantOut, **problem_responses(403)},
    summary="Grant access to a colleague or a team (admin, owner, manager)",
)
def create_grant(request: HttpRequest, client_id: int, payload: GrantIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    colleague = pick(_colleagues(actor), payload.colleague_id, "colleague_id")
    team = pick(_teams(actor), payload.team_id, "team_id")
    grant = services.grant_access(actor=actor, client=client, colleague=colleague, team=team)
    return Status(201, _grant_answer(grant))


@client_access_router.delete(
    "/{client_id}/grants/{grant_id}",
    response={204: None, **problem_responses(403)},
    summary="Revoke an access grant (admin, owner, manager)",
)
def delete_grant(request: HttpRequest, client_id: int, grant_id: int) -> Status[None]:
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    grant = get_or_404(AccessGrant.objects.filter(client_id=client.pk), grant_id)
    services.revoke_access(actor=actor, client=client, colleague=grant.colleague, team=grant.team)
    return Status(204, None)


@client_access_router.get(
    "/{client_id}/access",
    response={200: list[AccessOut], **problem_responses(403)},
    summary="Who may see a client, and why (admin, owner, manager)",
)
def explain_access(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    client = rules.get_client(
        actor, client_id, Level.FULL, queryset=with_links(Contact.objects.all())
    )
    if not rules.can_edit_team(actor, client):
        raise_forbidden()
    return [
        {
            "colleague": colleague_ref(access.colleague),
            "level": "full" if access.level >= Level.FULL else "name",
            "reasons": [{"kind": r.kind, "label": str(r.label)} for r in access.reasons],
        }
        for access in rules.explain(client)
    ]


# ---------------------------------------------------------------------------------------
# /portfolios
# ---------------------------------------------------------------------------------------


def _portfolios(actor: Colleague) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(firm_id=actor.firm_id)


@portfolios_router.get("", response=Page[PortfolioOut], summary="List portfolios")
def list_portfolios(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    return paginate(_portfolios(api_colleague(request)), page, order=("name", "id"))


@portfolios_router.post(
    "",
    response={201: PortfolioOut, **problem_responses(403)},
    summary="Create a portfolio (admins)",
)
def create_portfolio(request: HttpRequest, payload: PortfolioIn) -> Status[Portfolio]:
    portfolio = services.create_portfolio(
        actor=api_colleague(request), name=payload.name, email=payload.email
    )
    return Status(201, portfolio)


@portfolios_router.get("/{portfolio_id}", response=PortfolioOut, summary="A portfolio")
def get_portfolio(request: HttpRequest, portfolio_id: int) -> Portfolio:
    return get_or_404(_portfolios(api_colleague(request)), portfolio_id)


@portfolios_router.patch(
    "/{portfolio_id}",
    response={200: PortfolioOut, **problem_responses(403)},
    summary="Change a portfolio (admins)",
)
def update_portfolio(
    request: HttpRequest, portfolio_id: int, payload: PortfolioUpdate
) -> Portfolio:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    return services.update_portfolio(
        actor=actor,
        portfolio=portfolio,
        name=portfolio.name if payload.name is None else payload.name,
        email=portfolio.email if payload.email is None else payload.email,
    )


@portfolios_router.delete(
    "/{portfolio_id}",
    response={204: None, **problem_responses(403)},
    summary="Delete a portfolio (admins); its clients are left without one",
)
def delete_portfolio(request: HttpRequest, portfolio_id: int) -> Status[None]:
    actor = api_colleague(request)
    services.delete_portfolio(actor=actor, portfolio=get_or_404(_portfolios(actor), portfolio_id))
    return Status(204, None)


@portfolios_router.get(
    "/{portfolio_id}/clients",
    response=Page[ClientAnswer],
    summary="The clients of a portfolio that you see in full",
)
def list_portfolio_clients(
    request: HttpRequest, portfolio_id: int, page: Query[PageQuery]
) -> dict[str, Any]:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    filters = ClientFilters.model_validate({"portfolio": portfolio.pk, "archived": True})
    result = paginate(filtered_clients(actor, filters), page, order=("search_name", "id"))
    result["items"] = represent_page(actor, result["items"])
    return result


@portfolios_router.post(
    "/{portfolio_id}/clients",
    response={200: PortfolioMoveOut, **problem_responses(403)},
    summary="Move a client into this portfolio, out of its previous one (admins)",
)
def add_portfolio_client(
    request: HttpRequest, portfolio_id: int, payload: PortfolioClientIn
) -> dict[str, Any]:
    """A client is in at most one portfolio: the answer names the one it left (null when it
    was in none, or already in this one)."""
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    client = _client(actor, payload.client_id)
    previous = services.move_client_to_portfolio(actor=actor, client=client, portfolio=portfolio)
    left = previous if previous is not None and previous.pk != portfolio.pk else None
    return {"client_id": client.pk, "left": left, "joined": portfolio}


@portfolios_router.delete(
    "/{portfolio_id}/clients/{client_id}",
    response={204: None, **problem_responses(403)},
    summary="Take a client out of this portfolio (admins)",
)
def remove_portfolio_client(
    request: HttpRequest, portfolio_id: int, client_id: int
) -> Status[None]:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    client = _client(actor, client_id)
    if client.portfolio_id != portfolio.pk:
        raise Http404
    services.move_client_to_portfolio(actor=actor, client=client, portfolio=None)
    return Status(204, None)


def _staff_answer(portfolio: Portfolio) -> dict[str, Any]:
    staff = PortfolioStaff.objects.filter(portfolio_id=portfolio.pk).select_related(
        "colleague", "team"
    )
    return {
        "colleagues": [colleague_ref(s.colleague) for s in staff if s.colleague_id],
        "teams": [ref(s.team) for s in staff if s.team_id],
    }


@portfolios_router.get("/{portfolio_id}/staff", response=StaffOut, summary="Who staffs a portfolio")
def get_staff(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    return _staff_answer(get_or_404(_portfolios(api_colleague(request)), portfolio_id))


@portfolios_router.post(
    "/{portfolio_id}/staff",
    response={200: StaffOut, **problem_responses(403)},
    summary="Staff a portfolio with a colleague or a team (admins)",
)
def add_staff(request: HttpRequest, portfolio_id: int, payload: GrantIn) -> dict[str, Any]:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    colleague = pick(_colleagues(actor), payload.colleague_id, "colleague_id")
    team = pick(_teams(actor), payload.team_id, "team_id")
    services.staff_portfolio(actor=actor, portfolio=portfolio, colleague=colleague, team=team)
    return _staff_answer(portfolio)


@portfolios_router.delete(
    "/{portfolio_id}/staff",
    response={200: StaffOut, **problem_responses(403)},
    summary="Remove a colleague or a team from a portfolio's staff (admins)",
)
def remove_staff(request: HttpRequest, portfolio_id: int, staff: Query[GrantIn]) -> dict[str, Any]:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    colleague = pick(_colleagues(actor), staff.colleague_id, "colleague_id")
    team = pick(_teams(actor), staff.team_id, "team_id")
    services.unstaff_portfolio(actor=actor, portfolio=portfolio, colleague=colleague, team=team)
    return _staff_answer(portfolio)
