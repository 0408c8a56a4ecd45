"""Every colleague's own pages: "Mon profil" and personal API tokens.

Thin adapters: parse the form, call one service, render; a token is only ever looked up
among the colleague's own (anyone else's id is a 404).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import ProfileForm, TokenForm, apply_errors
from .models import Colleague, PersonalAccessToken
from .views import colleague_required, refusal_text


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
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Jeton « %(name)s » révoqué.") % {"name": token.name})
    return redirect("firms:api_tokens")
