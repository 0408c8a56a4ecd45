"""A contact's Work tab and the « Travail » counts of the contacts page (docs/work.md):
unfinished items by default, finished on demand; a client group's tab holds its own items
and its members' that belong to it, each at the viewer's level on its own client; the
contacts page counts exactly the items of each row's tab, per status, in one query for the
whole page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.contacts import queries
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, WorkStatus
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    ColleagueFactory,
    FirmFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    PersonFactory,
    WorkItemFactory,
)
from portefeuille.work import personal
from portefeuille.work.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm)


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    """Full scope, on no client team: private clients are name-only, hidden ones absent."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def state(firm: Firm, primary: str) -> WorkStatus:
    return WorkStatus.objects.get(firm=firm, primary_state=primary)


def item(client: Contact, title: str, primary: str = "planned", **extra: object) -> WorkItem:
    found: WorkItem = WorkItemFactory.create(
        client=client, title=title, status=state(client.firm, primary), **extra
    )
    return found


def tab_titles(colleague: Colleague, contact: Contact, **params: str) -> list[str]:
    response = browse(colleague).get(f"/contacts/{contact.pk}/work/", params)
    assert response.status_code == 200
    return sorted(re.findall(r'<a href="/work/\d+/">([^<]+)</a>', response.content.decode()))


class GroupWorld:
    """Famille Dupont (public group) and its members: Jean (only in this group), Marie
    (also in Holding Martin), Paul (private: name-only to staff), Zoé (hidden)."""

    def __init__(self, firm: Firm) -> None:
        self.group = ClientGroupFactory.create(firm=firm, display_name="Famille Dupont")
        self.other_group = ClientGroupFactory.create(firm=firm, display_name="Holding Martin")
        self.jean = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
        self.marie = PersonFactory.create(firm=firm, first_name="Marie", last_name="Dupont")
        self.paul = PersonFactory.create(
            firm=firm, first_name="Paul", last_name="Dupont", privacy=Privacy.PRIVATE
        )
        self.zoe = PersonFactory.create(
            firm=firm, first_name="Zoé", last_name="Dupont", privacy=Privacy.HIDDEN
        )
        for member in (self.jean, self.marie, self.paul, self.zoe):
            GroupMembershipFactory.create(group=self.group, member=member)
        GroupMembershipFactory.create(group=self.other_group, member=self.marie)
        item(self.group, "Du groupe")
        item(self.group, "Du groupe fini", "completed")
        item(self.jean, "De Jean sans groupe", "in_progress")
        item(self.marie, "De Marie sans groupe")
        item(self.marie, "De Marie pour Dupont", client_group=self.group)
        item(self.marie, "De Marie pour Martin", client_group=self.other_group)
        item(self.paul, "De Paul", "waiting", assignee=ColleagueFactory.create(firm=firm))
        item(self.zoe, "De Zoé cachée")


def test_the_tab_lists_unfinished_work_and_the_finished_on_demand(
    firm: Firm, staff: Colleague
) -> None:
    client = OrganizationFactory.create(firm=firm)
    item(client, "Bilan en cours", "in_progress")
    item(client, "TVA à faire")
    item(client, "Bilan 2025", "completed")
    item(OrganizationFactory.create(firm=firm), "D'un autre client")

    assert tab_titles(staff, client) == ["Bilan en cours", "TVA à faire"]
    assert tab_titles(staff, client, done="1") == ["Bilan 2025"]


def test_the_tab_is_a_tab_of_the_contact_page(firm: Firm, staff: Colleague) -> None:
    client = OrganizationFactory.create(firm=firm)

    html = browse(staff).get(f"/contacts/{client.pk}/").content.decode()

    assert f'href="/contacts/{client.pk}/work/"' in html


def test_a_groups_tab_shows_its_items_and_its_members_that_belong_to_it(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    world = GroupWorld(firm)

    expected = ["De Jean sans groupe", "De Marie pour Dupont", "De Paul", "Du groupe"]
    assert tab_titles(staff, world.group) == expected
    assert tab_titles(admin, world.group) == sorted([*expected, "De Zoé cachée"])
    assert tab_titles(staff, world.other_group) == ["De Marie pour Martin"]


def test_a_name_only_members_item_shows_its_title_and_status_only_on_the_group_tab(
    firm: Firm, staff: Colleague
) -> None:
    world = GroupWorld(firm)
    paul_item = WorkItem.objects.get(client=world.paul)
    assert paul_item.assignee is not None

    html = browse(staff).get(f"/contacts/{world.group.pk}/work/").content.decode()

    row = re.search(rf'<tr data-item="{paul_item.pk}" data-level="name">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "De Paul" in row.group(1)
    assert "En attente" in row.group(1)
    assert paul_item.assignee.last_name not in html
    assert f"/contacts/{world.paul.pk}/" not in html


def counts_of(colleague: Colleague, name: str) -> dict[str, int]:
    html = browse(colleague).get("/contacts/", {"view": "all", "q": name}).content.decode()
    found = re.findall(r'<tr class="contact-row">(.*?)</tr>', html, re.S)
    row = [r for r in found if name in r]
    assert len(row) == 1, row
    return {
        status: int(n)
        for status, n in re.findall(r'title="([^"]+)">[^<]*<strong>(\d+)</strong>', row[0])
    }


def test_the_contacts_page_counts_the_items_of_each_rows_tab_per_status(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    world = GroupWorld(firm)

    group = counts_of(staff, "Famille Dupont")
    jean = counts_of(staff, "Jean Dupont")
    marie = counts_of(staff, "Marie Dupont")

    assert group == {
        "Planifié": 2,  # the group's own and Marie's for Dupont
        "Prêt à démarrer": 0,
        "En cours": 1,  # Jean's
        "En attente du client": 1,  # Paul's: name-only, its status is what NAME shows
        "Terminé": 1,
    }
    assert sum(group.values()) == len(tab_titles(staff, world.group)) + len(
        tab_titles(staff, world.group, done="1")
    )
    assert jean["En cours"] == 1
    assert marie["Planifié"] == 3
    # Zoé is hidden from staff: her item counts for the admin only.
    assert counts_of(admin, "Famille Dupont")["Planifié"] == 3


def test_work_counts_agree_with_the_tabs_for_every_row(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    world = GroupWorld(firm)
    rows = [world.group, world.other_group, world.jean, world.marie]

    for viewer in (staff, admin):
        counts = queries.work_counts(viewer, rows)
        for contact in rows:
            listed = list(personal.contact_tab_items(viewer, contact, done=False)) + list(
                personal.contact_tab_items(viewer, contact, done=True)
            )
            by_status: dict[int, int] = {}
            for found in listed:
                by_status[found.status_id] = by_status.get(found.status_id, 0) + 1
            assert counts.get(contact.pk, {}) == by_status, contact.display_name


def test_work_counts_are_one_query_whatever_the_number_of_rows_and_groups(
    firm: Firm, staff: Colleague
) -> None:
    small = [GroupWorld(firm).group]
    large = [GroupWorld(firm).group for _ in range(4)] + list(
        Contact.objects.filter(firm=firm, kind=Contact.Kind.PERSON)
    )

    for rows in (small, large):
        with CaptureQueriesContext(connection) as captured:
            queries.work_counts(staff, rows)
        assert len(captured.captured_queries) == 1
