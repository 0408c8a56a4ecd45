"""API of tokens (/auth), the caller (/me), colleagues and teams: thin adapters over services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from portefeuille.api.auth import api_colleague, colleague_from_credentials, default_token_name
from portefeuille.api.concurrency import IfMatch, StaleWrite, check_if_match, etag_openapi, set_etag
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import get_all_or_422, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.api.schemas import HoldsProblem, Problem

from . import services
from .models import Colleague, PersonalAccessToken, Team
from .schemas import (
    ColleagueCreate,
    ColleagueOut,
    ColleagueUpdate,
    MeOut,
    MeUpdate,
    TeamCreate,
    TeamMembersIn,
    TeamOut,
    TeamUpdate,
    TokenCreated,
    TokenOut,
    TokenRequest,
)
from .versions import colleague_version, team_version

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"])
colleagues_router = Router(tags=["colleagues"])
teams_router = Router(tags=["teams"])


# SECURITY: every lookup starts from these, scoped by the caller's firm; an id of another
# firm is then simply not found.
def firm_colleagues(actor: Colleague) -> QuerySet[Colleague]:
    return Colleague.objects.filter(firm_id=actor.firm_id)


def firm_teams(actor: Colleague) -> QuerySet[Team]:
    return Team.objects.filter(firm_id=actor.firm_id).prefetch_related("members")


def expected(if_match: str | None, current_version: str) -> str | None:
    """If-Match as the `expected_version` of a colleague or team service (their versions
    are hashes, firms/versions.py): None when no check is asked, the version read here when
    the header names it (the service refuses if it changed before its lock), else the
    header itself, which names no version, so the service refuses."""
    if if_match is None or if_match.strip() in {"", "*"}:
        return None
    try:
        check_if_match(if_match, current_version)
    except StaleWrite:
        return if_match
    return current_version


# --- /auth ---------------------------------------------------------------------------------


@auth_router.post(
    "/token",
    auth=None,
    # 403 only when the server cannot tell the client's address (allauth's rate limits need
    # it): a deployment without the proxy settings of docs/deployment.md. 503 when the shared
    # cache that holds the limits and used codes does not answer.
    response={201: TokenCreated, **problem_responses(401, 403, 429, 503)},
    summary="Create a personal access token",
)
def create_token(request: HttpRequest, payload: TokenRequest) -> Status[dict[str, Any]]:
    """Signs in with e-mail and password (and the one-time code when two-factor
    authentication is on) and returns a new token. The secret is shown only in this answer.
    Repeated failures are refused for a while (429), as on the sign-in page; a one-time code
    gives one token only. When the service that holds the limits does not answer, nothing is
    checked and the answer is 503."""
    user = colleague_from_credentials(
        request, email=payload.email, password=payload.password, otp=payload.otp
    )
    name = (payload.name or "").strip() or default_token_name()
    token, secret = services.create_api_token(actor=user, name=name)
    return Status(
        201,
        {
            "token": secret,
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
        },
    )


def own_tokens(actor: Colleague) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(colleague=actor, revoked_at__isnull=True)


@auth_router.get("/tokens", response=list[TokenOut], summary="List your tokens")
def list_tokens(request: HttpRequest) -> QuerySet[PersonalAccessToken]:
    """Your tokens that are not revoked, newest first (never their secret)."""
    return own_tokens(api_colleague(request)).order_by("-created_at", "-id")


@auth_router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of your tokens")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    """The token stops working at once. Only your own tokens can be revoked here."""
    actor = api_colleague(request)
    token = get_or_404(own_tokens(actor), token_id)
    services.revoke_api_token(actor=actor, token=token)
    return Status(204, None)


# --- /me -----------------------------------------------------------------------------------


def _me(actor: Colleague) -> Colleague:
    return Colleague.objects.select_related("firm").get(pk=actor.pk)


@me_router.get("", response=MeOut, openapi_extra=etag_openapi(200), summary="Who am I")
def get_me(request: HttpRequest, response: HttpResponse) -> Colleague:
    """The calling colleague and their firm."""
    me = _me(api_colleague(request))
    set_etag(response, colleague_version(me))
    return me


@me_router.patch(
    "",
    response={200: MeOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change my name or language",
)
def update_me(
    request: HttpRequest, payload: MeUpdate, response: HttpResponse, if_match: IfMatch = None
) -> Colleague:
    actor = api_colleague(request)
    services.update_colleague(
        actor=actor,
        colleague=actor,
        expected_version=expected(if_match, colleague_version(actor)),
        **payload.model_dump(exclude_none=True),
    )
    me = _me(actor)
    set_etag(response, colleague_version(me))
    return me


# --- /colleagues ---------------------------------------------------------------------------


@colleagues_router.get("", response=Page[ColleagueOut], summary="List colleagues")
def list_colleagues(
    request: HttpRequest, page: Query[PageQuery], include_inactive: bool = False
) -> dict[str, Any]:
    """The colleagues of your firm by name; active ones only unless `include_inactive`."""
    colleagues = firm_colleagues(api_colleague(request))
    if not include_inactive:
        colleagues = colleagues.filter(is_active=True)
    return paginate(colleagues, page, order=("last_name", "first_name", "id"))


@colleagues_router.post(
    "",
    response={201: ColleagueOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a colleague (admins)",
)
def create_colleague(
    request: HttpRequest, payload: ColleagueCreate, response: HttpResponse
) -> Status[Colleague]:
    """With an initial password, or an invitation e-mail to choose one."""
    colleague = services.create_colleague(actor=api_colleague(request), **payload.model_dump())
    set_etag(response, colleague_version(colleague))
    return Status(201, colleague)


@colleagues_router.get(
    "/{colleague_id}", response=ColleagueOut, openapi_extra=etag_openapi(200), summary="A colleague"
)
def get_colleague(request: HttpRequest, colleague_id: int, response: HttpResponse) -> Colleague:
    colleague = get_or_404(firm_colleagues(api_colleague(request)), colleague_id)
    set_etag(response, colleague_version(colleague))
    return colleague


@colleagues_router.patch(
    "/{colleague_id}",
    response={200: ColleagueOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a colleague (admins)",
)
def update_colleague(
    request: HttpRequest,
    colleague_id: int,
    payload: ColleagueUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Colleague:
    """Only the fields sent change. Send the ETag in If-Match to refuse a stale change."""
    actor = api_colleague(request)
    colleague = get_or_404(firm_colleagues(actor), colleague_id)
    colleague = services.update_colleague(
        actor=actor,
        colleague=colleague,
        expected_version=expected(if_match, colleague_version(colleague)),
        **payload.model_dump(exclude_none=True),
    )
    set_etag(response, colleague_version(colleague))
    return colleague


def _colleague_action(request: HttpRequest, colleague_id: int, action: Any) -> Colleague:
    actor = api_colleague(request)
    colleague = get_or_404(firm_colleagues(actor), colleague_id)
    action(actor=actor, colleague=colleague)
    return get_or_404(firm_colleagues(actor), colleague_id)


@colleagues_router.post(
    "/{colleague_id}/deactivate",
    response={200: ColleagueOut, 403: Problem, 422: HoldsProblem},
    summary="Deactivate a colleague (admins)",
)
def deactivate_colleague(
    request: HttpRequest,
    colleague_id: int,
    transfer: bool | None = None,
) -> Colleague:
    """They can no longer sign in, their sessions and tokens stop at once; history keeps
    their name. The last admin cannot be deactivated.

    A colleague who holds clients (owner, manager, role slot, client-team member, portfolio
    staff, member of a team with clients) needs a choice, else 422 with `holds` (what they
    hold, per kind): `?transfer=false` leaves the clients as they are; to hand them over,
    prepare a plan (POST /api/v1/offboarding) and apply it."""
    actor = api_colleague(request)
    colleague = get_or_404(firm_colleagues(actor), colleague_id)
    services.deactivate_colleague(actor=actor, colleague=colleague, transfer=transfer)
    return get_or_404(firm_colleagues(actor), colleague_id)


@colleagues_router.post(
    "/{colleague_id}/reactivate",
    response={200: ColleagueOut, **problem_responses(403)},
    summary="Reactivate a colleague (admins)",
)
def reactivate_colleague(request: HttpRequest, colleague_id: int) -> Colleague:
    return _colleague_action(request, colleague_id, services.reactivate_colleague)


@colleagues_router.delete(
    "/{colleague_id}",
    response={204: None, 403: Problem, 422: HoldsProblem},
    summary="Delete a colleague (admins)",
)
def delete_colleague(
    request: HttpRequest,
    colleague_id: int,
    transfer: bool | None = None,
) -> Status[None]:
    """The last admin cannot be deleted. One who holds clients needs `?transfer=false`, or
    an offboarding plan (POST /api/v1/offboarding)."""
    actor = api_colleague(request)
    colleague = get_or_404(firm_colleagues(actor), colleague_id)
    services.delete_colleague(actor=actor, colleague=colleague, transfer=transfer)
    return Status(204, None)


# --- /teams --------------------------------------------------------------------------------


@teams_router.get("", response=Page[TeamOut], summary="List teams")
def list_teams(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The teams of your firm by name, with their members."""
    return paginate(firm_teams(api_colleague(request)), page, order=("name", "id"))


