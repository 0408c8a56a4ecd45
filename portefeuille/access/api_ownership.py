"""API of the coverage monitor (/api/v1/coverage, /coverage/fix) and of the ownership
history (/api/v1/contacts/{id}/ownership-history, /api/v1/ownership/held): docs/coverage.md
and docs/ownership-history.md.

Thin adapters over access/coverage.py, access/ownership_history.py (reads, through the
access door) and access/services/bulk.py (the fix).

Decisions where the spec is silent:
- The counts are the caller's: an admin's cover the firm, anyone else's the clients they
  see in full. The owner gaps are null while the firm's ownership switch is off.
- The fix takes a gap and either the clients to fix (ids; those without the gap, or not
  seen in full, are left out) or none (every client with the gap), and one owner or one
  manager; `dry_run` answers the plan without writing.
- /ownership/held pages by client (name, then id); an item lists the client's matching
  spans, and a page may hold fewer than `limit` items. A period is [start, end): a date as
  `start` is that day's midnight, a date as `end` includes that day; a datetime without a
  time zone is in the firm's (Europe/Paris). An empty or reversed period is a 422.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from portefeuille.api.auth import api_colleague
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import Id
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.firms.guards import field_error
from portefeuille.firms.models import Colleague

from . import coverage, ownership_history, services
from .models import OwnerEntry
from .ownership_history import Holder, Span

coverage_router = Router(tags=["coverage"])
ownership_router = Router(tags=["ownership"])
client_history_router = Router(tags=["contacts"])  # mounted at /contacts too (api/api.py)

Gap = Literal["no_owner", "inactive_owner", "no_manager", "empty_team"]
Role = Literal["owner", "manager", "role", "member"]


def _invalid(name: str, message: str) -> NinjaValidationError:
    """A 422 on the query parameter `name` (a body field's is a field_error, keyed by it:
    api/errors.py locates it in the body)."""
    return NinjaValidationError([{"loc": ("query", name), "msg": message, "type": "value_error"}])


# ---------------------------------------------------------------------------------------
# Coverage.
# ---------------------------------------------------------------------------------------


class CoverageOut(Schema):
    ownership_enabled: bool
    no_owner: int | None = Field(
        description="Active clients without an owner (null: ownership off)."
    )
    inactive_owner: int | None = Field(
        description="Active clients whose owner is a deactivated colleague (null: ownership off)."
    )
    no_manager: int = Field(description="Active clients without an active manager.")
    empty_team: int = Field(description="Active clients with no owner, manager, role or member.")


@coverage_router.get("", response=CoverageOut, summary="Coverage counts")
def coverage_counts(request: HttpRequest) -> dict[str, Any]:
    """How many active clients (not of an archive type) you see in full have each gap; the
    contacts list gives them with `coverage=<gap>`."""
    actor = api_colleague(request)
    enabled = bool(actor.firm.ownership_enabled)
    counts = coverage.coverage_counts(actor, ownership_enabled=enabled)
    return {"ownership_enabled": enabled, **counts.__dict__}


class CoverageFixIn(Schema):
    gap: Gap
    client_ids: list[Id] | None = Field(
        None, max_length=10_000, description="The clients to fix; omitted: all with the gap."
    )
    owner_id: Id | None = Field(None, description="An owner roster entry id (/owners).")
    manager_id: Id | None = Field(None, description="An active colleague id.")
    dry_run: bool = Field(False, description="Answer what would change, write nothing.")


class ClientRefOut(Schema):
    id: int
    display_name: str


class CoverageFixOut(Schema):
    dry_run: bool
    changed: list[ClientRefOut]
    unchanged: int
    refused: list[ClientRefOut] = Field(
        description="Clients you see in full but may not change (left as they are)."
    )


def _names(clients: list[Any]) -> list[dict[str, Any]]:
    return [{"id": client.pk, "display_name": client.display_name} for client in clients]


@coverage_router.post(
    "/fix", response={200: CoverageFixOut, **problem_responses(403)}, summary="Fix a coverage gap"
)
def fix_coverage(request: HttpRequest, body: CoverageFixIn) -> dict[str, Any]:
    """Gives one owner or one manager to the clients with a gap, in one transaction, one
    history event per client changed; the new owner or manager is notified."""
    actor = api_colleague(request)
    if (body.owner_id is None) == (body.manager_id is None):
        raise field_error("owner_id", _("Donnez soit un responsable, soit un gestionnaire."))
    if body.gap in coverage.OWNER_GAPS and not actor.firm.ownership_enabled:
        raise field_error("gap", _("Les responsables clients sont désactivés dans ce cabinet."))
    gapped = coverage.clients_with_gap(actor, body.gap)
    if body.client_ids is not None:
        gapped = gapped.filter(pk__in=body.client_ids)
    ids = list(gapped.values_list("pk", flat=True))
    if body.owner_id is not None:
        owner = OwnerEntry.objects.filter(firm_id=actor.firm_id, pk=body.owner_id).first()
        if owner is None:
            raise field_error("owner_id", _("Responsable inconnu."), "unknown_id")
        act = services.plan_bulk_owner if body.dry_run else services.bulk_set_owner
        plan = act(actor=actor, client_ids=ids, owner=owner)
    else:
        assert body.manager_id is not None
        manager = Colleague.objects.filter(firm_id=actor.firm_id, pk=body.manager_id).first()
        if manager is None:
            raise field_error("manager_id", _("Collaborateur inconnu."), "unknown_id")
        step = services.plan_bulk_manager if body.dry_run else services.bulk_set_manager
        plan = step(actor=actor, client_ids=ids, manager=manager)
    return {
        "dry_run": body.dry_run,
        "changed": _names(plan.changed),
        "unchanged": plan.unchanged,
        "refused": _names(plan.refused),
    }


# ---------------------------------------------------------------------------------------
# Ownership history.
# ---------------------------------------------------------------------------------------


class HolderOut(Schema):
    kind: Literal["owner", "colleague", "team"] = Field(
        description="owner (a roster entry), colleague or team."
    )
    id: int
    name: str


class SpanOut(Schema):
    role: Role
    slot: int | None = Field(None, description="The role slot's number (role only).")
    title: str = Field("", description="The role slot's current title (role only).")
    holder: HolderOut
    start: datetime.datetime
    end: datetime.datetime | None = Field(description="Exclusive; null: holds it still.")
    inferred: bool = Field(description="An edge not given by a history event.")


class TeamAtOut(Schema):
    at: datetime.datetime
    owner: HolderOut | None
    manager: HolderOut | None
    roles: dict[int, HolderOut]
    members: list[HolderOut]


class ClientHistoryOut(Schema):
    client_id: int
    spans: list[SpanOut]
    team_at: TeamAtOut | None = Field(None, description="The team at `at`, when asked.")


def _holder(holder: Holder | None) -> dict[str, Any] | None:
    return None if holder is None else {"kind": holder.kind, "id": holder.id, "name": holder.name}


def _span(span: Span) -> dict[str, Any]:
    return {
        "role": span.role,
        "slot": span.slot,
        "title": span.title,
        "holder": _holder(span.holder),
        "start": span.start,
        "end": span.end,
        "inferred": span.inferred,
    }


def _moment(raw: str, name: str, *, end: bool = False) -> datetime.datetime:
    """An ISO date or datetime; a date is its midnight (for an `end`, the next one)."""
    try:
        if len(raw) == 10:
            day = datetime.date.fromisoformat(raw)
            if end:
                day += datetime.timedelta(days=1)
            moment = datetime.datetime.combine(day, datetime.time())
        else:
            moment = datetime.datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise _invalid(
            name, _("Donnez une date (AAAA-MM-JJ) ou une date et heure ISO 8601.")
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class HistoryQuery(Schema):
    at: str | None = Field(
        None, max_length=40, description="An ISO date or datetime: the team at that moment."
    )


@client_history_router.get(
    "/{client_id}/ownership-history",
    response=ClientHistoryOut,
    summary="Who held a client's team, and when",
)
def client_ownership_history(
    request: HttpRequest, client_id: int, query: Query[HistoryQuery]
) -> dict[str, Any]:
    """Every span of the client's owner, manager, titled roles and members, from the
    history events (a client you do not see in full is a 404)."""
    actor = api_colleague(request)
    at = _moment(query.at, "at") if query.at else None
    spans = ownership_history.client_spans(actor, client_id)
    answer: dict[str, Any] = {"client_id": client_id, "spans": [_span(s) for s in spans]}
    if at is not None:
        team = ownership_history.holders_on(actor, client_id, at)
        answer["team_at"] = {
            "at": at,
            "owner": _holder(team.owner),
            "manager": _holder(team.manager),
            "roles": {slot: _holder(holder) for slot, holder in team.roles.items()},
            "members": [_holder(holder) for holder in team.members],
        }
    return answer


class HeldQuery(Schema):
    colleague_id: Id | None = Field(None, description="A colleague: what they held.")
    owner_id: Id | None = Field(
        None, description="An owner roster entry (/owners), even one since removed."
    )
    role: Role | None = Field(None, description="owner, manager, role or member.")
    start: str | None = Field(None, max_length=40, description="ISO date or datetime.")
    end: str | None = Field(None, max_length=40, description="ISO date (included) or datetime.")


class HeldOut(Schema):
    client: ClientRefOut
    spans: list[SpanOut]


@ownership_router.get("/held", response=Page[HeldOut], summary="Clients held in a period")
def held(request: HttpRequest, page: Query[PageQuery], query: Query[HeldQuery]) -> dict[str, Any]:
    """The clients a colleague (or an owner roster entry) held in [start, end) — as owner,
    manager, holder of a titled role or member — among those you see in full now, e.g.
    `?colleague_id=7&role=owner&start=2025-07-01&end=2025-09-30` for 2025-Q3."""
    actor = api_colleague(request)
    if (query.colleague_id is None) == (query.owner_id is None):
        raise _invalid("colleague_id", _("Donnez soit un collaborateur, soit un responsable."))
    start = _moment(query.start, "start") if query.start else None
    end = _moment(query.end, "end", end=True) if query.end else None
    if start is not None and end is not None and end <= start:
        raise _invalid("end", _("La fin de la période doit suivre son début."))
    colleague = None
    if query.colleague_id is not None:
        colleague = Colleague.objects.filter(firm_id=actor.firm_id, pk=query.colleague_id).first()
        if colleague is None:
            raise _invalid("colleague_id", _("Collaborateur inconnu."))
    who: dict[str, Any] = {"colleague": colleague, "owner": query.owner_id}
    result = paginate(
        ownership_history.held_clients(actor, **who), page, order=("search_name", "id")
    )
    found = ownership_history.held_in(
        actor, list(result["items"]), start=start, end=end, role=query.role, **who
    )
    by_client: dict[int, list[dict[str, Any]]] = {}
    for item in found:
        by_client.setdefault(item.client.pk, []).append(_span(item.span))
    result["items"] = [
        {"client": {"id": client.pk, "display_name": client.display_name}, "spans": spans}
        for client in result["items"]
        if (spans := by_client.get(client.pk))
    ]
    return result
