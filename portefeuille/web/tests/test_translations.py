"""Every app's catalogue is complete, and its committed .mo says what its .po says.

The .mo files are committed (a fresh machine may lack gettext), so a .po edited without
`make messages` would silently show stale or French text: these tests catch it.
"""

from __future__ import annotations

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("*/locale/*/LC_MESSAGES/django.po"))


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        # How gettext keys a message with a context in a .mo file.
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete `#~` entries skipped), header included."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current.msgstr or current.msgid:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if current.msgstr:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if current.msgstr:
                finish()
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: string outside an entry"
            _append(current, target, ast.literal_eval(line))
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in {"msgctxt", "msgid"} and current.msgstr:
                finish()
            if not current.line:
                current.line = number
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
            _append(current, target, ast.literal_eval(rest), start=True)
    finish()
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str, *, start: bool = False) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = ("" if start else entry.msgstr.get(index, "")) + text
    elif name == "msgid":
        entry.msgid = ("" if start else entry.msgid) + text
    elif name == "msgid_plural":
        entry.msgid_plural = ("" if start else entry.msgid_plural or "") + text
    elif name == "msgctxt":
        entry.msgctxt = ("" if start else entry.msgctxt or "") + text
    else:
        raise AssertionError(f"unknown keyword {name}")


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_every_app_with_a_locale_folder_has_an_english_catalogue() -> None:
    apps = sorted(p.parent.name for p in PACKAGE.glob("*/locale"))
    with_english = sorted(p.parents[3].name for p in CATALOGUES if p.parents[1].name == "en")
    assert apps, "no app has translations"
    assert apps == with_english


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_name)
def test_catalogue_has_no_empty_or_fuzzy_translation(po_path: Path) -> None:
    messages = [entry for entry in parse_po(po_path) if entry.msgid]
    assert messages, f"{_name(po_path)} has no message"
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in messages
        if not e.msgstr or any(not text for text in e.msgstr.values())
    ]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in messages if "fuzzy" in e.flags]
    assert not untranslated, f"empty msgstr in {_name(po_path)}: {untranslated}"
    assert not fuzzy, f"fuzzy in {_name(po_path)}: {fuzzy}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_name)
def test_compiled_catalogue_matches_its_source(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{_name(mo_path)} is missing: run `make messages`"
    with mo_path.open("rb") as mo_file:
        compiled: dict[object, str] = gettext.GNUTranslations(mo_file)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in parse_po(po_path):
        if not entry.msgid or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            if compiled.get(entry.key) != entry.msgstr.get(0):
                stale.append(entry.msgid)
        elif any(compiled.get((entry.key, i)) != text for i, text in entry.msgstr.items()):
            stale.append(entry.msgid)
    assert not stale, f"{_name(mo_path)} is older than its .po (run `make messages`): {stale}"
