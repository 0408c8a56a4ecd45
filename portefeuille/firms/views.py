"""Administration pages (colleagues, teams, firm settings), "Mon profil" and API tokens.

Thin adapters: parse the form, fetch the object in the actor's firm (another firm's id is
a 404 like an unknown one), call one service, render. Admin pages answer 403 to others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portefeuille.contacts.models import Contact

from . import services
from .forms import (
    ColleagueCreateForm,
    ColleagueEditForm,
    FirmSettingsForm,
    ListItemForm,
    ProfileForm,
    ReassignClientsForm,
    RoleSlotsForm,
    TeamForm,
    TokenForm,
    apply_errors,
)
from .models import (
    Colleague,
    ContactType,
    PersonalAccessToken,
    RoleSlot,
    Team,
    TeamMembership,
    WorkStatus,
    WorkType,
)
from .tenancy import current_colleague

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]
AdminView = Callable[Concatenate[HttpRequest, Colleague, P], HttpResponse]

COLLEAGUES_PER_PAGE = 50


def admin_required(view: AdminView[P]) -> View[P]:
    """Signed-in admins only (others: 403); the view receives the acting colleague."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = current_colleague(request)
        if not actor.is_admin:
            raise PermissionDenied
        return view(request, actor, *args, **kwargs)

    return wrapper


def colleague_required(view: AdminView[P]) -> View[P]:
    """Any signed-in, active colleague; the view receives them."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, current_colleague(request), *args, **kwargs)

    return wrapper


def _refusal(error: ValidationError) -> str:
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
        messages.error(request, _refusal(error))
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
    errors: list[str] = []
    if request.method == "POST" and (form is None or form.is_valid()):
        kwargs: dict[str, Any] = {}
        if form is not None and form.reassign:
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
        messages.error(request, _refusal(error))
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


# ---------------------------------------------------------------------------------------
# Firm settings.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsList:
    """One of the ordered, named lists of the settings page, and its services."""

    key: str
    model: type[ContactType] | type[WorkType] | type[WorkStatus]
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
        "work_types": WorkType.objects.filter(firm_id=actor.firm_id).order_by("position", "name"),
        "work_statuses": WorkStatus.objects.filter(firm_id=actor.firm_id).order_by(
            "position", "name"
        ),
        "primary_states": WorkStatus.PrimaryState.choices,
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


# ---------------------------------------------------------------------------------------
# Every colleague: "Mon profil" and personal API tokens.
# ---------------------------------------------------------------------------------------


@colleague_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, me: Colleague) -> HttpResponse:
    form = ProfileForm(
        request.POST or None,
        initial={"first_name": me.first_name, "last_name": me.last_name, "language": me.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_colleague(actor=me, colleague=me, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            response = redirect("firms:profile")
            if me.language:
                # The next page is in the chosen language; the cookie keeps it after sign-out.
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, me.language, samesite="Lax")
            messages.success(request, _("Profil enregistré."))
            return response
    context = {"form": form, "me": me, "teams": me.teams.order_by("name")}
    return render(request, "firms/profile.html", context)


@colleague_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest, me: Colleague) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token, new_secret = services.create_api_token(
                actor=me, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # The secret is shown in this very response, once; it is never stored.
            form = TokenForm()
    context = {
        "form": form,
        "tokens": PersonalAccessToken.objects.filter(colleague=me).order_by(
            "revoked_at", "-created_at"
        ),
        "new_secret": new_secret,
        "new_token": new_token,
    }
    response = render(request, "firms/api_tokens.html", context)
    if new_secret:
        response.headers["Cache-Control"] = "no-store"
    return response


@colleague_required
@require_POST
def api_token_revoke(request: HttpRequest, me: Colleague, pk: int) -> HttpResponse:
    token = get_object_or_404(PersonalAccessToken, pk=pk, colleague=me)
    try:
        services.revoke_api_token(actor=me, token=token)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Jeton « %(name)s » révoqué.") % {"name": token.name})
    return redirect("firms:api_tokens")
