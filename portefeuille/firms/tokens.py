"""Personal access tokens as the API reads them: the colleague a secret acts for. Making
and revoking tokens are services (firms/services/api_tokens.py); rules in docs/security.md."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.utils import timezone

from .models import Colleague, PersonalAccessToken

TOKEN_PREFIX_LENGTH = 8
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(secret: str) -> Colleague | None:
    """The active colleague a token secret acts for, or None (unknown, revoked, inactive).
    Records the use, at most once a minute per token."""
    parts = (secret or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "pf" or len(parts[1]) != TOKEN_PREFIX_LENGTH:
        return None
    token = (
        PersonalAccessToken.objects.select_related("colleague", "colleague__firm")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, hash_secret(secret.strip())):
        return None
    colleague = token.colleague
    if (
        token.revoked_at is not None
        or not colleague.is_active
        or token.generation != colleague.session_generation
    ):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.colleague
