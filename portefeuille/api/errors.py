"""Every error of /api/v1 as RFC 9457 problem details, in the caller's language.

Routers never build error responses themselves: they raise, and the handlers installed here
answer. Raise
- `django.http.Http404` for an id that is unknown, of another firm, or hidden from the caller
  (always the same body: a foreign id looks exactly like a missing one);
- `django.core.exceptions.PermissionDenied` for a visible object the caller may not change;
- `django.core.exceptions.ValidationError` (what services raise) for invalid input; keyed by
  field, each key becomes the location `["body", field]` (a dotted key, `slots.1.title`, a
  path into the body), or `["query", field]` for the fields named by `in_query(error, ...)`;
  a hand-built ninja ValidationError is for query parameters only (`("query", name)`): its
  body locations are read as ninja's, whose second part is the view's parameter name;
- `portefeuille.api.concurrency.StaleWrite` (412) for a stale `If-Match`, `Conflict` (409) for a
  write that clashes with the current state, `TooManyRequests` (429);
- or any other `ApiProblem` subclass.
Declare the statuses an operation can answer with `problem_responses(...)`; 400, 401, 404 and
422 are added to the OpenAPI document automatically where they can occur (see api.py).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from allauth.core.exceptions import RateLimited
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from portefeuille.web.refusals import BodyTooLarge

from .schemas import Problem, ValidationProblem

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are non-resolvable URIs (RFC 9457 §3.1.1 recommends the tag scheme for them).
PROBLEM_TYPE_PREFIX = "tag:portefeuille,2025:problem:"

# The kind of problem each status names by default: (type slug, translated title).
STATUS_PROBLEMS: dict[int, tuple[str, Promise]] = {
    400: ("bad-request", _("Requête mal formée")),
    401: ("not-authenticated", _("Authentification requise")),
    403: ("forbidden", _("Action non autorisée")),
    404: ("not-found", _("Ressource introuvable")),
    405: ("method-not-allowed", _("Méthode non autorisée")),
    409: ("conflict", _("Conflit")),
    412: ("stale-write", _("Modifié entre-temps")),
    413: ("too-large", _("Requête trop volumineuse")),
    415: ("unsupported-media-type", _("Type de contenu non pris en charge")),
    422: ("validation", _("Données invalides")),
    429: ("too-many-requests", _("Trop de tentatives")),
    500: ("server-error", _("Erreur interne")),
    503: ("unavailable", _("Service momentanément indisponible")),
}
STATUS_DETAILS: dict[int, Promise] = {
    400: _("La requête est mal formée."),
    401: _(
        "Authentifiez-vous avec un jeton d'accès personnel "
        "(en-tête « Authorization: Bearer <jeton> ») ou une session ouverte."
    ),
    403: _("Votre profil ne vous permet pas de faire cela."),
    404: _("Rien ne correspond à cette adresse."),
    405: _("Cette méthode HTTP n'est pas acceptée à cette adresse."),
    409: _("Cette modification entre en conflit avec l'état actuel ; rechargez puis réessayez."),
    412: _(
        "Quelqu'un l'a modifié depuis que vous l'avez chargé : rechargez-le, "
        "puis refaites votre modification."
    ),
    413: _("La requête dépasse la taille autorisée."),
    415: _("Envoyez le corps de la requête en JSON (Content-Type: application/json)."),
    422: _("Les données envoyées ne sont pas valides."),
    429: _("Trop de tentatives : patientez un moment avant de réessayer."),
    500: _("Une erreur interne est survenue ; elle a été enregistrée."),
    503: _("Le service est momentanément indisponible : réessayez dans quelques minutes."),
}


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_PREFIX}{slug}"


class ApiProblem(Exception):
    """An error a router raises on purpose; subclasses fix the status and the kind."""

    status: ClassVar[int] = 400
    slug: ClassVar[str | None] = None  # defaults to the status's kind
    title: ClassVar[Promise | None] = None  # defaults to the status's title

    def __init__(
        self,
        detail: str | Promise | None = None,
        *,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else STATUS_DETAILS.get(self.status, "")
        self.kind = slug or self.slug
        self.headers = dict(headers or {})
        super().__init__(str(self.detail))


class Conflict(ApiProblem):
    """409: the write clashes with the current state of the data."""

    status = 409


class TooManyRequests(ApiProblem):
    """429: the caller must wait; `retry_after` seconds when known."""

    status = 429

    def __init__(self, detail: str | Promise | None = None, *, retry_after: int | None = None):
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        super().__init__(detail, headers=headers)


class ServiceUnavailable(ApiProblem):
    """503: something the operation needs does not answer; `retry_after` seconds to wait."""

    status = 503

    def __init__(
        self,
        detail: str | Promise | None = None,
        *,
        slug: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        super().__init__(detail, slug=slug, headers=headers)


class NotAuthenticated(ApiProblem):
    """401 with a specific reason (wrong credentials, missing one-time code...)."""

    status = 401

    def __init__(self, detail: str | Promise | None = None, *, slug: str | None = None) -> None:
        super().__init__(detail, slug=slug, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def problem_response(
    request: HttpRequest,
    status: int,
    *,
    detail: str | Promise | None = None,
    slug: str | None = None,
    title: str | Promise | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extras: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The problem-details response, rendered in the language active now; `extras` are
    members of the problem for programs (RFC 9457 §3.2), e.g. `holds` of a colleague."""
    default_slug, default_title = STATUS_PROBLEMS.get(status, ("error", _("Erreur")))
    body: dict[str, Any] = {
        "type": problem_type(slug or default_slug),
        "title": str(title or default_title),
        "status": status,
        "detail": str(detail if detail is not None else STATUS_DETAILS.get(status, "")),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = [{"loc": list(e["loc"]), "msg": str(e["msg"])} for e in errors]
    for key, value in (extras or {}).items():
        body.setdefault(key, value)
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_CONTENT_TYPE}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_responses(*statuses: int) -> dict[int, type[Problem]]:
    """The `response=` entries declaring these error statuses of an operation.

    Usage: `@router.get("/{id}", response={200: ContactOut, **problem_responses(403, 409)})`.
    """
    return {status: ValidationProblem if status == 422 else Problem for status in statuses}


