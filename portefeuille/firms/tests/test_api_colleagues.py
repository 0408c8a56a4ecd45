"""/api/v1/colleagues: admins manage, everyone reads; other firms do not exist."""

import pytest
from django.test import Client

from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import AdminFactory, ColleagueFactory
from portefeuille.testing.responses import ClientResponse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "fresh_rate_limits"),
]

URL = "/api/v1/colleagues"
FRENCH_DUPLICATE_EMAIL = "Cette adresse e-mail est déjà utilisée par un autre collaborateur."


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm, first_name="Sam", last_name="Staff")


@pytest.fixture
def outsider() -> Colleague:
    """An admin of another firm."""
    return AdminFactory.create()


def as_(colleague: Colleague, language: str | None = None) -> dict[str, str]:
    return token_headers(colleague, language=language)


def create(client: Client, actor: Colleague, **body: object) -> ClientResponse:
    return client.post(URL, data=body, content_type="application/json", headers=as_(actor))


def patch(
    client: Client,
    actor: Colleague,
    colleague: Colleague,
    headers: dict[str, str] | None = None,
    **body: object,
) -> ClientResponse:
    return client.patch(
        f"{URL}/{colleague.pk}",
        data=body,
        content_type="application/json",
        headers={**as_(actor), **(headers or {})},
    )


def test_list_shows_active_colleagues_of_the_callers_firm_only(
    client: Client, admin: Colleague, staff: Colleague, outsider: Colleague
) -> None:
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)

    active = client.get(URL, headers=as_(staff)).json()["items"]
    everyone = client.get(f"{URL}?include_inactive=true", headers=as_(staff)).json()["items"]

    assert {c["id"] for c in active} == {admin.pk, staff.pk}
    assert {c["id"] for c in everyone} == {admin.pk, staff.pk, gone.pk}


def test_admin_creates_a_colleague_with_an_initial_password(
    client: Client, admin: Colleague
) -> None:
    response = create(
        client,
        admin,
        email="Nouveau@Example.com",
        first_name="Noé",
        last_name="Nouveau",
        profile="staff",
        scope="limited",
        password="un mot de passe solide 42",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "nouveau@example.com"
    assert body["scope"] == "limited"
    assert response["ETag"] == f'"{body["version"]}"'
    token = client.post(
        "/api/v1/auth/token",
        data={"email": "nouveau@example.com", "password": "un mot de passe solide 42"},
        content_type="application/json",
    )
    assert token.status_code == 201


def test_admin_creates_a_colleague_with_an_invitation(client: Client, admin: Colleague) -> None:
    response = create(client, admin, email="invite@example.com", send_invitation=True)

    assert response.status_code == 201, response.content
    created = Colleague.objects.get(email="invite@example.com")
    assert created.firm == admin.firm
    assert not created.has_usable_password()


def test_duplicate_email_is_a_422_located_on_email(
    client: Client, admin: Colleague, outsider: Colleague
) -> None:
    response = create(client, admin, email=outsider.email.upper())

    body = assert_problem(response, 422)
    assert body["errors"] == [
        {
            "loc": ["body", "email"],
            "msg": FRENCH_DUPLICATE_EMAIL,
        }
    ]


def test_duplicate_email_in_english(client: Client, admin: Colleague, staff: Colleague) -> None:
    response = client.post(
        URL,
        data={"email": staff.email},
        content_type="application/json",
        headers=as_(admin, language="en"),
    )

    body = assert_problem(response, 422)
    assert body["title"] == "Invalid data"
    assert body["errors"][0]["loc"] == ["body", "email"]
    assert body["errors"][0]["msg"] == "This e-mail address is already used by another colleague."


def test_weak_initial_password_is_refused_and_nothing_created(
    client: Client, admin: Colleague
) -> None:
    response = create(client, admin, email="faible@example.com", password="123")

    body = assert_problem(response, 422)
    assert {tuple(error["loc"]) for error in body["errors"]} == {("body", "password")}
    assert not Colleague.objects.filter(email="faible@example.com").exists()


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "", {"email": "x@example.com"}),
        ("patch", "/{id}", {"first_name": "X"}),
        ("post", "/{id}/deactivate", None),
        ("delete", "/{id}", None),
    ],
)
def test_staff_cannot_manage_colleagues(
    client: Client,
    staff: Colleague,
    admin: Colleague,
    method: str,
    suffix: str,
    body: dict[str, str] | None,
) -> None:
    url = URL + suffix.format(id=admin.pk)

    response = getattr(client, method)(
        url, data=body, content_type="application/json", headers=as_(staff)
    )

    problem = assert_problem(response, 403)
    assert problem["detail"] == "Cette action est réservée aux administrateurs."
    admin.refresh_from_db()
    assert admin.is_active
    assert admin.first_name == "Alice"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "/{id}", None),
        ("patch", "/{id}", {"first_name": "X"}),
        ("post", "/{id}/deactivate", None),
        ("post", "/{id}/reactivate", None),
        ("delete", "/{id}", None),
    ],
)
def test_another_firms_colleague_is_exactly_like_an_unknown_one(
    client: Client,
    admin: Colleague,
    outsider: Colleague,
    method: str,
    suffix: str,
    body: dict[str, str] | None,
) -> None:
    def call(pk: int) -> ClientResponse:
        response: ClientResponse = getattr(client, method)(
            URL + suffix.format(id=pk),
            data=body,
            content_type="application/json",
            headers=as_(admin),
        )
        return response

    foreign, unknown = call(outsider.pk), call(10**9)

    foreign_body, unknown_body = assert_problem(foreign, 404), assert_problem(unknown, 404)
    assert {**foreign_body, "instance": ""} == {**unknown_body, "instance": ""}
    outsider.refresh_from_db()
    assert outsider.is_active
    assert outsider.first_name != "X"


