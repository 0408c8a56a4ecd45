"""Zip-based documents are judged by what their central directory declares, never unpacked:
bombs, thousands of entries, nested archives and broken zips get their own clear refusal,
on the pages, in the API and as .eml attachments; avatars are judged by their header
(docs/uploads.md)."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.contacts import documents, services, timeline
from portefeuille.contacts.models import Document, TimelineItem
from portefeuille.testing.archives import (
    ODT,
    deflated,
    many_entries,
    stored,
    write_zip,
    zeros,
    zip_bomb,
)

from .timeline_samples import PDF, World, docx, eml, make_world

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture(autouse=True)
def french() -> Any:
    """Services called directly speak the active language: French here, whatever the
    request of an earlier test left active."""
    with translation.override("fr"):
        yield


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """An ODT of 507 KiB whose `mimetype` entry unpacks to 500 MiB."""
    return zip_bomb()


class CountingFile(io.BytesIO):
    """An uploaded file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def refusal(content: bytes) -> str:
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(content))
    return refused.value.code


def odt(*extra: Any) -> bytes:
    return write_zip([stored("mimetype", ODT), deflated("content.xml", "<x/>"), *extra])


# --- finding 3: a 500 MiB mimetype ---------------------------------------------------------


def test_a_zip_whose_mimetype_declares_500_mib_is_refused_without_unpacking_it(
    bomb: bytes,
) -> None:
    upload = CountingFile(bomb)
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(upload)
    assert refused.value.code == "archive_too_large"
    assert refused.value.message == (
        "Décompressée, cette archive ferait 500 Mo : la limite est de 256 Mo."
    )
    # The head (8 KiB), the end record and the central directory: not the 506 KiB entry.
    assert len(bomb) > 500_000
    assert upload.bytes_read < 20_000


def test_the_bomb_is_refused_clearly_on_the_page_and_in_the_api(
    world: World, bomb: bytes, media: Path
) -> None:
    page = world.browse(world.member).post(
        reverse("contacts:document_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("rapport.odt", bomb)},
    )
    assert page.status_code == 400
    assert "Décompressée, cette archive ferait 500 Mo" in page.content.decode()
    response = world.browse(world.member).post(
        f"/api/v1/contacts/{world.client.pk}/documents",
        {"file": SimpleUploadedFile("rapport.odt", bomb)},
        headers=token_headers(world.member, language="en"),
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {
            "loc": ["body", "file"],
            "msg": "Unpacked, this archive would be 500 MB: the limit is 256 MB.",
        }
    ]
    assert not Document.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_an_office_document_shaped_bomb_is_refused_too() -> None:
    # Before, only the names of a DOCX's parts were read: this one was accepted and stored.
    parts = [deflated("[Content_Types].xml", "<Types/>"), zeros("word/document.xml", 300)]
    assert refusal(write_zip(parts)) == "archive_too_large"


def test_an_entry_far_more_compressed_than_any_document_is_refused() -> None:
    # 100 MiB is under the unpacked limit, but deflated 1000 times: a bomb's signature.
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(zip_bomb(mebibytes=100)))
    assert refused.value.code == "archive_ratio"
    assert "1011 fois plus gros" in refused.value.message


def test_the_limits_come_from_the_settings(settings: Any) -> None:
    settings.DOCUMENT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    settings.DOCUMENT_MAX_COMPRESSION_RATIO = 2000
    assert refusal(zip_bomb(mebibytes=3)) == "archive_too_large"
    settings.DOCUMENT_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
    assert documents.detect_content_type(io.BytesIO(zip_bomb(mebibytes=3))) is None  # no ODF
    settings.DOCUMENT_MAX_COMPRESSION_RATIO = 200
    assert refusal(zip_bomb(mebibytes=3)) == "archive_ratio"


# --- thousands of entries ---------------------------------------------------------------------


def test_a_zip_of_thousands_of_entries_is_refused() -> None:
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(many_entries(10_000)))
    assert refused.value.code == "archive_too_many_entries"
    assert refused.value.message == (
        "Cette archive contient 10000 fichiers : la limite est de 5000."
    )


def test_a_zip_lying_about_its_number_of_entries_is_stopped_while_counting() -> None:
    # The end record says 3 entries; the directory holds 10,000: the walk stops at 5,001.
    content = bytearray(many_entries(10_000))
    struct.pack_into("<2H", content, len(content) - 22 + 8, 3, 3)
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(bytes(content)))
    assert refused.value.code == "archive_too_many_entries"
    assert "5001 fichiers" in refused.value.message


def test_an_ordinary_number_of_entries_is_accepted() -> None:
    assert documents.detect_content_type(io.BytesIO(many_entries(4_000))) == ODT


def test_the_zip64_end_records_are_read_too() -> None:
    assert documents.detect_content_type(io.BytesIO(many_entries(3, zip64=True))) == ODT
    assert refusal(many_entries(10_000, zip64=True)) == "archive_too_many_entries"


_CENTRAL = struct.Struct("<4s6H3L5H2L")


