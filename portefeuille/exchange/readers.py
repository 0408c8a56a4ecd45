"""Reading an uploaded contacts file into a table of strings: CSV, Excel (.xlsx), vCard.

A pure module: no database, no models. `sniff_format` tells the format from the file's name
and first bytes, `read_table` opens the file once (refusing it as a whole with a sentence
when it cannot be read) and returns a `Table`: its headers, the notices the mapping page
shows, and `rows()`, which reads the file again on each call.

- CSV: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252 (what French
  Excel and Outlook write); `,` `;` tab or `|` between fields, found from the file.
- XLSX: the first worksheet, through openpyxl in read-only mode (constant memory); the
  sheet's XML is also scanned once for formulas (the value Excel last saved is imported)
  and merged cells (each cell of a merge gets the merge's value).
- vCard 2.1, 3.0 and 4.0: one row per card, in fixed columns (`vcard_columns`); a card that
  cannot be parsed is a row of empty cells with its reason in `Table.row_errors`.

Every sentence (notices, refusals, row errors) is translated when it is made.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

import openpyxl  # type: ignore[import-untyped]
import vobject  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORMATS = ("csv", "xlsx", "vcf")

# How much of a CSV file the delimiter is guessed from.
_SNIFF_CHARS = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
_VCARD_EXTENSIONS = (".vcf", ".vcard")
_ZIP_MAGIC = b"PK\x03\x04"
# An .xls (Excel 97-2003) is an OLE2 compound file.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel's widest sheet: a merged range is never followed past it.
_XLSX_MAX_COLUMNS = 16_384
_CARDS_SHOWN_IN_REASON = 60


class UnreadableFile(Exception):
    """A file refused as a whole; `message` is the user's sentence (already translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """An opened file: one header per column (never blank, never repeated), the notices the
    mapping page shows, and its rows (`rows()`, read again from the file on each call).

    `row_errors` maps a row's number to the sentence saying why it could not be read (vCard
    only: a card that does not parse); such a row is still yielded, with empty cells.
    """

    format: str
    headers: list[str]
    notices: list[str]
    encoding: str = ""
    delimiter: str = ""
    row_errors: dict[int, str] = field(default_factory=dict)
    _rows: Callable[[], Iterator[tuple[int, list[str]]]] | None = field(
        default=None, repr=False, compare=False
    )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(number, cells) for each row that is not wholly empty: number is the CSV record
        (the header is 1), the sheet's row, or the card's position (1-based); cells are
        stripped strings, exactly len(headers) of them."""
        if self._rows is None:
            return iter(())
        return self._rows()


# --- Format ----------------------------------------------------------------------------


def _unknown_format() -> UnreadableFile:
    return UnreadableFile(
        _("Format non reconnu : importez un fichier CSV, Excel (.xlsx) ou vCard (.vcf).")
    )


def _old_excel() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Les anciens fichiers Excel (.xls) ne sont pas pris en charge : enregistrez-le "
            "au format Excel (.xlsx) ou CSV."
        )
    )


def _looks_like_vcard(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1")
    return text.lstrip("\ufeff\xef\xbb\xbf \t\r\n").upper().startswith("BEGIN:VCARD")


def sniff_format(filename: str, head: bytes) -> str:
    """ "csv" | "xlsx" | "vcf" from the file's extension, checked against its first bytes
    (a zip for .xlsx, BEGIN:VCARD for .vcf; .csv and .txt are text). Raises UnreadableFile
    with a sentence for anything else."""
    extension = Path(filename).suffix.lower()
    is_zip = head.startswith(_ZIP_MAGIC)
    if extension == ".xls" or head.startswith(_OLE2_MAGIC):
        raise _old_excel()
    if extension in (".xlsx", ".xlsm"):
        if is_zip:
            return "xlsx"
        raise UnreadableFile(
            _("Ce fichier Excel est illisible : ce n'est pas un classeur .xlsx valide.")
        )
    if extension in _VCARD_EXTENSIONS:
        if _looks_like_vcard(head):
            return "vcf"
        raise UnreadableFile(
            _("Ce fichier vCard est illisible : il ne commence pas par BEGIN:VCARD.")
        )
    if extension in _CSV_EXTENSIONS:
        if is_zip:
            raise UnreadableFile(
                _(
                    "Ce fichier porte l'extension %(extension)s mais contient un classeur "
                    "Excel : renommez-le en .xlsx."
                )
                % {"extension": extension}
            )
        # A vCard saved as .txt is still a vCard.
        return "vcf" if _looks_like_vcard(head) else "csv"
    if not extension:
        if is_zip:
            return "xlsx"
        if _looks_like_vcard(head):
            return "vcf"
    raise _unknown_format()


def read_table(path: Path, format: str) -> Table:
    """The file at `path` as a Table. Raises UnreadableFile for an empty file, a file with
    no header row, an .xlsx that is not a valid workbook, a text in an unknown encoding, a
    vCard file with no card."""
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: expected one of {FORMATS}")
    if path.stat().st_size == 0:
        raise UnreadableFile(_("Le fichier est vide."))
    if format == "csv":
        return _read_csv(path)
    if format == "xlsx":
        return _read_xlsx(path)
    return _read_vcard(path)


# --- Shared helpers --------------------------------------------------------------------


def _no_header() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Le fichier ne contient aucune ligne d'en-tête : la première ligne doit nommer "
            "les colonnes."
        )
    )


