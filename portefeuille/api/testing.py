"""Helpers for API tests of every app: a token's headers, problem-details assertions.

from portefeuille.api.testing import assert_problem, token_headers

response = client.get("/api/v1/contacts/1", headers=token_headers(colleague))
assert_problem(response, 404)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from portefeuille.firms.models import Colleague
from portefeuille.firms.services import create_api_token

from .errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX


def token_headers(colleague: Colleague, *, language: str | None = None) -> dict[str, str]:
    """Headers of a request made with a new personal access token of `colleague`."""
    _token, secret = create_api_token(actor=colleague, name="tests")
    headers = {"Authorization": f"Bearer {secret}"}
    if language:
        headers["Accept-Language"] = language
    return headers


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """Asserts an RFC 9457 problem-details answer with this status; returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_TYPE_PREFIX)
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.wsgi_request.path
    if status == 422:
        assert body["errors"], body
    return body


@pytest.fixture
def fresh_rate_limits(request: pytest.FixtureRequest) -> Any:
    """Empties the cache holding sign-in rate limits before and after the test, so failed
    attempts of one test never lock out another. The cache is a database table: a test
    without database access signs nobody in and has nothing to clear."""
    uses_database = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    if uses_database:
        cache.clear()
    yield
    if uses_database:
        cache.clear()


@pytest.fixture
def fast_password_hashing(settings: Any) -> None:
    """Passwords hashed with a fast algorithm: factories hash one per colleague."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
