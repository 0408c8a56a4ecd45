"""The client team & access tab of the contact page (/contacts/<id>/team/, routed by
contacts/urls.py) and the portfolio pages (/portfolios/, admins only).

Thin adapters over rules.py (who sees what) and services.py (every change). A client the
colleague may not see fully is the same 404 as an unknown id; a refused change is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.audit.queries import readable_events
from portefeuille.audit.sentences import show_events
from portefeuille.contacts import queries
from portefeuille.contacts.models import Contact
from portefeuille.contacts.views_details import load_contact
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, Team
from portefeuille.firms.views import admin_required, colleague_required

from . import ownership_history, rules, services
from .forms import PortfolioForm, owner_entries
from .models import AccessGrant, ClientMember, OwnerEntry, Portfolio, PortfolioStaff, RoleAssignment
from .rules import Level

HISTORY_ON_CLIENT_PAGE = 50
CANDIDATES = 20


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# ---------------------------------------------------------------------------------------
# The "Équipe et accès" tab of the contact page.
# ---------------------------------------------------------------------------------------


def _detail_context(actor: Colleague, client: Contact, errors: dict[str, str]) -> dict[str, Any]:
    firm = actor.firm
    slots = list(RoleSlot.objects.filter(firm_id=firm.pk).exclude(title="").order_by("number"))
    holders = {
        assignment.slot: assignment.colleague
        for assignment in RoleAssignment.objects.filter(client=client).select_related("colleague")
    }
    members = list(
        ClientMember.objects.filter(client=client)
        .select_related("colleague", "team")
        .order_by("team__name", "colleague__last_name", "colleague__first_name")
    )
    grants = list(
        AccessGrant.objects.filter(client=client)
        .select_related("colleague", "team")
        .order_by("team__name", "colleague__last_name", "colleague__first_name")
    )
    can_edit = rules.can_edit_team(actor, client)
    context: dict[str, Any] = {
        "client": client,
        # The contact page frame (contacts/contact_base.html): header and tabs.
        "contact": client,
        "tab": "team",
        "firm": firm,
        "can_edit": can_edit,
        "is_admin": actor.is_admin,
        "roles": [{"slot": slot, "holder": holders.get(slot.number)} for slot in slots],
        "member_colleagues": [m for m in members if m.colleague_id],
        "member_teams": [m for m in members if m.team_id],
        "grants": grants,
        # Like the API's /access: the explanation is for those who may change the team.
        "access": rules.explain(client) if can_edit else None,
        "events": show_events(
            actor,
            readable_events(actor)
            .filter(client_id=client.pk)
            .order_by("-created_at", "-id")[:HISTORY_ON_CLIENT_PAGE],
        ),
        "privacy_choices": Privacy.choices,
        "errors": errors,
        "ownership": _ownership_groups(actor, client),
    }
    if can_edit:
        context["colleagues"] = list(active_colleagues(firm.pk))
        context["teams"] = list(Team.objects.filter(firm_id=firm.pk).order_by("name"))
        context["owner_entries"] = owner_entries(firm.pk)
    if actor.is_admin:
        context["portfolios"] = list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name"))
    return context


def _ownership_groups(actor: Colleague, client: Contact) -> list[dict[str, Any]]:
    """The "Historique des responsabilités" section: the spans of each place, oldest first
    (access/ownership_history.py); the owner's only while the ownership switch is on."""
    groups: dict[tuple[str, int | None], dict[str, Any]] = {}
    labels = {
        ownership_history.OWNER: _("Responsable client"),
        ownership_history.MANAGER: _("Gestionnaire"),
        ownership_history.MEMBER: _("Membres de l'équipe client"),
    }
    # The row load_contact read through the door, owner and manager joined: not read again.
    for span in ownership_history.spans_of_read_client(actor, client):
        if span.role == ownership_history.OWNER and not actor.firm.ownership_enabled:
            continue
        key = (span.role, span.slot)
        label = span.title if span.role == ownership_history.ROLE else labels[span.role]
        groups.setdefault(key, {"label": label, "spans": []})["spans"].append(span)
    return list(groups.values())


