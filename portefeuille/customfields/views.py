"""The settings page « Champs personnalisés » (admins; docs/custom-fields.md): the fields of
each kind of record, defining one, changing it (label, choices, shown in the lists,
archived), moving it up or down, deleting it after a confirmation that says how many values
go with it.

Thin adapters: the field is read in the admin's firm (another firm's id is the same 404 as
an unknown one), every write one call of customfields/services.py. Others get 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.firms.forms import apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import admin_required, refusal_text

from . import services
from .forms import CustomFieldForm
from .models import CustomField


def _field_of(actor: Colleague, field_id: int) -> CustomField:
    found = CustomField.objects.filter(pk=field_id, firm_id=actor.firm_id).first()
    if found is None:
        raise Http404
    return found


@admin_required
@require_GET
def custom_field_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Every field of the firm by kind of record, with how many records hold a value: one
    query."""
    fields = list(
        CustomField.objects.filter(firm_id=actor.firm_id)
        .annotate(usage=Count("values"))
        .order_by("position", "id")
    )
    areas = [
        {
            "value": value,
            "label": label,
            "fields": [field for field in fields if field.area == value],
        }
        for value, label in CustomField.Area.choices
    ]
    return render(request, "customfields/field_list.html", {"areas": areas})


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    initial = {}
    area = request.GET.get("area", "")
    if area in CustomField.Area.values:
        initial["area"] = area
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = services.define_custom_field(
                actor=actor,
                area=data["area"],
                label=data["label"],
                kind=data["kind"],
                choices=form.choice_lines(),
                in_list=data["in_list"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Champ « %(label)s » créé.") % {"label": field.label})
            return redirect("custom_field_list")
    return render(
        request,
        "customfields/field_form.html",
        {"form": form, "field": None},
        status=422 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, actor: Colleague, field_id: int) -> HttpResponse:
    field = _field_of(actor, field_id)
    form = CustomFieldForm(request.POST or None, field=field)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            changes: dict[str, Any] = {
                "label": data["label"],
                "in_list": data["in_list"],
                "archived": data["archived"],
            }
            if "choices" in form.fields:
                changes["choices"] = form.choice_lines()
            try:
                services.update_custom_field(
                    actor=actor, field=field, expected_version=data.get("version"), **changes
                )
            except StaleVersionError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("custom_field_list")
    return render(
        request, "customfields/field_form.html", {"form": form, "field": field}, status=status
    )


@admin_required
@require_POST
def custom_field_move(request: HttpRequest, actor: Colleague, field_id: int) -> HttpResponse:
    """Moves a field up or down among its kind of record's fields (`direction`)."""
    field = _field_of(actor, field_id)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        messages.error(request, _("Direction inconnue."))
        return redirect("custom_field_list")
    services.move_custom_field(actor=actor, field=field, offset=-1 if direction == "up" else 1)
    return redirect("custom_field_list")


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_delete(request: HttpRequest, actor: Colleague, field_id: int) -> HttpResponse:
    """GET: asks to confirm, saying how many values would go; POST: deletes."""
    field = _field_of(actor, field_id)
    if request.method == "POST":
        try:
            count = services.delete_custom_field(
                actor=actor,
                field=field,
                expected_version=_posted_number(request, "version"),
                expected_values=_posted_number(request, "values"),
            )
        except ValidationError as error:
            messages.error(request, refusal_text(error))
            return redirect("custom_field_delete", field_id=field.pk)
        messages.success(
            request,
            _("Champ « %(label)s » supprimé, avec ses %(count)s valeur(s).")
            % {"label": field.label, "count": count},
        )
        return redirect("custom_field_list")
    return render(
        request,
        "customfields/field_confirm_delete.html",
        {"field": field, "count": services.values_count(field)},
    )


def _posted_number(request: HttpRequest, name: str) -> int | None:
    """A number the confirmation carried; not a number: one that matches nothing."""
    raw = request.POST.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return int(raw)
    return -1 if raw else None
