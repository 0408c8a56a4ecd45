"""The access rules of docs/access-rules.md — the one door every read of client data goes through.

The door itself is a queryset (access/scopes.py): `Contact.objects.visible_to(colleague,
level)`, `.with_level(colleague)`, and `visible_to` on the records that hang off a client
(`TimelineItem`, `Document`, `AuditEvent`). This module re-exports the rules' builders and
keeps the names every caller uses (`visible_clients`, `visible`, `get_client`,
`annotate_level`, `level`) as thin wrappers over it; `explain()` says who may see a client
and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, TeamMembership

from .models import AccessGrant, ClientMember, PortfolioStaff, RoleAssignment
from .scopes import (
    Level,
    _level_expression,
    _linked_client_ids,
    access_q,
    emails_shared,
    full_access_q,
    hidden_emails_q,
    scope_clients,
    scope_records,
)

__all__ = [
    "Access",
    "ClientWithLevel",
    "Level",
    "Reason",
    "_level_expression",
    "_linked_client_ids",
    "access_q",
    "annotate_level",
    "can_edit_team",
    "emails_shared",
    "explain",
    "full_access_q",
    "get_client",
    "hidden_emails_q",
    "level",
    "visible",
    "visible_clients",
]

M = TypeVar("M", bound=models.Model)


class LevelAnnotation(TypedDict):
    access_level: int


# A client row with its `access_level` (see annotate_level), as mypy sees it.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ClientWithLevel = WithAnnotations[Contact, LevelAnnotation]
else:
    ClientWithLevel = Contact


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
# The names every caller uses, over the querysets of access/scopes.py.
# ---------------------------------------------------------------------------------------


def visible_clients(colleague: Colleague, min_level: Level = Level.NAME) -> QuerySet[Contact]:
    """The clients of the colleague's firm on which they have at least `min_level`:
    `Contact.objects.visible_to(colleague, min_level)`. One SQL statement when evaluated
    (subqueries inside it; nothing is computed in Python)."""
    return Contact.objects.visible_to(colleague, min_level)


def visible(
    colleague: Colleague,
    queryset: QuerySet[M],
    *,
    client_field: str = "client",
    min_level: Level = Level.FULL,
) -> QuerySet[M]:
    """Records hanging off a client whose client the colleague may see at `min_level` or
    above; records without a client are dropped. For a model with its own door
    (`TimelineItem`, `Document`, `AuditEvent`), use `Model.objects.visible_to(...)`, which
    also applies that model's own rules."""
    return scope_records(queryset, colleague, min_level, client_field)


def annotate_level(colleague: Colleague, queryset: QuerySet[Contact]) -> QuerySet[ClientWithLevel]:
    """Adds `access_level` (0, 1 or 2, see Level) to each client row, computed in SQL
    (`Contact.objects.with_level(colleague)` on any queryset of clients)."""
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
    colleague: Colleague,
    client_id: object,
    min_level: Level = Level.NAME,
    *,
    queryset: QuerySet[Contact] | None = None,
) -> ClientWithLevel:
    """The client with this id if the colleague may see it at `min_level`, with its
    `access_level` annotated: the row the page or answer uses, read through the door (pass
    `queryset` for its `select_related`, `only` or `select_for_update(of=("self",))`).
    Unknown, of another firm or below the level: Http404, the same in every case (a hidden
    client looks exactly like a missing one)."""
    try:
        pk = int(str(client_id))
    except (TypeError, ValueError):
        raise Http404 from None
    base = Contact.objects.all() if queryset is None else queryset
    scoped = annotate_level(colleague, scope_clients(base, colleague, min_level))
    client = scoped.filter(pk=pk).first()
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


