"""Shell pages: home, language switch, health check, and the permanent redirects of the
addresses that moved (the old /clients/ pages, now the one Contacts area and /portfolios/)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from portefeuille.access import coverage
from portefeuille.api import pagination
from portefeuille.firms.tenancy import current_colleague
from portefeuille.work import personal
from portefeuille.work import services as work_services


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: « Mon travail » (my open work items and tasks by due date, overdue
    first; for owners and managers, the work of their clients changed since their last
    visit: work/personal.py) and the coverage monitor's counts (access/coverage.py): an
    admin's cover the firm, anyone else's the clients they see in full."""
    colleague = current_colleague(request)
    firm = colleague.firm
    counts = coverage.coverage_counts(colleague, ownership_enabled=firm.ownership_enabled)
    gaps = [
        {"gap": gap, "label": coverage.LABELS[gap], "count": count} for gap, count in counts.items()
    ]
    visit = work_services.record_home_visit(actor=colleague)
    since = visit.previous_seen_at or (visit.seen_at - personal.FIRST_VISIT_WINDOW)
    changed = None
    if personal.holds_clients(colleague):
        changed = personal.shown(
            personal.changed_on_my_clients(colleague, since), personal.HOME_CHANGED
        )
    context = {
        "coverage_gaps": gaps,
        "my_items": personal.shown(personal.my_open_items(colleague), personal.HOME_ITEMS),
        "my_tasks": personal.shown(personal.my_open_tasks(colleague), personal.HOME_TASKS),
        "changed": changed,
        "since": since,
        "first_visit": visit.previous_seen_at is None,
        "today": timezone.localdate(),
    }
    return render(request, "web/home.html", context)


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Remembers the language in a cookie, and on the colleague's profile when signed in."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the process can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


# ---------------------------------------------------------------------------------------
# Addresses that moved. SECURITY: a redirect never looks anything up (no sign-in needed,
# no id checked): it says nothing about whether a record exists; the page it leads to
# applies the access rules.
# ---------------------------------------------------------------------------------------


def _moved_to(request: HttpRequest, url: str, query: str) -> HttpResponse:
    """301 (a page, kept in bookmarks); 308 for a form post, which keeps its method."""
    response = HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
    if request.method not in ("GET", "HEAD"):
        response.status_code = 308
    return response


def moved(request: HttpRequest, to: str, **kwargs: Any) -> HttpResponse:
    """The same page at its new address (URL name `to`, same path parameters and query)."""
    return _moved_to(request, reverse(to, kwargs=kwargs), request.META.get("QUERY_STRING", ""))


def moved_client_list(request: HttpRequest) -> HttpResponse:
    """/clients/ is the contacts page: its views "Mes clients" / "Tous" are the contacts
    page's "Mes contacts" / "Tous" (the same `view=mine|all`), `q` the same search; the old
    cursor (`after_name` + `after`, an id) becomes the contacts page's cursor. Any other
    parameter is kept as it is."""
    params = request.GET.copy()
    after_name = params.pop("after_name", None)
    if after_name is not None:
        after = params.get("after", "")
        if after.isascii() and after.isdigit() and len(after) <= 18:
            # The contacts page's keyset (contacts/queries.py::PAGE_ORDER): (search_name, id).
            params["after"] = pagination.encode_cursor([after_name[-1], int(after)])
        else:
            params.pop("after", None)
    return _moved_to(request, reverse("contacts:list"), params.urlencode())