@colleague_required
@require_GET
def client_team(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    client = load_contact(actor, pk)
    return render(request, "access/client_team.html", _detail_context(actor, client, {}))


def _pick(model: type[Any], actor: Colleague, raw: str | None, field: str) -> Any:
    """An object of the actor's firm chosen in a picker; empty -> None."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError({field: _("Choix invalide.")})
    found = model.objects.filter(firm_id=actor.firm_id, pk=int(raw)).first()
    if found is None:
        raise ValidationError({field: _("Choix invalide.")})
    return found


def _holder(actor: Colleague, request: HttpRequest) -> dict[str, Any]:
    colleague = _pick(Colleague, actor, request.POST.get("colleague"), "colleague")
    team = _pick(Team, actor, request.POST.get("team"), "team")
    if colleague is None and team is None:
        raise ValidationError(_("Choisissez un collaborateur ou une équipe."))
    return {"colleague": colleague, "team": team}


def _act_owner(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.set_owner(
        actor=actor,
        client=client,
        owner=_pick(OwnerEntry, actor, request.POST.get("owner"), "owner"),
    )


def _act_manager(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    manager = _pick(Colleague, actor, request.POST.get("manager"), "manager")
    services.set_manager(actor=actor, client=client, manager=manager)


def _act_role(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    raw_slot = request.POST.get("slot", "")
    if not (raw_slot.isascii() and raw_slot.isdigit()) or len(raw_slot) > 9:
        raise ValidationError({"slot": _("Choix invalide.")})
    colleague = _pick(Colleague, actor, request.POST.get("colleague"), "colleague")
    services.set_role_holder(actor=actor, client=client, slot=int(raw_slot), colleague=colleague)


def _act_add_member(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.add_client_member(actor=actor, client=client, **_holder(actor, request))


def _act_remove_member(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.remove_client_member(actor=actor, client=client, **_holder(actor, request))


def _act_privacy(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.set_privacy(actor=actor, client=client, privacy=request.POST.get("privacy", ""))


def _act_grant(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.grant_access(actor=actor, client=client, **_holder(actor, request))


def _act_revoke(actor: Colleague, client: Contact, request: HttpRequest) -> None:
    services.revoke_access(actor=actor, client=client, **_holder(actor, request))


def _act_portfolio(actor: Colleague, client: Contact, request: HttpRequest) -> str:
    portfolio = _pick(Portfolio, actor, request.POST.get("portfolio"), "portfolio")
    previous = services.move_client_to_portfolio(actor=actor, client=client, portfolio=portfolio)
    return moved_message(client, previous, portfolio)


# Each change returns nothing, or the sentence that announces it (else "Modification
# enregistrée.").
ACTIONS: dict[str, Callable[[Colleague, Contact, HttpRequest], str | None]] = {
    "owner": _act_owner,
    "manager": _act_manager,
    "role": _act_role,
    "add_member": _act_add_member,
    "remove_member": _act_remove_member,
    "privacy": _act_privacy,
    "grant": _act_grant,
    "revoke": _act_revoke,
    "portfolio": _act_portfolio,
}


@colleague_required
@require_POST
def client_team_change(
    request: HttpRequest, actor: Colleague, pk: int, action: str
) -> HttpResponse:
    """One change of the client team/privacy/grants/portfolio: exactly one service call."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    client = load_contact(actor, pk)
    errors: dict[str, str] = {}
    done: str | None = None
    try:
        done = handler(actor, client, request)
    except ValidationError as error:
        errors[action] = " ".join(str(message) for message in error.messages)
    if not errors and not _is_htmx(request):
        messages.success(request, done or _("Modification enregistrée."))
        return redirect("contacts:team", pk=client.pk)
    try:
        client = load_contact(actor, pk)
    except Http404:
        # The change removed the actor's own access: nothing more to show here.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = request.build_absolute_uri(reverse("contacts:list"))
        return response
    template = "access/client_team.html"
    if _is_htmx(request):
        template += "#sections"
    status = 422 if errors and not _is_htmx(request) else 200
    return render(request, template, _detail_context(actor, client, errors), status=status)


# ---------------------------------------------------------------------------------------
# Portfolios (admins only).
# ---------------------------------------------------------------------------------------


def moved_message(client: Contact, left: Portfolio | None, joined: Portfolio | None) -> str:
    """How a page announces a client's move between portfolios (docs/access-rules.md)."""
    if (left.pk if left else None) == (joined.pk if joined else None):
        return _("Modification enregistrée.")
    if left is not None and joined is not None:
        return _(
            "Le client a quitté le portefeuille « %(left)s » et rejoint le portefeuille "
            "« %(joined)s » (%(client)s)."
        ) % {"client": client.display_name, "left": left.name, "joined": joined.name}
    if joined is not None:
        return _("Le client a rejoint le portefeuille « %(joined)s » (%(client)s).") % {
            "client": client.display_name,
            "joined": joined.name,
        }
    if left is not None:
        return _("Le client a quitté le portefeuille « %(left)s » (%(client)s).") % {
            "client": client.display_name,
            "left": left.name,
        }
    return _("Modification enregistrée.")


@admin_required
def portfolio_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    portfolios = (
        Portfolio.objects.filter(firm_id=actor.firm_id)
        .order_by("name")
        .prefetch_related("staff__colleague", "staff__team")
    )
    portfolios = portfolios.annotate(client_count=Count("clients"))
    return render(request, "access/portfolio_list.html", {"portfolios": portfolios})


@admin_required
@require_http_methods(["GET", "POST"])
def portfolio_create(request: HttpRequest, actor: Colleague) -> HttpResponse:
    form = PortfolioForm.for_portfolio(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portfolio = services.create_portfolio(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Portefeuille « %(name)s » créé.") % {"name": portfolio})
            return redirect("access:portfolio_edit", pk=portfolio.pk)
    return render(request, "access/portfolio_form.html", {"form": form})


def _portfolio_context(
    actor: Colleague,
    portfolio: Portfolio,
    form: PortfolioForm,
    errors: dict[str, str],
    client_query: str = "",
) -> dict[str, Any]:
    candidates: list[Contact] = []
    if client_query:
        candidates = list(
            queries.search(rules.visible_clients(actor, Level.FULL), client_query)
            .exclude(portfolio_id=portfolio.pk)
            .select_related("portfolio")
            .order_by("search_name", "id")[:CANDIDATES]
        )
    staff = list(
        PortfolioStaff.objects.filter(portfolio=portfolio)
        .select_related("colleague", "team")
        .order_by("team__name", "colleague__last_name", "colleague__first_name")
    )
    return {
        "portfolio": portfolio,
        "form": form,
        "staff_colleagues": [s for s in staff if s.colleague_id],
        "staff_teams": [s for s in staff if s.team_id],
        "clients": rules.visible_clients(actor, Level.FULL)
        .filter(portfolio=portfolio)
        .order_by("search_name", "id"),
        "colleagues": list(active_colleagues(actor.firm_id)),
        "teams": list(Team.objects.filter(firm_id=actor.firm_id).order_by("name")),
        "errors": errors,
        "client_query": client_query,
        "candidates": candidates,
    }


@admin_required
@require_http_methods(["GET", "POST"])
def portfolio_edit(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    portfolio = get_object_or_404(Portfolio, pk=pk, firm_id=actor.firm_id)
    form = PortfolioForm.for_portfolio(portfolio, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_portfolio(actor=actor, portfolio=portfolio, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("access:portfolio_edit", pk=portfolio.pk)
    context = _portfolio_context(
        actor, portfolio, form, {}, request.GET.get("client_q", "").strip()
    )
    return render(request, "access/portfolio_edit.html", context)


@admin_required
@require_POST
def portfolio_change(request: HttpRequest, actor: Colleague, pk: int, action: str) -> HttpResponse:
    """Staff / unstaff a colleague or team, add / remove a client: one service call."""
    portfolio = get_object_or_404(Portfolio, pk=pk, firm_id=actor.firm_id)
    errors: dict[str, str] = {}
    done = _("Modification enregistrée.")
    try:
        if action == "staff":
            services.staff_portfolio(actor=actor, portfolio=portfolio, **_holder(actor, request))
        elif action == "unstaff":
            services.unstaff_portfolio(actor=actor, portfolio=portfolio, **_holder(actor, request))
        elif action in {"add_client", "remove_client"}:
            client = rules.get_client(actor, request.POST.get("client", ""), Level.FULL)
            if action == "remove_client" and client.portfolio_id != portfolio.pk:
                raise ValidationError(_("Ce client n'est pas dans ce portefeuille."))
            joined = portfolio if action == "add_client" else None
            previous = services.move_client_to_portfolio(
                actor=actor, client=client, portfolio=joined
            )
            done = moved_message(client, previous, joined)
        else:
            raise Http404
    except ValidationError as error:
        errors[action] = " ".join(str(message) for message in error.messages)
    if not errors:
        messages.success(request, done)
        return redirect("access:portfolio_edit", pk=portfolio.pk)
    form = PortfolioForm.for_portfolio(portfolio)
    return render(
        request,
        "access/portfolio_edit.html",
        _portfolio_context(actor, portfolio, form, errors),
        status=422,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def portfolio_delete(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    portfolio = get_object_or_404(Portfolio, pk=pk, firm_id=actor.firm_id)
    if request.method == "POST":
        services.delete_portfolio(actor=actor, portfolio=portfolio)
        messages.success(request, _("Portefeuille « %(name)s » supprimé.") % {"name": portfolio})
        return redirect("access:portfolio_list")
    count = rules.visible_clients(actor, Level.FULL).filter(portfolio=portfolio).count()
    return render(
        request, "access/portfolio_confirm_delete.html", {"portfolio": portfolio, "count": count}
    )
