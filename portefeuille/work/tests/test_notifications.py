"""Notifications about work (docs/work.md, docs/notifications.md): who is told, and what the
sentence and the e-mail say when they are read — the item's title and status as they are
now, never more than the reader's level on the client, and nothing named once it is gone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from portefeuille.access.models import ClientMember
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, WorkStatus
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification
from portefeuille.notifications.reading import ShownNotification, readable, show, with_level
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
)
from portefeuille.work import services
from portefeuille.work.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


def status(firm_id: int, state: str) -> WorkStatus:
    return WorkStatus.objects.get(firm_id=firm_id, primary_state=state)


def owned_client(
    admin: Colleague, privacy: str = Privacy.PUBLIC
) -> tuple[Contact, Colleague, Colleague]:
    """A client with an owner (through a roster entry linked to a colleague) and a manager."""
    owner = ColleagueFactory.create(firm=admin.firm, first_name="Olivier")
    manager = ColleagueFactory.create(firm=admin.firm, first_name="Mona")
    client = ClientFactory.create(
        firm=admin.firm,
        privacy=privacy,
        display_name="Boulangerie Dupain",
        owner=OwnerEntryFactory.create(firm=admin.firm, colleague=owner),
        manager=manager,
    )
    return client, owner, manager


def read(reader: Colleague) -> list[ShownNotification]:
    with translation.override("fr"):
        return show(reader, with_level(reader, readable(reader)))


def test_owner_and_manager_read_the_new_status_of_their_clients_work(admin: Colleague) -> None:
    client, owner, manager = owned_client(admin)
    item = services.create_work_item(actor=admin, client=client, title="Bilan 2026")
    services.move_work_item(
        actor=admin, item=item, status=status(admin.firm_id, WorkStatus.PrimaryState.IN_PROGRESS)
    )

    for reader in (owner, manager):
        (shown,) = read(reader)
        assert shown.kind == kinds.WORK_STATUS_CHANGED
        assert shown.text == "« Bilan 2026 » (Boulangerie Dupain) est passé au statut « En cours »."
        assert shown.actor_name == "Alice Martin"
    assert not Notification.objects.filter(recipient=admin).exists()


def test_the_title_and_status_are_read_when_the_notification_is_read(admin: Colleague) -> None:
    client, owner, _manager = owned_client(admin)
    item = services.create_work_item(actor=admin, client=client, title="Bilan 2026")
    waiting = status(admin.firm_id, WorkStatus.PrimaryState.WAITING)
    services.move_work_item(actor=admin, item=item, status=waiting)

    WorkItem.objects.filter(pk=item.pk).update(title="Bilan 2026 (révisé)")
    WorkStatus.objects.filter(pk=waiting.pk).update(name="Pièces demandées")

    (shown,) = read(owner)
    assert "« Bilan 2026 (révisé) »" in shown.text
    assert "« Pièces demandées »" in shown.text


def test_the_assignee_is_told_and_led_to_the_item(admin: Colleague) -> None:
    client, _owner, _manager = owned_client(admin)
    lea = ColleagueFactory.create(firm=admin.firm)
    item = services.create_work_item(actor=admin, client=client, title="TVA de mars", assignee=lea)

    (shown,) = read(lea)
    assert shown.kind == kinds.WORK_ASSIGNED
    assert shown.text == "« TVA de mars » (Boulangerie Dupain) vous a été assigné."
    assert shown.client_level == "full"
    assert shown.url is not None
    assert str(item.pk) in shown.url
    assert shown.url != shown.client_url


def test_a_task_assignee_reads_the_tasks_title_only_while_they_see_the_client_in_full(
    admin: Colleague,
) -> None:
    client, _owner, _manager = owned_client(admin, Privacy.PRIVATE)
    lea = ColleagueFactory.create(firm=admin.firm)
    ClientMember.objects.create(firm=admin.firm, client=client, colleague=lea)
    item = services.create_work_item(actor=admin, client=client, title="Paie de mai")
    services.add_task(actor=admin, item=item, title="Relancer Mme Secrète", assignee=lea)

    (shown,) = read(lea)
    assert shown.text == (
        "La tâche « Relancer Mme Secrète » de « Paie de mai » (Boulangerie Dupain) vous a été "
        "assignée."
    )
    # Off the client team, the private client is read by name only: the item's title and
    # status are readable at that level, the task's title is not.
    ClientMember.objects.filter(client=client, colleague=lea).delete()
    (shown,) = read(lea)
    assert shown.client_level == "name"
    assert "Relancer" not in shown.text
    assert "Relancer" not in shown.html
    assert shown.text == "Une tâche de « Paie de mai » (Boulangerie Dupain) vous a été assignée."
    assert shown.url is None


def test_a_note_is_told_to_owner_and_manager_without_its_body(admin: Colleague) -> None:
    client, owner, manager = owned_client(admin)
    item = services.create_work_item(actor=admin, client=client, title="Bilan 2026")
    services.add_work_note(actor=admin, item=item, body="Le **dirigeant** est injoignable.")

    for reader in (owner, manager):
        (shown,) = read(reader)
        assert shown.kind == kinds.WORK_NOTE_ADDED
        assert shown.text == "Une note a été ajoutée à « Bilan 2026 » (Boulangerie Dupain)."
        assert "injoignable" not in shown.html


def test_work_deleted_since_is_not_named(admin: Colleague) -> None:
    client, owner, _manager = owned_client(admin)
    item = services.create_work_item(actor=admin, client=client, title="Bilan confidentiel")
    services.move_work_item(
        actor=admin, item=item, status=status(admin.firm_id, WorkStatus.PrimaryState.READY)
    )
    services.delete_work_item(actor=admin, item=item)

    (shown,) = read(owner)
    assert "confidentiel" not in shown.text
    assert shown.text == (
        "Un élément de travail de Boulangerie Dupain, supprimé depuis, a changé de statut."
    )
    assert shown.url == shown.client_url


def test_work_of_a_client_hidden_since_is_left_out(admin: Colleague) -> None:
    client, _owner, _manager = owned_client(admin, Privacy.HIDDEN)
    lea = ColleagueFactory.create(firm=admin.firm)
    ClientMember.objects.create(firm=admin.firm, client=client, colleague=lea)
    services.create_work_item(actor=admin, client=client, title="Fusion secrète", assignee=lea)
    assert len(read(lea)) == 1

    ClientMember.objects.filter(client=client, colleague=lea).delete()

    assert read(lea) == []


def test_an_assignee_without_access_is_not_told(admin: Colleague) -> None:
    client, _owner, _manager = owned_client(admin, Privacy.PRIVATE)
    outsider = ColleagueFactory.create(firm=admin.firm)

    services.create_work_item(actor=admin, client=client, title="Audit", assignee=outsider)

    assert not Notification.objects.filter(recipient=outsider).exists()


def test_the_email_names_the_work_and_links_to_the_item(
    admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    client, _owner, _manager = owned_client(admin)
    lea = ColleagueFactory.create(firm=admin.firm, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.create_work_item(
            actor=admin, client=client, title="TVA de mars", assignee=lea
        )

    (message,) = mail.outbox
    assert message.to == [lea.email]
    assert message.subject == "« TVA de mars » (Boulangerie Dupain) vous a été assigné."
    assert f"/work/{item.pk}/" in message.body


def test_no_email_is_sent_about_work_deleted_before_the_worker_ran(
    admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    client, owner, manager = owned_client(admin)
    item = services.create_work_item(actor=admin, client=client, title="Bilan confidentiel")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.add_work_note(actor=admin, item=item, body="Note")
        services.delete_work_item(actor=admin, item=item)
    assert len(queued) == 2  # one e-mail per recipient, run after the deletion
    for callback in queued:
        callback()

    assert mail.outbox == []
    assert {n.recipient_id for n in Notification.objects.all()} == {owner.pk, manager.pk}
