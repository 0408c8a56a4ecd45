"""The sales pages (docs/sales.md), mounted at /sales/: the opportunities' list, page, create,
edit and delete forms (here), the projects' (views_projects.py) and the invoices'
(views_invoices.py), and a contact's « Ventes » tab, /contacts/<id>/sales/ (portefeuille/urls.py).

Thin adapters: every read goes through the records' door (`visible_to`, access/scopes.py;
the lists are sales/queries.py), every write is one call of sales/services.py. A record the
viewer cannot see is the same 404 as an unknown id. A record seen through its own people
(`client_level` NAME: an opportunity assigned to them, a project they manage or work on) is
shown whole, and of its client the name only, without a link: nothing else of the client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.contacts.queries import search
from portefeuille.contacts.views import parse_id
from portefeuille.contacts.views_details import load_contact
from portefeuille.customfields import queries as custom
from portefeuille.customfields.forms import attach_value_fields, posted_values
from portefeuille.customfields.lists import CustomList, custom_list
from portefeuille.customfields.segments import segment_form, segment_sidebar
from portefeuille.customfields.services import write_with_custom_values
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, OpportunityStage
from portefeuille.firms.views import colleague_required, refusal_text

from . import queries, services
from .forms import OpportunityForm
from .models import Opportunity

CLIENT_CHOICES = 20
# Parameters of a list page that are not filters.
PAGE_PARAMETERS = ("after",)
# How a list names a filter whose value it could not read.
FILTER_LABELS = {
    "assignee": gettext_lazy("Affectée à"),
    "stage": gettext_lazy("Étape"),
    "outcome": gettext_lazy("Issue"),
    "client": gettext_lazy("Client"),
    "manager": gettext_lazy("Gestionnaire du projet"),
    "status": gettext_lazy("Statut"),
}


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def record_fields(model: type[Model], *related: str) -> tuple[str, ...]:
    """What a record's page reads: the record's own fields, its client's name (never more
    of the client), and the rows named in `related` whole."""
    own = tuple(field.attname for field in model._meta.concrete_fields)
    return (*own, "client__id", "client__display_name", "client__kind", *related)


def list_filters(
    request: HttpRequest, parse: Callable[..., Any], actor: Colleague
) -> tuple[Any, list[tuple[str, str]]]:
    """The filters of the query string, and what was wrong with it: a malformed value is
    left out and said, never an error page."""
    data: QueryDict = request.GET
    values = {key: data.get(key, "") for key in data if key not in PAGE_PARAMETERS}
    problems: list[tuple[str, str]] = []
    try:
        return parse(values, me=actor), problems
    except ValidationError as error:
        for name, found in error.message_dict.items():
            label = str(FILTER_LABELS.get(name, name))
            problems.extend((label, message) for message in found)
            values.pop(name, None)
    return parse(values, me=actor), problems


def list_response(
    request: HttpRequest,
    actor: Colleague,
    *,
    template: str,
    url_name: str,
    filters: queries.Filters,
    problems: list[tuple[str, str]],
    selection: QuerySet[Any],
    order: tuple[str, ...],
    extra: Callable[[], dict[str, Any]] | None = None,
    totals: Callable[[], list[Any]] | None = None,
    custom_fields: CustomList | None = None,
    segments: str = "",
) -> HttpResponse:
    """A list page: the whole page, or for HTMX its results (the filter form's target) or
    its next rows (the « Afficher plus » link's). `custom_fields`: the list's custom field
    filters (already applied to `selection`) and columns; `segments`: the segments' area
    shown above the list (customfields/, docs/custom-fields.md)."""
    after = request.GET.get("after") or None
    custom_query = custom_fields.query if custom_fields is not None else {}
    query = urlencode({**queries.as_query(filters), **custom_query})
    page = queries.page(selection, order, after)
    if custom_fields is not None:
        custom_fields.decorate(page.rows)
    context: dict[str, Any] = {
        "filters": filters,
        "problems": problems,
        "page": page,
        "query": query,
        "is_continuation": after is not None,
        "list_url": reverse(url_name),
        "filter_client": queries.filter_client(actor, getattr(filters, "client", None)),
        "filtered": bool(query),
        **(custom_fields.context() if custom_fields is not None else {}),
    }
    target = request.headers.get("HX-Target", "") if is_htmx(request) else ""
    if target == "more-rows":
        return render(request, f"{template}#rows", context)
    if after is None and totals is not None:
        context["totals"] = totals()
    if target == "sales-results":
        if segments:
            # The « Enregistrer comme segment » form carries the new filters (out of band).
            context["segment_form"] = segment_form(segments, query)
        base = reverse(url_name)
        response = render(request, f"{template}#results", context)
        return push_url(response, f"{base}?{query}" if query else base)
    if extra is not None:
        context.update(extra())
    if segments:
        context["segment_sidebar"] = segment_sidebar(actor, segments, query)
    return render(request, template, context)


def choose_client(
    request: HttpRequest, actor: Colleague, *, url_name: str, title: str
) -> HttpResponse:
    """The short search that chooses the client of a new record: the clients the viewer sees
    in full whose name matches (the work item form's picker)."""
    query = request.GET.get("q", "").strip()[:200]
    clients: list[Contact] = []
    if query:
        clients = list(
            search(rules.visible_clients(actor, Level.FULL), query)
            .only("id", "display_name", "kind")
            .order_by("search_name", "id")[:CLIENT_CHOICES]
        )
    return render(
        request,
        "sales/choose_client.html",
        {"q": query, "clients": clients, "new_url": reverse(url_name), "title": title},
    )


def new_record_client(request: HttpRequest, actor: Colleague) -> Contact | None:
    """The client of a new record (`client`, in the form or the address), seen in full
    (else 404); None when none is given yet."""
    client_id = parse_id(request.POST.get("client") or request.GET.get("client"))
    if client_id is None:
        return None
    return load_contact(actor, client_id)


def posted_version(request: HttpRequest) -> int | None:
    """The version a delete form carries: none given, unchecked; not a number, stale."""
    raw = request.POST.get("version", "")
    version = parse_id(raw) if raw else None
    if raw and version is None:
        version = -1
    return version


def record_context(record: Any, **extra: Any) -> dict[str, Any]:
    full = record.client_level >= Level.FULL
    return {"record": record, "full": full, **extra}


# ---------------------------------------------------------------------------------------
# Opportunities.
# ---------------------------------------------------------------------------------------


def opportunity_of(actor: Colleague, opportunity_id: int) -> Opportunity:
    """The opportunity through its door, with `client_level`; unseen, unknown or of another
    firm: 404. One read."""
    found = (
        Opportunity.objects.visible_to(actor)
        .with_client_level(actor)
        .select_related("client", "stage", "assignee", "second_assignee")
        .only(*record_fields(Opportunity, "stage", "assignee", "second_assignee"))
        .filter(pk=opportunity_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@colleague_required
@require_GET
def opportunity_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    filters, problems = list_filters(request, queries.parse_opportunity_filters, actor)
    fields = custom_list(actor, custom.Area.OPPORTUNITY, request.GET)
    selection = fields.apply(queries.opportunities(actor, filters))
    return list_response(
        request,
        actor,
        template="sales/opportunity_list.html",
        url_name="opportunity_list",
        filters=filters,
        problems=problems + fields.problems,
        selection=selection,
        custom_fields=fields,
        segments="opportunities",
        order=queries.OPPORTUNITY_ORDER,
        totals=lambda: queries.open_totals(selection),
        extra=lambda: {
            "colleagues": list(active_colleagues(actor.firm_id)),
            "stages": queries.stages(actor),
            "outcomes": OpportunityStage.Outcome.choices,
        },
    )


@colleague_required
@require_GET
def opportunity_detail(request: HttpRequest, actor: Colleague, opportunity_id: int) -> HttpResponse:
    record = opportunity_of(actor, opportunity_id)
    values = custom.record_values(actor.firm_id, custom.Area.OPPORTUNITY, record)
    return render(
        request, "sales/opportunity_detail.html", record_context(record, custom_values=values)
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def opportunity_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """A new opportunity for `?client=<id>` (a client seen in full), assigned to the actor
    unless another is chosen; without a client, the search that chooses one."""
    client = new_record_client(request, actor)
    if client is None:
        return choose_client(
            request, actor, url_name="opportunity_new", title=_("Nouvelle opportunité")
        )
    stages = queries.stages(actor)
    first_open = next(
        (stage.pk for stage in stages if stage.outcome == OpportunityStage.Outcome.OPEN), None
    )
    form = OpportunityForm(
        request.POST or None,
        actor=actor,
        initial={"assignee": actor.pk, "stage": first_open},
    )
    fields = attach_value_fields(form, actor, custom.Area.OPPORTUNITY)
    if request.method == "POST" and form.is_valid():
        try:
            record = write_with_custom_values(
                actor=actor,
                area=custom.Area.OPPORTUNITY,
                values=posted_values(form, fields),
                write=lambda: services.create_opportunity(
                    actor=actor, client=client, **form.values()
                ),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Opportunité « %(title)s » créée.") % {"title": record.title}
            )
            return redirect("opportunity_detail", opportunity_id=record.pk)
    return render(
        request,
        "sales/opportunity_form.html",
        {"form": form, "client": client, "record": None, "full": True},
        status=422 if request.method == "POST" else 200,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, actor: Colleague, opportunity_id: int) -> HttpResponse:
    """Changes an opportunity from the copy the form was loaded with (`version`): a stale copy
    is refused with the service's message and the form comes back with what was typed."""
    record = opportunity_of(actor, opportunity_id)
    form = OpportunityForm(
        request.POST or None,
        actor=actor,
        opportunity=record,
        initial=OpportunityForm.initial_for(record),
    )
    fields = attach_value_fields(form, actor, custom.Area.OPPORTUNITY, record)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                write_with_custom_values(
                    actor=actor,
                    area=custom.Area.OPPORTUNITY,
                    values=posted_values(form, fields),
                    write=lambda: services.update_opportunity(
                        actor=actor,
                        opportunity=record,
                        expected_version=form.cleaned_data.get("version"),
                        **form.values(record),
                    ),
                    record=record,
                )
            except StaleVersionError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("opportunity_detail", opportunity_id=record.pk)
    return render(
        request,
        "sales/opportunity_form.html",
        record_context(record, form=form, client=record.client),
        status=status,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def opportunity_delete(request: HttpRequest, actor: Colleague, opportunity_id: int) -> HttpResponse:
    record = opportunity_of(actor, opportunity_id)
    if request.method == "POST":
        try:
            services.delete_opportunity(
                actor=actor, opportunity=record, expected_version=posted_version(request)
            )
        except StaleVersionError as error:
            messages.error(request, refusal_text(error))
            return redirect("opportunity_detail", opportunity_id=record.pk)
        messages.success(
            request, _("Opportunité « %(title)s » supprimée.") % {"title": record.title}
        )
        return redirect("opportunity_list")
    return render(request, "sales/opportunity_confirm_delete.html", record_context(record))


# ---------------------------------------------------------------------------------------
# A contact's « Ventes » tab.
# ---------------------------------------------------------------------------------------


@colleague_required
@require_GET
def contact_sales(request: HttpRequest, actor: Colleague, contact_id: int) -> HttpResponse:
    """The contact's opportunities, projects and invoices, and the buttons to add one. The
    contact is read in full like every tab of the contact page (else the same 404)."""
    contact = load_contact(actor, contact_id)
    return render(
        request,
        "sales/contact_sales.html",
        {
            "contact": contact,
            "tab": "sales",
            "sales": queries.contact_sales(actor, contact),
        },
    )