def _extra_values_notice() -> str:
    return _(
        "Certaines lignes ont plus de valeurs que l'en-tête : les valeurs en trop sont ignorées."
    )


def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file: a BOM says UTF-8 or UTF-16; else strict UTF-8, else
    Windows-1252. NUL characters (a binary file) and undecodable bytes are refused."""
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise UnreadableFile(
                _(
                    "Ce fichier contient des caractères nuls : ce n'est pas un fichier texte "
                    "lisible. Enregistrez-le au format CSV UTF-8."
                )
            )
        return text, encoding
    raise UnreadableFile(
        _("L'encodage de ce fichier n'est pas reconnu : enregistrez-le au format CSV UTF-8.")
    )


def _headers(cells: Sequence[str]) -> list[str]:
    """One header per cell: a blank or repeated one (ignoring case) becomes « Colonne n »
    (n is the column's position, 1-based)."""
    found: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells, start=1):
        header = " ".join(cell.split())
        if not header or header.casefold() in seen:
            header = _("Colonne %(n)s") % {"n": position}
            suffix = 2
            while header.casefold() in seen:
                header = _("Colonne %(n)s (%(m)s)") % {"n": position, "m": suffix}
                suffix += 1
        seen.add(header.casefold())
        found.append(header)
    return found


def _width(cells: Sequence[str]) -> int:
    """The number of cells up to the last non-empty one."""
    width = len(cells)
    while width and not cells[width - 1]:
        width -= 1
    return width


def _fit(cells: list[str], width: int) -> tuple[list[str], bool]:
    """`cells` cut or padded to `width`, and whether a non-empty cell was cut off."""
    if len(cells) > width:
        return cells[:width], any(cells[width:])
    return cells + [""] * (width - len(cells)), False


