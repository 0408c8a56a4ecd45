"""Values every page of the shell needs."""

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    colleague = user if user is not None and user.is_authenticated else None
    return {
        "colleague": colleague,
        "firm": getattr(colleague, "firm", None),
    }
