"""API of clients (/contacts), their teams, grants and access, and portfolios.

Thin adapters over access/services.py; every read goes through access/rules.py.

Decisions where the spec is silent:
- A client seen by name only comes back as `ClientName` (id and name, nothing else); its
  sub-resources (/team, /grants, /access) answer 404 to such a colleague, like a hidden or
  unknown client: a 403 would confirm facts about it.
- List filters about the client (`kind`, `owner`, `manager`, `role`, `member`, `portfolio`,
  `type`, `mine`) only ever match clients the caller sees in full; `q` and `privacy` apply
  to name-only clients too (they reveal nothing the name-only row does not show: such a
  row is always private).
- `role` is either `<slot>:<colleague id>` (that colleague holds that slot) or a colleague
  id (holds any titled slot). An untitled slot shows nowhere, filters included (docs/access-rules.md
  §2): `role=<untitled slot>:<id>` is a 422 that says so, rather than an empty list that
  would read as "nobody holds it". Its holders keep their access, and /access names it.
- `member` matches direct members and members through a team on the client team.
- `mine=true`: clients where the caller is owner, manager, holder of a titled role or
  member (directly or through a team) — the client team as /team shows it, not portfolios
  or grants.
- /access (who may see the client and why) is for those who may change the team; a
  colleague who sees the client in full but may not change it gets 403, others 404.
- Portfolios: every colleague may list and read them (names only); writes, clients and
  staff changes are for admins (the services check). A portfolio's clients are read through
  `visible_clients`, so nobody learns of a client they may not see.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from portefeuille.access.guards import name_only_refusal
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, StaleWrite, check_if_match, etag_openapi, set_etag
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import MAX_ID, Id, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts import queries
from portefeuille.contacts import services as contact_services
from portefeuille.contacts.models import Contact
from portefeuille.contacts.schemas import (
    DETAIL_PREFETCH,
    api_field_names,
    detail_fields,
    visible_links,
)
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, ContactType, RoleSlot, Team

from . import rules, services
from .models import AccessGrant, ClientMember, OwnerEntry, Portfolio, PortfolioStaff, RoleAssignment
from .rules import Level
from .schemas import (
    AccessOut,
    ClientCreate,
    ClientFull,
    ClientOut,
    ClientTeamOut,
    ClientUpdate,
    GrantIn,
    GrantOut,
    PortfolioClientIn,
    PortfolioIn,
    PortfolioOut,
    PortfolioUpdate,
    StaffOut,
    TeamChange,
)

contacts_router = Router(tags=["contacts"])
portfolios_router = Router(tags=["portfolios"])

ClientAnswer = ClientOut


# ---------------------------------------------------------------------------------------
# Lookups, always scoped to the caller's firm.
# ---------------------------------------------------------------------------------------


def _pick(queryset: QuerySet[Any], pk: int | None, field: str) -> Any:
    """The object with this id in a scoped queryset, or a 422 on `field`."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Identifiant inconnu : %(id)s.") % {"id": pk}, code="unknown_id"
                )
            }
        )
    return found


def _colleagues(actor: Colleague) -> QuerySet[Colleague]:
    return Colleague.objects.filter(firm_id=actor.firm_id)


def _teams(actor: Colleague) -> QuerySet[Team]:
    return Team.objects.filter(firm_id=actor.firm_id)


def _client(actor: Colleague, client_id: int, min_level: Level = Level.NAME) -> Any:
    """The client (with `access_level`) or the same 404 for unknown, foreign or hidden."""
    return rules.get_client(actor, client_id, min_level)


# ---------------------------------------------------------------------------------------
# Representations.
# ---------------------------------------------------------------------------------------


def _colleague_ref(colleague: Colleague | None) -> dict[str, Any] | None:
    if colleague is None:
        return None
    return {"id": colleague.pk, "full_name": colleague.full_name, "is_active": colleague.is_active}


def _owner_ref(owner: OwnerEntry | None) -> dict[str, Any] | None:
    if owner is None:
        return None
    return {"id": owner.pk, "name": str(owner), "colleague_id": owner.colleague_id}


