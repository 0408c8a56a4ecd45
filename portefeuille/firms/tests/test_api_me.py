"""/api/v1/me: the calling colleague reads and changes their own name and language."""

import pytest
from django.test import Client

from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.testing.factories import ColleagueFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "fresh_rate_limits"),
]


def test_me_describes_the_caller_and_their_firm(client: Client) -> None:
    colleague = ColleagueFactory.create()

    response = client.get("/api/v1/me", headers=token_headers(colleague))

    body = response.json()
    assert body["email"] == colleague.email
    assert body["firm"] == {"id": colleague.firm.pk, "name": colleague.firm.name}
    assert response["ETag"] == f'"{body["version"]}"'


def test_choosing_english_makes_later_answers_english(client: Client) -> None:
    colleague = ColleagueFactory.create()
    headers = token_headers(colleague)

    changed = client.patch(
        "/api/v1/me", data={"language": "en"}, content_type="application/json", headers=headers
    )
    assert changed.status_code == 200

    response = client.get("/api/v1/colleagues?limit=0", headers=headers)
    assert assert_problem(response, 422)["title"] == "Invalid data"


def test_staff_cannot_promote_themselves_through_me(client: Client) -> None:
    colleague = ColleagueFactory.create()

    response = client.patch(
        "/api/v1/me",
        data={"profile": "admin"},
        content_type="application/json",
        headers=token_headers(colleague),
    )

    assert_problem(response, 422)
    colleague.refresh_from_db()
    assert not colleague.is_admin


def test_stale_change_of_me_is_refused(client: Client) -> None:
    colleague = ColleagueFactory.create(first_name="Léa")
    headers = token_headers(colleague)
    etag = client.get("/api/v1/me", headers=headers)["ETag"]
    client.patch(
        "/api/v1/me", data={"first_name": "Lou"}, content_type="application/json", headers=headers
    )

    response = client.patch(
        "/api/v1/me",
        data={"first_name": "Luc"},
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )

    assert_problem(response, 412)
    colleague.refresh_from_db()
    assert colleague.first_name == "Lou"