def _linked_reasons(clients: list[Contact]) -> dict[int, dict[int, list[Reason]]]:
    """Client id -> colleague id -> the reasons of rule 3 (client team, portfolio, grant)
    that colleague has on that client. Seven queries, whatever the number of clients."""
    reasons: dict[int, dict[int, list[Reason]]] = {c.pk: defaultdict(list) for c in clients}
    team_reasons: dict[int, dict[int, list[Reason]]] = defaultdict(lambda: defaultdict(list))
    ids = [c.pk for c in clients]
    if not clients:
        return reasons

    for client in clients:
        if client.owner is not None and client.owner.colleague_id is not None:
            reasons[client.pk][client.owner.colleague_id].append(
                Reason("owner", _("Responsable client"))
            )
        if client.manager_id is not None:
            reasons[client.pk][client.manager_id].append(Reason("manager", _("Gestionnaire")))

    firm_id = clients[0].firm_id
    titles = dict(RoleSlot.objects.filter(firm_id=firm_id).values_list("number", "title"))
    for client_id, slot, holder_id in (
        RoleAssignment.objects.filter(client_id__in=ids)
        .order_by("client_id", "slot")
        .values_list("client_id", "slot", "colleague_id")
    ):
        reasons[client_id][holder_id].append(Reason("role", _role_label(slot, titles)))

    for client_id, member_id, team_id, team_name in ClientMember.objects.filter(
        client_id__in=ids
    ).values_list("client_id", "colleague_id", "team_id", "team__name"):
        if member_id is not None:
            reasons[client_id][member_id].append(Reason("member", _("Membre de l'équipe client")))
        else:
            team_reasons[team_id][client_id].append(
                Reason("team", _("Équipe « %(team)s »") % {"team": team_name})
            )

    by_portfolio: dict[int, list[Contact]] = defaultdict(list)
    for client in clients:
        if client.portfolio is not None:
            by_portfolio[client.portfolio.pk].append(client)
    if by_portfolio:
        for portfolio_id, staff_id, team_id, team_name in PortfolioStaff.objects.filter(
            portfolio_id__in=list(by_portfolio)
        ).values_list("portfolio_id", "colleague_id", "team_id", "team__name"):
            for client in by_portfolio[portfolio_id]:
                portfolio_name = client.portfolio.name if client.portfolio else ""
                if staff_id is not None:
                    reasons[client.pk][staff_id].append(
                        Reason(
                            "portfolio",
                            _("Portefeuille « %(portfolio)s »") % {"portfolio": portfolio_name},
                        )
                    )
                else:
                    team_reasons[team_id][client.pk].append(
                        Reason(
                            "portfolio_team",
                            _("Portefeuille « %(portfolio)s » par l'équipe « %(team)s »")
                            % {"portfolio": portfolio_name, "team": team_name},
                        )
                    )

    for client_id, holder_id, team_id, team_name in AccessGrant.objects.filter(
        client_id__in=ids
    ).values_list("client_id", "colleague_id", "team_id", "team__name"):
        if holder_id is not None:
            reasons[client_id][holder_id].append(Reason("grant", _("Accès accordé")))
        else:
            team_reasons[team_id][client_id].append(
                Reason(
                    "grant_team", _("Accès accordé à l'équipe « %(team)s »") % {"team": team_name}
                )
            )

    if team_reasons:
        for team_id, member_id in TeamMembership.objects.filter(
            team_id__in=list(team_reasons)
        ).values_list("team_id", "colleague_id"):
            for client_id, found in team_reasons[team_id].items():
                reasons[client_id][member_id].extend(found)
    return reasons


def explain(client: Contact) -> list[Access]:
    """Every active colleague of the client's firm with at least NAME access, with every
    reason that gives it, ordered like colleagues are (last name, first name). A limited
    colleague also reads a person through its contact cards at the organizations they reach
    by rule 3 (reason "card", one per such organization).

    At most ten queries, whatever the number of colleagues, teams, cards or links.
    """
    base = Contact.objects.select_related("owner", "portfolio").only(
        "id",
        "firm_id",
        "kind",
        "display_name",
        "privacy",
        "manager_id",
        "owner__colleague_id",
        "portfolio__name",
    )
    client = base.get(pk=client.pk)
    colleagues = list(Colleague.objects.filter(firm_id=client.firm_id, is_active=True))
    organizations: list[Contact] = []
    # Cards matter to limited colleagues only: without one, they are not read at all.
    if client.kind == Contact.Kind.PERSON and any(c.is_limited for c in colleagues):
        organizations = list(
            base.filter(
                firm_id=client.firm_id,
                kind=Contact.Kind.ORGANIZATION,
                involved_cards__person_id=client.pk,
            ).order_by("display_name", "pk")
        )
    linked = _linked_reasons([client, *organizations])
    reasons = linked[client.pk]
    card_reasons: dict[int, list[Reason]] = defaultdict(list)
    for organization in organizations:
        for colleague_id in linked[organization.pk]:
            card_reasons[colleague_id].append(
                Reason(
                    "card",
                    _("Fiche de contact chez « %(organization)s »")
                    % {"organization": organization.display_name},
                )
            )

    public = Reason("public", _("Client public"))
    name_only = Reason("private_name_only", _("Client privé : nom seulement"))
    admin = Reason("admin", _("Administrateur"))
    result: list[Access] = []
    for colleague in colleagues:
        own = reasons.get(colleague.pk, [])
        cards = card_reasons.get(colleague.pk, []) if colleague.is_limited else []
        found: list[Reason] = []
        if colleague.is_admin:
            found.append(admin)
        found.extend(own)
        if colleague.is_admin or own:
            found.extend(cards)
            if client.privacy == Privacy.PUBLIC and not colleague.is_limited:
                found.append(public)
            result.append(Access(colleague, Level.FULL, tuple(found)))
        elif client.privacy == Privacy.HIDDEN or (colleague.is_limited and not cards):
            continue
        elif client.privacy == Privacy.PUBLIC:
            result.append(Access(colleague, Level.FULL, (*cards,) if cards else (public,)))
        else:
            result.append(Access(colleague, Level.NAME, (name_only, *cards)))
    return result