# --- CSV -------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """`,` `;` tab or `|`: csv.Sniffer's choice on the start of the text, unless the
    header line (the first non-blank one) does not contain it; else the most frequent of
    them in the header line (`,` when there is none: a single column)."""
    first_line = next((line for line in text[:_SNIFF_CHARS].splitlines() if line.strip()), "")
    counts = {candidate: first_line.count(candidate) for candidate in _DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters="".join(_DELIMITERS))
    except csv.Error:
        sniffed = None
    if (
        sniffed is not None
        and sniffed.delimiter in _DELIMITERS
        and (counts[sniffed.delimiter] or not any(counts.values()))
    ):
        return str(sniffed.delimiter)
    best = max(_DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, stripped cells) of every record, the blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    for number, record in enumerate(reader, start=1):
        yield number, [cell.replace("\r\n", "\n").strip() for cell in record]


def _read_csv(path: Path) -> Table:
    text, encoding = _decode(path.read_bytes())
    delimiter = _delimiter(text)
    try:
        records = _csv_records(text, delimiter)
        header_number, header_cells = next(
            ((number, cells) for number, cells in records if any(cells)), (0, [])
        )
        if not header_number:
            raise _no_header()
        headers = _headers(header_cells[: _width(header_cells)])
        overflow = False
        for _number, cells in records:
            if any(cells) and _fit(cells, len(headers))[1]:
                overflow = True
                break
    except csv.Error as error:
        raise UnreadableFile(
            _("Ce fichier CSV est illisible : %(reason)s") % {"reason": str(error)}
        ) from None
    notices = [_extra_values_notice()] if overflow else []

    def rows() -> Iterator[tuple[int, list[str]]]:
        content, _encoding = _decode(path.read_bytes())
        for number, cells in _csv_records(content, delimiter):
            if number <= header_number or not any(cells):
                continue
            yield number, _fit(cells, len(headers))[0]

    return Table(
        format="csv",
        headers=headers,
        notices=notices,
        encoding=encoding,
        delimiter=delimiter,
        _rows=rows,
    )


# --- XLSX ------------------------------------------------------------------------------


@dataclass
class _SheetScan:
    """What the worksheet's XML says beyond its values."""

    formulas: int = 0
    formulas_without_value: int = 0
    # (first row, first column, last row, last column), 1-based, inclusive.
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    # The rightmost column holding a value in any row below the first row with a value.
    widest_below_first: int = 0


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _reference(text: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as "B12"."""
    match = _CELL_REF.match(text.strip())
    if match is None:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> _SheetScan:
    """One streaming pass over the worksheet's XML: formula cells (`<f>`) and those with no
    saved value (no or an empty `<v>`), merged ranges (`<mergeCell ref="A2:A4">`), and the
    rightmost column holding a value below the first row that has one.

    SECURITY: the XML is untrusted. ElementTree never fetches external entities, and the
    expat it runs on (2.4 and later) bounds entity expansion (billion laughs); elements are
    cleared as they are read, so memory stays flat whatever the sheet's size."""
    scan = _SheetScan()
    first_row_seen = False
    # The reference of the last cell with a value in the current row, and its position
    # among the row's cells (for a cell written without a reference).
    last_valued: tuple[str, int] | None = None
    position = 0
    rows_parent: Any = None
    namespace = ""
    with archive.open(member) as source:
        for event, element in iterparse(source, events=("start", "end")):  # noqa: S314
            tag = element.tag
            if event == "start":
                if not namespace and tag.startswith("{"):
                    namespace = tag[: tag.index("}") + 1]
                elif tag == namespace + "sheetData":
                    rows_parent = element
                continue
            if tag == namespace + "c":
                position += 1
                value = element.find(namespace + "v")
                has_value = value is not None and bool(value.text)
                if not has_value and element.get("t") == "inlineStr":
                    inline = element.find(namespace + "is")
                    has_value = inline is not None and bool("".join(inline.itertext()).strip())
                if element.find(namespace + "f") is not None:
                    scan.formulas += 1
                    if not has_value:
                        scan.formulas_without_value += 1
                if has_value:
                    last_valued = (element.get("r", ""), position)
                element.clear()
            elif tag == namespace + "row":
                if last_valued is not None:
                    if first_row_seen:
                        found = _reference(last_valued[0])
                        column = found[1] if found else last_valued[1]
                        scan.widest_below_first = max(scan.widest_below_first, column)
                    first_row_seen = True
                last_valued = None
                position = 0
                # Drop the rows read so far: only the current one is ever held.
                if rows_parent is not None:
                    del rows_parent[:]
            elif tag == namespace + "mergeCell":
                merge = _merge_range(element.get("ref", ""))
                if merge is not None:
                    scan.merges.append(merge)
    return scan


def _merge_range(ref: str) -> tuple[int, int, int, int] | None:
    first, _sep, last = ref.partition(":")
    start, end = _reference(first), _reference(last or first)
    if start is None or end is None:
        return None
    top, bottom = sorted((start[0], end[0]))
    left, right = sorted((start[1], end[1]))
    return top, left, bottom, min(right, _XLSX_MAX_COLUMNS)


def _cell_text(value: Any) -> str:
    """A cell's value as the text imported: dates as ISO dates, integral numbers without
    ".0", booleans as 1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).replace("\r\n", "\n").strip()


class _MergeFiller:
    """Fills, row by row, every cell of a merged range with its top-left cell's value
    (openpyxl's read-only mode leaves them empty)."""

    def __init__(self, merges: Sequence[tuple[int, int, int, int]]) -> None:
        self._starting: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in merges:
            if merge[0] != merge[2] or merge[1] != merge[3]:
                self._starting.setdefault(merge[0], []).append(merge)
        # (last row, first column, last column, value) of the ranges under way.
        self._active: list[tuple[int, int, int, str]] = []

    def fill(self, number: int, cells: list[str], width: int | None) -> list[str]:
        for _top, left, bottom, right in self._starting.pop(number, ()):
            value = cells[left - 1] if left <= len(cells) else ""
            if value:
                self._active.append((bottom, left, right, value))
        if not self._active:
            return cells
        still: list[tuple[int, int, int, str]] = []
        for bottom, left, right, value in self._active:
            last = right if width is None else min(right, width)
            if len(cells) < last:
                cells = cells + [""] * (last - len(cells))
            for column in range(left, last + 1):
                cells[column - 1] = value
            if bottom > number:
                still.append((bottom, left, right, value))
        self._active = still
        return cells


def _xlsx_refusal(reason: str) -> UnreadableFile:
    return UnreadableFile(_("Ce fichier Excel est illisible : %(reason)s") % {"reason": reason})


def _damaged() -> UnreadableFile:
    return _xlsx_refusal(_("le classeur est endommagé ou d'un format non pris en charge."))


def _open_workbook(path: Path) -> Any:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation, styles...).
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise _xlsx_refusal(_("ce n'est pas un classeur .xlsx valide.")) from None
    except KeyError:
        raise _xlsx_refusal(_("l'archive ne contient pas de classeur Excel.")) from None
    except Exception:
        # openpyxl raises many kinds of errors on a damaged workbook (InvalidFileException,
        # ValueError, TypeError, XML parse errors...): all mean the same to the user.
        raise _damaged() from None


def _first_sheet(workbook: Any) -> Any:
    sheets = workbook.worksheets
    if not sheets:
        raise _xlsx_refusal(_("le classeur ne contient aucune feuille de calcul."))
    sheet = sheets[0]
    # Dimensions written in the file may be wrong: read every row there is.
    sheet.reset_dimensions()
    return sheet


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) of every row, empty ones included."""
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        yield number, [_cell_text(value) for value in values]


def _read_xlsx(path: Path) -> Table:
    workbook = _open_workbook(path)
    try:
        sheet = _first_sheet(workbook)
        # openpyxl's read-only worksheet knows the path of its part in the archive
        # (openpyxl/worksheet/_read_only.py); the workbook's archive is already open.
        member = str(sheet._worksheet_path).lstrip("/")
        try:
            scan = _scan_sheet(workbook._archive, member)
        except Exception:
            raise _xlsx_refusal(_("la feuille de calcul est endommagée.")) from None
        filler = _MergeFiller(scan.merges)
        header_number, header_cells = 0, []
        for number, cells in _sheet_rows(sheet):
            cells = filler.fill(number, cells, None)
            if any(cells):
                header_number, header_cells = number, cells
                break
        sheet_count = len(workbook.worksheets)
        first_title = str(sheet.title)
    except UnreadableFile:
        raise
    except Exception:
        raise _damaged() from None
    finally:
        workbook.close()
    if not header_number:
        raise _no_header()
    headers = _headers(header_cells[: _width(header_cells)])
    notices: list[str] = []
    if sheet_count > 1:
        notices.append(
            _("Seule la première feuille du classeur (« %(name)s ») est importée.")
            % {"name": first_title}
        )
    if scan.formulas:
        notices.append(
            ngettext(
                "%(count)s cellule contient une formule : la valeur calculée par Excel est "
                "importée.",
                "%(count)s cellules contiennent une formule : la valeur calculée par Excel est "
                "importée.",
                scan.formulas,
            )
            % {"count": scan.formulas}
        )
    if scan.formulas_without_value:
        notices.append(
            ngettext(
                "%(count)s formule n'a pas de valeur enregistrée : cette cellule est lue vide "
                "(ouvrez et enregistrez le fichier dans Excel).",
                "%(count)s formules n'ont pas de valeur enregistrée : ces cellules sont lues "
                "vides (ouvrez et enregistrez le fichier dans Excel).",
                scan.formulas_without_value,
            )
            % {"count": scan.formulas_without_value}
        )
    if any(top != bottom or left != right for top, left, bottom, right in scan.merges):
        notices.append(
            _(
                "Cellules fusionnées : leur valeur est reprise sur chaque ligne et colonne "
                "de la fusion."
            )
        )
    if scan.widest_below_first > len(headers):
        notices.append(_extra_values_notice())
    merges = scan.merges
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str]]]:
        book = _open_workbook(path)
        try:
            row_filler = _MergeFiller(merges)
            for number, cells in _sheet_rows(_first_sheet(book)):
                cells = _fit(row_filler.fill(number, cells, width), width)[0]
                if number > header_number and any(cells):
                    yield number, cells
        finally:
            book.close()

    return Table(format="xlsx", headers=headers, notices=notices, _rows=rows)


# --- vCard -----------------------------------------------------------------------------


def vcard_columns() -> list[tuple[str, str]]:
    """The vCard table's columns: (the mapping target they fill, translated header)."""
    columns = [
        ("first_name", _("Prénom")),
        ("middle_name", _("Deuxième prénom")),
        ("last_name", _("Nom de famille")),
        ("name", _("Nom complet")),
        ("preferred_name", _("Surnom")),
    ]
    columns += [("email", _("E-mail %(n)s") % {"n": n}) for n in (1, 2, 3)]
    columns += [("phone", _("Téléphone %(n)s") % {"n": n}) for n in (1, 2, 3)]
    columns += [
        ("organization", _("Organisation")),
        ("job_title", _("Fonction")),
        ("birth_date", _("Date de naissance")),
        ("website", _("Site web")),
        ("description", _("Notes")),
        ("street", _("Adresse")),
        ("street2", _("Complément d'adresse")),
        ("postal_code", _("Code postal")),
        ("city", _("Ville")),
        ("region", _("Région")),
        ("country", _("Pays")),
    ]
    return columns


