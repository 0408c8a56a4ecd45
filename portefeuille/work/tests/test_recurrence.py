"""The daily run of recurring work (docs/work.md): `portefeuille work-recurrences`
(`create_due_work`) creates the next item of each series whose date has come, once."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from portefeuille.audit.models import AuditEvent
from portefeuille.cli import resolve
from portefeuille.firms.models import Colleague, WorkStatus
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory
from portefeuille.work import services
from portefeuille.work.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def run(day: str) -> str:
    out = StringIO()
    call_command("create_due_work", date=day, stdout=out)
    return out.getvalue()


def test_the_daily_run_creates_the_next_item_once_its_date_has_come(admin: Colleague) -> None:
    lea = ColleagueFactory.create(firm=admin.firm)
    client = ClientFactory.create(firm=admin.firm)
    item = services.create_work_item(
        actor=admin,
        client=client,
        title="TVA trimestrielle",
        assignee=lea,
        start_date="2026-01-15",
        due_date="2026-01-31",
        recurrence="quarterly",
        tasks=[{"title": "Déclaration CA3"}],
    )
    services.move_work_item(
        actor=admin,
        item=item,
        status=WorkStatus.objects.get(firm=admin.firm, primary_state="in_progress"),
    )

    assert "0 recurring" in run("2026-04-14")
    assert "1 recurring" in run("2026-04-15")
    assert "0 recurring" in run("2026-04-15")

    successor = WorkItem.objects.get(previous=item)
    assert (successor.title, successor.client_id, successor.assignee_id) == (
        "TVA trimestrielle",
        client.pk,
        lea.pk,
    )
    assert (successor.start_date, successor.due_date) == (
        datetime.date(2026, 4, 15),
        datetime.date(2026, 4, 30),
    )
    assert successor.status.primary_state == WorkStatus.PrimaryState.PLANNED
    assert successor.recurrence == "quarterly"
    assert list(successor.tasks.values_list("title", "done")) == [("Déclaration CA3", False)]
    # The item it follows is left as it was.
    item.refresh_from_db()
    assert item.status.primary_state == WorkStatus.PrimaryState.IN_PROGRESS
    event = AuditEvent.objects.get(action="work_item.recurred")
    assert (event.actor_id, event.client_id) == (None, client.pk)
    assert Notification.objects.filter(
        recipient=lea, kind=kinds.WORK_ASSIGNED, params__work_item_id=successor.pk
    ).exists()


def test_the_next_run_continues_the_series_from_the_new_item(admin: Colleague) -> None:
    client = ClientFactory.create(firm=admin.firm)
    services.create_work_item(
        actor=admin, client=client, title="Paie", due_date="2026-01-31", recurrence="monthly"
    )

    run("2026-02-28")
    run("2026-03-31")

    assert list(
        WorkItem.objects.filter(client=client)
        .order_by("due_date")
        .values_list("due_date", flat=True)
    ) == [datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 28)]


def test_work_that_does_not_recur_is_left_alone(admin: Colleague) -> None:
    client = ClientFactory.create(firm=admin.firm)
    services.create_work_item(actor=admin, client=client, title="Bilan", due_date="2020-01-01")

    run("2026-01-01")

    assert WorkItem.objects.filter(client=client).count() == 1


def test_the_cli_runs_it_as_work_recurrences() -> None:
    assert resolve(["work-recurrences", "--date", "2026-05-01"]) == [
        "create_due_work",
        "--date",
        "2026-05-01",
    ]
    assert get_commands()["create_due_work"] == "portefeuille.work"
    assert resolve(["migrate"]) == ["migrate"]


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("31/01/2026")
