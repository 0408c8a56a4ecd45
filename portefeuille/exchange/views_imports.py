"""Importing contacts (docs/imports.md): upload, mapping, preview with decisions, progress,
report. Thin adapters over exchange/imports.py; an import and its pages are its
requester's only (anyone else, admins included: the 404 of an unknown id)."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.access.rules import Level, annotate_level, visible_clients
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required

from . import imports, readers, tasks
from . import mapping as columns
from .models import Import, ImportRow

Status = Import.Status
logger = logging.getLogger(__name__)
PAGE_ROWS = 50
SHOWS = ("all", "errors", "duplicates", "warnings", "valid")


def _own_import(actor: Colleague, pk: int) -> Import:
    job = Import.objects.filter(pk=pk, firm_id=actor.firm_id, requester_id=actor.pk).first()
    if job is None:
        raise Http404
    return job


@colleague_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """The upload form and the colleague's recent imports; a POST stores the file and opens
    its mapping."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            error = _("Choisissez un fichier à importer.")
        else:
            try:
                job = imports.start(actor=actor, upload=upload)
            except imports.ImportRefused as refused:
                error = refused.message
            else:
                return redirect("imports:mapping", pk=job.pk)
    recent = Import.objects.filter(firm_id=actor.firm_id, requester_id=actor.pk).order_by(
        "-created_at"
    )[:10]
    return render(
        request,
        "exchange/import_start.html",
        {
            "error": error,
            "recent": recent,
            "limit_mb": imports.max_bytes() // (1024 * 1024),
        },
        status=400 if error else 200,
    )


def _begin_analysis(job: Import) -> None:
    """In the request for a small file, else in the task worker (the page shows progress).
    A failure inline leaves the import failed (the task records it) and the page says so."""
    if job.rows_total > imports.INLINE_ROWS:
        tasks.analyse_import.enqueue(import_id=job.pk)
        return
    try:
        tasks.analyse_import.call(import_id=job.pk)
    except Exception:
        logger.exception("import %s: analysis failed", job.pk)


@colleague_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """What each column of the file means, guessed from its header and changed here."""
    job = _own_import(actor, pk)
    if job.status not in (Status.MAPPING, Status.READY):
        return redirect("imports:detail", pk=job.pk)
    slots = imports.role_slots(actor.firm_id)
    error = ""
    chosen = list(job.mapping)
    if request.method == "POST":
        chosen = [request.POST.get(f"col_{index}", "") for index in range(len(job.headers))]
        try:
            with transaction.atomic():
                imports.set_mapping(actor=actor, job=job, chosen=chosen)
                job.rows_total = _estimate(job)
                job.save(update_fields=["rows_total"])
        except imports.ImportRefused as refused:
            error = refused.message
        else:
            _begin_analysis(job)
            return redirect("imports:detail", pk=job.pk)
    rows = imports.samples(job)
    table = [
        {
            "index": index,
            "header": header,
            "target": chosen[index] if index < len(chosen) else "",
            "samples": [row[index] for row in rows if index < len(row) and row[index]],
        }
        for index, header in enumerate(job.headers)
    ]
    return render(
        request,
        "exchange/import_mapping.html",
        {
            "job": job,
            "columns": table,
            "targets": columns.targets(slots),
            "error": error,
        },
        status=400 if error else 200,
    )


def _estimate(job: Import) -> int:
    """The number of rows of the file (to choose between the request and the worker)."""
    count = 0
    try:
        with imports.local_file(job) as path:
            for _row in readers.read_table(path, job.format).rows():
                count += 1
                if count > imports.INLINE_ROWS:
                    break
    except (OSError, readers.UnreadableFile):
        pass  # the analysis reports it
    return count


def _rows_page(actor: Colleague, job: Import, show: str, after: int) -> dict[str, Any]:
    rows = ImportRow.objects.filter(job=job).order_by("number")
    if show == "errors":
        rows = rows.exclude(errors=[])
    elif show == "duplicates":
        rows = rows.filter(errors=[]).exclude(duplicate_of=None)
    elif show == "warnings":
        rows = rows.filter(errors=[]).exclude(warnings=[])
    elif show == "valid":
        rows = rows.filter(errors=[], duplicate_of=None)
    page = list(rows.filter(number__gt=after)[: PAGE_ROWS + 1])
    more = len(page) > PAGE_ROWS
    page = page[:PAGE_ROWS]
    # SECURITY: the contact a row repeats is named at the importer's level *now*
    # (docs/access-rules.md): in full with its link, by name only, or not at all.
    ids = [row.duplicate_of_id for row in page if row.duplicate_of_id]
    seen = {
        contact.pk: contact
        for contact in annotate_level(actor, visible_clients(actor, Level.NAME)).filter(pk__in=ids)
    }
    labels = dict(ImportRow.Decision.choices)
    shown = []
    for row in page:
        other = seen.get(row.duplicate_of_id or 0)
        level = getattr(other, "access_level", None)
        shown.append(
            {
                "row": row,
                "other": other,
                "other_full": level == Level.FULL,
                "choices": [
                    (value, labels[value])
                    for value in imports.choices_for(row, level if other else None)
                ],
            }
        )
    return {"rows": shown, "more": more, "next_after": page[-1].number if page else after}


