"""Every error of /api/v1 is RFC 9457 problem details, in the caller's language."""

import pytest
from django.test import Client

from portefeuille.api.testing import assert_problem
from portefeuille.testing.factories import ColleagueFactory

pytestmark = pytest.mark.django_db


def test_unknown_address_is_a_not_found_problem(client: Client) -> None:
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)

    assert body["title"] == "Ressource introuvable"
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_a_method_not_allowed_problem_listing_the_allowed_ones(
    client: Client,
) -> None:
    response = client.put("/api/v1/auth/token", data={}, content_type="application/json")

    assert_problem(response, 405)
    assert "POST" in response["Allow"]


def test_missing_credentials_answer_401_with_a_bearer_challenge(client: Client) -> None:
    response = client.get("/api/v1/me")

    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["title"] == "Authentification requise"


def test_invalid_body_lists_each_missing_field_with_its_location(client: Client) -> None:
    response = client.post("/api/v1/auth/token", data={}, content_type="application/json")

    body = assert_problem(response, 422)
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("body", "email"),
        ("body", "password"),
    }
    assert {error["msg"] for error in body["errors"]} == {"Ce champ est obligatoire."}
    assert body["title"] == "Données invalides"


def test_unknown_body_field_is_refused_rather_than_ignored(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        data={"email": "a@example.com", "password": "x", "pasword": "typo"},
        content_type="application/json",
    )

    body = assert_problem(response, 422)
    assert body["errors"] == [{"loc": ["body", "pasword"], "msg": "Ce champ n'existe pas."}]


def test_malformed_json_is_a_400_problem(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token", data=b'{"email": "a@', content_type="application/json"
    )

    body = assert_problem(response, 400)
    assert body["detail"] == "Le corps de la requête n'est pas un JSON valide."


def test_query_parameter_errors_are_located_in_the_query(client: Client) -> None:
    client.force_login(ColleagueFactory.create())

    body = assert_problem(client.get("/api/v1/colleagues?limit=0"), 422)

    assert body["errors"] == [
        {"loc": ["query", "limit"], "msg": "La valeur doit être supérieure ou égale à 1."}
    ]


def test_accept_language_english_answers_in_english(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        data={},
        content_type="application/json",
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )

    body = assert_problem(response, 422)
    assert body["title"] == "Invalid data"
    assert {error["msg"] for error in body["errors"]} == {"This field is required."}
    assert response["Content-Language"] == "en"


def test_unsupported_accept_language_falls_back_to_french(client: Client) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": "de"})

    assert assert_problem(response, 401)["title"] == "Authentification requise"
    assert response["Content-Language"] == "fr"


def test_without_accept_language_the_colleagues_own_language_is_used(client: Client) -> None:
    client.force_login(ColleagueFactory.create(language="en"))

    body = assert_problem(client.get("/api/v1/colleagues?limit=500"), 422)

    assert body["errors"][0]["msg"] == "The value must be less than or equal to 200."


def test_accept_language_wins_over_the_colleagues_language(client: Client) -> None:
    client.force_login(ColleagueFactory.create(language="en"))

    response = client.get("/api/v1/colleagues?limit=500", headers={"Accept-Language": "fr"})

    body = assert_problem(response, 422)
    assert body["errors"][0]["msg"] == "La valeur doit être inférieure ou égale à 200."


def test_unknown_address_follows_accept_language_too(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})

    assert assert_problem(response, 404)["title"] == "Not found"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "Valeur non autorisée ; valeurs possibles : 'no_owner', 'inactive_owner', "
            "'no_manager' ou 'empty_team'.",
        ),
        # Needs the English catalogue with "%(choices)s ou %(last)s" (the lead merges it).
        (
            "en",
            "Value not allowed; possible values: 'no_owner', 'inactive_owner', "
            "'no_manager' or 'empty_team'.",
        ),
    ],
)
def test_the_list_of_allowed_values_is_written_in_the_callers_language(
    client: Client, language: str, expected: str
) -> None:
    client.force_login(ColleagueFactory.create())

    response = client.post(
        "/api/v1/coverage/fix",
        {"gap": "everything"},
        content_type="application/json",
        headers={"Accept-Language": language},
    )

    body = assert_problem(response, 422)
    assert body["errors"] == [{"loc": ["body", "gap"], "msg": expected}]
