"""Documents: the type is judged by content, the size limit holds, every change is audited,
downloads stream as attachments, and nobody without full access learns anything."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pytest_django import Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import documents, views_timeline
from portefeuille.contacts.models import Document
from portefeuille.testing.history import sentence

from .timeline_samples import EXE, PDF, World, docx, image, make_world, odf, pptx, xlsx, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture
def world() -> World:
    return make_world()


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def upload(world: World, content: bytes, name: str = "fichier.pdf") -> Document:
    return documents.upload_document(
        actor=world.member,
        client=world.client,
        file=io.BytesIO(content),
        name=name,
        size=len(content),
    )


# --- detection by content -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("GIF"), "image/gif"),
        (image("WEBP"), "image/webp"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (pptx(), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
        (
            odf("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        (b"Compte rendu de l'entretien\navec le client", "text/plain"),
        ("Bilan en cp1252 : été".encode("cp1252"), "text/plain"),
        (b"nom;montant;date\nDupont;12,50;2025-01-02\nMartin;3;2025-02-03\n", "text/csv"),
        (b"From: a@exemple.fr\nTo: b@exemple.fr\nSubject: Salut\n\nCorps\n", "message/rfc822"),
    ],
)
def test_accepted_types_are_recognised_by_their_content(content: bytes, expected: str) -> None:
    assert documents.detect_content_type(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        zip_of({"programme.js": "alert(1)"}),  # a zip that is no office document
        zip_of({"mimetype": "application/epub+zip", "content.xml": "<x/>"}, first="mimetype"),
        bytes(range(256)) * 4,  # binary garbage
        b"texte puis binaire \x00\x01\x02",
        b"",
    ],
)
def test_other_content_is_refused(content: bytes) -> None:
    assert documents.detect_content_type(io.BytesIO(content)) is None


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_written(world: World, media: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        upload(world, EXE, name="facture.pdf")
    assert refused.value.error_dict["file"][0].code == "type_refused"
    assert "n'est pas accepté" in refused.value.messages[0]
    assert not Document.objects.exists()
    assert not AuditEvent.objects.filter(action="document.uploaded").exists()
    assert stored_files(media) == []


def test_the_stored_type_comes_from_the_content_not_the_name(world: World) -> None:
    document = upload(world, image("PNG"), name="scan.pdf")
    assert document.content_type == "image/png"
    assert document.name == "scan.pdf"
    assert str(document.file.name).endswith(".png")


# --- size limit -----------------------------------------------------------------------


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=1000)
def test_a_file_over_the_limit_is_refused_with_the_limit_in_the_message(
    world: World, media: Path
) -> None:
    big = PDF + b"0" * 2000
    with pytest.raises(ValidationError) as refused:
        upload(world, big)
    message = refused.value.messages[0]
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert "la limite est de 1000 octets" in message
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_the_default_limit_is_25_mb(settings: Any) -> None:
    assert documents.max_upload_bytes() == 25 * 1024 * 1024


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=1000)
def test_upload_page_stops_an_oversized_file_while_receiving_it(world: World, media: Path) -> None:
    # The 200 MB upload of the issue, scaled down: the limit is 1000 bytes here.
    big = SimpleUploadedFile("enorme.pdf", PDF + b"0" * 5000, content_type="application/pdf")
    response = world.browse(world.member).post(
        reverse("contacts:document_upload", args=[world.client.pk]), {"file": big}
    )
    assert response.status_code == 413
    assert "Le fichier dépasse la limite de 1000 octets." in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(media) == []


# --- services: upload, rename, delete -------------------------------------------------


def test_upload_stores_the_file_and_records_the_event(world: World) -> None:
    document = upload(world, PDF, name="dossier/../Bilan 2025.pdf")
    assert document.name == "Bilan 2025.pdf"
    assert document.size == len(PDF)
    assert document.uploaded_by == world.member
    assert document.firm_id == world.firm.pk
    with default_storage.open(str(document.file.name), "rb") as handle:
        assert handle.read() == PDF
    event = AuditEvent.objects.get(action="document.uploaded")
    assert event.client_id == world.client.pk
    assert sentence(event, world.member) == "Document ajouté : Bilan 2025.pdf"
    assert sentence(event, world.member, "en") == "Document added: Bilan 2025.pdf"


def test_rename_changes_the_name_and_is_audited(world: World) -> None:
    document = upload(world, PDF, name="a.pdf")
    documents.rename_document(actor=world.member, document=document, name="  Liasse 2025.pdf ")
    document.refresh_from_db()
    assert document.name == "Liasse 2025.pdf"
    event = AuditEvent.objects.get(action="document.renamed")
    assert event.before == {"id": document.pk, "name": "a.pdf"}


def test_rename_to_nothing_is_refused(world: World) -> None:
    document = upload(world, PDF, name="a.pdf")
    with pytest.raises(ValidationError) as refused:
        documents.rename_document(actor=world.member, document=document, name="   ")
    assert "name" in refused.value.error_dict
    document.refresh_from_db()
    assert document.name == "a.pdf"


def test_delete_removes_the_row_and_the_file_once_committed(
    world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = upload(world, PDF)
    name = str(document.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        documents.delete_document(actor=world.member, document=document)
    assert not Document.objects.exists()
    assert not default_storage.exists(name)
    assert AuditEvent.objects.filter(action="document.deleted").count() == 1


def test_a_colleague_without_full_access_may_change_nothing(world: World, media: Path) -> None:
    document = upload(world, PDF, name="a.pdf")
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        documents.upload_document(
            actor=world.outsider, client=world.client, file=io.BytesIO(PDF), name="b.pdf", size=3
        )
    with pytest.raises(PermissionDenied):
        documents.rename_document(actor=world.outsider, document=document, name="x.pdf")
    with pytest.raises(PermissionDenied):
        documents.delete_document(actor=world.outsider, document=document)
    document.refresh_from_db()
    assert document.name == "a.pdf"
    assert Document.objects.count() == 1
    assert AuditEvent.objects.count() == events
    assert len(stored_files(media)) == 1


# --- pages ----------------------------------------------------------------------------


def test_documents_page_lists_the_documents_with_their_type_and_size(world: World) -> None:
    upload(world, PDF, name="Bilan.pdf")
    html = world.browse(world.member).get(reverse("contacts:documents", args=[world.client.pk]))
    text = html.content.decode()
    assert html.status_code == 200
    assert "Bilan.pdf" in text
    assert "PDF" in text
    assert f"{len(PDF)} octets" in text


def test_upload_page_keeps_a_document(world: World) -> None:
    file = SimpleUploadedFile("Note.txt", "Relevé de compte".encode(), content_type="text/plain")
    response = world.browse(world.member).post(
        reverse("contacts:document_upload", args=[world.client.pk]), {"file": file}
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.name, document.content_type) == ("Note.txt", "text/plain")


def test_upload_page_refuses_an_exe_renamed_pdf_clearly(world: World) -> None:
    file = SimpleUploadedFile("facture.pdf", EXE, content_type="application/pdf")
    response = world.browse(world.member).post(
        reverse("contacts:document_upload", args=[world.client.pk]), {"file": file}
    )
    assert response.status_code == 400
    assert "Ce type de fichier n&#x27;est pas accepté" in response.content.decode()
    assert not Document.objects.exists()


def test_upload_page_checks_the_csrf_token(world: World) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    file = SimpleUploadedFile("a.pdf", PDF)
    response = browser.post(
        reverse("contacts:document_upload", args=[world.client.pk]), {"file": file}
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_rename_and_delete_pages(world: World) -> None:
    document = upload(world, PDF, name="a.pdf")
    browser = world.browse(world.member)
    response = browser.post(
        reverse("contacts:document_rename", args=[world.client.pk, document.pk]),
        {"name": "Statuts.pdf"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.name == "Statuts.pdf"
    response = browser.post(
        reverse("contacts:document_delete", args=[world.client.pk, document.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert not Document.objects.exists()


def test_download_streams_the_file_as_an_attachment_with_its_detected_type(world: World) -> None:
    document = upload(world, image("PNG"), name="Scan été.pdf")
    response = world.browse(world.member).get(
        reverse("contacts:document_download", args=[world.client.pk, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Scan%20%C3%A9t%C3%A9.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.getvalue() == image("PNG")


def test_media_files_are_not_served_by_url(world: World) -> None:
    document = upload(world, PDF)
    response = world.browse(world.admin).get(f"/media/{document.file.name}")
    assert response.status_code == 404


def test_a_document_of_another_contact_is_a_404(world: World) -> None:
    from portefeuille.testing.factories import PersonFactory

    other = PersonFactory.create(firm=world.firm, manager=world.member)
    document = upload(world, PDF)
    browser = world.browse(world.member)
    for name in ("document_download",):
        assert (
            browser.get(reverse(f"contacts:{name}", args=[other.pk, document.pk])).status_code
            == 404
        )
    for name in ("document_rename", "document_delete"):
        response = browser.post(
            reverse(f"contacts:{name}", args=[other.pk, document.pk]), {"name": "x"}
        )
        assert response.status_code == 404
    assert Document.objects.get().name == "fichier.pdf"


def test_the_documents_page_pages_with_the_one_keyset_cursor(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_timeline, "DOCUMENTS_PAGE", 2)
    names = [upload(world, PDF, name=f"d{n}.pdf").name for n in range(5)]
    browser = world.browse(world.member)
    url = reverse("contacts:documents", args=[world.client.pk])
    seen: list[str] = []
    query: dict[str, str] = {}
    while True:
        context = browser.get(url, query).context
        seen += [document.name for document in context["documents"]]
        if context["more_url"] is None:
            break
        query = {"cursor": context["more_url"].split("cursor=", 1)[1]}
    assert seen == list(reversed(names))
    broken = browser.get(url, {"cursor": "pas-un-curseur"}).context
    assert [document.name for document in broken["documents"]] == seen[:2]
