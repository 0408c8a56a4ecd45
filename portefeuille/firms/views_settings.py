"""The firm settings page (admins only): the firm's settings, the titles of the custom role
slots, and the ordered lists (contact types, work types, work statuses, the stages of the
sales pipeline, docs/sales.md).

Thin adapters: parse the form, fetch the entry in the actor's firm (another firm's id is a
404 like an unknown one), call one service, render. Others get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import FirmSettingsForm, ListItemForm, RoleSlotsForm, apply_errors
from .models import Colleague, ContactType, OpportunityStage, RoleSlot, WorkStatus, WorkType
from .views import admin_required


@dataclass(frozen=True)
class SettingsList:
    """One of the ordered, named lists of the settings page, and its services."""

    key: str
    model: type[ContactType] | type[WorkType] | type[WorkStatus] | type[OpportunityStage]
    create: Callable[..., Any]
    rename: Callable[..., Any]
    delete: Callable[..., Any]
    move: Callable[..., Any]
    param: str


SETTINGS_LISTS = {
    "contact-types": SettingsList(
        "contact-types",
        ContactType,
        services.create_contact_type,
        services.rename_contact_type,
        services.delete_contact_type,
        services.move_contact_type,
        "contact_type",
    ),
    "work-types": SettingsList(
        "work-types",
        WorkType,
        services.create_work_type,
        services.rename_work_type,
        services.delete_work_type,
        services.move_work_type,
        "work_type",
    ),
    "work-statuses": SettingsList(
        "work-statuses",
        WorkStatus,
        services.create_work_status,
        services.rename_work_status,
        services.delete_work_status,
        services.move_work_status,
        "work_status",
    ),
    "opportunity-stages": SettingsList(
        "opportunity-stages",
        OpportunityStage,
        services.create_opportunity_stage,
        services.rename_opportunity_stage,
        services.delete_opportunity_stage,
        services.move_opportunity_stage,
        "opportunity_stage",
    ),
}


def _settings_context(actor: Colleague, **extra: Any) -> dict[str, Any]:
    firm = actor.firm
    slots = list(RoleSlot.objects.filter(firm_id=actor.firm_id).order_by("number"))
    context: dict[str, Any] = {
        "firm_form": FirmSettingsForm.for_firm(firm),
        "roles_form": RoleSlotsForm(slots=slots),
        "contact_types": ContactType.objects.filter(firm_id=actor.firm_id)
        .annotate(usage=Count("contacts"))
        .order_by("position", "name"),
        "work_types": WorkType.objects.filter(firm_id=actor.firm_id)
        .annotate(usage=Count("work_items"))
        .order_by("position", "name"),
        "work_statuses": WorkStatus.objects.filter(firm_id=actor.firm_id)
        .annotate(usage=Count("work_items"))
        .order_by("position", "name"),
        "primary_states": WorkStatus.PrimaryState.choices,
        # The usage count follows sales.Opportunity.stage's reverse relation.
        "opportunity_stages": OpportunityStage.objects.filter(firm_id=actor.firm_id)
        .annotate(usage=Count("opportunities"))
        .order_by("position", "name"),
        "outcomes": OpportunityStage.Outcome.choices,
    }
    context.update(extra)
    return context


@admin_required
@require_http_methods(["GET", "POST"])
def firm_settings(request: HttpRequest, actor: Colleague) -> HttpResponse:
    extra: dict[str, Any] = {}
    if request.method == "POST":
        form = FirmSettingsForm.for_firm(actor.firm, request.POST)
        if form.is_valid():
            try:
                services.update_firm_settings(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Paramètres enregistrés."))
                return redirect("firms:firm_settings")
        extra["firm_form"] = form
    return render(request, "firms/firm_settings.html", _settings_context(actor, **extra))


@admin_required
@require_POST
def role_slots(request: HttpRequest, actor: Colleague) -> HttpResponse:
    slots = list(RoleSlot.objects.filter(firm_id=actor.firm_id).order_by("number"))
    form = RoleSlotsForm(request.POST, slots=slots)
    if form.is_valid():
        try:
            services.set_role_slot_titles(actor=actor, titles=form.titles())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Intitulés des postes enregistrés."))
            return HttpResponseRedirect(reverse("firms:firm_settings") + "#roles")
    return render(request, "firms/firm_settings.html", _settings_context(actor, roles_form=form))


def _list_response(
    request: HttpRequest, actor: Colleague, spec: SettingsList, errors: list[str]
) -> HttpResponse:
    """The list's section for HTMX; a redirect (with the refusal as a message) otherwise."""
    if getattr(request, "htmx", False):
        context = _settings_context(actor, **{f"errors_{spec.key.replace('-', '_')}": errors})
        return render(request, f"firms/firm_settings.html#{spec.key}", context)
    for error in errors:
        messages.error(request, error)
    return HttpResponseRedirect(reverse("firms:firm_settings") + f"#{spec.key}")


@admin_required
@require_POST
def settings_list_create(request: HttpRequest, actor: Colleague, kind: str) -> HttpResponse:
    spec = SETTINGS_LISTS.get(kind)
    if spec is None:
        raise Http404
    form = ListItemForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        kwargs: dict[str, Any] = {"name": form.cleaned_data["name"]}
        if spec.model is WorkStatus:
            kwargs["primary_state"] = form.cleaned_data["primary_state"]
        if spec.model is ContactType:
            kwargs["is_archive"] = form.cleaned_data["is_archive"]
        if spec.model is OpportunityStage:
            kwargs["outcome"] = form.cleaned_data["outcome"] or OpportunityStage.Outcome.OPEN
        try:
            spec.create(actor=actor, **kwargs)
        except ValidationError as error:
            errors = list(error.messages)
    else:
        errors = [str(message) for field in form.errors.values() for message in field]
    return _list_response(request, actor, spec, errors)


@admin_required
@require_POST
def settings_list_action(
    request: HttpRequest, actor: Colleague, kind: str, pk: int, action: str
) -> HttpResponse:
    """rename / archive / delete / up / down on one entry of a settings list."""
    spec = SETTINGS_LISTS.get(kind)
    if spec is None:
        raise Http404
    item = get_object_or_404(spec.model, pk=pk, firm_id=actor.firm_id)
    errors: list[str] = []
    try:
        if action == "rename":
            form = ListItemForm(request.POST)
            if not form.is_valid():
                errors = [str(message) for field in form.errors.values() for message in field]
            elif spec.model is WorkStatus:
                services.update_work_status(
                    actor=actor,
                    work_status=item,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    primary_state=form.cleaned_data["primary_state"] or None,
                )
            elif spec.model is OpportunityStage:
                services.update_opportunity_stage(
                    actor=actor,
                    opportunity_stage=item,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    outcome=form.cleaned_data["outcome"] or None,
                )
            else:
                spec.rename(actor=actor, **{spec.param: item}, name=form.cleaned_data["name"])
        elif action == "archive" and spec.model is ContactType:
            services.set_contact_type_archive(
                actor=actor,
                contact_type=item,  # type: ignore[arg-type]
                is_archive=request.POST.get("is_archive") == "on",
            )
        elif action == "delete":
            spec.delete(actor=actor, **{spec.param: item})
        elif action in {"up", "down"}:
            spec.move(actor=actor, **{spec.param: item}, offset=-1 if action == "up" else 1)
        else:
            raise Http404
    except ValidationError as error:
        errors = list(error.messages)
    return _list_response(request, actor, spec, errors)
