"""The access rules of docs/access-rules.md — the one door every read of client data goes through.

For a colleague `u` and a client `c` of the same firm:
1. `u` inactive → none; 2. admin → full; 3. on `c`'s client team (owner through a roster
entry linked to `u`, manager, role holder, direct member, member of a team on the client
team), staffing `c`'s portfolio (directly or through a team), or holding a grant on `c`
(directly or through a team) → full; 4. limited scope → none; 5. public → full,
private → name, hidden → none.

Query design (see `_linked_client_ids`): the personal links of rule 3 are one UNION ALL of
small subqueries, each answered by an index keyed on the colleague (or on their teams),
and the client table is then filtered by `id IN (that union)`. A limited colleague's list
is therefore a handful of index lookups whatever the size of the firm, and a full-scope
colleague's list is one pass over the firm's clients with the union hashed once
(`privacy = 'public' OR id IN (...)`). No join over a multi-valued relation appears in the
outer query, so no row is ever duplicated and no `distinct()` is needed.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django.db import models
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, TeamMembership

from .models import AccessGrant, ClientMember, PortfolioStaff, RoleAssignment

M = TypeVar("M", bound=models.Model)


class LevelAnnotation(TypedDict):
    access_level: int


# A client row with its `access_level` (see annotate_level), as mypy sees it.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ClientWithLevel = WithAnnotations[Contact, LevelAnnotation]
else:
    ClientWithLevel = Contact


class Level(enum.IntEnum):
    NONE = 0
    NAME = 1
    FULL = 2


@dataclass(frozen=True)
class Reason:
    kind: str
    label: str


@dataclass(frozen=True)
class Access:
    colleague: Colleague
    level: Level
    reasons: tuple[Reason, ...]


# ---------------------------------------------------------------------------------------
# The SQL side: querysets and Q objects.
# ---------------------------------------------------------------------------------------


def _teams_of(colleague: Colleague) -> QuerySet[TeamMembership, int]:
    return TeamMembership.objects.filter(colleague_id=colleague.pk).values_list(
        "team_id", flat=True
    )


def _linked_client_ids(colleague: Colleague) -> QuerySet[models.Model, int]:
    """Ids of the clients `colleague` reaches through rule 3 (client team, portfolio, grant).

    SECURITY: this is a UNION ALL of independent subqueries, each selecting client ids only.
    Never rewrite it as chained `.filter()` calls over the multi-valued relations
    (members, grants, portfolio staff): each chained filter adds its own join, so a
    condition meant for one row can be satisfied by two different rows (a membership of
    one team and a grant of another), and the joins multiply rows. The result may contain
    duplicates; it is only ever used on the right of `id IN (...)`.
    """
    u = colleague.pk
    teams = _teams_of(colleague)
    # Direct and team staffing are two parts, not one OR: each is then an index lookup
    # the planner estimates well, and the clients of those few portfolios are fetched
    # through the contact_portfolio index instead of a scan of the client table.
    staffed = PortfolioStaff.objects.filter(colleague_id=u).values_list("portfolio_id", flat=True)
    team_staffed = PortfolioStaff.objects.filter(team_id__in=teams).values_list(
        "portfolio_id", flat=True
    )
    parts: list[QuerySet[models.Model, int]] = [
        Contact.objects.filter(owner__colleague_id=u).values_list("id", flat=True),
        Contact.objects.filter(manager_id=u).values_list("id", flat=True),
        RoleAssignment.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        ClientMember.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        ClientMember.objects.filter(team_id__in=teams).values_list("client_id", flat=True),
        Contact.objects.filter(portfolio_id__in=staffed).values_list("id", flat=True),
        Contact.objects.filter(portfolio_id__in=team_staffed).values_list("id", flat=True),
        AccessGrant.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        AccessGrant.objects.filter(team_id__in=teams).values_list("client_id", flat=True),
    ]
    # Each part is ordered by nothing (compound statements refuse ORDER BY in members).
    parts = [part.order_by() for part in parts]
    first, *rest = parts
    return first.union(*rest, all=True)


def _nothing(prefix: str) -> Q:
    # `pk__in=[]` is Django's "matches no row": the compiler drops it without a query.
    return Q(**{f"{prefix}pk__in": []})


def full_access_q(colleague: Colleague, prefix: str = "") -> Q:
    """The clients on which `colleague` has FULL access, as a Q on Contact (or, with
    `prefix="client__"`, on a model with a `client` foreign key). Always scoped to the
    colleague's firm."""
    if not colleague.is_active:
        return _nothing(prefix)
    in_firm = Q(**{f"{prefix}firm_id": colleague.firm_id})
    if colleague.is_admin:
        return in_firm
    linked = Q(**{f"{prefix}id__in": _linked_client_ids(colleague)})
    if colleague.is_limited:
        return in_firm & linked
    return in_firm & (Q(**{f"{prefix}privacy": Privacy.PUBLIC}) | linked)


