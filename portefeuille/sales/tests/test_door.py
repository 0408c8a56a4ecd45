"""The door of opportunities, projects and invoices (docs/sales.md): their client in full,
or — opportunities and projects — a place on the record; an invoice's client only."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from portefeuille.firms.models import Colleague, Privacy
from portefeuille.notifications.models import Notification
from portefeuille.notifications.reading import readable
from portefeuille.sales import services
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


def test_an_assignee_sees_their_opportunity_on_a_hidden_client_and_nothing_else_of_it() -> None:
    firm = FirmFactory.create()
    admin = AdminFactory.create(firm=firm)
    seller = ColleagueFactory.create(firm=firm)
    other = ColleagueFactory.create(firm=firm)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    opportunity = services.create_opportunity(
        actor=admin, client=hidden, title="Audit 2027", assignee=seller, value="12 000,50"
    )
    invoice = services.create_invoice(
        actor=admin, client=hidden, number="F-1", date="2026-12-01", amount="10"
    )
    assert list(Opportunity.objects.visible_to(seller)) == [opportunity]
    assert not Opportunity.objects.visible_to(other).exists()
    assert not Invoice.objects.visible_to(seller).exists()
    assert list(Invoice.objects.visible_to(admin)) == [invoice]
    # The assignee was told, and reads it although the client is hidden from them.
    (note,) = readable(seller)
    assert note.kind == "sales.opportunity_assigned"
    assert note.record_type == "opportunity"
    # Taken away from them: the record and its notification go.
    services.update_opportunity(actor=admin, opportunity=opportunity, assignee=other)
    assert not Opportunity.objects.visible_to(seller).exists()
    assert not readable(seller).exists()
    assert Notification.objects.filter(recipient=seller).count() == 1
    with pytest.raises(Http404):
        services.update_opportunity(actor=seller, opportunity=opportunity.pk, title="x")


def test_a_project_collaborator_sees_it_and_an_inactive_one_does_not() -> None:
    firm = FirmFactory.create()
    admin = AdminFactory.create(firm=firm)
    helper = ColleagueFactory.create(firm=firm)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    project = services.create_project(
        actor=admin, client=hidden, name="Migration", collaborators=[helper.pk]
    )
    assert project.manager == admin
    assert list(Project.objects.visible_to(helper)) == [project]
    Colleague.objects.filter(pk=helper.pk).update(is_active=False)
    helper.refresh_from_db()
    assert not Project.objects.visible_to(helper).exists()
