"""Request bodies are bounded before they cost anything, on every route (docs/uploads.md).

- `UploadLimitMiddleware` looks at the size a request announces (Content-Length) before a
  byte of its body is read: over the limit of its kind it is refused at once. A multipart
  body (an upload) may carry `DOCUMENT_MAX_UPLOAD_BYTES` of files plus `FORM_ALLOWANCE` for
  the form's other fields and the multipart framing; any other body (JSON, a form)
  `DATA_UPLOAD_MAX_MEMORY_SIZE`. A body sent without Content-Length (chunked) is refused
  with 411: under WSGI Django would read it as empty and answer "no file" instead.
- `LimitedUploadHandler`, first of `FILE_UPLOAD_HANDLERS`, counts the bytes of the files of
  a multipart body while they arrive and stops reading as soon as they pass the document
  limit: the files received so far are closed (their temporary files deleted) and the parse
  fails, so no view ever sees a truncated form.
- A refusal answers 413 (411) in the caller's language: problem details under /api/v1, the
  upload form with its error on the pages that show one (`answers_upload_refusal`), a short
  page anywhere else. Nothing is written: the view never runs with the refused body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from portefeuille.api.errors import problem_response
from portefeuille.api.language import header_language
from portefeuille.api.middleware import api_prefix
from portefeuille.firms.tokens import authenticate_token

# Re-exported: callers name them as parts of this module (uploads.BodyTooLarge...).
from .refusals import BodyTooLarge as BodyTooLarge
from .refusals import Refusal as Refusal
from .refusals import human_size as human_size

# Room for the other fields of an upload form (CSRF token, a name) and the multipart framing.
FORM_ALLOWANCE = 64 * 1024
_ATTRIBUTE = "portefeuille_upload_refusal"
_FILE_LIMIT_ATTRIBUTE = "portefeuille_file_limit"


def max_file_bytes() -> int:
    """The most file bytes one request may carry (`DOCUMENT_MAX_UPLOAD_BYTES`)."""
    return int(settings.DOCUMENT_MAX_UPLOAD_BYTES)


def _is_multipart(request: HttpRequest) -> bool:
    content_type: str = request.META.get("CONTENT_TYPE", "")
    return content_type.lower().startswith("multipart/")


def _avatar_bytes() -> int:
    return avatar_max_bytes()


def avatar_max_bytes() -> int:
    """The most bytes an avatar image may have (`AVATAR_MAX_BYTES`, 2 MB by default)."""
    return int(getattr(settings, "AVATAR_MAX_BYTES", 2 * 1024 * 1024))


# Routes that take a smaller file than a document (by view name): the most file bytes
# their bodies may carry. Every change of a contact's page takes at most its avatar.
ROUTE_FILE_LIMITS: dict[str, Callable[[], int]] = {
    "contacts:change": _avatar_bytes,
    "api:set_avatar": _avatar_bytes,
}


def file_limit(request: HttpRequest) -> int:
    """The most file bytes this request may carry: `DOCUMENT_MAX_UPLOAD_BYTES`, less on the
    routes of ROUTE_FILE_LIMITS. Found from the path alone, before the body is read."""
    found: int | None = getattr(request, _FILE_LIMIT_ATTRIBUTE, None)
    if found is not None:
        return found
    limit = max_file_bytes()
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = ""
    route_limit = ROUTE_FILE_LIMITS.get(view_name)
    if route_limit is not None:
        limit = min(limit, route_limit())
    setattr(request, _FILE_LIMIT_ATTRIBUTE, limit)
    return limit


def body_limit(request: HttpRequest) -> int | None:
    """The largest body this request may announce; None when there is no limit."""
    if _is_multipart(request):
        return file_limit(request) + FORM_ALLOWANCE
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else int(limit)


def refusal(request: HttpRequest) -> Refusal | None:
    """The refusal of this request's body, if it was refused."""
    found: Refusal | None = getattr(request, _ATTRIBUTE, None)
    return found


def _refuse(request: HttpRequest, found: Refusal) -> Refusal:
    setattr(request, _ATTRIBUTE, found)
    return found


class LimitedUploadHandler(FileUploadHandler):
    """Counts the file bytes of the request as they arrive; past the limit, stops."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = max_file_bytes() if request is None else file_limit(request)
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        # The middleware refuses this before the view; this holds for any other caller.
        if content_length > self.limit + FORM_ALLOWANCE:
            self._stop()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self) -> None:
        # The file being received is not complete: close what the next handlers hold (a
        # temporary file is deleted on close), then fail the parse without reading further.
        for handler in getattr(self.request, "upload_handlers", ()):
            held = getattr(handler, "file", None)
            if handler is not self and held is not None:
                held.close()
        found = Refusal(status=413, limit=self.limit, upload=True)
        if self.request is not None:
            _refuse(self.request, found)
        raise BodyTooLarge(found)


def answers_upload_refusal(view: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a view that shows a refused upload itself (its form with the error): the
    middleware lets it run, with an empty body, instead of answering for it."""
    view.answers_upload_refusal = True  # type: ignore[attr-defined]
    return view


def _caller_language(request: HttpRequest) -> str:
    """The language of the colleague calling the API, else French. A token is looked up
    (one query by its prefix, as the API does): the body is refused already, so this costs
    no more than answering it. A request carrying a token is judged on the token alone."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        colleague = authenticate_token(secret.strip())
        language = colleague.language if colleague is not None else ""
    else:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_active else ""
    return language or str(settings.LANGUAGE_CODE)


def refusal_response(request: HttpRequest, found: Refusal) -> HttpResponse:
    """The refusal in the caller's language and format."""
    if request.path_info.startswith(api_prefix()):
        with translation.override(header_language(request) or _caller_language(request)):
            length_required = found.status == 411
            response = problem_response(
                request,
                found.status,
                detail=found.message(),
                slug="length-required" if length_required else None,
                title=_("Taille de l'envoi requise") if length_required else None,
            )
            response["Content-Language"] = translation.get_language()
        return response
    return render(
        request,
        "web/request_refused.html",
        {"message": found.message(), "status": found.status},
        status=found.status,
    )


def _announced_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class UploadLimitMiddleware:
    """Refuses a body over its limit before it is read (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        announced = _announced_length(request)
        limit = body_limit(request)
        if announced is None and request.META.get("HTTP_TRANSFER_ENCODING"):
            _refuse(request, Refusal(status=411, limit=limit or 0, upload=_is_multipart(request)))
        elif announced is not None and limit is not None and announced > limit:
            upload = _is_multipart(request)
            shown = file_limit(request) if upload else limit
            _refuse(request, Refusal(status=413, limit=shown, upload=upload))
        response = self.get_response(request)
        found = refusal(request)
        if found is not None and response.status_code != found.status:
            # Refused while the body streamed: Django answered 400 (unreadable body) or the
            # operation its own error. The view never ran with the body; say why.
            return refusal_response(request, found)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        found = refusal(request)
        if found is None or getattr(view, "answers_upload_refusal", False):
            return None
        return refusal_response(request, found)
