"""NUL characters in JSON bodies: a located 422 instead of a 500.

PostgreSQL cannot store a NUL in text, so a string carrying one would fail at the database
after validation; no field of ours has a use for it. The parser notes where such strings
are (Ninja turns any exception raised while parsing into a bare 400), and an operation
decorator refuses the call before the endpoint runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

_ATTRIBUTE = "portefeuille_nul_errors"


def _nul_places(value: Any, loc: list[str | int]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"loc": loc, "type": "nul_character", "msg": "NUL"}] if "\x00" in value else []
    if isinstance(value, dict):
        return [e for key, item in value.items() for e in _nul_places(item, [*loc, str(key)])]
    if isinstance(value, list):
        return [e for index, item in enumerate(value) for e in _nul_places(item, [*loc, index])]
    return []


class StrictParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        # "payload" stands where Ninja puts the view parameter (the error format drops it).
        setattr(request, _ATTRIBUTE, _nul_places(data, ["body", "payload"]))
        return data


def refuse_nul_characters(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        errors = getattr(request, _ATTRIBUTE, None)
        if errors:
            raise ValidationError(errors)
        return endpoint(request, *args, **kwargs)

    return checked
