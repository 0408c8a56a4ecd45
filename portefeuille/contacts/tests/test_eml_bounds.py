"""An .eml costs what its size says, whatever it holds: past the reader's bounds (headers,
parts, nesting, recipients) it is refused clearly, in the caller's language, with nothing
written; a long list of attachments not kept is cut in the answers (docs/uploads.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import mime, timeline
from portefeuille.contacts.models import Document, TimelineItem

from .timeline_samples import EXE, World, eml, make_world

pytestmark = pytest.mark.django_db

HEAD = (
    b"From: elodie@exemple.fr\r\nTo: contact@cabinet.fr\r\nSubject: Bilan\r\nMIME-Version: 1.0\r\n"
)


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture(autouse=True)
def french() -> Any:
    with translation.override("fr"):
        yield


@pytest.fixture
def world() -> World:
    return make_world()


def many_parts(count: int) -> bytes:
    part = b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nx\r\n"
    return HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + part * count + b"--b--\r\n"


def nested(levels: int) -> bytes:
    """Multiparts inside multiparts, `levels` deep, a text at the bottom."""
    opening = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level, level + 1)
        for level in range(levels - 1)
    )
    bottom = b"--b%d\r\nContent-Type: text/plain\r\n\r\ntexte\r\n" % (levels - 1)
    return HEAD + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + opening + bottom


def refusal_code(raw: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        timeline.parse_eml(raw)
    return str(refused.value.error_dict["file"][0].code)


def test_an_eml_of_thousands_of_parts_is_refused_while_it_is_read() -> None:
    # Before, the email package built every part: 100,000 of them took 17 s and 150 MB.
    assert refusal_code(many_parts(mime.MAX_PARTS + 1)) == "email_too_many_parts"
    assert len(timeline.parse_eml(many_parts(mime.MAX_PARTS - 1)).attachments) == 499


def test_multiparts_nested_past_the_bound_are_refused() -> None:
    assert refusal_code(nested(mime.MAX_DEPTH + 1)) == "email_too_deep"
    assert timeline.parse_eml(nested(mime.MAX_DEPTH)).body == "texte"


def test_a_header_section_over_256_kb_is_refused_before_it_is_parsed() -> None:
    raw = HEAD + b"X-Long: " + b"a" * mime.MAX_HEADER_BYTES + b"\r\n\r\nCorps\r\n"
    with pytest.raises(ValidationError) as refused:
        timeline.parse_eml(raw)
    assert refused.value.error_dict["file"][0].code == "email_headers_too_large"
    assert refused.value.messages == [
        "Les en-têtes de cet e-mail dépassent 256 ko : il n'est pas accepté."
    ]


def test_the_headers_of_all_the_parts_are_bounded_together() -> None:
    # 400 parts of 3 KB of headers each: every section is small, all of them are not.
    part = b"--b\r\n" + b"X-Filler: " + b"f" * 3000 + b"\r\n\r\nx\r\n"
    raw = HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + part * 400 + b"--b--\r\n"
    assert refusal_code(raw) == "email_all_headers_too_large"


def test_more_than_a_thousand_recipients_are_refused() -> None:
    # Before, To, Cc and Bcc were parsed whatever their size: 20,000 addresses took 2 s.
    to = b", ".join(b"Associe %d <associe%d@exemple.fr>" % (n, n) for n in range(600))
    cc = b", ".join(b"copie%d@exemple.fr" % n for n in range(401))
    raw = b"From: elodie@exemple.fr\r\nTo: " + to + b"\r\nCc: " + cc + b"\r\nSubject: x\r\n\r\n"
    assert refusal_code(raw) == "email_too_many_recipients"
    kept = raw.replace(b", copie400@exemple.fr", b"")
    assert len(timeline.parse_eml(kept).recipients) == mime.MAX_RECIPIENTS


def test_a_refused_eml_says_why_on_the_page_and_in_the_api_and_writes_nothing(
    world: World,
) -> None:
    raw = many_parts(mime.MAX_PARTS + 1)
    page = world.browse(world.member).post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", raw)},
    )
    assert page.status_code == 400
    assert "Cet e-mail compte plus de 500 parties : il n&#x27;est pas accepté." in (
        page.content.decode()
    )
    response = world.browse(world.member).post(
        f"/api/v1/contacts/{world.client.pk}/timeline/emails",
        {"file": SimpleUploadedFile("message.eml", raw)},
        headers=token_headers(world.member, language="en"),
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {"loc": ["body", "file"], "msg": "This e-mail has more than 500 parts: it is not accepted."}
    ]
    assert not TimelineItem.objects.exists()
    assert not Document.objects.exists()
    assert not AuditEvent.objects.filter(action="timeline.email_logged").exists()


def test_the_text_kept_is_bounded_and_says_it_was_cut() -> None:
    # Before, every character was kept, searched and shown: 8 MB of text cost 0.6 s to log.
    raw = HEAD + b"\r\n" + b"ligne\r\n" * 200_000
    body = timeline.parse_eml(raw).body
    assert body.endswith("\n[…]")
    assert len(body) == timeline.EMAIL_BODY_MAX_CHARS + len("\n[…]")
    html = b"<p>" + b"a" * timeline.HTML_MAX_CHARS + b"</p><p>au-del\xc3\xa0</p>"
    raw = HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html
    assert "au-delà" not in timeline.parse_eml(raw).body


# --- attachments not kept: the answers name the first 20 -----------------------------------


def refused_attachments(count: int) -> bytes:
    return eml(attachments=[(f"piece-{n}.pdf", EXE, "application/pdf") for n in range(count)])


def test_the_page_names_twenty_attachments_not_kept_and_counts_the_others(world: World) -> None:
    raw = refused_attachments(timeline.SKIPPED_LISTED + 12)
    browser = world.browse(world.member)
    response = browser.post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", raw)},
        follow=True,
    )
    text = response.content.decode()
    assert "piece-19.pdf" in text
    assert "piece-20.pdf" not in text
    assert "Et 12 autres." in text
    world.member.language = "en"
    world.member.save(update_fields=["language"])
    TimelineItem.objects.all().delete()
    text = browser.post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", refused_attachments(22))},
        follow=True,
    ).content.decode()
    assert "And 2 others." in text


def test_the_api_details_twenty_attachments_not_kept_and_counts_the_others(
    world: World,
) -> None:
    response = world.browse(world.member).post(
        f"/api/v1/contacts/{world.client.pk}/timeline/emails",
        {"file": SimpleUploadedFile("message.eml", refused_attachments(31))},
        headers=token_headers(world.member, language="en"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped_attachments"] == [f"piece-{n}.pdf" for n in range(20)]
    assert [detail["name"] for detail in body["skipped_details"]] == body["skipped_attachments"]
    assert body["skipped_details"][0]["reason"].startswith("This file type is not accepted")
    assert body["skipped_others"] == 11


def test_a_few_attachments_not_kept_are_all_named(world: World) -> None:
    logged = timeline.log_email(
        actor=world.member,
        client=world.client,
        file=io.BytesIO(raw := refused_attachments(3)),
        size=len(raw),
    )
    assert [skipped.name for skipped in logged.listed] == logged.skipped
    assert logged.others == 0
