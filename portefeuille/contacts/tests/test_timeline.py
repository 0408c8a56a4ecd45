"""The timeline: sanitised Markdown notes, the merge of notes, e-mails and events newest
first with keyset paging, filters and accent-insensitive search, client groups showing only
their own items, the "share communication" switch, and the 404 of every page for a
colleague without full access."""

from __future__ import annotations

import datetime
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from portefeuille.api import pagination
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import record_event
from portefeuille.contacts import documents, timeline
from portefeuille.contacts.models import Contact, Document, TimelineItem
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import (
    ClientGroupFactory,
    ColleagueFactory,
    GroupMembershipFactory,
    PersonFactory,
)

from .timeline_samples import PDF, World, eml, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    return media_root


@pytest.fixture
def world() -> World:
    return make_world()


def note_at(
    world: World, body: str, when: datetime.datetime, client: Contact | None = None
) -> TimelineItem:
    note = timeline.add_note(actor=world.member, client=client or world.client, body=body)
    TimelineItem.objects.filter(pk=note.pk).update(occurred_at=when)
    note.refresh_from_db()
    return note


def log_email(
    world: World, raw: bytes, actor: Colleague | None = None, client: Contact | None = None
) -> TimelineItem:
    return timeline.log_email(
        actor=actor or world.member,
        client=client or world.client,
        file=io.BytesIO(raw),
        size=len(raw),
    ).item


def read(world: World, actor: Colleague | None = None, **kwargs: Any) -> list[tuple[str, int]]:
    page = timeline.read_timeline(actor or world.member, world.client, **kwargs)
    return [(entry.type, entry.pk) for entry in page.entries]


# --- Markdown -------------------------------------------------------------------------


def test_markdown_is_rendered() -> None:
    html = timeline.render_markdown(
        "**Bilan** prêt, voir [le site](https://exemple.fr)\n\n- un\n- deux"
    )
    assert "<strong>Bilan</strong>" in html
    assert '<a href="https://exemple.fr" rel="noopener noreferrer nofollow">le site</a>' in html
    assert "<li>un</li>" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert('x')</script>",
        "[cliquez](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">lien</a>',
        "[x](JaVaScRiPt:alert(1))",
        "![image](javascript:alert(1))",
        "<iframe src='https://exemple.fr'></iframe>",
    ],
)
def test_a_note_with_script_or_javascript_links_is_rendered_harmless(markdown: str) -> None:
    found = Elements()
    found.feed(str(timeline.render_markdown(markdown)))
    assert not {"script", "img", "iframe"} & {tag for tag, _attrs in found.elements}
    for _tag, attrs in found.elements:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")


