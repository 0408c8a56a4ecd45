"""The notification centre and the notification preferences, each colleague's own pages.

Thin adapters over notifications/reading.py (what the reader may read now) and
notifications/services.py (marking read, preferences); another colleague's notification is
a 404 like an unknown one."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portefeuille.api import pagination
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required

from . import services
from .kinds import KINDS
from .reading import readable, show, with_level

PER_PAGE = 30
ORDER = ("-created_at", "-id")


@colleague_required
def centre(request: HttpRequest, me: Colleague) -> HttpResponse:
    """The reader's notifications, newest first; `?unread=1` keeps the unread ones."""
    only_unread = request.GET.get("unread") == "1"
    found = readable(me)
    if only_unread:
        found = found.filter(read_at__isnull=True)
    page = partial(
        pagination.keyset_page,
        with_level(me, found),
        order=ORDER,
        limit=PER_PAGE,
        show=lambda rows: show(me, rows),
    )
    cursor = request.GET.get("cursor", "")
    try:
        shown, next_cursor = page(cursor=cursor)
    except pagination.InvalidCursor:
        cursor = ""
        shown, next_cursor = page()  # a garbled cursor starts from the top
    filters = {"unread": "1"} if only_unread else {}
    context = {
        "notifications": shown,
        "only_unread": only_unread,
        "more_url": f"?{urlencode({**filters, 'cursor': next_cursor})}" if next_cursor else None,
        "first_url": f"?{urlencode(filters)}",
        "is_continuation": bool(cursor),
        "here": request.get_full_path(),
    }
    return render(request, "notifications/centre.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:centre")


@colleague_required
@require_POST
def mark_read(request: HttpRequest, me: Colleague, pk: int) -> HttpResponse:
    notification = services.mark_read(reader=me, notification_id=pk)
    if request.POST.get("open") == "1":
        (shown,) = show(me, with_level(me, readable(me).filter(pk=notification.pk)))
        if shown.url:
            return redirect(shown.url)
    return _back(request)


@colleague_required
@require_POST
def mark_all_read(request: HttpRequest, me: Colleague) -> HttpResponse:
    changed = services.mark_all_read(reader=me)
    if changed:
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return _back(request)


@colleague_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, me: Colleague) -> HttpResponse:
    """Per kind of notification: in the application, by e-mail."""
    if request.method == "POST":
        services.set_preferences(
            colleague=me,
            choices={
                code: (
                    request.POST.get(f"{code}.in_app") == "on",
                    request.POST.get(f"{code}.email") == "on",
                )
                for code in KINDS
            },
        )
        messages.success(request, _("Préférences de notification enregistrées."))
        return redirect("notifications:preferences")
    chosen = services.preferences_of(me)
    rows = [
        {"code": code, "label": kind.label, "in_app": chosen[code][0], "email": chosen[code][1]}
        for code, kind in KINDS.items()
    ]
    return render(request, "notifications/preferences.html", {"rows": rows})
