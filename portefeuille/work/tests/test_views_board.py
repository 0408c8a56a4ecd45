"""The work view: the board (one column per status, WIP counts, "+N autres"), the list with
its keyset cursor, the filters in the URL (client owner, titled roles, the rest), what a
name-only card shows, moving a card (form and script, stale and refused moves), segments,
and a constant number of queries whatever the number of items."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from portefeuille.firms.models import Colleague, Firm, Privacy, WorkStatus, WorkType
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    RoleAssignmentFactory,
    WorkItemFactory,
)
from portefeuille.work import queries
from portefeuille.work.models import Segment, WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    """Full scope, on no client team: public clients in full, private ones by name."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


def statuses(firm: Firm) -> list[WorkStatus]:
    return list(WorkStatus.objects.filter(firm=firm).order_by("position"))


def in_progress(firm: Firm) -> WorkStatus:
    return WorkStatus.objects.get(firm=firm, primary_state=WorkStatus.PrimaryState.IN_PROGRESS)


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def board_html(colleague: Colleague, **params: str) -> str:
    response = browse(colleague).get("/work/", params)
    assert response.status_code == 200
    return response.content.decode()


def column_html(html: str, status: WorkStatus) -> str:
    start = html.index(f'aria-labelledby="column-{status.pk}"')
    end = html.find('<section class="board-column"', start)
    return html[start : end if end != -1 else len(html)]


def card_html(html: str, item: WorkItem) -> str:
    start = html.index(f'id="card-{item.pk}"')
    return html[start : html.index("</li>", start)]


# ---------------------------------------------------------------------------------------
# The board and the list.
# ---------------------------------------------------------------------------------------


def test_board_has_one_column_per_status_with_its_count(firm: Firm, admin: Colleague) -> None:
    planned, _ready, doing, *_rest = statuses(firm)
    client = ClientFactory.create(firm=firm)
    WorkItemFactory.create_batch(3, client=client, status=planned)
    WorkItemFactory.create(client=client, status=doing, title="Bilan Dupain")

    html = board_html(admin)

    for status in statuses(firm):
        assert f'aria-labelledby="column-{status.pk}"' in html
    assert re.search(r"<span data-wip>3</span>", column_html(html, planned))
    assert "Bilan Dupain" in column_html(html, doing)
    assert re.search(r"<span data-wip>1</span>", column_html(html, doing))


def test_a_long_column_shows_its_first_cards_and_links_the_rest_in_the_list(
    firm: Firm, admin: Colleague
) -> None:
    planned = statuses(firm)[0]
    client = ClientFactory.create(firm=firm)
    WorkItem.objects.bulk_create(
        WorkItem(firm=firm, client=client, status=planned, title=f"Mission {n:02}")
        for n in range(queries.BOARD_COLUMN_LIMIT + 2)
    )

    column = column_html(board_html(admin), planned)

    assert column.count('<li class="work-card') == queries.BOARD_COLUMN_LIMIT
    assert f"<span data-wip>{queries.BOARD_COLUMN_LIMIT + 2}</span>" in column
    assert "+2 autres" in column
    assert f"status={planned.pk}" in column
    assert "view=list" in column


def test_the_list_shows_every_item_page_by_page_with_a_cursor(firm: Firm, admin: Colleague) -> None:
    planned = statuses(firm)[0]
    client = ClientFactory.create(firm=firm)
    WorkItem.objects.bulk_create(
        WorkItem(
            firm=firm,
            client=client,
            status=planned,
            title=f"Mission {n:03}",
            due_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n) if n % 2 else None,
        )
        for n in range(queries.LIST_PAGE_SIZE + 5)
    )
    http = browse(admin)

    first = http.get("/work/", {"view": "list"}).content.decode()
    assert first.count('class="work-row"') == queries.LIST_PAGE_SIZE
    cursor = re.search(r'after=([^"&]+)"', first)
    assert cursor is not None
    more = http.get(
        f"/work/?view=list&after={cursor.group(1)}",
        headers={"HX-Request": "true", "HX-Target": "more-items"},
    ).content.decode()
    assert more.count('class="work-row"') == 5
    titles = re.findall(r"Mission \d{3}", first + more)
    assert len(set(titles)) == queries.LIST_PAGE_SIZE + 5
    # Dated items first, by due date; undated ones last.
    assert titles[0] == "Mission 001"
    assert titles[1] == "Mission 003"
    # A garbled cursor is the first page, never an error.
    again = http.get("/work/", {"view": "list", "after": "zz!"}).content.decode()
    assert again.count('class="work-row"') == queries.LIST_PAGE_SIZE


