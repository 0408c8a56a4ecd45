"""POST /api/v1/auth/token and the caller's own tokens (list, revoke)."""

import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client

from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.firms.models import Colleague, PersonalAccessToken
from portefeuille.testing.factories import PASSWORD, ColleagueFactory
from portefeuille.testing.responses import ClientResponse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "fresh_rate_limits"),
]

URL = "/api/v1/auth/token"


def ask_token(client: Client, **body: str) -> ClientResponse:
    return client.post(URL, data=body, content_type="application/json")


@pytest.fixture
def colleague() -> Colleague:
    return ColleagueFactory.create(email="lea.martin@example.com")


def test_right_credentials_give_a_token_that_works(client: Client, colleague: Colleague) -> None:
    response = ask_token(client, email="Lea.Martin@example.com", password=PASSWORD, name="Script")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Script"
    assert body["token"].startswith(f"pf_{body['prefix']}_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == colleague.pk


def test_a_token_without_a_name_is_named_after_its_date(
    client: Client, colleague: Colleague
) -> None:
    body = ask_token(client, email=colleague.email, password=PASSWORD).json()

    assert body["name"].startswith("Jeton du ")


def test_wrong_password_and_unknown_email_answer_the_same_401(
    client: Client, colleague: Colleague
) -> None:
    wrong_password = assert_problem(ask_token(client, email=colleague.email, password="nope"), 401)
    unknown = assert_problem(ask_token(client, email="nobody@example.com", password="nope"), 401)

    assert wrong_password == unknown
    assert wrong_password["detail"] == "Adresse e-mail ou mot de passe incorrect."
    assert wrong_password["type"].endswith(":invalid-credentials")
    assert not PersonalAccessToken.objects.exists()


def test_wrong_credentials_in_english(client: Client, colleague: Colleague) -> None:
    response = client.post(
        URL,
        data={"email": colleague.email, "password": "nope"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert assert_problem(response, 401)["detail"] == "Incorrect e-mail address or password."


def test_a_deactivated_colleague_gets_no_token(client: Client, colleague: Colleague) -> None:
    Colleague.objects.filter(pk=colleague.pk).update(is_active=False)

    assert_problem(ask_token(client, email=colleague.email, password=PASSWORD), 401)
    assert not PersonalAccessToken.objects.exists()


def test_repeated_failures_are_refused_even_with_the_right_password(
    client: Client, colleague: Colleague
) -> None:
    for _attempt in range(5):
        assert_problem(ask_token(client, email=colleague.email, password="guess"), 401)

    response = ask_token(client, email=colleague.email, password=PASSWORD)

    assert_problem(response, 429)
    assert not PersonalAccessToken.objects.exists()


def test_successes_do_not_use_up_the_failure_allowance(
    client: Client, colleague: Colleague
) -> None:
    for _attempt in range(8):
        assert ask_token(client, email=colleague.email, password=PASSWORD).status_code == 201


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def totp_secret(colleague: Colleague) -> str:
    secret = generate_totp_secret()
    TOTP.activate(colleague, secret)
    return secret


def test_with_two_factor_on_the_password_alone_is_not_enough(
    client: Client, colleague: Colleague, totp_secret: str
) -> None:
    body = assert_problem(ask_token(client, email=colleague.email, password=PASSWORD), 401)

    assert body["type"].endswith(":otp-required")
    assert "otp" in body["detail"]


def test_with_two_factor_a_wrong_code_is_refused(
    client: Client, colleague: Colleague, totp_secret: str
) -> None:
    response = ask_token(client, email=colleague.email, password=PASSWORD, otp="000000")

    assert assert_problem(response, 401)["type"].endswith(":otp-invalid")


def test_with_two_factor_the_current_code_gives_a_token(
    client: Client, colleague: Colleague, totp_secret: str
) -> None:
    response = ask_token(
        client, email=colleague.email, password=PASSWORD, otp=current_code(totp_secret)
    )

    assert response.status_code == 201, response.content


def test_with_two_factor_a_recovery_code_gives_a_token_once(
    client: Client, colleague: Colleague, totp_secret: str
) -> None:
    code = RecoveryCodes.activate(colleague).get_unused_codes()[0]

    first = ask_token(client, email=colleague.email, password=PASSWORD, otp=code)
    again = ask_token(client, email=colleague.email, password=PASSWORD, otp=code)

    assert first.status_code == 201
    assert_problem(again, 401)


def test_repeated_wrong_codes_are_refused(
    client: Client, colleague: Colleague, totp_secret: str
) -> None:
    for _attempt in range(5):
        ask_token(client, email=colleague.email, password=PASSWORD, otp="000000")

    response = ask_token(
        client, email=colleague.email, password=PASSWORD, otp=current_code(totp_secret)
    )

    assert_problem(response, 429)


def test_own_tokens_are_listed_without_their_secret(client: Client, colleague: Colleague) -> None:
    headers = token_headers(colleague)
    ask_token(client, email=colleague.email, password=PASSWORD, name="Second")
    token_headers(ColleagueFactory.create(firm=colleague.firm))  # someone else's

    response = client.get("/api/v1/auth/tokens", headers=headers)

    assert response.status_code == 200
    tokens = response.json()
    assert sorted(token["name"] for token in tokens) == ["Second", "tests"]
    for token in tokens:
        assert set(token) == {"id", "name", "prefix", "created_at", "last_used_at"}
    assert headers["Authorization"].split()[1] not in response.content.decode()


def test_revoking_an_own_token_stops_it(client: Client, colleague: Colleague) -> None:
    headers = token_headers(colleague)
    token = colleague.api_tokens.get()

    response = client.delete(f"/api/v1/auth/tokens/{token.pk}", headers=headers)

    assert response.status_code == 204
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_someone_elses_token_cannot_be_revoked_and_looks_missing(
    client: Client, colleague: Colleague
) -> None:
    other = ColleagueFactory.create(firm=colleague.firm)
    token_headers(other)
    theirs = other.api_tokens.get()
    headers = token_headers(colleague)

    response = client.delete(f"/api/v1/auth/tokens/{theirs.pk}", headers=headers)
    missing = client.delete("/api/v1/auth/tokens/999999", headers=headers)

    assert_problem(response, 404)
    assert response.json()["detail"] == missing.json()["detail"]
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
