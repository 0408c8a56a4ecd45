"""Offboarding (docs/offboarding.md): a successor chosen, deleted by another admin between
the preview and the apply, refuses the plan instead of leaving the place empty; and each
successor is told once per role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portefeuille.access import offboarding
from portefeuille.access.models import OwnerEntry
from portefeuille.access.services import remove_roster_owner
from portefeuille.api.testing import (  # noqa: F401
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms import services as firms
from portefeuille.firms.models import Colleague, Firm, RoleSlot
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    RoleAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm)


def _state() -> dict[str, Any]:
    return {
        "clients": sorted(Contact.objects.values_list("pk", "owner_id", "manager_id", "version")),
        "active": sorted(Colleague.objects.filter(is_active=True).values_list("pk", flat=True)),
        "events": AuditEvent.objects.filter(action__startswith="client.").count(),
        "notifications": Notification.objects.count(),
    }


def _leaver(firm: Firm) -> tuple[Colleague, OwnerEntry, list[Contact]]:
    leaver = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Part")
    entry = OwnerEntry.objects.create(firm=firm, colleague=leaver)
    clients = [
        ClientFactory.create(firm=firm, owner=entry, manager=leaver, display_name=f"Client {n}")
        for n in range(3)
    ]
    return leaver, entry, clients


def test_a_successor_deleted_after_the_preview_refuses_the_apply(
    firm: Firm, admin: Colleague
) -> None:
    leaver, _entry, clients = _leaver(firm)
    kept = ColleagueFactory.create(firm=firm, first_name="Kim", last_name="Reste")
    OwnerEntry.objects.create(firm=firm, colleague=kept)
    gone = ColleagueFactory.create(firm=firm, first_name="Gil", last_name="Parti")
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    offboarding.set_offboarding_successors(actor=admin, plan=plan, successor=kept)
    manager_item = next(
        item
        for item in offboarding.plan_items(plan)
        if item.kind == "manager" and item.client_id == clients[0].pk
    )
    offboarding.set_offboarding_successors(
        actor=admin, plan=plan, successor=gone, item_ids=[manager_item.pk]
    )
    assert offboarding.preview_offboarding(actor=admin, plan=plan).ready

    # Another admin deletes the chosen successor (who holds nothing) in between.
    firms.delete_colleague(actor=AdminFactory.create(firm=firm), colleague=gone)
    before = _state()

    with pytest.raises(offboarding.PlanChanged) as refused:
        offboarding.apply_offboarding(actor=admin, plan=plan)

    (change,) = refused.value.changes
    assert (change.change, change.kind, change.client_id) == (
        "successor_gone",
        "manager",
        clients[0].pk,
    )
    assert "supprimé" in change.message
    assert "Client 0" in change.message
    assert _state() == before
    assert not offboarding.preview_offboarding(actor=admin, plan=plan).ready

    # Choosing another successor for the place clears it.
    offboarding.set_offboarding_successors(
        actor=admin, plan=plan, successor=kept, item_ids=[manager_item.pk]
    )
    offboarding.apply_offboarding(actor=admin, plan=plan)
    assert set(
        Contact.objects.filter(pk__in=[c.pk for c in clients]).values_list("manager_id", flat=True)
    ) == {kept.pk}


def test_a_manual_owner_removed_from_the_roster_after_the_preview_refuses_the_apply(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    leaver, _entry, clients = _leaver(firm)
    manual = OwnerEntry.objects.create(firm=firm, name="Me Martin")
    heir = ColleagueFactory.create(firm=firm)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="delete")
    offboarding.set_offboarding_successors(
        actor=admin, plan=plan, successor=heir, successor_owner=manual
    )
    assert offboarding.preview_offboarding(actor=admin, plan=plan).ready

    remove_roster_owner(actor=AdminFactory.create(firm=firm), entry=manual, transfer_to=None)
    before = _state()

    with pytest.raises(offboarding.PlanChanged) as refused:
        offboarding.apply_offboarding(actor=admin, plan=plan)

    assert sorted((c.change, c.kind, c.client_id) for c in refused.value.changes) == sorted(
        ("successor_gone", "owner", c.pk) for c in clients
    )
    assert _state() == before
    assert Colleague.objects.filter(pk=leaver.pk).exists()
    # The API says so too, as a change.
    preview = client.get(f"/api/v1/offboarding/{plan.pk}/preview", headers=token_headers(admin))
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["ready"] is False
    assert {c["change"] for c in body["changes"]} == {"successor_gone"}
    applied = client.post(f"/api/v1/offboarding/{plan.pk}/apply", headers=token_headers(admin))
    assert applied.status_code == 422, applied.content
    assert {c["change"] for c in applied.json()["changes"]} == {"successor_gone"}


def test_each_successor_is_told_once_per_role_for_the_whole_plan(
    firm: Firm, admin: Colleague
) -> None:
    leaver, _entry, clients = _leaver(firm)
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé")
    for client in clients:
        RoleAssignmentFactory.create(firm=firm, client=client, slot=1, colleague=leaver)
        ClientMemberFactory.create(firm=firm, client=client, colleague=leaver)
    heir = ColleagueFactory.create(firm=firm)
    OwnerEntry.objects.create(firm=firm, colleague=heir)
    plan = offboarding.create_offboarding_plan(actor=admin, colleague=leaver, action="deactivate")
    offboarding.set_offboarding_successors(actor=admin, plan=plan, successor=heir)

    applied = offboarding.apply_offboarding(actor=admin, plan=plan)

    heir_entry = OwnerEntry.objects.get(colleague=heir)
    told = Notification.objects.filter(recipient=heir)
    assert not told.filter(client__isnull=False).exists()
    assert sorted(told.values_list("kind", "params")) == [
        ("client.manager_given", {"count": 3, "manager_id": heir.pk}),
        ("client.member_given", {"count": 3}),
        ("client.owner_given", {"count": 3, "owner_id": heir_entry.pk}),
        ("client.role_given", {"count": 3, "slot": 1}),
    ]
    assert applied.notified == 4