def test_a_name_only_card_shows_its_title_status_and_client_name_and_cannot_be_moved(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, display_name="Dupain SA")
    item = WorkItemFactory.create(
        client=private,
        title="Liasse fiscale",
        assignee=admin,
        work_type=WorkType.objects.filter(firm=firm).first(),
        due_date=datetime.date(2020, 5, 1),
    )

    html = board_html(staff)

    card = card_html(html, item)
    assert "Liasse fiscale" in card
    assert "Dupain SA" in card
    assert "Alice Admin" not in card
    assert 'data-level="name"' in card
    assert "draggable" not in card
    assert "drag-handle" not in card
    assert "work-card-move" not in card
    assert "version" not in card
    assert "En retard" not in card
    assert "2020" not in card
    assert f"/contacts/{private.pk}/" not in card
    listed = board_html(staff, view="list")
    row = listed[listed.index('<tr class="work-row"') : listed.index("</tbody>")]
    assert "Liasse fiscale" in row
    assert "Dupain SA" in row
    assert "Alice Admin" not in row
    assert "Paie" not in row
    assert "2020" not in row
    assert f"/contacts/{private.pk}/" not in row


def test_a_hidden_clients_work_is_not_on_the_board_or_the_list(
    firm: Firm, staff: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    WorkItemFactory.create(client=hidden, title="Dossier secret")
    planned = statuses(firm)[0]

    html = board_html(staff)

    assert "Dossier secret" not in html
    assert "<span data-wip>0</span>" in column_html(html, planned)
    assert "Dossier secret" not in board_html(staff, view="list")


def test_the_board_costs_the_same_number_of_queries_for_many_items_and_clients(
    firm: Firm, staff: Colleague, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    planned, ready, *_rest = statuses(firm)
    http = browse(staff)
    http.get("/work/")  # the session and the firm's settings are warm

    def queries_of_board() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/work/").status_code == 200
            assert http.get("/work/", {"view": "list"}).status_code == 200
        return len(captured.captured_queries)

    def add_clients(count: int) -> None:
        for n in range(count):
            client = ClientFactory.create(
                firm=firm, privacy=Privacy.PRIVATE if n % 2 else Privacy.PUBLIC
            )
            if n % 3 == 0:
                ClientMemberFactory.create(client=client, colleague=staff)
            WorkItem.objects.bulk_create(
                WorkItem(
                    firm=firm,
                    client=client,
                    status=planned if k % 2 else ready,
                    title=f"Mission {n}-{k}",
                    assignee=staff,
                )
                for k in range(4)
            )

    add_clients(2)
    few = queries_of_board()
    add_clients(30)
    assert queries_of_board() == few
    # The whole page: the session and the colleague, the firm, the filter choices, the
    # segments, the unread count, the statuses and the one read of the items.
    with django_assert_max_num_queries(14):
        http.get("/work/", {"view": "list", "type": "1", "mine": "1"})
    with django_assert_max_num_queries(2):
        queries.board(staff, queries.WorkFilters())


# ---------------------------------------------------------------------------------------
# Filters.
# ---------------------------------------------------------------------------------------


def test_the_board_filters_by_client_owner(firm: Firm, admin: Colleague) -> None:
    owner = ColleagueFactory.create(firm=firm, first_name="Olivier", last_name="Owner")
    entry = OwnerEntryFactory.create(firm=firm, colleague=owner)
    owned = ClientFactory.create(firm=firm, owner=entry)
    other = ClientFactory.create(firm=firm)
    WorkItemFactory.create(client=owned, title="Travail possédé")
    WorkItemFactory.create(client=other, title="Travail ailleurs")

    html = board_html(admin, client_owner=str(entry.pk))

    assert "Travail possédé" in html
    assert "Travail ailleurs" not in html
    assert f'<option value="{entry.pk}" selected>Olivier Owner</option>' in html


def test_the_owner_filter_is_gone_when_the_ownership_switch_is_off(
    firm: Firm, admin: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=firm)
    owned = ClientFactory.create(firm=firm, owner=entry)
    WorkItemFactory.create(client=owned, title="Travail possédé")
    WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Travail ailleurs")
    Firm.objects.filter(pk=firm.pk).update(ownership_enabled=False)

    html = board_html(admin, client_owner=str(entry.pk))

    assert 'name="client_owner"' not in html
    assert "Travail possédé" in html
    assert "Travail ailleurs" in html


def test_each_titled_role_slot_is_a_filter_and_untitled_ones_are_nowhere(
    firm: Firm, admin: Colleague
) -> None:
    set_role_slot_titles(actor=admin, titles={2: "Associé signataire"})
    partner = ColleagueFactory.create(firm=firm, first_name="Paul", last_name="Partner")
    signed = ClientFactory.create(firm=firm)
    RoleAssignmentFactory.create(client=signed, slot=2, colleague=partner)
    untitled = ClientFactory.create(firm=firm)
    RoleAssignmentFactory.create(client=untitled, slot=3, colleague=partner)
    WorkItemFactory.create(client=signed, title="Travail signé")
    WorkItemFactory.create(client=untitled, title="Travail sans titre")

    html = board_html(admin, role2=str(partner.pk))

    assert '<label for="filter-role2">Associé signataire</label>' in html
    assert 'name="role3"' not in html
    assert 'name="role1"' not in html
    assert "Travail signé" in html
    assert "Travail sans titre" not in html
    # The URL's own names work too; an untitled slot's filter is ignored.
    assert "Travail signé" in board_html(admin, role="2", role_holder=str(partner.pk))
    ignored = board_html(admin, role="3")
    assert "Travail signé" in ignored
    assert "Travail sans titre" in ignored


def test_filters_combine_and_those_beyond_title_and_status_keep_full_items_only(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    paie = WorkType.objects.get(firm=firm, name="Paie")
    public = ClientFactory.create(firm=firm)
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    WorkItemFactory.create(client=public, title="Paie de mars", work_type=paie, assignee=admin)
    WorkItemFactory.create(client=public, title="Paie d'avril", work_type=paie)
    WorkItemFactory.create(client=private, title="Paie privée", work_type=paie, assignee=admin)

    html = board_html(staff, type=str(paie.pk), assignee=str(admin.pk))

    assert "Paie de mars" in html
    assert "Paie d&#x27;avril" not in html
    assert "Paie privée" not in html
    # Title search alone is a name-level filter: the private item's title is found.
    assert "Paie privée" in board_html(staff, q="privée")


def test_a_malformed_filter_is_left_out_and_said(firm: Firm, admin: Colleague) -> None:
    WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Bilan")

    html = board_html(admin, assignee="abc", due="someday")

    assert "Filtre « Assigné à » ignoré : Identifiant invalide." in html
    assert "Filtre « Échéance » ignoré : Échéance inconnue." in html
    assert "Bilan" in html


def test_the_filters_answer_htmx_with_the_results_and_the_address_of_the_filters(
    firm: Firm, admin: Colleague
) -> None:
    paie = WorkType.objects.get(firm=firm, name="Paie")
    response = browse(admin).get(
        "/work/",
        {"type": str(paie.pk), "assignee": "", "q": ""},
        headers={"HX-Request": "true", "HX-Target": "work-results"},
    )

    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/work/?type={paie.pk}"
    html = response.content.decode()
    assert "<h1>" not in html
    assert 'id="work-tabs" hx-swap-oob="true"' in html
    assert f'name="type" value="{paie.pk}"' in html  # the segment form carries them


def test_the_menu_has_a_travail_entry(admin: Colleague) -> None:
    html = board_html(admin)

    assert re.search(r'<a href="/work/"\s+aria-current="page">Travail</a>', html)


# ---------------------------------------------------------------------------------------
# Moving a card.
# ---------------------------------------------------------------------------------------


def test_the_move_form_changes_the_status_and_goes_back_to_the_filtered_board(
    firm: Firm, admin: Colleague
) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Bilan")
    doing = in_progress(firm)

    response = browse(admin).post(
        f"/work/{item.pk}/move/",
        {"status": doing.pk, "version": item.version, "next": "/work/?q=Bilan"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/work/?q=Bilan"
    assert "« Bilan » est maintenant « En cours »." in response.content.decode()
    item.refresh_from_db()
    assert item.status_id == doing.pk
    assert item.version == 2


def test_the_move_goes_back_to_the_board_only(firm: Firm, admin: Colleague) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm))

    response = browse(admin).post(
        f"/work/{item.pk}/move/",
        {"status": in_progress(firm).pk, "version": item.version, "next": "https://evil.test/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/work/"


def test_the_board_script_gets_the_new_version_in_json(firm: Firm, admin: Colleague) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Bilan")
    doing = in_progress(firm)

    response = browse(admin).post(
        f"/work/{item.pk}/move/",
        {"status": doing.pk, "version": item.version},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "version": 2,
        "status": doing.pk,
        "message": "« Bilan » est maintenant « En cours ».",
    }


def test_a_stale_move_is_refused_and_the_first_move_stays(firm: Firm, admin: Colleague) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Bilan")
    planned, _ready, doing, waiting, _done = statuses(firm)
    first, second = browse(admin), browse(admin)
    first.post(f"/work/{item.pk}/move/", {"status": doing.pk, "version": 1})

    refused = second.post(
        f"/work/{item.pk}/move/",
        {"status": waiting.pk, "version": 1},
        headers={"Accept": "application/json"},
    )
    form = second.post(f"/work/{item.pk}/move/", {"status": planned.pk, "version": 1}, follow=True)

    assert refused.status_code == 409
    assert "modifié par quelqu'un d'autre" in refused.json()["message"]
    assert "modifié par quelqu&#x27;un d&#x27;autre" in form.content.decode()
    item.refresh_from_db()
    assert item.status_id == doing.pk
    assert item.version == 2


def test_a_stale_move_is_refused_in_english_too(firm: Firm, admin: Colleague) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm))
    http = browse(admin)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    http.post(f"/work/{item.pk}/move/", {"status": in_progress(firm).pk, "version": 1})

    refused = http.post(
        f"/work/{item.pk}/move/",
        {"status": statuses(firm)[0].pk, "version": 1},
        headers={"Accept": "application/json"},
    )

    assert refused.status_code == 409
    assert "someone else" in refused.json()["message"]


def test_a_name_only_card_cannot_be_moved_and_a_hidden_one_does_not_exist(
    firm: Firm, staff: Colleague
) -> None:
    private = WorkItemFactory.create(
        client=ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    )
    hidden = WorkItemFactory.create(client=ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN))
    doing = in_progress(firm)
    http = browse(staff)

    assert http.post(f"/work/{private.pk}/move/", {"status": doing.pk}).status_code == 403
    as_json = http.post(
        f"/work/{private.pk}/move/", {"status": doing.pk}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 403
    assert "nom" in as_json.json()["message"]
    assert http.post(f"/work/{hidden.pk}/move/", {"status": doing.pk}).status_code == 404
    assert http.post("/work/999999/move/", {"status": doing.pk}).status_code == 404
    for item in (private, hidden):
        item.refresh_from_db()
        assert item.status_id != doing.pk


def test_a_move_to_a_status_of_another_firm_is_refused(firm: Firm, admin: Colleague) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm))
    foreign = in_progress(FirmFactory.create())

    refused = browse(admin).post(
        f"/work/{item.pk}/move/",
        {"status": foreign.pk, "version": 1},
        headers={"Accept": "application/json"},
    )

    assert refused.status_code == 422
    assert "statut du cabinet" in refused.json()["message"]
    item.refresh_from_db()
    assert item.version == 1


def test_a_full_card_has_a_keyboard_move_form_and_a_drag_handle(
    firm: Firm, admin: Colleague
) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm), title="Bilan")

    card = card_html(board_html(admin), item)

    assert 'draggable="true"' in card
    assert "drag-handle" in card
    assert f'action="/work/{item.pk}/move/"' in card
    assert 'name="version" value="1"' in card
    assert "Déplacer vers" in card