_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
# A content line: [group.]name[;params]:value (a parameter value may be quoted).
_CONTENT_LINE = re.compile(r'^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?(?:;(?:[^":;]|"[^"]*")*)*:')
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
# Properties whose value is one text (a comma in it is text, never a separator).
_SINGLE_TEXT = frozenset(("FN", "NICKNAME", "TITLE", "ROLE", "NOTE", "URL", "EMAIL", "TEL", "BDAY"))
_BIRTHDAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)")


@dataclass
class _Card:
    lines: list[str]
    closed: bool


def _split_cards(text: str) -> list[_Card]:
    """The BEGIN:VCARD ... END:VCARD blocks of the text, each as its physical lines; a
    vCard nested in another (2.1's AGENT) stays inside its card."""
    cards: list[_Card] = []
    current: list[str] | None = None
    depth = 0
    for line in text.splitlines():
        if current is None:
            if _BEGIN.match(line):
                current, depth = [line.strip()], 1
            continue
        current.append(line)
        if _BEGIN.match(line):
            depth += 1
        elif _END.match(line):
            depth -= 1
            if depth == 0:
                cards.append(_Card(current, closed=True))
                current = None
    if current is not None:
        cards.append(_Card(current, closed=False))
    return cards


def _is_quoted_printable(line: str) -> bool:
    return "quoted-printable" in line.partition(":")[0].lower()


