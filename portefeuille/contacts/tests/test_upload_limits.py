"""Every upload route, web and API, refuses a body over the limit before or while it
streams: a clear 413 (411 without a length) in the caller's language, nothing read past the
limit, nothing stored (docs/uploads.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact, Document, TimelineItem
from portefeuille.contacts.services import AVATAR_MAX_BYTES
from portefeuille.web.uploads import FORM_ALLOWANCE

from .timeline_samples import PDF, World, eml, image, make_world

pytestmark = pytest.mark.django_db

LIMIT = 100_000  # DOCUMENT_MAX_UPLOAD_BYTES in these tests


@pytest.fixture(autouse=True)
def small_limit(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_MAX_UPLOAD_BYTES = LIMIT
    # Every received file goes to a temporary file, to see that a refused one is deleted.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()
    return tmp_path


@pytest.fixture
def world() -> World:
    return make_world()


class SlowBody(io.RawIOBase):
    """A request body that arrives a few kilobytes at a time and counts what was read."""

    def __init__(self, data: bytes, piece: int = 4096) -> None:
        self.data = data
        self.piece = piece
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.piece if size is None or size < 0 else min(size, self.piece)
        chunk = self.data[self.read_so_far : self.read_so_far + wanted]
        self.read_so_far += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size)


def multipart(name: str, content: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content)})


def send(
    client: Client,
    url: str,
    body: SlowBody,
    *,
    length: int | None,
    content_type: str = MULTIPART_CONTENT,
    headers: dict[str, str] | None = None,
) -> Any:
    """POSTs `body` as it streams; `length` is the Content-Length announced (None: none,
    sent chunked)."""
    extra: dict[str, Any] = {"wsgi.input": body, "CONTENT_TYPE": content_type}
    if length is None:
        extra["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        extra["CONTENT_LENGTH"] = str(length)
    return client.generic("POST", url, headers=headers, **extra)


def nothing_stored(tmp_path: Path) -> bool:
    media = tmp_path / "media"
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    incoming = list((tmp_path / "incoming").iterdir())
    return (
        not stored
        and not incoming
        and not Document.objects.exists()
        and not TimelineItem.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="document.").exists()
    )


def web_routes(world: World) -> dict[str, str]:
    pk = world.client.pk
    return {
        "document": reverse("contacts:document_upload", args=[pk]),
        "email": reverse("contacts:email_upload", args=[pk]),
    }


def api_routes(world: World) -> dict[str, str]:
    base = f"/api/v1/contacts/{world.client.pk}"
    return {
        "document": f"{base}/documents",
        "email": f"{base}/timeline/emails",
        "avatar": f"{base}/avatar",
    }


# --- announced too large: refused before a byte is read ------------------------------------


@pytest.mark.parametrize("route", ["document", "email"])
def test_upload_page_refuses_an_announced_oversized_body_without_reading_it(
    world: World, small_limit: Path, route: str
) -> None:
    data = multipart("enorme.pdf", PDF + b"0" * (3 * LIMIT))
    body = SlowBody(data)
    # The CSRF token was in the refused body: the page answers all the same, and writes nothing.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    response = send(browser, web_routes(world)[route], body, length=len(data))
    assert response.status_code == 413
    text = response.content.decode()
    assert "Le fichier dépasse la limite de 98 ko." in text
    assert 'role="alert"' in text  # the upload form, with its error
    assert body.read_so_far == 0
    assert nothing_stored(small_limit)


@pytest.mark.parametrize("route", ["document", "email", "avatar"])
def test_api_refuses_an_announced_oversized_body_without_reading_it(
    world: World, small_limit: Path, route: str
) -> None:
    data = multipart("enorme.pdf", PDF + b"0" * (3 * LIMIT))
    body = SlowBody(data)
    headers = token_headers(world.member, language="en")
    response = send(Client(), api_routes(world)[route], body, length=len(data), headers=headers)
    problem = assert_problem(response, 413)
    assert problem["detail"] == "The file exceeds the 98 kB limit."
    assert response["Content-Language"] == "en"
    assert body.read_so_far == 0
    assert nothing_stored(small_limit)
    assert not Contact.objects.get(pk=world.client.pk).avatar


def test_the_avatar_page_refuses_an_announced_oversized_body(world: World) -> None:
    data = multipart("photo.png", image("PNG") + b"0" * (3 * LIMIT))
    body = SlowBody(data)
    url = reverse("contacts:change", args=[world.client.pk, "avatar"])
    response = send(world.browse(world.member), url, body, length=len(data))
    assert response.status_code == 413
    assert "Le fichier dépasse la limite de 98 ko." in response.content.decode()
    assert body.read_so_far == 0
    assert not Contact.objects.get(pk=world.client.pk).avatar


def test_a_json_body_over_its_limit_is_refused_before_it_is_read(
    world: World, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = b'{"body": "' + b"x" * 5000 + b'"}'
    body = SlowBody(data)
    response = send(
        Client(),
        f"/api/v1/contacts/{world.client.pk}/timeline/notes",
        body,
        length=len(data),
        content_type="application/json",
        headers=token_headers(world.member),
    )
    problem = assert_problem(response, 413)
    assert problem["detail"] == "La requête dépasse la limite de 1000 octets."
    assert body.read_so_far == 0
    assert not TimelineItem.objects.exists()


# --- within the announced size, but the file passes the limit: stopped while streaming ----


@pytest.mark.parametrize("route", ["document", "email"])
def test_upload_page_stops_reading_once_the_file_passes_the_limit(
    world: World, small_limit: Path, route: str
) -> None:
    # Announced under the limit plus the form's allowance, so only the count can stop it.
    data = multipart("gros.pdf", PDF + b"0" * (LIMIT + 60_000))
    body = SlowBody(data)
    response = send(world.browse(world.member), web_routes(world)[route], body, length=len(data))
    assert response.status_code == 413
    assert "Le fichier dépasse la limite de 98 ko." in response.content.decode()
    assert body.read_so_far < len(data)
    assert nothing_stored(small_limit)  # the temporary file of the refused upload is gone


@pytest.mark.parametrize("route", ["document", "email", "avatar"])
def test_api_stops_reading_once_the_file_passes_the_limit(
    world: World, small_limit: Path, route: str
) -> None:
    data = multipart("gros.pdf", PDF + b"0" * (LIMIT + 60_000))
    body = SlowBody(data)
    response = send(
        Client(),
        api_routes(world)[route],
        body,
        length=len(data),
        headers=token_headers(world.member),
    )
    problem = assert_problem(response, 413)
    assert problem["detail"] == "Le fichier dépasse la limite de 98 ko."
    assert body.read_so_far < len(data)
    assert nothing_stored(small_limit)


def test_any_other_form_past_the_limit_gets_a_short_page_and_changes_nothing(
    world: World, small_limit: Path
) -> None:
    # The language switch takes no file: its view never runs with a truncated form.
    data = encode_multipart(
        BOUNDARY, {"language": "en", "file": SimpleUploadedFile("x.bin", b"0" * (LIMIT + 1))}
    )
    body = SlowBody(data)
    response = send(world.browse(world.member), reverse("switch_language"), body, length=len(data))
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.language != "en"
    assert not list((small_limit / "incoming").iterdir())


# --- no length announced (chunked) ---------------------------------------------------------


def test_a_body_without_a_length_is_refused_on_the_web_and_the_api(
    world: World, small_limit: Path
) -> None:
    data = multipart("bilan.pdf", PDF)
    page = SlowBody(data)
    response = send(world.browse(world.member), web_routes(world)["document"], page, length=None)
    assert response.status_code == 411
    assert "Indiquez la taille de l&#x27;envoi" in response.content.decode()
    call = SlowBody(data)
    response = send(
        Client(),
        api_routes(world)["document"],
        call,
        length=None,
        headers=token_headers(world.member, language="en"),
    )
    problem = assert_problem(response, 411)
    assert problem["type"].endswith(":length-required")
    assert problem["detail"].startswith("Send the size of the body (Content-Length header)")
    assert page.read_so_far == call.read_so_far == 0
    assert nothing_stored(small_limit)


# --- under the limit: nothing changes --------------------------------------------------------


def test_a_file_at_the_limit_is_still_kept_on_the_web_and_the_api(world: World) -> None:
    content = PDF + b"0" * (LIMIT - len(PDF))
    data = multipart("bilan.pdf", content)
    response = send(
        world.browse(world.member), web_routes(world)["document"], SlowBody(data), length=len(data)
    )
    assert response.status_code == 302
    data = multipart("bilan-2.pdf", content)
    response = send(
        Client(),
        api_routes(world)["document"],
        SlowBody(data),
        length=len(data),
        headers=token_headers(world.member),
    )
    assert response.status_code == 201, response.content
    assert sorted(Document.objects.values_list("size", flat=True)) == [LIMIT, LIMIT]


def test_an_email_under_the_limit_is_logged(world: World) -> None:
    raw = eml(body="x" * 1000)
    data = multipart("message.eml", raw)
    response = send(
        world.browse(world.member), web_routes(world)["email"], SlowBody(data), length=len(data)
    )
    assert response.status_code == 302
    assert TimelineItem.objects.filter(kind="email").count() == 1


# --- the avatar routes take an avatar, not a document ---------------------------------------


def avatar_routes(world: World) -> dict[str, str]:
    return {
        "page": reverse("contacts:change", args=[world.client.pk, "avatar"]),
        "api": f"/api/v1/contacts/{world.client.pk}/avatar",
    }


def send_avatar(world: World, route: str, body: SlowBody, length: int) -> Any:
    if route == "page":
        return send(world.browse(world.member), avatar_routes(world)[route], body, length=length)
    headers = token_headers(world.member)
    return send(Client(), avatar_routes(world)[route], body, length=length, headers=headers)


@pytest.mark.parametrize("route", ["page", "api"])
def test_an_avatar_route_refuses_a_body_announced_past_the_avatar_limit_unread(
    world: World, settings: Any, route: str
) -> None:
    # Before, these routes read up to the document limit (25 MB) before the 2 MB one applied.
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    data = multipart("photo.png", image("PNG") + b"0" * (AVATAR_MAX_BYTES + FORM_ALLOWANCE))
    body = SlowBody(data, piece=256 * 1024)
    response = send_avatar(world, route, body, len(data))
    assert response.status_code == 413
    assert "Le fichier dépasse la limite de 2 Mo." in response.content.decode()
    assert body.read_so_far == 0
    assert not Contact.objects.get(pk=world.client.pk).avatar


@pytest.mark.parametrize("route", ["page", "api"])
def test_an_avatar_route_stops_reading_once_the_file_passes_the_avatar_limit(
    world: World, settings: Any, route: str
) -> None:
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    # Announced within the avatar limit and the form's allowance: only the count stops it.
    data = multipart("photo.png", image("PNG") + b"0" * (AVATAR_MAX_BYTES + 60_000))
    body = SlowBody(data)
    response = send_avatar(world, route, body, len(data))
    assert response.status_code == 413
    assert "Le fichier dépasse la limite de 2 Mo." in response.content.decode()
    assert body.read_so_far < len(data)
    assert not Contact.objects.get(pk=world.client.pk).avatar


def test_a_document_route_still_takes_a_document_larger_than_an_avatar(
    world: World, settings: Any
) -> None:
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    data = multipart("bilan.pdf", PDF + b"0" * (AVATAR_MAX_BYTES + FORM_ALLOWANCE))
    response = send(
        Client(),
        api_routes(world)["document"],
        SlowBody(data, piece=256 * 1024),
        length=len(data),
        headers=token_headers(world.member),
    )
    assert response.status_code == 201, response.content[:300]


# --- a refusal speaks the caller's language ---------------------------------------------------


def test_an_api_refusal_speaks_the_token_colleagues_language_when_no_header_says_one(
    world: World,
) -> None:
    # Before, only Accept-Language counted: a token caller without it read French.
    world.member.language = "en"
    world.member.save(update_fields=["language"])
    data = multipart("enorme.pdf", PDF + b"0" * (3 * LIMIT))
    url = api_routes(world)["document"]
    response = send(
        Client(), url, SlowBody(data), length=len(data), headers=token_headers(world.member)
    )
    assert assert_problem(response, 413)["detail"] == "The file exceeds the 98 kB limit."
    assert response["Content-Language"] == "en"
    response = send(Client(), url, SlowBody(data), length=None, headers=token_headers(world.member))
    assert assert_problem(response, 411)["detail"].startswith("Send the size of the body")
    # Accept-Language still comes first, and a session is the colleague too.
    headers = token_headers(world.member, language="fr")
    response = send(Client(), url, SlowBody(data), length=len(data), headers=headers)
    assert assert_problem(response, 413)["detail"] == "Le fichier dépasse la limite de 98 ko."
    response = send(world.browse(world.member), url, SlowBody(data), length=len(data))
    assert assert_problem(response, 413)["detail"] == "The file exceeds the 98 kB limit."


def test_an_api_refusal_to_an_unknown_token_is_in_french(world: World) -> None:
    world.member.language = "en"
    world.member.save(update_fields=["language"])
    data = multipart("enorme.pdf", PDF + b"0" * (3 * LIMIT))
    headers = {"Authorization": "Bearer pf_inconnu_0000000000000000000000000000000000000000000"}
    response = send(
        Client(), api_routes(world)["document"], SlowBody(data), length=len(data), headers=headers
    )
    assert assert_problem(response, 413)["detail"] == "Le fichier dépasse la limite de 98 ko."
