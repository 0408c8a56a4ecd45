"""Administration pages of colleagues and teams, and the guards every page starts with
(`admin_required`, `colleague_required`). The firm settings page and its lists:
views_settings.py; "Mon profil" and personal API tokens: views_profile.py.

Thin adapters: parse the form, fetch the object in the actor's firm (another firm's id is
a 404 like an unknown one), call one service, render. Admin pages answer 403 to others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portefeuille.access.holdings import count_holdings, describe_counts, holdings_of
from portefeuille.contacts.models import Contact

from . import services
from .forms import (
    ColleagueCreateForm,
    ColleagueEditForm,
    ReassignClientsForm,
    TeamForm,
    apply_errors,
)
from .models import Colleague, Team, TeamMembership
from .tenancy import current_colleague

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]
AdminView = Callable[Concatenate[HttpRequest, Colleague, P], HttpResponse]

COLLEAGUES_PER_PAGE = 50


def admin_required(view: AdminView[P]) -> View[P]:
    """Signed-in admins only (others: 403); the view receives the acting colleague."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = current_colleague(request)
        if not actor.is_admin:
            raise PermissionDenied
        return view(request, actor, *args, **kwargs)

    return wrapper


def colleague_required(view: AdminView[P]) -> View[P]:
    """Any signed-in, active colleague; the view receives them."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, current_colleague(request), *args, **kwargs)

    return wrapper


def refusal_text(error: ValidationError) -> str:
    """A refusal's messages as one line, for a flash message."""
    return " ".join(str(message) for message in error.messages)


# ---------------------------------------------------------------------------------------
# Colleagues.
# ---------------------------------------------------------------------------------------


def _search(queryset: QuerySet[Colleague], query: str) -> QuerySet[Colleague]:
    for word in query.split():
        queryset = queryset.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return queryset


@admin_required
def colleague_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    status = request.GET.get("status", "active")
    if status not in {"active", "inactive", "all"}:
        status = "active"
    query = request.GET.get("q", "").strip()
    colleagues = Colleague.objects.filter(firm_id=actor.firm_id)
    if status != "all":
        colleagues = colleagues.filter(is_active=status == "active")
    colleagues = _search(colleagues, query).prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    )
    page = Paginator(colleagues.order_by("last_name", "first_name", "email"), COLLEAGUES_PER_PAGE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "status": status,
        "query": query,
        "counts": Colleague.objects.filter(firm_id=actor.firm_id).aggregate(
            active=Count("pk", filter=Q(is_active=True)),
            inactive=Count("pk", filter=Q(is_active=False)),
        ),
    }
    template = "firms/colleague_list.html"
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "colleague-results":
        template += "#results"
    return render(request, template, context)


