"""The shell in a real browser: sign in, wrong password, language switch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import ColleagueFactory

pytestmark = pytest.mark.browser


def test_colleague_signs_in_with_email_and_password_and_lands_on_home(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    page = signed_in_page

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("header")).to_contain_text("Camille Durand")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_wrong_password_shows_an_error_and_keeps_the_colleague_out(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    colleague = ColleagueFactory.create()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator('input[name="login"]').fill(colleague.email)
    page.locator('input[name="password"]').fill("not the password")
    page.locator('input[name="password"]').press("Enter")

    expect(page.get_by_text("mot de passe sont incorrects")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_switching_to_english_translates_the_shell_and_is_remembered(
    signed_in_page: Page, signed_in_colleague: Colleague, live_server: Any
) -> None:
    page = signed_in_page
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The choice is kept on the colleague's profile, not only for this page.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    signed_in_colleague.refresh_from_db()
    assert signed_in_colleague.language == "en"

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
