"""/api/v1/owners (the owner roster, transfers) and /api/v1/firm (settings, role slots)."""

from __future__ import annotations

import pytest
from django.test import Client

from portefeuille.access.models import OwnerEntry
from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    token_headers,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, RoleSlot
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/owners"


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


def _clients(firm: Firm, owner: OwnerEntry, count: int) -> list[Contact]:
    return [ClientFactory.create(firm=firm, owner=owner) for _ in range(count)]


def test_every_colleague_lists_the_roster_with_the_clients_they_see(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    manual = OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Maître Durand")
    _clients(admin.firm, entry, 2)
    ClientFactory.create(firm=admin.firm, owner=entry, privacy="hidden")
    OwnerEntryFactory.create()  # another firm's

    seen = client.get(URL, headers=token_headers(staff))

    assert seen.status_code == 200, seen.content
    by_id = {item["id"]: item for item in seen.json()["items"]}
    assert set(by_id) == {entry.pk, manual.pk}
    assert by_id[entry.pk]["client_count"] == 2  # the hidden client is not counted for staff
    assert by_id[entry.pk]["colleague"]["id"] == admin.pk
    assert by_id[manual.pk] == {
        "id": manual.pk,
        "name": "Maître Durand",
        "colleague": None,
        "manual": True,
        "client_count": 0,
    }
    as_admin = client.get(f"{URL}/{entry.pk}", headers=token_headers(admin)).json()
    assert as_admin["client_count"] == 3


def test_an_admin_adds_a_colleague_and_a_manual_owner(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    added = client.post(
        URL,
        {"colleague_id": staff.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert added.status_code == 201, added.content
    assert added.json()["colleague"]["id"] == staff.pk
    manual = client.post(
        URL,
        {"name": "  Maître Durand "},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert manual.status_code == 201, manual.content
    assert manual.json()["name"] == "Maître Durand"
    assert OwnerEntry.objects.filter(firm=admin.firm).count() == 2


def test_a_manual_name_matching_a_colleague_is_refused_unless_confirmed(
    client: Client, admin: Colleague
) -> None:
    colleague = ColleagueFactory.create(firm=admin.firm, first_name="Élodie", last_name="Lefèvre")
    refused = client.post(
        URL,
        {"name": "elodie lefevre"},
        content_type="application/json",
        headers=token_headers(admin),
    )
    problem = assert_problem(refused, 422)
    assert colleague.full_name in problem["detail"]
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()
    confirmed = client.post(
        URL,
        {"name": "elodie lefevre", "allow_manual": True},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert confirmed.status_code == 201, confirmed.content
    assert confirmed.json()["manual"] is True


@pytest.mark.parametrize("body", [{"name": "   "}, {}, {"name": ""}])
def test_a_manual_owner_without_a_name_is_refused(
    client: Client, admin: Colleague, body: dict[str, str]
) -> None:
    refused = client.post(URL, body, content_type="application/json", headers=token_headers(admin))
    assert_problem(refused, 422)
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()


def test_staff_may_not_change_the_roster(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    headers = token_headers(staff)
    assert_problem(
        client.post(URL, {"name": "X"}, content_type="application/json", headers=headers), 403
    )
    assert_problem(client.delete(f"{URL}/{entry.pk}?transfer=false", headers=headers), 403)
    assert OwnerEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_an_owner_with_clients_needs_a_choice(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    _clients(admin.firm, entry, 3)

    refused = client.delete(f"{URL}/{entry.pk}", headers=token_headers(admin))

    problem = assert_problem(refused, 422)
    assert "3 clients" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["query", "transfer_to"]  # a query parameter
    assert OwnerEntry.objects.filter(pk=entry.pk).exists()
    assert Contact.objects.filter(owner=entry).count() == 3


def test_deleting_an_owner_without_transfer_leaves_the_clients_unowned(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    clients = _clients(admin.firm, entry, 2)

    removed = client.delete(f"{URL}/{entry.pk}?transfer=false", headers=token_headers(admin))

    assert removed.status_code == 200, removed.content
    assert removed.json() == {"clients": 2, "transferred_to": None}
    assert not OwnerEntry.objects.filter(pk=entry.pk).exists()
    assert not Contact.objects.filter(pk__in=[c.pk for c in clients], owner__isnull=False).exists()


def test_deleting_an_owner_hands_their_clients_to_another(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    heir = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    _clients(admin.firm, entry, 2)

    removed = client.delete(f"{URL}/{entry.pk}?transfer_to={heir.pk}", headers=token_headers(admin))

    assert removed.status_code == 200, removed.content
    assert removed.json()["clients"] == 2
    assert removed.json()["transferred_to"]["id"] == heir.pk
    assert removed.json()["transferred_to"]["client_count"] == 2
    assert Contact.objects.filter(owner=heir).count() == 2


def test_deleting_with_both_choices_is_refused(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    heir = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    url = f"{URL}/{entry.pk}?transfer=false&transfer_to={heir.pk}"
    assert_problem(client.delete(url, headers=token_headers(admin)), 422)
    assert OwnerEntry.objects.filter(pk=entry.pk).exists()


def test_a_transfer_moves_every_client_with_one_event_each_and_tells_both_sides(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    receiver = ColleagueFactory.create(firm=admin.firm)
    source = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    target = OwnerEntryFactory.create(firm=admin.firm, colleague=receiver)
    clients = _clients(admin.firm, source, 3)

    moved = client.post(
        f"{URL}/{source.pk}/transfer",
        {"to_owner_id": target.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["moved"] == 3
    assert (body["from_owner"]["client_count"], body["to_owner"]["client_count"]) == (0, 3)
    assert Contact.objects.filter(owner=target).count() == 3
    events = AuditEvent.objects.filter(action="client.owner_changed")
    assert sorted(events.values_list("client_id", flat=True)) == sorted(c.pk for c in clients)
    assert (
        Notification.objects.filter(recipient=receiver, kind="clients.transferred_to").count() == 1
    )
    assert (
        Notification.objects.filter(recipient=staff, kind="clients.transferred_from").count() == 1
    )
    assert not Notification.objects.filter(recipient=admin).exists()  # the actor


def test_a_transfer_to_itself_is_refused_and_changes_nothing(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    source = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    _clients(admin.firm, source, 2)

    refused = client.post(
        f"{URL}/{source.pk}/transfer",
        {"to_owner_id": source.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )

    problem = assert_problem(refused, 422)
    assert problem["errors"][0]["loc"] == ["body", "to_owner_id"]
    assert Contact.objects.filter(owner=source).count() == 2
    assert not AuditEvent.objects.filter(action="client.owner_changed").exists()


def test_a_transfer_to_another_firms_owner_is_like_an_unknown_one(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    source = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    _clients(admin.firm, source, 2)
    foreign = OwnerEntryFactory.create()

    answers = [
        client.post(
            f"{URL}/{source.pk}/transfer",
            {"to_owner_id": pk},
            content_type="application/json",
            headers=token_headers(admin),
        )
        for pk in (foreign.pk, 10**12)
    ]

    foreign_problem, unknown_problem = (assert_problem(answer, 422) for answer in answers)
    assert foreign_problem["errors"][0]["loc"] == unknown_problem["errors"][0]["loc"]
    assert str(foreign.pk) in foreign_problem["detail"]
    assert Contact.objects.filter(owner=source).count() == 2
    # And an owner of another firm in the path is the 404 of an unknown one.
    assert_problem(
        client.post(
            f"{URL}/{foreign.pk}/transfer",
            {"to_owner_id": source.pk},
            content_type="application/json",
            headers=token_headers(admin),
        ),
        404,
    )


def test_a_transfer_to_a_deactivated_colleagues_entry_is_refused(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    source = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)
    target = OwnerEntryFactory.create(firm=admin.firm, colleague=gone)
    _clients(admin.firm, source, 1)
    refused = client.post(
        f"{URL}/{source.pk}/transfer",
        {"to_owner_id": target.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert_problem(refused, 422)
    assert Contact.objects.filter(owner=source).count() == 1


# --- /firm/settings and /firm/role-slots ---------------------------------------------------


def test_every_colleague_reads_the_firm_settings(client: Client, staff: Colleague) -> None:
    seen = client.get("/api/v1/firm/settings", headers=token_headers(staff))
    assert seen.status_code == 200, seen.content
    body = seen.json()
    assert body["name"] == staff.firm.name
    assert body["ownership_enabled"] is True
    assert seen["ETag"] == f'"{body["version"]}"'


def test_only_admins_change_the_firm_settings(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    body = {"general_email": "Accueil@Cabinet.example", "default_privacy": "private"}
    assert_problem(
        client.patch(
            "/api/v1/firm/settings",
            body,
            content_type="application/json",
            headers=token_headers(staff),
        ),
        403,
    )
    changed = client.patch(
        "/api/v1/firm/settings",
        body,
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["general_email"] == "accueil@cabinet.example"
    admin.firm.refresh_from_db()
    assert admin.firm.default_privacy == "private"


def test_a_stale_settings_change_is_refused(client: Client, admin: Colleague) -> None:
    loaded = client.get("/api/v1/firm/settings", headers=token_headers(admin))
    first = client.patch(
        "/api/v1/firm/settings",
        {"general_email": "a@example.test"},
        content_type="application/json",
        headers={**token_headers(admin), "If-Match": loaded["ETag"]},
    )
    assert first.status_code == 200, first.content
    stale = client.patch(
        "/api/v1/firm/settings",
        {"general_email": "b@example.test"},
        content_type="application/json",
        headers={**token_headers(admin), "If-Match": loaded["ETag"]},
    )
    assert_problem(stale, 412)
    admin.firm.refresh_from_db()
    assert admin.firm.general_email == "a@example.test"


def test_owner_required_needs_the_ownership_switch(client: Client, admin: Colleague) -> None:
    refused = client.patch(
        "/api/v1/firm/settings",
        {"ownership_enabled": False, "owner_required": True},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert_problem(refused, 422)
    admin.firm.refresh_from_db()
    assert admin.firm.ownership_enabled is True


def test_role_slot_titles_are_read_by_all_and_set_by_admins(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    seen = client.get("/api/v1/firm/role-slots", headers=token_headers(staff))
    assert seen.status_code == 200, seen.content
    assert [slot["number"] for slot in seen.json()["slots"]] == list(range(1, 11))
    body = {"slots": [{"number": 2, "title": "Associé"}]}
    assert_problem(
        client.put(
            "/api/v1/firm/role-slots",
            body,
            content_type="application/json",
            headers=token_headers(staff),
        ),
        403,
    )
    done = client.put(
        "/api/v1/firm/role-slots",
        body,
        content_type="application/json",
        headers={**token_headers(admin), "If-Match": seen["ETag"]},
    )
    assert done.status_code == 200, done.content
    assert RoleSlot.objects.get(firm=admin.firm, number=2).title == "Associé"
    stale = client.put(
        "/api/v1/firm/role-slots",
        {"slots": [{"number": 3, "title": "Juriste"}]},
        content_type="application/json",
        headers={**token_headers(admin), "If-Match": seen["ETag"]},
    )
    assert_problem(stale, 412)


def test_a_duplicate_role_title_is_located_on_its_slot(client: Client, admin: Colleague) -> None:
    refused = client.put(
        "/api/v1/firm/role-slots",
        {"slots": [{"number": 1, "title": "Associé"}, {"number": 4, "title": "associé"}]},
        content_type="application/json",
        headers=token_headers(admin),
    )
    problem = assert_problem(refused, 422)
    assert problem["errors"][0]["loc"] == ["body", "slots", "1", "title"]
    assert not RoleSlot.objects.filter(firm=admin.firm).exclude(title="").exists()


def test_a_duplicate_slot_number_is_refused_on_the_second_and_nothing_changes(
    client: Client, admin: Colleague
) -> None:
    refused = client.put(
        "/api/v1/firm/role-slots",
        {"slots": [{"number": 1, "title": "A"}, {"number": 1, "title": "B"}]},
        content_type="application/json",
        headers=token_headers(admin),
    )
    problem = assert_problem(refused, 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", "slots", "1", "number"]]
    assert problem["errors"][0]["msg"] == "Le poste n°1 est déjà donné plus haut dans la liste."
    assert not RoleSlot.objects.filter(firm=admin.firm).exclude(title="").exists()


# --- where a refusal is located ---------------------------------------------------------


def test_the_refusals_of_a_removal_are_located_in_its_query(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    heir = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    _clients(admin.firm, entry, 1)
    headers = token_headers(admin)
    for query, field in (
        (f"transfer_to={10**12}", "transfer_to"),  # unknown
        (f"transfer_to={entry.pk}", "transfer_to"),  # itself
        (f"transfer=false&transfer_to={heir.pk}", "transfer"),  # both
    ):
        problem = assert_problem(client.delete(f"{URL}/{entry.pk}?{query}", headers=headers), 422)
        assert [error["loc"] for error in problem["errors"]] == [["query", field]], query
    assert OwnerEntry.objects.filter(pk=entry.pk).exists()


def test_the_refusals_of_an_addition_are_located_on_the_fields_sent(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    OwnerEntryFactory.create(firm=admin.firm, colleague=staff)
    gone = ColleagueFactory.create(firm=admin.firm, is_active=False)
    headers = token_headers(admin)
    for body in (
        {"colleague_id": staff.pk},  # already on the roster
        {"colleague_id": gone.pk},  # deactivated
        {"colleague_id": staff.pk, "name": "Maître Durand"},  # both
        {},  # neither
    ):
        refused = client.post(URL, body, content_type="application/json", headers=headers)
        problem = assert_problem(refused, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "colleague_id"]], body
    assert OwnerEntry.objects.filter(firm=admin.firm).count() == 1


@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_manual_owner_with_an_empty_name_is_told_the_name_is_required(
    client: Client, admin: Colleague, name: str | None
) -> None:
    refused = client.post(
        URL, {"name": name}, content_type="application/json", headers=token_headers(admin)
    )
    problem = assert_problem(refused, 422)
    assert problem["errors"] == [{"loc": ["body", "name"], "msg": "Ce champ est obligatoire."}]
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()


def test_staff_adding_an_owner_is_refused_before_the_ids_are_looked_up(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    foreign = ColleagueFactory.create()
    headers = token_headers(staff)
    for body in (
        {"colleague_id": 10**12},
        {"colleague_id": foreign.pk},
        {"colleague_id": staff.pk},
    ):
        refused = client.post(URL, body, content_type="application/json", headers=headers)
        assert_problem(refused, 403)
    assert not OwnerEntry.objects.exists()