# ---------------------------------------------------------------------------------------
# Segments.
# ---------------------------------------------------------------------------------------


def test_a_segment_saves_the_filters_lists_them_and_is_deleted_after_confirming(
    firm: Firm, admin: Colleague
) -> None:
    paie = WorkType.objects.get(firm=firm, name="Paie")
    http = browse(admin)

    saved = http.post(
        "/work/segments/", {"name": "Ma paie", "type": str(paie.pk), "assignee": "me"}
    )

    segment = Segment.objects.get(owner=admin)
    assert segment.query == f"assignee={admin.pk}&type={paie.pk}"
    assert saved["Location"] == f"/work/?assignee={admin.pk}&type={paie.pk}"
    html = http.get(saved["Location"]).content.decode()
    assert re.search(r'href="/work/\?assignee=\d+&amp;type=\d+" aria-current="true">Ma paie', html)
    confirm = http.get(f"/work/segments/{segment.pk}/delete/")
    assert "Supprimer le segment « Ma paie » ?" in confirm.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()
    http.post(f"/work/segments/{segment.pk}/delete/")
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_a_segment_needs_a_name(firm: Firm, admin: Colleague) -> None:
    response = browse(admin).post("/work/segments/", {"name": " ", "q": "bilan"}, follow=True)

    assert Segment.objects.count() == 0
    assert response.redirect_chain[-1][0] == "/work/?q=bilan"
    assert 'class="message error"' in response.content.decode()


