"""Tabular exports of the client monitor: CSV (streamed) and XLSX (written to a file).

A pure module: no database, no models. Callers describe the columns (`Column`) and hand
over the rows, one sequence of values per row in column order; rows may be a generator
of any length, consumed once and never kept in memory.

- `write_csv` / `iter_csv`: UTF-8 with a BOM (so Excel reads accents), `,` or `;` as
  delimiter (`;` also writes numbers with a decimal comma, for French Excel).
- `write_xlsx`: one sheet, bold frozen header, typed cells, an autofilter.

Every text cell and header goes through `neutralise` (formula injection, OWASP "CSV
injection"); numbers and dates are typed and written as such. Timezone-aware datetimes
are written in local time (Django's current time zone), without their offset.

SECURITY: this module checks no access rule. Callers must hand it only the rows and the
columns the reader may see, already filtered (docs/exchange.md).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal, NoReturn, Protocol, get_args

from django.utils import timezone
from xlsxwriter import Workbook  # type: ignore[import-untyped]

# The kinds of column; `Column.kind` is a plain str (checked when the column is made), so
# callers may pass either this Literal or a str.
Kind = Literal["text", "number", "date", "datetime"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Value = str | int | float | Decimal | datetime.date | datetime.datetime | None

# A spreadsheet evaluates a cell starting with one of these as a formula (or, for tab and
# carriage return, may strip them and then evaluate what follows).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (",", ";")
# Characters of text buffered before a CSV chunk is yielded.
_CSV_CHUNK_CHARS = 64 * 1024
# Excel's sheet: 1,048,576 rows, the header included; names of at most 31 characters.
XLSX_MAX_DATA_ROWS = 1_048_576 - 1
_SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
_PROGRESS_EVERY = 1_000
# Column width (in characters) by kind when the header is shorter, and the widest column.
_MIN_WIDTH: dict[str, int] = {"text": 12, "number": 10, "date": 12, "datetime": 17}
_MAX_WIDTH = 50


@dataclass(frozen=True)
class Column:
    """One column of an export: `key` names it for the caller, `header` is the text shown
    (already translated), `kind` (one of KINDS) says what its values are:

    - "text": str | None
    - "number": int | float | Decimal | None
    - "date": datetime.date | None
    - "datetime": datetime.datetime | None (aware ones are written in local time)

    None is an empty cell.
    """

    key: str
    header: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.key!r}: unknown kind {self.kind!r}")


class BytesWriter(Protocol):
    """Where `write_csv` writes: a binary file, a BytesIO, an HttpResponse..."""

    def write(self, data: bytes, /) -> object: ...


def neutralise(text: str) -> str:
    """`text`, prefixed with a single quote if a spreadsheet could read it as a formula:
    it starts, or its first non-whitespace character is, one of = + - @ tab or carriage
    return."""
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# --- CSV -----------------------------------------------------------------------------


def iter_csv(
    columns: Sequence[Column], rows: Iterable[Sequence[Value]], *, delimiter: str = ","
) -> Iterator[bytes]:
    """The CSV export as chunks of bytes, for a StreamingHttpResponse: the first chunk is
    the BOM and the header row, the next ones about 64 KiB of rows each. Rows are read
    only as the chunks are asked for. A bad delimiter raises ValueError at once, before
    anything is sent."""
    if delimiter not in _DELIMITERS:
        raise ValueError(f"CSV delimiter must be one of {_DELIMITERS}, not {delimiter!r}")
    return _csv_chunks(columns, rows, delimiter)


def write_csv(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Value]],
    out: BytesWriter,
    *,
    delimiter: str = ",",
) -> int:
    """Write the CSV export (see `iter_csv`) to the binary file `out`; the number of data
    rows written."""
    count = 0

    def counted() -> Iterator[Sequence[Value]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in iter_csv(columns, counted(), delimiter=delimiter):
        out.write(chunk)
    return count


def _csv_chunks(
    columns: Sequence[Column], rows: Iterable[Sequence[Value]], delimiter: str
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    decimal_comma = delimiter == ";"
    buffer.write("\ufeff")
    writer.writerow([neutralise(column.header) for column in columns])
    yield _drain(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow(
            [
                _csv_cell(column, value, decimal_comma)
                for column, value in _cells(columns, row, number)
            ]
        )
        if buffer.tell() >= _CSV_CHUNK_CHARS:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _csv_cell(column: Column, value: Value, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if column.kind == "text":
        return neutralise(_text(column, value))
    if column.kind == "number":
        number = _number(column, value)
        text = format(number, "f") if isinstance(number, Decimal) else str(number)
        return text.replace(".", ",") if decimal_comma else text
    if column.kind == "date":
        return _date(column, value).isoformat()
    # A space rather than "T" between date and time: Excel reads it as a date and time.
    return _datetime(column, value).isoformat(sep=" ", timespec="seconds")


# --- XLSX ----------------------------------------------------------------------------


def write_xlsx(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Value]],
    path: str | os.PathLike[str],
    *,
    sheet_name: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the export to an XLSX file at `path`, one sheet named `sheet_name` (cut to
    Excel's 31 characters, without the characters []:*?/\\ it forbids); the number of data
    rows written.

    Memory stays flat (XlsxWriter's constant_memory: each row is written out as it comes).
    `progress(n)` is called with the count of rows written every 1,000 rows and at the end.
    More rows than Excel holds (1,048,575 under the header) raise ValueError; on any error
    the file at `path` is removed rather than left half written.
    """
    name = _sheet_name(sheet_name)
    workbook = Workbook(
        os.fspath(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        count = _write_sheet(workbook, name, columns, rows, progress)
    except BaseException:
        workbook.close()
        Path(path).unlink(missing_ok=True)
        raise
    workbook.close()
    return count


def _write_sheet(
    workbook: Workbook,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Value]],
    progress: Callable[[int], None] | None,
) -> int:
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True})
    formats = {
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
    }
    for index, column in enumerate(columns):
        width = min(max(len(column.header) + 2, _MIN_WIDTH[column.kind]), _MAX_WIDTH)
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, neutralise(column.header), bold)

    count = 0
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_DATA_ROWS:
            raise ValueError(
                f"Too many rows for an Excel sheet: at most {XLSX_MAX_DATA_ROWS:,} "
                "under the header. Narrow the export, or export as CSV."
            )
        for index, (column, value) in enumerate(_cells(columns, row, count)):
            if value is None:
                continue
            if column.kind == "text":
                sheet.write_string(count, index, neutralise(_text(column, value)))
            elif column.kind == "number":
                sheet.write_number(count, index, float(_number(column, value)))
            elif column.kind == "date":
                sheet.write_datetime(count, index, _date(column, value), formats["date"])
            else:
                sheet.write_datetime(count, index, _datetime(column, value), formats["datetime"])
        if progress is not None and count % _PROGRESS_EVERY == 0:
            progress(count)
    if columns:
        sheet.autofilter(0, 0, count, len(columns) - 1)
    if progress is not None and (count == 0 or count % _PROGRESS_EVERY):
        progress(count)
    return count


