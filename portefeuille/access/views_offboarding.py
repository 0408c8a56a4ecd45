"""The offboarding pages (admins, docs/offboarding.md): from a colleague's « Désactiver » or
« Supprimer », the plan of everything they hold with a successor per place — chosen one by
one, for a selection or for a whole portfolio — then the preview and the apply.

Thin adapters over access/offboarding.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portefeuille.contacts.views import parse_id
from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import admin_required, refusal_text

from . import offboarding
from .holdings import KINDS
from .models import OffboardingPlan, OwnerEntry, Portfolio


def _plan(actor: Colleague, pk: int) -> OffboardingPlan:
    return get_object_or_404(OffboardingPlan, pk=pk, firm_id=actor.firm_id)


def _int(value: str | None) -> int | None:
    return parse_id(value)


@admin_required
@require_POST
def offboarding_start(request: HttpRequest, actor: Colleague, pk: int, action: str) -> HttpResponse:
    colleague = get_object_or_404(Colleague, pk=pk, firm_id=actor.firm_id)
    try:
        plan = offboarding.create_offboarding_plan(actor=actor, colleague=colleague, action=action)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect("firms:colleague_edit", pk=colleague.pk)
    return redirect("offboarding:plan", pk=plan.pk)


@admin_required
@require_GET
def offboarding_plan(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    preview = offboarding.preview_offboarding(actor=actor, plan=_plan(actor, pk))
    portfolios = sorted(
        {(row.portfolio_id, row.portfolio_name) for row in preview.rows if row.portfolio_id},
        key=lambda pair: pair[1],
    )
    leaver_id = preview.plan.colleague_id
    context: dict[str, Any] = {
        "plan": preview.plan,
        "preview": preview,
        "portfolios": portfolios,
        "colleagues": active_colleagues(actor.firm_id).exclude(pk=leaver_id or 0),
        "owners": OwnerEntry.objects.filter(firm_id=actor.firm_id, colleague__isnull=True),
        "kinds": KINDS,
    }
    return render(request, "access/offboarding_plan.html", context)


@admin_required
@require_POST
def offboarding_assign(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """One group of places to one successor: the ticked places, or a portfolio's."""
    plan = _plan(actor, pk)
    successor_id = _int(request.POST.get("successor"))
    group: dict[str, Any] = {
        "successor": get_object_or_404(Colleague, pk=successor_id, firm_id=actor.firm_id)
        if successor_id
        else None
    }
    owner_id = _int(request.POST.get("successor_owner"))
    if owner_id:
        group["successor_owner"] = get_object_or_404(OwnerEntry, pk=owner_id, firm_id=actor.firm_id)
    portfolio_id = _int(request.POST.get("portfolio"))
    if request.POST.get("scope") == "portfolio" and portfolio_id:
        group["portfolio"] = get_object_or_404(Portfolio, pk=portfolio_id, firm_id=actor.firm_id)
    else:
        group["item_ids"] = [
            item for raw in request.POST.getlist("items") if (item := parse_id(raw)) is not None
        ]
        if not group["item_ids"]:
            messages.error(request, _("Cochez au moins une ligne."))
            return redirect("offboarding:plan", pk=plan.pk)
    kind = request.POST.get("kind")
    if kind in KINDS:
        group["kinds"] = [kind]
    try:
        count = offboarding.set_offboarding_successors(actor=actor, plan=plan, **group)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "Successeur choisi pour %(count)d ligne.",
                "Successeur choisi pour %(count)d lignes.",
                count,
            )
            % {"count": count},
        )
    return redirect("offboarding:plan", pk=plan.pk)


@admin_required
@require_GET
def offboarding_preview(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    preview = offboarding.preview_offboarding(actor=actor, plan=_plan(actor, pk))
    return render(request, "access/offboarding_preview.html", {"preview": preview})


@admin_required
@require_POST
def offboarding_apply(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    plan = _plan(actor, pk)
    name = plan.colleague_name
    try:
        applied = offboarding.apply_offboarding(actor=actor, plan=plan)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect("offboarding:preview", pk=plan.pk)
    messages.success(
        request,
        _("Départ de %(name)s appliqué : %(count)d changements.")
        % {"name": name, "count": applied.changed},
    )
    if plan.action == OffboardingPlan.Action.DELETE:
        return redirect("firms:colleague_list")
    return redirect("firms:colleague_edit", pk=plan.colleague_id)
