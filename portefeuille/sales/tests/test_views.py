"""The sales pages (docs/sales.md): each page for a colleague entitled to it, the same 404 for
a hidden, unknown or foreign record, a record seen through its own people naming its client
without a link (and nothing else of it), the create, edit and delete forms with their
refusals (on the field, the input kept, nothing written) and stale copies, the lists'
filters, paging and constant cost, and a contact's « Ventes » tab."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, OpportunityStage, Privacy
from portefeuille.sales import services
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    EmailAddressFactory,
    FirmFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


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
def seller(firm: Firm) -> Colleague:
    """Full scope, on no client team: a hidden client does not exist for him, a private
    one is name-only."""
    return ColleagueFactory.create(firm=firm, first_name="Sam", last_name="Vendeur")


@pytest.fixture
def client_(firm: Firm) -> Contact:
    return ClientFactory.create(firm=firm, display_name="Boulangerie Dupain")


def browse(colleague: Colleague, language: str = "fr") -> Client:
    http = Client(headers={"accept-language": language})
    http.force_login(colleague)
    return http


def stage(firm: Firm, outcome: str = "open") -> OpportunityStage:
    found = OpportunityStage.objects.filter(firm=firm, outcome=outcome).order_by("position").first()
    assert found is not None
    return found


def secret_client(firm: Firm) -> Contact:
    """A hidden client whose details are canaries (its e-mail address, its legal name)."""
    client = ClientFactory.create(
        firm=firm,
        display_name="Société Cachée",
        privacy=Privacy.HIDDEN,
        legal_name="Raison-sociale-canari",
    )
    EmailAddressFactory.create(contact=client, address="canari@cachee.test")
    return client


CLIENT_SECRETS = ("Raison-sociale-canari", "canari@cachee.test")


def opportunity(actor: Colleague, client: Contact, **values: Any) -> Opportunity:
    values.setdefault("title", "Audit 2027")
    values.setdefault("assignee", actor)
    return services.create_opportunity(actor=actor, client=client, **values)


# ---------------------------------------------------------------------------------------
# Each page, for a colleague entitled to it.
# ---------------------------------------------------------------------------------------


def test_every_sales_page_renders_for_an_entitled_colleague(
    admin: Colleague, client_: Contact
) -> None:
    deal = opportunity(admin, client_, value="12 500,50")
    project = services.create_project(actor=admin, client=client_, name="Migration ERP")
    invoice = services.create_invoice(
        actor=admin, client=client_, number="F-2026-001", date="2026-03-01", amount="980"
    )
    http = browse(admin)
    pages = [
        "/sales/opportunities/",
        "/sales/opportunities/new/",
        f"/sales/opportunities/new/?client={client_.pk}",
        f"/sales/opportunities/{deal.pk}/",
        f"/sales/opportunities/{deal.pk}/edit/",
        f"/sales/opportunities/{deal.pk}/delete/",
        "/sales/projects/",
        f"/sales/projects/new/?client={client_.pk}",
        f"/sales/projects/{project.pk}/",
        f"/sales/projects/{project.pk}/edit/",
        f"/sales/projects/{project.pk}/delete/",
        "/sales/invoices/",
        f"/sales/invoices/new/?client={client_.pk}",
        f"/sales/invoices/{invoice.pk}/",
        f"/sales/invoices/{invoice.pk}/edit/",
        f"/sales/invoices/{invoice.pk}/delete/",
        f"/contacts/{client_.pk}/sales/",
    ]
    for path in pages:
        response = http.get(path)
        assert response.status_code == 200, path
    html = http.get("/sales/opportunities/").content.decode()
    assert "Audit 2027" in html
    assert "12\u00a0500,50\u00a0€" in html
    assert f'href="/contacts/{client_.pk}/"' in html
    # The menu leads there, and the sub-navigation to the three lists.
    assert 'href="/sales/opportunities/" aria-current="page">Ventes' in html
    for path in ("/sales/projects/", "/sales/invoices/"):
        assert f'href="{path}"' in html


def test_amounts_are_written_in_the_readers_language(admin: Colleague, client_: Contact) -> None:
    opportunity(admin, client_, value="12500.5")
    html = browse(admin, "en").get("/sales/opportunities/").content.decode()
    assert '<html lang="en">' in html
    assert "€12,500.50" in html
    assert "12\u00a0500,50\u00a0€" in browse(admin).get("/sales/opportunities/").content.decode()


def test_a_hidden_unknown_or_foreign_record_is_the_same_404(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    hidden = secret_client(firm)
    deal = opportunity(admin, hidden)
    project = services.create_project(actor=admin, client=hidden, name="Projet caché")
    invoice = services.create_invoice(
        actor=admin, client=hidden, number="F-1", date="2026-03-01", amount="10"
    )
    other = FirmFactory.create()
    other_admin = AdminFactory.create(firm=other)
    foreign = opportunity(other_admin, ClientFactory.create(firm=other))
    http = browse(seller)
    for base in (
        f"/sales/opportunities/{deal.pk}/",
        f"/sales/projects/{project.pk}/",
        f"/sales/invoices/{invoice.pk}/",
        f"/sales/opportunities/{foreign.pk}/",
        "/sales/opportunities/99999999/",
    ):
        for suffix in ("", "edit/", "delete/"):
            assert http.get(base + suffix).status_code == 404, base + suffix
        assert http.post(base + "delete/").status_code == 404
    assert http.get(f"/sales/opportunities/new/?client={hidden.pk}").status_code == 404
    assert http.post("/sales/invoices/new/", {"client": hidden.pk}).status_code == 404
    assert http.get(f"/contacts/{hidden.pk}/sales/").status_code == 404
    assert Opportunity.objects.filter(pk=deal.pk).exists()
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    # Nor do the lists show them.
    for path in ("/sales/opportunities/", "/sales/projects/", "/sales/invoices/"):
        html = http.get(path).content.decode()
        for secret in ("Audit 2027", "Projet caché", "F-1", "Société Cachée"):
            assert secret not in html, (path, secret)


def test_an_opportunity_seen_through_its_assignee_names_its_client_without_a_link(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    hidden = secret_client(firm)
    deal = opportunity(admin, hidden, assignee=seller, value="4 000")
    http = browse(seller)

    for path in (
        "/sales/opportunities/",
        f"/sales/opportunities/{deal.pk}/",
        f"/sales/opportunities/{deal.pk}/edit/",
    ):
        response = http.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert "Audit 2027" in html
        assert "Société Cachée" in html
        assert f"/contacts/{hidden.pk}/" not in html, path
        # Nothing else of the client: not its details, nor its id anywhere.
        for secret in CLIENT_SECRETS:
            assert secret not in html, path
        assert f"client={hidden.pk}" not in html, path
        assert f'name="client" value="{hidden.pk}"' not in html, path

    # Its assignee may change it (the service allows it).
    response = http.post(
        f"/sales/opportunities/{deal.pk}/edit/",
        {
            "title": "Audit 2027 signé",
            "value": "4 500",
            "currency": "EUR",
            "stage": stage(firm, "won").pk,
            "assignee": seller.pk,
            "version": deal.version,
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Audit 2027 signé"
    assert deal.value == Decimal("4500.00")
    assert deal.closed_at is not None


def test_a_project_seen_through_a_collaborator_names_its_client_without_a_link(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    hidden = secret_client(firm)
    project = services.create_project(
        actor=admin,
        client=hidden,
        name="Migration",
        collaborators=[seller.pk],
        description="**Étapes** <script>alert(1)</script>",
    )
    html = browse(seller).get(f"/sales/projects/{project.pk}/").content.decode()
    assert "Migration" in html
    assert "Société Cachée" in html
    assert f"/contacts/{hidden.pk}/" not in html
    for secret in CLIENT_SECRETS:
        assert secret not in html
    assert "<strong>Étapes</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Sam Vendeur" in html


# ---------------------------------------------------------------------------------------
# Create, edit, delete.
# ---------------------------------------------------------------------------------------


def test_an_opportunity_is_created_assigned_edited_and_deleted_through_the_forms(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    http = browse(admin)
    form = http.get(f"/sales/opportunities/new/?client={client_.pk}").content.decode()
    # « Affectée à » is the actor by default, the stage the first open one.
    assert re.search(rf'<option value="{admin.pk}" selected>', form)
    assert re.search(rf'<option value="{stage(firm).pk}" selected>', form)

    response = http.post(
        "/sales/opportunities/new/",
        {
            "client": client_.pk,
            "title": "Mission de conseil",
            "value": "12 000,50",
            "currency": "EUR",
            "stage": stage(firm).pk,
            "expected_close": "2026-09-30",
            "assignee": seller.pk,
        },
    )
    deal = Opportunity.objects.get(title="Mission de conseil")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/opportunities/{deal.pk}/"
    assert deal.assignee == seller
    assert deal.value == Decimal("12000.50")
    assert deal.expected_close == datetime.date(2026, 9, 30)
    page = http.get(response["Location"]).content.decode()
    assert "Opportunité « Mission de conseil » créée." in page

    response = http.post(
        f"/sales/opportunities/{deal.pk}/edit/",
        {
            "title": "Mission de conseil 2026",
            "value": "13000",
            "currency": "CHF",
            "stage": stage(firm).pk,
            "assignee": seller.pk,
            "second_assignee": admin.pk,
            "version": deal.version,
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.currency, deal.second_assignee) == (
        "Mission de conseil 2026",
        "CHF",
        admin,
    )
    assert deal.expected_close is None

    confirm = http.get(f"/sales/opportunities/{deal.pk}/delete/").content.decode()
    assert "Supprimer l'opportunité « Mission de conseil 2026 » ?" in confirm
    response = http.post(f"/sales/opportunities/{deal.pk}/delete/", {"version": deal.version})
    assert response.status_code == 302
    assert response["Location"] == "/sales/opportunities/"
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_an_opportunity_without_assignee_or_with_a_bad_amount_is_refused_on_its_fields(
    firm: Firm, admin: Colleague, client_: Contact
) -> None:
    response = browse(admin).post(
        "/sales/opportunities/new/",
        {
            "client": client_.pk,
            "title": "Titre gardé",
            "value": "abc",
            "currency": "EUR",
            "stage": stage(firm).pk,
            "assignee": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert not Opportunity.objects.exists()
    assert "Choisissez un collègue : ce champ est obligatoire." in _field(html, "assignee")
    assert "Saisissez un montant, par exemple 1250,50." in _field(html, "value")
    assert 'value="Titre gardé"' in html
    assert 'value="abc"' in html


def _field(html: str, name: str) -> str:
    """The markup of one field of a form (its label, input and errors)."""
    found = re.search(
        rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>',
        html,
        re.DOTALL,
    )
    assert found, name
    return found.group(0)


def test_a_stale_edit_is_refused_with_the_input_kept_and_the_first_change_stays(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    deal = opportunity(admin, client_)
    loaded = deal.version
    services.update_opportunity(actor=seller, opportunity=deal, title="Changé entre-temps")

    response = browse(admin).post(
        f"/sales/opportunities/{deal.pk}/edit/",
        {
            "title": "Mon titre",
            "value": "10",
            "currency": "EUR",
            "stage": stage(firm).pk,
            "assignee": admin.pk,
            "version": loaded,
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "a été modifiée par quelqu" in html
    assert 'value="Mon titre"' in html
    deal.refresh_from_db()
    assert deal.title == "Changé entre-temps"


def test_a_stale_delete_is_refused(admin: Colleague, client_: Contact) -> None:
    deal = opportunity(admin, client_)
    loaded = deal.version
    services.update_opportunity(actor=admin, opportunity=deal, title="Changé")
    http = browse(admin)
    response = http.post(f"/sales/opportunities/{deal.pk}/delete/", {"version": loaded})
    assert response.status_code == 302
    assert Opportunity.objects.filter(pk=deal.pk).exists()
    page = http.get(response["Location"]).content.decode()
    assert "a été modifiée par quelqu" in page


def test_a_project_needs_a_manager_and_an_end_after_its_start(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    http = browse(admin)
    form = http.get(f"/sales/projects/new/?client={client_.pk}").content.decode()
    # Its manager is the creator by default.
    assert re.search(rf'<option value="{admin.pk}" selected>', form)
    response = http.post(
        "/sales/projects/new/",
        {
            "client": client_.pk,
            "name": "Projet gardé",
            "manager": admin.pk,
            "start_date": "2026-05-10",
            "end_date": "2026-05-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert not Project.objects.exists()
    assert "La date de fin ne peut pas précéder la date de début." in _field(html, "end_date")
    assert 'value="Projet gardé"' in html
    assert 'value="2026-05-01"' in html

    response = http.post(
        "/sales/projects/new/",
        {
            "client": client_.pk,
            "name": "Migration ERP",
            "manager": admin.pk,
            "collaborators": [seller.pk],
            "start_date": "2026-05-01",
            "end_date": "2026-06-30",
            "description": "Phase 1",
        },
    )
    project = Project.objects.get()
    assert response["Location"] == f"/sales/projects/{project.pk}/"
    assert list(
        ProjectCollaborator.objects.filter(project=project).values_list("colleague", flat=True)
    ) == [seller.pk]

    # Taking its manager away is refused on the field, the input kept, nothing written.
    response = http.post(
        f"/sales/projects/{project.pk}/edit/",
        {"name": "Nom gardé", "manager": "", "version": project.version},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Choisissez un collègue : ce champ est obligatoire." in _field(html, "manager")
    assert 'value="Nom gardé"' in html
    project.refresh_from_db()
    assert (project.name, project.manager) == ("Migration ERP", admin)

    response = http.post(
        f"/sales/projects/{project.pk}/edit/",
        {
            "name": "Migration ERP v2",
            "manager": seller.pk,
            "start_date": "2026-05-01",
            "end_date": "2026-07-31",
            "version": project.version,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.manager) == ("Migration ERP v2", seller)
    assert not ProjectCollaborator.objects.filter(project=project).exists()
    response = http.post(f"/sales/projects/{project.pk}/delete/", {"version": project.version})
    assert response["Location"] == "/sales/projects/"
    assert not Project.objects.exists()


def test_a_deactivated_collaborator_kept_on_the_form_does_not_refuse_the_change(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    helper = ColleagueFactory.create(firm=firm, first_name="Paul", last_name="Parti")
    project = services.create_project(
        actor=admin, client=client_, name="Projet", collaborators=[seller.pk, helper.pk]
    )
    Colleague.objects.filter(pk=helper.pk).update(is_active=False)
    http = browse(admin)
    form = http.get(f"/sales/projects/{project.pk}/edit/").content.decode()
    assert "Paul Parti (désactivé·e)" in form
    response = http.post(
        f"/sales/projects/{project.pk}/edit/",
        {
            "name": "Projet",
            "manager": admin.pk,
            "collaborators": [helper.pk],
            "version": project.version,
        },
    )
    assert response.status_code == 302
    assert list(
        ProjectCollaborator.objects.filter(project=project).values_list("colleague", flat=True)
    ) == [helper.pk]


def test_an_invoice_number_already_used_is_refused_on_its_field(
    admin: Colleague, client_: Contact
) -> None:
    services.create_invoice(
        actor=admin, client=client_, number="F-2026-001", date="2026-03-01", amount="10"
    )
    http = browse(admin)
    response = http.post(
        "/sales/invoices/new/",
        {
            "client": client_.pk,
            "number": "F-2026-001",
            "date": "2026-03-02",
            "amount": "abc",
            "currency": "EUR",
            "status": "draft",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert Invoice.objects.count() == 1
    assert "Le numéro F-2026-001 est déjà utilisé" in _field(html, "number")
    assert "Saisissez un montant" in _field(html, "amount")
    assert 'value="2026-03-02"' in html

    response = http.post(
        "/sales/invoices/new/",
        {
            "client": client_.pk,
            "number": "F-2026-002",
            "date": "2026-03-02",
            "due_date": "2026-04-01",
            "amount": "1 250,50",
            "currency": "EUR",
            "status": "sent",
        },
    )
    invoice = Invoice.objects.get(number="F-2026-002")
    assert response["Location"] == f"/sales/invoices/{invoice.pk}/"
    assert (invoice.amount, invoice.status) == (Decimal("1250.50"), "sent")
    response = http.post(
        f"/sales/invoices/{invoice.pk}/edit/",
        {
            "number": "F-2026-002",
            "date": "2026-03-02",
            "amount": "1 250,50",
            "currency": "EUR",
            "status": "paid",
            "version": invoice.version,
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.due_date is None
    response = http.post(f"/sales/invoices/{invoice.pk}/delete/", {"version": invoice.version})
    assert response["Location"] == "/sales/invoices/"
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_the_new_forms_choose_the_client_among_those_seen_in_full(
    firm: Firm, seller: Colleague
) -> None:
    ClientFactory.create(firm=firm, display_name="Ondine Publique")
    ClientFactory.create(firm=firm, display_name="Ondine Privée", privacy=Privacy.PRIVATE)
    ClientFactory.create(firm=firm, display_name="Ondine Cachée", privacy=Privacy.HIDDEN)
    html = browse(seller).get("/sales/opportunities/new/", {"q": "ondine"}).content.decode()
    assert "Ondine Publique" in html
    assert "Ondine Privée" not in html
    assert "Ondine Cachée" not in html
    private = Contact.objects.get(display_name="Ondine Privée")
    assert browse(seller).get(f"/sales/projects/new/?client={private.pk}").status_code == 404


# ---------------------------------------------------------------------------------------
# The lists.
# ---------------------------------------------------------------------------------------


def test_the_opportunity_list_filters_by_title_assignee_stage_outcome_and_client(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    other = ClientFactory.create(firm=firm, display_name="Garage Martin")
    opportunity(admin, client_, title="Audit Dupain", assignee=seller)
    opportunity(admin, other, title="Conseil Martin", stage=stage(firm, "won"))
    opportunity(admin, other, title="Paie Martin", assignee=admin, second_assignee=seller)
    http = browse(admin)

    def titles(**query: str) -> set[str]:
        html = http.get("/sales/opportunities/", query).content.decode()
        return set(re.findall(r'<a href="/sales/opportunities/\d+/">([^<]+)</a>', html))

    assert titles() == {"Audit Dupain", "Conseil Martin", "Paie Martin"}
    assert titles(q="martin") == {"Conseil Martin", "Paie Martin"}
    assert titles(assignee=str(seller.pk)) == {"Audit Dupain", "Paie Martin"}
    assert titles(assignee="me") == {"Conseil Martin", "Paie Martin"}
    assert titles(stage=str(stage(firm, "won").pk)) == {"Conseil Martin"}
    assert titles(outcome="open") == {"Audit Dupain", "Paie Martin"}
    assert titles(client=str(other.pk)) == {"Conseil Martin", "Paie Martin"}
    # A malformed filter is said and left out, never an error page.
    response = http.get("/sales/opportunities/", {"outcome": "maybe", "stage": "x"})
    assert response.status_code == 200
    assert "Filtre « Issue » ignoré" in response.content.decode()
    # Through HTMX, the results alone.
    partial = http.get(
        "/sales/opportunities/", {"q": "audit"}, headers={**HTMX, "HX-Target": "sales-results"}
    ).content.decode()
    assert "Audit Dupain" in partial
    assert "<html" not in partial


def test_the_project_and_invoice_lists_filter_too(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    other = ClientFactory.create(firm=firm, display_name="Garage Martin")
    services.create_project(actor=admin, client=client_, name="Migration Dupain")
    services.create_project(actor=admin, client=other, name="Audit Martin", manager=seller)
    services.create_invoice(
        actor=admin, client=client_, number="F-2026-001", date="2026-01-01", amount="1"
    )
    services.create_invoice(
        actor=admin,
        client=other,
        number="A-2026-002",
        date="2026-01-02",
        amount="2",
        status="paid",
    )
    http = browse(admin)

    def names(path: str, **query: str) -> set[str]:
        html = http.get(f"/sales/{path}/", query).content.decode()
        return set(re.findall(rf'<a href="/sales/{path}/\d+/">([^<]+)</a>', html))

    assert names("projects") == {"Migration Dupain", "Audit Martin"}
    assert names("projects", q="audit") == {"Audit Martin"}
    assert names("projects", manager=str(seller.pk)) == {"Audit Martin"}
    assert names("projects", manager="me") == {"Migration Dupain"}
    assert names("projects", client=str(client_.pk)) == {"Migration Dupain"}
    assert names("invoices") == {"F-2026-001", "A-2026-002"}
    assert names("invoices", q="f-2026") == {"F-2026-001"}
    assert names("invoices", status="paid") == {"A-2026-002"}
    assert names("invoices", client=str(other.pk)) == {"A-2026-002"}
    html = http.get("/sales/invoices/", {"status": "lost"}).content.decode()
    assert "Filtre « Statut » ignoré" in html
    assert "F-2026-001" in html


def test_the_client_filter_keeps_only_clients_seen_in_full(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    hidden = secret_client(firm)
    opportunity(admin, hidden, title="Affaire cachée", assignee=seller)
    http = browse(seller)
    assert "Affaire cachée" in http.get("/sales/opportunities/").content.decode()
    html = http.get("/sales/opportunities/", {"client": str(hidden.pk)}).content.decode()
    assert "Affaire cachée" not in html
    assert "Société Cachée" not in html


def test_the_open_total_sums_the_open_opportunities_per_currency(
    firm: Firm, admin: Colleague, client_: Contact
) -> None:
    opportunity(admin, client_, value="1000")
    opportunity(admin, client_, value="500,50")
    opportunity(admin, client_, value="200", currency="CHF")
    opportunity(admin, client_, value="9999", stage=stage(firm, "lost"))
    html = browse(admin).get("/sales/opportunities/").content.decode()
    total = re.search(r"<p class=\"muted\" data-open-totals>.*?</p>", html, re.DOTALL)
    assert total
    assert "1\u00a0500,50\u00a0€" in total.group(0)
    assert "200,00\u00a0CHF" in total.group(0)
    assert "9\u00a0999" not in total.group(0)


def test_the_lists_page_with_a_more_link(firm: Firm, admin: Colleague, client_: Contact) -> None:
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    Invoice.objects.bulk_create(
        Invoice(
            firm=firm,
            client=client_,
            number=f"F-{n:03}",
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            amount=Decimal(10),
            created_at=now,
            updated_at=now,
        )
        for n in range(60)
    )
    http = browse(admin)
    html = http.get("/sales/invoices/").content.decode()
    numbers = re.findall(r'<a href="/sales/invoices/\d+/">(F-\d+)</a>', html)
    assert len(numbers) == 50
    assert numbers[0] == "F-059"
    cursor = re.search(r'hx-get="/sales/invoices/\?after=([^"]+)"', html)
    assert cursor
    more = http.get(
        "/sales/invoices/", {"after": cursor.group(1)}, headers={**HTMX, "HX-Target": "more-rows"}
    ).content.decode()
    rest = re.findall(r'<a href="/sales/invoices/\d+/">(F-\d+)</a>', more)
    assert len(rest) == 10
    assert rest[-1] == "F-000"
    assert not set(rest) & set(numbers)
    # A garbled cursor: the first page.
    assert http.get("/sales/invoices/", {"after": "garbage!"}).status_code == 200


def test_the_lists_cost_the_same_number_of_queries_for_10_and_30_rows(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    http = browse(seller)
    http.get("/sales/opportunities/")  # the session and the firm's settings are warm

    def add(count: int) -> None:
        for n in range(count):
            client = ClientFactory.create(
                firm=firm, privacy=Privacy.HIDDEN if n % 2 else Privacy.PUBLIC
            )
            helper = ColleagueFactory.create(firm=firm)
            opportunity(admin, client, assignee=seller, second_assignee=helper)
            services.create_project(
                actor=admin, client=client, name=f"P{n}", manager=helper, collaborators=[seller]
            )
            if n % 2 == 0:
                services.create_invoice(
                    actor=admin, client=client, number=f"N{count}-{n}", date="2026-01-01", amount=1
                )

    def cost() -> list[int]:
        counts = []
        for path in ("/sales/opportunities/", "/sales/projects/", "/sales/invoices/"):
            with CaptureQueriesContext(connection) as captured:
                assert http.get(path).status_code == 200
            counts.append(len(captured.captured_queries))
        with CaptureQueriesContext(connection) as captured:
            assert http.get(f"/contacts/{client_id}/sales/").status_code == 200
        counts.append(len(captured.captured_queries))
        return counts

    add(10)
    client_id = Contact.objects.filter(firm=firm, privacy=Privacy.PUBLIC).first().pk  # type: ignore[union-attr]
    few = cost()
    add(20)
    assert cost() == few, few
    # The session and the colleague, the unread count, the filter choices, the page and
    # (opportunities) the open total: 8 today.
    assert max(few) <= 10


def test_the_empty_lists_say_what_they_hold_and_offer_the_new_button(admin: Colleague) -> None:
    http = browse(admin)
    for path, button in (
        ("/sales/opportunities/", "/sales/opportunities/new/"),
        ("/sales/projects/", "/sales/projects/new/"),
        ("/sales/invoices/", "/sales/invoices/new/"),
    ):
        html = http.get(path).content.decode()
        empty = re.search(r'<div class="empty">.*?</div>', html, re.DOTALL)
        assert empty, path
        assert f'href="{button}"' in empty.group(0)


# ---------------------------------------------------------------------------------------
# A contact's « Ventes » tab.
# ---------------------------------------------------------------------------------------


def test_the_contact_tab_lists_its_records_and_offers_new_ones(
    firm: Firm, admin: Colleague, seller: Colleague, client_: Contact
) -> None:
    other = ClientFactory.create(firm=firm, display_name="Ailleurs")
    ClientMemberFactory.create(client=client_, colleague=seller)
    opportunity(admin, client_, title="Audit Dupain")
    opportunity(admin, other, title="Audit ailleurs")
    services.create_project(actor=admin, client=client_, name="Migration Dupain")
    services.create_invoice(
        actor=admin, client=client_, number="F-77", date="2026-03-01", amount="10"
    )
    html = browse(seller).get(f"/contacts/{client_.pk}/sales/").content.decode()
    assert "Audit Dupain" in html
    assert "Migration Dupain" in html
    assert "F-77" in html
    assert "Audit ailleurs" not in html
    for path in ("opportunities", "projects", "invoices"):
        assert f'href="/sales/{path}/new/?client={client_.pk}"' in html
    assert f'href="/contacts/{client_.pk}/sales/" aria-current="page">Ventes' in html
    # The other tabs link to it.
    detail = browse(seller).get(f"/contacts/{client_.pk}/").content.decode()
    assert f'href="/contacts/{client_.pk}/sales/"' in detail


def test_the_contact_tab_is_a_404_for_a_name_only_contact_like_the_work_tab(
    firm: Firm, admin: Colleague, seller: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    opportunity(admin, private, title="Affaire privée", assignee=seller)
    http = browse(seller)
    assert http.get(f"/contacts/{private.pk}/work/").status_code == 404
    assert http.get(f"/contacts/{private.pk}/sales/").status_code == 404
