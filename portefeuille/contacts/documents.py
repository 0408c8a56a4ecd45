"""Documents kept on a contact: what may be uploaded, and every change to them.

Decisions where the spec is silent:
- The type of a file is decided by its CONTENT, never by its name or by what the browser
  says: PDF, PNG, JPEG, GIF and WEBP by their signature (`filetype`); DOCX, XLSX, PPTX,
  ODT and ODS by the files inside the zip (an arbitrary zip, a .jar, an .apk is refused);
  plain text, CSV and e-mails (.eml) as text that decodes (UTF-8, else Windows-1252) and
  has no control character. Anything else (an .exe renamed .pdf, an archive...) is refused.
  The stored `content_type` is the detected one, and a download is always sent as an
  attachment with that type.
- The name shown is the one the colleague gave (cleaned of folders and control characters);
  the stored file gets a random name in storage, so two "facture.pdf" never clash and
  nothing of the name reaches the file system.
- Size limit: `settings.DOCUMENT_MAX_UPLOAD_BYTES` (env `DOCUMENT_MAX_UPLOAD_BYTES`, 25 MB by
  default), enforced on every route while the body streams (portefeuille/web/uploads.py)
  and checked again here.
- A zip (the office formats) is judged by its central directory, never unpacked: at most
  `DOCUMENT_MAX_ARCHIVE_ENTRIES` entries, `DOCUMENT_MAX_UNPACKED_BYTES` declared unpacked in
  all, no entry declaring more than `DOCUMENT_MAX_COMPRESSION_RATIO` times its compressed
  size, no archive inside (office files in an `embeddings/` folder excepted, as they are
  kept, not unpacked). The only bytes ever decompressed are the first 100 of `mimetype`.
  A refused zip gets its own reason (see docs/uploads.md).
- Changing documents (upload, rename, delete) needs FULL access to the client, like every
  detail of a contact. Documents attached to an e-mail the colleague may not see (the
  person's "share communication" is off, docs/access-rules.md) are hidden from them too.
- A deleted document's file is removed from storage once the deletion is committed.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import struct
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.guards import require_level
from portefeuille.access.rules import Level
from portefeuille.audit.services import record_event
from portefeuille.firms.models import Colleague
from portefeuille.notifications import kinds
from portefeuille.notifications.services import account_managers, notify
from portefeuille.web import uploads

from .models import Contact, Document, TimelineItem

NAME_MAX = Document._meta.get_field("name").max_length or 255

# Every accepted type: content type -> (label shown to people, extension of the stored file).
ALLOWED_TYPES: dict[str, tuple[Any, str]] = {
    "application/pdf": (gettext_lazy("PDF"), "pdf"),
    "image/png": (gettext_lazy("image PNG"), "png"),
    "image/jpeg": (gettext_lazy("image JPEG"), "jpg"),
    "image/gif": (gettext_lazy("image GIF"), "gif"),
    "image/webp": (gettext_lazy("image WEBP"), "webp"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        gettext_lazy("document Word (DOCX)"),
        "docx",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        gettext_lazy("classeur Excel (XLSX)"),
        "xlsx",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        gettext_lazy("présentation PowerPoint (PPTX)"),
        "pptx",
    ),
    "application/vnd.oasis.opendocument.text": (gettext_lazy("texte OpenDocument (ODT)"), "odt"),
    "application/vnd.oasis.opendocument.spreadsheet": (
        gettext_lazy("classeur OpenDocument (ODS)"),
        "ods",
    ),
    "text/plain": (gettext_lazy("texte"), "txt"),
    "text/csv": (gettext_lazy("CSV"), "csv"),
    "message/rfc822": (gettext_lazy("e-mail"), "eml"),
}

_SIGNATURE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
# OOXML: the part that says which application the zip belongs to.
_OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_OPENDOCUMENT_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
_CHUNK = 64 * 1024
# Control characters (Unicode "Cc") a text file may not contain: all but tab, line feed,
# form feed and carriage return.
_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# How much of a text the e-mail and CSV checks look at.
_TEXT_HEAD = 64 * 1024
# A CSV is judged by its first lines, and by these delimiters.
_CSV_LINES = 50
_CSV_DELIMITERS = (",", ";", "\t", "|")
human_size = uploads.human_size


def max_upload_bytes() -> int:
    return int(settings.DOCUMENT_MAX_UPLOAD_BYTES)


def allowed_types_text() -> str:
    labels = sorted({str(label) for label, _ext in ALLOWED_TYPES.values()})
    return ", ".join(labels)


# ---------------------------------------------------------------------------------------
# Detecting the type from the content.
# ---------------------------------------------------------------------------------------


def _rewind(file: IO[bytes]) -> None:
    file.seek(0)


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    _rewind(file)
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            break
        yield chunk
    _rewind(file)


class ArchiveRefused(ValueError):
    """A zip refused by its structure or its declared sizes; `code` names the reason, the
    message says it to the colleague."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Zip records read before zipfile is trusted with the file (APPNOTE.TXT 4.3.12-4.3.16).