@teams_router.post(
    "",
    response={201: TeamOut, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a team (admins)",
)
def create_team(request: HttpRequest, payload: TeamCreate, response: HttpResponse) -> Status[Team]:
    actor = api_colleague(request)
    members = get_all_or_422(firm_colleagues(actor), payload.members, field="members")
    team = services.create_team(actor=actor, name=payload.name, members=members)
    return Status(201, _team_answer(actor, team.pk, response))


def _team_answer(actor: Colleague, team_id: int, response: HttpResponse) -> Team:
    """The team as the API shows it (members prefetched), its ETag set."""
    team = get_or_404(firm_teams(actor), team_id)
    set_etag(response, team_version(team))
    return team


@teams_router.get("/{team_id}", response=TeamOut, openapi_extra=etag_openapi(200), summary="A team")
def get_team(request: HttpRequest, team_id: int, response: HttpResponse) -> Team:
    return _team_answer(api_colleague(request), team_id, response)


@teams_router.patch(
    "/{team_id}",
    response={200: TeamOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Rename a team (admins)",
)
def update_team(
    request: HttpRequest,
    team_id: int,
    payload: TeamUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Team:
    actor = api_colleague(request)
    team = get_or_404(firm_teams(actor), team_id)
    services.rename_team(
        actor=actor,
        team=team,
        name=payload.name,
        expected_version=expected(if_match, team_version(team)),
    )
    return _team_answer(actor, team_id, response)


@teams_router.put(
    "/{team_id}/members",
    response={200: TeamOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Set a team's members (admins)",
)
def set_team_members(
    request: HttpRequest,
    team_id: int,
    payload: TeamMembersIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Team:
    """Replaces the members. An unknown id, or one of another firm, is refused (422) and
    nothing changes."""
    actor = api_colleague(request)
    team = get_or_404(firm_teams(actor), team_id)
    services.set_team_members(
        actor=actor,
        team=team,
        members=get_all_or_422(firm_colleagues(actor), payload.members, field="members"),
        expected_version=expected(if_match, team_version(team)),
    )
    return _team_answer(actor, team_id, response)


@teams_router.delete(
    "/{team_id}", response={204: None, **problem_responses(403)}, summary="Delete a team (admins)"
)
def delete_team(request: HttpRequest, team_id: int) -> Status[None]:
    actor = api_colleague(request)
    team = get_or_404(firm_teams(actor), team_id)
    services.delete_team(actor=actor, team=team)
    return Status(204, None)
