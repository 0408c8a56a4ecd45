"""Personal API tokens: hashed secrets, revocation, the colleague they act for."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from portefeuille.firms import services, tokens
from portefeuille.firms.models import Colleague, PersonalAccessToken
from portefeuille.testing.factories import AdminFactory, ColleagueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Colleague:
    return ColleagueFactory.create()


def test_secret_is_shown_once_and_only_its_hash_is_stored(staff: Colleague) -> None:
    token, secret = services.create_api_token(actor=staff, name="Export comptable")

    assert secret.startswith(f"pf_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = PersonalAccessToken.objects.get(pk=token.pk)
    assert secret not in {stored.key_hash, stored.name, stored.prefix}
    assert tokens.authenticate_token(secret) == staff


def test_unknown_or_tampered_secrets_authenticate_nobody(staff: Colleague) -> None:
    token, secret = services.create_api_token(actor=staff, name="Script")

    assert tokens.authenticate_token(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert tokens.authenticate_token(f"pf_{token.prefix}_") is None
    assert tokens.authenticate_token("pf_zzzzzzzz_whatever") is None
    assert tokens.authenticate_token("") is None
    assert tokens.authenticate_token("Bearer nonsense") is None


def test_revoked_token_stops_working(staff: Colleague) -> None:
    token, secret = services.create_api_token(actor=staff, name="Script")

    services.revoke_api_token(actor=staff, token=token)

    assert tokens.authenticate_token(secret) is None
    with pytest.raises(ValidationError):
        services.revoke_api_token(actor=staff, token=token)


def test_last_use_is_recorded_at_most_once_a_minute(staff: Colleague) -> None:
    token, secret = services.create_api_token(actor=staff, name="Script")

    tokens.authenticate_token(secret)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    tokens.authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == first

    PersonalAccessToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    tokens.authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > first


def test_someone_elses_token_cannot_be_revoked_except_by_an_admin(staff: Colleague) -> None:
    token, secret = services.create_api_token(actor=staff, name="Script")
    peer = ColleagueFactory.create(firm=staff.firm)
    stranger_admin = AdminFactory.create()

    with pytest.raises(Http404):
        services.revoke_api_token(actor=peer, token=token)
    with pytest.raises(Http404):
        services.revoke_api_token(actor=stranger_admin, token=token)
    assert tokens.authenticate_token(secret) == staff

    services.revoke_api_token(actor=AdminFactory.create(firm=staff.firm), token=token)
    assert tokens.authenticate_token(secret) is None


def test_token_needs_a_name(staff: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_api_token(actor=staff, name="   ")

    assert "name" in caught.value.message_dict
    assert not PersonalAccessToken.objects.exists()


def test_a_request_still_running_at_deactivation_cannot_make_a_token() -> None:
    colleague = ColleagueFactory.create()
    admin = AdminFactory.create(firm=colleague.firm)
    # The request (POST /auth/token, the profile page) loaded its colleague while active...
    in_flight = Colleague.objects.get(pk=colleague.pk)
    services.deactivate_colleague(actor=admin, colleague=colleague)
    # ...and goes on to make a token after the deactivation: refused on the locked row.
    with pytest.raises(PermissionDenied):
        services.create_api_token(actor=in_flight, name="tardif")
    assert not PersonalAccessToken.objects.filter(name="tardif").exists()


def test_a_token_of_an_older_generation_never_works_again_after_reactivation() -> None:
    colleague = ColleagueFactory.create()
    admin = AdminFactory.create(firm=colleague.firm)
    token, secret = services.create_api_token(actor=colleague, name="avant")
    services.deactivate_colleague(actor=admin, colleague=colleague)
    services.reactivate_colleague(actor=admin, colleague=colleague)
    # Even were its revocation undone (a row written by a request that raced the
    # deactivation), the token belongs to the colleague's previous access.
    PersonalAccessToken.objects.filter(pk=token.pk).update(revoked_at=None)
    assert tokens.authenticate_token(secret) is None
    _fresh, new_secret = services.create_api_token(actor=colleague, name="après")
    assert tokens.authenticate_token(new_secret) == colleague