def _unfold(lines: Sequence[str]) -> list[str]:
    """Logical lines: a line starting with a space or a tab continues the previous one
    (the space is dropped); a quoted-printable value ending with "=" (2.1's soft line
    break) continues on the next line."""
    logical: list[str] = []
    soft_break = False
    for line in lines:
        if soft_break and logical:
            logical[-1] = logical[-1][:-1] + line
        elif line[:1] in (" ", "\t") and logical:
            logical[-1] += line[1:]
        elif line.strip():
            logical.append(line.rstrip("\r"))
        else:
            continue
        soft_break = _is_quoted_printable(logical[-1]) and logical[-1].endswith("=")
    return logical


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _CARDS_SHOWN_IN_REASON:
        return text[: _CARDS_SHOWN_IN_REASON - 1] + "…"
    return text


def _parse_card(card: _Card) -> tuple[Any, str]:
    """(vobject component, "") or (None, the short reason it cannot be read)."""
    if not card.closed:
        return None, _("la fiche n'est pas terminée (END:VCARD manquant)")
    lines = _unfold(card.lines)
    for position, line in enumerate(lines):
        match = _CONTENT_LINE.match(line)
        if match is None:
            return None, _("ligne mal formée « %(line)s »") % {"line": _short(line)}
        name = match.group(0).split(";", 1)[0].rstrip(":").rsplit(".", 1)[-1].upper()
        if name in _SINGLE_TEXT:
            # vobject keeps only the text before an unescaped comma (a list separator in
            # 3.0), and many writers (and every 2.1 one) do not escape them.
            value = _UNESCAPED_COMMA.sub(r"\\,", line[match.end() :])
            lines[position] = line[: match.end()] + value
    try:
        return vobject.readOne("\r\n".join(lines) + "\r\n"), ""
    except LookupError:
        return None, _("jeu de caractères inconnu")
    except UnicodeError:
        return None, _("caractères mal encodés")
    except Exception:
        # vobject raises ParseError and, on odd content, almost anything else.
        return None, _("contenu mal formé")


