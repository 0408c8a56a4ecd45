"""History of a client's opportunities, projects and invoices read as sentences
(docs/history.md, docs/sales.md): every `opportunity.*`, `project.*` and `invoice.*` event
has its words, naming the record as it was; only readers who see the client in full read
them — not one who sees it by name only, nor the record's own people who do not see the
client.

The story: Ada, an admin, sells to Orion SA, a private organisation. Sam is on Orion's team
(he sees it in full). Nina is on no team: she sees Orion by name only. Léa is given an
opportunity of Orion: she sees that opportunity, not Orion's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from portefeuille.access.models import ClientMember
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.queries import readable_events
from portefeuille.audit.sentences import action_label, show_events
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, OpportunityStage, Privacy
from portefeuille.sales import services
from portefeuille.testing.factories import AdminFactory, ColleagueFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class Story:
    ada: Colleague
    sam: Colleague
    nina: Colleague
    lea: Colleague
    orion: Contact


@pytest.fixture
def story() -> Story:
    ada = AdminFactory.create(first_name="Ada", last_name="Lovelace")
    firm = ada.firm
    orion = OrganizationFactory.create(firm=firm, display_name="Orion SA", privacy=Privacy.PRIVATE)
    sam = ColleagueFactory.create(firm=firm, first_name="Sam", last_name="Martin")
    ClientMember.objects.create(firm=firm, client=orion, colleague=sam)
    nina = ColleagueFactory.create(firm=firm)
    lea = ColleagueFactory.create(firm=firm, first_name="Léa", last_name="Bernard")
    return Story(ada, sam, nina, lea, orion)


def summaries(reader: Colleague, client: Contact) -> list[str]:
    events = readable_events(reader).filter(client=client).order_by("created_at", "id")
    with translation.override("fr"):
        return [event.summary for event in show_events(reader, events)]


def stage(firm_id: int, outcome: str, index: int = 0) -> OpportunityStage:
    stages = OpportunityStage.objects.filter(firm_id=firm_id, outcome=outcome)
    return stages.order_by("position", "id")[index]


def test_every_change_of_an_opportunity_reads_as_a_sentence_naming_it(story: Story) -> None:
    ada, orion = story.ada, story.orion
    first = stage(ada.firm_id, OpportunityStage.Outcome.OPEN)
    won = stage(ada.firm_id, OpportunityStage.Outcome.WON)
    opportunity = services.create_opportunity(
        actor=ada, client=orion, title="Audit 2027", assignee=story.sam, value="1000"
    )
    services.update_opportunity(actor=ada, opportunity=opportunity, value="1200", currency="CHF")
    services.update_opportunity(actor=ada, opportunity=opportunity, title="Audit 2027 (bis)")
    services.update_opportunity(actor=ada, opportunity=opportunity, stage=won)
    services.update_opportunity(actor=ada, opportunity=opportunity, assignee=story.lea)
    services.update_opportunity(
        actor=ada, opportunity=opportunity, second_assignee=story.sam, expected_close="2027-01-31"
    )
    services.delete_opportunity(actor=ada, opportunity=opportunity)

    assert summaries(story.sam, orion) == [
        f"Opportunité « Audit 2027 » créée ({first.name}), affectée à Sam Martin",
        "Opportunité « Audit 2027 » modifiée : montant, devise",
        "Opportunité « Audit 2027 (bis) » modifiée : titre",
        f"Opportunité « Audit 2027 (bis) » : étape {first.name} → {won.name}",
        "Opportunité « Audit 2027 (bis) » affectée à Léa Bernard",
        "Opportunité « Audit 2027 (bis) » modifiée : date de clôture prévue, second commercial",
        "Opportunité « Audit 2027 (bis) » supprimée",
    ]


def test_every_change_of_a_project_reads_as_a_sentence_naming_it(story: Story) -> None:
    ada, orion = story.ada, story.orion
    project = services.create_project(actor=ada, client=orion, name="Migration paie")
    services.update_project(actor=ada, project=project, collaborators=[story.sam.pk])
    services.update_project(
        actor=ada, project=project, name="Migration RH", end_date="2026-12-31", manager=story.lea
    )
    services.delete_project(actor=ada, project=project)

    assert summaries(story.sam, orion) == [
        "Projet « Migration paie » créé, géré par Ada Lovelace",
        "Projet « Migration paie » modifié : collaborateurs",
        "Projet « Migration RH » modifié : nom, date de fin, gestionnaire du projet",
        "Projet « Migration RH » supprimé",
    ]


def test_every_change_of_an_invoice_reads_as_a_sentence_naming_it(story: Story) -> None:
    ada, orion = story.ada, story.orion
    invoice = services.create_invoice(
        actor=ada, client=orion, number="F-2026-001", date="2026-03-01", amount="840"
    )
    services.update_invoice(actor=ada, invoice=invoice, status="sent")
    services.update_invoice(actor=ada, invoice=invoice, amount="900", due_date="2026-03-31")
    services.delete_invoice(actor=ada, invoice=invoice)

    assert summaries(story.sam, orion) == [
        "Facture F-2026-001 créée (Brouillon)",
        "Facture F-2026-001 : Brouillon → Envoyée",
        "Facture F-2026-001 modifiée : échéance, montant",
        "Facture F-2026-001 supprimée",
    ]
    assert action_label("invoice.changed") == "Facture modifiée"


def test_sales_history_is_read_in_full_only(story: Story) -> None:
    services.create_opportunity(
        actor=story.ada, client=story.orion, title="Rachat envisagé", assignee=story.lea
    )
    services.create_project(actor=story.ada, client=story.orion, name="Fusion", manager=story.lea)
    events = list(AuditEvent.objects.filter(client=story.orion).order_by("id"))
    assert len(events) == 2

    # Nina sees Orion by name only; Léa sees the records as their people, not Orion.
    for reader in (story.nina, story.lea):
        assert summaries(reader, story.orion) == []
        # Even handed the events directly, they read none of them.
        with translation.override("fr"):
            assert show_events(reader, events) == []
    assert len(summaries(story.sam, story.orion)) == 2