def test_someone_elses_segment_is_not_found(firm: Firm, admin: Colleague, staff: Colleague) -> None:
    segment = Segment.objects.create(firm=firm, owner=staff, area="work", name="À moi", query="")
    http = browse(admin)

    assert http.get(f"/work/segments/{segment.pk}/delete/").status_code == 404
    assert http.post(f"/work/segments/{segment.pk}/delete/").status_code == 404
    assert "À moi" not in board_html(admin)
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_a_contact_of_the_list_links_to_its_page_only_when_seen_in_full(
    firm: Firm, staff: Colleague
) -> None:
    public = ClientFactory.create(firm=firm, display_name="Public SA")
    WorkItemFactory.create(client=public, title="Bilan public")

    html = board_html(staff, view="list")

    assert f'<a href="/contacts/{public.pk}/">Public SA</a>' in html
    assert 'data-level="full"' in html


def test_a_move_with_a_version_that_is_no_number_is_refused_as_stale(
    firm: Firm, admin: Colleague
) -> None:
    item = WorkItemFactory.create(client=ClientFactory.create(firm=firm))

    refused = browse(admin).post(
        f"/work/{item.pk}/move/",
        {"status": in_progress(firm).pk, "version": "abc"},
        headers={"Accept": "application/json"},
    )

    assert refused.status_code == 409
    item.refresh_from_db()
    assert item.status_id == statuses(firm)[0].pk