# Pydantic's messages are English only; these are the ones a client meets in practice.
PYDANTIC_MESSAGES: dict[str, Promise] = {
    "missing": _("Ce champ est obligatoire."),
    "extra_forbidden": _("Ce champ n'existe pas."),
    "string_type": _("Une chaîne de caractères est attendue."),
    "string_too_short": _("Ce texte est trop court (au moins %(min_length)s caractères)."),
    "string_too_long": _("Ce texte est trop long (au plus %(max_length)s caractères)."),
    "string_pattern_mismatch": _("Ce texte n'a pas le format attendu."),
    "int_type": _("Un nombre entier est attendu."),
    "int_parsing": _("Un nombre entier est attendu."),
    "int_from_float": _("Un nombre entier est attendu."),
    "float_type": _("Un nombre est attendu."),
    "float_parsing": _("Un nombre est attendu."),
    "bool_type": _("Une valeur booléenne (true ou false) est attendue."),
    "bool_parsing": _("Une valeur booléenne (true ou false) est attendue."),
    "greater_than": _("La valeur doit être supérieure à %(gt)s."),
    "greater_than_equal": _("La valeur doit être supérieure ou égale à %(ge)s."),
    "less_than": _("La valeur doit être inférieure à %(lt)s."),
    "less_than_equal": _("La valeur doit être inférieure ou égale à %(le)s."),
    "literal_error": _("Valeur non autorisée ; valeurs possibles : %(expected)s."),
    "enum": _("Valeur non autorisée ; valeurs possibles : %(expected)s."),
    "list_type": _("Une liste est attendue."),
    "too_short": _("Au moins %(min_length)s élément(s) attendu(s)."),
    "too_long": _("Au plus %(max_length)s élément(s) attendu(s)."),
    "dict_type": _("Un objet JSON est attendu."),
    "model_type": _("Un objet JSON est attendu."),
    "model_attributes_type": _("Un objet JSON est attendu."),
    "date_type": _("Une date au format AAAA-MM-JJ est attendue."),
    "date_parsing": _("Une date au format AAAA-MM-JJ est attendue."),
    "date_from_datetime_parsing": _("Une date au format AAAA-MM-JJ est attendue."),
    "datetime_type": _("Une date et heure ISO 8601 est attendue."),
    "datetime_parsing": _("Une date et heure ISO 8601 est attendue."),
    "datetime_from_date_parsing": _("Une date et heure ISO 8601 est attendue."),
    "uuid_type": _("Un UUID est attendu."),
    "uuid_parsing": _("Un UUID est attendu."),
    "json_invalid": _("JSON invalide."),
    "nul_character": _("Le caractère NUL (\\u0000) n'est pas accepté dans un texte."),
}


# One choice as pydantic writes it in `expected`: a quoted text or a bare number, word.
_CHOICE = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-\w.]+""")


def _choices(expected: str) -> str:
    """Pydantic's English list of choices ("'a', 'b' or 'c'") in the active language;
    unchanged when it cannot be read back exactly."""
    choices = [found.group() for found in _CHOICE.finditer(expected)]
    if len(choices) >= 3 and choices[-2] == "or":
        choices = [*choices[:-2], choices[-1]]
    if len(choices) < 2 or f"{', '.join(choices[:-1])} or {choices[-1]}" != expected:
        return expected
    return str(_("%(choices)s ou %(last)s")) % {
        "choices": ", ".join(choices[:-1]),
        "last": choices[-1],
    }


def _pydantic_message(error: Mapping[str, Any]) -> str:
    template = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if "expected" in context:
        context["expected"] = _choices(context["expected"])
    try:
        return str(template) % context
    except (KeyError, ValueError, TypeError):
        return str(error.get("msg", ""))


def ninja_validation_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    """Ninja's errors with translated messages; a body location reads `["body", field, ...]`."""
    errors = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        # Ninja puts the view's parameter name after "body" ("body", "payload", "email");
        # clients know fields, not our parameter names.
        if len(loc) >= 2 and loc[0] == "body" and isinstance(loc[1], str) and loc[1].isidentifier():
            loc = [loc[0], *loc[2:]]
        errors.append({"loc": loc, "msg": _pydantic_message(error)})
    return errors