def _sheet_name(name: str) -> str:
    # Excel also refuses an empty name and one that starts or ends with an apostrophe.
    cleaned = name.translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")
    cleaned = cleaned[:_SHEET_NAME_MAX].rstrip().rstrip("'")
    if not cleaned:
        raise ValueError(f"No usable sheet name in {name!r}")
    return cleaned


# --- Values --------------------------------------------------------------------------


def _cells(
    columns: Sequence[Column], row: Sequence[Value], number: int
) -> Iterator[tuple[Column, Value]]:
    if len(row) != len(columns):
        raise ValueError(f"Row {number} has {len(row)} values for {len(columns)} columns")
    return zip(columns, row, strict=True)


def _wrong_type(column: Column, value: Value) -> NoReturn:
    raise TypeError(f"Column {column.key!r} ({column.kind}) cannot hold {type(value).__name__}")


def _text(column: Column, value: Value) -> str:
    if not isinstance(value, str):
        _wrong_type(column, value)
    return value


def _number(column: Column, value: Value) -> int | float | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        _wrong_type(column, value)
    return value


def _date(column: Column, value: Value) -> datetime.date:
    # A datetime is a date too: refused, rather than its time silently dropped.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        _wrong_type(column, value)
    return value


def _datetime(column: Column, value: Value) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        _wrong_type(column, value)
    if timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    return value.replace(microsecond=0)
