"""API of offboarding plans (/api/v1/offboarding, docs/offboarding.md): create a plan for
a colleague who leaves, read it, set successors, preview, apply. Admins only (the services
check); a plan of another firm is the same 404 as an unknown id. An id in a body (the
colleague, a successor, a portfolio, a place) that names nothing of the firm, or no place of
the plan, is a 422 on its field, as everywhere in the API.

Thin adapters over access/offboarding.py. A plan is one resource: its places come with it
(a colleague holds at most a few thousand places; no paging)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from portefeuille.api.auth import api_colleague
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import get_all_or_422, get_or_404
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.api_clients import pick
from portefeuille.firms.guards import require_admin
from portefeuille.firms.models import Colleague

from . import offboarding
from .models import OffboardingItem, OffboardingPlan, OwnerEntry, Portfolio

router = Router(tags=["offboarding"])

Kind = Literal["owner", "manager", "role", "member", "portfolio_staff", "team_member"]


class PlanIn(InputSchema):
    colleague_id: int = Field(description="The colleague who leaves.")
    action: Literal["deactivate", "delete"] = Field(
        description="What happens to them once the plan is applied."
    )


class Assignment(InputSchema):
    """One group of places and who takes them. The group is every place of the plan that
    matches ALL the selectors given (none: every place)."""

    items: list[int] | None = Field(default=None, description="Place ids of the plan.")
    portfolio_id: int | None = Field(
        default=None, description="The places on this portfolio's clients, and its staff place."
    )
    roles: list[Kind] | None = Field(default=None, description="Only places of these kinds.")
    successor_id: int | None = Field(
        description="The colleague who takes them; null: nobody (the place is emptied). For "
        "an owner place, the colleague must be on the owner roster."
    )
    successor_owner_id: int | None = Field(
        default=None,
        description="An owner roster entry (e.g. a manual owner) for the owner places of the "
        "group, instead of successor_id.",
    )


class PlanUpdate(InputSchema):
    assign: list[Assignment] = Field(description="Applied in order, all or nothing.")


class PersonRef(Schema):
    id: int | None
    name: str


class ItemOut(Schema):
    id: int
    kind: str = Field(description="owner, manager, role, member, portfolio_staff, team_member")
    role: str = Field(description="The place, worded for the reader (a role slot's title).")
    client_id: int | None
    client_name: str
    slot: int | None
    portfolio_id: int | None
    team_id: int | None
    before: str = Field(description="Who holds it now: the colleague who leaves.")
    successor: PersonRef | None = Field(description="Who will hold it; null: nobody.")


class IssueOut(Schema):
    item_id: int
    code: str
    message: str
    blocking: bool


class ChangeOut(Schema):
    change: Literal["gone", "new", "successor_gone"]
    kind: str
    client_id: int | None
    slot: int | None
    portfolio_id: int | None
    team_id: int | None
    message: str


class PlanOut(Schema):
    id: int
    colleague_id: int | None
    colleague_name: str
    action: str
    created_at: str
    applied_at: str | None
    items: list[ItemOut]


class SuccessorCount(Schema):
    name: str
    places: int


class PreviewOut(Schema):
    plan_id: int
    ready: bool = Field(description="True when the plan can be applied as it is.")
    items: list[ItemOut]
    issues: list[IssueOut] = Field(description="Blocking ones refuse the apply.")
    changes: list[ChangeOut] = Field(
        description="Places the colleague gained or lost since the plan was made: the plan "
        "can no longer be applied."
    )
    by_successor: list[SuccessorCount]


class AppliedOut(Schema):
    plan_id: int
    changes: int = Field(description="How many places changed hands.")
    notified: int = Field(description="How many notifications were sent.")


def _plan(actor: Colleague, plan_id: int) -> OffboardingPlan:
    return get_or_404(OffboardingPlan.objects.filter(firm_id=actor.firm_id), plan_id)


def _item_out(row: offboarding.Row) -> ItemOut:
    item = row.item
    successor: PersonRef | None = None
    if row.after is not None:
        successor = PersonRef(
            id=item.successor_id if item.successor_owner_id is None else None, name=row.after
        )
    return ItemOut(
        id=item.pk,
        kind=row.kind,
        role=row.role,
        client_id=row.client_id,
        client_name=row.client_name,
        slot=item.slot,
        portfolio_id=row.portfolio_id,
        team_id=item.team_id,
        before=row.before,
        successor=successor,
    )


def _plan_out(preview: offboarding.Preview) -> PlanOut:
    plan = preview.plan
    return PlanOut(
        id=plan.pk,
        colleague_id=plan.colleague_id,
        colleague_name=plan.colleague_name,
        action=plan.action,
        created_at=plan.created_at.isoformat(),
        applied_at=plan.applied_at.isoformat() if plan.applied_at else None,
        items=[_item_out(row) for row in preview.rows],
    )


@router.post(
    "",
    response={201: PlanOut, **problem_responses(403)},
    summary="Prepare the offboarding of a colleague (admins)",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[PlanOut]:
    """Every place the colleague holds (owner, manager, role slots, client-team member,
    portfolio staff, team with clients), each with a proposed successor: the client's
    manager, else a colleague staffing its portfolio, else nobody."""
    actor = api_colleague(request)
    require_admin(actor)  # before the body's ids are looked up
    # An id in a body names nothing of the caller's firm: a 422 on its field (api/lookup.py).
    colleague = pick(
        Colleague.objects.filter(firm_id=actor.firm_id), payload.colleague_id, "colleague_id"
    )
    plan = offboarding.create_offboarding_plan(
        actor=actor, colleague=colleague, action=payload.action
    )
    return Status(201, _plan_out(offboarding.preview_offboarding(actor=actor, plan=plan)))


@router.get("/{plan_id}", response={200: PlanOut, **problem_responses(403)}, summary="A plan")
def get_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    actor = api_colleague(request)
    plan = _plan(actor, plan_id)
    return _plan_out(offboarding.preview_offboarding(actor=actor, plan=plan))


@router.patch(
    "/{plan_id}",
    response={200: PlanOut, **problem_responses(403)},
    summary="Choose successors in a plan (admins)",
)
def update_plan(request: HttpRequest, plan_id: int, payload: PlanUpdate) -> PlanOut:
    """Each assignment gives a group of places to a successor, e.g. all the places on the
    clients of portfolio 7 to colleague 12, then places 31 and 32 to colleague 15."""
    actor = api_colleague(request)
    plan = _plan(actor, plan_id)
    require_admin(actor)  # before the body's ids are looked up
    colleagues = Colleague.objects.filter(firm_id=actor.firm_id)
    owners = OwnerEntry.objects.filter(firm_id=actor.firm_id).select_related("colleague")
    portfolios = Portfolio.objects.filter(firm_id=actor.firm_id)
    places = OffboardingItem.objects.filter(firm_id=actor.firm_id, plan=plan)
    # The ids of the body that name nothing of the firm (or no place of this plan) are a
    # 422 on their field, like every id the API reads from a body (api/lookup.py).
    changes = [
        {
            "successor": pick(colleagues, one.successor_id, "successor_id"),
            "successor_owner": pick(owners, one.successor_owner_id, "successor_owner_id"),
            "item_ids": (
                None
                if one.items is None
                else [item.pk for item in get_all_or_422(places, one.items, field="items")]
            ),
            "portfolio": pick(portfolios, one.portfolio_id, "portfolio_id"),
            "kinds": one.roles,
        }
        for one in payload.assign
    ]
    offboarding.set_offboarding_successor_groups(actor=actor, plan=plan, groups=changes)
    return _plan_out(offboarding.preview_offboarding(actor=actor, plan=plan))


@router.get(
    "/{plan_id}/preview",
    response={200: PreviewOut, **problem_responses(403)},
    summary="The result of a plan, before applying it",
)
def preview_plan(request: HttpRequest, plan_id: int) -> PreviewOut:
    actor = api_colleague(request)
    preview = offboarding.preview_offboarding(actor=actor, plan=_plan(actor, plan_id))
    return PreviewOut(
        plan_id=preview.plan.pk,
        ready=preview.ready,
        items=[_item_out(row) for row in preview.rows],
        issues=[
            IssueOut(
                item_id=row.item.pk,
                code=issue.code,
                message=issue.message,
                blocking=issue.blocking,
            )
            for row in preview.rows
            for issue in row.issues
        ],
        changes=[ChangeOut(**change.as_dict()) for change in preview.changes],
        by_successor=[
            SuccessorCount(name=name, places=count) for name, count in preview.by_successor()
        ],
    )


@router.post(
    "/{plan_id}/apply",
    response={200: AppliedOut, **problem_responses(403)},
    summary="Apply a plan: hand everything over, then deactivate or delete (admins)",
)
def apply_plan(request: HttpRequest, plan_id: int) -> AppliedOut:
    """One transaction. Refused (422, nothing applied) when a place would be refused, or
    when the colleague's places changed since the plan was made (`changes` in the problem
    details says which: make a new plan)."""
    actor = api_colleague(request)
    applied = offboarding.apply_offboarding(actor=actor, plan=_plan(actor, plan_id))
    return AppliedOut(plan_id=applied.plan.pk, changes=applied.changed, notified=applied.notified)
