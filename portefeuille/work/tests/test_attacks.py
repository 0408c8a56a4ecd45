"""What an attacker inside or outside the firm tries against the work app, and the answer
they must get (docs/work.md, docs/access-rules.md): nothing read beyond their level, no
write beyond it, no server error from odd input, no stale write accepted, nothing half
written. The first sections pin down points a review found open, so they stay closed."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.api.pagination import encode_cursor
from portefeuille.api.testing import token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import queries as contact_queries
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, RoleSlot, WorkStatus, WorkType
from portefeuille.firms.services.colleagues import deactivate_colleague
from portefeuille.notifications.models import Notification
from portefeuille.notifications.reading import readable, show
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientGroupFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    GroupMembershipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    WorkItemFactory,
)
from portefeuille.work import recurrence, services
from portefeuille.work.models import Segment, Task, WorkItem, WorkNote

pytestmark = pytest.mark.django_db

API = "/api/v1/work-items"
HUGE = "9" * 30  # far beyond 64 bits
JUST_OVER = str(2**63)


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
    """Full scope, on no client team: private clients are name-only, hidden ones absent."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def status_of(firm: Firm, state: str) -> WorkStatus:
    return WorkStatus.objects.filter(firm=firm, primary_state=state).order_by("position")[0]


def api(
    http: Client, method: str, url: str, who: Colleague, body: Any = None, **headers: str
) -> Any:
    h = token_headers(who) | headers
    if method == "get":
        return http.get(url, body or {}, headers=h)
    return getattr(http, method)(
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=h,
    )


def snapshot() -> dict[str, list[Any]]:
    return {
        m.__name__: list(m.objects.order_by("pk").values_list())
        for m in (WorkItem, Task, WorkNote, Segment)
    } | {
        "events": list(
            AuditEvent.objects.filter(action__startswith="work_item").values_list("pk", flat=True)
        )
    }


# =========================================================================================
# A client group's Work tab never orders a name-only member's item by its due date, nor
# (with ?done=1) by its completion time: its place among items seen in full would tell them.
# =========================================================================================


def _titles_in_order(html: str) -> list[str]:
    return re.findall(r'<tr data-item="\d+" data-level="\w+">\s*<td><a [^>]*>([^<]+)</a>', html)


