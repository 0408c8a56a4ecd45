"""What sign-in needs of the deployment's shared cache, and what happens when it fails.

Sign-in rate limits and used one-time codes live in the cache (docs/deployment.md, "Shared
cache"), so a cache that does not answer must never let an attempt through unchecked: the
account pages and POST /api/v1/auth/token refuse with a clear message instead (503), and
every page that does not need the cache keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.apps import AppConfig
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises: Redis down or refusing writes; the database
# cache's table missing (migrate not run), its database down or locked for too long.
CACHE_OUTAGES: tuple[type[Exception], ...] = (
    RedisError,
    OperationalError,
    ProgrammingError,
    InterfaceError,
)

UNAVAILABLE_TITLE = _("Connexion momentanément impossible")
UNAVAILABLE_MESSAGE = _(
    "Le service qui protège les connexions (limites de tentatives, codes à usage unique) ne "
    "répond pas. Par sécurité, rien n'a été fait : réessayez dans quelques minutes."
)
# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 60


def create_cache_table(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """After every `migrate`: the database cache's table, so `migrate` alone is enough.

    `createcachetable` does nothing for a Redis or memory cache, nor when the table exists.
    """
    call_command("createcachetable", database=using, verbosity=0)


class SignInNeedsCacheMiddleware:
    """Turns a cache outage during an account page's POST (sign-in, code, password reset or
    change) into a 503 page that says so, in the reader's language, instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if not isinstance(exception, CACHE_OUTAGES) or match is None:
            return None
        if not getattr(match.func, "__module__", "").startswith("allauth."):
            return None
        logger.error("Account page refused: the shared cache failed", exc_info=exception)
        response = render(
            request,
            "firms/sign_in_unavailable.html",
            {"title": UNAVAILABLE_TITLE, "message": UNAVAILABLE_MESSAGE},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
