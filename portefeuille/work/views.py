"""The work view (docs/work.md): the Kanban board and the list of the same selection, its
filters (all in the URL), moving a card to another status (dragged, or with the card's
« Déplacer vers » form, which works without JavaScript), and the saved segments. An item's
own pages are views_items.py.

Thin adapters: the selection is work/queries.py (`board`, `work_list`, through the work
door), every write one call of work/services.py. A card seen by name only shows its title,
its status and its client's name, and cannot be moved (the service refuses it anyway).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from portefeuille.access import rules
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.contacts.views import parse_id
from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, RoleSlot, WorkType
from portefeuille.firms.views import colleague_required, refusal_text

from . import queries, services
from .models import Segment
from .queries import WorkFilters

# The client groups the filter offers (seen in full, by name).
GROUP_CHOICES = 300
# Parameters of the page that are not filters.
PAGE_PARAMETERS = ("view", "after")
# How the page names a filter whose value it could not read.
FILTER_LABELS = {
    "assignee": gettext_lazy("Assigné à"),
    "client_owner": gettext_lazy("Responsable client"),
    "client_manager": gettext_lazy("Gestionnaire du client"),
    "role": gettext_lazy("Poste personnalisé"),
    "role_holder": gettext_lazy("Titulaire du poste"),
    "member": gettext_lazy("Membre de l'équipe client"),
    "mine": gettext_lazy("Mes clients"),
    "portfolio": gettext_lazy("Portefeuille"),
    "type": gettext_lazy("Type de travail"),
    "status": gettext_lazy("Statut"),
    "state": gettext_lazy("État"),
    "due": gettext_lazy("Échéance"),
    "due_before": gettext_lazy("Échéance jusqu'au"),
    "due_after": gettext_lazy("Échéance à partir du"),
    "client_group": gettext_lazy("Groupe de clients"),
    "client": gettext_lazy("Client"),
}


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _titled_slots(actor: Colleague) -> list[RoleSlot]:
    return list(RoleSlot.objects.filter(firm_id=actor.firm_id).exclude(title="").order_by("number"))


def page_filters(
    actor: Colleague, data: QueryDict, slots: list[RoleSlot]
) -> tuple[WorkFilters, list[tuple[str, str]]]:
    """The filters of a query string (or of a form carrying them), and what was wrong with
    it: a malformed value is left out and said, never an error page.

    The form has one select per titled role slot (`role<number>` = its holder): the first
    one chosen becomes `role` + `role_holder`, the names the URL, the API and the segments
    use. An untitled slot is shown nowhere, filters included; with the ownership switch
    off, owners show nowhere either (data kept)."""
    values = {key: data.get(key, "") for key in data if key not in PAGE_PARAMETERS}
    titled = {slot.number for slot in slots}
    for slot in slots:
        holder = values.pop(f"role{slot.number}", "")
        if holder and not values.get("role"):
            values["role"], values["role_holder"] = str(slot.number), holder
    problems: list[tuple[str, str]] = []
    try:
        filters = queries.parse_filters(values, me=actor)
    except ValidationError as error:
        for name, found in error.message_dict.items():
            label = str(FILTER_LABELS.get(name, name))
            problems.extend((label, message) for message in found)
            values.pop(name, None)
        filters = queries.parse_filters(values, me=actor)
    if filters.role is not None and filters.role not in titled:
        filters = filters.without("role")
    if not actor.firm.ownership_enabled:
        filters = filters.without("client_owner")
    return filters, problems


def _view_of(data: QueryDict) -> str:
    return "list" if data.get("view") == "list" else "board"


def _parameters(filters: WorkFilters, view: str, **extra: Any) -> dict[str, str]:
    """The page's query parameters for these filters."""
    query = filters.as_query()
    if view == "list":
        query["view"] = "list"
    query.update({key: str(value) for key, value in extra.items()})
    return query


def _query(filters: WorkFilters, view: str, **extra: Any) -> str:
    """The page's address for these filters (its query string, without `?`), in the order
    the segments store it (work/services.py::save_segment)."""
    return urlencode(sorted(_parameters(filters, view, **extra).items()))


def _board_url(query: str) -> str:
    base = reverse("work_board")
    return f"{base}?{query}" if query else base


def _filter_choices(actor: Colleague) -> dict[str, Any]:
    """What the filter form offers: a constant number of queries."""
    firm = actor.firm
    entries = (
        list(
            OwnerEntry.objects.filter(firm_id=firm.pk)
            .select_related("colleague")
            .order_by("colleague__last_name", "colleague__first_name", "name")
        )
        if firm.ownership_enabled
        else []
    )
    groups = (
        rules.visible_clients(actor, Level.FULL)
        .filter(kind=Contact.Kind.CLIENT_GROUP)
        .only("id", "display_name")
        .order_by("search_name", "id")[:GROUP_CHOICES]
    )
    return {
        "firm": firm,
        "colleagues": list(active_colleagues(firm.pk)),
        "owner_entries": entries,
        "portfolios": list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name")),
        "work_types": list(WorkType.objects.filter(firm_id=firm.pk).order_by("position", "name")),
        "client_groups": list(groups),
        "statuses_all": queries.work_statuses(actor),
        "due_choices": [
            ("overdue", _("En retard")),
            ("week", _("Cette semaine")),
            ("month", _("Ce mois-ci")),
        ],
    }


