"""The export writers: pure functions, no database."""

from __future__ import annotations

import csv
import datetime
import io
import zoneinfo
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.utils import timezone

from portefeuille.exchange import writers
from portefeuille.exchange.writers import (
    Column,
    Value,
    iter_csv,
    neutralise,
    write_csv,
    write_xlsx,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

COLUMNS = [
    Column("name", "Nom du client", "text"),
    Column("fees", "Honoraires", "number"),
    Column("since", "Client depuis", "date"),
    Column("seen", "Vu le", "datetime"),
]
ROWS: list[list[Value]] = [
    ["Élodie Crémieux", Decimal("1250.50"), datetime.date(2024, 3, 1), None],
    [None, 42, None, datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)],
]
DANGEROUS_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def csv_text(
    rows: Sequence[Sequence[Value]],
    columns: Sequence[Column] = COLUMNS,
    delimiter: str = ",",
) -> str:
    out = io.BytesIO()
    write_csv(columns, rows, out, delimiter=delimiter)
    return out.getvalue().decode("utf-8")


def csv_rows(
    rows: Sequence[Sequence[Value]],
    columns: Sequence[Column] = COLUMNS,
    delimiter: str = ",",
) -> list[list[str]]:
    text = csv_text(rows, columns, delimiter).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def open_sheet(path: Path) -> Any:
    return openpyxl.load_workbook(path).active


def xlsx_values(path: Path) -> list[tuple[Any, ...]]:
    return list(open_sheet(path).iter_rows(values_only=True))


# --- neutralise ------------------------------------------------------------------------


