"""notify(): who receives a notification and through which channel, decided at sending time;
the e-mail task checks again when it runs (docs/notifications.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from portefeuille.access import services as access_services
from portefeuille.access.models import ClientMember
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification
from portefeuille.notifications.services import notify, set_preferences
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    PortfolioFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


def recipients() -> list[int]:
    return sorted(Notification.objects.values_list("recipient_id", flat=True))


def test_notify_reaches_only_colleagues_with_full_access_at_sending_time(admin: Colleague) -> None:
    firm = admin.firm
    client = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    member = ColleagueFactory.create(firm=firm)
    ClientMemberFactory.create(client=client, colleague=member)
    name_only = ColleagueFactory.create(firm=firm)  # a private client: its name only
    inactive = ColleagueFactory.create(firm=firm, is_active=False)
    ClientMemberFactory.create(client=client, colleague=inactive)
    other_firm = ColleagueFactory.create(firm=FirmFactory.create())
    created = notify(
        kind=kinds.MEMBER_GIVEN,
        recipients=[member, name_only, inactive, other_firm, admin],
        client=client,
        actor=admin,
    )
    assert created == 1
    assert recipients() == [member.pk]  # not the actor, though an admin sees it in full
    stored = Notification.objects.get()
    assert (stored.firm_id, stored.client_id, stored.actor_name) == (
        firm.pk,
        client.pk,
        "Alice Martin",
    )


def test_notify_refuses_unknown_kinds_and_client_text_in_parameters(admin: Colleague) -> None:
    client = ClientFactory.create(firm=admin.firm)
    other = ColleagueFactory.create(firm=admin.firm)
    with pytest.raises(ValueError, match="kind"):
        notify(kind="client.renamed", recipients=[other], client=client, actor=admin)
    with pytest.raises(ValueError, match="parameter"):
        notify(
            kind=kinds.OWNER_GIVEN,
            recipients=[other],
            client=client,
            actor=admin,
            params={"name": {"display_name": client.display_name}},
        )
    assert not Notification.objects.exists()


def test_preferences_choose_the_channels_of_each_kind(
    admin: Colleague,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    firm = admin.firm
    client = ClientFactory.create(firm=firm, display_name="Boulangerie Dupain")
    quiet = ColleagueFactory.create(firm=firm, email="quiet@example.com")
    no_mail = ColleagueFactory.create(firm=firm, email="nomail@example.com")
    default = ColleagueFactory.create(firm=firm, email="default@example.com")
    set_preferences(colleague=quiet, choices={kinds.MANAGER_GIVEN: (False, True)})
    set_preferences(colleague=no_mail, choices={kinds.MANAGER_GIVEN: (True, False)})
    # Another kind's choice does not apply.
    set_preferences(colleague=default, choices={kinds.OWNER_GIVEN: (False, False)})
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            kind=kinds.MANAGER_GIVEN,
            recipients=[quiet, no_mail, default],
            client=client,
            actor=admin,
        )
    assert created == 2
    assert recipients() == sorted([no_mail.pk, default.pk])
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "default@example.com",
        "quiet@example.com",
    ]


def test_email_is_queued_after_commit_in_the_recipients_language_with_the_public_link(
    admin: Colleague,
    immediate_tasks: None,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.BASE_URL = "https://portefeuille.example.com"
    client = ClientFactory.create(firm=admin.firm, display_name="Boulangerie Dupain")
    lea = ColleagueFactory.create(firm=admin.firm, first_name="Léa", language="fr")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind=kinds.MANAGER_GIVEN, recipients=[lea], client=client, actor=admin)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == [lea.email]
    assert message.subject == "Vous êtes désormais gestionnaire de Boulangerie Dupain."
    assert "Bonjour Léa," in message.body
    assert "(par Alice Martin)" in message.body
    assert f"https://portefeuille.example.com/contacts/{client.pk}/" in message.body
    assert "https://portefeuille.example.com/notifications/preferences/" in message.body


def test_task_sends_nothing_when_access_was_removed_before_it_ran(
    admin: Colleague,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    firm = admin.firm
    client = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN, display_name="Secret SA")
    member = ColleagueFactory.create(firm=firm)
    leaver = ColleagueFactory.create(firm=firm)
    ClientMemberFactory.create(client=client, colleague=member)
    ClientMemberFactory.create(client=client, colleague=leaver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert (
            notify(kind=kinds.MEMBER_GIVEN, recipients=[member, leaver], client=client, actor=admin)
            == 2
        )
    # Before the worker runs, one of them leaves the client team of a hidden client.
    ClientMember.objects.filter(client=client, colleague=leaver).delete()
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_task_sends_nothing_to_a_colleague_deactivated_before_it_ran(
    admin: Colleague,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = ClientFactory.create(firm=admin.firm)
    lea = ColleagueFactory.create(firm=admin.firm)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind=kinds.MANAGER_GIVEN, recipients=[lea], client=client, actor=admin)
    Colleague.objects.filter(pk=lea.pk).update(is_active=False)
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_mail_names_a_client_seen_by_name_only_now_without_its_link(
    admin: Colleague,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE, display_name="Privé SA")
    lea = ColleagueFactory.create(firm=admin.firm)
    ClientMemberFactory.create(client=client, colleague=lea)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind=kinds.MEMBER_GIVEN, recipients=[lea], client=client, actor=admin)
    ClientMember.objects.filter(client=client).delete()  # private: the name only, now
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert "Privé SA" in message.subject
    assert f"/contacts/{client.pk}/" not in message.body


# ---------------------------------------------------------------------------------------
# The "you were given a client" hooks of the access services.
# ---------------------------------------------------------------------------------------


def test_owner_manager_role_and_member_changes_notify_whoever_was_given_the_client(
    admin: Colleague,
) -> None:
    firm = admin.firm
    client = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    owner = ColleagueFactory.create(firm=firm)
    manager = ColleagueFactory.create(firm=firm)
    holder = ColleagueFactory.create(firm=firm)
    member = ColleagueFactory.create(firm=firm)
    team = TeamFactory.create(firm=firm)
    in_team = TeamMembershipFactory.create(team=team).colleague
    TeamMembershipFactory.create(team=team, colleague__is_active=False)
    entry = OwnerEntryFactory.create(firm=firm, colleague=owner)
    manual = OwnerEntryFactory.create(firm=firm, colleague=None, name="Maître Manuel")
    set_role_slot_titles(actor=admin, titles={1: "Expert-comptable"})

    access_services.set_owner(actor=admin, client=client, owner=manual)  # nobody to tell
    access_services.set_owner(actor=admin, client=client, owner=entry)
    access_services.set_manager(actor=admin, client=client, manager=manager)
    access_services.set_role_holder(actor=admin, client=client, slot=1, colleague=holder)
    access_services.add_client_member(actor=admin, client=client, colleague=member)
    access_services.add_client_member(actor=admin, client=client, team=team)
    access_services.set_manager(actor=admin, client=client, manager=admin)  # the actor: no

    got = dict(Notification.objects.values_list("recipient_id", "kind"))
    assert got == {
        owner.pk: kinds.OWNER_GIVEN,
        manager.pk: kinds.MANAGER_GIVEN,
        holder.pk: kinds.ROLE_GIVEN,
        member.pk: kinds.MEMBER_GIVEN,
        in_team.pk: kinds.MEMBER_GIVEN,
    }
    assert Notification.objects.get(recipient=holder).params == {"slot": 1}
    assert Notification.objects.get(recipient=in_team).params == {"team_id": team.pk}


def test_staffing_a_portfolio_sends_one_notification_naming_the_portfolio(
    admin: Colleague,
) -> None:
    firm = admin.firm
    portfolio = PortfolioFactory.create(firm=firm, name="Paie Nord")
    ClientFactory.create_batch(3, firm=firm, portfolio=portfolio, privacy=Privacy.HIDDEN)
    lea = ColleagueFactory.create(firm=firm)
    team = TeamFactory.create(firm=firm)
    hugo = TeamMembershipFactory.create(team=team).colleague
    access_services.staff_portfolio(actor=admin, portfolio=portfolio, colleague=lea)
    access_services.staff_portfolio(actor=admin, portfolio=portfolio, team=team)
    rows = list(
        Notification.objects.order_by("recipient_id").values("recipient_id", "client_id", "params")
    )
    assert rows == [
        {
            "recipient_id": lea.pk,
            "client_id": None,
            "params": {"portfolio_id": portfolio.pk, "team_id": None},
        },
        {
            "recipient_id": hugo.pk,
            "client_id": None,
            "params": {"portfolio_id": portfolio.pk, "team_id": team.pk},
        },
    ]


def test_notification_rows_are_written_in_the_callers_transaction(admin: Colleague) -> None:
    """A refused change leaves no notification behind."""
    client = ClientFactory.create(firm=admin.firm)
    lea = ColleagueFactory.create(firm=admin.firm)
    team = TeamFactory.create(firm=admin.firm)
    with pytest.raises(ValidationError):  # the second add of Léa is refused
        access_services.change_client_team(actor=admin, client=client, add_members=[lea, team, lea])
    assert not Notification.objects.exists()