class Elements(HTMLParser):
    """Every element of an HTML fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def test_the_markdown_is_stored_as_written(world: World) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="<script>x</script>")
    note.refresh_from_db()
    assert note.body == "<script>x</script>"


def test_a_note_with_script_shows_as_text_on_the_page(world: World) -> None:
    timeline.add_note(
        actor=world.member, client=world.client, body="<script>alert('pirate')</script>"
    )
    text = (
        world.browse(world.member)
        .get(reverse("contacts:timeline", args=[world.client.pk]))
        .content.decode()
    )
    assert "<script>alert('pirate')</script>" not in text
    assert "&lt;script&gt;alert" in text


# --- notes ----------------------------------------------------------------------------


def test_add_edit_delete_a_note_each_audited(world: World) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="  Premier rendez-vous ")
    assert note.body == "Premier rendez-vous"
    assert note.author == world.member
    timeline.edit_note(actor=world.member, note=note, body="Premier rendez-vous fixé")
    note.refresh_from_db()
    assert note.body == "Premier rendez-vous fixé"
    assert "premier rendez-vous fixe" in note.search_text
    timeline.delete_item(actor=world.member, item=note)
    assert not TimelineItem.objects.exists()
    actions = list(
        AuditEvent.objects.filter(client=world.client)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["timeline.note_added", "timeline.note_edited", "timeline.note_deleted"]


def test_an_empty_note_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        timeline.add_note(actor=world.member, client=world.client, body="   ")
    assert refused.value.message_dict == {"body": ["Écrivez le texte de la note."]}
    assert not TimelineItem.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_email_cannot_be_edited(world: World) -> None:
    item = log_email(world, eml())
    with pytest.raises(PermissionDenied):
        timeline.edit_note(actor=world.member, note=item, body="autre")


def test_deleting_an_email_keeps_its_attachments_as_documents(world: World) -> None:
    item = log_email(world, eml(attachments=[("a.pdf", PDF, "application/pdf")]))
    timeline.delete_item(actor=world.member, item=item)
    document = Document.objects.get()
    assert document.email is None
    assert AuditEvent.objects.filter(action="timeline.email_deleted").count() == 1


def test_a_colleague_without_full_access_changes_nothing(world: World) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="Secret")
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        timeline.add_note(actor=world.outsider, client=world.client, body="Intrus")
    with pytest.raises(PermissionDenied):
        timeline.edit_note(actor=world.outsider, note=note, body="Intrus")
    with pytest.raises(PermissionDenied):
        timeline.delete_item(actor=world.outsider, item=note)
    note.refresh_from_db()
    assert note.body == "Secret"
    assert TimelineItem.objects.count() == 1
    assert AuditEvent.objects.count() == events


# --- the read: merge, paging, filters, search -----------------------------------------


def test_notes_emails_and_events_are_merged_newest_first(world: World) -> None:
    base = timezone.now() - datetime.timedelta(days=10)
    old_note = note_at(world, "Ancienne note", base)
    email = log_email(
        world, eml(date=(base + datetime.timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0000"))
    )
    event = record_event(
        actor=world.member,
        action="client.manager_changed",
        client=world.client,
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=base + datetime.timedelta(days=2))
    new_note = note_at(world, "Nouvelle note", base + datetime.timedelta(days=3))
    assert read(world) == [
        ("note", new_note.pk),
        ("event", event.pk),
        ("email", email.pk),
        ("note", old_note.pk),
    ]


def test_the_note_added_and_email_logged_events_are_not_repeated(world: World) -> None:
    timeline.add_note(actor=world.member, client=world.client, body="Une note")
    log_email(world, eml())
    assert [kind for kind, _pk in read(world)].count("event") == 0
    assert AuditEvent.objects.filter(client=world.client).count() == 2


def test_keyset_paging_walks_every_entry_once_even_with_equal_times(world: World) -> None:
    moment = timezone.now() - datetime.timedelta(hours=1)
    notes = [note_at(world, f"Note {n}", moment) for n in range(5)]
    events = []
    for _ in range(4):
        event = record_event(actor=world.member, action="x.y", client=world.client)
        AuditEvent.objects.filter(pk=event.pk).update(created_at=moment)
        events.append(event)
    seen: list[tuple[str, int]] = []
    cursor = None
    pages = 0
    while True:
        page = timeline.read_timeline(world.member, world.client, cursor=cursor, limit=2)
        seen += [(entry.type, entry.pk) for entry in page.entries]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = timeline.parse_cursor(pagination.encode_cursor(page.next_cursor))
    expected = [("note", n.pk) for n in reversed(notes)] + [
        ("event", e.pk) for e in reversed(events)
    ]
    assert seen == expected
    assert pages == 5


def test_filter_by_type(world: World) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="Une note")
    email = log_email(world, eml())
    event = record_event(actor=world.member, action="x.y", client=world.client)
    assert read(world, types=["note"]) == [("note", note.pk)]
    assert read(world, types=["email"]) == [("email", email.pk)]
    assert read(world, types=["event"]) == [("event", event.pk)]


def test_search_ignores_accents_and_case_and_reaches_event_sentences(world: World) -> None:
    note = timeline.add_note(
        actor=world.member, client=world.client, body="Relevé de la TVA à déposer"
    )
    email = log_email(world, eml(subject="Écritures de clôture"))
    event = record_event(
        actor=world.member,
        action="client.privacy_changed",
        client=world.client,
        before={"privacy": "private"},
        after={"privacy": "public"},
    )
    timeline.add_note(actor=world.member, client=world.client, body="Autre chose")
    assert read(world, query="releve tva") == [("note", note.pk)]
    assert read(world, query="ECRITURES cloture") == [("email", email.pk)]
    assert read(world, query="prive") == [("event", event.pk)]
    assert read(world, query="introuvable") == []


def test_a_group_timeline_shows_only_its_own_items_not_its_members(world: World) -> None:
    group = ClientGroupFactory.create(
        firm=world.firm, manager=world.member, privacy=Privacy.PRIVATE
    )
    GroupMembershipFactory.create(group=group, member=world.client)
    member_note = timeline.add_note(actor=world.member, client=world.client, body="Note du membre")
    log_email(world, eml())
    record_event(actor=world.member, action="x.y", client=world.client)
    group_note = timeline.add_note(actor=world.member, client=group, body="Note du groupe")
    page = timeline.read_timeline(world.member, group)
    assert [(entry.type, entry.pk) for entry in page.entries] == [("note", group_note.pk)]
    assert member_note.pk not in [entry.pk for entry in page.entries]


# --- share communication --------------------------------------------------------------


def test_when_communication_is_not_shared_emails_are_for_their_author_and_admins(
    world: World,
) -> None:
    colleague = ColleagueFactory.create(firm=world.firm)
    world.client.privacy = Privacy.PUBLIC
    world.client.share_communication = False
    world.client.save()
    email = log_email(world, eml(attachments=[("a.pdf", PDF, "application/pdf")]))
    note = timeline.add_note(actor=world.member, client=world.client, body="Note partagée")
    document = Document.objects.get()

    assert ("email", email.pk) in read(world, actor=world.member)
    assert ("email", email.pk) in read(world, actor=world.admin)
    assert read(world, actor=colleague) == [("note", note.pk)]
    assert list(documents.visible_documents(colleague, world.client)) == []
    assert list(documents.visible_documents(world.admin, world.client)) == [document]
    browser = world.browse(colleague)
    page = browser.get(reverse("contacts:timeline", args=[world.client.pk])).content.decode()
    assert "Bilan 2025" not in page
    assert "La communication de cette personne n\u2019est pas partagée" in page
    download = reverse("contacts:document_download", args=[world.client.pk, document.pk])
    assert browser.get(download).status_code == 404
    delete = reverse("contacts:timeline_item_delete", args=[world.client.pk, email.pk])
    assert browser.post(delete).status_code == 404
    assert TimelineItem.objects.filter(pk=email.pk).exists()

    world.client.share_communication = True
    world.client.save()
    assert ("email", email.pk) in read(world, actor=colleague)


def test_deleting_an_unshared_email_takes_its_attachments_with_it(world: World) -> None:
    # Detached from their e-mail, they would be documents every colleague could open.
    colleague = ColleagueFactory.create(firm=world.firm)
    world.client.privacy = Privacy.PUBLIC
    world.client.share_communication = False
    world.client.save()
    email = log_email(world, eml(attachments=[("a.pdf", PDF, "application/pdf")]))
    timeline.delete_item(actor=world.member, item=email)
    assert not Document.objects.exists()
    assert list(documents.visible_documents(colleague, world.client)) == []


# --- pages ----------------------------------------------------------------------------


def test_timeline_page_shows_notes_emails_and_events(world: World) -> None:
    timeline.add_note(actor=world.member, client=world.client, body="Rappeler **vendredi**")
    log_email(world, eml(attachments=[("bilan.pdf", PDF, "application/pdf")]))
    record_event(
        actor=world.member,
        action="client.privacy_changed",
        client=world.client,
        before={"privacy": "private"},
        after={"privacy": "public"},
    )
    response = world.browse(world.member).get(reverse("contacts:timeline", args=[world.client.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Rappeler <strong>vendredi</strong>" in text
    assert "Bilan 2025" in text
    assert "bilan.pdf" in text
    assert "Confidentialité : Privé → Public" in text
    assert 'aria-current="page">Chronologie' in text


def test_adding_a_note_with_htmx_returns_the_form_and_the_refreshed_list(world: World) -> None:
    response = world.browse(world.member).post(
        reverse("contacts:note_add", args=[world.client.pk]),
        {"body": "Appel du client"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="note-section"' in text
    assert 'id="timeline-results" hx-swap-oob="true"' in text
    assert "Appel du client" in text
    assert "<html" not in text
    assert TimelineItem.objects.get().body == "Appel du client"


def test_an_empty_note_on_the_page_says_why(world: World) -> None:
    response = world.browse(world.member).post(
        reverse("contacts:note_add", args=[world.client.pk]), {"body": ""}, HTTP_HX_REQUEST="true"
    )
    assert "Écrivez le texte de la note." in response.content.decode()
    assert not TimelineItem.objects.exists()


def test_filtering_with_htmx_returns_only_the_results(world: World) -> None:
    timeline.add_note(actor=world.member, client=world.client, body="Déclaration annuelle")
    timeline.add_note(actor=world.member, client=world.client, body="Autre")
    response = world.browse(world.member).get(
        reverse("contacts:timeline", args=[world.client.pk]),
        {"q": "declaration", "type": "note"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="timeline-results",
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="timeline-results"')
    assert "Déclaration annuelle" in text
    assert "Autre" not in text


def test_the_page_offers_the_next_page(world: World) -> None:
    from portefeuille.contacts import views_timeline

    base = timezone.now() - datetime.timedelta(days=1)
    for n in range(views_timeline.TIMELINE_PAGE + 1):
        note_at(world, f"Note numéro {n}", base + datetime.timedelta(minutes=n))
    browser = world.browse(world.member)
    first = browser.get(reverse("contacts:timeline", args=[world.client.pk])).context
    assert first["more_url"]
    rest = browser.get(first["more_url"], HTTP_HX_REQUEST="true")
    text = rest.content.decode()
    assert "Note numéro 0</p>" in text
    assert "Note numéro 1</p>" not in text  # already on the first page
    assert "Afficher la suite" not in text


def test_edit_note_page(world: World) -> None:
    note = timeline.add_note(actor=world.member, client=world.client, body="Avant")
    browser = world.browse(world.member)
    url = reverse("contacts:note_edit", args=[world.client.pk, note.pk])
    assert "Avant" in browser.get(url).content.decode()
    assert browser.post(url, {"body": "Après"}).status_code == 302
    note.refresh_from_db()
    assert note.body == "Après"


# --- a colleague without access: the same 404 everywhere ------------------------------


def every_url(world: World) -> list[tuple[str, str]]:
    note = timeline.add_note(actor=world.member, client=world.client, body="Secret")
    document = documents.upload_document(
        actor=world.member,
        client=world.client,
        file=io.BytesIO(PDF),
        name="secret.pdf",
        size=len(PDF),
    )
    pk = world.client.pk
    return [
        ("get", reverse("contacts:timeline", args=[pk])),
        ("post", reverse("contacts:note_add", args=[pk])),
        ("post", reverse("contacts:email_upload", args=[pk])),
        ("get", reverse("contacts:note_edit", args=[pk, note.pk])),
        ("post", reverse("contacts:note_edit", args=[pk, note.pk])),
        ("post", reverse("contacts:timeline_item_delete", args=[pk, note.pk])),
        ("get", reverse("contacts:documents", args=[pk])),
        ("post", reverse("contacts:document_upload", args=[pk])),
        ("get", reverse("contacts:document_download", args=[pk, document.pk])),
        ("post", reverse("contacts:document_rename", args=[pk, document.pk])),
        ("post", reverse("contacts:document_delete", args=[pk, document.pk])),
    ]


@pytest.mark.parametrize("privacy", [Privacy.PRIVATE, Privacy.HIDDEN])
def test_a_colleague_without_access_gets_404_on_every_timeline_and_document_url(
    world: World, privacy: str
) -> None:
    world.client.privacy = privacy
    world.client.save()
    urls = every_url(world)
    limited = ColleagueFactory.create(firm=world.firm, scope=Colleague.Scope.LIMITED)
    foreign = ColleagueFactory.create()  # another firm, admin-free
    before = (TimelineItem.objects.count(), Document.objects.count(), AuditEvent.objects.count())
    for colleague in (world.outsider, limited, foreign):
        browser = world.browse(colleague)
        for method, url in urls:
            if method == "get":
                response = browser.get(url)
            else:
                response = browser.post(
                    url,
                    {
                        "body": "intrus",
                        "name": "intrus.pdf",
                        "file": SimpleUploadedFile("a.pdf", PDF),
                    },
                )
            assert response.status_code == 404, (colleague, method, url)
    assert (
        TimelineItem.objects.count(),
        Document.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    # ...and the same URLs with an unknown contact id are the same 404 for the member.
    browser = world.browse(world.member)
    assert browser.get(reverse("contacts:timeline", args=[999999])).status_code == 404


def test_a_person_of_another_contact_cannot_reach_a_note_through_their_own_contact(
    world: World,
) -> None:
    other = PersonFactory.create(firm=world.firm, manager=world.member)
    note = timeline.add_note(actor=world.member, client=world.client, body="Secret")
    browser = world.browse(world.member)
    assert browser.get(reverse("contacts:note_edit", args=[other.pk, note.pk])).status_code == 404
    assert (
        browser.post(reverse("contacts:timeline_item_delete", args=[other.pk, note.pk])).status_code
        == 404
    )
    assert TimelineItem.objects.filter(pk=note.pk).exists()