def test_group_tab_sorts_a_name_only_item_last_whatever_its_due_date(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    group = ClientGroupFactory.create(firm=firm)  # public: staff sees it in full
    public = PersonFactory.create(firm=firm)
    private = PersonFactory.create(firm=firm, privacy=Privacy.PRIVATE)  # name only to staff
    GroupMembershipFactory.create(group=group, member=public)
    GroupMembershipFactory.create(group=group, member=private)
    for title, due in (
        ("Jan", "2026-01-15"),
        ("Mar", "2026-03-15"),
        ("May", "2026-05-15"),
        ("Jul", "2026-07-15"),
        ("Sep", "2026-09-15"),
    ):
        services.create_work_item(actor=admin, client=public, title=title, due_date=due)
    services.create_work_item(
        actor=admin, client=private, title="SECRET", due_date="2026-06-01", client_group=group
    )

    html = browse(staff).get(reverse("contact_work", args=[group.pk])).content.decode()
    order = _titles_in_order(html)

    assert "SECRET" in order  # shown by name, as the rule says
    # Sorted as if it had no due date (last), like the board's due_key; between "May" and
    # "Jul" it would tell a due date in June.
    assert order[-1] == "SECRET", order


def test_group_tab_done_list_places_a_name_only_item_whatever_its_completion_time(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    group = ClientGroupFactory.create(firm=firm)
    public = PersonFactory.create(firm=firm)
    private = PersonFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    GroupMembershipFactory.create(group=group, member=public)
    GroupMembershipFactory.create(group=group, member=private)
    done = status_of(firm, WorkStatus.PrimaryState.COMPLETED)
    secret = services.create_work_item(
        actor=admin, client=private, title="SECRET", client_group=group
    )
    first = services.create_work_item(actor=admin, client=public, title="Old")
    later = services.create_work_item(actor=admin, client=public, title="New")
    services.move_work_item(actor=admin, item=first, status=done)
    services.move_work_item(actor=admin, item=secret, status=done)  # completed in between
    services.move_work_item(actor=admin, item=later, status=done)

    html = browse(staff).get(reverse("contact_work", args=[group.pk]) + "?done=1").content
    order = _titles_in_order(html.decode())

    assert sorted(order) == ["New", "Old", "SECRET"], order
    # At an end, not between "New" and "Old" where its completion time would put it.
    assert order.index("SECRET") in (0, len(order) - 1), order


# =========================================================================================
# A task change is checked against the version of the task the writer loaded (each line of
# the checklist carries its own): of two people changing it from the same copy, the second
# is refused, whether they rename it or delete it.
# =========================================================================================


def test_a_task_change_or_delete_from_a_stale_copy_is_a_412(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    other = AdminFactory.create(firm=firm)
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(
        actor=admin, client=acme, title="Bilan", tasks=[{"title": "Relevés"}]
    )
    task = item.tasks.get()
    loaded = client.get(f"{API}/{item.pk}/tasks", headers=token_headers(admin))
    etag = f'"{loaded.json()[0]["version"]}"'
    url = f"{API}/{item.pk}/tasks/{task.pk}"

    first = api(client, "patch", url, admin, {"title": "Relevés 2025"}, **{"If-Match": etag})
    assert first.status_code == 200
    # The second writer loaded the task before the first change.
    second = api(client, "patch", url, other, {"title": "Relevés (Marc)"}, **{"If-Match": etag})
    assert second.status_code == 412, second.status_code
    deleted = api(client, "delete", url, other, **{"If-Match": etag})
    assert deleted.status_code == 412, deleted.status_code
    assert Task.objects.get(pk=task.pk).title == "Relevés 2025"


# =========================================================================================
# Saving the edit form keeps a client group the editor does not see in full: the select
# offers only groups seen in full, so the "" the browser posts for it is no change.
# =========================================================================================


def test_editing_an_item_keeps_its_client_group_hidden_from_the_editor(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    acme = PersonFactory.create(firm=firm)  # public: staff edits it in full
    group = ClientGroupFactory.create(firm=firm, privacy=Privacy.HIDDEN)  # absent for staff
    GroupMembershipFactory.create(group=group, member=acme)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan", client_group=group)

    http = browse(staff)
    page = http.get(reverse("work_item_edit", args=[item.pk]))
    assert page.status_code == 200
    response = http.post(
        reverse("work_item_edit", args=[item.pk]),
        {
            "title": "Bilan 2026",
            "status": item.status_id,
            "work_type": "",
            "assignee": "",
            "start_date": "",
            "due_date": "",
            "recurrence": "",
            "client_group": "",  # what the browser sends: the hidden group is not an option
            "description": "",
            "version": item.version,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Bilan 2026"
    assert item.client_group_id == group.pk


# =========================================================================================
# A recurrence whose next period would fall past year 9999 is refused on input, and a row
# holding one anyway neither stops the daily run for the other firms nor the completion task.
# =========================================================================================


def test_a_far_future_recurrence_is_refused_on_input(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    acme = ClientFactory.create(firm=firm)
    created = api(
        client,
        "post",
        API,
        admin,
        {
            "client_id": acme.pk,
            "title": "Bombe",
            "start_date": "9999-12-15",
            "recurrence": "monthly",
        },
    )
    assert created.status_code == 422
    assert not WorkItem.objects.filter(title="Bombe").exists()
    item = services.create_work_item(actor=admin, client=acme, title="x", due_date="9999-06-01")
    with pytest.raises(ValidationError):
        services.update_work_item(actor=admin, item=item, recurrence="yearly")


def test_a_far_future_recurring_row_does_not_stop_the_daily_run_of_any_firm(
    firm: Firm, admin: Colleague
) -> None:
    # A victim firm with a recurring item due for its next period.
    victim_admin = AdminFactory.create(firm=FirmFactory.create())
    victim_client = ClientFactory.create(firm=victim_admin.firm)
    victim = services.create_work_item(
        actor=victim_admin,
        client=victim_client,
        title="TVA",
        start_date="2026-01-01",
        recurrence="monthly",
    )
    # A row written before the input check existed (or by an import).
    bomb = WorkItemFactory.create(
        client=ClientFactory.create(firm=firm),
        recurrence="yearly",
        due_date=datetime.date(9999, 12, 31),
    )
    call_command("create_due_work", date="2026-03-01")
    assert WorkItem.objects.filter(previous=victim).exists()
    # What the task queue runs when the item is completed.
    assert recurrence.create_next_item(item_id=bomb.pk) is None


# =========================================================================================
# A filter id in non-ASCII digits ("²", "①": str.isdigit() but not int()) is an invalid
# id: ignored by the board and the segment form, a 422 in the API.
# =========================================================================================


@pytest.mark.parametrize("value", ["²", "1²", "①"])
def test_board_ignores_non_ascii_digits_in_a_filter(staff: Colleague, value: str) -> None:
    http = browse(staff)
    for name in ("assignee", "client_group", "status", "type", "member", "client"):
        response = http.get(reverse("work_board"), {name: value})
        assert response.status_code == 200, (name, response.status_code)


@pytest.mark.parametrize("value", ["²", "1²"])
def test_api_refuses_non_ascii_digits_in_a_filter_with_a_422(
    client: Client, staff: Colleague, value: str
) -> None:
    for name in ("assignee", "client_manager", "member", "role_holder", "role"):
        response = client.get(API, {name: value}, headers=token_headers(staff))
        assert response.status_code == 422, (name, response.status_code)
    response = api(
        client, "post", "/api/v1/segments", staff, {"name": "x", "filters": {"assignee": value}}
    )
    assert response.status_code == 422, response.status_code


def test_segment_form_takes_non_ascii_digits_without_a_server_error(staff: Colleague) -> None:
    response = browse(staff).post(reverse("work_segment_save"), {"name": "x", "assignee": "²"})
    assert response.status_code == 302


# =========================================================================================
# Reads: a reader learns nothing beyond their level, and hidden is the same as unknown.
# =========================================================================================


def test_name_only_item_shows_nothing_more_anywhere(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, display_name="Privé SA")
    item = services.create_work_item(
        actor=admin,
        client=private,
        title="Bilan",
        assignee=admin,
        due_date="2026-05-31",
        description="DESCSECRET",
        tasks=[{"title": "TASKSECRET", "assignee": staff.pk}],
    )
    services.add_work_note(actor=admin, item=item, body="NOTESECRET")
    http = browse(staff)
    pages = [
        http.get(reverse("work_item", args=[item.pk])),
        http.get(reverse("work_board")),
        http.get(reverse("work_board"), {"view": "list"}),
        http.get(reverse("my_tasks")),
        http.get(reverse("home")),
        client.get(API, headers=token_headers(staff)),
        client.get(f"{API}/{item.pk}", headers=token_headers(staff)),
        client.get("/api/v1/tasks", headers=token_headers(staff)),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        secrets = ["DESCSECRET", "TASKSECRET", "NOTESECRET", "2026-05-31", "31/05/2026"]
        if page.request["PATH_INFO"] != "/work/":  # the board's filter lists every colleague
            secrets.append("Alice")
        for secret in secrets:
            assert secret not in text, (page.request["PATH_INFO"], secret)
        assert "ETag" not in page
    for path in ("/tasks", "/notes"):
        assert client.get(f"{API}/{item.pk}{path}", headers=token_headers(staff)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"assignee": "ADMIN"},
        {"client_owner": "OWNER"},
        {"client_manager": "ADMIN"},
        {"member": "ADMIN"},
        {"type": "TYPE"},
        {"due": "overdue"},
        {"due_before": "2030-01-01"},
        {"due_after": "2000-01-01"},
        {"portfolio": "PORTFOLIO"},
        {"role": "1"},
        {"role": "1", "role_holder": "ADMIN"},
        {"role_holder": "ADMIN"},
    ],
)
def test_filters_beyond_title_and_status_never_keep_name_only_items(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague, query: dict[str, str]
) -> None:
    firm.ownership_enabled = True
    firm.save()
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Expert")
    entry = OwnerEntry.objects.create(firm=firm, colleague=admin, name="")
    portfolio = Portfolio.objects.create(firm=firm, name="P")
    work_type = WorkType.objects.filter(firm=firm).first()
    assert work_type is not None  # a new firm has its default work types
    private = ClientFactory.create(
        firm=firm, privacy=Privacy.PRIVATE, manager=admin, owner=entry, portfolio=portfolio
    )
    RoleAssignmentFactory.create(client=private, slot=1, colleague=admin)
    ClientMemberFactory.create(client=private, colleague=admin)
    services.create_work_item(
        actor=admin,
        client=private,
        title="Bilan",
        assignee=admin,
        due_date="2020-01-01",
        work_type=work_type,
    )
    names = {
        "ADMIN": admin.pk,
        "OWNER": entry.pk,
        "TYPE": work_type.pk,
        "PORTFOLIO": portfolio.pk,
    }
    query = {k: str(names.get(v, v)) for k, v in query.items()}
    # The filter keeps the item for who sees it in full, and the name-only item is listed
    # for staff when nothing beyond title and status is filtered.
    assert client.get(API, query, headers=token_headers(admin)).json()["items"]
    assert client.get(API, headers=token_headers(staff)).json()["items"]
    listed = browse(staff).get(reverse("work_board"), {"view": "list"}).content.decode()
    assert "Bilan" in listed
    found = client.get(API, query, headers=token_headers(staff))
    assert found.status_code == 200, found.content
    assert found.json()["items"] == []
    board = browse(staff).get(reverse("work_board"), query | {"view": "list"}).content.decode()
    assert "Bilan" not in board


def test_hidden_and_unknown_items_answer_alike(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    item = services.create_work_item(
        actor=admin, client=hidden, title="Caché", tasks=[{"title": "t"}]
    )
    task = item.tasks.get()
    unknown = item.pk + 10_000
    h = token_headers(staff)
    for method, path, body in (
        ("get", "", None),
        ("patch", "", {"title": "x"}),
        ("delete", "", None),
        ("post", "/status", {"status_id": item.status_id}),
        ("get", "/tasks", None),
        ("post", "/tasks", {"title": "x"}),
        ("patch", f"/tasks/{task.pk}", {"done": True}),
        ("delete", f"/tasks/{task.pk}", None),
        ("get", "/notes", None),
        ("post", "/notes", {"body": "x"}),
    ):
        answers = []
        for pk in (item.pk, unknown):
            url = f"{API}/{pk}{path}"
            kwargs = {"headers": h | {"If-Match": '"999"'}}
            if body is not None:
                r = getattr(client, method)(
                    url, json.dumps(body), content_type="application/json", **kwargs
                )
            else:
                r = getattr(client, method)(url, **kwargs)
            data = r.json() if r.content else {}
            data.pop("instance", None)
            answers.append((r.status_code, data))
        assert answers[0] == answers[1], (method, path, answers)
        assert answers[0][0] == 404
    http = browse(staff)
    for name, method in (
        ("work_item", "get"),
        ("work_item_edit", "get"),
        ("work_item_delete", "post"),
        ("work_task_add", "post"),
        ("work_note_add", "post"),
        ("work_move", "post"),
    ):
        codes = {
            getattr(http, method)(reverse(name, args=[pk])).status_code for pk in (item.pk, unknown)
        }
        assert codes == {404}, (name, codes)
    json_moves = [
        http.post(
            reverse("work_move", args=[pk]),
            {"status": item.status_id, "version": 1},
            headers={"Accept": "application/json"},
        ).content
        for pk in (item.pk, unknown)
    ]
    assert json_moves[0] == json_moves[1]
    assert WorkItem.objects.get(pk=item.pk).title == "Caché"


def test_limited_colleague_sees_no_public_clients_work(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    limited = ColleagueFactory.create(firm=firm, scope=Colleague.Scope.LIMITED)
    public = ClientFactory.create(firm=firm)
    item = services.create_work_item(
        actor=admin,
        client=public,
        title="PUBSECRET",
        assignee=limited,
        tasks=[{"title": "TASKSECRET", "assignee": limited.pk}],
    )
    services.move_work_item(
        actor=admin, item=item, status=status_of(firm, WorkStatus.PrimaryState.IN_PROGRESS)
    )
    h = token_headers(limited)
    assert client.get(API, headers=h).json()["items"] == []
    assert client.get(API, {"assignee": "me"}, headers=h).json()["items"] == []
    assert client.get("/api/v1/tasks", headers=h).json()["items"] == []
    assert client.get(f"{API}/{item.pk}", headers=h).status_code == 404
    for page in (
        reverse("home"),
        reverse("my_tasks"),
        reverse("work_board"),
        reverse("work_board") + "?view=list",
    ):
        assert "PUBSECRET" not in browse(limited).get(page).content.decode()
    assert not Notification.objects.filter(recipient=limited).exists()


def test_other_firms_colleague_cannot_reach_or_use_anything(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    outsider = AdminFactory.create(firm=FirmFactory.create())
    acme = PersonFactory.create(firm=firm)
    group = ClientGroupFactory.create(firm=firm)
    GroupMembershipFactory.create(group=group, member=acme)
    item = services.create_work_item(
        actor=admin, client=acme, title="Bilan", tasks=[{"title": "t"}]
    )
    h = token_headers(outsider)
    assert client.get(f"{API}/{item.pk}", headers=h).status_code == 404
    assert client.get(API, {"client": acme.pk}, headers=h).json()["items"] == []
    assert client.get(API, {"client_group": group.pk}, headers=h).json()["items"] == []
    assert (
        api(
            client,
            "post",
            f"{API}/{item.pk}/status",
            outsider,
            {"status_id": status_of(outsider.firm, WorkStatus.PrimaryState.COMPLETED).pk},
        ).status_code
        == 404
    )
    assert (
        browse(outsider)
        .post(reverse("work_move", args=[item.pk]), {"status": item.status_id})
        .status_code
        == 404
    )
    # Writing with ids of another firm: the same refusal as an unknown id.
    own = ClientFactory.create(firm=outsider.firm)
    answers = {}
    for label, body in (
        ("assignee", {"assignee_id": admin.pk}),
        ("status", {"status_id": item.status_id}),
        ("group", {"client_group_id": group.pk}),
        ("task_assignee", {"tasks": [{"title": "x", "assignee_id": admin.pk}]}),
    ):
        before = snapshot()
        r = api(client, "post", API, outsider, {"client_id": own.pk, "title": "x", **body})
        assert r.status_code == 422, (label, r.content)
        answers[label] = r.json()["errors"]
        assert snapshot() == before
    unknown_ids = api(
        client, "post", API, outsider, {"client_id": own.pk, "title": "x", "assignee_id": 10**12}
    ).json()["errors"]
    assert [e["msg"] for e in answers["assignee"]] == [e["msg"] for e in unknown_ids]
    r = api(client, "post", API, outsider, {"client_id": acme.pk, "title": "x"})
    assert r.status_code == 422  # client of another firm: an unknown client_id


def test_a_deactivated_colleague_is_refused_by_the_api_and_the_services(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    gone = AdminFactory.create(firm=firm)
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan")
    h = token_headers(gone)
    deactivate_colleague(actor=admin, colleague=gone)
    for r in (
        client.get(API, headers=h),
        client.get(f"{API}/{item.pk}", headers=h),
        client.post(
            f"{API}/{item.pk}/status",
            json.dumps({"status_id": item.status_id}),
            content_type="application/json",
            headers=h,
        ),
        client.get("/api/v1/tasks", headers=h),
    ):
        assert r.status_code == 401, r.status_code
    with pytest.raises(PermissionDenied):
        services.move_work_item(
            actor=Colleague.objects.get(pk=gone.pk),
            item=item,
            status=status_of(firm, WorkStatus.PrimaryState.COMPLETED),
        )


# =========================================================================================
# Writes: none to a name-only item, none from a stale copy, nothing left half written.
# =========================================================================================


def test_name_only_item_cannot_be_changed_anywhere(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    item = services.create_work_item(
        actor=admin, client=private, title="Bilan", tasks=[{"title": "t"}]
    )
    task = item.tasks.get()
    mine = services.create_work_item(
        actor=admin, client=ClientFactory.create(firm=firm), title="À moi"
    )
    before = snapshot()
    done = status_of(firm, WorkStatus.PrimaryState.COMPLETED)
    assert api(client, "patch", f"{API}/{item.pk}", staff, {"title": "x"}).status_code == 403
    assert (
        api(
            client, "patch", f"{API}/{item.pk}", staff, {"title": "x"}, **{"If-Match": '"1"'}
        ).status_code
        == 403
    )
    assert api(client, "delete", f"{API}/{item.pk}", staff).status_code == 403
    assert (
        api(client, "post", f"{API}/{item.pk}/status", staff, {"status_id": done.pk}).status_code
        == 403
    )
    assert api(client, "post", f"{API}/{item.pk}/notes", staff, {"body": "x"}).status_code == 404
    assert (
        api(client, "patch", f"{API}/{item.pk}/tasks/{task.pk}", staff, {"done": True}).status_code
        == 404
    )
    http = browse(staff)
    assert (
        http.post(
            reverse("work_move", args=[item.pk]), {"status": done.pk, "version": item.version}
        ).status_code
        == 403
    )
    assert (
        http.post(
            reverse("work_move", args=[item.pk]),
            {"status": done.pk},
            headers={"Accept": "application/json"},
        ).status_code
        == 403
    )
    for name in ("work_item_edit", "work_item_delete", "work_task_add", "work_note_add"):
        assert (
            http.post(reverse(name, args=[item.pk]), {"title": "x", "body": "x"}).status_code == 403
        ), name
    for name in ("work_task_toggle", "work_task_delete"):
        assert http.post(reverse(name, args=[item.pk, task.pk])).status_code == 403, name
    # A task of a name-only item reached through an item seen in full.
    assert http.post(reverse("work_task_toggle", args=[mine.pk, task.pk])).status_code == 404
    assert http.post(reverse("work_task_delete", args=[mine.pk, task.pk])).status_code == 404
    assert (
        api(client, "patch", f"{API}/{mine.pk}/tasks/{task.pk}", staff, {"done": True}).status_code
        == 404
    )
    assert snapshot() == before


def test_stale_moves_and_edits_are_refused_and_write_nothing(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan")
    ready = status_of(firm, WorkStatus.PrimaryState.READY)
    waiting = status_of(firm, WorkStatus.PrimaryState.WAITING)
    old = item.version
    services.move_work_item(actor=admin, item=item, status=ready)
    before = snapshot()
    http = browse(admin)
    r = http.post(
        reverse("work_move", args=[item.pk]),
        {"status": waiting.pk, "version": old},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 409
    assert (
        api(
            client,
            "post",
            f"{API}/{item.pk}/status",
            admin,
            {"status_id": waiting.pk, "version": old},
        ).status_code
        == 412
    )
    assert (
        api(
            client, "patch", f"{API}/{item.pk}", admin, {"title": "x"}, **{"If-Match": f'"{old}"'}
        ).status_code
        == 412
    )
    assert (
        api(
            client,
            "patch",
            f"{API}/{item.pk}",
            admin,
            {"title": "x"},
            **{"If-Match": 'W/"abc", "-1"'},
        ).status_code
        == 412
    )
    assert (
        api(client, "delete", f"{API}/{item.pk}", admin, **{"If-Match": f'"{old}"'}).status_code
        == 412
    )
    # Body version and header disagree: refused.
    current = WorkItem.objects.get(pk=item.pk).version
    assert (
        api(
            client,
            "patch",
            f"{API}/{item.pk}",
            admin,
            {"title": "x", "version": old},
            **{"If-Match": f'"{current}"'},
        ).status_code
        == 412
    )
    edit = http.post(
        reverse("work_item_edit", args=[item.pk]),
        {"title": "y", "status": ready.pk, "version": old},
    )
    assert edit.status_code == 409
    assert snapshot() == before


def test_refusals_leave_nothing_half_written(client: Client, firm: Firm, admin: Colleague) -> None:
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan")
    gone = ColleagueFactory.create(firm=firm, is_active=False)
    before = snapshot()
    bad_bodies = [
        {"title": "ok", "status_id": 10**12},
        {"title": "ok", "assignee_id": gone.pk},
        {"title": "ok", "start_date": "2026-05-01", "due_date": "2026-04-01"},
        {"title": "ok", "recurrence": "monthly"},
        {"title": "ok", "work_type_id": 10**12},
        {"title": "ok", "description": "x" * 20_001},
        {"title": "x" * 201},
        {"title": "ok", "unknown": 1},
    ]
    for body in bad_bodies:
        r = api(client, "patch", f"{API}/{item.pk}", admin, body)
        assert r.status_code == 422, (body, r.status_code)
        assert snapshot() == before, body
    for body in (
        {"client_id": acme.pk, "title": "x", "tasks": [{"title": "t"}] * 201},
        {
            "client_id": acme.pk,
            "title": "x",
            "tasks": [{"title": "t"}] * 5 + [{"title": "t", "assignee_id": gone.pk}],
        },
        {"client_id": acme.pk, "title": "x", "tasks": [{"title": ""}]},
        {"client_id": acme.pk, "title": "x", "tasks": [{"title": "t", "done": True}]},
    ):
        r = api(client, "post", API, admin, body)
        assert r.status_code == 422, (r.status_code, r.content[:300])
        assert snapshot() == before


def test_a_checklist_holds_200_tasks_at_most(client: Client, firm: Firm, admin: Colleague) -> None:
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(
        actor=admin, client=acme, title="Bilan", tasks=[{"title": f"t{i}"} for i in range(200)]
    )
    r = api(client, "post", f"{API}/{item.pk}/tasks", admin, {"title": "one more"})
    assert r.status_code == 422
    assert item.tasks.count() == 200


# =========================================================================================
# Odd input: a 404 or a 422, never a server error.
# =========================================================================================


def test_odd_ids_and_values_get_a_404_or_a_422_never_a_500(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(
        actor=admin, client=acme, title="Bilan", tasks=[{"title": "t"}]
    )
    task = item.tasks.get()
    http = browse(admin)
    for url in (
        f"/work/{HUGE}/",
        f"/work/{JUST_OVER}/",
        f"/work/{HUGE}/edit/",
        f"/contacts/{HUGE}/work/",
        f"/work/segments/{HUGE}/delete/",
        f"/work/{item.pk}/tasks/{HUGE}/toggle/",
    ):
        method = "post" if "toggle" in url else "get"
        assert getattr(http, method)(url).status_code == 404, url
    assert http.post(f"/work/{HUGE}/move/", {"status": "1"}).status_code == 404
    for status in ("", "abc", HUGE, "-1", "1.5", "²"):
        r = http.post(
            reverse("work_move", args=[item.pk]),
            {"status": status, "version": "²"},
            headers={"Accept": "application/json"},
        )
        assert r.status_code in (409, 422), (status, r.status_code)
    h = token_headers(admin)
    for url in (
        f"{API}/{HUGE}",
        f"{API}/{JUST_OVER}",
        f"{API}/0",
        f"{API}/-1",
        f"{API}/abc",
        f"{API}/{HUGE}/notes",
        f"{API}/{HUGE}/tasks",
    ):
        r = client.get(url, headers=h)
        assert r.status_code in (404, 422), (url, r.status_code)
    for query in (
        {"assignee": HUGE},
        {"assignee": "-1"},
        {"assignee": "0"},
        {"client_group": HUGE},
        {"due_before": "2026-02-30"},
        {"due_after": "abc"},
        {"state": "x"},
        {"due": "x"},
        {"mine": "maybe"},
        {"role": "1:2:3"},
        {"role": "a:b"},
        {"role": f"1:{HUGE}"},
        {"cursor": "garbage"},
        {"cursor": encode_cursor(["x"])},
        {"limit": "100000"},
        {"type": "1e3"},
    ):
        r = client.get(API, query, headers=h)
        assert r.status_code == 422, (query, r.status_code)
    for query in (
        {"assignee": HUGE},
        {"due_before": "2026-02-30"},
        {"after": "garbage"},
        {"view": "list", "after": encode_cursor(["9999-99-99", 1])},
        {"view": "list", "after": encode_cursor([5, "x"])},
        {"view": "list", "after": encode_cursor(["2026-01-01", HUGE])},
        {"view": "list", "after": encode_cursor(["2026-01-01", 10**30])},
        {"view": "list", "after": encode_cursor([None, None])},
        {"q": "x" * 10_000},
        {"role5": "2"},
        {"role": "1", "role_holder": HUGE},
    ):
        r = http.get(reverse("work_board"), query)
        assert r.status_code == 200, (query, r.status_code)
    for body in (
        {"title": "x", "due_date": "2026-02-30"},
        {"done": "peut-être"},
        {"assignee_id": int(HUGE)},
        {"title": None, "extra": 1},
    ):
        r = api(client, "patch", f"{API}/{item.pk}/tasks/{task.pk}", admin, body)
        assert r.status_code == 422, (body, r.status_code)
    r = api(client, "post", API, admin, {"client_id": int(HUGE), "title": "x"})
    assert r.status_code == 422
    r = api(
        client,
        "post",
        API,
        admin,
        {"client_id": acme.pk, "title": "x", "start_date": "0001-01-01", "due_date": "9999-12-31"},
    )
    assert r.status_code == 201


def test_huge_bodies_are_refused_without_a_500(
    client: Client, firm: Firm, admin: Colleague
) -> None:
    acme = ClientFactory.create(firm=firm)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan")
    r = api(client, "post", f"{API}/{item.pk}/notes", admin, {"body": "x" * 3_000_000})
    assert r.status_code in (400, 413, 422), r.status_code
    r = api(client, "post", f"{API}/{item.pk}/notes", admin, {"body": "x" * 20_001})
    assert r.status_code == 422
    r = browse(admin).post(reverse("work_note_add", args=[item.pk]), {"body": "x" * 20_001})
    assert r.status_code == 422
    r = api(
        client, "post", "/api/v1/segments", admin, {"name": "s", "filters": {"q": "x" * 100_000}}
    )
    assert r.status_code in (200, 201, 422), r.status_code
    r = api(
        client,
        "post",
        "/api/v1/segments",
        admin,
        {"name": "s", "filters": {f"k{i}": "1" for i in range(5000)}},
    )
    assert r.status_code == 422


# =========================================================================================
# Notifications, history, counts and segments: at the reader's level of today.
# =========================================================================================


def test_notifications_after_the_client_turned_private_say_title_and_status_only(
    firm: Firm, admin: Colleague
) -> None:
    staff = ColleagueFactory.create(firm=firm)
    acme = ClientFactory.create(firm=firm, manager=staff)
    item = services.create_work_item(
        actor=admin,
        client=acme,
        title="Bilan",
        tasks=[{"title": "TASKSECRET", "assignee": staff.pk}],
    )
    services.add_work_note(actor=admin, item=item, body="NOTESECRET")
    services.move_work_item(
        actor=admin, item=item, status=status_of(firm, WorkStatus.PrimaryState.COMPLETED)
    )
    Contact.objects.filter(pk=acme.pk).update(privacy=Privacy.PRIVATE, manager=None)
    shown = show(staff, Notification.objects.filter(recipient=staff))
    assert shown
    for one in shown:
        assert "TASKSECRET" not in one.text
        assert "NOTESECRET" not in one.text
        assert one.url is None or "/work/" not in one.url
    Contact.objects.filter(pk=acme.pk).update(privacy=Privacy.HIDDEN)
    assert not readable(staff).exists()


def test_history_hides_a_group_the_reader_cannot_see(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    acme = PersonFactory.create(firm=firm)
    group = ClientGroupFactory.create(firm=firm, privacy=Privacy.HIDDEN, display_name="GRPSECRET")
    GroupMembershipFactory.create(group=group, member=acme)
    item = services.create_work_item(actor=admin, client=acme, title="Bilan")
    services.update_work_item(actor=admin, item=item, client_group=group)
    events = f"/api/v1/audit-events?client={acme.pk}"
    assert "GRPSECRET" in client.get(events, headers=token_headers(admin)).content.decode()
    history = client.get(events, headers=token_headers(staff))
    assert history.status_code == 200
    assert "GRPSECRET" not in history.content.decode()
    html = browse(staff).get(reverse("contacts:timeline", args=[acme.pk]))
    assert html.status_code == 200
    assert "GRPSECRET" not in html.content.decode()
    api_page = client.get(f"{API}/{item.pk}", headers=token_headers(staff)).json()
    assert api_page["client_group"] is None
    assert (
        "GRPSECRET" not in browse(staff).get(reverse("work_item", args=[item.pk])).content.decode()
    )


def test_group_filter_on_a_private_or_hidden_group_is_an_unknown_group(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    for privacy in (Privacy.PRIVATE, Privacy.HIDDEN):
        group = ClientGroupFactory.create(firm=firm, privacy=privacy)
        member = PersonFactory.create(firm=firm)  # public member
        GroupMembershipFactory.create(group=group, member=member)
        services.create_work_item(actor=admin, client=member, title="Lien", client_group=group)
        found = client.get(API, {"client_group": group.pk}, headers=token_headers(staff))
        unknown = client.get(API, {"client_group": 10**12}, headers=token_headers(staff))
        assert found.json() == {"items": [], "next_cursor": None}
        assert unknown.json() == found.json()
        # Naming it in a write: the same refusal as an unknown group.
        r1 = api(
            client,
            "patch",
            f"{API}/{WorkItem.objects.filter(client=member).get().pk}",
            staff,
            {"client_group_id": group.pk},
        )
        r2 = api(
            client,
            "patch",
            f"{API}/{WorkItem.objects.filter(client=member).get().pk}",
            staff,
            {"client_group_id": 10**12},
        )
        assert r1.status_code == 422
        assert r2.status_code == 422
        assert r1.json()["errors"] == r2.json()["errors"]


def test_contacts_list_work_counts_skip_hidden_members(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    group = ClientGroupFactory.create(firm=firm)
    hidden = PersonFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    GroupMembershipFactory.create(group=group, member=hidden)
    services.create_work_item(actor=admin, client=hidden, title="x", client_group=group)
    services.create_work_item(actor=admin, client=hidden, title="y")
    assert contact_queries.work_counts(staff, [group]) == {}
    assert sum(contact_queries.work_counts(admin, [group])[group.pk].values()) == 2


def test_segments_are_private_to_their_owner(
    client: Client, firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    segment = services.save_segment(actor=admin, name="Mes urgences", query={"due": "overdue"})
    assert client.get("/api/v1/segments", headers=token_headers(staff)).json()["items"] == []
    assert api(client, "delete", f"/api/v1/segments/{segment.pk}", staff).status_code == 404
    assert browse(staff).post(reverse("work_segment_delete", args=[segment.pk])).status_code == 404
    assert browse(staff).get(reverse("work_segment_delete", args=[segment.pk])).status_code == 404
    assert Segment.objects.filter(pk=segment.pk).exists()
