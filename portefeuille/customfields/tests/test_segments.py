"""Segments of the contacts, opportunities and invoices lists (docs/custom-fields.md): a
list's filters saved under a name, private or shared with the firm, listed above the list
with a live count computed for each reader through the list's door; only the owner deletes
one; `me` in a shared segment means each reader."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.customfields import segments, services
from portefeuille.customfields.models import CustomField
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.sales import services as sales
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
)
from portefeuille.work import services as work_services
from portefeuille.work.models import Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return ColleagueFactory.create(firm=firm, first_name="Xavier", last_name="Vendeur")


@pytest.fixture
def manager_field(admin: Colleague) -> CustomField:
    return services.define_custom_field(
        actor=admin, area="contact", label="Chargé de compte", kind="user"
    )


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def sidebar_of(
    colleague: Colleague, area: str = "contacts", query: str = ""
) -> list[tuple[str, int]]:
    found = segments.segment_sidebar(colleague, area, query)["segments"]
    return [(item.name, item.count) for item in found]


def test_saving_a_segment_keeps_the_valid_filters_and_opens_them(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    mine = ClientFactory.create(firm=firm, display_name="Cidrerie Mienne")
    services.set_custom_values(actor=admin, record=mine, values={manager_field.pk: staff.pk})
    ClientFactory.create(firm=firm, display_name="Fromagerie Autre")
    http = browse(staff)
    query = f"view=all&cf_{manager_field.pk}=me&owner=abc&cf_93999999=x"
    response = http.post("/segments/contacts/", {"name": " Mes  clients ", "query": query})
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert (segment.name, segment.area, segment.shared) == ("Mes clients", "contacts", False)
    assert parse_qs(segment.query) == {"view": ["all"], f"cf_{manager_field.pk}": ["me"]}
    assert response["Location"] == f"/contacts/?{segment.query}"
    page = http.get(response["Location"]).content.decode()
    assert "Cidrerie Mienne" in page
    assert "Fromagerie Autre" not in page
    assert 'aria-current="true">Mes clients</a>' in page
    assert sidebar_of(staff) == [("Mes clients", 1)]


def test_a_shared_segment_is_counted_for_each_reader_through_the_door(
    admin: Colleague, staff: Colleague, manager_field: CustomField, firm: Firm
) -> None:
    """`me` means each reader, and each count is what the reader's own list shows."""
    ClientFactory.create_batch(2, firm=firm, privacy=Privacy.PRIVATE)
    public = ClientFactory.create(firm=firm)
    private = ClientFactory.create_batch(2, firm=firm, privacy=Privacy.PRIVATE)
    for contact in (public, *private):
        services.set_custom_values(actor=admin, record=contact, values={manager_field.pk: staff.pk})
    work_services.save_segment(
        actor=staff,
        name="Mes clients",
        query={"view": "all", f"cf_{manager_field.pk}": "me"},
        area="contacts",
        shared=True,
    )
    work_services.save_segment(
        actor=staff, name="Privé à moi", query={"view": "all"}, area="contacts"
    )
    # Xavier sees only the public client in full: the private ones are not counted.
    assert sidebar_of(staff) == [("Mes clients", 1), ("Privé à moi", 5)]
    # Alice sees the shared one, not the private one; for her, `me` is Alice: none.
    assert sidebar_of(admin) == [("Mes clients", 0)]
    # Another firm sees nothing of it.
    assert sidebar_of(AdminFactory.create()) == []


def test_only_the_owner_deletes_a_segment(admin: Colleague, staff: Colleague, firm: Firm) -> None:
    shared = work_services.save_segment(
        actor=staff, name="Tous", query={"view": "all"}, area="contacts", shared=True
    )
    http = browse(admin)
    assert http.get(f"/segments/{shared.pk}/delete/").status_code == 404
    assert http.post(f"/segments/{shared.pk}/delete/").status_code == 404
    assert Segment.objects.filter(pk=shared.pk).exists()
    page = http.get("/contacts/").content.decode()
    assert "Tous" in page
    assert f"/segments/{shared.pk}/delete/" not in page
    owner = browse(staff)
    assert owner.get(f"/segments/{shared.pk}/delete/").status_code == 200
    assert owner.post(f"/segments/{shared.pk}/delete/").status_code == 302
    assert not Segment.objects.exists()


def test_saving_under_a_used_name_replaces_the_filters_and_the_sharing(
    staff: Colleague,
) -> None:
    http = browse(staff)
    http.post("/segments/contacts/", {"name": "Vue", "query": "view=all", "shared": "1"})
    http.post("/segments/contacts/", {"name": "VUE", "query": "view=person"})
    segment = Segment.objects.get()
    assert (segment.query, segment.shared) == ("view=person", False)


def test_a_nameless_segment_is_refused_with_a_message(staff: Colleague) -> None:
    response = browse(staff).post(
        "/segments/contacts/", {"name": " ", "query": "view=all"}, follow=True
    )
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not Segment.objects.exists()
    assert browse(staff).post("/segments/planets/", {"name": "x"}).status_code == 404


def test_the_mes_factures_segment_counts_the_readers_invoices(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    field = services.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user"
    )
    client = ClientFactory.create(firm=firm)
    for number, person in (("F-1", staff), ("F-2", staff), ("F-3", admin)):
        invoice = sales.create_invoice(
            actor=admin, client=client, number=number, date="2026-12-01", amount="10"
        )
        services.set_custom_values(actor=admin, record=invoice, values={field.pk: person.pk})
    query = segments.AREAS["invoices"].canonical(
        admin, QueryDict(f"cf_{field.pk}=me&status=paid&q=&client=abc")
    )
    assert query == {f"cf_{field.pk}": "me", "status": "paid"}
    work_services.save_segment(
        actor=staff,
        name="Mes factures",
        query={f"cf_{field.pk}": "me"},
        area="invoices",
        shared=True,
    )
    assert sidebar_of(staff, "invoices") == [("Mes factures", 2)]
    assert sidebar_of(admin, "invoices") == [("Mes factures", 1)]


def test_the_segments_cost_one_count_each(staff: Colleague, firm: Firm) -> None:
    ClientFactory.create_batch(3, firm=firm)

    def queries_for(count: int) -> int:
        Segment.objects.all().delete()
        for n in range(count):
            work_services.save_segment(
                actor=staff, name=f"S{n}", query={"view": "all"}, area="contacts"
            )
        with CaptureQueriesContext(connection) as captured:
            shown = segments.segment_sidebar(staff, "contacts", "")
        assert len(shown["segments"]) == min(count, segments.SHOWN)
        return len(captured.captured_queries)

    one, five = queries_for(1), queries_for(5)
    assert five - one == 4
    # Never more than SHOWN of them.
    assert queries_for(segments.SHOWN + 5) == one + segments.SHOWN - 1