_END = struct.Struct("<4s4H2LH")  # end of central directory
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_DIRECTORY_ENTRY = struct.Struct("<4s24x3H12x")  # signature ... name, extra, comment lengths
# An entry smaller than this is not judged by its ratio (the unpacked total still counts it).
_RATIO_FLOOR = 1024 * 1024
# ODF's `mimetype` is a short ASCII string; at most this much of it is ever decompressed.
_MIMETYPE_READ = 100
_MIMETYPE_MAX = 1024
_ARCHIVE_SUFFIXES = (
    ".zip", ".jar", ".war", ".ear", ".apk", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2",
    ".xz", ".zst", ".lz", ".lzma", ".cab", ".iso",
)  # fmt: skip
_OFFICE_SUFFIXES = (
    ".docx", ".docm", ".xlsx", ".xlsm", ".xlsb", ".pptx", ".pptm", ".odt", ".ods", ".odp",
    ".odg",
)  # fmt: skip


def _malformed() -> ArchiveRefused:
    return ArchiveRefused(
        "archive_malformed", _("Ce fichier est une archive endommagée ou illisible.")
    )


def _end_of_directory(file: IO[bytes], size: int) -> tuple[int, int, int]:
    """(entries, start, size) of the central directory, found exactly where Python's
    zipfile will look for it, so that the entries counted are the ones it builds."""
    tail_size = min(size, _END.size)  # a zip without a comment ends with the record
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    if not (tail.startswith(b"PK\x05\x06") and tail.endswith(b"\x00\x00")):
        tail_size = min(size, _END.size + 0x10000)  # else a comment of 64 KiB at most follows
        file.seek(size - tail_size)
        tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        raise _malformed()
    _sig, disk, directory_disk, _here, entries, length, _offset, _comment = _END.unpack_from(
        tail, at
    )
    end_at = size - tail_size + at
    if disk or directory_disk:  # split archives are not documents
        raise _malformed()
    # zipfile reads the Zip64 records whenever a locator sits just before the end record,
    # whatever the end record says, and takes the Zip64 record to sit just before the
    # locator: the directory is the one that record declares. Anything else is refused.
    locator = b""
    if end_at >= _END64_LOCATOR.size:
        file.seek(end_at - _END64_LOCATOR.size)
        locator = file.read(_END64_LOCATOR.size)
    if locator.startswith(b"PK\x06\x07"):
        _sig, locator_disk, record_at, disks = _END64_LOCATOR.unpack(locator)
        end_at -= _END64_LOCATOR.size + _END64.size
        if locator_disk or disks > 1 or end_at < 0 or record_at != end_at:
            raise _malformed()
        file.seek(end_at)
        record = file.read(_END64.size)
        if len(record) < _END64.size or not record.startswith(b"PK\x06\x06"):
            raise _malformed()
        disk, directory_disk, _here, entries, length = _END64.unpack(record)[4:9]
        if disk or directory_disk:
            raise _malformed()
    elif entries == 0xFFFF or length == 0xFFFFFFFF:  # "see Zip64", and there is none
        raise _malformed()
    start = end_at - length
    if start < 0:
        raise _malformed()
    return entries, start, length