@colleague_required
@require_GET
def import_detail(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """An import's page: its analysis or writing in progress, its preview with the rows and
    the choices for likely duplicates, or its summary and report."""
    job = _own_import(actor, pk)
    working = job.status in (Status.ANALYSING, Status.QUEUED, Status.RUNNING)
    context: dict[str, Any] = {"job": job, "working": working}
    if request.headers.get("HX-Target") == "import-progress":
        if not working:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "exchange/import_detail.html#progress", context)
    if job.status == Status.READY:
        show = request.GET.get("show", "all")
        show = show if show in SHOWS else "all"
        try:
            after = max(0, int(request.GET.get("after", "0")))
        except ValueError:
            after = 0
        context |= {
            "summary": imports.summary(job),
            "show": show,
            "after": after,
            "shows": [
                ("all", _("Toutes les lignes")),
                ("errors", _("Erreurs")),
                ("duplicates", _("Doublons probables")),
                ("warnings", _("Avec réserves")),
                ("valid", _("Nouveaux contacts")),
            ],
            **_rows_page(actor, job, show, after),
        }
        if request.headers.get("HX-Target") == "import-rows":
            return render(request, "exchange/import_detail.html#rows", context)
    return render(request, "exchange/import_detail.html", context)


@colleague_required
@require_POST
def import_decide(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The importer's choices for likely duplicates: per row (`decision_<line>`), or one for
    them all (`all`)."""
    job = _own_import(actor, pk)
    try:
        with transaction.atomic():
            everyone = request.POST.get("all", "")
            if everyone:
                changed = imports.decide_all(actor=actor, job=job, decision=everyone)
            else:
                decisions: dict[int, str] = {}
                for key in request.POST:
                    if key.startswith("decision_") and key.removeprefix("decision_").isdigit():
                        decisions[int(key.removeprefix("decision_"))] = request.POST.get(key, "")
                changed = imports.decide(actor=actor, job=job, decisions=decisions)
    except imports.ImportRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Choix enregistrés (%(count)s lignes).") % {"count": changed})
    show = request.POST.get("show", "duplicates")
    return redirect(f"{_detail_url(job)}?show={show if show in SHOWS else 'all'}")


def _detail_url(job: Import) -> str:
    return reverse("imports:detail", kwargs={"pk": job.pk})


@colleague_required
@require_POST
def import_run(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The importer confirmed the preview: the rows are written, in the request for a small
    file, else by the task worker while the page shows the progress."""
    job = _own_import(actor, pk)
    try:
        with transaction.atomic():
            imports.queue(actor=actor, job=job)
    except imports.ImportRefused as refused:
        messages.error(request, refused.message)
        return redirect("imports:detail", pk=job.pk)
    if job.rows_total > imports.INLINE_ROWS:
        tasks.run_import.enqueue(import_id=job.pk)
    else:
        try:
            tasks.run_import.call(import_id=job.pk)
        except Exception:
            logger.exception("import %s: writing failed", job.pk)
    return redirect("imports:detail", pk=job.pk)


@colleague_required
@require_POST
def import_discard(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """Drops an import that is not being written (its file and rows; the contacts an import
    wrote stay)."""
    job = _own_import(actor, pk)
    if job.status in (Status.QUEUED, Status.RUNNING):
        messages.error(request, _("Cet import est en cours : attendez sa fin."))
        return redirect("imports:detail", pk=job.pk)
    with transaction.atomic():
        job.file.delete(save=False)
        job.delete()
    messages.success(request, _("Import « %(name)s » supprimé.") % {"name": job.original_name})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("imports:start")
        return response
    return redirect("imports:start")


@colleague_required
@require_GET
def import_report(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The rows not imported, with the reason, as CSV."""
    job = _own_import(actor, pk)
    if job.status != Status.DONE:
        raise Http404
    response = StreamingHttpResponse(
        imports.report_csv(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rapport.csv"'
    return cast(HttpResponse, response)
