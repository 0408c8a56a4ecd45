"""Large exports (docs/exchange.md, "Large exports"): written by the task worker with their
progress, downloaded from their page by their requester only, recorded once."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.http import FileResponse
from django.test import Client
from pytest_django import Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.exchange import tasks, views
from portefeuille.exchange.models import Export
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Three rows are « large » here.
    monkeypatch.setattr(views, "BACKGROUND_FROM", 3)


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(firm=firm, first_name="Sacha", last_name="Staff")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def _clients(firm: Firm) -> None:
    for name, privacy in (
        ("Atelier", Privacy.PUBLIC),
        ("Boulangerie", Privacy.PUBLIC),
        ("Cabinet privé", Privacy.PRIVATE),
        ("Dépôt caché", Privacy.HIDDEN),
    ):
        f.OrganizationFactory.create(firm=firm, display_name=name, privacy=privacy)


def test_a_large_export_runs_in_the_background_and_only_its_requester_downloads_it(
    firm: Firm, staff: Colleague, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    _clients(firm)
    http = browse(staff)
    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post(
            "/monitor/export/", {"state": "col=name,code", "scope": "all", "format": "xlsx"}
        )
    export = Export.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/monitor/exports/{export.pk}/"
    assert export.status == Export.Status.DONE
    assert (export.rows_done, export.rows_total) == (3, 3)
    page = http.get(answer["Location"]).content.decode()
    assert "Votre export est prêt : 3 clients." in page
    assert "every 2s" not in page  # done: the page no longer refreshes itself

    download = http.get(f"/monitor/exports/{export.pk}/download/")
    assert download.status_code == 200
    body = b"".join(cast(FileResponse, download).streaming_content)  # type: ignore[arg-type]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Nom", "Identifiant client"],
        ["Atelier", None],
        ["Boulangerie", None],
        ["Cabinet privé", None],  # seen by name only: its name alone
    ]
    event = AuditEvent.objects.get(action="clients.exported")
    assert event.after is not None
    assert event.after["export"] == export.pk
    assert event.after["count"] == 3

    # Anyone else — an admin of the firm included — gets the 404 of an unknown id.
    admin = f.AdminFactory.create(firm=firm)
    for path in (f"/monitor/exports/{export.pk}/", f"/monitor/exports/{export.pk}/download/"):
        assert browse(admin).get(path).status_code == 404
    assert http.get("/monitor/exports/99999999/").status_code == 404


def test_a_queued_export_shows_its_progress_and_refreshes_itself(
    firm: Firm, staff: Colleague
) -> None:
    _clients(firm)
    http = browse(staff)
    answer = http.post("/monitor/export/", {"state": "", "scope": "all", "format": "csv"})
    export = Export.objects.get()  # the on-commit enqueue did not run: still queued
    assert export.status == Export.Status.QUEUED
    page = http.get(answer["Location"]).content.decode()
    assert "En attente du traitement en arrière-plan" in page
    assert 'hx-trigger="every 2s"' in page
    assert http.get(f"/monitor/exports/{export.pk}/download/").status_code == 404
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, rows_done=2)
    fragment = http.get(
        answer["Location"], headers={"HX-Request": "true", "HX-Target": "export-progress"}
    )
    text = fragment.content.decode()
    assert "<html" not in text
    assert "2 clients écrits sur 3" in text
    assert 'value="66"' in text


def test_the_worker_writes_with_the_rights_its_requester_has_when_it_runs(
    firm: Firm, staff: Colleague
) -> None:
    _clients(firm)
    browse(staff).post("/monitor/export/", {"state": "", "scope": "all", "format": "csv"})
    export = Export.objects.get()
    Colleague.objects.filter(pk=staff.pk).update(is_active=False)
    assert tasks.run_export.call(export_id=export.pk) is False
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert not export.file
    # Taken once only: a second run of the same export does nothing.
    assert tasks.run_export.call(export_id=export.pk) is False


def test_a_small_export_is_sent_at_once(firm: Firm, staff: Colleague) -> None:
    f.OrganizationFactory.create(firm=firm, display_name="Atelier")
    answer = browse(staff).post("/monitor/export/", {"state": "", "scope": "all", "format": "csv"})
    assert answer.status_code == 200
    assert not Export.objects.exists()
