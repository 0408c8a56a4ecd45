"""Sessions end when access ends: deactivation deletes them all, a new password the others
(docs/security.md, "Sessions")."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portefeuille.firms import services, tokens
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import PASSWORD, AdminFactory, ColleagueFactory

pytestmark = pytest.mark.django_db

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def signed_in_client(colleague: Colleague, password: str = PASSWORD) -> Client:
    """A browser that signed in through the real sign-in form."""
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": colleague.email, "password": password}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def session_exists(key: str) -> bool:
    return bool(SessionStore().exists(key))


def test_a_deactivated_then_reactivated_colleagues_old_session_stays_signed_out() -> None:
    colleague = ColleagueFactory.create()
    admin = AdminFactory.create(firm=colleague.firm)
    browser = signed_in_client(colleague)
    assert is_signed_in(browser)

    services.deactivate_colleague(actor=admin, colleague=colleague)
    services.reactivate_colleague(actor=admin, colleague=colleague)

    response = browser.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # The API reads the same cookie: it is signed out there too.
    assert browser.get("/api/v1/me").status_code == 401
    # Signing in again works.
    assert is_signed_in(signed_in_client(colleague))


def test_deactivation_deletes_every_session_of_that_colleague_and_no_other() -> None:
    colleague = ColleagueFactory.create()
    other = ColleagueFactory.create(firm=colleague.firm)
    admin = AdminFactory.create(firm=colleague.firm)
    laptop, phone, others = (
        signed_in_client(colleague),
        signed_in_client(colleague),
        signed_in_client(other),
    )

    services.deactivate_colleague(actor=admin, colleague=colleague)

    assert not session_exists(session_key(laptop))
    assert not session_exists(session_key(phone))
    assert session_exists(session_key(others))
    assert is_signed_in(others)


def test_a_session_written_while_access_was_ending_never_signs_in() -> None:
    """A sign-in in flight computes its session from the colleague as it was before the
    deactivation and saves it after the sessions were deleted: that session must stay dead,
    even once the colleague is reactivated."""
    colleague = ColleagueFactory.create()
    admin = AdminFactory.create(firm=colleague.firm)
    before = Colleague.objects.get(pk=colleague.pk)

    services.deactivate_colleague(actor=admin, colleague=colleague)
    late = SessionStore()
    late[SESSION_KEY] = str(before.pk)
    late[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    late[HASH_SESSION_KEY] = before.get_session_auth_hash()
    late.create()
    services.reactivate_colleague(actor=admin, colleague=colleague)

    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = late.session_key
    assert not is_signed_in(browser)


def test_changing_the_password_keeps_this_session_and_ends_the_others() -> None:
    colleague = ColleagueFactory.create()
    here, elsewhere = signed_in_client(colleague), signed_in_client(colleague)
    other_key = session_key(elsewhere)

    response = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Autre-Mot-2-Passe",
            "password2": "Autre-Mot-2-Passe",
        },
    )

    assert response.status_code == 302
    assert is_signed_in(here)
    assert not session_exists(other_key)
    assert not is_signed_in(elsewhere)


def test_resetting_the_password_ends_every_session_and_api_token(mailoutbox: list[Any]) -> None:
    colleague = ColleagueFactory.create()
    _token, secret = services.create_api_token(actor=colleague, name="intégration")
    signed_in = signed_in_client(colleague)
    key = session_key(signed_in)
    anonymous = Client()

    anonymous.post(reverse("account_reset_password"), {"email": colleague.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/key/" in line)
    form = anonymous.get(link[link.index("/accounts/") :].strip(), follow=True)
    anonymous.post(
        form.redirect_chain[-1][0],
        {"password1": "Nouveau-Mot-2-Passe", "password2": "Nouveau-Mot-2-Passe"},
    )

    colleague.refresh_from_db()
    assert colleague.check_password("Nouveau-Mot-2-Passe")
    assert not session_exists(key)
    assert not is_signed_in(signed_in)
    # Whoever knew the old password may have made a token with it: it stops too.
    assert tokens.authenticate_token(secret) is None


def test_deleting_a_colleague_deletes_their_sessions() -> None:
    colleague = ColleagueFactory.create()
    admin = AdminFactory.create(firm=colleague.firm)
    key = session_key(signed_in_client(colleague))

    services.delete_colleague(actor=admin, colleague=colleague)

    assert not session_exists(key)
