"""The demo firm's sales (docs/sales.md): about 1,500 opportunities, 400 projects and 8,000
invoices on its clients, with French titles, assigned to its colleagues — a few dozen of
them to the demo sign-in, so its lists are not empty.

A step of `portefeuille.firms.demo.build_demo`, after the work. Rows are written in bulk (the
services would write as many history events and notifications), but every value is one the
services would accept: the firm's own stages, active colleagues as assignees, managers and
collaborators (mostly on the client's team), a second assignee other than the first, a
closing date exactly on the won and lost ones, an end never before the start, invoice
numbers unique in the firm and a due date never before the invoice's date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import OpportunityStage

from .models import Invoice, Opportunity, Project, ProjectCollaborator

if TYPE_CHECKING:
    from portefeuille.firms.demo import DemoContext

OPPORTUNITIES = 1_500
PROJECTS = 400
INVOICES = 8_000
BATCH = 2_000
# Records given to the demo sign-in (an admin), out of the totals above.
ADMIN_OPPORTUNITIES = 30
ADMIN_PROJECTS = 12
# Share of the records given to someone off the client's team (they still see them: an
# opportunity's assignee or a project's people see it whatever their level on the client).
OUTSIDE_TEAM_SHARE = 0.1
SECOND_ASSIGNEE_SHARE = 0.2
Outcome = OpportunityStage.Outcome
OUTCOME_WEIGHTS = {Outcome.OPEN: 60, Outcome.WON: 25, Outcome.LOST: 15}

OPPORTUNITY_TITLES = [
    "Mission de conseil {year}",
    "Audit légal {year}",
    "Lettre de mission {year}",
    "Accompagnement à la création",
    "Prévisionnel {year}",
    "Externalisation de la paie",
    "Tenue comptable {year}",
    "Due diligence d'acquisition",
    "Optimisation de la rémunération du dirigeant",
    "Transmission d'entreprise",
    "Passage à la facture électronique",
    "Conseil en gestion de patrimoine",
    "Révision des comptes consolidés {year}",
    "Mise en place d'un tableau de bord",
    "Déclarations fiscales {year}",
]
PROJECT_NAMES = [
    "Migration vers la facture électronique",
    "Clôture des comptes {year}",
    "Déploiement de la paie",
    "Création d'une holding",
    "Refonte du reporting mensuel",
    "Dossier de financement bancaire",
    "Transmission à la génération suivante",
    "Mise en conformité RGPD",
    "Changement de logiciel comptable",
    "Audit des procédures internes",
]
DESCRIPTIONS = [
    "",
    "Objectifs :\n\n- recueillir les pièces ;\n- **valider** le calendrier avec le client.",
    "Réunion de lancement prévue ; compte rendu à partager avec l'équipe.",
    "Voir la lettre de mission signée pour le périmètre.",
]
CURRENCY_WEIGHTS = {"EUR": 92, "CHF": 4, "GBP": 2, "USD": 2}
STATUS_WEIGHTS_RECENT = {Invoice.Status.DRAFT: 15, Invoice.Status.SENT: 65, Invoice.Status.PAID: 20}


def _teams(firm_id: int, active: set[int]) -> dict[int, list[int]]:
    """Per client, the active colleagues on its team (manager, owner, role holders, direct
    members): those who usually carry its sales."""
    teams: dict[int, list[int]] = defaultdict(list)
    rows = Contact.objects.filter(firm_id=firm_id).values_list(
        "pk", "manager_id", "owner__colleague_id"
    )
    links: list[tuple[int, int | None]] = []
    for pk, manager_id, owner_colleague_id in rows:
        links += [(pk, manager_id), (pk, owner_colleague_id)]
    links += list(
        RoleAssignment.objects.filter(firm_id=firm_id).values_list("client_id", "colleague_id")
    )
    links += list(
        ClientMember.objects.filter(firm_id=firm_id, colleague__isnull=False).values_list(
            "client_id", "colleague_id"
        )
    )
    for client_id, colleague_id in links:
        if colleague_id in active and colleague_id not in teams[client_id]:
            teams[client_id].append(colleague_id)
    return teams


def add_sales(context: DemoContext) -> None:
    firm, rng = context.firm, context.rng
    today = timezone.localdate()
    now = timezone.now()
    active = sorted(c.pk for c in context.colleagues if c.is_active)
    teams = _teams(firm.pk, set(active))
    # Organisations and persons buy; client groups do not.
    clients = list(
        Contact.objects.filter(firm=firm)
        .exclude(kind=Contact.Kind.CLIENT_GROUP)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not clients or not active:
        return
    stages: dict[str, list[OpportunityStage]] = defaultdict(list)
    for stage in OpportunityStage.objects.filter(firm=firm).order_by("position"):
        stages[stage.outcome].append(stage)
    outcomes = [outcome for outcome in OUTCOME_WEIGHTS if stages[outcome]]
    outcome_weights = [OUTCOME_WEIGHTS[outcome] for outcome in outcomes]
    currencies, currency_weights = zip(*CURRENCY_WEIGHTS.items(), strict=True)

    def person_for(client_id: int) -> int:
        team = teams.get(client_id)
        if team and rng.random() >= OUTSIDE_TEAM_SHARE:
            return rng.choice(team)
        return rng.choice(active)

    def moment(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)

    opportunities = []
    for index in range(OPPORTUNITIES):
        client_id = rng.choice(clients)
        outcome = rng.choices(outcomes, weights=outcome_weights)[0]
        assignee = context.admin.pk if index < ADMIN_OPPORTUNITIES else person_for(client_id)
        second = None
        if rng.random() < SECOND_ASSIGNEE_SHARE:
            second = rng.choice([pk for pk in active if pk != assignee] or [None])
        created = today - datetime.timedelta(days=rng.randint(5, 500))
        if outcome == Outcome.OPEN:
            close = today + datetime.timedelta(days=rng.randint(-20, 180))
            closed_at = None
        else:
            close = created + datetime.timedelta(days=rng.randint(5, 120))
            closed_at = moment(min(close, today))
        value = Decimal(rng.randrange(500, 80_000, 50)) + Decimal(rng.choice((0, 50))) / 100
        opportunities.append(
            Opportunity(
                firm=firm,
                client_id=client_id,
                title=rng.choice(OPPORTUNITY_TITLES).format(year=close.year),
                value=value,
                currency=rng.choices(currencies, weights=currency_weights)[0],
                stage=rng.choice(stages[outcome]),
                expected_close=close if rng.random() < 0.9 else None,
                assignee_id=assignee,
                second_assignee_id=second,
                closed_at=closed_at,
                created_by=context.admin,
                created_at=moment(created),
                updated_at=now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
            )
        )
    Opportunity.objects.bulk_create(opportunities, batch_size=BATCH)

    projects = []
    people: list[list[int]] = []
    for index in range(PROJECTS):
        client_id = rng.choice(clients)
        manager = context.admin.pk if index < ADMIN_PROJECTS else person_for(client_id)
        start = today + datetime.timedelta(days=rng.randint(-400, 60))
        end = start + datetime.timedelta(days=rng.randint(14, 240)) if rng.random() < 0.8 else None
        others = [pk for pk in active if pk != manager]
        people.append(rng.sample(others, k=min(len(others), rng.randint(0, 3))))
        projects.append(
            Project(
                firm=firm,
                client_id=client_id,
                name=rng.choice(PROJECT_NAMES).format(year=start.year),
                manager_id=manager,
                start_date=start if rng.random() < 0.9 else None,
                end_date=end,
                description=rng.choice(DESCRIPTIONS),
                created_by=context.admin,
                created_at=moment(min(start, today)),
                updated_at=now,
            )
        )
    created_projects = Project.objects.bulk_create(projects, batch_size=BATCH)
    if created_projects and created_projects[0].pk is None:
        # A database that does not return the new ids: read them back, in insertion order.
        created_projects = list(Project.objects.filter(firm=firm).order_by("pk"))
    ProjectCollaborator.objects.bulk_create(
        (
            ProjectCollaborator(firm=firm, project_id=project.pk, colleague_id=colleague_id)
            for project, chosen in zip(created_projects, people, strict=True)
            for colleague_id in chosen
        ),
        batch_size=BATCH,
    )

    invoices = []
    for index in range(INVOICES):
        day = today - datetime.timedelta(days=rng.randint(0, 730))
        due = day + datetime.timedelta(days=rng.choice((0, 15, 30, 30, 45, 60)))
        if due < today - datetime.timedelta(days=60):
            status = Invoice.Status.PAID
        elif due < today:
            status = Invoice.Status.PAID if rng.random() < 0.7 else Invoice.Status.OVERDUE
        else:
            status = rng.choices(
                list(STATUS_WEIGHTS_RECENT), weights=list(STATUS_WEIGHTS_RECENT.values())
            )[0]
        invoices.append(
            Invoice(
                firm=firm,
                client_id=rng.choice(clients),
                number=f"F-{day.year}-{index + 1:05}",
                date=day,
                due_date=due,
                amount=Decimal(rng.randrange(80, 12_000)) + Decimal(rng.randrange(0, 100)) / 100,
                currency=rng.choices(currencies, weights=currency_weights)[0],
                status=status,
                created_by=context.admin,
                created_at=moment(day),
                updated_at=now,
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=BATCH)
