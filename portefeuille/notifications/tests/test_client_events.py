"""A client's account managers (its owner's colleague and its manager) are told when a note
or a document is added to their client by someone else — and only while they see it in
full, and never when deactivated (docs/notifications.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from pytest_django import Settings

from portefeuille.access.models import ClientMember
from portefeuille.contacts import documents, timeline
from portefeuille.firms.models import Privacy
from portefeuille.notifications.reading import readable, show, with_level
from portefeuille.testing.factories import (
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Settings, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_owner_and_the_manager_hear_of_a_note_and_a_document(
    django_capture_on_commit_callbacks: Any,
) -> None:
    firm = FirmFactory.create()
    owner, manager, writer = (ColleagueFactory.create(firm=firm) for _ in range(3))
    client = ClientFactory.create(
        firm=firm,
        privacy=Privacy.PRIVATE,
        owner=OwnerEntryFactory.create(firm=firm, colleague=owner),
        manager=manager,
    )
    ClientMember.objects.create(firm=firm, client=client, colleague=writer)
    with django_capture_on_commit_callbacks(execute=True):
        timeline.add_note(actor=writer, client=client, body="Appel du gérant")
        documents.upload_document(
            actor=writer, client=client, file=io.BytesIO(PDF), name="bilan.pdf", size=len(PDF)
        )
    for reader in (owner, manager):
        texts = [n.text for n in show(reader, with_level(reader, readable(reader)))]
        assert texts == [
            f"Un document a été ajouté à {client.display_name}.",
            f"Une note a été ajoutée à {client.display_name}.",
        ]
    # The writer is not told of their own note; the e-mails went to the two others only.
    assert not readable(writer).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, manager.email] * 2)


def test_a_deactivated_manager_is_not_told() -> None:
    firm = FirmFactory.create()
    manager, writer = ColleagueFactory.create(firm=firm), ColleagueFactory.create(firm=firm)
    client = ClientFactory.create(firm=firm, privacy=Privacy.PUBLIC, manager=manager)
    ClientMember.objects.create(firm=firm, client=client, colleague=writer)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    timeline.add_note(actor=writer, client=client, body="Note")
    assert not readable(manager).exists()
