"""The language of an API answer: Accept-Language, else the caller's own language, else French.

Unlike the web pages (where the signed-in colleague's choice wins over the browser's), an API
client says what it wants in the Accept-Language header; the colleague's language is only the
fallback for clients that send none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def header_language(request: HttpRequest) -> str | None:
    """The first supported language of the Accept-Language header, or None."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def api_language(request: HttpRequest, language_of_caller: str = "") -> str:
    """Accept-Language if it names a language we speak, else the caller's, else French."""
    return header_language(request) or language_of_caller or settings.LANGUAGE_CODE


def use_caller_language(request: HttpRequest, language_of_caller: str) -> None:
    """Called once the caller is known: their language applies unless the header chose one."""
    if header_language(request) is None and language_of_caller:
        translation.activate(language_of_caller)


def speak_callers_language(
    run: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """View decorator of every operation: runs it (auth included) in the answer's language."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override(api_language(request)):
            response = run(request, *args, **kwargs)
            response.headers["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapper
