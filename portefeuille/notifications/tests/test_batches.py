"""Several clients given at once (docs/notifications.md, « Several clients at once »): one
notification per recipient and role, counting only the clients they see in full, and the
hand-over paths that must tell someone (a leaving colleague's clients, a new client's
owner)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portefeuille.access import services as access_services
from portefeuille.contacts.models import Contact
from portefeuille.contacts.services import create_client
from portefeuille.firms import services as firms
from portefeuille.firms.models import Colleague, Privacy, RoleSlot
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification
from portefeuille.notifications.reading import readable, show, unread_count, with_level
from portefeuille.notifications.services import notify_many
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


@pytest.fixture
def lea(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm, first_name="Léa", last_name="Roux")


def shown(reader: Colleague) -> list[Any]:
    return show(reader, with_level(reader, readable(reader)).order_by("pk"))


def facts() -> list[tuple[int, str, int | None, dict[str, Any]]]:
    return list(
        Notification.objects.order_by("pk").values_list(
            "recipient_id", "kind", "client_id", "params"
        )
    )


def test_a_bulk_fix_of_many_clients_sends_one_notification_and_one_email(
    admin: Colleague,
    lea: Colleague,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=lea)
    clients = [ClientFactory.create(firm=admin.firm) for _ in range(30)]

    with django_capture_on_commit_callbacks(execute=True):
        access_services.bulk_set_owner(actor=admin, client_ids=[c.pk for c in clients], owner=entry)

    assert facts() == [
        (lea.pk, kinds.OWNER_GIVEN, None, {"count": 30, "owner_id": entry.pk}),
    ]
    (notice,) = shown(lea)
    assert notice.text == "30 clients vous ont été confiés comme responsable client."
    assert notice.url == f"/contacts/?owner={entry.pk}"
    assert notice.client is None
    assert unread_count(lea) == 1
    assert len(mail.outbox) == 1
    assert "30 clients vous ont été confiés" in mail.outbox[0].subject
    assert f"/contacts/?owner={entry.pk}" in mail.outbox[0].body


def test_a_bulk_fix_costs_as_many_queries_for_thirty_clients_as_for_three(
    admin: Colleague, lea: Colleague
) -> None:
    few = [ClientFactory.create(firm=admin.firm) for _ in range(3)]
    many = [ClientFactory.create(firm=admin.firm) for _ in range(30)]
    other = ColleagueFactory.create(firm=admin.firm)

    def cost(clients: list[Contact], manager: Colleague) -> int:
        with CaptureQueriesContext(connection) as captured:
            access_services.bulk_set_manager(
                actor=admin, client_ids=[c.pk for c in clients], manager=manager
            )
        return len(captured.captured_queries)

    assert cost(many, other) == cost(few, lea)
    assert Notification.objects.count() == 2


def test_a_batch_counts_only_the_clients_the_recipient_sees_in_full(
    admin: Colleague, lea: Colleague
) -> None:
    public = [ClientFactory.create(firm=admin.firm) for _ in range(2)]
    private = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)  # name only
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    stranger = ClientFactory.create()  # another firm

    sent = notify_many(
        kind=kinds.MANAGER_GIVEN,
        recipient=lea,
        clients=[*public, private, hidden, stranger],
        actor=admin,
        params={"manager_id": lea.pk},
    )

    assert sent == 1
    assert facts() == [(lea.pk, kinds.MANAGER_GIVEN, None, {"count": 2, "manager_id": lea.pk})]
    (notice,) = shown(lea)
    assert notice.text == "2 clients vous ont été confiés comme gestionnaire."
    assert notice.url == f"/contacts/?manager={lea.pk}"


def test_a_batch_with_one_client_seen_in_full_names_it_as_a_single_change(
    admin: Colleague, lea: Colleague
) -> None:
    seen = ClientFactory.create(firm=admin.firm, display_name="Dupont SA")
    private = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)

    notify_many(kind=kinds.OWNER_GIVEN, recipient=lea, clients=[seen, private], actor=admin)

    assert facts() == [(lea.pk, kinds.OWNER_GIVEN, seen.pk, {})]
    (notice,) = shown(lea)
    assert notice.text == "Vous êtes désormais responsable client de Dupont SA."


def test_a_batch_of_clients_none_seen_in_full_or_to_the_actor_sends_nothing(
    admin: Colleague, lea: Colleague
) -> None:
    private = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    public = ClientFactory.create(firm=admin.firm)
    assert notify_many(kind=kinds.OWNER_GIVEN, recipient=lea, clients=[private], actor=admin) == 0
    assert notify_many(kind=kinds.OWNER_GIVEN, recipient=lea, clients=[public], actor=lea) == 0
    assert notify_many(kind=kinds.OWNER_GIVEN, recipient=lea, clients=[], actor=admin) == 0
    assert not Notification.objects.exists()


def test_the_sentences_of_a_role_and_a_membership_given_on_several_clients(
    admin: Colleague, lea: Colleague
) -> None:
    RoleSlot.objects.filter(firm=admin.firm, number=2).update(title="Associé signataire")
    clients = [ClientFactory.create(firm=admin.firm) for _ in range(3)]
    notify_many(
        kind=kinds.ROLE_GIVEN, recipient=lea, clients=clients, actor=admin, params={"slot": 2}
    )
    notify_many(kind=kinds.MEMBER_GIVEN, recipient=lea, clients=clients, actor=admin)

    texts = [notice.text for notice in shown(lea)]
    assert texts == [
        "Le rôle « Associé signataire » vous a été confié auprès de 3 clients.",
        "Vous avez été ajouté à l'équipe de 3 clients.",
    ]
    assert all(notice.url == "/contacts/" for notice in shown(lea))


def test_releasing_a_leaving_colleagues_clients_notifies_both_owners_and_the_new_manager(
    admin: Colleague, lea: Colleague
) -> None:
    leaver = ColleagueFactory.create(firm=admin.firm, first_name="Paul", last_name="Part")
    leaver_entry = OwnerEntryFactory.create(firm=admin.firm, colleague=leaver)
    lea_entry = OwnerEntryFactory.create(firm=admin.firm, colleague=lea)
    marc = ColleagueFactory.create(firm=admin.firm, first_name="Marc", last_name="Gère")
    for _ in range(3):
        ClientFactory.create(firm=admin.firm, owner=leaver_entry)
    for _ in range(2):
        ClientFactory.create(firm=admin.firm, manager=leaver)

    firms.deactivate_colleague(
        actor=admin,
        colleague=leaver,
        reassign_clients=True,
        owner_to=lea_entry,
        manager_to=marc,
    )

    transfer = {"count": 3, "from_owner_id": leaver_entry.pk, "to_owner_id": lea_entry.pk}
    got = {(r, kind, client): params for r, kind, client, params in facts()}
    assert set(got) == {
        (lea.pk, kinds.TRANSFERRED_TO, None),
        (leaver.pk, kinds.TRANSFERRED_FROM, None),
        (marc.pk, kinds.MANAGER_GIVEN, None),
    }
    assert got[(lea.pk, kinds.TRANSFERRED_TO, None)].items() >= transfer.items()
    assert got[(marc.pk, kinds.MANAGER_GIVEN, None)] == {"count": 2, "manager_id": marc.pk}
    (notice,) = shown(lea)
    assert notice.text == "3 clients de Paul Part vous ont été transférés."


def test_creating_a_client_with_a_colleague_as_owner_tells_that_colleague(
    admin: Colleague, lea: Colleague
) -> None:
    lea_entry = OwnerEntryFactory.create(firm=admin.firm, colleague=lea)
    own_entry = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    manual = OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Me Martin")

    given = create_client(actor=admin, kind="person", display_name="Dupont SA", owner=lea_entry)
    create_client(actor=admin, kind="person", display_name="À moi", owner=own_entry)
    create_client(actor=admin, kind="person", display_name="Manuel", owner=manual)

    assert facts() == [(lea.pk, kinds.OWNER_GIVEN, given.pk, {})]
    (notice,) = shown(lea)
    assert notice.text == "Vous êtes désormais responsable client de Dupont SA."


def test_a_new_private_client_is_told_to_its_owner_only_if_they_see_it_in_full(
    admin: Colleague, lea: Colleague
) -> None:
    # The owner sees their client in full whatever its privacy (docs/access-rules.md).
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=lea)
    other = ColleagueFactory.create(firm=admin.firm)
    hidden = create_client(
        actor=admin, kind="person", display_name="Masqué", owner=entry, privacy=Privacy.HIDDEN
    )
    assert facts() == [(lea.pk, kinds.OWNER_GIVEN, hidden.pk, {})]
    assert not Notification.objects.filter(recipient=other).exists()
