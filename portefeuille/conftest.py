"""Fixtures shared by every app's tests, browser ones included.

Browser tests: mark them `@pytest.mark.browser` and take `signed_in_page` (an admin already
signed in through the real form; override `signed_in_colleague` in your module to be someone
else) or `page` + `sign_in(colleague)`; `page.goto("/path/")` goes to the live server.
The live server runs against the test database in transactional mode, so objects made in
the test are visible to it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import PASSWORD, AdminFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Two cores may be shared by several test runs: give slow pages room before failing.
expect.set_options(timeout=15_000)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 costs ~0.3 s per password; tests hash hundreds of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never `playwright install`), headless, no calls home."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: Any) -> Any:
    # pytest-django's server decides when it starts whether to share the test thread's
    # database connection (in-memory SQLite only): it must start after the test database
    # exists, whichever fixture asks for it first.
    return live_server


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Relative URLs in `page.goto("/contacts/")` go to the live server."""
    return str(live_server.url)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Headless Chromium asks for English by default; our users' browsers ask for French.
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def sign_in(page: Page, live_server: Any) -> Callable[..., Page]:
    """Signs a colleague in through the sign-in form and waits for the home page."""

    def sign_in(colleague: Colleague, password: str = PASSWORD) -> Page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator('input[name="login"]').fill(colleague.email)
        page.locator('input[name="password"]').fill(password)
        page.locator('input[name="password"]').press("Enter")
        expect(page).to_have_url(f"{live_server.url}/")
        return page

    return sign_in


@pytest.fixture
def signed_in_colleague(transactional_db: None) -> Colleague:
    """Who `signed_in_page` signs in: an admin of a fresh firm. Override it per module."""

    return AdminFactory.create(first_name="Camille", last_name="Durand")


@pytest.fixture
def signed_in_page(sign_in: Callable[..., Page], signed_in_colleague: Colleague) -> Page:
    return sign_in(signed_in_colleague)