def zip64_locator_lie(entries: int) -> bytes:
    """A zip whose classic end record declares one central entry and no Zip64 (no 0xFFFF
    marker), while a Zip64 locator sits just before it, with the Zip64 record declaring
    `entries` right before the locator: zipfile reads the Zip64 record. The one entry the
    end record counts has a 76-byte comment that covers both records."""
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    dummy = _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    body = local + dummy * entries
    small = _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 0, 76, 0, 0, 0, 0, 0)
    record_at = len(body) + len(small)
    directory = record_at - len(local)  # what zipfile will walk: all the dummies too
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries + 1, entries + 1, directory,
        len(local),
    )  # fmt: skip
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(small) + 76, len(body), 0)
    return body + small + record + locator + end


def test_a_zip64_locator_the_end_record_does_not_announce_is_read_as_zipfile_reads_it() -> None:
    # Before, only the end record was read: it counted 1 entry, while zipfile built 20,001
    # (540,000 in 25 MB: 3.7 s and 290 MB).
    content = zip64_locator_lie(20_000)
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(content))
    assert refused.value.code == "archive_too_many_entries"
    assert refused.value.message == (
        "Cette archive contient 20001 fichiers : la limite est de 5000."
    )


def test_a_zip64_locator_pointing_elsewhere_than_before_itself_is_refused() -> None:
    content = bytearray(many_entries(3, zip64=True))
    locator = len(content) - 22 - 20
    assert documents.detect_content_type(io.BytesIO(bytes(content))) == ODT
    struct.pack_into("<Q", content, locator + 8, 0)  # the record "is" at the very start
    assert refusal(bytes(content)) == "archive_malformed"


# --- nested archives ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inner",
    ["Pictures/autre.zip", "Pictures/sauvegarde.tar.gz", "Object 1/rapport.docx"],
)
def test_an_archive_inside_the_archive_is_refused_and_not_unpacked(inner: str) -> None:
    nested = zip_bomb(mebibytes=50)  # never opened: its own bomb costs nothing
    with pytest.raises(documents.ArchiveRefused) as refused:
        documents.detect_content_type(io.BytesIO(odt(stored(inner, nested))))
    assert refused.value.code == "archive_nested"
    assert f"« {inner} »" in refused.value.message


def test_a_workbook_embedded_in_a_docx_is_kept_as_it_is() -> None:
    # What Word writes for a chart: the workbook is a zip in the zip, in embeddings/.
    parts = [
        deflated("[Content_Types].xml", "<Types/>"),
        deflated("word/document.xml", "<w:document/>"),
        stored("word/embeddings/Microsoft_Excel_Worksheet.xlsx", docx()),
    ]
    assert documents.detect_content_type(io.BytesIO(write_zip(parts))) == DOCX


# --- malformed zips -------------------------------------------------------------------------


def _with(content: bytes, offset: int, fmt: str, *values: int | bytes) -> bytes:
    changed = bytearray(content)
    struct.pack_into(fmt, changed, offset, *values)
    return bytes(changed)


