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
  default). The upload page also stops storing a larger upload while it is received (see
  `SizeLimitUploadHandler`); the API checks the received file.
- Changing documents (upload, rename, delete) needs FULL access to the client, like every
  detail of a contact. Documents attached to an e-mail the colleague may not see (the
  person's "share communication" is off, see timeline.py) are hidden from them too.
- A deleted document's file is removed from storage once the deletion is committed.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.audit.services import record_event
from portefeuille.firms.models import Colleague

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
# Control characters a text file may contain: tab, line feed, form feed, carriage return.
_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\x0c", "\r"}


def max_upload_bytes() -> int:
    return int(settings.DOCUMENT_MAX_UPLOAD_BYTES)


def human_size(size: int) -> str:
    """ "25 Mo", "340 ko", "12 octets" (French units; the lead translates them)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        text = f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}"
        return _("%(size)s Mo") % {"size": text.replace(".", ",")}
    if size >= 1024:
        return _("%(size)s ko") % {"size": f"{size / 1024:.0f}"}
    return _("%(size)s octets") % {"size": size}


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


def _zip_type(file: IO[bytes]) -> str | None:
    """The office type of a zip by the parts inside it, or None for any other zip."""
    _rewind(file)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in _OPENDOCUMENT_TYPES and "content.xml" in names:
                    return declared
                return None
            if "[Content_Types].xml" not in names:
                return None
            for part, content_type in _OOXML_PARTS.items():
                if part in names:
                    return content_type
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        _rewind(file)


def _decode_text(file: IO[bytes]) -> str | None:
    """The text of the file if it is text (UTF-8, else Windows-1252), else None.
    The whole file is read, chunk by chunk, so a binary tail is caught too."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        parts: list[str] = []
        try:
            for chunk in _chunks(file):
                if b"\x00" in chunk:
                    return None
                parts.append(decoder.decode(chunk))
            parts.append(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            continue
        text = "".join(parts)
        if any(
            unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS_ALLOWED for ch in text
        ):
            return None
        return text
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
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|")
    except csv.Error:
        return False
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() >= 2


def detect_content_type(file: IO[bytes]) -> str | None:
    """The accepted content type of this file judged by its content, or None if refused."""
    _rewind(file)
    head = file.read(8192)
    _rewind(file)
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(file)
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
    content_type = detect_content_type(file)
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


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler of the upload page: stops keeping a file as soon as it grows
    past the limit (the rest of the request is read and dropped, nothing is stored), and
    remembers it so the page can say why."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.received = 0
        self.too_large = False
        self.too_large_size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self.too_large_size = max(self.too_large_size, self.received)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


# ---------------------------------------------------------------------------------------
# Reads.
# ---------------------------------------------------------------------------------------


def hidden_emails_q(actor: Colleague, prefix: str = "") -> Q:
    """E-mails `actor` may not see: logged on a person whose "share communication" is off,
    by someone else, unless `actor` is an admin (see timeline.py)."""
    if actor.is_admin:
        return Q(pk__in=[])
    return Q(
        **{
            f"{prefix}kind": TimelineItem.Kind.EMAIL,
            f"{prefix}client__kind": Contact.Kind.PERSON,
            f"{prefix}client__share_communication": False,
        }
    ) & ~Q(**{f"{prefix}author_id": actor.pk})


def visible_documents(actor: Colleague, client: Contact | None = None) -> QuerySet[Document]:
    """Documents of clients `actor` sees in full (of one client if given), without the
    attachments of e-mails hidden from them."""
    documents = rules.visible(actor, Document.objects.filter(firm_id=actor.firm_id))
    if client is not None:
        documents = documents.filter(client_id=client.pk)
    hidden = hidden_emails_q(actor, prefix="email__")
    if not actor.is_admin:
        documents = documents.exclude(Q(email__isnull=False) & hidden)
    return documents.select_related("uploaded_by")


# ---------------------------------------------------------------------------------------
# Services.
# ---------------------------------------------------------------------------------------


def require_full_access(actor: Colleague, client: Contact) -> None:
    if rules.level(actor, client) < Level.FULL:
        raise PermissionDenied(
            _("Il faut un accès complet à ce client pour modifier ses notes et documents.")
        )


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
    require_full_access(actor, client)
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
            summary=_("Document ajouté : %(name)s") % {"name": shown},
            after={"id": document.pk, "name": shown, "size": size, "content_type": content_type},
        )
    return document


def rename_document(*, actor: Colleague, document: Document, name: str) -> Document:
    require_full_access(actor, document.client)
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
            summary=(
                _("Pièce jointe d'un e-mail renommée")
                if document.email_id
                else _("Document renommé : %(old)s → %(new)s") % {"old": old_name, "new": new_name}
            ),
            before={"id": document.pk} | ({} if document.email_id else {"name": old_name}),
            after={"id": document.pk} | ({} if document.email_id else {"name": new_name}),
        )
    return document


def delete_document(*, actor: Colleague, document: Document) -> None:
    require_full_access(actor, document.client)
    storage = document.file.storage
    stored = document.file.name or ""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="document.deleted",
            client=document.client,
            summary=(
                _("Pièce jointe d'un e-mail supprimée")
                if document.email_id
                else _("Document supprimé : %(name)s") % {"name": document.name}
            ),
            before={"id": document.pk, "size": document.size}
            | ({} if document.email_id else {"name": document.name}),
        )
        document.delete()
        transaction.on_commit(lambda: storage.delete(stored))