@admin_required
@require_http_methods(["GET", "POST"])
def colleague_create(request: HttpRequest, actor: Colleague) -> HttpResponse:
    form = ColleagueCreateForm(request.POST or None, initial={"language": actor.language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_password = data["access"] == ColleagueCreateForm.ACCESS_PASSWORD
        try:
            colleague = services.create_colleague(
                actor=actor,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                profile=data["profile"],
                scope=data["scope"],
                language=data["language"],
                password=data["password"] if by_password else None,
                send_invitation=not by_password,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if by_password:
                messages.success(
                    request,
                    _("%(name)s peut se connecter avec le mot de passe initial.")
                    % {"name": colleague.full_name},
                )
            else:
                messages.success(
                    request,
                    _("Invitation envoyée à %(email)s.") % {"email": colleague.email},
                )
            return redirect("firms:colleague_edit", pk=colleague.pk)
    return render(request, "firms/colleague_form.html", {"form": form})


def _firm_colleague(actor: Colleague, pk: int) -> Colleague:
    return get_object_or_404(Colleague, pk=pk, firm_id=actor.firm_id)


@admin_required
@require_http_methods(["GET", "POST"])
def colleague_edit(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    colleague = _firm_colleague(actor, pk)
    initial = {
        field: getattr(colleague, field)
        for field in ("first_name", "last_name", "email", "profile", "scope", "language")
    }
    form = ColleagueEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_colleague(actor=actor, colleague=colleague, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("firms:colleague_edit", pk=colleague.pk)
    context = {
        "form": form,
        "subject": colleague,
        "teams": colleague.teams.order_by("name"),
        "tokens": colleague.api_tokens.filter(revoked_at__isnull=True).count(),
        "has_password": colleague.has_usable_password(),
    }
    return render(request, "firms/colleague_edit.html", context)


@admin_required
@require_POST
def colleague_invite(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    colleague = _firm_colleague(actor, pk)
    try:
        services.send_colleague_invitation(actor=actor, colleague=colleague)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": colleague.email})
    return redirect("firms:colleague_edit", pk=colleague.pk)


@dataclass(frozen=True)
class ColleagueAction:
    """A state change of a colleague behind a confirmation page."""

    template: str
    service: Callable[..., Any]
    reassigns: bool = False
    allow_keep: bool = False


COLLEAGUE_ACTIONS = {
    "deactivate": ColleagueAction(
        "firms/colleague_confirm_deactivate.html",
        services.deactivate_colleague,
        reassigns=True,
        allow_keep=True,
    ),
    "reactivate": ColleagueAction(
        "firms/colleague_confirm_reactivate.html",
        services.reactivate_colleague,
    ),
    "delete": ColleagueAction(
        "firms/colleague_confirm_delete.html",
        services.delete_colleague,
        reassigns=True,
    ),
}


def _done_message(action: str, name: str) -> str:
    messages_by_action = {
        "deactivate": _("%(name)s est désactivé."),
        "reactivate": _("%(name)s est réactivé."),
        "delete": _("%(name)s est supprimé."),
    }
    return messages_by_action[action] % {"name": name}


@admin_required
@require_http_methods(["GET", "POST"])
def colleague_action(request: HttpRequest, actor: Colleague, pk: int, action: str) -> HttpResponse:
    """Confirmation page, then the change: deactivate, reactivate or delete."""
    spec = COLLEAGUE_ACTIONS.get(action)
    if spec is None:
        raise Http404
    colleague = _firm_colleague(actor, pk)
    owned = managed = 0
    form: ReassignClientsForm | None = None
    if spec.reassigns:
        owned = Contact.objects.filter(firm_id=actor.firm_id, owner__colleague=colleague).count()
        managed = Contact.objects.filter(firm_id=actor.firm_id, manager=colleague).count()
        if owned or managed:
            form = ReassignClientsForm(
                request.POST or None, colleague=colleague, allow_keep=spec.allow_keep
            )
    holds = ""
    if spec.reassigns:
        holds = describe_counts(count_holdings(holdings_of(colleague)))
    errors: list[str] = []
    no_transfer = request.POST.get("transfer") == "no"
    if request.method == "POST" and (form is None or no_transfer or form.is_valid()):
        kwargs: dict[str, Any] = {}
        if no_transfer or (form is not None and not form.reassign):
            kwargs = {"transfer": False}  # « Ne pas transférer » (docs/offboarding.md)
        elif form is not None:
            kwargs = {
                "reassign_clients": True,
                "owner_to": form.cleaned_data["owner_to"],
                "manager_to": form.cleaned_data["manager_to"],
            }
        name = colleague.full_name
        try:
            spec.service(actor=actor, colleague=colleague, **kwargs)
        except ValidationError as error:
            if form is not None:
                apply_errors(form, error)
            else:
                errors = list(error.messages)
        else:
            messages.success(request, _done_message(action, name))
            if action == "delete":
                return redirect("firms:colleague_list")
            return redirect("firms:colleague_edit", pk=colleague.pk)
    context = {
        "subject": colleague,
        "form": form,
        "owned": owned,
        "managed": managed,
        "holds": holds,
        "action": action,
        "errors": errors,
        "is_self": colleague.pk == actor.pk,
    }
    return render(request, spec.template, context)


# ---------------------------------------------------------------------------------------
# Teams.
# ---------------------------------------------------------------------------------------


def _firm_team(actor: Colleague, pk: int) -> Team:
    return get_object_or_404(Team, pk=pk, firm_id=actor.firm_id)


@admin_required
def team_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    active_members = Colleague.objects.filter(is_active=True).order_by("last_name", "first_name")
    teams = (
        Team.objects.filter(firm_id=actor.firm_id)
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__colleague__is_active=True))
        )
        .prefetch_related(Prefetch("members", queryset=active_members, to_attr="active_members"))
        .order_by("name")
    )
    return render(request, "firms/team_list.html", {"teams": teams})


@admin_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest, actor: Colleague) -> HttpResponse:
    form = TeamForm(request.POST or None, firm_id=actor.firm_id)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(
                actor=actor, name=form.cleaned_data["name"], members=form.cleaned_data["members"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Équipe « %(name)s » créée.") % {"name": team.name})
            return redirect("firms:team_list")
    return render(request, "firms/team_form.html", {"form": form, "team": None})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    team = _firm_team(actor, pk)
    members = list(team.members.order_by("last_name", "first_name"))
    initial = {"name": team.name, "members": [m.pk for m in members if m.is_active]}
    form = TeamForm(request.POST or None, initial=initial, firm_id=actor.firm_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(
                actor=actor,
                team=team,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Équipe « %(name)s » enregistrée.") % {"name": team.name})
            return redirect("firms:team_list")
    inactive = [member for member in members if not member.is_active]
    return render(
        request, "firms/team_form.html", {"form": form, "team": team, "inactive": inactive}
    )


@admin_required
@require_POST
def team_remove_member(
    request: HttpRequest, actor: Colleague, pk: int, colleague_pk: int
) -> HttpResponse:
    """Removes one member (used for deactivated members, which the picker does not show)."""
    team = _firm_team(actor, pk)
    colleague = _firm_colleague(actor, colleague_pk)
    try:
        services.remove_team_member(actor=actor, team=team, colleague=colleague)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request,
            _("%(name)s retiré de l'équipe « %(team)s ».")
            % {"name": colleague.full_name, "team": team.name},
        )
    return redirect("firms:team_edit", pk=team.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def team_delete(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    team = _firm_team(actor, pk)
    if request.method == "POST":
        name = team.name
        services.delete_team(actor=actor, team=team)
        messages.success(request, _("Équipe « %(name)s » supprimée.") % {"name": name})
        return redirect("firms:team_list")
    context = {
        "team": team,
        "member_count": TeamMembership.objects.filter(team=team).count(),
        "client_count": team.client_memberships.count(),
        "grant_count": team.access_grants.count(),
        "portfolio_count": team.portfolio_staffings.count(),
    }
    return render(request, "firms/team_confirm_delete.html", context)
