"""The contacts page: views, filters, accent-insensitive search, padlocks, related contacts
filtered by the viewer's level, work counts per status, keyset paging with HTMX "more",
and a constant number of queries per page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from portefeuille.contacts import queries
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy, RoleSlot
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.testing.factories import (
    AdminFactory,
    ClientGroupFactory,
    ClientMemberFactory,
    ColleagueFactory,
    ContactCardFactory,
    FirmFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OwnerEntryFactory,
    PersonFactory,
    PortfolioFactory,
    RoleAssignmentFactory,
    WorkItemFactory,
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
    """Full scope, on no client team."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


@pytest.fixture
def limited(firm: Firm) -> Colleague:
    return ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def page_html(colleague: Colleague, **params: str) -> str:
    response = browse(colleague).get("/contacts/", params)
    assert response.status_code == 200
    return response.content.decode()


ROW = re.compile(r'<tr class="contact-row">(.*?)</tr>', re.DOTALL)


def rows(html: str) -> list[str]:
    return ROW.findall(html)


def row_of(html: str, name: str) -> str:
    found = [row for row in rows(html) if name in row]
    assert len(found) == 1, f"{name!r} in {len(found)} rows"
    return found[0]


NAME_LINK = re.compile(r'<a href="/contacts/\d+/">([^<]+)</a>')
NAME_ONLY = re.compile(r'class="private-name">.*?Privé</span>\s*([^<]+?)\s*</span>', re.DOTALL)


def names(html: str) -> list[str]:
    """The name cell of every row, in order (linked, or name-only with its padlock)."""
    found = []
    for row in rows(html):
        cell = row.split("</th>")[0]
        match = NAME_LINK.search(cell) or NAME_ONLY.search(cell)
        assert match is not None, cell
        found.append(match.group(1).strip())
    return found


def test_hidden_contact_is_absent_and_private_one_shows_name_and_padlock_only(
    firm: Firm, staff: Colleague
) -> None:
    client_type = ContactType.objects.get(firm=firm, name="Client")
    PersonFactory.create(firm=firm, first_name="Paul", last_name="Public", contact_type=client_type)
    PersonFactory.create(
        firm=firm,
        first_name="Pauline",
        last_name="Privée",
        privacy=Privacy.PRIVATE,
        contact_type=client_type,
    )
    PersonFactory.create(firm=firm, first_name="Marc", last_name="Masqué", privacy=Privacy.HIDDEN)

    html = page_html(staff, view="all")

    assert "Marc Masqué" not in html
    public = row_of(html, "Paul Public")
    assert "/contacts/" in public
    assert "Client" in public
    private = row_of(html, "Pauline Privée")
    assert 'class="private-name"' in private
    assert "href" not in private  # no link, no icon, no type, no counts
    assert "Client" not in private
    assert "Planifié" not in private
    assert "kind-icon" not in private


def test_limited_colleague_sees_only_the_contacts_of_their_client_teams(
    firm: Firm, limited: Colleague
) -> None:
    mine = OrganizationFactory.create(firm=firm, display_name="Boulangerie Dupain")
    ClientMemberFactory.create(client=mine, colleague=limited)
    OrganizationFactory.create(firm=firm, display_name="Garage Martin")

    html = page_html(limited, view="all")

    assert names(html) == ["Boulangerie Dupain"]


def test_search_ignores_accents_and_case(firm: Firm, staff: Colleague) -> None:
    PersonFactory.create(firm=firm, first_name="Élodie", last_name="Lefèvre")
    PersonFactory.create(firm=firm, first_name="Eloïse", last_name="Martin")

    html = page_html(staff, view="all", q="elodie LEFEVRE")

    assert names(html) == ["Élodie Lefèvre"]


def test_search_never_finds_a_hidden_contact(firm: Firm, staff: Colleague) -> None:
    PersonFactory.create(
        firm=firm, first_name="Élodie", last_name="Lefèvre", privacy=Privacy.HIDDEN
    )

    html = page_html(staff, view="all", q="lefevre")

    assert "Lefèvre" not in html
    assert "Aucun contact ne correspond à « lefevre »" in html


