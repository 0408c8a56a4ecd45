"""Sign-in through allauth: our layout in French and English, rate limits, inactive
colleagues, and two-factor authentication with an authenticator app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portefeuille.firms import services
from portefeuille.firms.models import Colleague
from portefeuille.testing.factories import PASSWORD, AdminFactory, ColleagueFactory
from portefeuille.testing.responses import ClientResponse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    # Rate-limit counters and used TOTP codes live in the cache: start and end clean.
    cache.clear()
    yield
    cache.clear()


def signed_in_as(client: Client) -> str | None:
    user_id: str | None = client.session.get("_auth_user_id")
    return user_id


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> ClientResponse:
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# The pages, in our layout and both languages ---------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", ["Connexion", "Mot de passe", "Se connecter"]), ("en", ["Sign in", "Password"])],
)
def test_sign_in_page_uses_our_layout_in_both_languages(
    client: Any, language: str, expected: list[str]
) -> None:
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language)

    body = page.content.decode()
    assert f'<html lang="{language}">' in body
    assert 'class="topbar"' in body
    assert "portefeuille.css" in body
    for text in expected:
        assert text in body
    assert reverse("account_reset_password") in body
    assert reverse("account_signup") not in body


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "Réinitialisation du mot de passe"), ("en", "Password Reset")],
)
def test_password_reset_page_is_translated(client: Any, language: str, heading: str) -> None:
    body = client.get(reverse("account_reset_password"), HTTP_ACCEPT_LANGUAGE=language)

    assert heading in body.content.decode()
    assert 'class="topbar"' in body.content.decode()


def test_password_reset_by_email_works_end_to_end(client: Any, mailoutbox: list[Any]) -> None:
    colleague = ColleagueFactory.create(language="en")

    client.post(reverse("account_reset_password"), {"email": colleague.email.upper()})

    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    form = client.get(path, follow=True)
    assert "token_fail" not in form.context or not form.context["token_fail"]
    client.post(
        form.redirect_chain[-1][0],
        {"password1": "Nouveau-Mot-2-Passe", "password2": "Nouveau-Mot-2-Passe"},
    )
    assert sign_in(client, colleague.email, "Nouveau-Mot-2-Passe").status_code == 302
    assert signed_in_as(client) == str(colleague.pk)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("fr", ["Modifier le mot de passe", "Authentification à deux facteurs"]),
        ("en", ["Change Password", "Two-Factor Authentication"]),
    ],
)
def test_account_pages_render_in_our_layout(client: Any, language: str, texts: list[str]) -> None:
    colleague = ColleagueFactory.create(language=language)
    sign_in(client, colleague.email)

    change = client.get(reverse("account_change_password")).content.decode()
    mfa = client.get(reverse("mfa_index")).content.decode()
    logout = client.get(reverse("account_logout")).content.decode()

    for body in (change, mfa, logout):
        assert f'<html lang="{language}">' in body
        assert 'class="topbar"' in body
        assert reverse("firms:profile") in body
    assert texts[0] in change
    assert texts[1] in mfa


def test_password_change_keeps_the_colleague_signed_in(client: Any) -> None:
    colleague = ColleagueFactory.create()
    sign_in(client, colleague.email)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Autre-Mot-2-Passe",
            "password2": "Autre-Mot-2-Passe",
        },
    )

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("Autre-Mot-2-Passe")
    assert signed_in_as(client) == str(colleague.pk)


# Refusals ------------------------------------------------------------------------------------


def test_repeated_failed_sign_ins_are_refused_even_with_the_right_password(client: Any) -> None:
    colleague = ColleagueFactory.create()

    for _attempt in range(5):
        assert sign_in(client, colleague.email, "wrong password").status_code == 200

    refused = sign_in(client, colleague.email, PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code in {200, 429}
    assert signed_in_as(client) is None
    assert "Trop de tentatives" in refused.content.decode()

    other = ColleagueFactory.create()
    assert sign_in(client, other.email).status_code == 302


def test_inactive_colleague_cannot_sign_in(client: Any) -> None:
    colleague = ColleagueFactory.create(is_active=False)

    sign_in(client, colleague.email)

    assert signed_in_as(client) is None
    assert client.get(reverse("home")).status_code == 302


def test_session_stops_working_as_soon_as_the_colleague_is_deactivated(client: Any) -> None:
    colleague = ColleagueFactory.create()
    sign_in(client, colleague.email)
    assert client.get(reverse("home")).status_code == 200

    services.deactivate_colleague(
        actor=AdminFactory.create(firm=colleague.firm), colleague=colleague
    )

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("firms:profile")).status_code == 302


# Two-factor authentication -------------------------------------------------------------------


@pytest.fixture
def protected() -> tuple[Colleague, str]:
    colleague = ColleagueFactory.create()
    secret = generate_totp_secret()
    TOTP.activate(colleague, secret)
    return colleague, secret


def test_colleague_with_totp_must_enter_a_code_to_finish_signing_in(
    client: Any, protected: tuple[Colleague, str]
) -> None:
    colleague, secret = protected

    first_step = sign_in(client, colleague.email)
    assert first_step.status_code == 302
    assert first_step["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None
    assert client.get(reverse("home")).status_code == 302

    code_page = client.get(reverse("mfa_authenticate"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Authentification à deux facteurs" in code_page.content.decode()
    assert 'class="topbar"' in code_page.content.decode()

    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert signed_in_as(client) == str(colleague.pk)
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_does_not_sign_in(client: Any, protected: tuple[Colleague, str]) -> None:
    colleague, secret = protected
    sign_in(client, colleague.email)
    good = totp_code(secret)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_colleague_activates_totp_and_gets_recovery_codes(client: Any) -> None:
    colleague = ColleagueFactory.create(language="fr")
    sign_in(client, colleague.email)

    # Activating asks for the password again first (allauth's reauthentication page).
    asked = client.get(reverse("mfa_activate_totp"), follow=True)
    assert asked.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert 'class="topbar"' in asked.content.decode()
    activate = client.post(asked.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert activate.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert 'class="topbar"' in activate.content.decode()
    secret = client.session["mfa.totp.secret"]

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert done.status_code == 302
    kinds = set(Authenticator.objects.filter(user=colleague).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes_page.status_code == 200
    assert "Codes de récupération" in codes_page.content.decode()
