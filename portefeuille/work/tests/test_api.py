"""/api/v1/work-items, /tasks and /segments: what each level reads, the filters of the work
view, creation and changes with their refusals (nothing half written), optimistic
concurrency (If-Match), the checklist and notes, my tasks and my saved filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, WorkStatus, WorkType
from portefeuille.testing import factories as f
from portefeuille.work import services
from portefeuille.work.models import Segment, Task, WorkItem, WorkNote

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-items"
NAME_KEYS = {"id", "title", "status", "client", "level"}


@pytest.fixture
def admin() -> Colleague:
    return f.AdminFactory.create(first_name="Anne", last_name="Admin")


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return f.ColleagueFactory.create(firm=admin.firm, first_name="Sophie", last_name="Staff")


def status(firm: Any, state: str) -> WorkStatus:
    return WorkStatus.objects.filter(firm=firm, primary_state=state).order_by("position")[0]


def item_on(admin: Colleague, client: Contact, **values: Any) -> WorkItem:
    return services.create_work_item(actor=admin, client=client, **{"title": "Bilan", **values})


def get(http: Client, url: str, who: Colleague, **query: Any) -> Any:
    return http.get(url, query, headers=token_headers(who))


def send(
    http: Client,
    method: str,
    url: str,
    who: Colleague,
    body: Any = None,
    *,
    if_match: str | None = None,
) -> Any:
    headers = token_headers(who)
    if if_match is not None:
        headers["If-Match"] = if_match
    return getattr(http, method)(url, body, content_type="application/json", headers=headers)


def errors_of(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {".".join(str(part) for part in e["loc"]): e["msg"] for e in body["errors"]}


def rows() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (WorkItem, Task, WorkNote, Segment)
    } | {"events": list(AuditEvent.objects.filter(action__startswith="work_item").values_list())}


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- levels ----------------------------------------------------------------------------------


def test_an_item_seen_by_name_only_shows_its_title_status_and_client_and_nothing_else(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    private = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    item = item_on(
        admin,
        private,
        title="Bilan 2026",
        assignee=admin,
        description="Secret",
        due_date="2026-05-31",
        tasks=[{"title": "Relevés"}],
    )

    listed = get(client, URL, staff).json()["items"]
    one = get(client, f"{URL}/{item.pk}", staff)

    assert [set(row) for row in listed] == [NAME_KEYS]
    assert one.status_code == 200
    assert one.json() == listed[0]
    assert one.json()["level"] == "name"
    assert one.json()["client"] == {"id": private.pk, "name": private.display_name}
    assert one.json()["status"]["name"] == item.status.name
    assert "ETag" not in one  # a changing tag would tell that hidden fields changed


def test_a_hidden_clients_items_do_not_exist(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    item = item_on(admin, hidden, title="Audit confidentiel")

    assert ids(get(client, URL, staff)) == []
    found = assert_problem(get(client, f"{URL}/{item.pk}", staff), 404)
    unknown = assert_problem(get(client, f"{URL}/93999999", staff), 404)
    for path in ("", "/tasks", "/notes"):
        assert_problem(get(client, f"{URL}/{item.pk}{path}", staff), 404)
    assert {k: v for k, v in found.items() if k != "instance"} == {
        k: v for k, v in unknown.items() if k != "instance"
    }


def test_an_item_seen_in_full_shows_everything_with_its_etag(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    work_type = WorkType.objects.filter(firm=admin.firm).order_by("position")[0]
    item = item_on(
        admin,
        public,
        work_type=work_type,
        assignee=staff,
        start_date="2026-05-01",
        due_date="2026-05-31",
        description="**Vite**<script>alert(1)</script>",
        recurrence="monthly",
        tasks=[{"title": "Relevés"}, {"title": "Saisie"}],
    )
    Task.objects.filter(work_item=item, title="Saisie").update(done=True)

    response = get(client, f"{URL}/{item.pk}", staff)

    body = response.json()
    assert response["ETag"] == f'"{item.version}"'
    assert body["level"] == "full"
    assert body["assignee"]["id"] == staff.pk
    assert body["work_type"] == {"id": work_type.pk, "name": work_type.name}
    assert (body["start_date"], body["due_date"]) == ("2026-05-01", "2026-05-31")
    assert body["recurrence"] == "monthly"
    assert (body["tasks_count"], body["open_tasks_count"]) == (2, 1)
    assert "<strong>Vite</strong>" in body["description_html"]
    assert "<script" not in body["description_html"]
    assert body["version"] == item.version


def test_a_client_group_hidden_from_the_reader_is_not_named_on_an_item(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    group = f.ClientGroupFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    member = f.GroupMembershipFactory.create(group=group).member
    item = item_on(admin, member, client_group=group)

    assert get(client, f"{URL}/{item.pk}", admin).json()["client_group"]["id"] == group.pk
    assert get(client, f"{URL}/{item.pk}", staff).json()["client_group"] is None


# --- filters ---------------------------------------------------------------------------------


def test_filters_by_who_is_responsible_for_the_client_combine(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé")
    owner = f.OwnerEntryFactory.create(firm=firm, colleague=staff)
    owned = f.ClientFactory.create(firm=firm, owner=owner)
    managed = f.ClientFactory.create(firm=firm, manager=staff)
    partnered = f.ClientFactory.create(firm=firm)
    f.RoleAssignmentFactory.create(client=partnered, slot=1, colleague=staff)
    other = f.ClientFactory.create(firm=firm)
    items = {
        c.pk: item_on(admin, c, assignee=staff if c == owned else None)
        for c in (owned, managed, partnered, other)
    }

    def listed(**query: Any) -> set[int]:
        return {items_by_id[i] for i in ids(get(client, URL, admin, **query))}

    items_by_id = {item.pk: client_id for client_id, item in items.items()}
    assert listed(client_owner=owner.pk) == {owned.pk}
    assert listed(client_manager=staff.pk) == {managed.pk}
    assert listed(role=1) == {partnered.pk}
    assert listed(role=f"1:{staff.pk}") == {partnered.pk}
    assert listed(role=f"1:{admin.pk}") == set()
    assert listed(role_holder=staff.pk) == {partnered.pk}
    assert listed(assignee=staff.pk) == {owned.pk}
    assert listed(assignee=staff.pk, client_manager=staff.pk) == set()
    assert listed() == {owned.pk, managed.pk, partnered.pk, other.pk}
    assert ids(get(client, URL, staff, client_manager="me")) == [items[managed.pk].pk]
    assert ids(get(client, URL, staff, mine="true")) == sorted(
        items[c.pk].pk for c in (owned, managed, partnered)
    )


def test_filters_on_type_dates_and_status_and_which_keep_name_only_items(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    work_type = WorkType.objects.filter(firm=firm).order_by("position")[0]
    private = f.ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    public = f.ClientFactory.create(firm=firm)
    done = status(firm, "completed")
    hidden_from_staff = item_on(admin, private, work_type=work_type, due_date="2026-03-01")
    typed = item_on(admin, public, work_type=work_type, due_date="2026-03-01")
    late = item_on(admin, public, due_date="2026-06-30", status=done)

    assert ids(get(client, URL, admin, type=work_type.pk)) == [hidden_from_staff.pk, typed.pk]
    # A filter on what a name-only reader cannot see keeps the items seen in full only.
    assert ids(get(client, URL, staff, type=work_type.pk)) == [typed.pk]
    assert ids(get(client, URL, staff, due_before="2026-04-01")) == [typed.pk]
    assert ids(get(client, URL, staff, due_after="2026-04-01")) == [late.pk]
    # Status and title are read at name level too.
    first = hidden_from_staff.status_id
    assert ids(get(client, URL, staff, status=first)) == [hidden_from_staff.pk, typed.pk]
    assert ids(get(client, URL, staff, state="completed")) == [late.pk]
    assert ids(get(client, URL, staff, state="open")) == [hidden_from_staff.pk, typed.pk]
    assert ids(get(client, URL, staff, client=private.pk)) == [hidden_from_staff.pk]


def test_the_client_group_filter_is_the_group_work_tab(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    group = f.ClientGroupFactory.create(firm=admin.firm)
    other_group = f.ClientGroupFactory.create(firm=admin.firm)
    only_here = f.GroupMembershipFactory.create(group=group).member
    in_both = f.GroupMembershipFactory.create(group=group).member
    f.GroupMembershipFactory.create(group=other_group, member=in_both)
    own = item_on(admin, group)
    member_item = item_on(admin, only_here)
    for_this_group = item_on(admin, in_both, client_group=group)
    item_on(admin, in_both, client_group=other_group)
    item_on(admin, in_both)

    assert ids(get(client, URL, staff, client_group=group.pk)) == sorted(
        [own.pk, member_item.pk, for_this_group.pk]
    )


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"assignee": "sophie"}, "assignee"),
        ({"client_manager": "-3"}, "client_manager"),
        ({"due_before": "2026-13-01"}, "due_before"),
        ({"due": "someday"}, "due"),
        ({"state": "done"}, "state"),
        ({"role": "1:x"}, "role"),
        ({"role": "x"}, "role"),
        ({"status": "abc"}, "status"),
        ({"type": "0"}, "type"),
        ({"cursor": "garbled"}, "cursor"),
    ],
)
def test_a_bad_filter_value_is_refused_on_that_parameter(
    client: Client, admin: Colleague, query: dict[str, str], where: str
) -> None:
    assert set(errors_of(get(client, URL, admin, **query))) == {f"query.{where}"}


def test_an_untitled_role_slot_is_no_filter(client: Client, admin: Colleague) -> None:
    errors = errors_of(get(client, URL, admin, role=3))

    assert "n'a pas d'intitulé" in errors["query.role"]


def test_the_list_pages_with_a_cursor_without_repeating_or_skipping(
    client: Client, admin: Colleague
) -> None:
    clients = [f.ClientFactory.create(firm=admin.firm) for _ in range(3)]
    made = [item_on(admin, clients[i % 3]).pk for i in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = get(client, URL, admin, **query).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(made)


def test_the_list_costs_the_same_number_of_queries_for_many_items(
    client: Client,
    admin: Colleague,
    staff: Colleague,
    django_assert_max_num_queries: Any,
) -> None:
    headers = token_headers(staff)
    group = f.ClientGroupFactory.create(firm=admin.firm)

    def add(count: int) -> None:
        for i in range(count):
            privacy = Privacy.PRIVATE if i % 2 else Privacy.PUBLIC
            member = f.GroupMembershipFactory.create(group=group).member
            Contact.objects.filter(pk=member.pk).update(privacy=privacy)
            item_on(admin, member, client_group=group, assignee=admin, tasks=[{"title": "T"}])

    add(2)
    client.get(URL, headers=headers)  # the token's first use writes its last use
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(URL, headers=headers).json()["items"]) == 2
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL, headers=headers).json()["items"]) == 22


# --- create ----------------------------------------------------------------------------------


def test_create_an_item_with_its_checklist(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    ready = status(admin.firm, "ready")

    response = send(
        client,
        "post",
        URL,
        staff,
        {
            "client_id": public.pk,
            "title": "Liasse fiscale",
            "status_id": ready.pk,
            "assignee_id": staff.pk,
            "due_date": "2026-05-15",
            "tasks": [{"title": "Balance", "assignee_id": admin.pk}],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    item = WorkItem.objects.get(pk=body["id"])
    assert response["ETag"] == f'"{item.version}"'
    assert body["status"] == {"id": ready.pk, "name": ready.name, "state": "ready"}
    assert (item.title, item.assignee, item.client) == ("Liasse fiscale", staff, public)
    assert [(t.title, t.assignee) for t in item.tasks.all()] == [("Balance", admin)]
    assert body["tasks_count"] == 1


def test_a_bad_item_is_refused_field_by_field_and_nothing_is_written(
    client: Client, admin: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    other_firm_status = status(f.FirmFactory.create(), "planned")
    gone = f.ColleagueFactory.create(firm=admin.firm, is_active=False)
    before = rows()

    errors = errors_of(
        send(
            client,
            "post",
            URL,
            admin,
            {
                "client_id": public.pk,
                "title": "Bilan",
                "status_id": other_firm_status.pk,
                "assignee_id": gone.pk,
                "start_date": "2026-06-01",
                "due_date": "2026-05-01",
                "tasks": [{"title": "", "assignee_id": gone.pk}],
            },
        )
    )

    assert set(errors) == {
        "body.status_id",
        "body.assignee_id",
        "body.due_date",
        "body.tasks.0.title",
        "body.tasks.0.assignee_id",
    }
    assert rows() == before


def test_a_recurring_item_without_a_date_is_refused(client: Client, admin: Colleague) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    body = {"client_id": public.pk, "title": "TVA", "recurrence": "monthly"}

    assert set(errors_of(send(client, "post", URL, admin, body))) == {"body.recurrence"}
    body["recurrence"] = "weekly"
    assert set(errors_of(send(client, "post", URL, admin, body))) == {"body.recurrence"}


def test_work_is_created_only_on_a_client_seen_in_full(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    private = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    before = rows()

    assert_problem(send(client, "post", URL, staff, {"client_id": private.pk, "title": "X"}), 403)
    hidden_answer = errors_of(
        send(client, "post", URL, staff, {"client_id": hidden.pk, "title": "X"})
    )
    unknown_answer = errors_of(
        send(client, "post", URL, staff, {"client_id": 93999999, "title": "X"})
    )
    assert set(hidden_answer) == set(unknown_answer) == {"body.client_id"}
    assert rows() == before


# --- change, move, delete --------------------------------------------------------------------


def test_change_an_item_with_if_match_and_clear_a_field_with_null(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm), assignee=staff)
    url = f"{URL}/{item.pk}"

    response = send(
        client,
        "patch",
        url,
        admin,
        {"title": "Bilan 2027", "assignee_id": None, "description": None},
        if_match=f'"{item.version}"',
    )

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.title, item.assignee) == ("Bilan 2027", None)
    assert response["ETag"] == f'"{item.version}"' != f'"{1}"'
    assert response.json()["version"] == item.version


def test_a_stale_change_is_refused_and_the_first_one_stays(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm))
    loaded = f'"{item.version}"'
    url = f"{URL}/{item.pk}"
    first = send(client, "patch", url, staff, {"title": "Premier"}, if_match=loaded)
    assert first.status_code == 200

    assert_problem(send(client, "patch", url, admin, {"title": "Second"}, if_match=loaded), 412)
    assert_problem(send(client, "patch", url, admin, {"title": "Second", "version": 1}), 412)
    assert_problem(send(client, "delete", url, admin, if_match=loaded), 412)
    item.refresh_from_db()
    assert item.title == "Premier"


def test_a_patch_with_an_unknown_field_is_refused(client: Client, admin: Colleague) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm))
    before = rows()

    errors = errors_of(send(client, "patch", f"{URL}/{item.pk}", admin, {"client_id": 5}))

    assert set(errors) == {"body.client_id"}
    assert rows() == before


def test_a_bad_change_names_the_body_fields(client: Client, admin: Colleague) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm), start_date="2026-05-01")
    gone = f.ColleagueFactory.create(firm=admin.firm, is_active=False)
    before = rows()

    errors = errors_of(
        send(
            client,
            "patch",
            f"{URL}/{item.pk}",
            admin,
            {"assignee_id": gone.pk, "due_date": "2026-04-01", "work_type_id": 93999999},
        )
    )

    assert set(errors) == {"body.assignee_id", "body.due_date", "body.work_type_id"}
    assert rows() == before


def test_a_name_only_item_cannot_be_changed_and_a_stale_tag_tells_nothing(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE))
    url = f"{URL}/{item.pk}"
    done = status(admin.firm, "completed")
    before = rows()

    for method, path, body in (
        ("patch", url, {"title": "X"}),
        ("delete", url, None),
        ("post", f"{url}/status", {"status_id": done.pk}),
    ):
        assert_problem(send(client, method, path, staff, body, if_match='"999"'), 403)
    assert rows() == before


def test_move_an_item_and_a_stale_drag_is_refused(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm))
    loaded = f'"{item.version}"'
    in_progress = status(admin.firm, "in_progress")
    waiting = status(admin.firm, "waiting")
    url = f"{URL}/{item.pk}/status"

    moved = send(client, "post", url, staff, {"status_id": in_progress.pk}, if_match=loaded)
    stale = send(client, "post", url, admin, {"status_id": waiting.pk}, if_match=loaded)

    assert moved.status_code == 200, moved.content
    assert moved.json()["status"]["state"] == "in_progress"
    assert moved["ETag"] != loaded
    assert_problem(stale, 412)
    item.refresh_from_db()
    assert item.status == in_progress
    assert set(errors_of(send(client, "post", url, admin, {"status_id": 93999999}))) == {
        "body.status_id"
    }


def test_completing_a_recurring_item_creates_the_next_one(
    client: Client,
    admin: Colleague,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    item = item_on(
        admin, f.ClientFactory.create(firm=admin.firm), due_date="2026-01-31", recurrence="monthly"
    )
    done = status(admin.firm, "completed")

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "post", f"{URL}/{item.pk}/status", admin, {"status_id": done.pk})

    assert response.status_code == 200
    assert response.json()["completed_at"] is not None
    assert WorkItem.objects.filter(previous=item).count() == 1


def test_delete_an_item(client: Client, admin: Colleague) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm), tasks=[{"title": "T"}])

    response = send(client, "delete", f"{URL}/{item.pk}", admin, if_match=f'"{item.version}"')

    assert response.status_code == 204
    assert not WorkItem.objects.filter(pk=item.pk).exists()
    assert not Task.objects.filter(work_item_id=item.pk).exists()


# --- tasks and notes -------------------------------------------------------------------------


def test_a_checklist_line_is_changed_with_its_own_etag_and_a_stale_one_is_refused(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm), tasks=[{"title": "Balance"}])
    url = f"{URL}/{item.pk}/tasks"

    listed = get(client, url, staff)
    assert [t["title"] for t in listed.json()] == ["Balance"]
    tag = listed["ETag"]
    added = send(
        client, "post", url, staff, {"title": "Liasse", "assignee_id": staff.pk}, if_match=tag
    )
    assert added.status_code == 201, added.content
    assert added.json()["assignee"]["id"] == staff.pk
    assert added["ETag"] == tag  # a checklist line is not a change of the item
    task_url = f"{url}/{added.json()['id']}"
    loaded = f'"{added.json()["version"]}"'
    # Someone renames the line; a change from the copy loaded before is refused, and the
    # rename stays.
    renamed = send(client, "patch", task_url, admin, {"title": "Liasse fiscale"}, if_match=loaded)
    assert renamed.status_code == 200, renamed.content
    assert_problem(send(client, "patch", task_url, staff, {"title": "Autre"}, if_match=loaded), 412)
    assert_problem(send(client, "delete", task_url, staff, if_match=loaded), 412)
    # Another line changing does not make this one stale.
    balance = f"{url}/{listed.json()[0]['id']}"
    assert send(client, "patch", balance, admin, {"done": True}).status_code == 200
    ticked = send(client, "patch", task_url, staff, {"done": True}, if_match=renamed["ETag"])
    assert ticked.status_code == 200, ticked.content
    assert (ticked.json()["done"], ticked.json()["title"]) == (True, "Liasse fiscale")
    cleared = send(client, "patch", task_url, staff, {"assignee_id": None})
    assert cleared.json()["assignee"] is None
    assert send(client, "delete", task_url, staff).status_code == 204
    assert [t["title"] for t in get(client, url, staff).json()] == ["Balance"]


def test_a_task_is_reached_only_through_its_own_item(client: Client, admin: Colleague) -> None:
    firm_client = f.ClientFactory.create(firm=admin.firm)
    first = item_on(admin, firm_client, tasks=[{"title": "A"}])
    second = item_on(admin, firm_client)
    task = first.tasks.get()

    assert_problem(
        send(client, "patch", f"{URL}/{second.pk}/tasks/{task.pk}", admin, {"done": True}), 404
    )
    assert_problem(send(client, "delete", f"{URL}/{second.pk}/tasks/{task.pk}", admin), 404)
    task.refresh_from_db()
    assert not task.done


def test_tasks_and_notes_of_a_name_only_item_do_not_exist_for_the_reader(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(
        admin,
        f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE),
        tasks=[{"title": "Relevés"}],
    )
    services.add_work_note(actor=admin, item=item, body="Note")
    task = item.tasks.get()
    base = f"{URL}/{item.pk}"
    before = rows()

    for path in ("/tasks", "/notes"):
        assert_problem(get(client, base + path, staff), 404)
    assert_problem(send(client, "post", f"{base}/tasks", staff, {"title": "X"}), 404)
    assert_problem(send(client, "post", f"{base}/notes", staff, {"body": "X"}), 404)
    assert_problem(send(client, "patch", f"{base}/tasks/{task.pk}", staff, {"done": True}), 404)
    assert_problem(send(client, "delete", f"{base}/tasks/{task.pk}", staff), 404)
    assert rows() == before


def test_notes_are_added_and_read_sanitised(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm))
    url = f"{URL}/{item.pk}/notes"

    added = send(client, "post", url, staff, {"body": "*Relancé*<script>x()</script>"})
    assert_problem(send(client, "post", url, staff, {"body": "  "}), 422)
    listed = get(client, url, admin).json()

    assert added.status_code == 201, added.content
    assert [n["id"] for n in listed["items"]] == [added.json()["id"]]
    note = listed["items"][0]
    assert note["author"]["id"] == staff.pk
    assert "<em>Relancé</em>" in note["html"]
    assert "<script" not in note["html"]


# --- my tasks --------------------------------------------------------------------------------


def test_my_tasks_are_my_open_tasks_on_clients_i_see_in_full_by_due_date(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    public = f.ClientFactory.create(firm=firm)
    hidden = f.ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    private = f.ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    mine = {"assignee": staff}
    item = item_on(
        admin,
        public,
        tasks=[
            {"title": "Sans date", **mine},
            {"title": "Plus tard", "due_date": "2026-09-01", **mine},
            {"title": "En retard", "due_date": "2020-01-01", **mine},
            {"title": "Fait", "due_date": "2020-01-01", "done": True, **mine},
            {"title": "Pas à moi", "due_date": "2020-01-01", "assignee": admin},
        ],
    )
    # Assigning a task gives no access to its client.
    item_on(admin, hidden, tasks=[{"title": "Caché", **mine}])
    item_on(admin, private, tasks=[{"title": "Privé", **mine}])

    body = get(client, "/api/v1/tasks", staff).json()

    assert [t["title"] for t in body["items"]] == ["En retard", "Plus tard", "Sans date"]
    assert body["items"][0]["work_item"]["id"] == item.pk
    assert body["items"][0]["work_item"]["client"]["id"] == public.pk
    page = get(client, "/api/v1/tasks", staff, limit=2).json()
    rest = get(client, "/api/v1/tasks", staff, limit=2, cursor=page["next_cursor"]).json()
    assert [t["title"] for t in page["items"] + rest["items"]] == [
        "En retard",
        "Plus tard",
        "Sans date",
    ]


# --- segments --------------------------------------------------------------------------------


def test_save_list_replace_and_delete_my_segments(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    url = "/api/v1/segments"
    filters = {"assignee": "me", "type": "3", "due": "overdue"}

    saved = send(client, "post", url, staff, {"name": "Mes retards", "filters": filters})
    again = send(client, "post", url, staff, {"name": "mes retards", "filters": {"mine": "1"}})
    other = send(client, "post", url, admin, {"name": "Mes retards", "filters": {}})
    listed = get(client, url, staff).json()["items"]

    assert saved.status_code == 201, saved.content
    assert saved.json()["filters"] == {"assignee": str(staff.pk), "type": "3", "due": "overdue"}
    assert again.status_code == 200
    assert again.json()["id"] == saved.json()["id"]
    assert other.status_code == 201
    assert [(s["name"], s["filters"]) for s in listed] == [("Mes retards", {"mine": "1"})]
    assert_problem(send(client, "delete", f"{url}/{other.json()['id']}", staff), 404)
    assert send(client, "delete", f"{url}/{saved.json()['id']}", staff).status_code == 204
    assert get(client, url, staff).json()["items"] == []
    assert Segment.objects.filter(owner=admin).count() == 1


def test_a_segment_saved_on_the_list_page_reads_back_as_filters_the_api_takes(
    client: Client, staff: Colleague
) -> None:
    services.save_segment(actor=staff, name="Liste", query={"view": "list", "due": "overdue"})

    (listed,) = get(client, "/api/v1/segments", staff).json()["items"]
    again = send(
        client, "post", "/api/v1/segments", staff, {"name": "Copie", "filters": listed["filters"]}
    )

    assert listed["filters"] == {"due": "overdue"}
    assert again.status_code == 201, again.content


def test_a_segment_with_bad_filters_is_refused_on_them(client: Client, admin: Colleague) -> None:
    before = rows()

    errors = errors_of(
        send(
            client,
            "post",
            "/api/v1/segments",
            admin,
            {"name": "X", "filters": {"assignee": "bob", "colour": "red", "role": "3"}},
        )
    )

    assert set(errors) == {"body.filters.assignee", "body.filters.colour"}
    assert rows() == before
    role_errors = errors_of(
        send(client, "post", "/api/v1/segments", admin, {"name": "X", "filters": {"role": "3"}})
    )
    assert set(role_errors) == {"body.filters.role"}


def test_a_patch_may_move_the_item_as_well(client: Client, admin: Colleague) -> None:
    item = item_on(admin, f.ClientFactory.create(firm=admin.firm))
    waiting = status(admin.firm, "waiting")

    response = send(
        client, "patch", f"{URL}/{item.pk}", admin, {"title": "Relance", "status_id": waiting.pk}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["status"]["id"]) == ("Relance", waiting.pk)


def test_refusals_speak_the_callers_language(client: Client, admin: Colleague) -> None:
    response = client.get(URL, {"role": 3}, headers=token_headers(admin, language="en"))

    assert errors_of(response)["query.role"] == (
        "Role no. 3 has no title: it is shown nowhere and cannot be used as a filter."
    )
