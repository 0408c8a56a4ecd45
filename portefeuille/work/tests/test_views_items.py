"""The work item pages (docs/work.md): an item read at the viewer's level (everything in full,
title, status and client name only by name, 404 when hidden), the create and edit forms
with their refusals and stale copies, deleting with confirmation, the checklist and notes
with and without HTMX, and « Mes tâches »."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from portefeuille.access.models import ClientMember
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, WorkStatus, WorkType
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientGroupFactory,
    ColleagueFactory,
    FirmFactory,
    GroupMembershipFactory,
    PersonFactory,
    TaskFactory,
    WorkItemFactory,
)
from portefeuille.work import services
from portefeuille.work.models import Task, WorkItem, WorkNote

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    """Full scope, on no client team: a private client is name-only to her."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def state(firm: Firm, primary: str) -> WorkStatus:
    return WorkStatus.objects.get(firm=firm, primary_state=primary)


def private_item(firm: Firm, admin: Colleague) -> WorkItem:
    """A private client's item carrying a secret in every field NAME may not read."""
    client = ClientFactory.create(firm=firm, display_name="Privé SA", privacy=Privacy.PRIVATE)
    secret = ColleagueFactory.create(firm=firm, first_name="Zorro", last_name="Secret")
    item = services.create_work_item(
        actor=admin,
        client=client,
        title="Bilan visible",
        assignee=secret,
        description="Description-canari",
        due_date=datetime.date(2030, 1, 31),
        work_type=WorkType.objects.filter(firm=firm).first(),
        tasks=[{"title": "Tâche-canari"}],
    )
    services.add_work_note(actor=admin, item=item, body="Note-canari")
    return item


# ---------------------------------------------------------------------------------------
# Reading an item.
# ---------------------------------------------------------------------------------------


def test_an_item_seen_in_full_shows_everything_with_its_markdown_sanitised(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm, display_name="Boulangerie Dupain")
    item = services.create_work_item(
        actor=admin,
        client=client,
        title="TVA trimestrielle",
        assignee=admin,
        description="**Important** <script>alert(1)</script>",
        tasks=[{"title": "Relevés bancaires"}],
    )
    services.add_work_note(actor=admin, item=item, body="Voir [le site](javascript:alert(1))")

    html = browse(admin).get(f"/work/{item.pk}/").content.decode()

    assert "<strong>Important</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert "Relevés bancaires" in html
    assert "Alice Admin" in html
    assert f'href="/contacts/{client.pk}/"' in html
    assert f"/work/{item.pk}/edit/" in html


