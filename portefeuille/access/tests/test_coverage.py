"""The coverage monitor: the four gaps, their counts (one query, through the access door),
the contacts page filtered by a gap, and the bulk fix (plan, then one transaction)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from portefeuille.access import coverage, services
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy, RoleSlot
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    RoleAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def names(queryset: object) -> set[str]:
    return {client.display_name for client in queryset}  # type: ignore[attr-defined]


@pytest.fixture
def world(firm: Firm) -> dict[str, Contact]:
    """One client per situation (all public unless said)."""
    manager = ColleagueFactory.create(firm=firm, first_name="Marc", last_name="Actif")
    gone = ColleagueFactory.create(firm=firm, first_name="Gaston", last_name="Parti")
    entry = OwnerEntryFactory.create(firm=firm, colleague=manager)
    gone_entry = OwnerEntryFactory.create(firm=firm, colleague=gone)
    manual = OwnerEntryFactory.create(firm=firm, colleague=None, name="Me Martin")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    archive = ContactType.objects.get(firm=firm, is_archive=True)
    slot = RoleSlot.objects.filter(firm=firm).order_by("number").first()
    assert slot is not None
    slot.title = "Associé"
    slot.save(update_fields=["title"])
    untitled = RoleSlot.objects.filter(firm=firm, title="").order_by("number").first()
    assert untitled is not None
    made = {
        "covered": ClientFactory.create(
            firm=firm, display_name="Couvert", owner=entry, manager=manager
        ),
        "empty": ClientFactory.create(firm=firm, display_name="Vide"),
        "manual_owner": ClientFactory.create(
            firm=firm, display_name="Manuel", owner=manual, manager=manager
        ),
        "gone_owner": ClientFactory.create(
            firm=firm, display_name="Parti", owner=gone_entry, manager=manager
        ),
        "gone_manager": ClientFactory.create(
            firm=firm, display_name="Gestion partie", owner=entry, manager=gone
        ),
        "role_only": ClientFactory.create(firm=firm, display_name="Rôle seul"),
        "untitled_only": ClientFactory.create(firm=firm, display_name="Poste sans titre"),
        "member_only": ClientFactory.create(firm=firm, display_name="Membre seul"),
        "archived": ClientFactory.create(firm=firm, display_name="Archivé", contact_type=archive),
        "hidden": ClientFactory.create(firm=firm, display_name="Masqué", privacy=Privacy.HIDDEN),
    }
    RoleAssignmentFactory.create(
        firm=firm, client=made["role_only"], slot=slot.number, colleague=manager
    )
    RoleAssignmentFactory.create(
        firm=firm, client=made["untitled_only"], slot=untitled.number, colleague=manager
    )
    ClientMemberFactory.create(firm=firm, client=made["member_only"], colleague=manager)
    return made


def test_each_gap_lists_the_active_clients_with_it(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    unowned = {"Vide", "Rôle seul", "Poste sans titre", "Membre seul", "Masqué"}
    assert names(coverage.clients_with_gap(admin, coverage.NO_OWNER)) == unowned
    assert names(coverage.clients_with_gap(admin, coverage.INACTIVE_OWNER)) == {"Parti"}
    assert names(coverage.clients_with_gap(admin, coverage.NO_MANAGER)) == {
        "Vide",
        "Gestion partie",
        "Rôle seul",
        "Poste sans titre",
        "Membre seul",
        "Masqué",
    }
    # An untitled slot's holder shows nowhere, so it does not fill the team.
    assert names(coverage.clients_with_gap(admin, coverage.EMPTY_TEAM)) == {
        "Vide",
        "Poste sans titre",
        "Masqué",
    }


def test_counts_come_in_one_query_and_match_the_lists(
    admin: Colleague, world: dict[str, Contact], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        counts = coverage.coverage_counts(admin, ownership_enabled=True)
    assert counts.items() == [
        ("no_owner", 5),
        ("inactive_owner", 1),
        ("no_manager", 6),
        ("empty_team", 3),
    ]


def test_a_colleague_counts_only_the_clients_they_see_in_full(
    staff: Colleague, world: dict[str, Contact]
) -> None:
    private = world["empty"]
    private.privacy = Privacy.PRIVATE
    private.save(update_fields=["privacy"])
    counts = coverage.coverage_counts(staff, ownership_enabled=True)
    # "Vide" (private: name only) and "Masqué" (hidden) are not counted.
    assert counts.empty_team == 1
    assert counts.no_owner == 3
    assert "Vide" not in names(coverage.clients_with_gap(staff, coverage.EMPTY_TEAM))


def test_with_ownership_off_the_owner_gaps_are_gone(
    firm: Firm, admin: Colleague, world: dict[str, Contact]
) -> None:
    firm.ownership_enabled = False
    firm.save(update_fields=["ownership_enabled"])
    counts = coverage.coverage_counts(admin, ownership_enabled=False)
    assert counts.no_owner is None
    assert counts.inactive_owner is None
    assert [gap for gap, _count in counts.items()] == ["no_manager", "empty_team"]
    assert not coverage.clients_with_gap(admin, coverage.NO_OWNER).exists()


def test_home_page_links_each_count_to_the_filtered_contacts_page(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    http = browse(admin)
    home = http.get("/").content.decode()
    assert 'href="/contacts/?view=all&amp;coverage=inactive_owner"' in home
    assert '<strong class="coverage-count">1</strong>' in home
    listed = http.get("/contacts/", {"view": "all", "coverage": "inactive_owner"})
    html = listed.content.decode()
    assert ">Parti</a>" in html
    assert ">Couvert</a>" not in html
    assert 'id="coverage-fix"' in html


def test_the_filtered_page_costs_what_the_plain_page_costs_whatever_its_size(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    http = browse(admin)
    params = {"view": "all", "coverage": "no_owner"}
    http.get("/contacts/", params)

    def cost(query: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/contacts/", query).status_code == 200
        return len(captured.captured_queries)

    plain = cost({"view": "all"})
    assert cost(params) == plain
    for n in range(5):
        ClientFactory.create(firm=admin.firm, display_name=f"Nouveau {n}")
    assert cost(params) == plain
    response = http.get("/contacts/", params)
    assert response.content.decode().count('class="coverage-pick"') == 10


def test_bulk_owner_plan_then_apply_with_one_event_per_client_and_the_client_named(
    firm: Firm, staff: Colleague, world: dict[str, Contact]
) -> None:
    boss = ColleagueFactory.create(firm=firm, first_name="Bruno", last_name="Patron")
    target = OwnerEntryFactory.create(firm=firm, colleague=boss)
    mine = ClientFactory.create(firm=firm, display_name="Le mien", manager=staff)
    ids = [mine.pk, world["empty"].pk, world["hidden"].pk, world["covered"].pk]
    plan = services.plan_bulk_owner(actor=staff, client_ids=ids, owner=target)
    # The hidden client does not exist for staff; the others they see but may not change.
    assert [c.display_name for c in plan.changed] == ["Le mien"]
    assert sorted(c.display_name for c in plan.refused) == ["Couvert", "Vide"]
    assert not AuditEvent.objects.filter(action="client.owner_changed").exists()

    done = services.bulk_set_owner(actor=staff, client_ids=ids, owner=target)
    assert [c.pk for c in done.changed] == [mine.pk]
    mine.refresh_from_db()
    assert mine.owner_id == target.pk
    assert mine.version == 2
    world["empty"].refresh_from_db()
    assert world["empty"].owner_id is None
    event = AuditEvent.objects.get(action="client.owner_changed")
    assert event.client_id == mine.pk
    assert event.after == {"owner": {"id": target.pk, "name": "Bruno Patron"}}
    assert list(Notification.objects.values_list("recipient_id", "kind", "client_id")) == [
        (boss.pk, "client.owner_given", mine.pk)
    ]


def test_bulk_manager_by_an_admin_counts_the_unchanged(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    manager = Colleague.objects.get(first_name="Marc")
    ids = [world["empty"].pk, world["covered"].pk, world["gone_manager"].pk]
    done = services.bulk_set_manager(actor=admin, client_ids=ids, manager=manager)
    assert {c.display_name for c in done.changed} == {"Vide", "Gestion partie"}
    assert done.unchanged == 1
    assert done.refused == []
    assert AuditEvent.objects.filter(action="client.manager_changed").count() == 2
    # One notification for the whole change, with how many clients.
    notice = Notification.objects.get()
    assert (notice.recipient_id, notice.kind, notice.client_id) == (
        manager.pk,
        "client.manager_given",
        None,
    )
    assert notice.params == {"count": 2, "manager_id": manager.pk}
    assert not coverage.clients_with_gap(admin, coverage.NO_MANAGER).filter(pk__in=ids).exists()


def test_bulk_refuses_an_inactive_target_and_writes_nothing(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    gone = Colleague.objects.get(first_name="Gaston")
    with pytest.raises(ValidationError):
        services.bulk_set_manager(actor=admin, client_ids=[world["empty"].pk], manager=gone)
    with pytest.raises(ValidationError):
        services.bulk_set_owner(
            actor=admin, client_ids=[world["empty"].pk], owner=gone.owner_entries.get()
        )
    assert not AuditEvent.objects.exists()


def test_the_fix_page_previews_then_applies_to_all_filtered_clients(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    http = browse(admin)
    entry = Colleague.objects.get(first_name="Marc").owner_entries.get()
    form = {
        "filters": "view=all&coverage=no_owner",
        "scope": "all",
        "target": "owner",
        "owner": str(entry.pk),
    }
    preview = http.post("/contacts/coverage/fix/", form)
    assert preview.status_code == 200
    assert "5 clients seront modifiés." in preview.content.decode()
    assert not AuditEvent.objects.exists()
    ids = _previewed_ids(preview.content.decode())  # the preview page sends them back
    done = http.post("/contacts/coverage/fix/", {**form, "ids": ids, "confirm": "1"})
    assert done.status_code == 302
    assert done["Location"] == "/contacts/?view=all&coverage=no_owner"
    assert coverage.coverage_counts(admin, ownership_enabled=True).no_owner == 0
    assert AuditEvent.objects.filter(action="client.owner_changed").count() == 5


def test_the_fix_page_only_touches_selected_clients_still_in_the_list(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    manager = Colleague.objects.get(first_name="Marc")
    http = browse(admin)
    response = http.post(
        "/contacts/coverage/fix/",
        {
            "filters": "view=all&coverage=no_manager",
            "target": "manager",
            "manager": str(manager.pk),
            "client": [str(world["empty"].pk), str(world["covered"].pk)],
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert list(
        AuditEvent.objects.filter(action="client.manager_changed").values_list(
            "client_id", flat=True
        )
    ) == [world["empty"].pk]


def test_the_fix_page_without_a_target_says_so(admin: Colleague, world: dict[str, Contact]) -> None:
    http = browse(admin)
    response = http.post(
        "/contacts/coverage/fix/",
        {"filters": "view=all&coverage=no_owner", "scope": "all", "target": "owner"},
        follow=True,
    )
    assert "Choisissez un responsable client." in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_another_firms_clients_are_never_counted(admin: Colleague) -> None:
    ClientFactory.create(firm=FirmFactory.create(), display_name="Ailleurs")
    assert coverage.coverage_counts(admin, ownership_enabled=True).empty_team == 0


def test_the_api_counts_lists_and_fixes_a_gap(admin: Colleague, world: dict[str, Contact]) -> None:
    http = browse(admin)
    counts = http.get("/api/v1/coverage").json()
    assert counts == {
        "ownership_enabled": True,
        "no_owner": 5,
        "inactive_owner": 1,
        "no_manager": 6,
        "empty_team": 3,
    }
    listed = http.get("/api/v1/contacts", {"coverage": "empty_team"}).json()
    assert {item["display_name"] for item in listed["items"]} == {
        "Vide",
        "Poste sans titre",
        "Masqué",
    }
    manager = Colleague.objects.get(first_name="Marc")
    body = {"gap": "no_manager", "manager_id": manager.pk, "dry_run": True}
    plan = http.post("/api/v1/coverage/fix", body, content_type="application/json").json()
    assert len(plan["changed"]) == 6
    assert not AuditEvent.objects.exists()
    done = http.post(
        "/api/v1/coverage/fix", {**body, "dry_run": False}, content_type="application/json"
    )
    assert done.status_code == 200
    assert http.get("/api/v1/coverage").json()["no_manager"] == 0


def test_the_api_fix_needs_exactly_one_target(admin: Colleague, world: dict[str, Contact]) -> None:
    response = browse(admin).post(
        "/api/v1/coverage/fix", {"gap": "no_owner"}, content_type="application/json"
    )
    assert response.status_code == 422


def _previewed_ids(page: str) -> str:
    found = re.search(r'<input type="hidden" name="ids" value="([0-9,]*)">', page)
    assert found is not None, page
    return found.group(1)


def test_the_fix_page_confirms_only_the_clients_it_previewed(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    http = browse(admin)
    entry = Colleague.objects.get(first_name="Marc").owner_entries.get()
    form = {
        "filters": "view=all&coverage=no_owner",
        "scope": "all",
        "target": "owner",
        "owner": str(entry.pk),
    }
    preview = http.post("/contacts/coverage/fix/", form)
    assert "5 clients seront modifiés." in preview.content.decode()
    ids = _previewed_ids(preview.content.decode())
    late = ClientFactory.create(firm=admin.firm, display_name="Arrivé après l'aperçu")

    done = http.post("/contacts/coverage/fix/", {**form, "ids": ids, "confirm": "1"})

    assert done.status_code == 302
    changed = set(
        AuditEvent.objects.filter(action="client.owner_changed").values_list("client_id", flat=True)
    )
    assert changed == {int(pk) for pk in ids.split(",")}
    assert len(changed) == 5
    late.refresh_from_db()
    assert late.owner_id is None
    # A confirmation without the previewed clients changes nobody.
    again = http.post("/contacts/coverage/fix/", {**form, "confirm": "1"}, follow=True)
    assert "Sélectionnez au moins un client." in again.content.decode()
    late.refresh_from_db()
    assert late.owner_id is None


def test_the_api_fix_locates_its_refusals_on_the_fields_sent(
    admin: Colleague, world: dict[str, Contact]
) -> None:
    http = browse(admin)
    cases = [
        ({"gap": "no_owner"}, ["body", "owner_id"]),
        ({"gap": "no_owner", "owner_id": 10**12}, ["body", "owner_id"]),
        ({"gap": "no_manager", "manager_id": 10**12}, ["body", "manager_id"]),
    ]
    for body, loc in cases:
        response = http.post("/api/v1/coverage/fix", body, content_type="application/json")
        assert response.status_code == 422, body
        assert [error["loc"] for error in response.json()["errors"]] == [loc], body
    admin.firm.ownership_enabled = False
    admin.firm.save(update_fields=["ownership_enabled"])
    off = http.post(
        "/api/v1/coverage/fix",
        {"gap": "no_owner", "owner_id": 1},
        content_type="application/json",
    )
    assert [error["loc"] for error in off.json()["errors"]] == [["body", "gap"]]
    assert not AuditEvent.objects.exists()
