"""The deployment's shared cache: how CACHE_URL picks it, `migrate` creating its table, and
sign-in failing closed, with a clear message, when the cache does not answer."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.firms.models import Colleague, PersonalAccessToken
from portefeuille.settings import cache_from_url
from portefeuille.testing.factories import PASSWORD, ColleagueFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# CACHE_URL ----------------------------------------------------------------------------------


def test_without_cache_url_the_cache_is_a_table_of_the_database() -> None:
    assert cache_from_url("") == cache_from_url("db://")
    assert cache_from_url("")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache_from_url("")["LOCATION"] == "portefeuille_cache"
    assert cache_from_url("db://other_table")["LOCATION"] == "other_table"


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://cache.internal:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("rediss://:secret@cache.internal:6380/1", "django.core.cache.backends.redis.RedisCache"),
        ("unix:///run/redis/redis.sock", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_cache_url_points_at_redis_or_process_memory(url: str, backend: str) -> None:
    config = cache_from_url(url)

    assert config["BACKEND"] == backend
    if "redis" in backend:
        assert config["LOCATION"] == url


def test_an_unknown_cache_url_is_refused_at_start() -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url("memcached://127.0.0.1:11211")


def test_the_suite_runs_on_the_database_cache_every_process_shares() -> None:
    cache.set("shared", "by every process", 30)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM portefeuille_cache")
        assert cursor.fetchone()[0] == 1
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


@pytest.mark.django_db(transaction=True)
def test_migrate_alone_creates_the_cache_table() -> None:
    with connection.schema_editor() as editor:
        editor.execute(editor.sql_delete_table % {"table": editor.quote_name("portefeuille_cache")})
    assert "portefeuille_cache" not in connection.introspection.table_names()

    call_command("migrate", verbosity=0, interactive=False)

    assert "portefeuille_cache" in connection.introspection.table_names()
    cache.set("back", 1, 30)
    assert cache.get("back") == 1


# A cache that does not answer -----------------------------------------------------------------


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def break_cache(fresh_cache: None, closed_port: int) -> Iterator[Callable[..., None]]:
    """Switches the cache to Redis on a closed port (or to `url`) until the test ends."""
    overrides: list[override_settings] = []

    def break_cache(url: str = f"redis://127.0.0.1:{closed_port}/0") -> None:
        override = override_settings(CACHES={"default": cache_from_url(url)})
        override.enable()
        overrides.append(override)

    yield break_cache
    for override in reversed(overrides):
        override.disable()


@pytest.fixture
def unreachable_cache(break_cache: Callable[..., None]) -> None:
    break_cache()


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def ask_token(client: Client, **body: str) -> Any:
    return client.post(TOKEN_URL, data=body, content_type="application/json")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Connexion momentanément impossible"),
        ("en", "Signing in is temporarily unavailable"),
    ],
)
def test_sign_in_is_refused_with_a_clear_message_when_the_cache_is_unreachable(
    client: Client, unreachable_cache: None, language: str, message: str
) -> None:
    colleague = ColleagueFactory.create()

    response = sign_in(client, colleague.email, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 503
    assert response["Retry-After"]
    assert message in response.content.decode()
    assert 'class="topbar"' in response.content.decode()
    assert client.session.get("_auth_user_id") is None
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_not_checked_either(client: Client, unreachable_cache: None) -> None:
    colleague = ColleagueFactory.create()

    assert sign_in(client, colleague.email, "wrong password").status_code == 503


def test_the_one_time_code_step_is_refused_when_the_cache_stops_answering(
    client: Client, break_cache: Callable[..., None]
) -> None:
    colleague = ColleagueFactory.create()
    TOTP.activate(colleague, generate_totp_secret())
    assert sign_in(client, colleague.email)["Location"] == reverse("mfa_authenticate")

    break_cache()
    response = client.post(reverse("mfa_authenticate"), {"code": "123456"})

    assert response.status_code == 503
    assert "Connexion momentanément impossible" in response.content.decode()
    assert client.session.get("_auth_user_id") is None


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "ne répond pas"), ("en", "is not answering")],
)
def test_no_token_is_given_when_the_cache_is_unreachable(
    client: Client, unreachable_cache: None, language: str, message: str
) -> None:
    colleague = ColleagueFactory.create()

    response = client.post(
        TOKEN_URL,
        data={"email": colleague.email, "password": PASSWORD},
        content_type="application/json",
        headers={"Accept-Language": language},
    )

    body = assert_problem(response, 503)
    assert body["type"].endswith(":sign-in-unavailable")
    assert message in body["detail"]
    assert response["Retry-After"]
    assert not PersonalAccessToken.objects.filter(colleague=colleague).exists()


def test_everything_that_does_not_need_the_cache_keeps_working(
    client: Client, break_cache: Callable[..., None]
) -> None:
    colleague = ColleagueFactory.create()
    headers = token_headers(colleague)
    assert sign_in(client, colleague.email).status_code == 302

    break_cache()

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("firms:profile")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert Client().get("/api/v1/me", headers=headers).json()["id"] == colleague.pk
    assert Client().get(reverse("account_login")).status_code == 200
    assert Client().get(reverse("healthz")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_sign_in_fails_closed_when_the_cache_table_is_missing(
    break_cache: Callable[..., None],
) -> None:
    """The database cache before `migrate` ever ran: its table does not exist."""
    colleague = ColleagueFactory.create()
    break_cache("db://no_such_cache_table")

    page = sign_in(Client(), colleague.email)
    token = Client().post(
        TOKEN_URL,
        data={"email": colleague.email, "password": PASSWORD},
        content_type="application/json",
    )

    assert page.status_code == 503
    assert "Connexion momentanément impossible" in page.content.decode()
    assert_problem(token, 503)
    assert not PersonalAccessToken.objects.filter(colleague=colleague).exists()
    assert Colleague.objects.filter(pk=colleague.pk).exists()
