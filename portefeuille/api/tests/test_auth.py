"""Who may call the API: tokens act as their colleague; sessions need CSRF for writes."""

import pytest
from django.test import Client

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.firms.models import Colleague
from portefeuille.firms.services import deactivate_colleague, revoke_api_token
from portefeuille.testing.factories import AdminFactory, ColleagueFactory

pytestmark = pytest.mark.django_db


def test_a_token_acts_as_its_colleague(client: Client) -> None:
    colleague = ColleagueFactory.create()

    response = client.get("/api/v1/me", headers=token_headers(colleague))

    assert response.status_code == 200
    assert response.json()["id"] == colleague.pk


def test_a_deactivated_colleagues_token_is_refused_at_once(client: Client) -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    headers = token_headers(colleague)
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    deactivate_colleague(actor=admin, colleague=colleague)

    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_a_token_stops_when_its_colleague_is_marked_inactive_by_any_means(client: Client) -> None:
    colleague = ColleagueFactory.create()
    headers = token_headers(colleague)

    Colleague.objects.filter(pk=colleague.pk).update(is_active=False)

    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_a_revoked_token_is_refused(client: Client) -> None:
    colleague = ColleagueFactory.create()
    headers = token_headers(colleague)
    revoke_api_token(actor=colleague, token=colleague.api_tokens.get())

    assert_problem(client.get("/api/v1/me", headers=headers), 401)


@pytest.mark.parametrize(
    "value", ["Bearer nonsense", "Bearer pf_abcdefgh_wrong", "Bearer ", "Basic x"]
)
def test_an_unknown_token_is_refused(client: Client, value: str) -> None:
    assert_problem(client.get("/api/v1/me", headers={"Authorization": value}), 401)


def test_a_bad_token_is_refused_even_with_a_valid_session(client: Client) -> None:
    client.force_login(ColleagueFactory.create())

    response = client.get("/api/v1/me", headers={"Authorization": "Bearer pf_abcdefgh_wrong"})

    assert_problem(response, 401)


def test_a_signed_in_browser_reads_with_its_session(client: Client) -> None:
    colleague = ColleagueFactory.create()
    client.force_login(colleague)

    assert client.get("/api/v1/me").json()["id"] == colleague.pk


def test_a_session_write_without_csrf_token_is_refused() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ColleagueFactory.create())

    response = browser.patch(
        "/api/v1/me", data={"first_name": "Zoé"}, content_type="application/json"
    )

    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]


def test_a_session_write_with_the_csrf_token_goes_through() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ColleagueFactory.create())
    browser.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does
    csrf = browser.cookies["csrftoken"].value

    response = browser.patch(
        "/api/v1/me",
        data={"first_name": "Zoé"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Zoé"


def test_an_anonymous_write_is_a_401_not_a_csrf_refusal() -> None:
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/api/v1/teams", data={"name": "X"}, content_type="application/json")

    assert_problem(response, 401)


def test_token_writes_need_no_csrf_token() -> None:
    browser = Client(enforce_csrf_checks=True)
    colleague = ColleagueFactory.create()

    response = browser.patch(
        "/api/v1/me",
        data={"first_name": "Zoé"},
        content_type="application/json",
        headers=token_headers(colleague),
    )

    assert response.status_code == 200


def test_a_deactivated_colleagues_session_is_refused(client: Client) -> None:
    colleague = ColleagueFactory.create()
    client.force_login(colleague)

    Colleague.objects.filter(pk=colleague.pk).update(is_active=False)

    assert_problem(client.get("/api/v1/me"), 401)
