"""The "Chronologie" and "Documents" tabs of a contact page.

Thin adapters over timeline.py and documents.py. Every page needs FULL access to the client:
anyone else (name only, hidden, unknown id, another firm) gets the same 404. A body past
`DOCUMENT_MAX_UPLOAD_BYTES` is refused before or while it streams (portefeuille/web/uploads.py)
and the upload pages show their form again with the refusal (413); nothing is stored.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.api import pagination
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required
from portefeuille.web import uploads

from . import documents, timeline
from .models import Contact, Document
from .views_details import load_contact

TIMELINE_PAGE = 30
DOCUMENTS_PAGE = 50
DOCUMENTS_ORDER = ("-uploaded_at", "-id")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {
            key: " ".join(str(message) for message in ValidationError(value).messages)
            for key, value in error.error_dict.items()
        }
    return {"__all__": " ".join(str(message) for message in error.messages)}


# ---------------------------------------------------------------------------------------
# Timeline.
# ---------------------------------------------------------------------------------------


def _timeline_filters(request: HttpRequest) -> dict[str, str]:
    kind = request.GET.get("type", "")
    return {
        "type": kind if kind in timeline.ITEM_TYPES else "",
        "q": request.GET.get("q", "").strip()[:200],
    }


def _timeline_context(
    request: HttpRequest, actor: Colleague, contact: Contact, **extra: Any
) -> dict[str, Any]:
    filters = _timeline_filters(request)
    cursor = None
    raw_cursor = request.GET.get("cursor", "")
    if raw_cursor:
        try:
            cursor = timeline.parse_cursor(raw_cursor)
        except pagination.InvalidCursor:
            cursor = None  # a broken cursor starts from the top
    page = timeline.read_timeline(
        actor,
        contact,
        types=[filters["type"]] if filters["type"] else timeline.ITEM_TYPES,
        query=filters["q"],
        cursor=cursor,
        limit=TIMELINE_PAGE,
    )
    more_url = None
    if page.next_cursor is not None:
        params = {key: value for key, value in filters.items() if value}
        params["cursor"] = pagination.encode_cursor(page.next_cursor)
        more_url = f"{reverse('contacts:timeline', args=[contact.pk])}?{urlencode(params)}"
    return {
        "contact": contact,
        "tab": "timeline",
        "entries": page.entries,
        "more_url": more_url,
        "filters": filters,
        "type_choices": [
            ("", _("Tout")),
            ("note", _("Notes")),
            ("email", _("E-mails")),
            ("event", _("Événements")),
        ],
        "max_upload": documents.human_size(documents.max_upload_bytes()),
        "errors": {},
        "note_body": "",
        **extra,
    }


@colleague_required
@require_GET
def timeline_page(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    context = _timeline_context(request, actor, contact)
    if _is_htmx(request) and request.GET.get("cursor"):
        return render(request, "contacts/timeline.html#entries", context)
    if _is_htmx(request) and request.headers.get("HX-Target") == "timeline-results":
        return render(request, "contacts/timeline.html#results", context)
    return render(request, "contacts/timeline.html", context)


@colleague_required
@require_POST
def note_add(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    body = request.POST.get("body", "")
    try:
        timeline.add_note(actor=actor, client=contact, body=body)
    except ValidationError as error:
        context = _timeline_context(request, actor, contact, errors=_errors(error), note_body=body)
        if _is_htmx(request):
            return render(request, "contacts/timeline.html#note_section", context)
        return render(request, "contacts/timeline.html", context, status=400)
    if _is_htmx(request):
        # The new note form, and the refreshed list out of band.
        context = _timeline_context(request, actor, contact, refresh_results=True)
        return render(request, "contacts/timeline.html#note_section", context)
    messages.success(request, _("Note ajoutée."))
    return redirect("contacts:timeline", pk=contact.pk)


@colleague_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, actor: Colleague, pk: int, item: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    note = timeline.get_item(actor, contact, item)
    if note.kind != note.Kind.NOTE:
        raise Http404
    errors: dict[str, str] = {}
    body = note.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            timeline.edit_note(actor=actor, note=note, body=body)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, _("Note modifiée."))
            return redirect("contacts:timeline", pk=contact.pk)
    context = {"contact": contact, "tab": "timeline", "note": note, "body": body, "errors": errors}
    return render(
        request, "contacts/timeline_note_edit.html", context, status=400 if errors else 200
    )


@colleague_required
@require_POST
def item_delete(request: HttpRequest, actor: Colleague, pk: int, item: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    found = timeline.get_item(actor, contact, item)
    was_note = found.kind == found.Kind.NOTE
    timeline.delete_item(actor=actor, item=found)
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Note supprimée.") if was_note else _("E-mail supprimé."))
    return redirect("contacts:timeline", pk=contact.pk)


def _limited_upload(view: Any) -> Any:
    """Reads the body (bounded by portefeuille/web/uploads.py), then checks CSRF and runs the
    view. A refused body runs the view without the CSRF check: the CSRF token was in that
    body, and the view then only shows its form again with the refusal."""
    protected = csrf_protect(view)

    @csrf_exempt
    @uploads.answers_upload_refusal
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if uploads.refusal(request) is None:
            with contextlib.suppress(uploads.BodyTooLarge):  # the refusal is on the request
                request.FILES  # noqa: B018 — reads the body, stopped past the limit
        # SECURITY: writes nothing — `_uploaded` raises before the view changes anything.
        run = view if uploads.refusal(request) is not None else protected
        response: HttpResponse = run(request, *args, **kwargs)
        return response

    wrapper.__name__ = getattr(view, "__name__", "upload")
    wrapper.__doc__ = view.__doc__
    return wrapper


def _uploaded(request: HttpRequest) -> UploadedFile[bytes]:
    """The uploaded file, or a ValidationError on "file" (missing, or refused as too large)."""
    refused = uploads.refusal(request)
    if refused is not None:
        raise ValidationError({"file": ValidationError(refused.message(), code="too_large")})
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(
            {"file": ValidationError(_("Choisissez un fichier."), code="required")}
        )
    return upload


def _refused_status(request: HttpRequest) -> int:
    refused = uploads.refusal(request)
    return refused.status if refused is not None else 400


@_limited_upload
@colleague_required
@require_POST
def email_upload(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    try:
        upload = _uploaded(request)
        logged = timeline.log_email(actor=actor, client=contact, file=upload, size=upload.size or 0)
    except ValidationError as error:
        context = _timeline_context(request, actor, contact, email_errors=_errors(error))
        return render(request, "contacts/timeline.html", context, status=_refused_status(request))
    messages.success(request, _("E-mail ajouté à la chronologie."))
    if logged.refused:
        each = [
            _("« %(name)s » : %(reason)s") % {"name": skipped.name, "reason": skipped.reason}
            for skipped in logged.listed
        ]
        if logged.others:
            each.append(
                ngettext("Et %(count)s autre.", "Et %(count)s autres.", logged.others)
                % {"count": logged.others}
            )
        messages.warning(
            request, _("Pièces jointes non conservées : %(list)s") % {"list": " ".join(each)}
        )
    return redirect("contacts:timeline", pk=contact.pk)


# ---------------------------------------------------------------------------------------
# Documents.
# ---------------------------------------------------------------------------------------


def _documents_context(
    request: HttpRequest, actor: Colleague, contact: Contact, **extra: Any
) -> dict[str, Any]:
    found = documents.visible_documents(actor, contact)
    page = partial(pagination.keyset_page, found, order=DOCUMENTS_ORDER, limit=DOCUMENTS_PAGE)
    try:
        rows, next_cursor = page(cursor=request.GET.get("cursor"))
    except pagination.InvalidCursor:
        rows, next_cursor = page()  # a broken cursor starts from the top
    more_url = None
    if next_cursor is not None:
        more_url = (
            f"{reverse('contacts:documents', args=[contact.pk])}?"
            f"{urlencode({'cursor': next_cursor})}"
        )
    for row in rows:
        row.type_label = documents.ALLOWED_TYPES.get(row.content_type, ("", ""))[0]
        row.size_text = documents.human_size(row.size)
    return {
        "contact": contact,
        "tab": "documents",
        "documents": rows,
        "more_url": more_url,
        "max_upload": documents.human_size(documents.max_upload_bytes()),
        "allowed_types": documents.allowed_types_text(),
        "errors": {},
        "rename_errors": {},
        **extra,
    }


@colleague_required
@require_GET
def documents_page(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    return render(
        request, "contacts/document_list.html", _documents_context(request, actor, contact)
    )


@_limited_upload
@colleague_required
@require_POST
def document_upload(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    try:
        upload = _uploaded(request)
        document = documents.upload_document(
            actor=actor,
            client=contact,
            file=upload,
            name=upload.name or "",
            size=upload.size or 0,
        )
    except ValidationError as error:
        context = _documents_context(request, actor, contact, errors=_errors(error))
        return render(
            request, "contacts/document_list.html", context, status=_refused_status(request)
        )
    messages.success(request, _("Document « %(name)s » ajouté.") % {"name": document.name})
    return redirect("contacts:documents", pk=contact.pk)


def _document(actor: Colleague, contact: Contact, document_id: int) -> Document:
    found = documents.visible_documents(actor, contact).filter(pk=document_id).first()
    if found is None:
        raise Http404
    return found


@colleague_required
@require_POST
def document_rename(request: HttpRequest, actor: Colleague, pk: int, doc: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    document = _document(actor, contact, doc)
    try:
        documents.rename_document(actor=actor, document=document, name=request.POST.get("name", ""))
    except ValidationError as error:
        context = _documents_context(
            request, actor, contact, rename_errors={document.pk: _errors(error).get("name", "")}
        )
        return render(request, "contacts/document_list.html", context, status=400)
    messages.success(request, _("Document renommé."))
    return redirect("contacts:documents", pk=contact.pk)


@colleague_required
@require_POST
def document_delete(request: HttpRequest, actor: Colleague, pk: int, doc: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    document = _document(actor, contact, doc)
    name = document.name
    documents.delete_document(actor=actor, document=document)
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Document « %(name)s » supprimé.") % {"name": name})
    return redirect("contacts:documents", pk=contact.pk)


@colleague_required
@require_GET
def document_download(request: HttpRequest, actor: Colleague, pk: int, doc: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    document = _document(actor, contact, doc)
    # A streaming response; colleague_required is typed for HttpResponse only.
    return cast(HttpResponse, download_response(document))


def download_response(document: Document) -> FileResponse:
    """The file streamed from storage, always as an attachment with its detected type."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
