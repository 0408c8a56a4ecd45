"""/api/v1/opportunities, /projects, /invoices and /opportunity-stages: what each reader
reads (a record seen through its own people shows its client's name only), the filters of
the lists, creation and changes with their refusals in the caller's language (nothing half
written), optimistic concurrency (If-Match), the same 404 for whatever is not seen, and a
list's constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from portefeuille.access.models import ClientMember
from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, OpportunityStage, Privacy
from portefeuille.notifications.models import Notification
from portefeuille.sales import services
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db

OPPORTUNITIES = "/api/v1/opportunities"
PROJECTS = "/api/v1/projects"
INVOICES = "/api/v1/invoices"
STAGES = "/api/v1/opportunity-stages"
CLIENT_KEYS = {"id", "name", "level"}


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return f.AdminFactory.create(first_name="Anne", last_name="Admin")


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return f.ColleagueFactory.create(firm=admin.firm, first_name="Sophie", last_name="Staff")


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
    language: str | None = None,
) -> Any:
    headers = token_headers(who, language=language)
    if if_match is not None:
        headers["If-Match"] = if_match
    return getattr(http, method)(url, body, content_type="application/json", headers=headers)


def errors_of(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {".".join(str(part) for part in e["loc"]): e["msg"] for e in body["errors"]}


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


def rows() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the sales services write, to prove a refusal wrote nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (Opportunity, Project, ProjectCollaborator, Invoice, Notification)
    } | {
        "events": list(
            AuditEvent.objects.filter(action__regex=r"^(opportunity|project|invoice)\.")
            .order_by("pk")
            .values_list("pk", "action")
        )
    }


def stage(firm: Any, outcome: str = OpportunityStage.Outcome.OPEN) -> OpportunityStage:
    return OpportunityStage.objects.filter(firm=firm, outcome=outcome).order_by("position")[0]


def opportunity_on(admin: Colleague, client: Contact, **values: Any) -> Opportunity:
    return services.create_opportunity(
        actor=admin, client=client, **{"title": "Audit", "assignee": admin, **values}
    )


def project_on(admin: Colleague, client: Contact, **values: Any) -> Project:
    return services.create_project(actor=admin, client=client, **{"name": "Migration", **values})


def invoice_on(admin: Colleague, client: Contact, **values: Any) -> Invoice:
    return services.create_invoice(
        actor=admin,
        client=client,
        **{"number": "F-1", "date": "2026-03-01", "amount": "100", **values},
    )


# --- what each reader reads ------------------------------------------------------------------


def test_an_opportunity_seen_in_full_shows_everything_with_its_etag(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm, display_name="Boulangerie Dupain")
    opportunity = opportunity_on(
        admin,
        public,
        title="Audit 2027",
        value="12 000,50",
        currency="CHF",
        expected_close="2027-01-31",
        assignee=staff,
        second_assignee=admin,
    )

    response = get(client, f"{OPPORTUNITIES}/{opportunity.pk}", staff)

    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{opportunity.version}"'
    body = response.json()
    first = stage(admin.firm)
    assert body["title"] == "Audit 2027"
    assert (body["value"], body["currency"]) == ("12000.50", "CHF")
    assert body["stage"] == {"id": first.pk, "name": first.name, "outcome": "open"}
    assert body["expected_close"] == "2027-01-31"
    assert body["assignee"] == {"id": staff.pk, "full_name": "Sophie Staff", "is_active": True}
    assert body["second_assignee"]["id"] == admin.pk
    assert body["client"] == {"id": public.pk, "name": "Boulangerie Dupain", "level": "full"}
    assert body["closed_at"] is None
    assert body["version"] == opportunity.version


def test_an_assignee_who_does_not_see_the_client_reads_the_record_and_its_clients_name_only(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    hidden = f.ClientFactory.create(
        firm=admin.firm, privacy=Privacy.HIDDEN, display_name="Fusion Ondine"
    )
    f.EmailAddressFactory.create(contact=hidden, address="secret@ondine.example")
    Contact.objects.filter(pk=hidden.pk).update(
        siret="98765432100017", website="https://ondine.example"
    )
    mine = opportunity_on(admin, hidden, title="Rachat", assignee=admin, second_assignee=staff)
    opportunity_on(admin, hidden, title="Pas la mienne")
    project = project_on(admin, hidden, name="Intégration", collaborators=[staff.pk])
    invoice_on(admin, hidden, number="F-SECRET")

    one = get(client, f"{OPPORTUNITIES}/{mine.pk}", staff)
    listed = get(client, OPPORTUNITIES, staff)
    projects = get(client, PROJECTS, staff)

    assert one.status_code == 200, one.content
    assert one.json()["client"] == {"id": hidden.pk, "name": "Fusion Ondine", "level": "name"}
    assert one.json()["title"] == "Rachat"
    assert [row["id"] for row in listed.json()["items"]] == [mine.pk]
    assert [row["id"] for row in projects.json()["items"]] == [project.pk]
    assert projects.json()["items"][0]["client"]["level"] == "name"
    for response in (one, listed, projects):
        text = response.content.decode()
        assert "ondine.example" not in text
        assert "98765432100017" not in text
        assert "Pas la mienne" not in text
    # Their invoices have no people: the client decides.
    assert ids(get(client, INVOICES, staff)) == []
    # The client filter keeps only clients seen in full: nothing tells which client it is.
    assert ids(get(client, OPPORTUNITIES, staff, client=hidden.pk)) == []


def test_a_private_clients_records_are_not_a_name_only_view(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    private = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    opportunity = opportunity_on(admin, private)

    assert ids(get(client, OPPORTUNITIES, staff)) == []
    assert_problem(get(client, f"{OPPORTUNITIES}/{opportunity.pk}", staff), 404)


@pytest.mark.parametrize("url", [OPPORTUNITIES, PROJECTS, INVOICES])
def test_hidden_foreign_and_unknown_records_are_the_same_404_on_every_operation(
    client: Client, admin: Colleague, staff: Colleague, url: str
) -> None:
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    other_admin = f.AdminFactory.create()
    foreign_client = f.ClientFactory.create(firm=other_admin.firm)
    make = {
        OPPORTUNITIES: opportunity_on,
        PROJECTS: project_on,
        INVOICES: invoice_on,
    }[url]
    hidden_one = make(admin, hidden)
    foreign_one = make(other_admin, foreign_client)
    before = rows()

    answers = []
    for pk in (hidden_one.pk, foreign_one.pk, 93999999):
        answers.append(assert_problem(get(client, f"{url}/{pk}", staff), 404))
        answers.append(assert_problem(send(client, "patch", f"{url}/{pk}", staff, {}), 404))
        assert_problem(send(client, "delete", f"{url}/{pk}", staff, if_match='"1"'), 404)

    assert len({(a["title"], a["detail"], a["type"]) for a in answers}) == 1
    assert rows() == before


# --- filters ---------------------------------------------------------------------------------


def test_opportunity_filters_combine(client: Client, admin: Colleague, staff: Colleague) -> None:
    one = f.ClientFactory.create(firm=admin.firm)
    two = f.ClientFactory.create(firm=admin.firm)
    won = stage(admin.firm, OpportunityStage.Outcome.WON)
    mine = opportunity_on(admin, one, title="Audit fiscal", assignee=staff)
    second = opportunity_on(admin, two, title="Conseil", second_assignee=staff)
    closed = opportunity_on(admin, two, title="Audit social", stage=won)

    def listed(**query: Any) -> set[int]:
        return set(ids(get(client, OPPORTUNITIES, staff, **query)))

    assert listed() == {mine.pk, second.pk, closed.pk}
    assert listed(assignee="me") == {mine.pk, second.pk}
    assert listed(assignee=admin.pk) == {second.pk, closed.pk}
    assert listed(stage=won.pk) == {closed.pk}
    assert listed(outcome="won") == {closed.pk}
    assert listed(outcome="open") == {mine.pk, second.pk}
    assert listed(client=two.pk) == {second.pk, closed.pk}
    assert listed(q="audit") == {mine.pk, closed.pk}
    assert listed(q="audit", client=two.pk) == {closed.pk}


def test_project_and_invoice_filters(client: Client, admin: Colleague, staff: Colleague) -> None:
    one = f.ClientFactory.create(firm=admin.firm)
    two = f.ClientFactory.create(firm=admin.firm)
    managed = project_on(admin, one, name="Migration paie", manager=staff)
    other = project_on(admin, two, name="Audit")
    draft = invoice_on(admin, one, number="F-2026-001")
    paid = invoice_on(admin, two, number="F-2026-002", status=Invoice.Status.PAID)

    assert set(ids(get(client, PROJECTS, staff, manager="me"))) == {managed.pk}
    assert set(ids(get(client, PROJECTS, staff, manager=admin.pk))) == {other.pk}
    assert set(ids(get(client, PROJECTS, staff, client=two.pk))) == {other.pk}
    assert set(ids(get(client, PROJECTS, staff, q="paie"))) == {managed.pk}
    assert set(ids(get(client, INVOICES, staff, status="paid"))) == {paid.pk}
    assert set(ids(get(client, INVOICES, staff, client=one.pk))) == {draft.pk}
    assert set(ids(get(client, INVOICES, staff, q="002"))) == {paid.pk}


@pytest.mark.parametrize(
    ("url", "query", "where"),
    [
        (OPPORTUNITIES, {"assignee": "quelqu'un"}, "assignee"),
        (OPPORTUNITIES, {"stage": "abc"}, "stage"),
        (OPPORTUNITIES, {"outcome": "maybe"}, "outcome"),
        (OPPORTUNITIES, {"client": "0"}, "client"),
        (OPPORTUNITIES, {"cursor": "garbled"}, "cursor"),
        (PROJECTS, {"manager": "x1"}, "manager"),
        (INVOICES, {"status": "cancelled"}, "status"),
    ],
)
def test_a_bad_filter_value_is_refused_on_that_parameter(
    client: Client, admin: Colleague, url: str, query: dict[str, str], where: str
) -> None:
    assert set(errors_of(get(client, url, admin, **query))) == {f"query.{where}"}


def test_the_list_pages_with_a_cursor_without_repeating_or_skipping(
    client: Client, admin: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    made = [opportunity_on(admin, public).pk for _ in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = get(client, OPPORTUNITIES, admin, **query).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(made)


@pytest.mark.parametrize("url", [OPPORTUNITIES, PROJECTS, INVOICES])
def test_a_list_costs_the_same_number_of_queries_for_many_records(
    client: Client,
    admin: Colleague,
    staff: Colleague,
    django_assert_max_num_queries: Any,
    url: str,
) -> None:
    headers = token_headers(staff)
    made = iter(range(1000))

    def add(count: int) -> None:
        for i in range(count):
            privacy = Privacy.HIDDEN if i % 2 else Privacy.PUBLIC
            record_client = f.ClientFactory.create(firm=admin.firm, privacy=privacy)
            n = next(made)
            if url == OPPORTUNITIES:
                opportunity_on(admin, record_client, assignee=staff, second_assignee=admin)
            elif url == PROJECTS:
                project_on(admin, record_client, collaborators=[staff.pk, admin.pk])
            else:
                invoice_on(admin, record_client, number=f"F-{n}")

    add(2)
    client.get(url, headers=headers)  # the token's first use writes its last use
    # The token, the page, the custom fields (docs/custom-fields.md; their values too when
    # there are some) and, for projects, their collaborators.
    with django_assert_max_num_queries(4) as few:
        first = client.get(url, headers=headers).json()["items"]
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = client.get(url, headers=headers).json()["items"]
    expected = (2, 22) if url != INVOICES else (1, 11)
    assert (len(first), len(more)) == expected


# --- create, change, delete ------------------------------------------------------------------


def test_create_change_and_delete_an_opportunity(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    won = stage(admin.firm, OpportunityStage.Outcome.WON)

    created = send(
        client,
        "post",
        OPPORTUNITIES,
        admin,
        {
            "client_id": public.pk,
            "title": "Reprise",
            "assignee_id": staff.pk,
            "value": 1250.5,
            "expected_close": "2026-09-30",
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == f'"{body["version"]}"'
    assert (body["value"], body["currency"]) == ("1250.50", "EUR")
    assert body["stage"]["id"] == stage(admin.firm).pk
    assert Notification.objects.filter(recipient=staff, record_id=body["id"]).exists()
    url = f"{OPPORTUNITIES}/{body['id']}"

    changed = send(
        client,
        "patch",
        url,
        admin,
        {"stage_id": won.pk, "expected_close": None, "value": "1 300,00"},
        if_match=created["ETag"],
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["stage"]["outcome"] == "won"
    assert changed.json()["closed_at"] is not None
    assert changed.json()["expected_close"] is None
    assert changed.json()["value"] == "1300.00"
    assert changed["ETag"] == f'"{body["version"] + 1}"'

    gone = send(client, "delete", url, admin, if_match=changed["ETag"])

    assert gone.status_code == 204
    assert_problem(get(client, url, admin), 404)
    assert AuditEvent.objects.filter(action="opportunity.deleted").count() == 1


def test_an_assignee_may_change_their_opportunity_and_giving_it_away_is_a_204(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    opportunity = opportunity_on(admin, hidden, assignee=staff)
    url = f"{OPPORTUNITIES}/{opportunity.pk}"

    renamed = send(client, "patch", url, staff, {"title": "Audit révisé"})
    given = send(client, "patch", url, staff, {"assignee_id": admin.pk})

    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["client"]["level"] == "name"
    assert given.status_code == 204
    assert not given.content
    assert_problem(get(client, url, staff), 404)
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.assignee_id) == ("Audit révisé", admin.pk)


def test_create_change_and_delete_a_project(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    third = f.ColleagueFactory.create(firm=admin.firm, first_name="Zoé", last_name="Zeller")

    created = send(
        client,
        "post",
        PROJECTS,
        admin,
        {
            "client_id": public.pk,
            "name": "Migration",
            "start_date": "2026-01-01",
            "collaborator_ids": [third.pk, staff.pk],
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["manager"]["id"] == admin.pk  # the creator by default
    assert [c["id"] for c in body["collaborators"]] == [staff.pk, third.pk]  # by name
    url = f"{PROJECTS}/{body['id']}"

    changed = send(
        client,
        "patch",
        url,
        admin,
        {"manager_id": staff.pk, "collaborator_ids": [third.pk], "description": None},
        if_match=created["ETag"],
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["manager"]["id"] == staff.pk
    assert [c["id"] for c in changed.json()["collaborators"]] == [third.pk]
    assert send(client, "delete", url, admin, if_match=changed["ETag"]).status_code == 204
    assert not Project.objects.exists()


def test_create_change_and_delete_an_invoice(client: Client, admin: Colleague) -> None:
    public = f.ClientFactory.create(firm=admin.firm)

    created = send(
        client,
        "post",
        INVOICES,
        admin,
        {
            "client_id": public.pk,
            "number": "F-2026-001",
            "date": "2026-03-01",
            "due_date": "2026-03-31",
            "amount": "840.00",
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["amount"], body["client"]["level"]) == ("draft", "840.00", "full")
    url = f"{INVOICES}/{body['id']}"
    changed = send(client, "patch", url, admin, {"status": "paid", "due_date": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["due_date"]) == ("paid", None)
    assert send(client, "delete", url, admin).status_code == 204
    assert not Invoice.objects.exists()


def test_records_are_created_only_on_a_client_seen_in_full(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    private = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    before = rows()

    for url, body in (
        (OPPORTUNITIES, {"title": "Audit", "assignee_id": staff.pk}),
        (PROJECTS, {"name": "Migration"}),
        (INVOICES, {"number": "F-9", "date": "2026-01-01", "amount": "1"}),
    ):
        assert_problem(send(client, "post", url, staff, {**body, "client_id": private.pk}), 403)
        errors = errors_of(send(client, "post", url, staff, {**body, "client_id": hidden.pk}))
        assert errors == {"body.client_id": f"Identifiant inconnu : {hidden.pk}."}

    assert rows() == before


def test_a_stale_change_is_refused_and_the_first_one_stays(
    client: Client, admin: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    for url, record, body in (
        (OPPORTUNITIES, opportunity_on(admin, public), {"title": "Second"}),
        (PROJECTS, project_on(admin, public), {"name": "Second"}),
        (INVOICES, invoice_on(admin, public), {"number": "F-2"}),
    ):
        path = f"{url}/{record.pk}"
        loaded = get(client, path, admin)["ETag"]
        first = send(client, "patch", path, admin, {**body, "version": record.version})
        assert first.status_code == 200, first.content
        before = rows()

        assert_problem(send(client, "patch", path, admin, body, if_match=loaded), 412)
        assert_problem(send(client, "patch", path, admin, {**body, "version": 1}), 412)
        assert_problem(send(client, "delete", path, admin, if_match=loaded), 412)
        assert rows() == before


def test_refusals_name_the_body_fields_all_at_once_and_nothing_is_written(
    client: Client, admin: Colleague
) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    other_firm = f.ColleagueFactory.create()
    before = rows()

    opportunity = errors_of(
        send(
            client,
            "post",
            OPPORTUNITIES,
            admin,
            {
                "client_id": public.pk,
                "title": " ",
                "value": "-3",
                "currency": "XXX",
                "second_assignee_id": other_firm.pk,
            },
        )
    )
    project = errors_of(
        send(
            client,
            "post",
            PROJECTS,
            admin,
            {
                "client_id": public.pk,
                "name": "Migration",
                "start_date": "2026-05-01",
                "end_date": "2026-04-01",
                "collaborator_ids": [other_firm.pk],
            },
        )
    )

    assert set(opportunity) == {
        "body.title",
        "body.value",
        "body.currency",
        "body.assignee_id",
        "body.second_assignee_id",
    }
    assert opportunity["body.assignee_id"] == "Choisissez un collègue : ce champ est obligatoire."
    assert set(project) == {"body.end_date", "body.collaborator_ids"}
    assert rows() == before


def test_a_used_invoice_number_is_refused_on_number_in_french_and_english(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    hidden = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    public = f.ClientFactory.create(firm=admin.firm)
    invoice_on(admin, hidden, number="F-2026-001", amount="99999.99")
    before = rows()
    body = {"client_id": public.pk, "number": "F-2026-001", "date": "2026-01-01", "amount": "1"}

    french = send(client, "post", INVOICES, staff, body)
    english = send(client, "post", INVOICES, staff, body, language="en")

    message = "Le numéro %(number)s est déjà utilisé par une autre facture du cabinet."
    assert errors_of(french) == {"body.number": message % {"number": "F-2026-001"}}
    with translation.override("en"):
        in_english = gettext(message) % {"number": "F-2026-001"}
    assert errors_of(english) == {"body.number": in_english}
    # The refusal names nothing of the hidden client's invoice.
    assert "99999" not in french.content.decode()
    assert rows() == before


def test_refusals_speak_the_callers_language(client: Client, admin: Colleague) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    body = {"client_id": public.pk, "title": "", "assignee_id": admin.pk}

    french = errors_of(send(client, "post", OPPORTUNITIES, admin, body))
    english = errors_of(send(client, "post", OPPORTUNITIES, admin, body, language="en"))
    unknown = errors_of(
        send(client, "post", PROJECTS, admin, {"client_id": 93999999, "name": "X"}, language="en")
    )

    assert french == {"body.title": "Ce champ est obligatoire."}
    assert english == {"body.title": "This field is required."}
    assert unknown == {"body.client_id": "Unknown id: 93999999."}


def test_a_patch_with_an_unknown_field_is_refused(client: Client, admin: Colleague) -> None:
    public = f.ClientFactory.create(firm=admin.firm)
    opportunity = opportunity_on(admin, public)

    response = send(client, "patch", f"{OPPORTUNITIES}/{opportunity.pk}", admin, {"client_id": 1})

    assert "body.client_id" in errors_of(response)


# --- tokens and stages -----------------------------------------------------------------------


def test_a_token_acts_as_its_colleague(client: Client, admin: Colleague, staff: Colleague) -> None:
    private = f.ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE)
    opportunity = opportunity_on(admin, private)
    url = f"{OPPORTUNITIES}/{opportunity.pk}"
    assert_problem(get(client, url, staff), 404)

    ClientMember.objects.create(firm=admin.firm, client=private, colleague=staff)

    assert get(client, url, staff).json()["client"]["level"] == "full"
    changed = send(client, "patch", url, staff, {"title": "Par le jeton"})
    assert changed.status_code == 200, changed.content
    event = AuditEvent.objects.filter(action="opportunity.changed").get()
    assert event.actor_id == staff.pk
    assert_problem(client.get(url), 401)


def test_every_colleague_reads_the_pipeline_in_its_order(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    stages = list(OpportunityStage.objects.filter(firm=admin.firm).order_by("position", "id"))
    f.AdminFactory.create()  # another firm's pipeline is not listed

    response = get(client, STAGES, staff)

    assert response.status_code == 200, response.content
    assert [(s["id"], s["outcome"]) for s in response.json()["items"]] == [
        (s.pk, s.outcome) for s in stages
    ]
    assert {s["outcome"] for s in response.json()["items"]} == {"open", "won", "lost"}
