"""`portefeuille import` and `portefeuille export` (docs/imports.md, docs/exchange.md): the
same rules as the pages, from the terminal, with a progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.cli import resolve
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(firm=firm, email="sacha@cabinet.test")


def test_the_operator_names_are_the_commands() -> None:
    assert resolve(["import", "x.csv"]) == ["import_contacts", "x.csv"]
    assert resolve(["export"]) == ["export_clients"]


def test_import_writes_the_valid_rows_and_a_report_of_the_others(
    firm: Firm, staff: Colleague, tmp_path: Path
) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text(
        "Prénom;Nom;E-mail\nLucie;Petit;lucie@petit.test\nBruno;Faux;pas-une-adresse\n",
        encoding="cp1252",
    )
    report = tmp_path / "rapport.csv"
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_contacts",
        str(source),
        "--as",
        staff.email,
        "--report",
        str(report),
        stdout=out,
        stderr=err,
    )
    assert "1 created, 0 merged, 0 skipped, 1 rejected" in out.getvalue()
    assert "[" in err.getvalue()
    assert "2/2" in err.getvalue()
    assert Contact.objects.filter(firm=firm, last_name="Petit").exists()
    assert "pas-une-adresse" in report.read_text(encoding="utf-8-sig")


def test_a_dry_run_writes_nothing(firm: Firm, staff: Colleague, tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text("First Name,Last Name\nZoé,Arnaud\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_contacts",
        str(source),
        "--as",
        staff.email,
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "1 to create" in out.getvalue()
    assert not Contact.objects.filter(firm=firm, last_name="Arnaud").exists()


def test_import_refuses_an_unknown_colleague_or_an_unreadable_file(
    staff: Colleague, tmp_path: Path
) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="No active colleague"):
        call_command("import_contacts", str(empty), "--as", "personne@nulle.part")
    with pytest.raises(CommandError, match="vide"):
        call_command("import_contacts", str(empty), "--as", staff.email)


def test_export_writes_what_the_colleague_sees_and_is_recorded(
    firm: Firm, staff: Colleague, tmp_path: Path
) -> None:
    f.OrganizationFactory.create(firm=firm, display_name="Atelier public")
    f.OrganizationFactory.create(firm=firm, display_name="Dépôt caché", privacy=Privacy.HIDDEN)
    target = tmp_path / "clients.xlsx"
    out = io.StringIO()
    call_command(
        "export_clients",
        "--as",
        staff.email,
        "--query",
        "col=name,kind",
        "-o",
        str(target),
        stdout=out,
        stderr=io.StringIO(),
    )
    sheet = openpyxl.load_workbook(target).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Atelier public"]
    assert f"Clients written to {target}: 1." in out.getvalue()
    assert AuditEvent.objects.filter(action="clients.exported", actor=staff).exists()