def _too_many_entries(count: int, limit: int) -> ArchiveRefused:
    return ArchiveRefused(
        "archive_too_many_entries",
        _("Cette archive contient %(count)s fichiers : la limite est de %(limit)s.")
        % {"count": count, "limit": limit},
    )


def _count_entries(file: IO[bytes], start: int, length: int, limit: int) -> int:
    """Walks the central directory, reading 46 bytes per entry, and stops past `limit`
    entries: zipfile, which builds an object per entry, then reads a bounded directory."""
    file.seek(start)
    count = walked = 0
    while walked < length:
        header = file.read(_DIRECTORY_ENTRY.size)
        if len(header) < _DIRECTORY_ENTRY.size:
            raise _malformed()
        sig, name, extra, comment = _DIRECTORY_ENTRY.unpack(header)
        if sig != b"PK\x01\x02":
            raise _malformed()
        count += 1
        if count > limit:
            raise _too_many_entries(count, limit)
        step = _DIRECTORY_ENTRY.size + name + extra + comment
        walked += step
        file.seek(step - _DIRECTORY_ENTRY.size, io.SEEK_CUR)
    if walked != length:
        raise _malformed()
    return count


def _is_nested_archive(name: str) -> bool:
    lowered = name.lower()
    if lowered.endswith(_ARCHIVE_SUFFIXES):
        return True
    # A chart's workbook in a docx, a spreadsheet in a presentation: kept, not unpacked.
    return lowered.endswith(_OFFICE_SUFFIXES) and "/embeddings/" not in f"/{lowered}"


def _check_entries(infos: list[zipfile.ZipInfo], size: int) -> None:
    """Refuses the archive by what its central directory declares."""
    max_unpacked = int(settings.DOCUMENT_MAX_UNPACKED_BYTES)
    max_ratio = int(settings.DOCUMENT_MAX_COMPRESSION_RATIO)
    unpacked = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveRefused(
                "archive_encrypted",
                _(
                    "Cette archive est protégée par un mot de passe : son contenu ne peut "
                    "pas être vérifié."
                ),
            )
        if info.header_offset + info.compress_size > size:
            raise _malformed()
        unpacked += info.file_size
    if unpacked > max_unpacked:
        raise ArchiveRefused(
            "archive_too_large",
            _("Décompressée, cette archive ferait %(size)s : la limite est de %(limit)s.")
            % {"size": human_size(unpacked), "limit": human_size(max_unpacked)},
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * info.compress_size:
            raise ArchiveRefused(
                "archive_ratio",
                _(
                    "Un fichier de cette archive se décompresse %(ratio)s fois plus gros qu'il "
                    "n'est compressé (%(limit)s fois au plus) : c'est la marque d'une bombe "
                    "de décompression."
                )
                % {
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "limit": max_ratio,
                },
            )
    for info in infos:
        if _is_nested_archive(info.filename):
            raise ArchiveRefused(
                "archive_nested",
                _(
                    "Cette archive en contient une autre (« %(name)s ») : les archives "
                    "imbriquées ne sont pas acceptées."
                )
                % {"name": info.filename[-100:]},
            )


def _declared_mimetype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The first bytes of ODF's `mimetype`, decompressing no more than that."""
    if info.file_size > _MIMETYPE_MAX or info.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,  # a bounded read; other methods may not honour the bound
    ):
        return ""
    with archive.open(info) as entry:
        return entry.read(_MIMETYPE_READ).decode("ascii", "replace").strip()


def _zip_type(file: IO[bytes]) -> str | None:
    """The office type of a zip by the parts inside it, None for any other zip, and
    ArchiveRefused for a zip refused by its structure or its declared sizes."""
    size = file.seek(0, io.SEEK_END)
    try:
        entries, start, length = _end_of_directory(file, size)
        limit = int(settings.DOCUMENT_MAX_ARCHIVE_ENTRIES)
        if entries > limit:
            raise _too_many_entries(entries, limit)
        counted = _count_entries(file, start, length, limit)
        _rewind(file)
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) != counted:  # zipfile read another directory than the one counted
                raise _malformed()
            _check_entries(infos, size)
            by_name = {info.filename: info for info in infos}
            if "mimetype" in by_name:
                declared = _declared_mimetype(archive, by_name["mimetype"])
                if declared in _OPENDOCUMENT_TYPES and "content.xml" in by_name:
                    return declared
                return None
            if "[Content_Types].xml" not in by_name:
                return None
            for part, content_type in _OOXML_PARTS.items():
                if part in by_name:
                    return content_type
            return None
    except ArchiveRefused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        struct.error,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ):
        raise _malformed() from None
    finally:
        _rewind(file)


