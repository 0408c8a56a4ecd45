"""Bulk changes of the client team (docs/coverage.md): one owner or one manager for many
clients at once, as the coverage monitor's fix does. Each comes as a plan (what would
change, what the actor may not change) and its application, one transaction with one
history event per client changed and one notification to the new owner or manager.

Decisions where the product text is silent:
- A client the actor does not see in full is left out silently (it does not exist for
  them); one they see in full but may not change (they are neither an admin nor its owner
  or manager) is listed as refused, by name, and left as it is; the rest is applied.
- A client that already has this owner or manager is counted as unchanged: no event, no
  notification.
- The new owner or manager gets one notification for the whole change: naming the client
  when they are given one, else how many they were given (notifications.notify_many).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from portefeuille.access.guards import check_owner
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import Level, can_edit_team
from portefeuille.audit.services import audit_ref, new_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import require_active
from portefeuille.firms.models import Colleague
from portefeuille.notifications.kinds import MANAGER_GIVEN, OWNER_GIVEN
from portefeuille.notifications.services import notify_many

from .checks import AUDIT_BATCH, bulk_record, fresh_firm, require_active_colleague, update_clients


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk change does: the clients it changes, how many already had the value, and
    the clients the actor sees in full but may not change (left as they are)."""

    changed: list[Contact] = field(default_factory=list)
    unchanged: int = 0
    refused: list[Contact] = field(default_factory=list)


def _clients(actor: Colleague, client_ids: Collection[int], *, lock: bool) -> list[Contact]:
    """The given clients the actor sees in full, by id, with their owner and manager."""
    ids = sorted({int(pk) for pk in client_ids})
    found: list[Contact] = []
    for start in range(0, len(ids), AUDIT_BATCH):
        rows = (
            Contact.objects.visible_to(actor, Level.FULL)
            .filter(pk__in=ids[start : start + AUDIT_BATCH])
            .select_related("owner__colleague", "manager")
            .order_by("pk")
        )
        if lock:
            rows = rows.select_for_update(of=("self",))
        found.extend(rows)
    return found


def _plan(
    actor: Colleague, client_ids: Collection[int], attribute: str, value: Any, *, lock: bool
) -> BulkPlan:
    wanted = value.pk if value is not None else None
    changed: list[Contact] = []
    refused: list[Contact] = []
    unchanged = 0
    for client in _clients(actor, client_ids, lock=lock):
        if not can_edit_team(actor, client):
            refused.append(client)
        elif getattr(client, f"{attribute}_id") == wanted:
            unchanged += 1
        else:
            changed.append(client)
    return BulkPlan(changed=changed, unchanged=unchanged, refused=refused)


def _check_owner(actor: Colleague, owner: OwnerEntry) -> None:
    require_active(actor)
    check_owner(actor, fresh_firm(actor), owner)


def _check_manager(actor: Colleague, manager: Colleague) -> None:
    require_active(actor)
    require_active_colleague(actor, manager, "manager")


def plan_bulk_owner(
    *, actor: Colleague, client_ids: Collection[int], owner: OwnerEntry
) -> BulkPlan:
    """What `bulk_set_owner` would do now (nothing is written)."""
    _check_owner(actor, owner)
    return _plan(actor, client_ids, "owner", owner, lock=False)


def plan_bulk_manager(
    *, actor: Colleague, client_ids: Collection[int], manager: Colleague
) -> BulkPlan:
    """What `bulk_set_manager` would do now (nothing is written)."""
    _check_manager(actor, manager)
    return _plan(actor, client_ids, "manager", manager, lock=False)


def _apply(
    actor: Colleague, plan: BulkPlan, attribute: str, value: OwnerEntry | Colleague, kind: str
) -> None:
    bulk_record(
        new_event(
            actor=actor,
            action=f"client.{attribute}_changed",
            client=client,
            before={attribute: audit_ref(getattr(client, attribute))},
            after={attribute: audit_ref(value)},
        )
        for client in plan.changed
    )
    update_clients(plan.changed, **{attribute: value})
    recipient = value.colleague if isinstance(value, OwnerEntry) else value
    if recipient is None:  # a manual owner, known by name only: nobody to tell
        return
    # The filter of the contacts list showing them (notifications/reading.py).
    link = {"owner_id": value.pk} if isinstance(value, OwnerEntry) else {"manager_id": value.pk}
    notify_many(kind=kind, recipient=recipient, clients=plan.changed, actor=actor, params=link)


@transaction.atomic
def bulk_set_owner(*, actor: Colleague, client_ids: Collection[int], owner: OwnerEntry) -> BulkPlan:
    """Gives `owner` (a roster entry) to each of the clients the actor may change, in one
    transaction; returns what was done (see BulkPlan)."""
    _check_owner(actor, owner)
    plan = _plan(actor, client_ids, "owner", owner, lock=True)
    _apply(actor, plan, "owner", owner, OWNER_GIVEN)
    return plan


@transaction.atomic
def bulk_set_manager(
    *, actor: Colleague, client_ids: Collection[int], manager: Colleague
) -> BulkPlan:
    """Makes `manager` (an active colleague) the manager of each of the clients the actor
    may change, in one transaction; returns what was done (see BulkPlan)."""
    _check_manager(actor, manager)
    plan = _plan(actor, client_ids, "manager", manager, lock=True)
    _apply(actor, plan, "manager", manager, MANAGER_GIVEN)
    return plan
