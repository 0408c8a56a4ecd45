"""The sales pipeline in the firm settings (docs/sales.md): admins add, rename, reorder and
delete the opportunity stages, each with its outcome (open, won, lost); a stage in use is not
deleted and the refusal says how many opportunities use it; each outcome keeps a stage; a
stage moved to another outcome closes or reopens its opportunities; the history says it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portefeuille.audit.models import AuditEvent
from portefeuille.firms import services
from portefeuille.firms.models import Colleague, OpportunityStage
from portefeuille.sales import services as sales
from portefeuille.sales.models import Opportunity
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory
from portefeuille.testing.history import sentence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def signed_in(colleague: Colleague) -> Client:
    browser = Client(headers={"Accept-Language": "fr"})
    browser.force_login(colleague)
    return browser


def named(admin: Colleague, name: str) -> OpportunityStage:
    return OpportunityStage.objects.get(firm=admin.firm, name=name)


def deals_at(admin: Colleague, stage: OpportunityStage, count: int) -> list[Opportunity]:
    client = ClientFactory.create(firm=admin.firm)
    return [
        sales.create_opportunity(
            actor=admin, client=client, title=f"Affaire {n}", assignee=admin, stage=stage
        )
        for n in range(count)
    ]


def test_a_stage_in_use_is_not_deleted_and_the_refusal_says_how_many(admin: Colleague) -> None:
    negotiation = named(admin, "Négociation")
    deals_at(admin, negotiation, 3)

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.delete_opportunity_stage(actor=admin, opportunity_stage=negotiation)

    assert caught.value.code == "in_use"
    assert caught.value.messages == [
        "« Négociation » est l'étape de 3 opportunités : renommez-la, ou changez d'abord "
        "l'étape de ces opportunités."
    ]
    assert OpportunityStage.objects.filter(pk=negotiation.pk).exists()
    assert not AuditEvent.objects.filter(action="opportunity_stage.deleted").exists()


def test_an_unused_stage_is_deleted_but_each_outcome_keeps_one(admin: Colleague) -> None:
    services.delete_opportunity_stage(actor=admin, opportunity_stage=named(admin, "Négociation"))
    assert not OpportunityStage.objects.filter(firm=admin.firm, name="Négociation").exists()
    event = AuditEvent.objects.get(action="opportunity_stage.deleted")
    assert sentence(event, admin, "fr") == "Étape des opportunités « Négociation » supprimée"

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.delete_opportunity_stage(actor=admin, opportunity_stage=named(admin, "Gagnée"))
    assert caught.value.code == "last_of_outcome"
    assert "seule étape « Gagnée »" in caught.value.messages[0]
    with pytest.raises(ValidationError) as moved:
        services.update_opportunity_stage(
            actor=admin, opportunity_stage=named(admin, "Perdue"), outcome="open"
        )
    assert moved.value.message_dict.keys() == {"outcome"}


def test_a_stage_given_another_outcome_closes_and_reopens_its_opportunities(
    admin: Colleague,
) -> None:
    won = services.create_opportunity_stage(actor=admin, name="Signée", outcome="won")
    proposal = named(admin, "Proposition envoyée")
    (deal,) = deals_at(admin, proposal, 1)
    assert deal.closed_at is None

    services.update_opportunity_stage(actor=admin, opportunity_stage=proposal, outcome="won")
    deal.refresh_from_db()
    assert deal.closed_at is not None
    event = AuditEvent.objects.get(action="opportunity_stage.outcome_changed")
    assert sentence(event, admin, "fr") == "Étape « Proposition envoyée » : En cours → Gagnée"

    services.update_opportunity_stage(actor=admin, opportunity_stage=proposal, outcome="open")
    deal.refresh_from_db()
    assert deal.closed_at is None
    assert won.position == 5
    created = AuditEvent.objects.get(action="opportunity_stage.created")
    assert sentence(created, admin, "fr") == "Étape des opportunités « Signée » créée (Gagnée)"


def test_stage_names_are_unique_in_the_firm_and_only_admins_change_them(
    admin: Colleague,
) -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.create_opportunity_stage(actor=admin, name="prospection", outcome="open")
    assert caught.value.message_dict == {"name": ["« prospection » existe déjà."]}
    with pytest.raises(ValidationError):
        services.create_opportunity_stage(actor=admin, name="Relance", outcome="maybe")
    staff = ColleagueFactory.create(firm=admin.firm)
    with pytest.raises(PermissionDenied):
        services.create_opportunity_stage(actor=staff, name="Relance", outcome="open")
    assert signed_in(staff).get(reverse("firms:firm_settings")).status_code == 403


def test_the_settings_page_lists_the_stages_with_their_use_and_changes_them(
    admin: Colleague,
) -> None:
    negotiation = named(admin, "Négociation")
    deals_at(admin, negotiation, 2)
    browser = signed_in(admin)

    page = browser.get(reverse("firms:firm_settings")).content.decode()
    assert 'id="opportunity-stages"' in page
    assert "2 opportunités" in page

    url = reverse(
        "firms:settings_list_action", args=["opportunity-stages", negotiation.pk, "delete"]
    )
    response: Any = browser.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="opportunity-stages"')
    assert "est l'étape de 2 opportunités" in body.replace("&#x27;", "'")
    assert OpportunityStage.objects.filter(pk=negotiation.pk).exists()

    create = reverse("firms:settings_list_create", args=["opportunity-stages"])
    browser.post(create, {"name": "Relance", "outcome": "open"})
    relance = named(admin, "Relance")
    assert relance.outcome == "open"
    rename = reverse(
        "firms:settings_list_action", args=["opportunity-stages", relance.pk, "rename"]
    )
    browser.post(rename, {"name": "Abandonnée", "outcome": "lost"})
    relance.refresh_from_db()
    assert (relance.name, relance.outcome) == ("Abandonnée", "lost")
    up = reverse("firms:settings_list_action", args=["opportunity-stages", relance.pk, "up"])
    browser.post(up)
    order = list(
        OpportunityStage.objects.filter(firm=admin.firm)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert order[-2:] == ["Abandonnée", "Perdue"]
