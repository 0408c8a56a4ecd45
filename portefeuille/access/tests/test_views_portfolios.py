"""The portfolio admin pages: admins only, staff and clients edited through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portefeuille.access.models import Portfolio, PortfolioStaff
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
    PortfolioFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm)


def browse(colleague: Colleague) -> Client:
    client = Client()
    client.force_login(colleague)
    return client


def test_portfolio_pages_are_403_for_staff(firm: Firm) -> None:
    portfolio = PortfolioFactory.create(firm=firm)
    staff = browse(ColleagueFactory.create(firm=firm))
    for url in [
        reverse("access:portfolio_list"),
        reverse("access:portfolio_create"),
        reverse("access:portfolio_edit", args=[portfolio.pk]),
        reverse("access:portfolio_delete", args=[portfolio.pk]),
    ]:
        assert staff.get(url).status_code == 403
    assert staff.post(reverse("access:portfolio_delete", args=[portfolio.pk])).status_code == 403
    assert Portfolio.objects.filter(pk=portfolio.pk).exists()


def test_other_firms_portfolio_is_404(admin: Colleague) -> None:
    foreign = PortfolioFactory.create(firm=FirmFactory.create())
    browser = browse(admin)
    assert browser.get(reverse("access:portfolio_edit", args=[foreign.pk])).status_code == 404
    response = browser.post(
        reverse("access:portfolio_change", args=[foreign.pk, "staff"]), {"colleague": admin.pk}
    )
    assert response.status_code == 404


def test_admin_creates_staffs_fills_and_deletes_a_portfolio(firm: Firm, admin: Colleague) -> None:
    browser = browse(admin)
    response = browser.post(
        reverse("access:portfolio_create"), {"name": "Nord", "email": "nord@example.com"}
    )
    portfolio = Portfolio.objects.get(firm=firm, name="Nord")
    assert response["Location"] == reverse("access:portfolio_edit", args=[portfolio.pk])
    team = TeamFactory.create(firm=firm, name="Paie")
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    change = reverse("access:portfolio_change", args=[portfolio.pk, "staff"])
    browser.post(change, {"team": team.pk})
    browser.post(change, {"colleague": lea.pk})
    assert PortfolioStaff.objects.filter(portfolio=portfolio).count() == 2

    elsewhere = PortfolioFactory.create(firm=firm, name="Sud")
    client = ClientFactory.create(firm=firm, display_name="Élan SA", portfolio=elsewhere)
    page = browser.get(
        reverse("access:portfolio_edit", args=[portfolio.pk]), {"client_q": "elan"}
    ).content.decode()
    assert "Élan SA" in page
    assert "quittera le portefeuille « Sud »" in page
    browser.post(
        reverse("access:portfolio_change", args=[portfolio.pk, "add_client"]), {"client": client.pk}
    )
    client.refresh_from_db()
    assert client.portfolio == portfolio
    listing = browser.get(reverse("access:portfolio_list")).content.decode()
    assert "Nord" in listing
    assert "Léa Bernard" in listing

    browser.post(
        reverse("access:portfolio_change", args=[portfolio.pk, "unstaff"]), {"colleague": lea.pk}
    )
    assert not PortfolioStaff.objects.filter(portfolio=portfolio, colleague=lea).exists()
    browser.post(
        reverse("access:portfolio_change", args=[portfolio.pk, "remove_client"]),
        {"client": client.pk},
    )
    client.refresh_from_db()
    assert client.portfolio is None

    client.portfolio = portfolio
    client.save()
    confirm = browser.get(reverse("access:portfolio_delete", args=[portfolio.pk]))
    assert "Supprimer le portefeuille « Nord » ?" in confirm.content.decode()
    browser.post(reverse("access:portfolio_delete", args=[portfolio.pk]))
    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()
    assert Contact.objects.get(pk=client.pk).portfolio is None


def test_duplicate_staff_shows_the_refusal(firm: Firm, admin: Colleague) -> None:
    portfolio = PortfolioFactory.create(firm=firm)
    team = TeamFactory.create(firm=firm)
    change = reverse("access:portfolio_change", args=[portfolio.pk, "staff"])
    browser = browse(admin)
    browser.post(change, {"team": team.pk})
    response = browser.post(change, {"team": team.pk})
    assert response.status_code == 422
    assert b'class="errorlist"' in response.content
    assert PortfolioStaff.objects.filter(portfolio=portfolio).count() == 1
