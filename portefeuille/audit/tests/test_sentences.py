"""History written for its reader: in the reader's language, and about every other contact
only what the reader may see of it (docs/history.md).

The story: Orion SA is a public organisation. Its CFO, Hélène Masquée, is a hidden person;
its partner, Paul Privé, is a private one. Sam is a staff colleague linked to none of
them: he sees Orion in full, Paul by name only, Hélène not at all. Ada, an admin, sees
everything and does the changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from portefeuille.access import services as access
from portefeuille.api.pagination import decode_cursor
from portefeuille.api.testing import token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.sentences import KINDS, action_label, show_events
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import Contact, ContactCard
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    ColleagueFactory,
    OrganizationFactory,
    PersonFactory,
    TeamFactory,
)
from portefeuille.testing.history import sentence

pytestmark = pytest.mark.django_db


@dataclass
class Story:
    ada: Colleague
    sam: Colleague
    orion: Contact
    helene: Contact
    paul: Contact
    helene_card: ContactCard
    paul_card: ContactCard


@pytest.fixture
def story() -> Story:
    ada = AdminFactory.create()
    sam = ColleagueFactory.create(firm=ada.firm)
    orion = OrganizationFactory.create(
        firm=ada.firm, display_name="Orion SA", privacy=Privacy.PUBLIC
    )
    # An id no other row of the test holds, so finding it anywhere is finding her.
    helene = PersonFactory.create(
        pk=941_001, firm=ada.firm, first_name="Hélène", last_name="Masquée", privacy=Privacy.HIDDEN
    )
    paul = PersonFactory.create(
        firm=ada.firm, first_name="Paul", last_name="Privé", privacy=Privacy.PRIVATE
    )
    helene_card = contacts.add_card(actor=ada, person=helene, organization=orion, role="CFO")
    paul_card = contacts.add_card(actor=ada, person=paul, organization=orion, role="Associé")
    return Story(ada, sam, orion, helene, paul, helene_card, paul_card)


def api_events(reader: Colleague, client: Contact, language: str = "fr") -> list[dict[str, Any]]:
    response = Client().get(
        f"/api/v1/audit-events?client={client.pk}&limit=200",
        headers=token_headers(reader, language=language),
    )
    assert response.status_code == 200, response.content
    return [event for event in response.json()["items"] if not event["action"].startswith("api")]


def browse(colleague: Colleague) -> Client:
    browser = Client()
    browser.force_login(colleague)
    return browser


def test_history_of_a_public_client_never_names_a_hidden_contact(story: Story) -> None:
    events = api_events(story.sam, story.orion)
    body = json.dumps(events, ensure_ascii=False)
    assert story.helene.pk not in facts(events)
    assert "Masquée" not in body
    assert "CFO" not in body
    # The card to the private person is there, by name, without its role.
    assert [event["summary"] for event in events] == ["Fiche de contact ajoutée avec Paul Privé"]
    assert "Associé" not in body


def test_admin_reads_both_cards_with_their_roles(story: Story) -> None:
    summaries = {event["summary"] for event in api_events(story.ada, story.orion)}
    assert summaries == {
        "Fiche de contact ajoutée avec Hélène Masquée (CFO)",
        "Fiche de contact ajoutée avec Paul Privé (Associé)",
    }


def test_a_renamed_role_to_a_hidden_contact_shows_nowhere_on_the_public_client(
    story: Story,
) -> None:
    contacts.update_card(actor=story.ada, card=story.helene_card, role="Directrice secrète")
    contacts.update_card(actor=story.ada, card=story.paul_card, role="Associé gérant")
    api = Client()
    headers = token_headers(story.sam)
    answers = [
        api.get(f"/api/v1/audit-events?client={story.orion.pk}", headers=headers),
        api.get(f"/api/v1/contacts/{story.orion.pk}/timeline?limit=200", headers=headers),
        browse(story.sam).get(reverse("contacts:timeline", args=[story.orion.pk])),
        browse(story.sam).get(reverse("contacts:team", args=[story.orion.pk])),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        for secret in ("Directrice secrète", "CFO", "Masquée", "Associé"):
            assert secret not in text, (answer.request["PATH_INFO"], secret)
    # Sam reads that Paul's role changed, not what it became.
    changed = AuditEvent.objects.filter(action="contact.card_changed", client=story.orion)
    assert {sentence(event, story.sam) for event in changed} == {
        None,
        "Rôle changé sur la fiche de contact avec Paul Privé",
    }
    assert {sentence(event, story.ada) for event in changed} == {
        "Rôle sur la fiche de contact avec Hélène Masquée : CFO → Directrice secrète",
        "Rôle sur la fiche de contact avec Paul Privé : Associé → Associé gérant",
    }


def test_a_public_groups_history_never_carries_its_hidden_members_id(story: Story) -> None:
    group = ClientGroupFactory.create(
        firm=story.ada.firm, display_name="Famille Orion", privacy=Privacy.PUBLIC
    )
    contacts.add_group_members(actor=story.ada, group=group, members=[story.helene, story.paul])
    events = api_events(story.sam, group)
    assert story.helene.pk not in facts(events)
    assert [event["summary"] for event in events] == ["Paul Privé ajouté au groupe de clients"]
    assert [event["after"]["membership"]["member"] for event in events] == [
        {"id": story.paul.pk, "name": "Paul Privé"}
    ]


def test_a_contact_that_becomes_visible_is_named_in_its_old_events(story: Story) -> None:
    access.set_privacy(actor=story.ada, client=story.helene, privacy=Privacy.PUBLIC)
    summaries = {event["summary"] for event in api_events(story.sam, story.orion)}
    assert "Fiche de contact ajoutée avec Hélène Masquée (CFO)" in summaries


def test_history_reads_in_the_readers_language(story: Story) -> None:
    team = TeamFactory.create(firm=story.ada.firm, name="Audit")
    access.set_privacy(actor=story.ada, client=story.orion, privacy=Privacy.PRIVATE)
    access.add_client_member(actor=story.ada, client=story.orion, team=team)
    english = [event["summary"] for event in api_events(story.ada, story.orion, "en")][:2]
    assert english == ["team “Audit” added to the client team", "Privacy: Public → Private"]
    french = [event["summary"] for event in api_events(story.ada, story.orion, "fr")][:2]
    assert french == [
        "l'équipe « Audit » ajouté à l'équipe client",
        "Confidentialité : Public → Privé",
    ]
    labels = [event["label"] for event in api_events(story.ada, story.orion, "en")][:2]
    assert labels == ["Client team member added", "Privacy changed"]


def test_firm_history_shows_words_never_codes(story: Story) -> None:
    access.set_privacy(actor=story.ada, client=story.orion, privacy=Privacy.PRIVATE)
    page = browse(story.ada).get(reverse("audit:firm_history")).content.decode()
    assert "Confidentialité : Public → Privé" in page
    assert "Confidentialité changée" in page
    assert "client.privacy_changed" not in page.replace('value="client.privacy_changed"', "")
    english = browse(story.ada)
    english.cookies["django_language"] = "en"
    answer = english.get(reverse("audit:firm_history"), headers={"accept-language": "en"})
    assert "Privacy: Public → Private" in answer.content.decode()


def test_one_query_names_every_other_contact_of_a_page(
    story: Story, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(20):
        person = PersonFactory.create(firm=story.ada.firm, privacy=Privacy.PRIVATE)
        contacts.add_card(actor=story.ada, person=person, organization=story.orion, role=f"R{n}")
    events = list(AuditEvent.objects.filter(client=story.orion))
    with django_assert_max_num_queries(1):
        shown = show_events(story.sam, events)
    assert len(shown) == 21  # every card but Hélène's


def facts(events: list[dict[str, Any]]) -> list[int]:
    """Every number in the events' parameters: where a contact's id would be."""
    return [n for event in events for n in _numbers([event["before"], event["after"]])]


def _numbers(value: object) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return []


def test_every_kind_of_event_the_services_record_has_words() -> None:
    """A new kind of event must be given its label and sentence, or the history would
    show it as « Autre modification »."""
    root = Path(__file__).resolve().parents[2]
    recorded: set[str] = set()
    for source in root.rglob("*.py"):
        if "tests" in source.parts or "migrations" in source.parts:
            continue
        text = source.read_text()
        recorded.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        # Details and cards pass their action positionally to a helper.
        recorded.update(re.findall(r'^\s+"(contact\.[a-z_]+)",$', text, re.MULTILINE))
        # The firm's ordered lists build theirs: f"{action}.created" for each list.
        for verb in re.findall(r'action=f"\{action\}\.([a-z_]+)"', text):
            recorded.update(
                f"{kind}.{verb}"
                for kind in ("contact_type", "work_type", "work_status", "opportunity_stage")
            )
    assert len(recorded) > 60
    assert sorted(recorded - set(KINDS)) == []


@pytest.mark.parametrize("params", [None, {}, {"card": "?", "membership": 3, "owner": [1]}])
def test_an_event_with_missing_or_odd_facts_still_reads(story: Story, params: object) -> None:
    """Old or partial events never break a history page: every kind reads in both
    languages whatever its parameters hold."""
    for code in KINDS:
        event = AuditEvent(
            firm=story.ada.firm, action=code, client=story.orion, before=params, after=params
        )
        for language in ("fr", "en"):
            text = sentence(event, story.ada, language)
            assert text, (code, language)
            assert "%(" not in text, (code, text)


def test_a_change_of_primary_contact_to_a_hidden_person_is_not_told(story: Story) -> None:
    contacts.update_contact(
        actor=story.ada,
        contact=story.orion,
        website="https://orion.example",
        primary_contact=story.helene,
    )
    contacts.update_contact(actor=story.ada, contact=story.orion, primary_contact=story.paul)
    updates = [e for e in api_events(story.sam, story.orion) if e["action"] == "client.updated"]
    # The change from Hélène to Paul names Hélène: Sam does not read it at all; of the
    # first change he reads only the website.
    assert [e["summary"] for e in updates] == ["Détails modifiés : site web"]
    assert updates[0]["after"] == {"website": "https://orion.example"}
    assert story.helene.pk not in facts(updates)
    admin_updates = [
        e for e in api_events(story.ada, story.orion) if e["action"] == "client.updated"
    ]
    assert [e["summary"] for e in admin_updates] == [
        "Détails modifiés : contact principal",
        "Détails modifiés : site web, contact principal",
    ]
    assert admin_updates[0]["before"]["primary_contact"]["name"] == "Hélène Masquée"


def test_paging_the_history_leaves_no_trace_of_events_left_out(story: Story) -> None:
    contacts.update_card(actor=story.ada, card=story.helene_card, role="Secrète")
    contacts.update_card(actor=story.ada, card=story.paul_card, role="Gérant")
    api, headers = Client(), token_headers(story.sam)
    shown: list[int] = []
    cursors: list[int] = []
    url = f"/api/v1/audit-events?client={story.orion.pk}&limit=1"
    while url:
        body = api.get(url, headers=headers).json()
        assert len(body["items"]) == 1  # pages are filled with events shown, never empty
        shown += [event["id"] for event in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        cursors.append(decode_cursor(cursor, 2)[1])
        url = f"/api/v1/audit-events?client={story.orion.pk}&limit=1&cursor={cursor}"
    helene_events = set(
        AuditEvent.objects.filter(
            client=story.orion,
            action__startswith="contact.card",
            before__card__id=story.helene_card.pk,
        ).values_list("pk", flat=True)
    ) | set(
        AuditEvent.objects.filter(
            client=story.orion,
            action__startswith="contact.card",
            after__card__id=story.helene_card.pk,
        ).values_list("pk", flat=True)
    )
    assert len(helene_events) == 2
    assert not helene_events & (set(shown) | set(cursors))
    assert set(cursors) <= set(shown)
    assert len(shown) == 2  # Paul's card, added then changed


def test_the_events_own_client_is_named_in_its_own_facts(story: Story) -> None:
    events = api_events(story.sam, story.orion)
    assert events[0]["after"]["card"]["organization"] == {"id": story.orion.pk, "name": "Orion SA"}


def test_every_kind_of_event_has_its_own_label_in_each_language() -> None:
    for language in ("fr", "en"):
        with translation.override(language):
            labels = [action_label(code) for code in KINDS]
        assert len(set(labels)) == len(labels), language


def test_a_logged_emails_ids_are_facts_for_admins_only(story: Story) -> None:
    event = AuditEvent.objects.create(
        firm=story.ada.firm,
        actor=story.ada,
        client=story.orion,
        action="timeline.email_logged",
        after={"id": 941_777, "attachments": [941_778], "skipped": 0},
    )
    with translation.override("fr"):
        [for_sam] = show_events(story.sam, [event])
    assert (for_sam.summary, for_sam.before, for_sam.after) == (
        "E-mail ajouté à la chronologie",
        None,
        None,
    )
    [for_ada] = show_events(story.ada, [event])
    assert for_ada.after == {"id": 941_777, "attachments": [941_778], "skipped": 0}
