"""API of /contacts/{id}/timeline and /contacts/{id}/documents: the same rules as the pages,
answered as JSON and problem details; a colleague without full access gets 404 everywhere."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from pytest_django import Settings

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import record_event
from portefeuille.contacts import documents, timeline
from portefeuille.contacts.models import Document, TimelineItem
from portefeuille.firms.models import Privacy

from .timeline_samples import EXE, PDF, World, eml, image, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def api(world: World) -> Any:
    headers = token_headers(world.member)
    client = Client()

    class Api:
        def get(self, path: str, **params: Any) -> Any:
            return client.get(f"/api/v1/contacts/{world.client.pk}{path}", params, headers=headers)

        def post(self, path: str, **kwargs: Any) -> Any:
            return client.post(
                f"/api/v1/contacts/{world.client.pk}{path}", headers=headers, **kwargs
            )

        def patch(self, path: str, body: dict[str, Any]) -> Any:
            return client.patch(
                f"/api/v1/contacts/{world.client.pk}{path}",
                body,
                content_type="application/json",
                headers=headers,
            )

        def delete(self, path: str) -> Any:
            return client.delete(f"/api/v1/contacts/{world.client.pk}{path}", headers=headers)

    return Api()


def test_post_a_note_and_read_it_back_sanitised(world: World, api: Any) -> None:
    response = api.post(
        "/timeline/notes",
        data={"body": "**Urgent** <script>alert(1)</script>"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "note"
    assert body["note"]["body"] == "**Urgent** <script>alert(1)</script>"
    assert "<strong>Urgent</strong>" in body["note"]["html"]
    assert "<script>" not in body["note"]["html"]
    assert body["note"]["author"]["id"] == world.member.pk
    listed = api.get("/timeline").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None


def test_an_empty_note_is_a_422_on_body(api: Any) -> None:
    response = api.post("/timeline/notes", data={"body": " "}, content_type="application/json")
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "body"]
    assert not TimelineItem.objects.exists()


def test_patch_and_delete_a_note(world: World, api: Any) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="Avant")
    response = api.patch(f"/timeline/notes/{note.pk}", {"body": "Après"})
    assert response.status_code == 200
    assert response.json()["note"]["body"] == "Après"
    assert api.delete(f"/timeline/{note.pk}").status_code == 204
    assert not TimelineItem.objects.exists()


def test_upload_an_eml(world: World, api: Any) -> None:
    raw = eml(
        attachments=[("bilan.pdf", PDF, "application/pdf"), ("x.pdf", EXE, "application/pdf")]
    )
    response = api.post("/timeline/emails", data={"file": SimpleUploadedFile("m.eml", raw)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped_attachments"] == ["x.pdf"]
    email = body["entry"]["email"]
    assert email["subject"] == "Bilan 2025"
    assert email["sender"] == "Élodie Lefèvre <elodie@exemple.fr>"
    assert [doc["name"] for doc in email["attachments"]] == ["bilan.pdf"]
    download = Client().get(
        email["attachments"][0]["download_url"], headers=token_headers(world.member)
    )
    assert download.getvalue() == PDF


def test_a_malformed_eml_is_a_422_on_file(api: Any) -> None:
    response = api.post("/timeline/emails", data={"file": SimpleUploadedFile("m.eml", PDF)})
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "file"]
    assert "pas un e-mail lisible" in problem["errors"][0]["msg"]
    assert not TimelineItem.objects.exists()


def test_timeline_filters_search_and_cursor(world: World, api: Any) -> None:
    for n in range(3):
        timeline.add_note(actor=world.member, client=world.client, body=f"Réunion {n}")
    record_event(
        actor=world.member,
        action="client.privacy_changed",
        client=world.client,
        before={"privacy": "private"},
        after={"privacy": "public"},
    )
    first = api.get("/timeline", type="note", limit=2).json()
    assert [item["type"] for item in first["items"]] == ["note", "note"]
    second = api.get("/timeline", type="note", limit=2, cursor=first["next_cursor"]).json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    events = api.get("/timeline", q="prive").json()["items"]
    assert [(item["type"], item["event"]["summary"]) for item in events] == [
        ("event", "Confidentialité : Privé → Public")
    ]
    assert api.get("/timeline", q="reunion 1").json()["items"][0]["note"]["body"] == "Réunion 1"


def test_a_broken_cursor_is_a_422(api: Any) -> None:
    problem = assert_problem(api.get("/timeline", cursor="pas-un-curseur"), 422)
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


def test_documents_upload_list_rename_download_delete(world: World, api: Any) -> None:
    png = image("PNG")
    response = api.post(
        "/documents", data={"file": SimpleUploadedFile("scan.pdf", png), "name": "Scan du RIB"}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["content_type"], created["size"]) == (
        "Scan du RIB",
        "image/png",
        len(png),
    )
    listed = api.get("/documents").json()
    assert [doc["id"] for doc in listed["items"]] == [created["id"]]
    renamed = api.patch(f"/documents/{created['id']}", {"name": "RIB.png"})
    assert renamed.json()["name"] == "RIB.png"
    download = api.get(f"/documents/{created['id']}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="RIB.png"'
    assert download.getvalue() == png
    assert api.delete(f"/documents/{created['id']}").status_code == 204
    assert not Document.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"document.uploaded", "document.renamed", "document.deleted"} <= actions


def test_documents_are_listed_newest_first_page_by_page(world: World, api: Any) -> None:
    made = [
        documents.upload_document(
            actor=world.member,
            client=world.client,
            file=io.BytesIO(PDF),
            name=f"{n}.pdf",
            size=len(PDF),
        )
        for n in range(3)
    ]
    first = api.get("/documents", limit=2).json()
    second = api.get("/documents", limit=2, cursor=first["next_cursor"]).json()
    names = [doc["name"] for doc in first["items"] + second["items"]]
    assert names == [doc.name for doc in reversed(made)]
    assert second["next_cursor"] is None


def test_an_exe_renamed_pdf_is_a_422(api: Any) -> None:
    problem = assert_problem(
        api.post("/documents", data={"file": SimpleUploadedFile("facture.pdf", EXE)}), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "file"]
    assert "n'est pas accepté" in problem["errors"][0]["msg"]
    assert not Document.objects.exists()


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=1000)
def test_a_document_over_the_limit_is_a_413(api: Any, media: Path) -> None:
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * 5000)
    problem = assert_problem(api.post("/documents", data={"file": big}), 413)
    assert problem["detail"] == "Le fichier dépasse la limite de 1000 octets."
    assert not Document.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize("privacy", [Privacy.PRIVATE, Privacy.HIDDEN])
def test_a_colleague_without_full_access_gets_404_on_every_operation(
    world: World, privacy: str
) -> None:
    world.client.privacy = privacy
    world.client.save()
    note = timeline.add_note(actor=world.member, client=world.client, body="Secret")
    document = documents.upload_document(
        actor=world.member, client=world.client, file=io.BytesIO(PDF), name="s.pdf", size=len(PDF)
    )
    base = f"/api/v1/contacts/{world.client.pk}"
    headers = token_headers(world.outsider)
    client = Client()
    before = (TimelineItem.objects.count(), Document.objects.count(), AuditEvent.objects.count())
    calls = [
        client.get(f"{base}/timeline", headers=headers),
        client.post(
            f"{base}/timeline/notes",
            {"body": "x"},
            content_type="application/json",
            headers=headers,
        ),
        client.patch(
            f"{base}/timeline/notes/{note.pk}",
            {"body": "x"},
            content_type="application/json",
            headers=headers,
        ),
        client.delete(f"{base}/timeline/{note.pk}", headers=headers),
        client.post(
            f"{base}/timeline/emails",
            {"file": SimpleUploadedFile("m.eml", eml())},
            headers=headers,
        ),
        client.get(f"{base}/documents", headers=headers),
        client.post(
            f"{base}/documents", {"file": SimpleUploadedFile("a.pdf", PDF)}, headers=headers
        ),
        client.patch(
            f"{base}/documents/{document.pk}",
            {"name": "x"},
            content_type="application/json",
            headers=headers,
        ),
        client.delete(f"{base}/documents/{document.pk}", headers=headers),
        client.get(f"{base}/documents/{document.pk}/download", headers=headers),
    ]
    for response in calls:
        assert_problem(response, 404)
    unknown = client.get("/api/v1/contacts/999999/timeline", headers=headers)
    assert unknown.json()["detail"] == calls[0].json()["detail"]
    after = (TimelineItem.objects.count(), Document.objects.count(), AuditEvent.objects.count())
    assert after == before
