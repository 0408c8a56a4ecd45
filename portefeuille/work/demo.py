"""The demo firm's work: about 20,000 work items over its clients, across the firm's work
types and statuses, some overdue, with checklists on some and notes on a few.

A step of `portefeuille.firms.demo.build_demo`, after the contacts. Rows are written in bulk
(the services would take minutes for 20,000 items and write as many history events; see
`insert_rows`), but every value is one the services would accept: the firm's own types and
statuses, active colleagues who see the client in full as assignees, a due date never
before the start date, a client group only among the client's own groups, `completed_at`
set exactly on completed items, and a recurrence only on open items whose next date is
still to come (so the first daily run does not create a backlog; docs/work.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.contacts.models import Contact, GroupMembership
from portefeuille.firms.models import WorkStatus, WorkType

from .models import RECURRENCE_MONTHS, Recurrence, Task, WorkItem, WorkNote
from .recurrence import add_months

if TYPE_CHECKING:
    from portefeuille.firms.demo import DemoContext

WORK_ITEMS = 20_000
BATCH = 2_000
State = WorkStatus.PrimaryState

# What each default work type's items are called ({month}, {year}) and how they recur.
TITLES: dict[str, list[tuple[str, str]]] = {
    "Comptabilité": [
        ("Saisie comptable {month} {year}", Recurrence.MONTHLY),
        ("Rapprochement bancaire {month} {year}", Recurrence.MONTHLY),
        ("Révision des comptes {year}", Recurrence.YEARLY),
        ("Bilan {year}", Recurrence.YEARLY),
    ],
    "Fiscalité": [
        ("Déclaration de TVA {month} {year}", Recurrence.MONTHLY),
        ("TVA trimestrielle T{quarter} {year}", Recurrence.QUARTERLY),
        ("Liasse fiscale {year}", Recurrence.YEARLY),
        ("CFE {year}", Recurrence.YEARLY),
        ("Déclaration de revenus {year}", Recurrence.YEARLY),
    ],
    "Paie": [
        ("Paie {month} {year}", Recurrence.MONTHLY),
        ("DSN {month} {year}", Recurrence.MONTHLY),
        ("Solde de tout compte", Recurrence.NONE),
    ],
    "Juridique": [
        ("Approbation des comptes {year}", Recurrence.YEARLY),
        ("Assemblée générale {year}", Recurrence.YEARLY),
        ("Modification des statuts", Recurrence.NONE),
        ("Transfert de siège", Recurrence.NONE),
    ],
    "Conseil": [
        ("Prévisionnel {year}", Recurrence.NONE),
        ("Rendez-vous bilan {year}", Recurrence.YEARLY),
        ("Optimisation de la rémunération", Recurrence.NONE),
    ],
}
OTHER_TITLES = [("Dossier {year}", Recurrence.NONE)]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
TASKS = {
    "Comptabilité": ["Relevés bancaires reçus", "Factures fournisseurs", "Lettrage", "Contrôle"],
    "Fiscalité": ["Pièces reçues", "Calcul", "Validation par le client", "Télédéclaration"],
    "Paie": ["Variables reçues", "Bulletins", "Contrôle", "Envoi au client"],
    "Juridique": ["Projet d'acte", "Signature", "Dépôt au greffe"],
    "Conseil": ["Entretien", "Simulation", "Restitution"],
}
NOTES = [
    "Le client a envoyé les pièces par e-mail, **à classer**.",
    "Relance faite par téléphone ; réponse attendue sous huit jours.",
    "Point d'attention : *changement de régime de TVA* au 1er janvier.",
    "Travail revu par l'associé signataire, rien à signaler.",
]
# Shares of the primary states (weights); completed work is older, open work current.
STATE_WEIGHTS = {
    State.COMPLETED: 44,
    State.PLANNED: 18,
    State.READY: 10,
    State.IN_PROGRESS: 16,
    State.WAITING: 12,
}
OVERDUE_SHARE = 0.18  # of open items
WITH_TASKS_SHARE = 0.3
WITH_NOTE_SHARE = 0.04
GROUP_SHARE = 0.3  # of the items of a client in a group: done for that group


def _holders(firm_id: int, active: set[int]) -> dict[int, list[int]]:
    """Per client, the active colleagues on its team who may be given its work (manager,
    owner, role holders, direct members): they see the client in full."""
    holders: dict[int, list[int]] = defaultdict(list)
    rows = Contact.objects.filter(firm_id=firm_id).values_list(
        "pk", "manager_id", "owner__colleague_id"
    )
    for pk, manager_id, owner_colleague_id in rows:
        for colleague_id in (manager_id, owner_colleague_id):
            if colleague_id in active and colleague_id not in holders[pk]:
                holders[pk].append(colleague_id)
    links = [
        *RoleAssignment.objects.filter(firm_id=firm_id).values_list("client_id", "colleague_id"),
        *ClientMember.objects.filter(firm_id=firm_id, colleague__isnull=False).values_list(
            "client_id", "colleague_id"
        ),
    ]
    for client_id, colleague_id in links:
        if colleague_id in active and colleague_id not in holders[client_id]:
            holders[client_id].append(colleague_id)
    return holders


def _title(template: str, day: datetime.date) -> str:
    return template.format(
        month=MONTHS[day.month - 1], year=day.year, quarter=(day.month - 1) // 3 + 1
    )


# Share of the work assigned to the demo sign-in.
ADMIN_SHARE = 0.01


def add_work(context: DemoContext) -> None:
    firm, rng = context.firm, context.rng
    today = timezone.localdate()
    now = timezone.now()
    active = {c.pk for c in context.colleagues if c.is_active}
    statuses: dict[str, list[WorkStatus]] = defaultdict(list)
    for status in WorkStatus.objects.filter(firm=firm).order_by("position"):
        statuses[status.primary_state].append(status)
    types = list(WorkType.objects.filter(firm=firm).order_by("position"))
    clients = list(
        Contact.objects.filter(firm=firm)
        .order_by("pk")
        .values_list("pk", "kind", "contact_type__name")
    )
    holders = _holders(firm.pk, active)
    groups: dict[int, list[int]] = defaultdict(list)
    for group_id, member_id in GroupMembership.objects.filter(firm=firm).values_list(
        "group_id", "member_id"
    ):
        groups[member_id].append(group_id)
    # Clients that are active clients get most of the work; prospects and archives little.
    weights = [
        0.3
        if type_name in ("Prospect", "Inactif", None)
        else 0.6
        if kind == Contact.Kind.CLIENT_GROUP
        else 1
        for _pk, kind, type_name in clients
    ]
    chosen = rng.choices(range(len(clients)), weights=weights, k=WORK_ITEMS)
    state_names = [state for state in STATE_WEIGHTS if statuses[state]]
    state_weights = [STATE_WEIGHTS[state] for state in state_names]

    items: list[tuple[Any, ...]] = []
    plans: list[tuple[str, bool, int | None, datetime.date]] = []
    for index in chosen:
        client_id = clients[index][0]
        work_type = rng.choice(types) if types and rng.random() < 0.95 else None
        template, recurrence = rng.choice(
            TITLES.get(work_type.name, OTHER_TITLES) if work_type else OTHER_TITLES
        )
        state = rng.choices(state_names, weights=state_weights)[0]
        if state == State.COMPLETED:
            due = today - datetime.timedelta(days=rng.randint(1, 540))
        elif rng.random() < OVERDUE_SHARE:
            due = today - datetime.timedelta(days=rng.randint(1, 90))
        else:
            due = today + datetime.timedelta(days=rng.randint(0, 240))
        start = due - datetime.timedelta(days=rng.randint(0, 45)) if rng.random() < 0.7 else None
        created = now - datetime.timedelta(days=max(0, (today - (start or due)).days) + 1)
        if recurrence:
            months = RECURRENCE_MONTHS[Recurrence(recurrence)]
            # Only an open item whose next date is still to come carries the series on.
            if state == State.COMPLETED or add_months(start or due, months) <= today:
                recurrence = Recurrence.NONE
        team = holders.get(client_id, [])
        assignee = rng.choice(team) if team and rng.random() < 0.9 else None
        if rng.random() < ADMIN_SHARE:
            # The demo sign-in (an admin, who sees every client) has work of their own, so
            # « Mon travail » on the home page is not empty for the first visitor.
            assignee = context.admin.pk
        client_groups = groups.get(client_id, [])
        group = rng.choice(client_groups) if client_groups and rng.random() < GROUP_SHARE else None
        completed = state == State.COMPLETED
        items.append(
            (
                firm.pk,
                client_id,
                group,
                _title(template, due),
                work_type.pk if work_type else None,
                rng.choice(statuses[state]).pk,
                assignee,
                start,
                due,
                "",
                str(recurrence),
                datetime.datetime.combine(due, datetime.time(17), tzinfo=datetime.UTC)
                if completed
                else None,
                context.admin.pk,
                1,
                created,
                now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
            )
        )
        plans.append((work_type.name if work_type else "", completed, assignee, due))
    insert_rows(WorkItem, ITEM_FIELDS, items)
    # The new firm's items, in the order they were written (ids only grow).
    item_ids = list(
        WorkItem.objects.filter(firm_id=firm.pk).order_by("pk").values_list("pk", flat=True)
    )

    tasks: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    for item_id, (type_name, completed, assignee, due) in zip(item_ids, plans, strict=True):
        if rng.random() < WITH_TASKS_SHARE:
            titles = TASKS.get(type_name, ["Préparer", "Vérifier", "Envoyer"])
            done_count = len(titles) if completed else rng.randint(0, len(titles) - 1)
            for position, title in enumerate(titles):
                done = position < done_count
                tasks.append(
                    (
                        firm.pk,
                        item_id,
                        title,
                        assignee if rng.random() < 0.6 else None,
                        due,
                        done,
                        now if done else None,
                        position,
                        1,
                        now,
                    )
                )
        if rng.random() < WITH_NOTE_SHARE:
            notes.append((firm.pk, item_id, assignee or context.admin.pk, rng.choice(NOTES), now))
    insert_rows(Task, TASK_FIELDS, tasks)
    insert_rows(WorkNote, NOTE_FIELDS, notes)


ITEM_FIELDS = (
    "firm",
    "client",
    "client_group",
    "title",
    "work_type",
    "status",
    "assignee",
    "start_date",
    "due_date",
    "description",
    "recurrence",
    "completed_at",
    "created_by",
    "version",
    "created_at",
    "updated_at",
)
TASK_FIELDS = (
    "firm",
    "work_item",
    "title",
    "assignee",
    "due_date",
    "done",
    "done_at",
    "position",
    "version",
    "created_at",
)
NOTE_FIELDS = ("firm", "work_item", "author", "body", "created_at")


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Writes `rows` (values of the fields `names`, in that order) with one prepared INSERT
    per batch: the ORM's bulk_create spends most of its time preparing each value of
    40,000 rows, which the demo does not need (its values are already the stored ones;
    dates and times are adapted for the database here)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [str(model._meta.get_field(name).column) for name in names]  # type: ignore[union-attr]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    ops = connection.ops

    def adapt(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    with connection.cursor() as cursor:
        for first in range(0, len(rows), BATCH):
            cursor.executemany(
                sql, [tuple(adapt(value) for value in row) for row in rows[first : first + BATCH]]
            )
