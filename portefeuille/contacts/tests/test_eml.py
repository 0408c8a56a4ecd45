"""Logging an e-mail from an .eml: what is read from it, what becomes a document, and what
is refused (a malformed .eml, a file that is no e-mail) with nothing written."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pytest_django import Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import timeline
from portefeuille.contacts.models import Document, TimelineItem
from portefeuille.testing.history import sentence

from .timeline_samples import EXE, PDF, World, eml, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture
def world() -> World:
    return make_world()


def log(world: World, raw: bytes) -> timeline.LoggedEmail:
    return timeline.log_email(
        actor=world.member, client=world.client, file=io.BytesIO(raw), size=len(raw)
    )


def nothing_written() -> bool:
    return (
        not TimelineItem.objects.exists()
        and not Document.objects.exists()
        and not AuditEvent.objects.filter(action="timeline.email_logged").exists()
    )


def test_sender_recipients_subject_date_and_body_are_read(world: World) -> None:
    raw = eml(cc="Paul Martin <paul@exemple.fr>, compta@exemple.fr")
    item = log(world, raw).item
    item.refresh_from_db()
    assert item.kind == TimelineItem.Kind.EMAIL
    assert item.subject == "Bilan 2025"
    assert item.sender == "Élodie Lefèvre <elodie@exemple.fr>"
    assert item.recipients == [
        "Cabinet <contact@cabinet.fr>",
        "Paul Martin <paul@exemple.fr>",
        "compta@exemple.fr",
    ]
    assert item.occurred_at == datetime.datetime(2025, 10, 14, 7, 30, tzinfo=datetime.UTC)
    assert item.body == "Bonjour,\nvoici le bilan.\nÉlodie"
    assert item.message_id == "<bilan-2025@exemple.fr>"
    assert item.author == world.member
    event = AuditEvent.objects.get(action="timeline.email_logged")
    # The history does not leak the subject, in its facts nor in its words.
    assert "Bilan" not in str(event.after)
    assert "Bilan" not in str(sentence(event, world.member))


def test_the_plain_text_part_is_preferred_over_the_html_one(world: World) -> None:
    item = log(world, eml(body="Texte brut", html="<p>Version <b>HTML</b></p>")).item
    assert item.body == "Texte brut"


def test_an_html_only_email_is_turned_into_text_without_scripts(world: World) -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Bonjour&nbsp;Marc,</p><script>alert('x')</script><p>À bientôt</p></body></html>"
    )
    item = log(world, eml(body="", html=html)).item
    assert item.body == "Bonjour Marc,\n\nÀ bientôt"
    assert "alert" not in item.body


def test_attachments_become_documents_linked_to_the_email(world: World) -> None:
    raw = eml(attachments=[("bilan.pdf", PDF, "application/pdf")])
    logged = log(world, raw)
    document = Document.objects.get()
    assert document.email == logged.item
    assert document.client == world.client
    assert (document.name, document.content_type, document.size) == (
        "bilan.pdf",
        "application/pdf",
        len(PDF),
    )
    assert logged.skipped == []


def test_an_attachment_of_a_refused_type_is_not_kept_and_is_reported(world: World) -> None:
    raw = eml(
        attachments=[
            ("bilan.pdf", PDF, "application/pdf"),
            ("facture.pdf", EXE, "application/pdf"),
        ]
    )
    logged = log(world, raw)
    assert logged.skipped == ["facture.pdf"]
    assert list(Document.objects.values_list("name", flat=True)) == ["bilan.pdf"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        PDF,
        EXE,
        b"Ceci est une simple note, pas un e-mail.\nDeuxieme ligne.\n",
        b"Subject: sans expediteur\nTo: a@exemple.fr\n\nCorps\n",
        b"From: \nTo: a@exemple.fr\nSubject: x\n\nCorps\n",
        b"From: pas une adresse\nTo: a@exemple.fr\nSubject: x\n\nCorps\n",
    ],
    ids=["empty", "pdf", "exe", "plain-text", "no-from", "empty-from", "broken-from"],
)
def test_a_malformed_eml_or_another_file_is_refused_and_nothing_written(
    world: World, raw: bytes
) -> None:
    with pytest.raises(ValidationError) as refused:
        log(world, raw)
    assert refused.value.error_dict["file"][0].code == "malformed_email"
    assert refused.value.messages[0].startswith("Ce fichier n'est pas un e-mail lisible (.eml)")
    assert nothing_written()


def test_the_same_email_cannot_be_logged_twice_on_a_contact(world: World) -> None:
    log(world, eml())
    with pytest.raises(ValidationError) as refused:
        log(world, eml(attachments=[("bilan.pdf", PDF, "application/pdf")]))
    assert refused.value.messages == ["Cet e-mail est déjà dans la chronologie de ce contact."]
    assert TimelineItem.objects.count() == 1
    assert not Document.objects.exists()


def test_a_missing_date_is_the_time_of_logging(world: World) -> None:
    before = datetime.datetime.now(tz=datetime.UTC)
    item = log(world, eml(date=None)).item
    assert item.occurred_at >= before


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=500)
def test_an_eml_over_the_limit_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        log(world, eml(body="x" * 2000))
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert nothing_written()


def test_a_colleague_without_full_access_cannot_log_an_email(world: World) -> None:
    with pytest.raises(PermissionDenied):
        timeline.log_email(
            actor=world.outsider, client=world.client, file=io.BytesIO(eml()), size=10
        )
    assert nothing_written()


def test_email_upload_page_logs_the_email_and_warns_about_skipped_attachments(
    world: World,
) -> None:
    raw = eml(attachments=[("virus.pdf", EXE, "application/pdf")])
    response = world.browse(world.member).post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", raw, content_type="message/rfc822")},
        follow=True,
    )
    text = response.content.decode()
    assert "E-mail ajouté à la chronologie." in text
    assert "Pièces jointes non conservées" in text
    assert "virus.pdf" in text
    assert "Bilan 2025" in text
    assert TimelineItem.objects.filter(kind="email").count() == 1


def test_email_upload_page_refuses_a_malformed_file_clearly(world: World) -> None:
    response = world.browse(world.member).post(
        reverse("contacts:email_upload", args=[world.client.pk]),
        {"file": SimpleUploadedFile("message.eml", PDF)},
    )
    assert response.status_code == 400
    assert "pas un e-mail lisible" in response.content.decode()
    assert nothing_written()


def test_an_mbox_export_with_a_from_line_and_an_8bit_latin1_body_is_read(world: World) -> None:
    raw = (
        b"From elodie@exemple.fr Tue Oct 14 09:30:00 2025\n"
        b"From: elodie@exemple.fr\n"
        b"To: contact@cabinet.fr\n"
        b"Subject: Re: TVA\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n"
        b"\n"
        b"D\xe9claration envoy\xe9e \x81\n"
    )
    item = log(world, raw).item
    assert item.subject == "Re: TVA"
    assert item.body.startswith("Déclaration envoyée")