def _name_access_q(colleague: Colleague, prefix: str = "") -> Q:
    """The clients on which `colleague` has at least NAME access."""
    if not colleague.is_active:
        return _nothing(prefix)
    if colleague.is_admin or colleague.is_limited:
        # Admins see everything in full; limited colleagues never get a name-only view.
        return full_access_q(colleague, prefix)
    linked = Q(**{f"{prefix}id__in": _linked_client_ids(colleague)})
    return Q(**{f"{prefix}firm_id": colleague.firm_id}) & (
        Q(**{f"{prefix}privacy__in": [Privacy.PUBLIC, Privacy.PRIVATE]}) | linked
    )


def _access_q(colleague: Colleague, min_level: Level, prefix: str = "") -> Q:
    if min_level == Level.FULL:
        return full_access_q(colleague, prefix)
    if min_level == Level.NAME:
        return _name_access_q(colleague, prefix)
    raise ValueError("min_level must be Level.NAME or Level.FULL")


def visible_clients(colleague: Colleague, min_level: Level = Level.NAME) -> QuerySet[Contact]:
    """The clients of the colleague's firm on which they have at least `min_level`.

    One SQL statement when evaluated (subqueries inside it; nothing is computed in Python).
    """
    q = _access_q(colleague, Level(min_level))
    if not colleague.is_active:
        return Contact.objects.none()
    return Contact.objects.filter(q)


def visible(
    colleague: Colleague,
    queryset: QuerySet[M],
    *,
    client_field: str = "client",
    min_level: Level = Level.FULL,
) -> QuerySet[M]:
    """Records hanging off a client (work items, documents, audit events...) whose client
    the colleague may see at `min_level` or above. Records without a client are dropped."""
    q = _access_q(colleague, Level(min_level), prefix=f"{client_field}__")
    if not colleague.is_active:
        return queryset.none()
    return queryset.filter(q)


def _level_expression(colleague: Colleague) -> Case | Value:
    if not colleague.is_active:
        return Value(int(Level.NONE), IntegerField())
    whens = [When(full_access_q(colleague), then=Value(int(Level.FULL)))]
    if not colleague.is_admin and not colleague.is_limited:
        whens.append(
            When(
                Q(firm_id=colleague.firm_id, privacy=Privacy.PRIVATE),
                then=Value(int(Level.NAME)),
            )
        )
    return Case(*whens, default=Value(int(Level.NONE)), output_field=IntegerField())


def annotate_level(colleague: Colleague, queryset: QuerySet[Contact]) -> QuerySet[ClientWithLevel]:
    """Adds `access_level` (0, 1 or 2, see Level) to each client row, computed in SQL."""
    return queryset.annotate(access_level=_level_expression(colleague))


def level(colleague: Colleague, client: Contact) -> Level:
    """The colleague's access level on one client (the client's links are read from the
    database; at most one query)."""
    if not colleague.is_active or colleague.firm_id != client.firm_id:
        return Level.NONE
    if colleague.is_admin:
        return Level.FULL
    found = (
        Contact.objects.filter(pk=client.pk)
        .annotate(access_level=_level_expression(colleague))
        .values_list("access_level", flat=True)
        .first()
    )
    return Level(found) if found is not None else Level.NONE


def get_client(
    colleague: Colleague, client_id: object, min_level: Level = Level.NAME
) -> ClientWithLevel:
    """The client with this id if the colleague may see it at `min_level`, with its
    `access_level` annotated. Unknown, of another firm or below the level: Http404, the
    same in every case (a hidden client looks exactly like a missing one)."""
    try:
        pk = int(str(client_id))
    except (TypeError, ValueError):
        raise Http404 from None
    client = annotate_level(colleague, visible_clients(colleague, min_level)).filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def can_edit_team(colleague: Colleague, client: Contact) -> bool:
    """docs/access-rules.md: an active admin, or the client's owner (through a roster entry linked
    to the colleague) or manager, may change its team, privacy and grants."""
    if not colleague.is_active or colleague.firm_id != client.firm_id:
        return False
    if colleague.is_admin or client.manager_id == colleague.pk:
        return True
    if client.owner_id is None:
        return False
    owner = client.owner
    return owner is not None and owner.colleague_id == colleague.pk


