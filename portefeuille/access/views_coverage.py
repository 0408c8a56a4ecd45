"""The coverage monitor's bulk fix (docs/coverage.md): on the contacts page filtered by a
coverage gap, give one owner or one manager to the selected clients or to all the filtered
ones — a preview first (how many change, which the colleague may not change), then one
service call. The counts are on the home page (web/views.py).

Thin adapter: the clients are the contacts page's own filtered list (contacts/queries.py,
through the access door); the plan and the change are access.services.bulk.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portefeuille.contacts import queries
from portefeuille.contacts.views import filters_from_query, parse_id
from portefeuille.firms.models import Colleague, RoleSlot
from portefeuille.firms.views import colleague_required, refusal_text

from . import services
from .models import OwnerEntry

REFUSED_SHOWN = 50


def _back(query: str) -> HttpResponse:
    return redirect(f"{reverse('contacts:list')}?{query}" if query else reverse("contacts:list"))


def _client_ids(actor: Colleague, request: HttpRequest, query: str) -> list[int]:
    """The clients the fix is for: the filtered list's, all of them or the selected ones
    among them (a selected client no longer in the list is left out). The confirmation of
    "all the filtered clients" is for those the preview listed (`ids`, sent back by the
    preview page), never for clients the list gained since."""
    titled = set(
        RoleSlot.objects.filter(firm_id=actor.firm_id)
        .exclude(title="")
        .values_list("number", flat=True)
    )
    listed = queries.filtered_contacts(actor, filters_from_query(QueryDict(query), titled))
    if request.POST.get("scope") != "all":
        raws = request.POST.getlist("client")
    elif request.POST.get("confirm") == "1":
        raws = request.POST.get("ids", "").split(",")
    else:
        raws = None
    if raws is not None:
        listed = listed.filter(pk__in={pk for raw in raws if (pk := parse_id(raw.strip()))})
    return list(listed.values_list("pk", flat=True))


def _target(actor: Colleague, request: HttpRequest) -> tuple[str, Any]:
    """("owner", roster entry) or ("manager", colleague), of the actor's firm."""
    field = "manager" if request.POST.get("target") == "manager" else "owner"
    pk = parse_id(request.POST.get(field))
    model: type[OwnerEntry] | type[Colleague] = Colleague if field == "manager" else OwnerEntry
    found = model.objects.filter(firm_id=actor.firm_id, pk=pk).first() if pk else None
    if found is None:
        raise ValidationError(
            _("Choisissez un gestionnaire.")
            if field == "manager"
            else _("Choisissez un responsable client.")
        )
    return field, found


@colleague_required
@require_POST
def coverage_fix(request: HttpRequest, actor: Colleague) -> HttpResponse:
    query = request.POST.get("filters", "")
    try:
        field, target = _target(actor, request)
        ids = _client_ids(actor, request, query)
        if not ids:
            raise ValidationError(_("Sélectionnez au moins un client."))
        if request.POST.get("confirm") != "1":
            plan = (
                services.plan_bulk_manager(actor=actor, client_ids=ids, manager=target)
                if field == "manager"
                else services.plan_bulk_owner(actor=actor, client_ids=ids, owner=target)
            )
            return render(
                request,
                "access/coverage_fix.html",
                {
                    "plan": plan,
                    "field": field,
                    "target": target,
                    "query": query,
                    "scope": request.POST.get("scope", ""),
                    "ids": ids,
                    "refused_shown": plan.refused[:REFUSED_SHOWN],
                    "refused_more": max(0, len(plan.refused) - REFUSED_SHOWN),
                },
            )
        done = (
            services.bulk_set_manager(actor=actor, client_ids=ids, manager=target)
            if field == "manager"
            else services.bulk_set_owner(actor=actor, client_ids=ids, owner=target)
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return _back(query)
    text = ngettext(
        "%(count)s client modifié.", "%(count)s clients modifiés.", len(done.changed)
    ) % {"count": len(done.changed)}
    if done.refused:
        text += " " + ngettext(
            "%(count)s client laissé tel quel : vous ne pouvez pas modifier son équipe.",
            "%(count)s clients laissés tels quels : vous ne pouvez pas modifier leur équipe.",
            len(done.refused),
        ) % {"count": len(done.refused)}
    messages.success(request, text)
    return _back(query)
