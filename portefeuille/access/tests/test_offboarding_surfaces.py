"""Offboarding through the API, the pages and `portefeuille offboard` (docs/offboarding.md):
the 422 that names what a colleague holds, and a plan created, edited, previewed, applied."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from portefeuille.access.models import OffboardingPlan, OwnerEntry
from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    PortfolioFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "fresh_rate_limits"),
]


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def _leaver(admin: Colleague) -> Colleague:
    leaver = ColleagueFactory.create(firm=admin.firm, first_name="Léa", last_name="Part")
    entry = OwnerEntry.objects.create(firm=admin.firm, colleague=leaver)
    ClientFactory.create_batch(2, firm=admin.firm, owner=entry)
    ClientFactory.create(firm=admin.firm, manager=leaver)
    return leaver


@pytest.mark.parametrize("how", ["deactivate", "delete"])
def test_the_api_refuses_to_let_a_holder_leave_without_a_choice(
    client: Client, admin: Colleague, how: str
) -> None:
    leaver = _leaver(admin)
    url = f"/api/v1/colleagues/{leaver.pk}"
    headers = token_headers(admin)
    call = client.post if how == "deactivate" else client.delete
    target = f"{url}/deactivate" if how == "deactivate" else url

    refused = call(target, headers=headers)

    assert refused.status_code == 422
    body = refused.json()
    assert body["type"].endswith(":holds-clients")
    assert body["holds"]["owner"] == 2
    assert body["holds"]["manager"] == 1
    assert "responsable de 2 clients" in body["detail"]
    assert "gestionnaire de 1 client" in body["detail"]
    assert Colleague.objects.filter(pk=leaver.pk, is_active=True).exists()

    allowed = call(f"{target}?transfer=false", headers=headers)

    assert allowed.status_code in (200, 204)
    assert not Colleague.objects.filter(pk=leaver.pk, is_active=True).exists()


def test_a_plan_through_the_api(client: Client, admin: Colleague) -> None:
    leaver = _leaver(admin)
    successor = ColleagueFactory.create(firm=admin.firm)
    OwnerEntry.objects.create(firm=admin.firm, colleague=successor)
    headers = token_headers(admin)

    created = client.post(
        "/api/v1/offboarding",
        {"colleague_id": leaver.pk, "action": "deactivate"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert {item["kind"] for item in plan["items"]} == {"owner", "manager"}
    patched = client.patch(
        f"/api/v1/offboarding/{plan['id']}",
        {"assign": [{"successor_id": successor.pk}]},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200, patched.content
    assert all(item["successor"]["id"] == successor.pk for item in patched.json()["items"])
    preview = client.get(f"/api/v1/offboarding/{plan['id']}/preview", headers=headers).json()
    assert preview["ready"] is True
    assert preview["by_successor"] == [{"name": successor.full_name, "places": 3}]

    applied = client.post(f"/api/v1/offboarding/{plan['id']}/apply", headers=headers)

    assert applied.status_code == 200, applied.content
    assert applied.json()["changes"] == 3
    assert Contact.objects.filter(owner__colleague=successor).count() == 2
    again = client.post(f"/api/v1/offboarding/{plan['id']}/apply", headers=headers)
    assert again.status_code == 422


def test_an_api_apply_after_the_clients_changed_names_the_changes(
    client: Client, admin: Colleague
) -> None:
    leaver = _leaver(admin)
    headers = token_headers(admin)
    plan = client.post(
        "/api/v1/offboarding",
        {"colleague_id": leaver.pk, "action": "delete"},
        content_type="application/json",
        headers=headers,
    ).json()
    gained = ClientFactory.create(firm=admin.firm, manager=leaver)

    refused = client.post(f"/api/v1/offboarding/{plan['id']}/apply", headers=headers)

    assert refused.status_code == 422
    assert refused.json()["changes"][0]["client_id"] == gained.pk
    assert refused.json()["changes"][0]["change"] == "new"
    assert Colleague.objects.filter(pk=leaver.pk).exists()


def test_a_plan_of_another_firm_is_not_found_and_staff_may_not(
    client: Client, admin: Colleague
) -> None:
    leaver = _leaver(admin)
    plan = OffboardingPlan.objects.create(
        firm=admin.firm, colleague=leaver, colleague_name="x", action="deactivate"
    )
    stranger = AdminFactory.create()
    staff = ColleagueFactory.create(firm=admin.firm)
    url = f"/api/v1/offboarding/{plan.pk}/preview"
    assert client.get(url, headers=token_headers(stranger)).status_code == 404
    assert client.get(url, headers=token_headers(staff)).status_code == 403


def test_a_plan_for_an_unknown_or_foreign_colleague_is_a_422_on_colleague_id(
    client: Client, admin: Colleague
) -> None:
    foreign = ColleagueFactory.create()
    for pk in (10**12, foreign.pk):
        refused = client.post(
            "/api/v1/offboarding",
            {"colleague_id": pk, "action": "deactivate"},
            content_type="application/json",
            headers=token_headers(admin),
        )
        problem = assert_problem(refused, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "colleague_id"]]
        assert str(pk) in problem["detail"]
    assert not OffboardingPlan.objects.exists()


def test_places_that_are_not_of_the_plan_are_a_422_on_items(
    client: Client, admin: Colleague
) -> None:
    headers = token_headers(admin)
    plan = client.post(
        "/api/v1/offboarding",
        {"colleague_id": _leaver(admin).pk, "action": "deactivate"},
        content_type="application/json",
        headers=headers,
    ).json()
    other = client.post(
        "/api/v1/offboarding",
        {"colleague_id": _leaver(admin).pk, "action": "deactivate"},
        content_type="application/json",
        headers=headers,
    ).json()
    successor = ColleagueFactory.create(firm=admin.firm)
    mine = plan["items"][0]["id"]
    for foreign in (other["items"][0]["id"], 10**12):
        refused = client.patch(
            f"/api/v1/offboarding/{plan['id']}",
            {"assign": [{"items": [mine, foreign], "successor_id": successor.pk}]},
            content_type="application/json",
            headers=headers,
        )
        problem = assert_problem(refused, 422)
        assert [error["loc"][-1] for error in problem["errors"]] == ["items"]
        assert str(foreign) in problem["detail"]
    assert not OffboardingPlan.objects.get(pk=plan["id"]).items.filter(successor=successor).exists()


def test_the_offboard_command_previews_then_applies(admin: Colleague) -> None:
    leaver = _leaver(admin)
    successor = ColleagueFactory.create(firm=admin.firm, first_name="Jean", last_name="Suit")
    OwnerEntry.objects.create(firm=admin.firm, colleague=successor)
    out = StringIO()

    call_command("offboard", leaver.email, "--to", successor.email, "--dry-run", stdout=out)

    assert "Léa Part -> Jean Suit" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert Colleague.objects.get(pk=leaver.pk).is_active
    out = StringIO()
    call_command("offboard", leaver.email, "--to", successor.email, "--delete", stdout=out)
    assert "Applied: 3 changes" in out.getvalue()
    assert not Colleague.objects.filter(pk=leaver.pk).exists()
    assert Contact.objects.filter(manager=successor).count() == 1


def test_the_offboard_command_refuses_a_successor_off_the_roster(admin: Colleague) -> None:
    leaver = _leaver(admin)
    successor = ColleagueFactory.create(firm=admin.firm)

    with pytest.raises(CommandError, match="liste des responsables clients"):
        call_command("offboard", leaver.email, "--to", successor.email, stdout=StringIO())

    assert Colleague.objects.get(pk=leaver.pk).is_active
    assert not OffboardingPlan.objects.exists()


def test_the_web_plan_split_by_portfolio_and_selection(client: Client, admin: Colleague) -> None:
    leaver = ColleagueFactory.create(firm=admin.firm)
    north = PortfolioFactory.create(firm=admin.firm)
    a, b = ColleagueFactory.create_batch(2, firm=admin.firm)
    inside = ClientFactory.create_batch(3, firm=admin.firm, manager=leaver, portfolio=north)
    outside = ClientFactory.create_batch(2, firm=admin.firm, manager=leaver)
    client.force_login(admin)

    page = client.get(reverse("firms:colleague_action", args=[leaver.pk, "deactivate"]))
    assert "Préparer le plan de départ" in page.content.decode()
    assert "gestionnaire de 5 clients" in page.content.decode()
    started = client.post(reverse("offboarding:start", args=[leaver.pk, "deactivate"]))
    plan = OffboardingPlan.objects.get()
    assert started["Location"] == reverse("offboarding:plan", args=[plan.pk])
    client.post(
        reverse("offboarding:assign", args=[plan.pk]),
        {"scope": "portfolio", "portfolio": north.pk, "successor": a.pk},
    )
    items = [i.pk for i in plan.items.filter(client__in=outside)]
    client.post(
        reverse("offboarding:assign", args=[plan.pk]),
        {"scope": "selection", "items": items, "successor": b.pk},
    )
    preview = client.get(reverse("offboarding:preview", args=[plan.pk])).content.decode()
    assert "Appliquer le plan" in preview
    client.post(reverse("offboarding:apply", args=[plan.pk]), {"confirm": "on"})

    assert Contact.objects.filter(pk__in=[c.pk for c in inside], manager=a).count() == 3
    assert Contact.objects.filter(pk__in=[c.pk for c in outside], manager=b).count() == 2
    assert not Colleague.objects.get(pk=leaver.pk).is_active
