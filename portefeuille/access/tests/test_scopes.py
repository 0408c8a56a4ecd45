"""The access door is literal: `visible_to` on clients and on the records that hang off a
client decides by itself, whoever calls it (docs/access-rules.md)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from portefeuille.access import rules, scopes
from portefeuille.access.rules import Level
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.queries import readable_events
from portefeuille.contacts import documents, timeline
from portefeuille.contacts.models import Contact, Document, TimelineItem
from portefeuille.contacts.tests.timeline_samples import PDF, World, eml, make_world
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import (
    AdminFactory,
    ColleagueFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def _note_and_document(world: World) -> tuple[TimelineItem, Document]:
    note = timeline.add_note(actor=world.member, client=world.client, body="Bilan")
    document = documents.upload_document(
        actor=world.member, client=world.client, file=io.BytesIO(PDF), name="b.pdf", size=len(PDF)
    )
    return note, document


def _log(world: World, author: Colleague, message_id: str) -> TimelineItem:
    raw = eml(message_id=message_id, attachments=[("pj.pdf", PDF, "application/pdf")])
    upload = SimpleUploadedFile("m.eml", raw)
    return timeline.log_email(actor=author, client=world.client, file=upload, size=len(raw)).item


@pytest.mark.parametrize(
    ("privacy", "seen"),
    [(Privacy.PUBLIC, True), (Privacy.PRIVATE, False), (Privacy.HIDDEN, False)],
)
def test_notes_and_documents_are_read_with_full_access_only(
    world: World, privacy: str, seen: bool
) -> None:
    note, document = _note_and_document(world)
    Contact.objects.filter(pk=world.client.pk).update(privacy=privacy)
    # The outsider (no link): full on public, name only on private, nothing on hidden.
    outsider = world.outsider
    assert list(TimelineItem.objects.visible_to(outsider)) == ([note] if seen else [])
    assert list(Document.objects.visible_to(outsider)) == ([document] if seen else [])
    assert bool(list(AuditEvent.objects.visible_to(outsider))) is seen
    for full in (world.member, world.admin):
        assert list(TimelineItem.objects.visible_to(full)) == [note]
        assert list(Document.objects.visible_to(full)) == [document]


@pytest.mark.parametrize("privacy", [Privacy.PRIVATE, Privacy.HIDDEN])
def test_visible_items_returns_nothing_to_a_colleague_without_full_access_even_called_directly(
    world: World, privacy: str
) -> None:
    _note_and_document(world)
    Contact.objects.filter(pk=world.client.pk).update(privacy=privacy)
    client = Contact.objects.get(pk=world.client.pk)
    assert list(timeline.visible_items(world.outsider, client)) == []
    assert list(documents.visible_documents(world.outsider, client)) == []
    page = timeline.read_timeline(world.outsider, client)
    assert page.entries == []
    assert list(timeline.visible_items(world.member, client)) != []


def test_records_are_read_in_full_only() -> None:
    colleague = ColleagueFactory.create()
    for model in (TimelineItem, Document):
        with pytest.raises(ValueError, match="FULL access only"):
            model.objects.visible_to(colleague, Level.NAME)


def test_a_deactivated_or_foreign_colleague_reads_no_record(world: World) -> None:
    _note_and_document(world)
    foreign_admin = AdminFactory.create()
    world.member.is_active = False
    for colleague in (world.member, foreign_admin):
        assert not TimelineItem.objects.visible_to(colleague).exists()
        assert not Document.objects.visible_to(colleague).exists()
        assert not AuditEvent.objects.visible_to(colleague).exists()
        assert not Contact.objects.visible_to(colleague).exists()


def test_the_share_communication_rule_hides_emails_and_their_attachments(world: World) -> None:
    Contact.objects.filter(pk=world.client.pk).update(privacy=Privacy.PUBLIC)
    world.client.refresh_from_db()
    email = _log(world, world.member, "<one@exemple.fr>")
    Contact.objects.filter(pk=world.client.pk).update(share_communication=False)
    attachment = Document.objects.get(email=email)
    # The outsider sees the (public) client in full, but not the e-mail logged by another.
    assert list(TimelineItem.objects.visible_to(world.outsider)) == []
    assert list(Document.objects.visible_to(world.outsider)) == []
    for reader in (world.member, world.admin):  # who logged it, an admin
        assert list(TimelineItem.objects.visible_to(reader)) == [email]
        assert list(Document.objects.visible_to(reader)) == [attachment]


def test_share_communication_concerns_persons_only() -> None:
    organization = OrganizationFactory.create(share_communication=False)
    person = PersonFactory.create(share_communication=False)
    assert scopes.emails_shared(organization)
    assert not scopes.emails_shared(person)
    assert scopes.emails_shared(PersonFactory.create(share_communication=True))


def test_the_rule_reads_the_stored_values_of_the_models() -> None:
    assert scopes.EMAIL_KIND == TimelineItem.Kind.EMAIL
    assert scopes.PERSON_KIND == Contact.Kind.PERSON


def test_history_is_read_through_the_door(world: World) -> None:
    _note_and_document(world)
    assert not readable_events(world.outsider).exists()  # private client: name only
    assert set(readable_events(world.member)) == set(AuditEvent.objects.all())


def test_contact_visible_to_is_the_rules_door(world: World) -> None:
    hidden = PersonFactory.create(firm=world.firm, privacy=Privacy.HIDDEN)
    public = PersonFactory.create(firm=world.firm, privacy=Privacy.PUBLIC)
    outsider = world.outsider
    assert set(Contact.objects.visible_to(outsider)) == {world.client, public}
    assert set(Contact.objects.visible_to(outsider, Level.FULL)) == {public}
    assert set(Contact.objects.filter(kind="person").visible_to(outsider, Level.FULL)) == {public}
    levels = {
        row.pk: getattr(row, "access_level")  # noqa: B009 — an annotation mypy cannot see
        for row in Contact.objects.filter(firm=world.firm).with_level(outsider)
    }
    assert levels == {world.client.pk: Level.NAME, hidden.pk: Level.NONE, public.pk: Level.FULL}
    for client in (world.client, hidden, public):
        assert rules.level(outsider, client) == levels[client.pk]


def test_get_client_returns_the_row_read_through_the_door_with_the_callers_query(
    world: World,
) -> None:
    queryset = Contact.objects.select_related("manager")
    found = rules.get_client(world.member, world.client.pk, Level.FULL, queryset=queryset)
    assert found.access_level == Level.FULL
    assert found.manager == world.member
    with pytest.raises(Http404):
        rules.get_client(world.outsider, world.client.pk, Level.FULL, queryset=queryset)
    assert rules.get_client(world.outsider, world.client.pk).access_level == Level.NAME


def test_get_client_can_lock_the_row_it_checks(world: World) -> None:
    # One statement: the level checked and the row locked are the same read.
    locking = Contact.objects.select_related("owner").select_for_update(of=("self",))
    for colleague in (world.member, world.admin):
        found = rules.get_client(colleague, world.client.pk, Level.FULL, queryset=locking)
        assert found.pk == world.client.pk
    with pytest.raises(Http404):
        rules.get_client(world.outsider, world.client.pk, Level.FULL, queryset=locking)
