"""The home page's « Mon travail » (docs/work.md): my open work items and tasks by due date,
overdue first, only on clients I see in full; for owners and managers, the work of their
clients changed since their last visit (a reload keeps the list, a later visit starts
again from the one before)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from portefeuille.firms.models import Colleague, Firm, Privacy, WorkStatus
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    TaskFactory,
    WorkItemFactory,
)
from portefeuille.work import services
from portefeuille.work.models import HomeVisit, WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def home(http: Client) -> str:
    response = http.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    found = re.search(
        rf'<div id="{element_id}">(.*?)</div>\s*(?:<div|</div>|</section>)', html, re.S
    )
    assert found is not None, element_id
    return found.group(1)


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/work/\d+/">([^<]+)</a>', html)


def state(firm: Firm, primary: str) -> WorkStatus:
    return WorkStatus.objects.get(firm=firm, primary_state=primary)


def test_my_open_work_and_tasks_by_due_date_overdue_first_on_clients_i_see_in_full(
    firm: Firm, staff: Colleague
) -> None:
    today = datetime.date.today()
    public = ClientFactory.create(firm=firm)
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    days = datetime.timedelta(days=1)
    WorkItemFactory.create(client=public, title="Demain", assignee=staff, due_date=today + days)
    WorkItemFactory.create(client=public, title="En retard", assignee=staff, due_date=today - days)
    WorkItemFactory.create(client=public, title="Sans date", assignee=staff)
    WorkItemFactory.create(
        client=public, title="Fini", assignee=staff, status=state(firm, "completed")
    )
    WorkItemFactory.create(
        client=public, title="À un autre", assignee=AdminFactory.create(firm=firm)
    )
    WorkItemFactory.create(client=private, title="Sur un privé", assignee=staff)
    WorkItemFactory.create(client=hidden, title="Sur un caché", assignee=staff)
    TaskFactory.create(
        work_item__client=public, title="Tâche du jour", assignee=staff, due_date=today
    )
    TaskFactory.create(
        work_item__client=public, title="Tâche en retard", assignee=staff, due_date=today - days
    )
    TaskFactory.create(work_item__client=private, title="Tâche privée", assignee=staff)
    TaskFactory.create(work_item__client=hidden, title="Tâche cachée", assignee=staff)

    html = home(browse(staff))

    assert titles(section(html, "my-items")) == ["En retard", "Demain", "Sans date"]
    tasks = re.findall(r'<span class="task-title">([^<]+)</span>', section(html, "my-tasks"))
    assert tasks == ["Tâche en retard", "Tâche du jour"]
    for secret in ("Sur un privé", "Sur un caché", "Tâche privée", "Tâche cachée"):
        assert secret not in html


def test_owners_see_their_clients_work_changed_since_their_last_visit(
    firm: Firm, staff: Colleague
) -> None:
    admin = AdminFactory.create(firm=firm)
    owner = OwnerEntryFactory.create(firm=firm, colleague=staff)
    mine = ClientFactory.create(firm=firm, owner=owner)
    managed = ClientFactory.create(firm=firm, manager=staff)
    elsewhere = ClientFactory.create(firm=firm)
    http = browse(staff)
    home(http)  # the first visit
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    HomeVisit.objects.filter(colleague=staff).update(seen_at=long_ago)
    for client, title in ((mine, "Du mien"), (managed, "Du géré"), (elsewhere, "D'ailleurs")):
        services.create_work_item(actor=admin, client=client, title=title)
    old = WorkItemFactory.create(client=mine, title="Ancien")
    WorkItem.objects.filter(pk=old.pk).update(updated_at=long_ago - datetime.timedelta(hours=1))

    first = home(http)
    reload = home(http)

    for html in (first, reload):
        assert sorted(titles(section(html, "changed-work"))) == ["Du géré", "Du mien"]
    # A visit later on starts from the one before: what changed earlier is gone.
    now = timezone.now()
    WorkItem.objects.filter(firm=firm).update(updated_at=now - datetime.timedelta(hours=2))
    HomeVisit.objects.filter(colleague=staff).update(seen_at=now - datetime.timedelta(hours=1))
    later = home(http)
    assert titles(section(later, "changed-work")) == []
    assert "Rien n'a changé." in later


def test_a_colleague_holding_no_client_has_no_changes_section(firm: Firm, staff: Colleague) -> None:
    html = home(browse(staff))

    assert 'id="changed-work"' not in html
    assert 'id="my-items"' in html
