"""Custom fields on opportunities, projects and invoices (docs/custom-fields.md): on their
forms (written with the record in one transaction), on their pages, as list columns and
filters (`cf_<id>`, `me` for a User field), with segments on the opportunity and invoice
lists. A value goes with its record: whoever sees the record sees it, nobody else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.contacts.models import Contact
from portefeuille.customfields import services
from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.sales import services as sales
from portefeuille.sales.models import Invoice, Opportunity, Project
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    FirmFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


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
def client_(firm: Firm) -> Contact:
    return ClientFactory.create(firm=firm, display_name="Boulangerie Ondine")


@pytest.fixture
def responsible(admin: Colleague) -> CustomField:
    return services.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user", in_list=True
    )


def browse(colleague: Colleague) -> Client:
    http = Client()
    http.force_login(colleague)
    return http


def page(http: Client, url: str, **params: Any) -> str:
    response = http.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return str(response.content.decode())


def invoice(admin: Colleague, client: Contact, number: str, who: Colleague | None) -> Invoice:
    found = sales.create_invoice(
        actor=admin, client=client, number=number, date="2026-12-01", amount="100"
    )
    if who is not None:
        field = CustomField.objects.get(area="invoice", label="Responsable")
        services.set_custom_values(actor=admin, record=found, values={field.pk: who.pk})
    return found


def test_an_invoice_is_created_with_its_responsible_through_the_form(
    admin: Colleague, staff: Colleague, client_: Contact, responsible: CustomField
) -> None:
    http = browse(admin)
    form = page(http, "/sales/invoices/new/", client=client_.pk)
    assert f'name="cf_{responsible.pk}"' in form
    assert "Xavier Vendeur" in form
    response = http.post(
        "/sales/invoices/new/",
        {
            "client": client_.pk,
            "number": "F-2026-001",
            "date": "2026-12-01",
            "amount": "1 250,50",
            "currency": "EUR",
            "status": "sent",
            f"cf_{responsible.pk}": staff.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Invoice.objects.get(number="F-2026-001")
    assert CustomValue.objects.get(invoice=created).user_id == staff.pk
    detail = page(http, f"/sales/invoices/{created.pk}/")
    assert "Responsable" in detail
    assert "Xavier Vendeur" in detail


def test_a_bad_custom_value_refuses_the_whole_invoice_with_the_input_kept(
    admin: Colleague, client_: Contact, responsible: CustomField
) -> None:
    count = services.define_custom_field(actor=admin, area="invoice", label="Lignes", kind="number")
    foreigner = ColleagueFactory.create()
    response = browse(admin).post(
        "/sales/invoices/new/",
        {
            "client": client_.pk,
            "number": "F-1",
            "date": "2026-12-01",
            "amount": "10",
            "currency": "EUR",
            "status": "draft",
            f"cf_{responsible.pk}": foreigner.pk,
            f"cf_{count.pk}": "trois",
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Saisissez un nombre." in text
    assert 'value="trois"' in text
    # Another firm's colleague is no choice of the form at all.
    assert "Sélectionnez un choix valide" in text
    assert not Invoice.objects.exists()
    assert not CustomValue.objects.exists()


def test_editing_an_invoice_changes_its_values_and_a_stale_form_is_refused(
    admin: Colleague, staff: Colleague, client_: Contact, responsible: CustomField
) -> None:
    found = invoice(admin, client_, "F-1", staff)
    http = browse(admin)
    form = page(http, f"/sales/invoices/{found.pk}/edit/")
    assert f'<option value="{staff.pk}" selected>' in form
    data = {
        "version": found.version,
        "number": "F-1",
        "date": "2026-12-01",
        "amount": "100",
        "currency": "EUR",
        "status": "sent",
        f"cf_{responsible.pk}": admin.pk,
    }
    assert http.post(f"/sales/invoices/{found.pk}/edit/", data).status_code == 302
    assert CustomValue.objects.get().user_id == admin.pk
    stale = http.post(f"/sales/invoices/{found.pk}/edit/", {**data, f"cf_{responsible.pk}": ""})
    assert stale.status_code == 409
    assert CustomValue.objects.get().user_id == admin.pk


def test_the_invoice_list_filters_by_responsible_me_and_shows_the_column(
    admin: Colleague, staff: Colleague, client_: Contact, responsible: CustomField
) -> None:
    invoice(admin, client_, "F-MINE", staff)
    invoice(admin, client_, "F-THEIRS", admin)
    invoice(admin, client_, "F-NOBODY", None)
    http = browse(staff)
    listed = page(http, "/sales/invoices/", **{f"cf_{responsible.pk}": "me"})
    assert "F-MINE" in listed
    assert "F-THEIRS" not in listed
    assert "F-NOBODY" not in listed
    assert '<th scope="col">Responsable</th>' in listed
    nobody = page(http, "/sales/invoices/", **{f"cf_{responsible.pk}": "none"})
    assert "F-NOBODY" in nobody
    assert "F-MINE" not in nobody
    bad = page(http, "/sales/invoices/", **{f"cf_{responsible.pk}": "quelqu'un"})
    assert "F-THEIRS" in bad
    assert "un collègue, « me » ou « none »" in bad.replace("&#x27;", "'").replace("&quot;", '"')


def test_a_responsible_never_sees_an_invoice_of_a_client_they_do_not_see(
    admin: Colleague, staff: Colleague, firm: Firm, responsible: CustomField
) -> None:
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    found = invoice(admin, hidden, "F-SECRET", staff)
    http = browse(staff)
    assert "F-SECRET" not in page(http, "/sales/invoices/", **{f"cf_{responsible.pk}": "me"})
    assert http.get(f"/sales/invoices/{found.pk}/").status_code == 404
    assert http.get(f"/sales/invoices/{found.pk}/edit/").status_code == 404


def test_an_opportunitys_assignee_reads_and_filters_its_values_on_a_hidden_client(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    source = services.define_custom_field(
        actor=admin, area="opportunity", label="Source", kind="text", in_list=True
    )
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN, display_name="Secrète SA")
    mine = sales.create_opportunity(actor=admin, client=hidden, title="Audit", assignee=staff)
    services.set_custom_values(actor=admin, record=mine, values={source.pk: "Salon de Lyon"})
    http = browse(staff)
    detail = page(http, f"/sales/opportunities/{mine.pk}/")
    assert "Salon de Lyon" in detail
    listed = page(http, "/sales/opportunities/", **{f"cf_{source.pk}": "lyon"})
    assert "Audit" in listed
    assert "Salon de Lyon" in listed
    # The assignee edits the record, its values included (the service allows it).
    form = {
        "version": Opportunity.objects.get(pk=mine.pk).version,
        "title": "Audit",
        "value": "0",
        "currency": "EUR",
        "stage": mine.stage_id,
        "assignee": staff.pk,
        f"cf_{source.pk}": "Recommandation",
    }
    assert http.post(f"/sales/opportunities/{mine.pk}/edit/", form).status_code == 302
    assert CustomValue.objects.get().text == "Recommandation"


def test_a_project_is_created_with_a_date_field_and_filtered_by_its_range(
    admin: Colleague, client_: Contact
) -> None:
    kickoff = services.define_custom_field(
        actor=admin, area="project", label="Lancement", kind="date", in_list=True
    )
    http = browse(admin)
    response = http.post(
        "/sales/projects/new/",
        {
            "client": client_.pk,
            "name": "Migration",
            "manager": admin.pk,
            f"cf_{kickoff.pk}": "2027-03-01",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert str(CustomValue.objects.get(project=project).date) == "2027-03-01"
    assert "Migration" in page(http, "/sales/projects/", **{f"cf_{kickoff.pk}_from": "2027-01-01"})
    assert "Migration" not in page(
        http, "/sales/projects/", **{f"cf_{kickoff.pk}_to": "2026-12-31"}
    )


def test_the_invoice_list_offers_segments_and_counts_them(
    admin: Colleague, staff: Colleague, client_: Contact, responsible: CustomField
) -> None:
    invoice(admin, client_, "F-MINE", staff)
    http = browse(staff)
    listed = page(http, "/sales/invoices/", **{f"cf_{responsible.pk}": "me"})
    assert "Enregistrer comme segment" in listed
    assert f'name="query" value="cf_{responsible.pk}=me"' in listed
    saved = http.post(
        "/segments/invoices/",
        {"name": "Mes factures", "query": f"cf_{responsible.pk}=me", "shared": "1"},
    )
    assert saved["Location"] == f"/sales/invoices/?cf_{responsible.pk}=me"
    again = page(http, "/sales/invoices/")
    assert "Mes factures</a>" in again
    assert re.search(r'segment-count" title="1 fiche">1</span>', again)
    # Shared: Alice sees it with her own count (none of the invoices is hers).
    theirs = page(browse(admin), "/sales/invoices/")
    assert "Mes factures</a>" in theirs
    assert re.search(r'segment-count" title="0 fiches?">0</span>', theirs)


def test_the_lists_with_custom_columns_and_filters_cost_the_same_whatever_their_size(
    admin: Colleague, staff: Colleague, client_: Contact, responsible: CustomField
) -> None:
    services.define_custom_field(
        actor=admin, area="invoice", label="Note", kind="text", in_list=True
    )
    source = services.define_custom_field(
        actor=admin, area="opportunity", label="Source", kind="text", in_list=True
    )
    http = browse(staff)
    lists = (
        ("/sales/invoices/", {f"cf_{responsible.pk}": "me"}),
        ("/sales/opportunities/", {f"cf_{source.pk}": "salon"}),
    )

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            invoice(admin, client_, f"F-{n}", staff)
            found = sales.create_opportunity(
                actor=admin, client=client_, title=f"Affaire {n}", assignee=staff
            )
            services.set_custom_values(actor=admin, record=found, values={source.pk: "Salon"})

    def measure(rows: int) -> list[int]:
        counts = []
        for url, params in lists:
            with CaptureQueriesContext(connection) as captured:
                text = page(http, url, **params)
            counts.append(len(captured.captured_queries))
            assert text.count("<tr data-") == rows, url
        return counts

    add(0, 10)
    http.get("/sales/invoices/")  # the session is read once
    small = measure(10)
    add(10, 20)
    assert measure(30) == small
