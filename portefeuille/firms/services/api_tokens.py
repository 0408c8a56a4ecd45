"""Personal API tokens: making one (its secret shown once), revoking them. Reading a token
is in firms/tokens.py; the rules are in docs/security.md."""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from portefeuille.audit.services import audit_ref, record_event

from ..guards import clean_text, require_active, same_firm
from ..models import Colleague, PersonalAccessToken
from ..tokens import TOKEN_PREFIX_LENGTH, hash_secret
from .common import max_length

TOKEN_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


@transaction.atomic
def create_api_token(*, actor: Colleague, name: str) -> tuple[PersonalAccessToken, str]:
    """Creates a token acting as the actor; returns it with its secret, shown only once
    (only a SHA-256 hash is stored). Secret format: `pf_<prefix>_<random>`."""
    # SECURITY: the actor's row is re-read under the lock deactivation takes, so a request
    # already running when the colleague is deactivated cannot make a token that outlives it.
    locked = Colleague.objects.select_for_update().get(pk=actor.pk)
    require_active(locked)
    cleaned = clean_text(name, "name", max_length(PersonalAccessToken, "name"), required=True)
    while True:
        prefix = "".join(secrets.choice(TOKEN_PREFIX_ALPHABET) for _i in range(TOKEN_PREFIX_LENGTH))
        if not PersonalAccessToken.objects.filter(prefix=prefix).exists():
            break
    secret = f"pf_{prefix}_{secrets.token_urlsafe(32)}"
    token = PersonalAccessToken.objects.create(
        firm_id=actor.firm_id,
        colleague=actor,
        name=cleaned,
        prefix=prefix,
        key_hash=hash_secret(secret),
        generation=locked.session_generation,
    )
    record_event(
        actor=actor,
        action="api_token.created",
        after={"token": audit_ref(token), "prefix": prefix},
    )
    return token, secret


def revoke_all_api_tokens(colleague: Colleague) -> int:
    """Revokes every live token of `colleague` (a password reset: whoever knew the old
    password may have made one); returns how many."""
    return PersonalAccessToken.objects.filter(colleague=colleague, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def revoke_api_token(*, actor: Colleague, token: PersonalAccessToken) -> PersonalAccessToken:
    """Revokes a token: its owner may, and so may an admin of the firm. Others get a 404."""
    require_active(actor)
    same_firm(actor, token)
    if token.colleague_id != actor.pk and not actor.is_admin:
        raise Http404
    try:
        locked = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    except PersonalAccessToken.DoesNotExist:
        raise Http404 from None
    if locked.revoked_at is not None:
        raise ValidationError(
            gettext("Ce jeton est déjà révoqué."),
            code="already_revoked",
        )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    record_event(
        actor=actor,
        action="api_token.revoked",
        before={"token": audit_ref(locked), "prefix": locked.prefix},
    )
    return locked
