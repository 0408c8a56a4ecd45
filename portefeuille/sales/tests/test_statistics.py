"""Statistics per responsible (docs/sales.md): opportunities per assignee and stage, invoices
per responsible (a custom User field) and status — counting only what the viewer sees, and
summing per currency."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portefeuille.customfields import services as custom
from portefeuille.customfields.models import CustomField
from portefeuille.firms.models import OpportunityStage, Privacy
from portefeuille.sales import services, statistics
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


def test_the_tables_count_what_the_viewer_sees_per_person_and_currency() -> None:
    firm = FirmFactory.create()
    admin = AdminFactory.create(firm=firm)
    anne, bruno = (ColleagueFactory.create(firm=firm) for _ in range(2))
    public = ClientFactory.create(firm=firm, privacy=Privacy.PUBLIC)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    first_stage = OpportunityStage.objects.filter(firm=firm).order_by("position").first()
    assert first_stage is not None
    services.create_opportunity(actor=admin, client=public, title="A", assignee=anne, value="100")
    services.create_opportunity(
        actor=admin, client=public, title="B", assignee=anne, value="50", currency="CHF"
    )
    services.create_opportunity(actor=admin, client=hidden, title="C", assignee=bruno, value="7")
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today

    seen_by_admin = statistics.opportunities_table(admin, start, end)
    assert seen_by_admin.total.count == 3
    (row_anne,) = [row for row in seen_by_admin.rows if row.colleague == anne]
    assert row_anne.total.count == 2
    assert row_anne.total.totals == {"EUR": Decimal("100.00"), "CHF": Decimal("50.00")}
    assert row_anne.cells[first_stage.pk].count == 2

    # Anne sees the public client's two; not Bruno's opportunity on the hidden client.
    seen_by_anne = statistics.opportunities_table(anne, start, end)
    assert [(row.colleague, row.total.count) for row in seen_by_anne.rows] == [(anne, 2)]
    # Bruno sees his own one (through his place on it) and the public ones.
    assert statistics.opportunities_table(bruno, start, end).total.count == 3

    field = custom.define_custom_field(
        actor=admin, area=CustomField.Area.INVOICE, label="Responsable", kind="user"
    )
    paid = services.create_invoice(
        actor=admin, client=public, number="F-1", date=today, amount="10", status="paid"
    )
    services.create_invoice(actor=admin, client=public, number="F-2", date=today, amount="5")
    services.create_invoice(actor=admin, client=hidden, number="F-3", date=today, amount="9")
    custom.set_custom_values(actor=admin, record=paid, values={field.pk: anne.pk})

    invoices = statistics.invoices_table(anne, field, start, end)
    assert invoices.total.count == 2  # the hidden client's invoice does not count for her
    by_person = {row.colleague: row for row in invoices.rows}
    assert by_person[anne].cells["paid"].count == 1
    assert by_person[None].cells["draft"].totals == {"EUR": Decimal("5.00")}
    assert statistics.invoices_table(admin, field, start, end).total.count == 3


def test_the_page_shows_both_tables_and_says_a_bad_date(client: Client) -> None:
    firm = FirmFactory.create()
    admin = AdminFactory.create(firm=firm)
    seller = ColleagueFactory.create(firm=firm, first_name="Inès", last_name="Roux")
    services.create_opportunity(
        actor=admin, client=ClientFactory.create(firm=firm), title="Audit", assignee=seller
    )
    client.force_login(admin)
    page = client.get(reverse("sales_statistics"), {"from": "demain"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Inès Roux" in text
    assert "saisissez une date valide" in text
    # No invoice User field yet: the page says how to get one.
    assert "champ personnalisé de type" in text
