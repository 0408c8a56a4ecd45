"""The writes of work items and tasks (docs/work.md): who may write, bad input refused with
nothing half written, stale copies refused, and recurrence."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from portefeuille.access.models import ClientMember
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, Privacy, WorkStatus, WorkType
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientGroupFactory,
    ColleagueFactory,
    FirmFactory,
    GroupMembershipFactory,
    PersonFactory,
)
from portefeuille.work import services
from portefeuille.work.models import Task, WorkItem
from portefeuille.work.queries import WorkFilters, group_items_q, parse_filters, work_items
from portefeuille.work.recurrence import add_months, create_next_item, due_recurrences

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def status(firm_id: int, state: str) -> WorkStatus:
    return WorkStatus.objects.filter(firm_id=firm_id, primary_state=state).get()


def field_codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code or "" for e in errors] for field, errors in error.error_dict.items()}


def test_creating_work_starts_in_the_first_open_status_with_its_checklist() -> None:
    admin = AdminFactory.create()
    client = ClientFactory.create(firm=admin.firm)
    item = services.create_work_item(
        actor=admin, client=client, title="  Bilan   2026 ", tasks=[{"title": "Relevés"}]
    )
    assert item.title == "Bilan 2026"
    assert item.status.primary_state == WorkStatus.PrimaryState.PLANNED
    assert list(item.tasks.values_list("title", flat=True)) == ["Relevés"]
    assert AuditEvent.objects.filter(action="work_item.created", client=client).count() == 1


def test_bad_input_is_refused_field_by_field_and_nothing_is_written() -> None:
    admin = AdminFactory.create()
    other_firm_status = status(FirmFactory.create().pk, WorkStatus.PrimaryState.IN_PROGRESS)
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)
    client = ClientFactory.create(firm=admin.firm)
    with pytest.raises(ValidationError) as refused:
        services.create_work_item(
            actor=admin,
            client=client,
            title="",
            status=other_firm_status,
            assignee=gone,
            start_date="2026-03-01",
            due_date="2026-02-01",
            recurrence="weekly",
            tasks=[{"title": "ok"}, {"title": ""}],
        )
    assert field_codes(refused.value) == {
        "title": ["required"],
        "status": ["invalid_choice"],
        "assignee": ["inactive"],
        "due_date": ["due_before_start"],
        "recurrence": ["invalid_choice"],
        "tasks.1.title": ["required"],
    }
    assert not WorkItem.objects.exists()
    assert not Task.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="work_item").exists()


def test_a_recurring_rule_needs_a_date_to_count_periods_from() -> None:
    admin = AdminFactory.create()
    with pytest.raises(ValidationError) as refused:
        services.create_work_item(
            actor=admin,
            client=ClientFactory.create(firm=admin.firm),
            title="TVA",
            recurrence="monthly",
        )
    assert field_codes(refused.value) == {"recurrence": ["needs_date"]}


def test_an_update_refuses_a_due_date_before_the_stored_start_and_keeps_the_item() -> None:
    admin = AdminFactory.create()
    item = services.create_work_item(
        actor=admin,
        client=ClientFactory.create(firm=admin.firm),
        title="IS",
        start_date="2026-05-01",
    )
    with pytest.raises(ValidationError) as refused:
        services.update_work_item(actor=admin, item=item, title="IS 2026", due_date="2026-04-01")
    assert field_codes(refused.value) == {"due_date": ["due_before_start"]}
    item.refresh_from_db()
    assert (item.title, item.due_date, item.version) == ("IS", None, 1)


def test_a_work_type_of_another_firm_looks_unknown() -> None:
    admin = AdminFactory.create()
    foreign = WorkType.objects.filter(firm=FirmFactory.create()).first()
    with pytest.raises(ValidationError) as refused:
        services.create_work_item(
            actor=admin, client=ClientFactory.create(firm=admin.firm), title="x", work_type=foreign
        )
    assert field_codes(refused.value) == {"work_type": ["invalid_choice"]}


def test_the_second_stale_move_is_refused_and_the_first_stays() -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    item = services.create_work_item(
        actor=admin, client=ClientFactory.create(firm=admin.firm), title="x"
    )
    loaded = item.version
    progress = status(admin.firm_id, WorkStatus.PrimaryState.IN_PROGRESS)
    waiting = status(admin.firm_id, WorkStatus.PrimaryState.WAITING)
    services.move_work_item(actor=admin, item=item.pk, status=progress, expected_version=loaded)
    with pytest.raises(StaleVersionError):
        services.move_work_item(
            actor=colleague, item=item.pk, status=waiting, expected_version=loaded
        )
    item.refresh_from_db()
    assert item.status == progress
    assert item.version == loaded + 1


def test_writing_work_needs_full_access_and_a_hidden_client_is_unknown() -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    private = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    on_private = services.create_work_item(actor=admin, client=private, title="a")
    on_hidden = services.create_work_item(actor=admin, client=hidden, title="b")
    done = status(admin.firm_id, WorkStatus.PrimaryState.COMPLETED)
    with pytest.raises(PermissionDenied):
        services.move_work_item(actor=colleague, item=on_private, status=done)
    with pytest.raises(Http404):
        services.move_work_item(actor=colleague, item=on_hidden, status=done)
    with pytest.raises(Http404):
        services.create_work_item(actor=colleague, client=hidden, title="c")
    with pytest.raises(Http404):
        services.add_task(actor=colleague, item=on_hidden, title="c")
    ClientMember.objects.create(firm=admin.firm, client=hidden, colleague=colleague)
    services.move_work_item(actor=colleague, item=on_hidden, status=done)


def test_completing_recurring_work_creates_the_next_item_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = AdminFactory.create()
    assignee = ColleagueFactory.create(firm=admin.firm)
    item = services.create_work_item(
        actor=admin,
        client=ClientFactory.create(firm=admin.firm),
        title="TVA mensuelle",
        assignee=assignee,
        start_date="2026-01-31",
        due_date="2026-02-15",
        recurrence="monthly",
        tasks=[{"title": "Déclaration", "assignee": assignee}],
    )
    services.update_task(actor=admin, task=item.tasks.get(), done=True)
    done = status(admin.firm_id, WorkStatus.PrimaryState.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_work_item(actor=admin, item=item, status=done)
    successor = WorkItem.objects.get(previous=item)
    assert (successor.start_date, successor.due_date) == (
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 15),
    )
    assert successor.status.primary_state == WorkStatus.PrimaryState.PLANNED
    assert successor.assignee == assignee
    assert list(successor.tasks.values_list("title", "done")) == [("Déclaration", False)]
    # Reopening and completing again does not make a second successor.
    planned = status(admin.firm_id, WorkStatus.PrimaryState.PLANNED)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_work_item(actor=admin, item=item, status=planned)
        services.move_work_item(actor=admin, item=item, status=done)
    assert WorkItem.objects.filter(previous=item).count() == 1
    assert create_next_item(item_id=item.pk) is None


def test_the_daily_run_finds_series_whose_next_date_has_come() -> None:
    admin = AdminFactory.create()
    client = ClientFactory.create(firm=admin.firm)
    quarterly = services.create_work_item(
        actor=admin, client=client, title="q", start_date="2026-01-10", recurrence="quarterly"
    )
    services.create_work_item(
        actor=admin, client=client, title="y", due_date="2026-01-10", recurrence="yearly"
    )
    services.create_work_item(actor=admin, client=client, title="once", due_date="2025-01-01")
    assert due_recurrences(datetime.date(2026, 4, 9)) == []
    assert due_recurrences(datetime.date(2026, 4, 10)) == [quarterly.pk]


def test_months_are_added_to_the_last_day_of_shorter_months() -> None:
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)


def _visible_titles(colleague: Colleague, filters: WorkFilters) -> set[str]:
    return set(work_items(colleague, filters).values_list("title", flat=True))


def test_team_filters_never_judge_work_seen_by_name_only() -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    manager = ColleagueFactory.create(firm=admin.firm)
    public = ClientFactory.create(firm=admin.firm, manager=manager)
    private = ClientFactory.create(firm=admin.firm, manager=manager, privacy=Privacy.PRIVATE)
    services.create_work_item(actor=admin, client=public, title="public", assignee=manager)
    services.create_work_item(actor=admin, client=private, title="private", assignee=manager)
    assert _visible_titles(colleague, WorkFilters()) == {"public", "private"}
    # The private client's manager and the assignee are not the colleague's to know.
    assert _visible_titles(colleague, WorkFilters(client_manager=manager.pk)) == {"public"}
    assert _visible_titles(colleague, WorkFilters(assignee=manager.pk)) == {"public"}
    assert _visible_titles(admin, WorkFilters(client_manager=manager.pk)) == {"public", "private"}


def test_a_task_assigned_on_a_hidden_client_is_not_the_assignees_to_see() -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    item = services.create_work_item(actor=admin, client=hidden, title="secret")
    services.add_task(actor=admin, item=item, title="t", assignee=colleague)
    assert not Task.objects.visible_to(colleague).filter(assignee=colleague).exists()
    assert not work_items(colleague, WorkFilters()).exists()


def test_a_member_of_several_groups_shows_in_a_group_only_the_work_naming_it() -> None:
    admin = AdminFactory.create()
    person = PersonFactory.create(firm=admin.firm)
    lonely = PersonFactory.create(firm=admin.firm)
    first = ClientGroupFactory.create(firm=admin.firm)
    second = ClientGroupFactory.create(firm=admin.firm)
    GroupMembershipFactory.create(group=first, member=person)
    GroupMembershipFactory.create(group=second, member=person)
    GroupMembershipFactory.create(group=first, member=lonely)
    services.create_work_item(actor=admin, client=first, title="of the group")
    services.create_work_item(actor=admin, client=person, title="for first", client_group=first)
    services.create_work_item(actor=admin, client=person, title="for second", client_group=second)
    services.create_work_item(actor=admin, client=person, title="for nobody")
    services.create_work_item(actor=admin, client=lonely, title="lonely")

    def tab(group: Contact) -> set[str]:
        rows = WorkItem.objects.visible_to(admin).filter(group_items_q(admin, group.pk))
        return set(rows.values_list("title", flat=True))

    assert tab(first) == {"of the group", "for first", "lonely"}
    assert tab(second) == {"for second"}


def test_an_item_may_name_only_a_group_its_client_belongs_to() -> None:
    admin = AdminFactory.create()
    person = PersonFactory.create(firm=admin.firm)
    group = ClientGroupFactory.create(firm=admin.firm)
    with pytest.raises(ValidationError) as refused:
        services.create_work_item(actor=admin, client=person, title="x", client_group=group)
    assert field_codes(refused.value) == {"client_group": ["not_member"]}


def test_segments_belong_to_their_owner() -> None:
    admin = AdminFactory.create()
    colleague = ColleagueFactory.create(firm=admin.firm)
    segment = services.save_segment(actor=admin, name="Mes retards", query={"due": "overdue"})
    again = services.save_segment(actor=admin, name="mes retards", query={"mine": "1"})
    assert again.pk == segment.pk
    assert again.query == "mine=1"
    with pytest.raises(Http404):
        services.delete_segment(actor=colleague, segment=segment.pk)
    services.delete_segment(actor=admin, segment=segment.pk)


def test_a_task_of_a_new_item_needs_a_title() -> None:
    admin = AdminFactory.create()
    with pytest.raises(ValidationError) as refused:
        services.create_work_item(
            actor=admin,
            client=ClientFactory.create(firm=admin.firm),
            title="Bilan",
            tasks=[{"assignee": admin.pk}],
        )
    assert field_codes(refused.value) == {"tasks.0.title": ["required"]}
    assert not WorkItem.objects.exists()


def test_role_holder_me_names_the_viewer() -> None:
    admin = AdminFactory.create()
    assert parse_filters({"role_holder": "me", "role": "2"}, me=admin) == WorkFilters(
        role=2, role_holder=admin.pk
    )


def test_an_item_in_a_completed_status_is_not_overdue_whatever_completed_at_says() -> None:
    admin = AdminFactory.create()
    item = services.create_work_item(
        actor=admin, client=ClientFactory.create(firm=admin.firm), title="x", due_date="2026-01-01"
    )
    done = status(admin.firm_id, WorkStatus.PrimaryState.COMPLETED)
    WorkItem.objects.filter(pk=item.pk).update(status=done, completed_at=None)
    item.refresh_from_db()
    assert not item.is_overdue(datetime.date(2026, 6, 1))
