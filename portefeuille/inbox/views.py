"""The shared inbox's pages (docs/inbox.md), mounted at /inbox/: the inbox itself (its tabs
and filters, its segments), an uploaded .eml, the statistics per assignee. A ticket's own
page and its actions are views_tickets.py.

Thin adapters: the selection is inbox/queries.py (through the tickets' door), every write one
call of inbox/services.py (segments: work/services.py). The inbox's columns are fixed (seed
001: « vous ne pouvez pas modifier la vue »); what can be saved is its filters, as segments.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text
from portefeuille.web import uploads
from portefeuille.work import services as work_services
from portefeuille.work.models import Segment

from . import queries, services

AREA = Segment.Area.TICKETS
# Segments listed in the inbox's sidebar (the viewer's own first, then those shared).
SEGMENTS_SHOWN = 20
FILTER_LABELS = {
    "status": gettext_lazy("Statut"),
    "assignee": gettext_lazy("Affecté à"),
    "client": gettext_lazy("Client"),
}
TABS = (
    ("open", gettext_lazy("Ouverts")),
    ("closed", gettext_lazy("Fermés")),
    ("all", gettext_lazy("Tous")),
)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def stored(query: dict[str, str]) -> str:
    """A query string as the segments store it (work/services.py::save_segment)."""
    return urlencode(sorted(query.items()))


def _list_url(query: str) -> str:
    base = reverse("ticket_list")
    return f"{base}?{query}" if query else base


def _problems(found: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [
        (str(FILTER_LABELS.get(name, name)), message)
        for name, messages_ in found.items()
        for message in messages_
    ]


# ---------------------------------------------------------------------------------------
# Segments: the inbox's filters saved under a name.
# ---------------------------------------------------------------------------------------


def readable_segments(actor: Colleague) -> list[Segment]:
    """The inbox's segments a colleague may open: their own, and those shared with the
    firm; their own first, by name (one query)."""
    return list(
        Segment.objects.filter(firm_id=actor.firm_id, area=AREA)
        .filter(Q(owner_id=actor.pk) | Q(shared=True))
        .select_related("owner")
        .annotate(
            not_mine=Case(
                When(owner_id=actor.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("not_mine", "name", "id")[:SEGMENTS_SHOWN]
    )


def segment_sidebar(actor: Colleague, current: str) -> list[dict[str, Any]]:
    """The segments of the sidebar, each with its live count for the reader — the inbox's
    own selection for them, through the door (one COUNT each): sharing a segment shares no
    ticket, and `me` in a shared segment is each reader."""
    shown = []
    for segment in readable_segments(actor):
        filters, _problems = queries.lenient_filters(QueryDict(segment.query))
        shown.append(
            {
                "segment": segment,
                "pk": segment.pk,
                "name": segment.name,
                "url": _list_url(segment.query),
                "count": queries.tickets(actor, filters).order_by().count(),
                "mine": segment.owner_id == actor.pk,
                "current": segment.query == current,
            }
        )
    return shown


@colleague_required
@require_POST
def ticket_segment_save(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Saves the inbox's filters the form carries (`query`) under `name`; `shared` shares it
    with the firm. Only valid filters are stored (as the inbox reads them)."""
    filters, _found = queries.lenient_filters(QueryDict(request.POST.get("query", "")[:4000]))
    query = filters.as_query()
    try:
        segment = work_services.save_segment(
            actor=actor,
            name=request.POST.get("name", ""),
            query=query,
            area=AREA,
            shared=request.POST.get("shared") in ("1", "on", "true"),
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect(_list_url(stored(query)))
    messages.success(request, _("Segment « %(name)s » enregistré.") % {"name": segment.name})
    return redirect(_list_url(segment.query))


@colleague_required
@require_http_methods(["GET", "POST"])
def ticket_segment_delete(request: HttpRequest, actor: Colleague, segment_id: int) -> HttpResponse:
    """GET: asks to confirm; POST: deletes one of the viewer's own segments (another's,
    even shared, is the same 404 as an unknown one)."""
    segment = Segment.objects.filter(pk=segment_id, owner_id=actor.pk, area=AREA).first()
    if segment is None:
        raise Http404
    if request.method == "POST":
        work_services.delete_segment(actor=actor, segment=segment)
        messages.success(request, _("Segment « %(name)s » supprimé.") % {"name": segment.name})
        return redirect("ticket_list")
    return render(
        request,
        "customfields/segment_confirm_delete.html",
        {"segment": segment, "back": _list_url(segment.query)},
    )


# ---------------------------------------------------------------------------------------
# The inbox.
# ---------------------------------------------------------------------------------------


@colleague_required
@require_GET
def ticket_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """The tickets the viewer sees that match the filters (open ones by default), by last
    activity, keyset-paged; a constant number of queries whatever the number of tickets."""
    filters, found = queries.lenient_filters(request.GET)
    query = stored(filters.as_query())
    after = request.GET.get("after") or None
    context: dict[str, Any] = {
        "filters": filters,
        "problems": _problems(found),
        "page": queries.page(queries.tickets(actor, filters), after),
        "query": query,
        "is_continuation": after is not None,
        "list_url": reverse("ticket_list"),
        "filtered": bool(filters.as_query()),
        "tabs": [
            (value, label, stored(replace(filters, status=value).as_query()))
            for value, label in TABS
        ],
        "segment_form": {"query": query, "save_url": reverse("ticket_segment_save")},
    }
    target = request.headers.get("HX-Target", "") if is_htmx(request) else ""
    if target == "more-rows":
        return render(request, "inbox/ticket_list.html#rows", context)
    if target == "inbox-results":
        context["oob"] = True
        response = render(request, "inbox/ticket_list.html#results", context)
        return push_url(response, _list_url(query))
    failures_count, failures = queries.failures(actor)
    context.update(
        {
            "colleagues": list(active_colleagues(actor.firm_id)),
            "filter_client": queries.filter_client(actor, filters.client),
            "segments": segment_sidebar(actor, query),
            "failures_count": failures_count,
            "failures": failures,
        }
    )
    return render(request, "inbox/ticket_list.html", context)


# ---------------------------------------------------------------------------------------
# An uploaded .eml (admins).
# ---------------------------------------------------------------------------------------


def limited_upload(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Reads the body (bounded by web/uploads.py, docs/uploads.md), then checks CSRF and runs
    the view. A refused body runs the view without the CSRF check (the token was in that
    body): the view then only shows its form again with the refusal, writing nothing."""
    protected = csrf_protect(view)

    @csrf_exempt
    @uploads.answers_upload_refusal
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and uploads.refusal(request) is None:
            with contextlib.suppress(uploads.BodyTooLarge):  # the refusal is on the request
                request.FILES  # noqa: B018 — reads the body, stopped past the limit
        run = view if uploads.refusal(request) is not None else protected
        return run(request, *args, **kwargs)

    wrapper.__name__ = getattr(view, "__name__", "upload")
    wrapper.__doc__ = view.__doc__
    return wrapper


def _upload_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "inbox/ticket_upload.html",
        {"error": error, "max_upload": uploads.human_size(services.RAW_MAX)},
        status=status,
    )


@limited_upload
@colleague_required
@require_http_methods(["GET", "POST"])
def ticket_upload(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """An admin hands in an e-mail saved as .eml: received into the firm's inbox as if it
    had arrived (threaded to its ticket, its assignee told). A malformed file is refused
    with what is wrong, and nothing is written."""
    if not actor.is_admin:
        raise PermissionDenied(_("Cette action est réservée aux administrateurs."))
    if request.method == "GET":
        return _upload_page(request)
    refused = uploads.refusal(request)
    if refused is not None:
        return _upload_page(request, refused.message(), refused.status)
    upload = request.FILES.get("file")
    if upload is None:
        return _upload_page(request, _("Choisissez un fichier."), 400)
    if (upload.size or 0) > services.RAW_MAX:
        return _upload_page(request, _("Le message dépasse 10 Mo."), 413)
    raw = upload.read()
    try:
        message = services.receive_email_as(actor=actor, raw=raw, source="upload")
    except services.MalformedEmail as error:
        return _upload_page(request, refusal_text(error), 422)
    if message is None:
        messages.info(request, _("Cet e-mail était déjà dans la boîte partagée : rien d'ajouté."))
        return redirect("ticket_list")
    messages.success(
        request,
        _("E-mail reçu sur le ticket « %(subject)s ».") % {"subject": message.ticket.subject},
    )
    return redirect("ticket_detail", ticket_id=message.ticket_id)


# ---------------------------------------------------------------------------------------
# Statistics per assignee.
# ---------------------------------------------------------------------------------------


def _date(
    raw: str | None, default: datetime.date, problems: list[str], label: str
) -> datetime.date:
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        problems.append(_("%(field)s : saisissez une date valide (AAAA-MM-JJ).") % {"field": label})
        return default


def statistics_range(data: QueryDict) -> tuple[datetime.date, datetime.date, list[str]]:
    """The range of `from` / `to` (default: the last 30 days up to today), and what was
    wrong with it (said on the page, the range then corrected)."""
    today = timezone.localdate()
    problems: list[str] = []
    end = _date(data.get("to"), today, problems, _("Au"))
    start = _date(
        data.get("from"), end - datetime.timedelta(days=queries.DEFAULT_DAYS), problems, _("Du")
    )
    if start > end:
        problems.append(_("La date de début est après la date de fin : elles ont été inversées."))
        start, end = end, start
    if (end - start).days > queries.MAX_DAYS:
        problems.append(_("La période est limitée à trois ans : le début a été rapproché."))
        start = end - datetime.timedelta(days=queries.MAX_DAYS)
    return start, end, problems


def delay_text(delay: datetime.timedelta | None) -> str:
    """« 2 h 05 », « 3 j 4 h », « 12 min »; « — » without a delay."""
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s j %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@colleague_required
@require_GET
def inbox_statistics(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Per assignee: tickets received, still open, closed, and the median time to the first
    response, over a date range — counting only the tickets the viewer sees."""
    start, end, problems = statistics_range(request.GET)
    found = queries.ticket_statistics(actor, start, end)
    rows = [(row, delay_text(row.median_first_response)) for row in found.rows]
    return render(
        request,
        "inbox/statistics.html",
        {
            "start": start,
            "end": end,
            "problems": problems,
            "stats": found,
            "rows": rows,
            "total_delay": delay_text(found.total.median_first_response),
            "chart_height": 28 * len(rows) + 24,
        },
    )
