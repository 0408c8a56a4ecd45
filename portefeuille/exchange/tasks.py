"""Background work of the client monitor: a large export written by the task worker
(docs/exchange.md, "Large exports"), and the analysis and writing of a large import
(docs/imports.md). An entry point like a view: it reads the monitor's
selection through the same code as the page, with the rights its requester has when it
runs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from portefeuille.firms.models import Colleague

from . import imports, monitor, writers
from .models import Export
from .models import Import as ImportJob
from .selection import EXTENSIONS, export_columns, query_from

Status = Export.Status


def _progress(export_id: int) -> Any:
    def tell(done: int) -> None:
        Export.objects.filter(pk=export_id).update(rows_done=done)

    return tell


@task()
def run_export(*, export_id: int) -> bool:
    """Writes one queued export; False when it is gone, already taken, or its requester can
    no longer export (deactivated: the file is not written)."""
    taken = Export.objects.filter(pk=export_id, status=Status.QUEUED).update(status=Status.RUNNING)
    if not taken:
        return False
    export = Export.objects.select_related("requester").get(pk=export_id)
    actor: Colleague = export.requester
    if not actor.is_active:
        Export.objects.filter(pk=export_id).update(
            status=Status.FAILED, error="inactive", finished_at=timezone.now()
        )
        return False
    with override(actor.language or None):
        query, shown = query_from(actor, QueryDict(export.state))
        ids = export.selected if isinstance(export.selected, list) else None
        columns = export_columns(shown)
        cells = (
            [row.value(column.key) for column in shown]
            for row in monitor.export_rows(actor, query, ids)
        )
        extension = EXTENSIONS[export.format]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"clients.{extension}"
            try:
                if extension == "xlsx":
                    rows = writers.write_xlsx(
                        columns, cells, path, sheet_name=_("Clients"), progress=_progress(export_id)
                    )
                else:
                    delimiter = ";" if export.format == "csv_semicolon" else ","
                    with path.open("wb") as handle:
                        rows = writers.write_csv(columns, cells, handle, delimiter=delimiter)
            except Exception as error:
                Export.objects.filter(pk=export_id).update(
                    status=Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
                )
                raise
            stamp = timezone.localtime(export.created_at).strftime("%Y-%m-%d-%H%M")
            with path.open("rb") as handle:
                export.file.save(f"clients-{stamp}.{extension}", File(handle), save=False)
    Export.objects.filter(pk=export_id).update(
        file=export.file.name,
        status=Status.DONE,
        rows_done=rows,
        rows_total=rows,
        finished_at=timezone.now(),
    )
    return True


def _import_progress(import_id: int) -> Any:
    def tell(done: int) -> None:
        ImportJob.objects.filter(pk=import_id).update(rows_done=done)

    return tell


@task()
def analyse_import(*, import_id: int) -> bool:
    """Reads a mapped import's rows for its preview (docs/imports.md); False when it is gone
    or not waiting for its analysis."""
    job = (
        ImportJob.objects.filter(pk=import_id, status=ImportJob.Status.ANALYSING)
        .select_related("requester")
        .first()
    )
    if job is None or not job.requester.is_active:
        return False
    with override(job.requester.language or None):
        try:
            imports.analyse(job, progress=_import_progress(import_id))
        except Exception as error:
            ImportJob.objects.filter(pk=import_id).update(
                status=ImportJob.Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
            )
            raise
    return True


@task()
def run_import(*, import_id: int) -> bool:
    """Writes a confirmed import's rows (docs/imports.md); False when it is gone, already
    taken, or its requester is no longer active."""
    job = ImportJob.objects.filter(pk=import_id).select_related("requester").first()
    if job is None:
        return False
    with override(job.requester.language or None):
        try:
            return imports.run(job, progress=_import_progress(import_id))
        except Exception as error:
            ImportJob.objects.filter(pk=import_id).update(
                status=ImportJob.Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
            )
            raise