def _decode_text(file: IO[bytes]) -> str | None:
    """The beginning of the file's text if it is text (UTF-8, else Windows-1252), else None.
    The whole file is decoded, chunk by chunk, so a binary tail is caught too; only its
    first `_TEXT_HEAD` characters are kept (all the e-mail and CSV checks look at)."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        head: list[str] = []
        kept = 0
        controls = False
        try:
            for chunk in itertools.chain(_chunks(file), [b""]):
                if b"\x00" in chunk:
                    return None
                text = decoder.decode(chunk, final=not chunk)
                controls = controls or _FORBIDDEN_CONTROLS.search(text) is not None
                if kept < _TEXT_HEAD:
                    head.append(text[: _TEXT_HEAD - kept])
                    kept += len(head[-1])
        except UnicodeDecodeError:
            continue
        return None if controls else "".join(head)
    return None


def looks_like_email(text: str) -> bool:
    """Headers first ("Name: value" lines up to a blank line), with From and one of
    Date, To, Subject or Message-ID."""
    head = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    lines = head.split("\n")
    if lines and lines[0].startswith("From "):  # the "From sender date" line of mbox exports
        lines = lines[1:]
    names: set[str] = set()
    for line in lines:
        if not line:
            continue
        if line[0] in " \t":  # folded header continuation
            continue
        name, colon, _value = line.partition(":")
        if not colon or not name or any(ch.isspace() for ch in name):
            return False
        names.add(name.strip().lower())
    return "from" in names and bool(names & {"date", "to", "subject", "message-id"})


def _looks_like_csv(text: str) -> bool:
    """Its first lines (`_CSV_LINES`, non-empty) read as rows of one width, two fields or
    more, with one of the usual delimiters. csv.reader reads them in linear time (not
    csv.Sniffer, whose guess takes quadratic time: 12 s on two lines of 32 KB)."""
    lines = [line for line in itertools.islice(text.splitlines(), _CSV_LINES * 2) if line.strip()]
    if len(lines) < 2:
        return False
    sample = "\n".join(lines[:_CSV_LINES])
    for delimiter in _CSV_DELIMITERS:
        try:
            widths = {len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)}
        except csv.Error:  # a field past csv's own size limit
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def detect_content_type(file: IO[bytes]) -> str | None:
    """The accepted content type of this file judged by its content, or None if refused;
    ArchiveRefused for a zip refused by its structure or its declared sizes."""
    _rewind(file)
    head = file.read(8192)
    _rewind(file)
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(file)  # ArchiveRefused when the zip itself is refused
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in _SIGNATURE_TYPES else None
    text = _decode_text(file)
    if text is None:
        return None
    if looks_like_email(text):
        return "message/rfc822"
    if _looks_like_csv(text):
        return "text/csv"
    return "text/plain"


def clean_name(name: str) -> str:
    """The name without folders, control characters or surrounding spaces, cut to fit."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: NAME_MAX - len(ext)] + ext
    return name


def check_upload(file: IO[bytes], *, size: int, field: str = "file") -> str:
    """The content type of an acceptable upload; ValidationError on `field` otherwise."""
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Le fichier fait %(size)s : la limite est de %(limit)s.")
                    % {"size": human_size(size), "limit": human_size(limit)},
                    code="too_large",
                )
            }
        )
    if size == 0:
        raise ValidationError({field: ValidationError(_("Le fichier est vide."), code="empty")})
    try:
        content_type = detect_content_type(file)
    except ArchiveRefused as refused:
        raise ValidationError(
            {field: ValidationError(refused.message, code=refused.code)}
        ) from None
    if content_type is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "Ce type de fichier n'est pas accepté (son contenu a été vérifié, "
                        "pas son nom). Types acceptés : %(types)s."
                    )
                    % {"types": allowed_types_text()},
                    code="type_refused",
                )
            }
        )
    return content_type


