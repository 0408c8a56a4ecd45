"""Who is calling the API: a personal access token, or the browser's session (docs page).

Both give the Colleague itself as `request.auth`: a token acts exactly as its colleague, and
stops working the moment that colleague is deactivated or the token revoked. Operations get
the caller with `api_colleague(request)`.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from portefeuille.firms.models import Colleague
from portefeuille.firms.shared_cache import CACHE_OUTAGES, RETRY_AFTER, UNAVAILABLE_MESSAGE
from portefeuille.firms.tokens import authenticate_token

from .errors import NotAuthenticated, ServiceUnavailable, TooManyRequests
from .language import use_caller_language

logger = logging.getLogger(__name__)


def _sends_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, a personal access token (POST /auth/token)."""

    def authenticate(self, request: HttpRequest, token: str) -> Colleague | None:
        colleague = authenticate_token(token.strip())
        # SECURITY: checked here too, so a deactivated colleague's token fails at once even if
        # the token lookup ever forgot to.
        if colleague is None or not colleague.is_active:
            return None
        use_caller_language(request, colleague.language)
        return colleague


class BrowserSession(APIKeyCookie):
    """The signed-in browser's session; writes need the CSRF token (the docs page sends it)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Colleague | None:
        # A request that carries a token is judged on the token alone.
        if _sends_bearer(request):
            return None
        user = getattr(request, "user", None)
        if not isinstance(user, Colleague) or not user.is_active:
            return None
        # CSRF is checked only once we know a session signs the request in: an anonymous
        # call must get 401, not a CSRF refusal.
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied(
                _("Le jeton CSRF manque ou n'est pas valide : rechargez la page puis réessayez.")
            )
        use_caller_language(request, user.language)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return None  # not used: __call__ decides (see above)


def colleague_from_credentials(
    request: HttpRequest, *, email: str, password: str, otp: str | None
) -> Colleague:
    """The active colleague these credentials sign in, for POST /auth/token.

    Goes through allauth, so failed attempts count against the same limits as the sign-in
    page (ACCOUNT_RATE_LIMITS["login_failed"]) and a success does not use them up. With
    two-factor authentication on, `otp` must be the current TOTP code or an unused
    recovery code, and a code works once in the whole deployment. The limits and used codes
    live in the shared cache: when it fails, nothing is checked and the answer is 503.
    Raises NotAuthenticated (401), TooManyRequests (429) or ServiceUnavailable (503).
    """
    try:
        return _colleague_from_credentials(request, email=email, password=password, otp=otp)
    except CACHE_OUTAGES as error:
        logger.error("Token refused: the shared cache failed", exc_info=error)
        raise ServiceUnavailable(
            UNAVAILABLE_MESSAGE, slug="sign-in-unavailable", retry_after=RETRY_AFTER
        ) from None


def _colleague_from_credentials(
    request: HttpRequest, *, email: str, password: str, otp: str | None
) -> Colleague:
    try:
        user = get_account_adapter(request).authenticate(
            request, email=email.strip().lower(), password=password
        )
    except ValidationError:
        # allauth's only refusal here: too many failed attempts.
        raise TooManyRequests(
            _("Trop de tentatives de connexion : patientez quelques minutes.")
        ) from None
    # allauth hands back an inactive colleague whose password matched; refuse it the same
    # way as a wrong password, so the answer says nothing about the account.
    if not isinstance(user, Colleague) or not user.is_active:
        raise NotAuthenticated(
            _("Adresse e-mail ou mot de passe incorrect."), slug="invalid-credentials"
        )
    _check_second_factor(request, user, otp)
    return user


def _check_second_factor(request: HttpRequest, user: Colleague, otp: str | None) -> None:
    kinds = [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    code = (otp or "").strip()
    if not code:
        raise NotAuthenticated(
            _(
                "La validation en deux étapes est activée : envoyez aussi le code de "
                "l'application d'authentification dans « otp »."
            ),
            slug="otp-required",
        )
    # The same limit, under the same key, as allauth's own code form.
    key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(request, action="login_failed", key=key):
        raise TooManyRequests(_("Trop de codes erronés : patientez quelques minutes."))
    # SECURITY: first use wins across every process. A TOTP code is remembered in the shared
    # cache with an atomic add (allauth); a recovery code is marked used on its row, which is
    # locked so that two requests with the same code cannot both read it unused. The limit
    # above stays outside this transaction: a refusal must not roll its count back.
    with transaction.atomic():
        valid = False
        for authenticator in Authenticator.objects.select_for_update().filter(
            user=user, type__in=kinds
        ):
            if authenticator.wrap().validate_code(code):
                authenticator.record_usage()
                valid = True
                break
    if not valid:
        raise NotAuthenticated(_("Ce code à usage unique n'est pas valide."), slug="otp-invalid")
    ratelimit.clear(request, action="login_failed", key=key)


def default_token_name() -> str:
    return str(_("Jeton du %(date)s") % {"date": timezone.localdate().isoformat()})


def api_colleague(request: HttpRequest) -> Colleague:
    """The colleague making this API call (token or session)."""
    colleague = getattr(request, "auth", None)
    if not isinstance(colleague, Colleague):
        raise AuthenticationError
    return colleague


bearer_token = BearerToken()
browser_session = BrowserSession()