@colleague_required
@require_GET
def work_board(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """The board (or, with `?view=list`, the list) of the items matching the filters."""
    slots = _titled_slots(actor)
    filters, problems = page_filters(actor, request.GET, slots)
    view = _view_of(request.GET)
    query = _query(filters, view)
    filter_query = _query(filters, "board")
    context: dict[str, Any] = {
        "filters": filters,
        "view": view,
        "query": query,
        "filter_query": filter_query,
        "problems": problems,
        "slots": slots,
    }
    if view == "list":
        after = request.GET.get("after") or None
        context["page"] = queries.work_list(actor, filters, after=after)
        context["is_continuation"] = after is not None
    else:
        board = queries.board(actor, filters)
        context["board"] = board
        context["statuses"] = [column.status for column in board.columns]
        context["columns"] = [
            (column, _query(filters.without("status"), "list", status=column.status.pk))
            for column in board.columns
        ]
        context["next"] = _board_url(query)
    target = request.headers.get("HX-Target", "") if _is_htmx(request) else ""
    if target == "more-items" and view == "list":
        return render(request, "work/board.html#rows", context)
    if target == "work-results":
        # The tabs and the segment form carry the filters: swapped out of band too.
        context["oob"] = True
        response = render(request, "work/board.html#results", context)
        return push_url(response, _board_url(query))
    context.update(_filter_choices(actor))
    segments = list(Segment.objects.filter(owner_id=actor.pk, area=Segment.Area.WORK))
    context["segments"] = segments
    context["current_segment"] = next(
        (segment.pk for segment in segments if segment.query == query), None
    )
    return render(request, "work/board.html", context)


# ---------------------------------------------------------------------------------------
# Moving a card.
# ---------------------------------------------------------------------------------------


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the board the form came from (its filters kept), else the board."""
    target = request.POST.get("next", "")
    board = reverse("work_board")
    if target.startswith(board) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("work_board")


def _wants_json(request: HttpRequest) -> bool:
    """The board's script (work/static/work/board.js) asks for JSON; a form does not."""
    return "application/json" in request.headers.get("Accept", "")


@colleague_required
@require_POST
def work_move(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    """Moves a card to another status (`status`), from the copy the page had (`version`): a
    stale copy is refused and the other person's move stays. The board's script gets JSON
    (its card goes back on a refusal); a form gets a message and the board again."""
    wants_json = _wants_json(request)
    raw_version = request.POST.get("version", "")
    # No version: the caller did not say (unchecked). A version that is no number cannot be
    # the current one: refused as stale, never taken for "unchecked".
    if not raw_version:
        expected: int | None = None
    elif raw_version.isascii() and raw_version.isdigit() and len(raw_version) < 19:
        expected = int(raw_version)
    else:
        expected = -1
    status_id = parse_id(request.POST.get("status"))
    try:
        item = services.move_work_item(
            actor=actor,
            item=item_id,
            status=status_id if status_id is not None else 0,
            expected_version=expected,
        )
    except Http404:
        if wants_json:
            return JsonResponse({"message": _("Cet élément de travail n'existe pas.")}, status=404)
        raise
    except PermissionDenied as error:
        if wants_json:
            return JsonResponse({"message": str(error)}, status=403)
        raise
    except StaleVersionError as error:
        if wants_json:
            return JsonResponse({"message": refusal_text(error)}, status=409)
        messages.error(request, refusal_text(error))
        return _back(request)
    except ValidationError as error:
        if wants_json:
            return JsonResponse({"message": refusal_text(error)}, status=422)
        messages.error(request, refusal_text(error))
        return _back(request)
    text = _("« %(title)s » est maintenant « %(status)s ».") % {
        "title": item.title,
        "status": item.status.name,
    }
    if wants_json:
        return JsonResponse({"version": item.version, "status": item.status_id, "message": text})
    messages.success(request, text)
    return _back(request)


# ---------------------------------------------------------------------------------------
# Segments: the filters saved under a name, for their owner.
# ---------------------------------------------------------------------------------------


@colleague_required
@require_POST
def work_segment_save(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Saves the filters the form carries (those of the page) under `name`."""
    filters, _problems = page_filters(actor, request.POST, _titled_slots(actor))
    view = _view_of(request.POST)
    query = _query(filters, view)
    try:
        segment = services.save_segment(
            actor=actor, name=request.POST.get("name", ""), query=_parameters(filters, view)
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect(_board_url(query))
    messages.success(request, _("Segment « %(name)s » enregistré.") % {"name": segment.name})
    return redirect(_board_url(segment.query))


@colleague_required
@require_http_methods(["GET", "POST"])
def work_segment_delete(request: HttpRequest, actor: Colleague, segment_id: int) -> HttpResponse:
    """GET: asks to confirm; POST: deletes one of the viewer's own segments (another's is a
    404, like an unknown one)."""
    segment = Segment.objects.filter(pk=segment_id, owner_id=actor.pk).first()
    if segment is None:
        raise Http404
    if request.method == "POST":
        services.delete_segment(actor=actor, segment=segment)
        messages.success(request, _("Segment « %(name)s » supprimé.") % {"name": segment.name})
        return redirect("work_board")
    return render(request, "work/segment_confirm_delete.html", {"segment": segment})
