"""A client's communication address: its manager's e-mail, else its portfolio's, else the
firm's general e-mail, with where it comes from; on the client page and in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portefeuille.access.communication import AddressSource, communication_address
from portefeuille.api.testing import fast_password_hashing, token_headers  # noqa: F401
from portefeuille.firms.models import Colleague, Firm
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    PortfolioFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def admin() -> Colleague:
    admin = AdminFactory.create()
    Firm.objects.filter(pk=admin.firm_id).update(general_email="accueil@cabinet.example")
    admin.firm.refresh_from_db()
    return admin


def test_the_manager_comes_first_then_the_portfolio_then_the_firm(admin: Colleague) -> None:
    manager = ColleagueFactory.create(firm=admin.firm, email="gestion@cabinet.example")
    portfolio = PortfolioFactory.create(firm=admin.firm, email="nord@cabinet.example")
    client = ClientFactory.create(firm=admin.firm, manager=manager, portfolio=portfolio)

    first = communication_address(client)
    assert first is not None
    assert (first.email, first.source) == ("gestion@cabinet.example", AddressSource.MANAGER)

    client.manager = None
    second = communication_address(client)
    assert second is not None
    assert (second.email, second.source) == ("nord@cabinet.example", AddressSource.PORTFOLIO)

    client.portfolio = PortfolioFactory.create(firm=admin.firm, email="")
    third = communication_address(client)
    assert third is not None
    assert (third.email, third.source) == ("accueil@cabinet.example", AddressSource.FIRM)


def test_a_deactivated_manager_is_skipped_and_nothing_set_is_none(admin: Colleague) -> None:
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)
    client = ClientFactory.create(firm=admin.firm, manager=gone)
    address = communication_address(client)
    assert address is not None
    assert address.source == AddressSource.FIRM

    Firm.objects.filter(pk=admin.firm_id).update(general_email="")
    client = ClientFactory.create(firm=admin.firm)
    client.firm.refresh_from_db()
    assert communication_address(client) is None


def test_the_api_gives_the_address_and_its_source(client: Client, admin: Colleague) -> None:
    portfolio = PortfolioFactory.create(firm=admin.firm, email="nord@cabinet.example")
    contact = ClientFactory.create(firm=admin.firm, portfolio=portfolio)

    answer = client.get(f"/api/v1/contacts/{contact.pk}", headers=token_headers(admin))

    assert answer.status_code == 200, answer.content
    assert answer.json()["communication_address"] == {
        "email": "nord@cabinet.example",
        "source": "portfolio",
    }
    listed = client.get("/api/v1/contacts?mine=false", headers=token_headers(admin)).json()
    row = next(item for item in listed["items"] if item["id"] == contact.pk)
    assert row["communication_address"]["source"] == "portfolio"


def test_the_client_page_shows_the_address_and_its_source(client: Client, admin: Colleague) -> None:
    manager = ColleagueFactory.create(firm=admin.firm, email="gestion@cabinet.example")
    contact = ClientFactory.create(firm=admin.firm, manager=manager)
    client.force_login(admin)

    page = client.get(reverse("contacts:detail", args=[contact.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="mailto:gestion@cabinet.example"' in html
    assert "e-mail du gestionnaire" in html
