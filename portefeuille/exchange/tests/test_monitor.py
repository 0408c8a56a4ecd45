"""The client monitor and its exports (docs/exchange.md): what each colleague reads there is
what the access rules give them, columns and sorting included, page after page and in the
files they download."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact, TimelineItem
from portefeuille.contacts.queries import ContactFilters
from portefeuille.exchange import monitor
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return f.AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(firm=firm, first_name="Sacha", last_name="Staff")


@pytest.fixture
def marc(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(firm=firm, first_name="Marc", last_name="Gestion")


def _world(firm: Firm, marc: Colleague) -> dict[str, Contact]:
    """A public, a private and a hidden client managed by Marc, in a portfolio, with a
    titled role; and one public client of nobody."""
    portfolio = f.PortfolioFactory.create(firm=firm, name="Grands comptes", email="gc@cab.fr")
    found = {
        name: f.OrganizationFactory.create(
            firm=firm,
            display_name=name,
            privacy=privacy,
            manager=marc,
            portfolio=portfolio,
            client_code=f"C-{name[:3].upper()}",
        )
        for name, privacy in (
            ("Atelier Public", Privacy.PUBLIC),
            ("Bureau Privé", Privacy.PRIVATE),
            ("Cachette SA", Privacy.HIDDEN),
        )
    }
    found["Zénith libre"] = f.OrganizationFactory.create(firm=firm, display_name="Zénith libre")
    for client in found.values():
        f.RoleAssignmentFactory.create(client=client, slot=1, colleague=marc)
    return found


def _titled(admin: Colleague) -> None:
    set_role_slot_titles(actor=admin, titles={1: "Associé signataire"})


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


ROW = re.compile(r'<tr data-client="(\d+)" data-level="full">(.*?)</tr>', re.DOTALL)
NAME_ROW = re.compile(r'<tr data-level="name">(.*?)</tr>', re.DOTALL)


def _rows(page: str) -> list[tuple[int, str, str]]:
    """The rows seen in full: (id, "full", the row's HTML)."""
    return [(int(pk), "full", body) for pk, body in ROW.findall(page)]


def test_each_colleague_reads_the_monitor_at_their_level(
    firm: Firm, admin: Colleague, staff: Colleague, marc: Colleague
) -> None:
    _titled(admin)
    clients = _world(firm, marc)
    page = browse(staff).get(
        "/monitor/", {"col": "name,code,manager,role_1,portfolio,email,open_work"}
    )
    assert page.status_code == 200
    rows = {pk: (level, body) for pk, level, body in _rows(page.content.decode())}
    public, private, hidden = (
        clients[n].pk for n in ("Atelier Public", "Bureau Privé", "Cachette SA")
    )
    assert hidden not in rows
    assert rows[public][0] == "full"
    assert "Marc Gestion" in rows[public][1]
    assert "C-ATE" in rows[public][1]
    assert "gc@cab.fr" not in rows[public][1]  # the manager's address comes first
    assert marc.email in rows[public][1]
    # The private client: its name, and nothing else — no id, no code, no manager, no role.
    assert private not in rows
    (body,) = NAME_ROW.findall(page.content.decode())
    assert "Bureau Privé" in body
    assert "C-BUR" not in body
    assert "Marc Gestion" not in body
    assert "/contacts/" not in body
    assert f'name="ids" value="{private}"' not in page.content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page.content.decode(), re.DOTALL)
    assert any("Associé signataire" in header for header in headers)


def test_sorting_beyond_the_name_keeps_only_the_clients_seen_in_full(
    firm: Firm, staff: Colleague, marc: Colleague
) -> None:
    clients = _world(firm, marc)
    body = browse(staff).get("/monitor/", {"sort": "manager"}).content.decode()
    shown = {pk for pk, _level, _body in _rows(body)}
    assert clients["Bureau Privé"].pk not in shown  # sorting by its manager would tell it
    assert shown == {clients["Atelier Public"].pk, clients["Zénith libre"].pk}
    assert "ne portent que sur les clients que vous voyez en entier" in body


def test_a_limited_colleague_sees_only_their_clients(firm: Firm, marc: Colleague) -> None:
    clients = _world(firm, marc)
    louis = f.ColleagueFactory.create(firm=firm, scope=Colleague.Scope.LIMITED)
    f.ClientMemberFactory.create(client=clients["Cachette SA"], colleague=louis)
    body = browse(louis).get("/monitor/").content.decode()
    assert [pk for pk, _l, _b in _rows(body)] == [clients["Cachette SA"].pk]


