"""The demo firm's sales (docs/sales.md): opportunities, projects and invoices on its
clients, each holding only values the services would accept, some for the demo sign-in."""

from __future__ import annotations

import time

import pytest
from django.db.models import F, Q

from portefeuille.firms import demo as firm_demo
from portefeuille.firms.demo import build_demo, delete_demo
from portefeuille.firms.models import Colleague, OpportunityStage
from portefeuille.sales import demo
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator

pytestmark = pytest.mark.django_db


def test_the_demo_has_opportunities_projects_and_invoices_the_services_could_have_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spent: list[float] = []
    add_sales = demo.add_sales

    def timed(context: firm_demo.DemoContext) -> None:
        started = time.perf_counter()
        add_sales(context)
        spent.append(time.perf_counter() - started)

    steps = [timed if step is add_sales else step for step in firm_demo.STEPS]
    assert timed in steps
    monkeypatch.setattr(firm_demo, "STEPS", steps)
    result = build_demo()
    firm, admin_email = result.firm, result.admin_email
    admin = Colleague.objects.get(firm=firm, email=admin_email)
    opportunities = Opportunity.objects.filter(firm=firm)
    projects = Project.objects.filter(firm=firm)
    invoices = Invoice.objects.filter(firm=firm)

    assert opportunities.count() == demo.OPPORTUNITIES
    assert projects.count() == demo.PROJECTS
    assert invoices.count() == demo.INVOICES
    (seconds,) = spent
    assert seconds < 10
    # French titles, on the firm's clients, with the firm's stages.
    assert opportunities.filter(title__startswith="Mission de conseil").exists()
    assert not opportunities.exclude(client__firm=firm).exists()
    assert not opportunities.exclude(stage__firm=firm).exists()
    assert set(opportunities.values_list("stage__outcome", flat=True)) == set(
        OpportunityStage.Outcome.values
    )
    # The demo sign-in has some of its own.
    assert 20 <= opportunities.filter(assignee=admin).count() <= 200
    assert projects.filter(manager=admin).exists()

    # What the services hold.
    people = Colleague.objects.filter(
        Q(assigned_opportunities__firm=firm)
        | Q(second_opportunities__firm=firm)
        | Q(managed_projects__firm=firm)
        | Q(project_collaborations__firm=firm)
    ).distinct()
    assert people.exists()
    assert not people.filter(Q(is_active=False) | ~Q(firm=firm)).exists()
    assert not opportunities.filter(assignee__isnull=True).exists()
    assert not opportunities.filter(second_assignee=F("assignee")).exists()
    open_ = Q(stage__outcome=OpportunityStage.Outcome.OPEN)
    assert not opportunities.filter(open_ & Q(closed_at__isnull=False)).exists()
    assert not opportunities.filter(~open_ & Q(closed_at__isnull=True)).exists()
    assert not projects.filter(manager__isnull=True).exists()
    assert not projects.filter(end_date__lt=F("start_date")).exists()
    assert ProjectCollaborator.objects.filter(firm=firm).exists()
    assert not ProjectCollaborator.objects.filter(
        firm=firm, colleague=F("project__manager")
    ).exists()
    assert not invoices.filter(due_date__lt=F("date")).exists()
    assert set(invoices.values_list("status", flat=True)) == set(Invoice.Status.values)
    assert invoices.values("number").distinct().count() == demo.INVOICES

    assert delete_demo()
    assert not Opportunity.objects.filter(firm_id=firm.pk).exists()
    assert not Invoice.objects.filter(firm_id=firm.pk).exists()
