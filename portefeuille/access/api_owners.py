"""API of the owner roster (/api/v1/owners): listing it, adding a colleague or a manual owner,
removing one (saying where their clients go), and transferring all of one owner's clients to
another. Thin adapters over access/services/owners.py.

Decisions where the spec is silent:
- Every colleague may list and read the roster (it is what the owner picker offers); the
  writes are for admins (the services check). `client_count` counts the clients the caller
  sees in full, so nobody learns of a client they may not see.
- DELETE takes the choice in its query: `transfer_to=<owner id>`, or `transfer=false` to
  leave the clients without an owner. An owner who has clients is not removed without one
  of the two (422, naming how many); both at once is a 422 too.
- Owners named in a body or a query (`to_owner_id`, `transfer_to`) that are unknown or of
  another firm are a 422 on that field, like every id the API reads from a body; the owner
  of the path is a 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from portefeuille.api.auth import api_colleague
from portefeuille.api.errors import in_query, problem_responses, renamed
from portefeuille.api.lookup import Id, get_or_404
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.contacts.api_clients import colleague_ref, pick
from portefeuille.firms.guards import UNSET, Unset, require_admin
from portefeuille.firms.models import Colleague

from . import rules, services
from .models import OwnerEntry
from .rules import Level
from .schemas import OwnerIn, OwnerOut, OwnerRemovedOut, OwnerTransferIn, OwnerTransferOut

router = Router(tags=["owners"])


def _roster(actor: Colleague) -> QuerySet[OwnerEntry]:
    return OwnerEntry.objects.filter(firm_id=actor.firm_id).select_related("colleague")


def _counts(actor: Colleague, entries: list[OwnerEntry]) -> dict[int, int]:
    """How many clients each entry owns among those the actor sees in full (one query)."""
    rows = (
        rules.visible_clients(actor, Level.FULL)
        .filter(owner_id__in=[entry.pk for entry in entries])
        .values("owner_id")
        .annotate(count=Count("id"))
        .values_list("owner_id", "count")
    )
    return dict(rows)


def _answers(actor: Colleague, entries: list[OwnerEntry]) -> list[dict[str, Any]]:
    counts = _counts(actor, entries)
    return [
        {
            "id": entry.pk,
            "name": str(entry),
            "colleague": colleague_ref(entry.colleague) if entry.colleague_id else None,
            "manual": entry.colleague_id is None,
            "client_count": counts.get(entry.pk, 0),
        }
        for entry in entries
    ]


def _answer(actor: Colleague, entry: OwnerEntry) -> dict[str, Any]:
    return _answers(actor, [entry])[0]


@router.get("", response=Page[OwnerOut], summary="The owner roster")
def list_owners(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    actor = api_colleague(request)
    return paginate(_roster(actor), page, order=("id",), show=lambda rows: _answers(actor, rows))


@router.post(
    "",
    response={201: OwnerOut, **problem_responses(403)},
    summary="Add a colleague or a manual owner to the roster (admins)",
)
def create_owner(request: HttpRequest, payload: OwnerIn) -> Status[dict[str, Any]]:
    """A `name` sent (even empty or null) asks for a manual owner."""
    actor = api_colleague(request)
    require_admin(actor)  # before the body's ids are looked up: staff learn none of them
    colleague = pick(
        Colleague.objects.filter(firm_id=actor.firm_id), payload.colleague_id, "colleague_id"
    )
    try:
        entry = services.add_roster_owner(
            actor=actor,
            colleague=colleague,
            name=(payload.name or "") if "name" in payload.model_fields_set else None,
            allow_manual=payload.allow_manual,
        )
    except ValidationError as error:
        # The service names its argument; the body names the field `colleague_id`.
        raise renamed(error, {"colleague": "colleague_id"}) from None
    return Status(201, _answer(actor, entry))


@router.get("/{owner_id}", response=OwnerOut, summary="An entry of the owner roster")
def get_owner(request: HttpRequest, owner_id: int) -> dict[str, Any]:
    actor = api_colleague(request)
    return _answer(actor, get_or_404(_roster(actor), owner_id))


@router.delete(
    "/{owner_id}",
    response={200: OwnerRemovedOut, **problem_responses(403)},
    summary="Remove an owner from the roster (admins), saying where their clients go",
)
def delete_owner(
    request: HttpRequest,
    owner_id: int,
    transfer_to: Id | None = None,
    transfer: bool | None = None,
) -> dict[str, Any]:
    """`transfer_to`: the owner who receives their clients; `transfer=false`: the clients
    are left without an owner. One of the two is needed when the owner has clients."""
    actor = api_colleague(request)
    entry = get_or_404(_roster(actor), owner_id)
    require_admin(actor)  # before the query's ids are looked up
    try:
        if transfer is False and transfer_to is not None:
            raise ValidationError(
                {
                    "transfer": ValidationError(
                        _(
                            "Choisissez soit un responsable qui reçoit les clients, soit de ne "
                            "pas les transférer, pas les deux."
                        ),
                        code="contradictory",
                    )
                }
            )
        target: OwnerEntry | Unset | None = UNSET
        if transfer_to is not None:
            target = pick(_roster(actor), transfer_to, "transfer_to")
        elif transfer is False:
            target = None
        count = services.remove_roster_owner(actor=actor, entry=entry, transfer_to=target)
    except ValidationError as error:
        # Both choices are query parameters.
        raise in_query(error, "transfer_to", "transfer") from None
    receiver = _answer(actor, target) if isinstance(target, OwnerEntry) else None
    return {"clients": count, "transferred_to": receiver}


@router.post(
    "/{owner_id}/transfer",
    response={200: OwnerTransferOut, **problem_responses(403)},
    summary="Give all the clients of one owner to another (admins)",
)
def transfer_owner_clients(
    request: HttpRequest, owner_id: int, payload: OwnerTransferIn
) -> dict[str, Any]:
    """In one transaction; each client's history records the change, and each side is
    notified."""
    actor = api_colleague(request)
    source = get_or_404(_roster(actor), owner_id)
    require_admin(actor)  # before the body's ids are looked up
    target = pick(_roster(actor), payload.to_owner_id, "to_owner_id")
    try:
        moved = services.transfer_clients(actor=actor, from_owner=source, to_owner=target)
    except ValidationError as error:
        # The service names its argument; the body names the field `to_owner_id`.
        raise renamed(error, {"to_owner": "to_owner_id"}) from None
    from_answer, to_answer = _answers(actor, [source, target])
    return {"moved": moved, "from_owner": from_answer, "to_owner": to_answer}