@pytest.mark.parametrize("sort", ["name", "-name", "manager", "-open_work", "last_activity"])
def test_keyset_paging_walks_every_row_once_in_order(
    firm: Firm, admin: Colleague, marc: Colleague, sort: str
) -> None:
    managers = [marc, admin, None]
    for n in range(23):
        client = f.OrganizationFactory.create(
            firm=firm, display_name=f"Client {n:02d}", manager=managers[n % 3]
        )
        for _i in range(n % 4):
            f.WorkItemFactory.create(client=client)
    query = monitor.choose(admin, ContactFilters(), ["open_work", "manager"], sort)
    seen: list[int] = []
    after = None
    while True:
        page = monitor.monitor_page(admin, query, after=after, limit=5)
        seen += [row.contact.pk for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    everything = [row.contact.pk for row in monitor.export_rows(admin, query, batch=7)]
    assert len(seen) == len(set(seen)) == 23
    assert seen == everything
    assert page.count == 23


def test_last_activity_ignores_an_email_the_viewer_may_not_read(
    firm: Firm, admin: Colleague, staff: Colleague
) -> None:
    person = f.PersonFactory.create(firm=firm, share_communication=False)
    Contact.objects.filter(pk=person.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    TimelineItem.objects.create(
        firm=firm,
        client=person,
        kind=TimelineItem.Kind.EMAIL,
        author=admin,
        subject="Secret",
        created_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    )

    def last(viewer: Colleague) -> Any:
        query = monitor.choose(viewer, ContactFilters(), ["last_activity"], "name")
        return next(iter(monitor.export_rows(viewer, query))).value("last_activity")

    assert last(admin).month == 6
    assert last(staff).month == 1


def test_the_page_costs_the_same_number_of_queries_whatever_its_size(
    firm: Firm,
    admin: Colleague,
    staff: Colleague,
    marc: Colleague,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _titled(admin)
    http = browse(staff)
    every = {
        "col": "name,code,kind,type,privacy,owner,manager,role_1,portfolio,email,"
        "open_work,last_activity,created"
    }
    _world(firm, marc)
    http.get("/monitor/", every)
    # Session + colleague (2), firm (1), role slots (2: filters, columns), count (1),
    # rows (1), role holders (1), the filter options: types, colleagues, owners,
    # portfolios, slots (5), the header's unread notifications (1).
    with django_assert_num_queries(14):
        small = http.get("/monitor/", every)
    for n in range(30):
        client = f.OrganizationFactory.create(firm=firm, display_name=f"Client {n}", manager=marc)
        f.RoleAssignmentFactory.create(client=client, slot=1, colleague=marc)
        f.WorkItemFactory.create(client=client)
    with django_assert_num_queries(14):
        large = http.get("/monitor/", every)
    assert len(_rows(large.content.decode())) > len(_rows(small.content.decode()))


# --- exports --------------------------------------------------------------------------


def _export(http: Client, **form: Any) -> Any:
    return http.post("/monitor/export/", form)


def test_an_excel_export_holds_what_the_colleague_may_see_and_is_recorded(
    firm: Firm, admin: Colleague, staff: Colleague, marc: Colleague, tmp_path: Path
) -> None:
    _titled(admin)
    _world(firm, marc)
    f.OrganizationFactory.create(firm=firm, display_name='=HYPERLINK("http://x")')
    state = "col=name&col=code&col=manager&col=role_1&col=open_work"
    response = _export(browse(staff), state=state, scope="all", format="xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == [
        "Nom",
        "Identifiant client",
        "Gestionnaire",
        "Associé signataire",
        "Travail en cours",
    ]
    by_name = {row[0]: row[1:] for row in values[1:]}
    assert set(by_name) == {
        "Atelier Public",
        "Bureau Privé",
        "Zénith libre",
        '\'=HYPERLINK("http://x")',
    }
    assert by_name["Atelier Public"] == ["C-ATE", "Marc Gestion", "Marc Gestion", 0]
    assert by_name["Bureau Privé"] == [None, None, None, None]  # its name only
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"
    event = AuditEvent.objects.get(action="clients.exported")
    assert event.actor_id == staff.pk
    assert event.after == {
        "count": 4,
        "format": "xlsx",
        "columns": ["name", "code", "manager", "role_1", "open_work"],
        "filters": {},
        "selected": False,
    }


def test_a_csv_export_of_the_ticked_rows_leaves_out_those_not_seen(
    firm: Firm, staff: Colleague, marc: Colleague
) -> None:
    clients = _world(firm, marc)
    ticked = [clients[n].pk for n in ("Atelier Public", "Cachette SA")]
    response = _export(
        browse(staff),
        state="col=name&col=portfolio",
        scope="selected",
        ids=ticked,
        format="csv_semicolon",
    )
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Nom", "Portefeuille"], ["Atelier Public", "Grands comptes"]]
    event = AuditEvent.objects.get(action="clients.exported")
    assert event.after is not None
    assert event.after["selected"] is True


def test_an_export_is_a_post(staff: Colleague) -> None:
    assert browse(staff).get("/monitor/export/").status_code == 405
    assert not AuditEvent.objects.filter(action="clients.exported").exists()