def _ref(obj: models.Model | None) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def _refuse_name_only(client: Any) -> None:
    # Before any If-Match check: a 412 would tell a name-only reader that the client changed.
    if client.access_level < Level.FULL:
        raise name_only_refusal()


def represent(
    actor: Colleague,
    client: Any,
    *,
    ownership_enabled: bool,
    links: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The client as the caller may see it; a name-only row says nothing else.

    `links`: the related contacts the caller may see (contacts.schemas.visible_links),
    computed once per page; looked up for this client alone when not given."""
    if client.access_level < Level.FULL:
        # SECURITY: the name and nothing else (docs/access-rules.md); see schemas.ClientName.
        return {"id": client.pk, "display_name": client.display_name, "access_level": "name"}
    return {
        "id": client.pk,
        "kind": client.kind,
        "display_name": client.display_name,
        "privacy": client.privacy,
        "access_level": "full",
        "contact_type": _ref(client.contact_type),
        "owner": _owner_ref(client.owner) if ownership_enabled else None,
        "manager": _colleague_ref(client.manager),
        "portfolio": _ref(client.portfolio),
        "can_edit_team": rules.can_edit_team(actor, client),
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        **detail_fields(
            client,
            links if links is not None else visible_links(actor, [client.primary_contact_id]),
        ),
    }


def represent_page(actor: Colleague, clients: list[Any]) -> list[dict[str, Any]]:
    """A page of clients, their related contacts filtered in one query for the page."""
    enabled = _ownership_enabled(actor)
    full = [c for c in clients if c.access_level >= Level.FULL]
    links = visible_links(actor, (c.primary_contact_id for c in full))
    return [represent(actor, c, ownership_enabled=enabled, links=links) for c in clients]


def _ownership_enabled(actor: Colleague) -> bool:
    return bool(actor.firm.ownership_enabled)


def _with_links(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.select_related("contact_type", "owner__colleague", "manager", "portfolio")


def _full_client_answer(actor: Colleague, client_id: int, response: HttpResponse) -> dict[str, Any]:
    client = (
        _with_links(rules.annotate_level(actor, rules.visible_clients(actor)))
        .prefetch_related(*DETAIL_PREFETCH)
        .filter(pk=client_id)
    )
    found = client.first()
    if found is None:  # the caller's change removed their own access (e.g. made it hidden)
        raise Http404
    if found.access_level >= Level.FULL:
        set_etag(response, found.version)
    return represent(actor, found, ownership_enabled=_ownership_enabled(actor))


# ---------------------------------------------------------------------------------------
# /contacts
# ---------------------------------------------------------------------------------------


class ClientFilters(Schema):
    kind: Literal["person", "organization", "client_group"] | None = Field(
        None, description="person, organization or client_group."
    )
    q: str | None = Field(None, description="Part of the name; accents and case ignored.")
    privacy: Literal["public", "private", "hidden"] | None = Field(
        None, description="public, private or hidden."
    )
    owner: Id | None = Field(None, description="An owner roster entry id (/owners).")
    manager: Id | None = Field(None, description="A colleague id.")
    role: str | None = Field(
        None,
        description="`<slot>:<colleague id>` (a titled slot: an untitled one is a 422), "
        "or a colleague id holding any titled slot.",
    )
    member: Id | None = Field(None, description="A colleague id, member directly or via a team.")
    portfolio: Id | None = Field(None, description="A portfolio id.")
    type: Id | None = Field(None, description="A contact type id.")
    mine: bool = Field(False, description="Only clients whose team you are on.")
    archived: bool = Field(
        False,
        description="Include clients whose contact type is an archive type (Inactif); "
        "they are left out by default.",
    )
    group: Id | None = Field(None, description="Members of this client group.")


def _invalid_filter(name: str, message: str | None = None) -> NinjaValidationError:
    """A 422 located at the query parameter (`["query", name]`), like pydantic's own."""
    return NinjaValidationError(
        [
            {
                "loc": ("query", name),
                "msg": message or _("Valeur de filtre invalide."),
                "type": "value_error",
            }
        ]
    )


def _is_titled(actor: Colleague, slot: int) -> bool:
    return RoleSlot.objects.filter(firm_id=actor.firm_id, number=slot).exclude(title="").exists()


def filtered_clients(actor: Colleague, filters: ClientFilters) -> QuerySet[Any]:
    """The clients the caller sees (annotated with their level), filtered exactly as the
    contacts page filters them (contacts/queries.py: one implementation of the filters and
    of what they may tell about name-only rows)."""
    role_slot = role_holder = None
    if filters.role is not None:
        slot, _sep, holder = filters.role.rpartition(":")
        try:
            role_holder, role_slot = int(holder), int(slot) if slot else None
        except ValueError:
            raise _invalid_filter("role") from None
        if not 1 <= role_holder <= MAX_ID or (role_slot is not None and not 1 <= role_slot <= 10):
            raise _invalid_filter("role")
        if role_slot is not None and not _is_titled(actor, role_slot):
            raise _invalid_filter(
                "role",
                _(
                    "Le poste nº %(number)s n'a pas d'intitulé : il n'apparaît nulle part et "
                    "ne peut pas servir de filtre."
                )
                % {"number": role_slot},
            )
    contacts = queries.filtered_contacts(
        actor,
        queries.ContactFilters(
            view="mine" if filters.mine else "all",
            q=filters.q or "",
            kind=filters.kind or "",
            contact_type=filters.type,
            owner=filters.owner,
            manager=filters.manager,
            role_slot=role_slot,
            role_holder=role_holder,
            member=filters.member,
            portfolio=filters.portfolio,
            privacy=filters.privacy or "",
            include_inactive=filters.archived,
            group=filters.group,
        ),
    )
    return _with_links(rules.annotate_level(actor, contacts)).prefetch_related(*DETAIL_PREFETCH)


@contacts_router.get("", response=Page[ClientAnswer], summary="List clients")
def list_clients(
    request: HttpRequest, page: Query[PageQuery], filters: Query[ClientFilters]
) -> dict[str, Any]:
    """The clients you see, by name. Private clients you see by name only come back with
    `access_level: "name"` and nothing but their name; hidden ones do not come back."""
    actor = api_colleague(request)
    result = paginate(filtered_clients(actor, filters), page, order=("search_name", "id"))
    result["items"] = represent_page(actor, result["items"])
    return result


@contacts_router.post(
    "",
    response={201: ClientFull, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a client",
)
def create_client(
    request: HttpRequest, payload: ClientCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A non-admin creator who would not otherwise see it in full becomes its manager.
    To create with details (a person's names, e-mails, cards...), use /contacts/people,
    /contacts/organizations or /contacts/client-groups."""
    actor = api_colleague(request)
    contact_type = _pick(
        ContactType.objects.filter(firm_id=actor.firm_id),
        payload.contact_type_id,
        "contact_type_id",
    )
    owner = _pick(OwnerEntry.objects.filter(firm_id=actor.firm_id), payload.owner_id, "owner_id")
    client = contact_services.create_client(
        actor=actor,
        kind=payload.kind,
        display_name=payload.display_name,
        privacy=payload.privacy,
        contact_type=contact_type,
        owner=owner,
    )
    return Status(201, _full_client_answer(actor, client.pk, response))


@contacts_router.get(
    "/{int:client_id}",  # int: /contacts/suggestions, /people... are other routes
    response=ClientAnswer,
    openapi_extra=etag_openapi(200),
    summary="A client",
)
def get_client(request: HttpRequest, client_id: int, response: HttpResponse) -> dict[str, Any]:
    actor = api_colleague(request)
    _client(actor, client_id)
    return _full_client_answer(actor, client_id, response)


@contacts_router.patch(
    "/{int:client_id}",
    response={200: ClientAnswer, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a client",
)
def update_client(
    request: HttpRequest,
    client_id: int,
    payload: ClientUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Details: anyone who sees it in full; privacy: admin, owner or manager.
    Every field sent is checked before anything is written (one 422 lists them all).
    Send the ETag in If-Match (or `version`) so a stale change is refused (412)."""
    actor = api_colleague(request)
    sent = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        client = _client(actor, client_id)
        _refuse_name_only(client)
        locked = Contact.objects.select_for_update().get(pk=client.pk)
        check_if_match(if_match, locked.version)
        changes: dict[str, Any] = {}
        for field, value in sent.items():
            if field in _TEXT_UPDATES:
                changes[field] = value or ""
            elif field in _NULLABLE_UPDATES or (field in _FLAGS and value is not None):
                changes[field] = value
        if "contact_type_id" in sent:
            changes["contact_type"] = _pick(
                ContactType.objects.filter(firm_id=actor.firm_id),
                sent["contact_type_id"],
                "contact_type_id",
            )
        if "primary_contact_id" in sent:
            # A hidden contact reads exactly like an unknown id.
            changes["primary_contact"] = _pick(
                rules.visible_clients(actor, Level.NAME),
                sent["primary_contact_id"],
                "primary_contact_id",
            )
        try:
            if changes or sent.get("version") is not None:
                with api_field_names():
                    contact_services.update_contact(
                        actor=actor, contact=locked, expected_version=sent.get("version"), **changes
                    )
        except StaleVersionError as error:
            raise StaleWrite(error.messages[0]) from None
        if sent.get("privacy"):
            services.set_privacy(actor=actor, client=locked, privacy=sent["privacy"])
    return _full_client_answer(actor, client_id, response)


_TEXT_UPDATES = frozenset(
    {
        "display_name",
        "first_name",
        "middle_name",
        "last_name",
        "preferred_name",
        "website",
        "description",
        "client_code",
        "legal_name",
        "country",
        "company_number",
        "siret",
        "vat_number",
        "tax_number",
        "employment_status",
        "notes",
    }
)
_NULLABLE_UPDATES = frozenset({"birth_date", "fiscal_year_end_month", "fiscal_year_end_day"})
_FLAGS = frozenset({"kind", "share_communication"})  # null means "not sent"


@contacts_router.delete(
    "/{int:client_id}",
    response={204: None, **problem_responses(403, 412)},
    summary="Delete a client (admins)",
)
def delete_client(request: HttpRequest, client_id: int, if_match: IfMatch = None) -> Status[None]:
    """For good; its history stays, with its name."""
    actor = api_colleague(request)
    with transaction.atomic():
        client = _client(actor, client_id)
        _refuse_name_only(client)
        locked = Contact.objects.select_for_update().get(pk=client.pk)
        check_if_match(if_match, locked.version)
        contact_services.delete_client(actor=actor, client=locked)
    return Status(204, None)


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
    enabled = _ownership_enabled(actor)
    owner = client.owner if enabled and client.owner_id else None
    return {
        "owner": _owner_ref(owner),
        "manager": _colleague_ref(client.manager),
        "roles": [
            {"slot": r.slot, "title": titles[r.slot], "colleague": _colleague_ref(r.colleague)}
            for r in roles
        ],
        "member_colleagues": sorted(
            (_colleague_ref(m.colleague) for m in members if m.colleague_id),
            key=lambda ref: (ref or {}).get("full_name", ""),
        ),
        "member_teams": sorted(
            (_ref(m.team) for m in members if m.team_id),
            key=lambda ref: (ref or {}).get("name", ""),
        ),
        "can_edit": rules.can_edit_team(actor, client),
    }


@contacts_router.get(
    "/{client_id}/team", response=ClientTeamOut, summary="A client's team (full access)"
)
def get_team(request: HttpRequest, client_id: int) -> dict[str, Any]:
    actor = api_colleague(request)
    client = _with_links(Contact.objects.all()).get(pk=_client(actor, client_id, Level.FULL).pk)
    return team_answer(actor, client)


@contacts_router.patch(
    "/{client_id}/team",
    response={200: ClientTeamOut, **problem_responses(403)},
    summary="Change a client's team (admin, owner, manager)",
)
def change_team(request: HttpRequest, client_id: int, payload: TeamChange) -> dict[str, Any]:
    """Every piece is applied in one transaction: if one is refused, nothing changes."""
    actor = api_colleague(request)
    sent = payload.model_dump(exclude_unset=True)
    colleagues = _colleagues(actor)
    teams = _teams(actor)
    with transaction.atomic():
        client = _client(actor, client_id, Level.FULL)
        if "owner_id" in sent:
            owner = _pick(
                OwnerEntry.objects.filter(firm_id=actor.firm_id), sent["owner_id"], "owner_id"
            )
            services.set_owner(actor=actor, client=client, owner=owner)
        if "manager_id" in sent:
            manager = _pick(colleagues, sent["manager_id"], "manager_id")
            services.set_manager(actor=actor, client=client, manager=manager)
        for role in payload.roles:
            holder = _pick(colleagues, role.colleague_id, "roles")
            services.set_role_holder(actor=actor, client=client, slot=role.slot, colleague=holder)
        if payload.add_members:
            for pk in payload.add_members.colleague_ids:
                colleague = _pick(colleagues, pk, "add_members")
                services.add_client_member(actor=actor, client=client, colleague=colleague)
            for pk in payload.add_members.team_ids:
                team = _pick(teams, pk, "add_members")
                services.add_client_member(actor=actor, client=client, team=team)
        if payload.remove_members:
            for pk in payload.remove_members.colleague_ids:
                colleague = _pick(colleagues, pk, "remove_members")
                services.remove_client_member(actor=actor, client=client, colleague=colleague)
            for pk in payload.remove_members.team_ids:
                team = _pick(teams, pk, "remove_members")
                services.remove_client_member(actor=actor, client=client, team=team)
        if not sent and not rules.can_edit_team(actor, client):
            raise_forbidden()
    fresh = _with_links(Contact.objects.all()).filter(pk=client.pk).first()
    if fresh is None or rules.level(actor, fresh) < Level.FULL:
        raise Http404
    return team_answer(actor, fresh)


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
        "colleague": _colleague_ref(grant.colleague),
        "team": _ref(grant.team),
        "created_at": grant.created_at,
    }


@contacts_router.get(
    "/{client_id}/grants", response=list[GrantOut], summary="Access grants on a client"
)
def list_grants(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    grants = AccessGrant.objects.filter(client_id=client.pk).select_related("colleague", "team")
    return [_grant_answer(g) for g in grants.order_by("id")]


@contacts_router.post(
    "/{client_id}/grants",
    response={201: GrantOut, **problem_responses(403)},
    summary="Grant access to a colleague or a team (admin, owner, manager)",
)
def create_grant(request: HttpRequest, client_id: int, payload: GrantIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    client = _client(actor, client_id, Level.FULL)
    colleague = _pick(_colleagues(actor), payload.colleague_id, "colleague_id")
    team = _pick(_teams(actor), payload.team_id, "team_id")
    grant = services.grant_access(actor=actor, client=client, colleague=colleague, team=team)
    return Status(201, _grant_answer(grant))


@contacts_router.delete(
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


@contacts_router.get(
    "/{client_id}/access",
    response={200: list[AccessOut], **problem_responses(403)},
    summary="Who may see a client, and why (admin, owner, manager)",
)
def explain_access(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    client = _with_links(Contact.objects.all()).get(pk=_client(actor, client_id, Level.FULL).pk)
    if not rules.can_edit_team(actor, client):
        raise_forbidden()
    return [
        {
            "colleague": _colleague_ref(access.colleague),
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
    response={204: None, **problem_responses(403)},
    summary="Move a client into this portfolio, out of its previous one (admins)",
)
def add_portfolio_client(
    request: HttpRequest, portfolio_id: int, payload: PortfolioClientIn
) -> Status[None]:
    actor = api_colleague(request)
    portfolio = get_or_404(_portfolios(actor), portfolio_id)
    client = _client(actor, payload.client_id)
    services.move_client_to_portfolio(actor=actor, client=client, portfolio=portfolio)
    return Status(204, None)


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
        "colleagues": [_colleague_ref(s.colleague) for s in staff if s.colleague_id],
        "teams": [_ref(s.team) for s in staff if s.team_id],
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
    colleague = _pick(_colleagues(actor), payload.colleague_id, "colleague_id")
    team = _pick(_teams(actor), payload.team_id, "team_id")
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
    colleague = _pick(_colleagues(actor), staff.colleague_id, "colleague_id")
    team = _pick(_teams(actor), staff.team_id, "team_id")
    services.unstaff_portfolio(actor=actor, portfolio=portfolio, colleague=colleague, team=team)
    return _staff_answer(portfolio)
