"""/api/v1/custom-fields (definitions: every colleague reads, admins write) and the
`custom_fields` of the sales records' answers and bodies (docs/custom-fields.md): shown
with the record, set with it in one transaction under its If-Match, refusals located in the
body, a list's values read in one query whatever its length."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.contacts.models import Contact
from portefeuille.customfields import services
from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.sales import services as sales
from portefeuille.sales.models import Invoice
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
    return ClientFactory.create(firm=firm)


def call(method: str, url: str, colleague: Colleague, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": {**token_headers(colleague), **headers}}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(Client(), method)(url, **kwargs)


def test_admins_define_fields_and_everyone_lists_them(admin: Colleague, staff: Colleague) -> None:
    created = call(
        "post",
        "/api/v1/custom-fields",
        admin,
        {"area": "invoice", "label": "Canal", "kind": "choice", "choices": ["Web", "Salon"]},
    )
    assert created.status_code == 201, created.content
    field = created.json()
    assert field["choices"] == ["Web", "Salon"]
    refused = call(
        "post", "/api/v1/custom-fields", staff, {"area": "invoice", "label": "X", "kind": "text"}
    )
    assert_problem(refused, 403)
    listed = call("get", "/api/v1/custom-fields", staff).json()["items"]
    assert [item["label"] for item in listed] == ["Canal"]
    # Changed under its If-Match; a stale one is a 412.
    etag = call("get", f"/api/v1/custom-fields/{field['id']}", admin)["ETag"]
    changed = call(
        "patch", f"/api/v1/custom-fields/{field['id']}", admin, {"archived": True}, If_Match=etag
    )
    assert changed.json()["archived"] is True
    stale = call(
        "patch", f"/api/v1/custom-fields/{field['id']}", admin, {"label": "Y"}, If_Match=etag
    )
    assert_problem(stale, 412)
    assert call("get", "/api/v1/custom-fields", staff).json()["items"] == []
    assert len(call("get", "/api/v1/custom-fields?archived=true", staff).json()["items"]) == 1
    assert call("delete", f"/api/v1/custom-fields/{field['id']}", admin).status_code == 204
    assert not CustomField.objects.exists()


def test_a_bad_definition_is_a_422_on_its_field_in_english_too(admin: Colleague) -> None:
    response = call(
        "post",
        "/api/v1/custom-fields",
        admin,
        {"area": "invoice", "label": "Canal", "kind": "choice", "choices": []},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = assert_problem(response, 422)
    assert body["errors"] == [{"loc": ["body", "choices"], "msg": body["errors"][0]["msg"]}]


def test_another_firms_field_is_the_same_404(admin: Colleague) -> None:
    foreign = services.define_custom_field(
        actor=AdminFactory.create(), area="invoice", label="Canal", kind="text"
    )
    for method in ("get", "patch", "delete"):
        body: dict[str, Any] | None = {} if method == "patch" else None
        assert_problem(call(method, f"/api/v1/custom-fields/{foreign.pk}", admin, body), 404)


def test_an_invoice_is_created_with_its_responsible_and_changed_under_if_match(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = services.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user"
    )
    created = call(
        "post",
        "/api/v1/invoices",
        admin,
        {
            "client_id": client_.pk,
            "number": "F-1",
            "date": "2026-12-01",
            "amount": "10",
            "custom_fields": {str(field.pk): staff.pk},
        },
    )
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["custom_fields"] == {
        str(field.pk): {"id": staff.pk, "full_name": "Xavier Vendeur", "is_active": True}
    }
    url = f"/api/v1/invoices/{answer['id']}"
    etag = created["ETag"]
    changed = call("patch", url, admin, {"custom_fields": {str(field.pk): None}}, If_Match=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["custom_fields"] == {str(field.pk): None}
    assert changed["ETag"] != etag
    stale = call("patch", url, admin, {"custom_fields": {str(field.pk): admin.pk}}, If_Match=etag)
    assert_problem(stale, 412)
    assert not CustomValue.objects.exists()


def test_a_foreign_responsible_refuses_the_whole_invoice_located_in_the_body(
    admin: Colleague, client_: Contact
) -> None:
    field = services.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user"
    )
    foreigner = ColleagueFactory.create()
    response = call(
        "post",
        "/api/v1/invoices",
        admin,
        {
            "client_id": client_.pk,
            "number": "F-1",
            "date": "2026-12-01",
            "amount": "10",
            "custom_fields": {str(field.pk): foreigner.pk, "93999999": "x"},
        },
    )
    body = assert_problem(response, 422)
    assert sorted(error["loc"] for error in body["errors"]) == sorted(
        [["body", "custom_fields", "93999999"], ["body", "custom_fields", str(field.pk)]]
    )
    assert not Invoice.objects.exists()


def test_an_opportunitys_assignee_reads_and_sets_its_values_on_a_hidden_client(
    admin: Colleague, staff: Colleague, firm: Firm
) -> None:
    source = services.define_custom_field(
        actor=admin, area="opportunity", label="Source", kind="text"
    )
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    found = sales.create_opportunity(actor=admin, client=hidden, title="Audit", assignee=staff)
    url = f"/api/v1/opportunities/{found.pk}"
    changed = call("patch", url, staff, {"custom_fields": {str(source.pk): "Salon"}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["custom_fields"] == {str(source.pk): "Salon"}
    assert changed.json()["client"]["level"] == "name"
    other = ColleagueFactory.create(firm=firm)
    assert_problem(call("patch", url, other, {"custom_fields": {str(source.pk): "x"}}), 404)


def test_the_lists_read_the_values_of_a_page_in_one_query(
    admin: Colleague, staff: Colleague, client_: Contact
) -> None:
    field = services.define_custom_field(
        actor=admin, area="invoice", label="Responsable", kind="user"
    )

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            invoice = sales.create_invoice(
                actor=admin, client=client_, number=f"F-{n}", date="2026-12-01", amount="1"
            )
            services.set_custom_values(actor=admin, record=invoice, values={field.pk: staff.pk})

    headers = token_headers(staff)
    http = Client()
    add(0, 3)
    http.get("/api/v1/invoices", headers=headers)
    with CaptureQueriesContext(connection) as few:
        small = http.get("/api/v1/invoices", headers=headers).json()["items"]
    add(3, 12)
    with CaptureQueriesContext(connection) as many:
        large = http.get("/api/v1/invoices", headers=headers).json()["items"]
    assert len(few.captured_queries) == len(many.captured_queries)
    assert (len(small), len(large)) == (3, 15)
    assert {item["custom_fields"][str(field.pk)]["id"] for item in large} == {staff.pk}