def test_views_by_kind_and_mine(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    OrganizationFactory.create(firm=firm, display_name="Dupont SARL")
    ClientGroupFactory.create(firm=firm, display_name="Famille Dupont")
    ClientMemberFactory.create(client=person, colleague=staff)

    assert names(page_html(staff, view="person")) == ["Jean Dupont"]
    assert names(page_html(staff, view="organization")) == ["Dupont SARL"]
    assert names(page_html(staff, view="client_group")) == ["Famille Dupont"]
    assert names(page_html(staff, view="mine")) == ["Jean Dupont"]
    assert names(page_html(staff, view="all")) == ["Dupont SARL", "Famille Dupont", "Jean Dupont"]


def test_mine_is_the_default_view_and_says_when_empty(staff: Colleague) -> None:
    html = page_html(staff)

    assert "Vous n'êtes responsable ni membre de l'équipe d'aucun contact" in html


def test_inactive_contacts_are_hidden_unless_asked(firm: Firm, staff: Colleague) -> None:
    inactive = ContactType.objects.get(firm=firm, name="Inactif")
    OrganizationFactory.create(firm=firm, display_name="Ancien client", contact_type=inactive)
    OrganizationFactory.create(firm=firm, display_name="Client actuel")

    assert names(page_html(staff, view="all")) == ["Client actuel"]
    assert names(page_html(staff, view="all", inactive="1")) == ["Ancien client", "Client actuel"]
    assert names(page_html(staff, view="all", type=str(inactive.pk))) == ["Ancien client"]


def test_a_private_inactive_contact_seen_by_name_is_not_judged_by_its_type(
    firm: Firm, staff: Colleague
) -> None:
    inactive = ContactType.objects.get(firm=firm, name="Inactif")
    OrganizationFactory.create(
        firm=firm, display_name="Ancien privé", contact_type=inactive, privacy=Privacy.PRIVATE
    )

    # Hiding it by default would tell that it is inactive: the row shows the name only.
    assert names(page_html(staff, view="all")) == ["Ancien privé"]


def test_team_filters_match_only_contacts_seen_in_full(firm: Firm, staff: Colleague) -> None:
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    OrganizationFactory.create(firm=firm, display_name="Public géré", manager=lea)
    OrganizationFactory.create(
        firm=firm, display_name="Privé géré", manager=lea, privacy=Privacy.PRIVATE
    )
    OrganizationFactory.create(firm=firm, display_name="Autre")

    # Listing "Privé géré" here would tell who manages a client seen by name only.
    assert names(page_html(staff, view="all", manager=str(lea.pk))) == ["Public géré"]


def test_filters_by_type_owner_role_member_portfolio_and_privacy(
    firm: Firm, admin: Colleague
) -> None:
    prospect = ContactType.objects.get(firm=firm, name="Prospect")
    slot = RoleSlot.objects.get(firm=firm, number=2)
    slot.title = "Associé signataire"
    slot.save()
    hugo = ColleagueFactory.create(firm=firm, first_name="Hugo", last_name="Moreau")
    entry = OwnerEntryFactory.create(firm=firm, colleague=hugo)
    portfolio = PortfolioFactory.create(firm=firm, name="PME Lyon")
    typed = OrganizationFactory.create(firm=firm, display_name="Typé", contact_type=prospect)
    owned = OrganizationFactory.create(firm=firm, display_name="Possédé", owner=entry)
    signed = OrganizationFactory.create(firm=firm, display_name="Signé")
    RoleAssignmentFactory.create(client=signed, slot=2, colleague=hugo)
    member = OrganizationFactory.create(firm=firm, display_name="Membre")
    ClientMemberFactory.create(client=member, colleague=hugo)
    placed = OrganizationFactory.create(firm=firm, display_name="Placé", portfolio=portfolio)
    OrganizationFactory.create(firm=firm, display_name="Secret", privacy=Privacy.HIDDEN)

    assert names(page_html(admin, view="all", type=str(prospect.pk))) == [typed.display_name]
    assert names(page_html(admin, view="all", owner=str(entry.pk))) == [owned.display_name]
    assert names(page_html(admin, view="all", role="2")) == [signed.display_name]
    assert names(page_html(admin, view="all", role_holder=str(hugo.pk))) == [signed.display_name]
    assert names(page_html(admin, view="all", member=str(hugo.pk))) == [member.display_name]
    assert names(page_html(admin, view="all", portfolio=str(portfolio.pk))) == [placed.display_name]
    assert names(page_html(admin, view="all", privacy="hidden")) == ["Secret"]
    assert names(page_html(admin, view="all", kind="person")) == []


def test_an_untitled_role_slot_is_not_a_filter(firm: Firm, admin: Colleague) -> None:
    signed = OrganizationFactory.create(firm=firm, display_name="Signé")
    OrganizationFactory.create(firm=firm, display_name="Autre")
    RoleAssignmentFactory.create(client=signed, slot=3, colleague=admin)

    html = page_html(admin, view="all", role="3")

    assert names(html) == ["Autre", "Signé"]
    assert 'id="filter-role"' not in html


def test_a_slot_whose_title_was_removed_is_neither_a_filter_nor_mine(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    # docs/access-rules.md: an untitled slot shows nowhere, not in filters; the client team
    # ("Mes contacts") is made of titled roles. The holder keeps full access all the same.
    set_role_slot_titles(actor=admin, titles={2: "Associé", 3: "Expert-comptable"})
    held = OrganizationFactory.create(firm=firm, display_name="Tenu", privacy=Privacy.PRIVATE)
    RoleAssignmentFactory.create(client=held, slot=3, colleague=staff)
    OrganizationFactory.create(firm=firm, display_name="Autre")
    set_role_slot_titles(actor=admin, titles={3: ""})

    html = page_html(admin, view="all", role="3")
    assert names(html) == ["Autre", "Tenu"]  # not offered, so not applied
    assert 'value="3"' not in html.split('id="filter-role"')[1].split("</select>")[0]
    assert names(page_html(admin, view="all", role_holder=str(staff.pk))) == []
    assert names(page_html(admin, view="all", role="2", role_holder=str(staff.pk))) == []
    assert names(page_html(staff, view="mine")) == []
    # The old "Mes clients" address leads to the same view.
    clients = browse(staff).get("/clients/", {"view": "mine"}, follow=True).content.decode()
    assert "Tenu" not in clients
    # Still theirs to see in full.
    assert browse(staff).get(f"/contacts/{held.pk}/").status_code == 200
    assert names(page_html(staff, view="all")) == ["Autre", "Tenu"]
    assert f'href="/contacts/{held.pk}/"' in page_html(staff, view="all")


def test_rows_list_related_contacts_by_the_viewers_level(firm: Firm, staff: Colleague) -> None:
    person = PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(firm=firm, display_name="Dupont SARL"),
        role="Gérant",
    )
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(
            firm=firm, display_name="Holding Privée", privacy=Privacy.PRIVATE
        ),
    )
    ContactCardFactory.create(
        person=person,
        organization=OrganizationFactory.create(
            firm=firm, display_name="Société Masquée", privacy=Privacy.HIDDEN
        ),
    )
    group = ClientGroupFactory.create(firm=firm, display_name="Famille Dupont")
    GroupMembershipFactory.create(group=group, member=person)

    row = row_of(page_html(staff, view="person"), "Jean Dupont")

    related = row.split('class="related">')[1].split("</td>")[0]
    assert 'Dupont SARL</a> <span class="muted">(Gérant)</span>' in related
    assert "Famille Dupont</a>" in related
    assert 'class="private-name"' in related
    assert "Holding Privée" in related
    assert "Holding Privée</a>" not in related
    assert "Masquée" not in row


