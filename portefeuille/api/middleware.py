"""Problem details for the errors of /api/v1 that no operation answered.

An unknown address (404), a method the address does not take (405) and an uncaught exception
(500) are answered by Django, in HTML; under /api/v1 they become problem details too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import translation

from .errors import PROBLEM_CONTENT_TYPE, problem_response
from .language import api_language

# Headers of the original answer that still mean something on the problem details.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


@cache
def api_prefix() -> str:
    return reverse("api:api-root")


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(api_prefix())
            or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
            or (settings.DEBUG and response.status_code >= 500)  # keep the debug page
        ):
            return response
        user = getattr(request, "user", None)
        language_of_caller = getattr(user, "language", "") if user is not None else ""
        with translation.override(api_language(request, language_of_caller)):
            problem: HttpResponse = problem_response(request, response.status_code)
            problem["Content-Language"] = translation.get_language()
        for header in KEPT_HEADERS:
            if header in response:
                problem[header] = response[header]
        return problem