def test_an_item_seen_by_name_shows_its_title_status_and_client_name_only(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    item = private_item(firm, admin)

    response = browse(staff).get(f"/work/{item.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bilan visible" in html
    assert item.status.name in html
    assert "Privé SA" in html
    for secret in ("Zorro", "Description-canari", "Tâche-canari", "Note-canari", "2030"):
        assert secret not in html
    assert f"/contacts/{item.client_id}/" not in html
    assert f"/work/{item.pk}/edit/" not in html


def test_a_hidden_clients_item_is_the_same_404_as_an_unknown_id(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    item = WorkItemFactory.create(client=hidden, title="Caché")
    other_firm = WorkItemFactory.create(client=ClientFactory.create(firm=FirmFactory.create()))
    http = browse(staff)

    for pk in (item.pk, other_firm.pk, 987654):
        assert http.get(f"/work/{pk}/").status_code == 404
        assert http.get(f"/work/{pk}/edit/").status_code == 404
        assert http.post(f"/work/{pk}/tasks/", {"title": "x"}).status_code == 404
        assert http.post(f"/work/{pk}/notes/", {"body": "x"}).status_code == 404
    assert not Task.objects.filter(work_item=item).exists()


def test_a_name_only_item_refuses_every_change_with_403(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    item = private_item(firm, admin)
    task = item.tasks.get()
    http = browse(staff)

    assert http.get(f"/work/{item.pk}/edit/").status_code == 403
    assert http.post(f"/work/{item.pk}/edit/", {"title": "Pris"}).status_code == 403
    assert http.post(f"/work/{item.pk}/delete/").status_code == 403
    assert http.post(f"/work/{item.pk}/tasks/", {"title": "x"}).status_code == 403
    assert http.post(f"/work/{item.pk}/tasks/{task.pk}/toggle/").status_code == 403
    assert http.post(f"/work/{item.pk}/tasks/{task.pk}/delete/").status_code == 403
    assert http.post(f"/work/{item.pk}/notes/", {"body": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.title == "Bilan visible"
    assert item.tasks.count() == 1
    assert WorkNote.objects.filter(work_item=item).count() == 1


# ---------------------------------------------------------------------------------------
# Creating, editing, deleting.
# ---------------------------------------------------------------------------------------


def test_creating_an_item_from_its_form(firm: Firm, admin: Colleague) -> None:
    person = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    group = ClientGroupFactory.create(firm=firm, display_name="Famille Dupont")
    GroupMembershipFactory.create(group=group, member=person)
    ready = state(firm, "ready")
    http = browse(admin)

    form = http.get("/work/new/", {"client": person.pk}).content.decode()
    response = http.post(
        "/work/new/",
        {
            "client": person.pk,
            "title": "Déclaration de revenus",
            "status": ready.pk,
            "assignee": admin.pk,
            "start_date": "2026-04-01",
            "due_date": "2026-05-31",
            "recurrence": "yearly",
            "client_group": group.pk,
            "description": "Pièces *à demander*",
        },
    )

    assert "Famille Dupont" in form
    item = WorkItem.objects.get(client=person)
    assert response.status_code == 302
    assert response["Location"] == f"/work/{item.pk}/"
    assert (item.title, item.status, item.assignee, item.client_group) == (
        "Déclaration de revenus",
        ready,
        admin,
        group,
    )
    assert item.recurrence == "yearly"
    assert item.due_date == datetime.date(2026, 5, 31)


def test_without_a_client_the_new_page_offers_clients_seen_in_full_only(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    ClientFactory.create(firm=firm, display_name="Ondine Publique")
    ClientFactory.create(firm=firm, display_name="Ondine Privée", privacy=Privacy.PRIVATE)

    html = browse(staff).get("/work/new/", {"q": "ondine"}).content.decode()

    assert "Ondine Publique" in html
    assert "Ondine Privée" not in html


def test_a_due_date_before_the_start_is_refused_on_its_field_and_nothing_is_written(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)

    response = browse(admin).post(
        "/work/new/",
        {
            "client": client.pk,
            "title": "Bilan",
            "status": state(firm, "planned").pk,
            "start_date": "2026-05-01",
            "due_date": "2026-04-01",
            "recurrence": "monthly",
        },
    )

    assert response.status_code == 422
    assert "L&#x27;échéance ne peut pas précéder la date de début." in response.content.decode()
    assert not WorkItem.objects.filter(client=client).exists()


def test_another_firms_status_or_an_inactive_assignee_is_refused(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    foreign = WorkStatus.objects.filter(firm=FirmFactory.create()).first()
    assert foreign is not None
    gone = ColleagueFactory.create(firm=firm, is_active=False)

    response = browse(admin).post(
        "/work/new/",
        {"client": client.pk, "title": "Bilan", "status": foreign.pk, "assignee": gone.pk},
    )

    assert response.status_code == 422
    assert not WorkItem.objects.filter(client=client).exists()


def test_the_assignee_picker_offers_active_colleagues_only(firm: Firm, admin: Colleague) -> None:
    client = ClientFactory.create(firm=firm)
    ColleagueFactory.create(firm=firm, first_name="Active", last_name="Présente")
    ColleagueFactory.create(firm=firm, first_name="Partie", last_name="Ailleurs", is_active=False)
    ColleagueFactory.create(firm=FirmFactory.create(), first_name="Autre", last_name="Cabinet")

    html = browse(admin).get("/work/new/", {"client": client.pk}).content.decode()

    assert "Active Présente" in html
    assert "Partie Ailleurs" not in html
    assert "Autre Cabinet" not in html


def test_editing_an_item_saves_what_changed_and_keeps_an_untouched_inactive_assignee(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    leaving = ColleagueFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=client, title="Bilan", assignee=leaving)
    leaving.is_active = False
    leaving.save(update_fields=["is_active"])
    http = browse(admin)
    done = state(firm, "completed")

    response = http.post(
        f"/work/{item.pk}/edit/",
        {
            "title": "Bilan 2026",
            "status": done.pk,
            "assignee": leaving.pk,
            "version": item.version,
        },
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.status, item.assignee) == ("Bilan 2026", done, leaving)
    assert item.completed_at is not None


def test_a_stale_edit_is_refused_with_a_clear_message_and_the_first_change_stays(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=client, title="Bilan")
    old_version = item.version
    services.update_work_item(actor=admin, item=item, title="Bilan du premier")
    planned = state(firm, "planned")

    response = browse(admin).post(
        f"/work/{item.pk}/edit/",
        {"title": "Bilan du second", "status": planned.pk, "version": old_version},
    )

    assert response.status_code == 409
    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Bilan du premier"


def test_deleting_asks_for_confirmation_then_deletes_and_returns_to_the_work_tab(
    firm: Firm, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=client, title="Bilan")
    http = browse(admin)

    page = http.get(f"/work/{item.pk}/delete/")
    assert page.status_code == 200
    assert WorkItem.objects.filter(pk=item.pk).exists()

    stale = http.post(f"/work/{item.pk}/delete/", {"version": item.version + 5})
    assert stale.status_code == 302
    assert WorkItem.objects.filter(pk=item.pk).exists()

    response = http.post(f"/work/{item.pk}/delete/", {"version": item.version})
    assert response["Location"] == f"/contacts/{client.pk}/work/"
    assert not WorkItem.objects.filter(pk=item.pk).exists()


# ---------------------------------------------------------------------------------------
# Checklist and notes.
# ---------------------------------------------------------------------------------------


def test_tasks_are_added_ticked_and_deleted_without_javascript(
    firm: Firm, admin: Colleague
) -> None:
    item = services.create_work_item(actor=admin, client=ClientFactory.create(firm=firm), title="B")
    http = browse(admin)

    added = http.post(f"/work/{item.pk}/tasks/", {"title": "Relevés", "assignee": admin.pk})
    task = Task.objects.get(work_item=item)
    ticked = http.post(f"/work/{item.pk}/tasks/{task.pk}/toggle/", {"done": "1"})
    again = http.post(f"/work/{item.pk}/tasks/{task.pk}/toggle/", {"done": "1"})
    task.refresh_from_db()
    assert task.done
    assert task.assignee == admin
    deleted = http.post(f"/work/{item.pk}/tasks/{task.pk}/delete/")

    for response in (added, ticked, again, deleted):
        assert response.status_code == 302
        assert response["Location"] == f"/work/{item.pk}/#tasks"
    assert not Task.objects.filter(work_item=item).exists()


def test_with_htmx_a_task_change_answers_the_checklist_alone(firm: Firm, admin: Colleague) -> None:
    item = services.create_work_item(actor=admin, client=ClientFactory.create(firm=firm), title="B")
    http = browse(admin)

    response = http.post(f"/work/{item.pk}/tasks/", {"title": "Relevés"}, headers=HTMX)
    refused = http.post(f"/work/{item.pk}/tasks/", {"title": ""}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="tasks"')
    assert "Relevés" in html
    assert "<html" not in html
    assert refused.status_code == 422
    assert "Ce champ est obligatoire." in refused.content.decode()


def test_a_task_of_another_item_is_a_404(firm: Firm, admin: Colleague) -> None:
    item = services.create_work_item(actor=admin, client=ClientFactory.create(firm=firm), title="A")
    other = TaskFactory.create(work_item__client__firm=firm)

    response = browse(admin).post(f"/work/{item.pk}/tasks/{other.pk}/toggle/", {"done": "1"})

    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.done


def test_a_note_is_added_and_shown_as_sanitised_markdown(firm: Firm, admin: Colleague) -> None:
    item = services.create_work_item(actor=admin, client=ClientFactory.create(firm=firm), title="B")
    http = browse(admin)

    response = http.post(
        f"/work/{item.pk}/notes/", {"body": "Client **relancé** <img src=x>"}, headers=HTMX
    )
    empty = http.post(f"/work/{item.pk}/notes/", {"body": "  "})

    html = response.content.decode()
    assert "<strong>relancé</strong>" in html
    assert "<img" not in html
    assert empty.status_code == 422
    assert WorkNote.objects.filter(work_item=item).count() == 1


# ---------------------------------------------------------------------------------------
# « Mes tâches ».
# ---------------------------------------------------------------------------------------


def test_my_tasks_lists_my_open_tasks_on_clients_i_see_in_full_overdue_first(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    today = datetime.date.today()
    public = ClientFactory.create(firm=firm, display_name="Public SA")
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    mine = WorkItemFactory.create(client=public, title="Travail public")
    TaskFactory.create(work_item=mine, title="Plus tard", assignee=staff, due_date=today)
    TaskFactory.create(
        work_item=mine,
        title="En retard",
        assignee=staff,
        due_date=today - datetime.timedelta(days=3),
    )
    TaskFactory.create(work_item=mine, title="Sans date", assignee=staff)
    TaskFactory.create(work_item=mine, title="Déjà faite", assignee=staff, done=True)
    TaskFactory.create(work_item=mine, title="Pas la mienne", assignee=admin)
    for client, title in ((private, "Sur un privé"), (hidden, "Sur un caché")):
        TaskFactory.create(work_item__client=client, title=title, assignee=staff)

    html = browse(staff).get("/work/tasks/").content.decode()

    shown = re.findall(r'<span class="task-title">([^<]+)</span>', html)
    assert shown == ["En retard", "Plus tard", "Sans date"]
    assert "Public SA" in html


def test_ticking_a_task_from_my_tasks_comes_back_to_my_tasks(firm: Firm, staff: Colleague) -> None:
    task = TaskFactory.create(work_item__client=ClientFactory.create(firm=firm), assignee=staff)
    ClientMember.objects.create(firm=firm, client=task.work_item.client, colleague=staff)

    response = browse(staff).post(
        f"/work/{task.work_item_id}/tasks/{task.pk}/toggle/",
        {"done": "1", "next": "/work/tasks/"},
    )

    assert response["Location"] == "/work/tasks/"
    task.refresh_from_db()
    assert task.done


def test_the_contact_has_no_work_page_unless_seen_in_full(firm: Firm, staff: Colleague) -> None:
    private: Contact = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)

    assert browse(staff).get(f"/contacts/{private.pk}/work/").status_code == 404


def test_the_group_an_item_names_links_only_when_seen_in_full(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    person = PersonFactory.create(firm=firm)
    group = ClientGroupFactory.create(
        firm=firm, display_name="Famille Privée", privacy=Privacy.PRIVATE
    )
    GroupMembershipFactory.create(group=group, member=person)
    item = services.create_work_item(actor=admin, client=person, title="B", client_group=group)

    as_staff = browse(staff).get(f"/work/{item.pk}/").content.decode()
    as_admin = browse(admin).get(f"/work/{item.pk}/").content.decode()

    assert "Famille Privée" in as_staff
    assert f"/contacts/{group.pk}/" not in as_staff
    assert f'href="/contacts/{group.pk}/work/"' in as_admin