# ---------------------------------------------------------------------------------------
# Reads.
# ---------------------------------------------------------------------------------------


def visible_documents(actor: Colleague, client: Contact | None = None) -> QuerySet[Document]:
    """Documents of clients `actor` sees in full (of one client if given), without the
    attachments of e-mails hidden from them: `Document.objects.visible_to` (the
    share-communication rule is in access/scopes.py, docs/access-rules.md)."""
    documents = Document.objects.visible_to(actor, Level.FULL)
    if client is not None:
        documents = documents.filter(client_id=client.pk)
    return documents.select_related("uploaded_by")


# ---------------------------------------------------------------------------------------
# Services.
# ---------------------------------------------------------------------------------------


def _storage_name(content_type: str) -> str:
    extension = ALLOWED_TYPES[content_type][1]
    return f"{uuid.uuid4().hex}.{extension}"


def store_document(
    *,
    actor: Colleague,
    client: Contact,
    file: IO[bytes],
    name: str,
    size: int,
    content_type: str,
    stored: list[tuple[Storage, str]],
    email: TimelineItem | None = None,
) -> Document:
    """Saves an already checked file as a document, inside the caller's transaction. The
    stored file is appended to `stored`: the caller removes those files if its transaction
    fails (see `removing_files_on_error`)."""
    document = Document(
        firm_id=client.firm_id,
        client=client,
        name=name,
        size=size,
        content_type=content_type,
        email=email,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    _rewind(file)
    document.file.save(_storage_name(content_type), File(file), save=False)
    stored.append((document.file.storage, document.file.name or ""))
    document.save(force_insert=True)
    return document


@contextmanager
def removing_files_on_error() -> Iterator[list[tuple[Storage, str]]]:
    """Gives the list `store_document` fills; if the block fails, those files are removed
    from storage (the database rows went with the rolled-back transaction)."""
    stored: list[tuple[Storage, str]] = []
    try:
        yield stored
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise


def upload_document(
    *, actor: Colleague, client: Contact, file: IO[bytes], name: str, size: int
) -> Document:
    """Keeps an uploaded file on the client. Refused (nothing stored) when too large or of a
    type not on the allow-list; `name` is the file's original name."""
    require_level(actor, client, Level.FULL)
    content_type = check_upload(file, size=size)
    shown = clean_name(name) or _("Document")
    with removing_files_on_error() as stored, transaction.atomic():
        document = store_document(
            actor=actor,
            client=client,
            file=file,
            name=shown,
            size=size,
            content_type=content_type,
            stored=stored,
        )
        record_event(
            actor=actor,
            action="document.uploaded",
            client=client,
            after={"id": document.pk, "name": shown, "size": size, "content_type": content_type},
        )
        notify(
            kind=kinds.DOCUMENT_ADDED,
            recipients=account_managers(client),
            client=client,
            actor=actor,
            params={"document_id": document.pk},
        )
    return document


def rename_document(*, actor: Colleague, document: Document, name: str) -> Document:
    require_level(actor, document.client, Level.FULL)
    new_name = clean_name(name)
    if not new_name:
        raise ValidationError(
            {"name": ValidationError(_("Donnez un nom au document."), code="required")}
        )
    old_name = document.name
    if new_name == old_name:
        return document
    with transaction.atomic():
        document.name = new_name
        document.save(update_fields=["name"])
        record_event(
            actor=actor,
            action="document.renamed",
            client=document.client,
            # An e-mail's attachment may be hidden from some readers of the history.
            before={"id": document.pk} | ({} if document.email_id else {"name": old_name}),
            after={"id": document.pk} | ({} if document.email_id else {"name": new_name}),
        )
    return document


def delete_document(*, actor: Colleague, document: Document) -> None:
    require_level(actor, document.client, Level.FULL)
    storage = document.file.storage
    stored = document.file.name or ""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="document.deleted",
            client=document.client,
            before={"id": document.pk, "size": document.size}
            | ({} if document.email_id else {"name": document.name}),
        )
        document.delete()
        transaction.on_commit(lambda: storage.delete(stored))