def in_query(error: ValidationError, *fields: str) -> ValidationError:
    """The same refusal, with these fields located in the query (`["query", field]`): for
    an operation that reads them from its query string, e.g. `DELETE /owners/7?transfer_to=`.
    Re-raise what it returns."""
    error.problem_query_fields = frozenset(fields)  # type: ignore[attr-defined]
    return error


def renamed(error: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """The same refusal with its fields renamed (a service's argument `colleague` is the
    body's `colleague_id`); its kind, facts for programs and query fields are kept."""
    if not hasattr(error, "error_dict"):
        return error
    located: dict[str, list[ValidationError]] = {}
    for field, field_errors in error.error_dict.items():
        located.setdefault(names.get(field, field), []).extend(field_errors)
    result = ValidationError(located)
    for attribute in ("problem_slug", "problem_extras", "problem_query_fields"):
        if hasattr(error, attribute):
            setattr(result, attribute, getattr(error, attribute))
    return result


def django_validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """A service's ValidationError as located messages: a field key is a body field, or a
    query parameter when `in_query` says so."""
    errors: list[dict[str, Any]] = []
    query_fields: frozenset[str] = getattr(exc, "problem_query_fields", frozenset())
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            if field == NON_FIELD_ERRORS:
                loc = ["body"]
            elif field in query_fields:
                loc = ["query", field]
            else:
                loc = ["body", *field.split(".")]
            for error in field_errors:
                errors.extend({"loc": loc, "msg": message} for message in error.messages)
    else:
        errors.extend({"loc": ["body"], "msg": message} for message in exc.messages)
    return errors


def _validation_detail(errors: Iterable[Mapping[str, Any]]) -> str:
    messages = list(dict.fromkeys(str(error["msg"]) for error in errors))
    if not messages:
        return str(STATUS_DETAILS[422])
    return " ".join(messages)


def install_problem_handlers(api: NinjaAPI) -> None:
    """Makes every exception of an operation answer with problem details."""

    def on_api_problem(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            request,
            exc.status,
            detail=exc.detail,
            slug=exc.kind,
            title=exc.title,
            headers=exc.headers,
        )

    def on_ninja_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = ninja_validation_errors(exc)
        return problem_response(request, 422, detail=_validation_detail(errors), errors=errors)

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        # A service's refusal may carry facts for programs (`problem_extras`, a mapping)
        # and its own kind (`problem_slug`), e.g. access/holdings.py::HoldsClients.
        errors = django_validation_errors(exc)
        return problem_response(
            request,
            422,
            detail=_validation_detail(errors),
            errors=errors,
            slug=getattr(exc, "problem_slug", None),
            extras=getattr(exc, "problem_extras", None),
        )

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        # A service may say why (a translated message); otherwise the generic sentence.
        message = exc.args[0] if exc.args and isinstance(exc.args[0], str | Promise) else None
        return problem_response(request, 403, detail=message or None)

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 403)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # SECURITY: the same body whatever the reason (unknown, other firm, hidden), so an id
        # reveals nothing; the exception's own message may name a model and is dropped.
        return problem_response(request, 404)

    def on_not_authenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 401, headers={"WWW-Authenticate": 'Bearer realm="api"'})

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait else None
        return problem_response(request, 429, headers=headers)

    def on_rate_limited(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 429)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:
            # Ninja's only 400 is a body it cannot parse.
            return problem_response(
                request, 400, detail=_("Le corps de la requête n'est pas un JSON valide.")
            )
        return problem_response(request, exc.status_code, detail=exc.message)

    def on_body_too_large(request: HttpRequest, exc: Any) -> HttpResponse:
        # The body passed the upload limit while it streamed (portefeuille/web/uploads.py).
        return problem_response(request, 413, detail=exc.refusal.message())

    def on_integrity_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # Services validate first; reaching the database constraint means a concurrent write
        # won the race. The transaction was rolled back: nothing is half written.
        logger.warning("Integrity error on %s: %s", request.path, exc)
        return problem_response(request, 409)

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        # Let Django log and signal it (error reporting, the test client), then the problem
        # details middleware turns the 500 page into problem details.
        raise exc

    api.add_exception_handler(ApiProblem, on_api_problem)
    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(ValidationError, on_django_validation)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(AuthorizationError, on_forbidden)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(AuthenticationError, on_not_authenticated)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(IntegrityError, on_integrity_error)
    api.add_exception_handler(BodyTooLarge, on_body_too_large)
    api.add_exception_handler(Exception, on_unexpected)
