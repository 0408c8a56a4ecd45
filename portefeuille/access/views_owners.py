"""The owner roster page, "Liste des responsables clients" (/settings/owners/, admins only):
the entries and how many clients each owns, adding a colleague or a manual owner, removing
an owner (their clients go to another owner, or nowhere), transferring all of one owner's
clients to another. A colleague's settings page adds them here too.

Thin adapters over access/services/owners.py: parse the form, fetch the entry in the
actor's firm (another firm's id is a 404 like an unknown one), call one service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from portefeuille.contacts.views import parse_id
from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.guards import UNSET, Unset
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import admin_required

from . import services
from .forms import owner_entries
from .models import OwnerEntry

NO_TRANSFER = "none"


def _entries(actor: Colleague) -> list[OwnerEntry]:
    """The whole roster (entries of deactivated colleagues included, marked), by name,
    each with `client_count` (admins see every client)."""
    entries = (
        OwnerEntry.objects.filter(firm_id=actor.firm_id)
        .select_related("colleague")
        .annotate(client_count=Count("clients"))
    )
    return sorted(entries, key=lambda entry: str(entry).casefold())


def _list_context(actor: Colleague, **extra: Any) -> dict[str, Any]:
    entries = _entries(actor)
    on_roster = {entry.colleague_id for entry in entries if entry.colleague_id}
    context: dict[str, Any] = {
        "entries": entries,
        "candidates": [c for c in active_colleagues(actor.firm_id) if c.pk not in on_roster],
        "errors": {},
        "name": "",
        "offer": None,
    }
    context.update(extra)
    return context


@admin_required
def owner_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    return render(request, "access/owner_list.html", _list_context(actor))


def _next_page(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@admin_required
@require_POST
def owner_add(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Adds the colleague picked (`colleague`), or the manual owner named (`name`); a name
    that matches a colleague is offered as that colleague, unless `allow_manual` confirms."""
    raw = request.POST.get("colleague", "")
    name = request.POST.get("name")  # sent by the manual form, even empty
    colleague: Colleague | None = None
    errors: dict[str, str] = {}
    offer: dict[str, Any] | None = None
    try:
        if raw:
            colleague = Colleague.objects.filter(
                firm_id=actor.firm_id, pk=parse_id(raw) or 0
            ).first()
            if colleague is None:
                raise ValidationError({"colleague": _("Choix invalide.")})
        entry = services.add_roster_owner(
            actor=actor,
            colleague=colleague,
            name=None if colleague is not None else name,
            allow_manual=request.POST.get("allow_manual") == "1",
        )
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            for item in field_errors:
                params = item.params or {}
                match = None
                if item.code == "matches_colleague" and isinstance(params.get("colleague_id"), int):
                    match = Colleague.objects.filter(
                        firm_id=actor.firm_id, pk=params["colleague_id"]
                    ).first()
                if match is not None:
                    offer = {
                        "name": params["name"],
                        "colleague": match,
                        "on_roster": OwnerEntry.objects.filter(colleague=match).exists(),
                    }
                else:
                    errors[field] = " ".join([errors.get(field, ""), *item.messages]).strip()
    else:
        messages.success(
            request,
            _("%(name)s est ajouté à la liste des responsables clients.") % {"name": entry},
        )
        return redirect(_next_page(request) or "owners:owner_list")
    context = _list_context(actor, errors=errors, name=name or "", offer=offer)
    return render(request, "access/owner_list.html", context, status=422 if errors else 200)


def _targets(actor: Colleague, entry: OwnerEntry) -> list[OwnerEntry]:
    """The owners who may receive an owner's clients: the roster's active entries but it."""
    return [other for other in owner_entries(actor.firm_id) if other.pk != entry.pk]


def _firm_entry(actor: Colleague, pk: int) -> OwnerEntry:
    return get_object_or_404(
        OwnerEntry.objects.select_related("colleague").annotate(client_count=Count("clients")),
        pk=pk,
        firm_id=actor.firm_id,
    )


def _chosen_owner(actor: Colleague, raw: str, *, allow_none: bool) -> OwnerEntry | Unset | None:
    """The owner chosen in a select: an entry of the firm, None for "do not transfer"
    (when allowed), UNSET when nothing was chosen."""
    if allow_none and raw == NO_TRANSFER:
        return None
    if not raw:
        return UNSET
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError(_("Choix invalide."))
    found = OwnerEntry.objects.filter(firm_id=actor.firm_id, pk=int(raw)).first()
    if found is None:
        raise ValidationError(_("Choix invalide."))
    return found


@admin_required
@require_http_methods(["GET", "POST"])
def owner_remove(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """Confirmation, with the choice of who receives the owner's clients, then removal."""
    entry = _firm_entry(actor, pk)
    error = ""
    chosen = request.POST.get("transfer_to", "")
    if request.method == "POST":
        name = str(entry)
        try:
            target = _chosen_owner(actor, chosen, allow_none=True)
            count = services.remove_roster_owner(actor=actor, entry=entry, transfer_to=target)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            if isinstance(target, OwnerEntry) and count:
                done = ngettext(
                    "%(name)s est retiré de la liste ; son client est transféré à %(to)s.",
                    "%(name)s est retiré de la liste ; ses %(count)s clients sont transférés "
                    "à %(to)s.",
                    count,
                ) % {"name": name, "count": count, "to": target}
            elif count:
                done = ngettext(
                    "%(name)s est retiré de la liste ; son client n'a plus de responsable.",
                    "%(name)s est retiré de la liste ; ses %(count)s clients n'ont plus de "
                    "responsable.",
                    count,
                ) % {"name": name, "count": count}
            else:
                done = _("%(name)s est retiré de la liste des responsables clients.") % {
                    "name": name
                }
            messages.success(request, done)
            return redirect("owners:owner_list")
    context = {
        "entry": entry,
        "targets": _targets(actor, entry),
        "chosen": chosen,
        "no_transfer": NO_TRANSFER,
        "error": error,
    }
    return render(
        request, "access/owner_confirm_remove.html", context, status=422 if error else 200
    )


@admin_required
@require_http_methods(["GET", "POST"])
def owner_transfer(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """All the clients of one owner to another, in one transaction."""
    entry = _firm_entry(actor, pk)
    error = ""
    chosen = request.POST.get("to_owner", "")
    if request.method == "POST":
        try:
            target = _chosen_owner(actor, chosen, allow_none=False)
            if not isinstance(target, OwnerEntry):
                raise ValidationError(_("Choisissez le responsable qui reçoit les clients."))
            count = services.transfer_clients(actor=actor, from_owner=entry, to_owner=target)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s client de %(name)s est transféré à %(to)s.",
                    "%(count)s clients de %(name)s sont transférés à %(to)s.",
                    count,
                )
                % {"count": count, "name": entry, "to": target},
            )
            return redirect("owners:owner_list")
    context = {"entry": entry, "targets": _targets(actor, entry), "chosen": chosen, "error": error}
    return render(request, "access/owner_transfer.html", context, status=422 if error else 200)