def test_admin_edits_a_colleague_and_gets_the_new_version(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    loaded = client.get(f"{URL}/{staff.pk}", headers=as_(admin))

    response = patch(
        client, admin, staff, headers={"If-Match": loaded["ETag"]}, scope="limited", language="en"
    )

    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "limited"
    assert response["ETag"] != loaded["ETag"]
    assert response["ETag"] == f'"{response.json()["version"]}"'


def test_a_stale_edit_is_refused_and_the_other_change_stays(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    etag = client.get(f"{URL}/{staff.pk}", headers=as_(admin))["ETag"]
    patch(client, admin, staff, headers={"If-Match": etag}, first_name="Première")

    response = patch(client, admin, staff, headers={"If-Match": etag}, first_name="Seconde")

    body = assert_problem(response, 412)
    assert "modifié" in body["detail"]
    staff.refresh_from_db()
    assert staff.first_name == "Première"


def test_a_weakened_etag_still_matches(client: Client, admin: Colleague, staff: Colleague) -> None:
    etag = client.get(f"{URL}/{staff.pk}", headers=as_(admin))["ETag"]

    response = patch(client, admin, staff, headers={"If-Match": f"W/{etag}"}, first_name="Léo")

    assert response.status_code == 200


def test_an_invalid_edit_writes_nothing(client: Client, admin: Colleague, staff: Colleague) -> None:
    response = patch(client, admin, staff, first_name="Nouveau", email=admin.email)

    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "email"]
    staff.refresh_from_db()
    assert staff.first_name == "Sam"


def test_the_last_admin_cannot_become_staff(client: Client, admin: Colleague) -> None:
    response = patch(client, admin, admin, profile="staff")

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "profile"]
    assert "au moins un administrateur actif" in body["errors"][0]["msg"]
    admin.refresh_from_db()
    assert admin.is_admin


def test_an_admin_cannot_deactivate_themselves(client: Client, admin: Colleague) -> None:
    response = client.post(f"{URL}/{admin.pk}/deactivate", headers=as_(admin))

    assert_problem(response, 422)
    admin.refresh_from_db()
    assert admin.is_active


def test_deactivating_stops_the_colleagues_token_and_reactivating_lets_them_back(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    staff_token = as_(staff)

    deactivated = client.post(f"{URL}/{staff.pk}/deactivate", headers=as_(admin))

    assert deactivated.status_code == 200
    assert deactivated.json()["is_active"] is False
    assert_problem(client.get("/api/v1/me", headers=staff_token), 401)
    reactivated = client.post(f"{URL}/{staff.pk}/reactivate", headers=as_(admin))
    assert reactivated.json()["is_active"] is True


def test_admin_deletes_a_colleague(client: Client, admin: Colleague, staff: Colleague) -> None:
    response = client.delete(f"{URL}/{staff.pk}", headers=as_(admin))

    assert response.status_code == 204
    assert_problem(client.get(f"{URL}/{staff.pk}", headers=as_(admin)), 404)


def test_an_unknown_field_in_an_edit_is_refused(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    response = patch(client, admin, staff, is_active=False)

    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "is_active"]