# ---------------------------------------------------------------------------------------
# explain(): who may see a client, and why.
# ---------------------------------------------------------------------------------------


def _role_label(slot_number: int, titles: dict[int, str]) -> str:
    title = titles.get(slot_number, "")
    if title:
        return _("Rôle « %(title)s »") % {"title": title}
    return _("Poste nº %(number)s (sans intitulé)") % {"number": slot_number}


def explain(client: Contact) -> list[Access]:
    """Every active colleague of the client's firm with at least NAME access, with every
    reason that gives it, ordered like colleagues are (last name, first name).

    At most eight queries, whatever the number of colleagues, teams or links.
    """
    client = (
        Contact.objects.select_related("owner", "portfolio")
        .only("id", "firm_id", "privacy", "manager_id", "owner__colleague_id", "portfolio__name")
        .get(pk=client.pk)
    )
    reasons: dict[int, list[Reason]] = defaultdict(list)
    team_reasons: dict[int, list[Reason]] = defaultdict(list)

    if client.owner is not None and client.owner.colleague_id is not None:
        reasons[client.owner.colleague_id].append(Reason("owner", _("Responsable client")))
    if client.manager_id is not None:
        reasons[client.manager_id].append(Reason("manager", _("Gestionnaire")))

    titles = dict(RoleSlot.objects.filter(firm_id=client.firm_id).values_list("number", "title"))
    for slot, holder_id in (
        RoleAssignment.objects.filter(client_id=client.pk)
        .order_by("slot")
        .values_list("slot", "colleague_id")
    ):
        reasons[holder_id].append(Reason("role", _role_label(slot, titles)))

    for member_id, team_id, team_name in ClientMember.objects.filter(
        client_id=client.pk
    ).values_list("colleague_id", "team_id", "team__name"):
        if member_id is not None:
            reasons[member_id].append(Reason("member", _("Membre de l'équipe client")))
        else:
            team_reasons[team_id].append(
                Reason("team", _("Équipe « %(team)s »") % {"team": team_name})
            )

    if client.portfolio is not None:
        portfolio_name = client.portfolio.name
        for staff_id, team_id, team_name in PortfolioStaff.objects.filter(
            portfolio_id=client.portfolio.pk
        ).values_list("colleague_id", "team_id", "team__name"):
            if staff_id is not None:
                reasons[staff_id].append(
                    Reason(
                        "portfolio",
                        _("Portefeuille « %(portfolio)s »") % {"portfolio": portfolio_name},
                    )
                )
            else:
                team_reasons[team_id].append(
                    Reason(
                        "portfolio_team",
                        _("Portefeuille « %(portfolio)s » par l'équipe « %(team)s »")
                        % {"portfolio": portfolio_name, "team": team_name},
                    )
                )

    for holder_id, team_id, team_name in AccessGrant.objects.filter(
        client_id=client.pk
    ).values_list("colleague_id", "team_id", "team__name"):
        if holder_id is not None:
            reasons[holder_id].append(Reason("grant", _("Accès accordé")))
        else:
            team_reasons[team_id].append(
                Reason(
                    "grant_team", _("Accès accordé à l'équipe « %(team)s »") % {"team": team_name}
                )
            )

    if team_reasons:
        for team_id, member_id in TeamMembership.objects.filter(
            team_id__in=list(team_reasons)
        ).values_list("team_id", "colleague_id"):
            reasons[member_id].extend(team_reasons[team_id])

    public = Reason("public", _("Client public"))
    name_only = Reason("private_name_only", _("Client privé : nom seulement"))
    admin = Reason("admin", _("Administrateur"))
    result: list[Access] = []
    for colleague in Colleague.objects.filter(firm_id=client.firm_id, is_active=True):
        own = reasons.get(colleague.pk, [])
        found: list[Reason] = []
        if colleague.is_admin:
            found.append(admin)
        found.extend(own)
        if colleague.is_admin or own:
            if client.privacy == Privacy.PUBLIC and not colleague.is_limited:
                found.append(public)
            result.append(Access(colleague, Level.FULL, tuple(found)))
        elif colleague.is_limited or client.privacy == Privacy.HIDDEN:
            continue
        elif client.privacy == Privacy.PUBLIC:
            result.append(Access(colleague, Level.FULL, (public,)))
        else:
            result.append(Access(colleague, Level.NAME, (name_only,)))
    return result
