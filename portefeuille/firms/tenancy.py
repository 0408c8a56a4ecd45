"""The one place that says which firm a request acts for: the signed-in colleague's.

Never take a firm from the URL or the body; every query is scoped by this firm.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Colleague, Firm


def current_colleague(request: HttpRequest) -> Colleague:
    user = request.user
    if not user.is_authenticated or not isinstance(user, Colleague) or not user.is_active:
        raise PermissionDenied
    return user


def current_firm(request: HttpRequest) -> Firm:
    return current_colleague(request).firm
