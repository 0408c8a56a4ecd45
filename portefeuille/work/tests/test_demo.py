"""The demo firm's work (docs/work.md): about 20,000 items over its clients, across types
and statuses, some overdue, each holding only values the services would accept."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact, GroupMembership
from portefeuille.firms.demo import build_demo, delete_demo
from portefeuille.firms.models import Colleague, WorkStatus, WorkType
from portefeuille.work.models import Task, WorkItem, WorkNote
from portefeuille.work.recurrence import due_recurrences

pytestmark = pytest.mark.django_db


def test_the_demo_has_twenty_thousand_work_items_the_services_could_have_written() -> None:
    firm = build_demo().firm
    items = WorkItem.objects.filter(firm=firm)
    today = timezone.localdate()

    assert 19_000 <= items.count() <= 21_000
    by_state = dict(items.values_list("status__primary_state").annotate(n=Count("id")).order_by())
    assert set(by_state) == set(WorkStatus.PrimaryState.values)
    assert set(WorkType.objects.filter(firm=firm).values_list("name", flat=True)) <= set(
        items.values_list("work_type__name", flat=True)
    )
    open_items = items.exclude(status__primary_state=WorkStatus.PrimaryState.COMPLETED)
    overdue = open_items.filter(due_date__lt=today).count()
    assert 0.05 * open_items.count() < overdue < 0.4 * open_items.count()
    assert Task.objects.filter(firm=firm).count() > 10_000
    assert Task.objects.filter(firm=firm, done=True).exists()
    assert WorkNote.objects.filter(firm=firm).exists()

    # What the services hold: completed exactly when in a completed status, due after start,
    # a client group only among the client's groups, a recurrence only on open work whose
    # next date is to come (the first daily run creates nothing).
    completed = Q(status__primary_state=WorkStatus.PrimaryState.COMPLETED)
    assert not items.filter(completed & Q(completed_at__isnull=True)).exists()
    assert not items.filter(~completed & Q(completed_at__isnull=False)).exists()
    assert not items.filter(due_date__lt=F("start_date")).exists()
    assert items.exclude(recurrence="").exists()
    assert due_recurrences(today) == []
    grouped = items.filter(client_group__isnull=False)
    assert grouped.exists()
    memberships = set(
        GroupMembership.objects.filter(firm=firm).values_list("group_id", "member_id")
    )
    assert set(grouped.values_list("client_group_id", "client_id")) <= memberships
    first = items.filter(completed).first()
    assert first is not None
    assert first.completed_at is not None
    assert timezone.is_aware(first.completed_at)

    # Assignees are active colleagues who see the client in full (assigning grants nothing).
    for colleague in Colleague.objects.filter(firm=firm, assigned_work__isnull=False).distinct():
        assert colleague.is_active
        # Their clients, looked up through the door (a NOT IN over the door's subquery is
        # planned badly by PostgreSQL on freshly loaded tables).
        clients = set(items.filter(assignee=colleague).values_list("client_id", flat=True))
        seen = Contact.objects.visible_to(colleague, Level.FULL).filter(pk__in=clients)
        assert set(seen.values_list("pk", flat=True)) == clients, colleague

    assert delete_demo()
    assert not WorkItem.objects.filter(firm_id=firm.pk).exists()