def malformed_zips() -> dict[str, bytes]:
    good = odt()
    end = len(good) - 22
    directory = struct.unpack_from("<L", good, end + 16)[0]
    return {
        "no end record": good[:-22],
        "cut in the middle": good[: len(good) // 2],
        "only a local header": b"PK\x03\x04" + b"\x00" * 200,
        "directory not where it says": _with(good, end + 12, "<L", 10_000_000),
        "directory entry without its signature": _with(good, directory, "<4s", b"XXXX"),
        "entry larger than the file": _with(good, directory + 20, "<L", 10_000_000),
        "split over several disks": _with(good, end + 4, "<H", 1),
    }


@pytest.mark.parametrize("name", list(malformed_zips()))
def test_a_malformed_zip_is_refused_clearly(world: World, name: str) -> None:
    content = malformed_zips()[name]
    assert refusal(content) == "archive_malformed"
    with pytest.raises(ValidationError) as refused:
        documents.upload_document(
            actor=world.member,
            client=world.client,
            file=io.BytesIO(content),
            name="a.odt",
            size=len(content),
        )
    assert refused.value.messages == ["Ce fichier est une archive endommagée ou illisible."]
    assert not Document.objects.exists()


def test_a_password_protected_zip_is_refused() -> None:
    content = odt()
    directory = struct.unpack_from("<L", content, len(content) - 22 + 16)[0]
    assert refusal(_with(content, directory + 8, "<H", 1)) == "archive_encrypted"


def test_a_mimetype_compressed_otherwise_than_deflate_is_not_read() -> None:
    # bzip2 does not bound what one read unpacks; the entry is left unread (no ODF type).
    content = odt()
    directory = struct.unpack_from("<L", content, len(content) - 22 + 16)[0]
    assert (
        documents.detect_content_type(io.BytesIO(_with(content, directory + 10, "<H", 12))) is None
    )


# --- text is checked whole, kept short -------------------------------------------------------


def test_a_csv_is_told_from_text_without_the_quadratic_sniffer(monkeypatch: Any) -> None:
    # csv.Sniffer's guess takes quadratic time in its sample: two 32 KB lines took 12 s.
    sampled: list[int] = []
    sniff = csv.Sniffer.sniff

    def measured(self: csv.Sniffer, sample: str, delimiters: str | None = None) -> Any:
        sampled.append(len(sample))
        return sniff(self, sample, delimiters)

    monkeypatch.setattr(csv.Sniffer, "sniff", measured)
    hostile = (',"a' * 10_900 + "\n" + ',"a' * 10_900).encode()
    assert documents.detect_content_type(io.BytesIO(hostile)) == "text/csv"
    assert all(size <= 4096 for size in sampled)
    rows = b"nom;montant\nDupont;12,50\nMartin;3\n"
    assert documents.detect_content_type(io.BytesIO(rows)) == "text/csv"
    assert documents.detect_content_type(io.BytesIO(b"a,b\nc,d,e\n")) == "text/plain"
    prose = "Bonjour,\nvoici le bilan.\nÀ bientôt\n".encode()
    assert documents.detect_content_type(io.BytesIO(prose)) == "text/plain"


def test_a_binary_tail_far_into_a_text_file_is_still_caught() -> None:
    assert documents.detect_content_type(io.BytesIO(b"ligne\n" * 50_000 + b"\x01")) is None
    assert documents.detect_content_type(io.BytesIO(b"ligne\n" * 50_000)) == "text/plain"


# --- e-mails ------------------------------------------------------------------------------------


def test_an_eml_with_a_bomb_attachment_is_logged_without_it_and_says_why(
    world: World, bomb: bytes
) -> None:
    raw = eml(
        attachments=[
            ("bilan.pdf", PDF, "application/pdf"),
            ("rapport.odt", bomb, "application/vnd.oasis.opendocument.text"),
        ]
    )
    logged = timeline.log_email(
        actor=world.member, client=world.client, file=io.BytesIO(raw), size=len(raw)
    )
    assert logged.skipped == ["rapport.odt"]
    assert logged.refused[0].reason == (
        "Décompressée, cette archive ferait 500 Mo : la limite est de 256 Mo."
    )
    assert list(Document.objects.values_list("name", flat=True)) == ["bilan.pdf"]


def test_the_email_page_and_the_api_show_why_an_attachment_was_not_kept(
    world: World, bomb: bytes
) -> None:
    raw = eml(attachments=[("rapport.odt", bomb, "application/vnd.oasis.opendocument.text")])
    page = world.browse(world.member).post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", raw)},
        follow=True,
    )
    text = page.content.decode()
    assert "Pièces jointes non conservées : « rapport.odt » : Décompressée" in text
    TimelineItem.objects.all().delete()
    response = world.browse(world.member).post(
        f"/api/v1/contacts/{world.client.pk}/timeline/emails",
        {"file": SimpleUploadedFile("message.eml", raw)},
        headers=token_headers(world.member, language="en"),
    )
    assert response.status_code == 201, response.content
    assert response.json()["skipped_attachments"] == ["rapport.odt"]
    assert response.json()["skipped_details"] == [
        {
            "name": "rapport.odt",
            "reason": "Unpacked, this archive would be 500 MB: the limit is 256 MB.",
        }
    ]


def test_attachments_past_the_hundredth_are_not_kept_and_are_listed(world: World) -> None:
    attachments = [(f"note-{n}.txt", b"texte", "text/plain") for n in range(102)]
    raw = eml(attachments=attachments)
    logged = timeline.log_email(
        actor=world.member, client=world.client, file=io.BytesIO(raw), size=len(raw)
    )
    assert len(logged.attachments) == timeline.EMAIL_MAX_ATTACHMENTS == 100
    assert logged.skipped == ["note-100.txt", "note-101.txt"]
    assert "Au-delà de 100 pièces jointes" in logged.refused[0].reason


def test_an_eml_is_read_no_further_than_the_limit_whatever_its_size_says(
    world: World, settings: Any
) -> None:
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 500
    raw = eml(body="x" * 2000)
    upload = CountingFile(raw)
    with pytest.raises(ValidationError) as refused:
        timeline.log_email(actor=world.member, client=world.client, file=upload, size=10)
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert upload.bytes_read == 501
    assert not TimelineItem.objects.exists()


# --- avatars ------------------------------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header declares `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))
        )

    header = struct.pack(">2L5B", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "side", [10_000, 100_000], ids=["over-pillow-warning", "over-pillow-error"]
)
def test_an_avatar_declaring_a_decompression_bomb_is_refused_by_its_size(
    world: World, side: int
) -> None:
    picture = SimpleUploadedFile("photo.png", png_declaring(side, side))
    with pytest.raises(ValidationError) as refused:
        services.set_avatar(actor=world.member, contact=world.client, image=picture)
    assert refused.value.error_dict["avatar"][0].code == "too_many_pixels"
    assert refused.value.messages == ["Image trop grande : 4096 pixels de côté au plus."]
