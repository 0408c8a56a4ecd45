"""History of a client's work read as sentences (docs/history.md, docs/work.md): every
`work_item.*` event has its words; the item's title only for readers who see the client in
full; a client group the reader does not see is never named, nor its id given.

The story: Ada, an admin, works for Orion SA, a private organisation, member of two client
groups: « Groupe Orion » (public) and « Holding Secrète » (hidden). Sam, a staff colleague,
is on Orion's team (he sees it in full) but sees the hidden group not at all. Nina is on no
team: she sees Orion by name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from portefeuille.access.models import ClientMember
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.queries import readable_events
from portefeuille.audit.sentences import show_events
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, WorkStatus
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    ColleagueFactory,
    GroupMembershipFactory,
    OrganizationFactory,
)
from portefeuille.work import services
from portefeuille.work.recurrence import create_next_item

pytestmark = pytest.mark.django_db


@dataclass
class Story:
    ada: Colleague
    sam: Colleague
    nina: Colleague
    orion: Contact
    public_group: Contact
    hidden_group: Contact


@pytest.fixture
def story() -> Story:
    ada = AdminFactory.create()
    firm = ada.firm
    orion = OrganizationFactory.create(firm=firm, display_name="Orion SA", privacy=Privacy.PRIVATE)
    public_group = ClientGroupFactory.create(firm=firm, display_name="Groupe Orion")
    hidden_group = ClientGroupFactory.create(
        firm=firm, display_name="Holding Secrète", privacy=Privacy.HIDDEN
    )
    for group in (public_group, hidden_group):
        GroupMembershipFactory.create(firm=firm, group=group, member=orion)
    sam = ColleagueFactory.create(firm=firm)
    ClientMember.objects.create(firm=firm, client=orion, colleague=sam)
    return Story(ada, sam, ColleagueFactory.create(firm=firm), orion, public_group, hidden_group)


def summaries(reader: Colleague, client: Contact) -> list[str]:
    events = readable_events(reader).filter(client=client).order_by("created_at", "id")
    with translation.override("fr"):
        return [event.summary for event in show_events(reader, events)]


def shown(reader: Colleague, event: AuditEvent) -> list[Any]:
    with translation.override("fr"):
        return [(e.summary, e.before, e.after) for e in show_events(reader, [event])]


def state(firm_id: int, primary_state: str) -> WorkStatus:
    return WorkStatus.objects.get(firm_id=firm_id, primary_state=primary_state)


def test_every_change_of_work_reads_as_a_sentence_naming_the_item(
    story: Story, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ada, orion = story.ada, story.orion
    item = services.create_work_item(
        actor=ada, client=orion, title="Bilan 2026", due_date="2026-03-31", recurrence="yearly"
    )
    services.update_work_item(actor=ada, item=item, description="Voir le **dossier**.")
    services.update_work_item(actor=ada, item=item, title="Bilan 2026 (révisé)", assignee=story.sam)
    services.update_work_item(actor=ada, item=item, recurrence="quarterly")
    task = services.add_task(actor=ada, item=item, title="Relevés bancaires")
    services.update_task(actor=ada, task=task, done=True)
    services.update_task(actor=ada, task=task, title="Relevés de banque", due_date="2026-03-01")
    services.delete_task(actor=ada, task=task)
    services.add_work_note(actor=ada, item=item, body="Le dirigeant est injoignable.")
    with django_capture_on_commit_callbacks(execute=True):
        services.move_work_item(
            actor=ada, item=item, status=state(ada.firm_id, WorkStatus.PrimaryState.COMPLETED)
        )
    successor = create_next_item(item_id=item.pk) or item.next_item
    services.delete_work_item(actor=ada, item=successor)

    assert summaries(story.sam, orion) == [
        "Élément de travail « Bilan 2026 » créé (Planifié)",
        "Élément de travail « Bilan 2026 » modifié : description",
        "Élément de travail « Bilan 2026 (révisé) » modifié : titre, assigné à",
        "Élément de travail « Bilan 2026 (révisé) » : récurrence Annuelle → Trimestrielle",
        "Tâche « Relevés bancaires » ajoutée à « Bilan 2026 (révisé) »",
        "Tâche « Relevés bancaires » de « Bilan 2026 (révisé) » cochée",
        "Tâche « Relevés de banque » de « Bilan 2026 (révisé) » modifiée : titre, échéance",
        "Tâche « Relevés de banque » retirée de « Bilan 2026 (révisé) »",
        "Note ajoutée à « Bilan 2026 (révisé) »",
        "« Bilan 2026 (révisé) » : Planifié → Terminé",
        "Élément de travail « Bilan 2026 (révisé) » créé pour la période suivante",
        "Élément de travail « Bilan 2026 (révisé) » supprimé",
    ]
    # The note's body and the description are never in the history's facts.
    for event in show_events(story.sam, readable_events(story.sam).filter(client=orion)):
        assert "injoignable" not in str((event.before, event.after))
        assert "dossier" not in str((event.before, event.after))


def test_work_history_is_not_read_by_name_only(story: Story) -> None:
    services.create_work_item(actor=story.ada, client=story.orion, title="Fusion envisagée")
    event = AuditEvent.objects.get(action="work_item.created")

    assert summaries(story.nina, story.orion) == []
    # Even handed the event directly, a reader who sees the client by name only reads none.
    assert shown(story.nina, event) == []
    assert len(shown(story.sam, event)) == 1


def test_a_hidden_client_group_an_item_names_is_never_named_nor_its_id_given(
    story: Story,
) -> None:
    item = services.create_work_item(
        actor=story.ada, client=story.orion, title="Consolidation", client_group=story.hidden_group
    )
    services.update_work_item(actor=story.ada, item=item, client_group=story.public_group)
    created, changed = AuditEvent.objects.filter(action__startswith="work_item.").order_by("id")

    [(text, _before, after)] = shown(story.sam, created)
    assert text == "Élément de travail « Consolidation » créé (Planifié)"
    assert "client_group" not in after
    assert story.hidden_group.pk not in _numbers(after)
    # The change from the hidden group to the public one is only about groups: Sam does not
    # read it at all; Ada does, with both groups named.
    assert shown(story.sam, changed) == []
    [(text, before, after)] = shown(story.ada, changed)
    assert text == "Élément de travail « Consolidation » modifié : groupe de clients"
    assert before["client_group"] == {"id": story.hidden_group.pk, "name": "Holding Secrète"}
    assert after["client_group"] == {"id": story.public_group.pk, "name": "Groupe Orion"}


def test_a_visible_client_group_is_named_with_its_current_name(story: Story) -> None:
    services.create_work_item(
        actor=story.ada, client=story.orion, title="Consolidation", client_group=story.public_group
    )
    Contact.objects.filter(pk=story.public_group.pk).update(display_name="Groupe Orion (2026)")
    [(_text, _before, after)] = shown(story.sam, AuditEvent.objects.get(action="work_item.created"))
    assert after["client_group"] == {"id": story.public_group.pk, "name": "Groupe Orion (2026)"}


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
