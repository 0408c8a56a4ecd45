"""Ids and dates that look like numbers but are not (superscript digits, Arabic-Indic
digits, 30-digit ids, the last day of the calendar) are refused like any bad choice: a
page or a 422, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portefeuille.api.testing import token_headers
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import AdminFactory, OwnerEntryFactory

pytestmark = pytest.mark.django_db

ODD = ["²", "١٢", "9" * 30]


@pytest.fixture
def admin() -> Colleague:
    colleague = AdminFactory.create()
    firm = colleague.firm
    firm.ownership_enabled = True
    firm.save(update_fields=["ownership_enabled"])
    return colleague


@pytest.fixture
def signed_in(client: Client, admin: Colleague) -> Client:
    client.force_login(admin)
    return client


@pytest.mark.parametrize("odd", ODD)
def test_odd_ids_in_filters_and_forms_are_not_server_errors(
    signed_in: Client, admin: Colleague, odd: str
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Maître Durand")
    answers = [
        signed_in.get(reverse("contacts:list"), {"owner": odd, "view": "all"}),
        signed_in.get(reverse("audit:firm_history"), {"client": odd}),
        signed_in.post(reverse("owners:owner_add"), {"colleague": odd}),
        signed_in.post(reverse("owners:owner_remove", args=[entry.pk]), {"transfer_to": odd}),
        signed_in.post(reverse("owners:owner_transfer", args=[entry.pk]), {"to_owner": odd}),
        signed_in.post(
            reverse("contacts:coverage_fix"),
            {"target": "manager", "manager": odd, "coverage": "no_manager", "scope": "all"},
        ),
    ]

    assert [answer.status_code < 500 for answer in answers] == [True] * len(answers)


def test_a_period_ending_on_the_last_day_of_the_calendar_is_a_422(
    client: Client, admin: Colleague
) -> None:
    answer = client.get(
        "/api/v1/ownership/held",
        {"colleague_id": str(admin.pk), "end": "9999-12-31"},
        headers=token_headers(admin),
    )

    assert answer.status_code == 422