@pytest.mark.parametrize("start", DANGEROUS_STARTS)
def test_neutralise_prefixes_a_quote_to_each_dangerous_first_character(start: str) -> None:
    assert neutralise(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("text", [" =1+1", "   @cmd", "\n=1+1", " \t-2"])
def test_neutralise_looks_past_leading_whitespace(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Dupont & Fils", "a=b", "1-2", "'=1+1", "é=mc2"])
def test_neutralise_leaves_harmless_text_alone(text: str) -> None:
    assert neutralise(text) == text


# --- CSV -------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_then_the_header() -> None:
    data = csv_text([])
    assert data.startswith("\ufeffNom du client,Honoraires,Client depuis,Vu le\r\n")


def test_csv_writes_typed_values_and_empty_cells() -> None:
    assert csv_rows(ROWS)[1:] == [
        ["Élodie Crémieux", "1250.50", "2024-03-01", ""],
        ["", "42", "", "2024-05-06 07:08:09"],
    ]


def test_csv_with_semicolons_uses_a_decimal_comma() -> None:
    rows: list[list[Value]] = [["a", Decimal("1250.50"), None, None], ["b", -0.25, None, None]]
    assert csv_rows(rows, delimiter=";")[1:] == [
        ["a", "1250,50", "", ""],
        ["b", "-0,25", "", ""],
    ]


def test_csv_with_commas_keeps_the_decimal_point() -> None:
    rows: list[list[Value]] = [["a", 0.25, None, None], ["b", Decimal("1E+3"), None, None]]
    assert [row[1] for row in csv_rows(rows)[1:]] == ["0.25", "1000"]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_quoted_newlines_delimiters_and_quotes_survive_a_round_trip(delimiter: str) -> None:
    name = 'Dupont, Durand; et "associés"\r\nsecond line\nthird'
    rows: list[list[Value]] = [[name, 1, None, None]]
    assert csv_rows(rows, delimiter=delimiter)[1][0] == name


@pytest.mark.parametrize("start", DANGEROUS_STARTS)
def test_csv_neutralises_text_cells_and_headers(start: str) -> None:
    columns = [Column("name", start + "header", "text")]
    rows = csv_rows([[start + "1+1"]], columns)
    assert rows == [["'" + start + "header"], ["'" + start + "1+1"]]


def test_csv_leaves_negative_numbers_as_numbers() -> None:
    rows: list[list[Value]] = [["x", -5, None, None]]
    assert csv_rows(rows)[1][1] == "-5"


def test_csv_writes_aware_datetimes_in_local_time() -> None:
    moment = datetime.datetime(2024, 7, 1, 10, 30, tzinfo=datetime.UTC)
    with timezone.override(PARIS):
        rows = csv_rows([[None, None, None, moment]])
    assert rows[1][3] == "2024-07-01 12:30:00"


def test_write_csv_returns_the_number_of_data_rows() -> None:
    assert write_csv(COLUMNS, iter(ROWS), io.BytesIO()) == 2
    assert write_csv(COLUMNS, [], io.BytesIO()) == 0


def test_iter_csv_reads_a_generator_lazily() -> None:
    consumed = 0

    def rows() -> Iterator[list[Value]]:
        nonlocal consumed
        for number in range(20_000):
            consumed += 1
            yield [f"client {number}", number, None, None]

    chunks = iter_csv(COLUMNS, rows())
    header = next(chunks)
    assert header.startswith("\ufeffNom du client".encode())
    assert consumed == 0
    first_rows = next(chunks)
    assert first_rows.startswith(b"client 0,0,,\r\n")
    assert 0 < consumed < 20_000
    rest = b"".join(chunks)
    assert consumed == 20_000
    assert (header + first_rows + rest).count(b"\r\n") == 20_001


def test_iter_csv_and_write_csv_give_the_same_bytes() -> None:
    out = io.BytesIO()
    write_csv(COLUMNS, ROWS, out, delimiter=";")
    assert b"".join(iter_csv(COLUMNS, ROWS, delimiter=";")) == out.getvalue()


@pytest.mark.parametrize("delimiter", ["\t", "|", ",,", ""])
def test_csv_refuses_other_delimiters(delimiter: str) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        iter_csv(COLUMNS, ROWS, delimiter=delimiter)  # at the call, before any chunk
    with pytest.raises(ValueError, match="delimiter"):
        write_csv(COLUMNS, ROWS, io.BytesIO(), delimiter=delimiter)


# --- values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("text", 3),
        ("number", "3"),
        ("number", True),
        ("date", "2024-01-01"),
        ("date", datetime.datetime(2024, 1, 1, 12, 0)),
        ("datetime", datetime.date(2024, 1, 1)),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(kind: str, value: Value, tmp_path: Path) -> None:
    columns = [Column("x", "X", kind)]
    with pytest.raises(TypeError, match="'x'"):
        write_csv(columns, [[value]], io.BytesIO())
    with pytest.raises(TypeError, match="'x'"):
        write_xlsx(columns, [[value]], tmp_path / "out.xlsx", sheet_name="S")


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="Row 2 has 1 values for 4 columns"):
        write_csv(COLUMNS, [ROWS[0], ["only one"]], io.BytesIO())


def test_a_column_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "X", "money")


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_has_a_bold_header_and_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert write_xlsx(COLUMNS, iter(ROWS), path, sheet_name="Clients") == 2
    sheet = open_sheet(path)
    assert xlsx_values(path) == [
        ("Nom du client", "Honoraires", "Client depuis", "Vu le"),
        ("Élodie Crémieux", 1250.5, datetime.datetime(2024, 3, 1), None),
        (None, 42, None, datetime.datetime(2024, 5, 6, 7, 8, 9)),
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert isinstance(sheet["B3"].value, int)
    assert isinstance(sheet["B2"].value, float)
    assert isinstance(sheet["C2"].value, datetime.datetime)
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["D3"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["A2"].data_type == "s"


def test_xlsx_never_writes_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [Column("a", "=HEADER()", "text"), Column("b", "B", "text")]
    rows: list[list[Value]] = [
        ["=1+1", "https://example.com"],
        [" =1+1", "123"],
        ["@SUM(A1)", "-2+3"],
    ]
    write_xlsx(columns, rows, path, sheet_name="S")
    sheet = open_sheet(path)
    assert sheet["A1"].value == "'=HEADER()"
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A3"].value == "' =1+1"
    assert sheet["B2"].value == "https://example.com"
    assert sheet["B3"].value == "123"
    assert sheet["B4"].value == "'-2+3"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not sheet._hyperlinks


def test_xlsx_freezes_the_header_and_filters_the_data(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(COLUMNS, ROWS, path, sheet_name="Clients")
    sheet = open_sheet(path)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"


def test_xlsx_sets_column_widths_from_the_headers(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [Column("a", "A", "text"), Column("b", "A much longer header", "number")]
    write_xlsx(columns, [], path, sheet_name="S")
    widths = open_sheet(path).column_dimensions
    assert widths["B"].width > widths["A"].width


def test_xlsx_writes_aware_datetimes_in_local_time(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    moment = datetime.datetime(2024, 1, 15, 9, 0, tzinfo=datetime.UTC)
    with timezone.override(PARIS):
        write_xlsx(COLUMNS, [[None, None, None, moment]], path, sheet_name="S")
    assert open_sheet(path)["D2"].value == datetime.datetime(2024, 1, 15, 10, 0)


def test_xlsx_sheet_name_is_cut_to_31_characters_without_forbidden_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(COLUMNS, [], path, sheet_name="Clients [2024/2025]: *suivi?* \\ de l'année entière")
    title = open_sheet(path).title
    assert title == "Clients 20242025 suivi  de l'an"
    assert len(title) == 31


def test_xlsx_refuses_a_sheet_name_with_nothing_left(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sheet name"):
        write_xlsx(COLUMNS, [], tmp_path / "out.xlsx", sheet_name="[]?*")


@pytest.mark.parametrize(
    ("rows", "calls"),
    [(0, [0]), (999, [999]), (2_000, [1_000, 2_000]), (2_500, [1_000, 2_000, 2_500])],
)
def test_xlsx_reports_progress_every_thousand_rows_and_at_the_end(
    rows: int, calls: list[int], tmp_path: Path
) -> None:
    seen: list[int] = []
    columns = [Column("n", "N", "number")]
    count = write_xlsx(
        columns,
        ([n] for n in range(rows)),
        tmp_path / "out.xlsx",
        sheet_name="S",
        progress=seen.append,
    )
    assert count == rows
    assert seen == calls


def test_xlsx_refuses_more_rows_than_excel_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "XLSX_MAX_DATA_ROWS", 3)
    consumed = 0

    def rows() -> Iterator[list[Value]]:
        nonlocal consumed
        for number in range(100):
            consumed += 1
            yield [number]

    path = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="Too many rows for an Excel sheet"):
        write_xlsx([Column("n", "N", "number")], rows(), path, sheet_name="S")
    assert consumed == 4  # checked as the rows come, not after reading them all
    assert not path.exists()  # no half-written file left behind