def test_a_group_row_lists_its_visible_members(firm: Firm, staff: Colleague) -> None:
    group = ClientGroupFactory.create(firm=firm, display_name="Famille Dupont")
    GroupMembershipFactory.create(
        group=group, member=PersonFactory.create(firm=firm, first_name="Jean", last_name="Dupont")
    )
    GroupMembershipFactory.create(
        group=group,
        member=PersonFactory.create(
            firm=firm, first_name="Anne", last_name="Cachée", privacy=Privacy.HIDDEN
        ),
    )

    row = row_of(page_html(staff, view="client_group"), "Famille Dupont")

    assert "Jean Dupont</a>" in row
    assert "Cachée" not in row


def test_work_counts_show_the_firms_statuses_with_zero(firm: Firm, staff: Colleague) -> None:
    OrganizationFactory.create(firm=firm, display_name="Boulangerie Dupain")

    row = row_of(page_html(staff, view="all"), "Boulangerie Dupain")

    counts = re.findall(r'title="([^"]+)">[^<]*<strong>(\d+)</strong>', row)
    assert counts == [
        ("Planifié", "0"),
        ("Prêt à démarrer", "0"),
        ("En cours", "0"),
        ("En attente du client", "0"),
        ("Terminé", "0"),
    ]


def test_keyset_paging_with_htmx_more_walks_every_contact_once(
    firm: Firm, staff: Colleague, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    # Same name twice: the cursor must tell them apart by id.
    for name in ["Alpha", "Bêta", "Bêta", "Gamma", "Delta", "Epsilon", "Zêta"]:
        OrganizationFactory.create(firm=firm, display_name=name)
    http = browse(staff)

    first = http.get("/contacts/", {"view": "all"}).content.decode()
    seen = names(first)
    more = re.search(r'hx-get="([^"]+)" hx-target="#more-contacts"', first)
    while more:
        url = more.group(1).replace("&amp;", "&")
        fragment = http.get(url, headers={"HX-Request": "true", "HX-Target": "more-contacts"})
        body = fragment.content.decode()
        assert "<table" not in body  # only the next rows and the next "more"
        seen += names(body)
        more = re.search(r'hx-get="([^"]+)" hx-target="#more-contacts"', body)

    assert seen == ["Alpha", "Bêta", "Bêta", "Delta", "Epsilon", "Gamma", "Zêta"]
    assert len(names(first)) == 3


def test_a_malformed_cursor_starts_from_the_top(firm: Firm, staff: Colleague) -> None:
    OrganizationFactory.create(firm=firm, display_name="Alpha")

    assert names(page_html(staff, view="all", after="!!pas-un-curseur")) == ["Alpha"]


def _populate(firm: Firm, count: int) -> None:
    for i in range(count):
        person = PersonFactory.create(
            firm=firm, first_name=f"Prénom{i}", last_name="Nom", privacy=Privacy.PUBLIC
        )
        ContactCardFactory.create(person=person, organization__firm=firm)
        group = ClientGroupFactory.create(firm=firm)
        GroupMembershipFactory.create(group=group, member=person)
        private = PersonFactory.create(firm=firm, privacy=Privacy.PRIVATE)
        # Work on every kind of row: the counts stay one query for the page.
        for client in (person, group, private):
            WorkItemFactory.create(client=client)
        WorkItemFactory.create(client=person, client_group=group)


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_the_page_costs_the_same_number_of_queries_whatever_its_size(
    firm: Firm,
    staff: Colleague,
    admin: Colleague,
    who: str,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    viewer = staff if who == "staff" else admin
    http = browse(viewer)
    _populate(firm, 3)
    http.get("/contacts/", {"view": "all"})  # warm the session and the caches
    # Session + colleague (2), role slots (1), statuses (1), rows (1), cards (1),
    # memberships (1), related contacts (1), work counts (1), firm + filter options: types,
    # colleagues, owners, portfolios (5), the header's unread notifications (1), the custom
    # fields (1) and the segments (1; docs/custom-fields.md).
    with django_assert_num_queries(17):
        small = http.get("/contacts/", {"view": "all"})
    _populate(firm, 12)
    with django_assert_num_queries(17):
        large = http.get("/contacts/", {"view": "all"})
    assert small.status_code == large.status_code == 200
    assert len(rows(large.content.decode())) > len(rows(small.content.decode()))


def test_the_more_fragment_costs_a_constant_number_of_queries(
    firm: Firm,
    staff: Colleague,
    django_assert_num_queries: DjangoAssertNumQueries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queries, "PAGE_SIZE", 5)
    _populate(firm, 6)
    http = browse(staff)
    first = http.get("/contacts/", {"view": "all"}).content.decode()
    url = re.search(r'hx-get="([^"]+)" hx-target="#more-contacts"', first)
    assert url is not None
    # As the full page, without the filter options (the shell's context still reads the firm),
    # with the custom fields (their columns).
    with django_assert_num_queries(11):
        http.get(
            url.group(1).replace("&amp;", "&"),
            headers={"HX-Request": "true", "HX-Target": "more-contacts"},
        )


def test_other_firms_contacts_never_show(firm: Firm, admin: Colleague) -> None:
    other = FirmFactory.create()
    OrganizationFactory.create(firm=other, display_name="Concurrent SA")

    assert "Concurrent SA" not in page_html(admin, view="all")
    assert Contact.objects.filter(display_name="Concurrent SA").exists()


def test_live_search_returns_only_the_results_fragment(firm: Firm, staff: Colleague) -> None:
    PersonFactory.create(firm=firm, first_name="Élodie", last_name="Lefèvre")
    PersonFactory.create(firm=firm, first_name="Jean", last_name="Martin")

    response = browse(staff).get(
        "/contacts/",
        {"view": "all", "q": "elodie lefevre"},
        headers={"HX-Request": "true", "HX-Target": "contact-results"},
    )

    body = response.content.decode()
    # The results only: no filter form (the segment form comes along out of band, with
    # the new filters: docs/custom-fields.md).
    assert 'id="contact-filters"' not in body
    assert body.count("<form") == body.count('hx-swap-oob="true"') == 1
    assert 'name="query" value="q=elodie+lefevre&amp;view=all"' in body
    assert body.count("Élodie Lefèvre</a>") == 1
    assert names(body) == ["Élodie Lefèvre"]