def _text(value: Any) -> str:
    """A vCard value (a string, or a list of them for a multi-valued component) as text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(part for part in (_text(item) for item in value) if part)
    return str(value).replace("\r\n", "\n").strip()


def _values(card: Any, name: str) -> list[Any]:
    return [line.value for line in card.contents.get(name, [])]


def _first(card: Any, name: str) -> Any:
    found = _values(card, name)
    return found[0] if found else None


def _component(value: Any, attribute: str, position: int) -> str:
    """A structured value's component (N, ADR) by vobject's attribute, or by its position
    when vobject left the value as a string."""
    if value is None:
        return ""
    if isinstance(value, str):
        parts = re.split(r"(?<!\\);", value)
        return _text(parts[position].replace("\\;", ";")) if position < len(parts) else ""
    return _text(getattr(value, attribute, ""))


def _birthday(value: Any) -> str:
    text = _text(value)
    match = _BIRTHDAY.match(text)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else text


def _phone(value: Any) -> str:
    text = _text(value)
    return text[4:] if text.lower().startswith("tel:") else text


def _card_cells(card: Any) -> list[str]:
    name = _first(card, "n")
    emails = [_text(value) for value in _values(card, "email")]
    phones = [_phone(value) for value in _values(card, "tel")]
    emails = [email for email in emails if email][:3]
    phones = [phone for phone in phones if phone][:3]
    organization = _first(card, "org")
    if isinstance(organization, list | tuple):
        organization = organization[0] if organization else ""
    address = _first(card, "adr")
    return [
        _component(name, "given", 1),
        _component(name, "additional", 2),
        _component(name, "family", 0),
        _text(_first(card, "fn")),
        _text(_first(card, "nickname")),
        *(emails + [""] * (3 - len(emails))),
        *(phones + [""] * (3 - len(phones))),
        _text(organization),
        _text(_first(card, "title")),
        _birthday(_first(card, "bday")),
        _text(_first(card, "url")),
        _text(_first(card, "note")),
        _component(address, "street", 2),
        _component(address, "extended", 1),
        _component(address, "code", 5),
        _component(address, "city", 3),
        _component(address, "region", 4),
        _component(address, "country", 6),
    ]


def _vcard_rows(path: Path) -> Iterator[tuple[int, list[str], str]]:
    """(card number, cells, reason it could not be read or "") of every card."""
    text, _encoding = _decode(path.read_bytes())
    width = len(vcard_columns())
    for number, block in enumerate(_split_cards(text), start=1):
        card, reason = _parse_card(block)
        if card is None:
            yield number, [""] * width, reason
            continue
        try:
            cells = _card_cells(card)
        except Exception:
            yield number, [""] * width, _("contenu mal formé")
            continue
        yield number, [cell.strip() for cell in cells], ""


def _read_vcard(path: Path) -> Table:
    encoding = _decode(path.read_bytes())[1]
    errors: dict[int, str] = {}
    count = 0
    for number, _cells, reason in _vcard_rows(path):
        count += 1
        if reason:
            errors[number] = _("Fiche vCard illisible : %(reason)s") % {"reason": reason}
    if not count:
        raise UnreadableFile(_("Ce fichier vCard ne contient aucune fiche (BEGIN:VCARD)."))

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, cells, reason in _vcard_rows(path):
            if reason or any(cells):
                yield number, cells

    return Table(
        format="vcf",
        headers=[header for _key, header in vcard_columns()],
        notices=[],
        encoding=encoding,
        row_errors=errors,
        _rows=rows,
    )
