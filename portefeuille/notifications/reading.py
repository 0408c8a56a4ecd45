"""A colleague's notifications as they may read them now (docs/notifications.md).

A notification stores facts; its sentence is written here, when it is read, in the current
language, naming its client at the reader's level on it at that moment: hidden now → the
notification is left out of every list and count; name only → the name, without a link to a
page the reader cannot open; full → the name and a link to the client. A notification about
a client's work names the item by its title and status now (both readable by name only), a
task by its title only at full, and leads to the item's page at full (docs/work.md). A
notification about a sales record (an opportunity, a project, an invoice) names the record
as it is now — read through its door, so only while the reader sees it — and its client at
the reader's level (by name only, without a link, for who sees the record through their own
place on it), and leads to the record's page (docs/sales.md). A ticket's is worded the same
way (docs/inbox.md); one with no client yet names none.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portefeuille.access import rules
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.access.rules import Level
from portefeuille.firms.models import Colleague, RoleSlot, Team, WorkStatus
from portefeuille.inbox.models import Ticket
from portefeuille.sales.models import Invoice, Opportunity, Project, SalesRecord
from portefeuille.work.models import Task, WorkItem

from . import kinds as k
from .models import Notification

# The records a notification may be about (Notification.record_type), each read through
# its own door (access/scopes.py).
RECORD_MODELS: dict[str, type[SalesRecord] | type[Ticket]] = {
    "opportunity": Opportunity,
    "project": Project,
    "invoice": Invoice,
    "ticket": Ticket,
}


def visible_records(code: str, reader: Colleague) -> QuerySet[Any]:
    """The records of this notification record type the reader sees now, through their
    own door (an unknown type: none)."""
    model = RECORD_MODELS.get(code)
    if model is None:
        return Notification.objects.none()
    manager: Any = model._default_manager
    return manager.visible_to(reader)  # type: ignore[no-any-return]


# What names a record in a sentence, by record type, and the page it leads to.
RECORD_NAME_FIELDS: dict[str, str] = {
    "opportunity": "title",
    "project": "name",
    "invoice": "number",
    "ticket": "subject",
}
RECORD_PAGES: dict[str, str] = {
    "opportunity": "opportunity_detail",
    "project": "project_detail",
    "invoice": "invoice_detail",
    "ticket": "ticket_detail",
}


def record_names(
    reader: Colleague, notifications: Sequence[Notification]
) -> dict[tuple[str, int], tuple[str, int | None]]:
    """{(record type, id): (its name now, its client's id)} of the records a batch of
    notifications is about, those the reader sees now: one query per record type, through
    its door (a record deleted since, or no longer the reader's, is absent)."""
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        code, pk = notification.record_type, notification.record_id
        if code in RECORD_NAME_FIELDS and isinstance(pk, int):
            wanted.setdefault(code, set()).add(pk)
    found: dict[tuple[str, int], tuple[str, int | None]] = {}
    for code, pks in wanted.items():
        # SECURITY: a second door after readable(): the record is named only if seen now.
        for pk, name, client_id in (
            visible_records(code, reader)
            .filter(pk__in=pks)
            .values_list("pk", RECORD_NAME_FIELDS[code], "client_id")
        ):
            found[(code, pk)] = (name, client_id)
    return found


def record_type_of(record: SalesRecord | Ticket) -> str:
    for code, model in RECORD_MODELS.items():
        if isinstance(record, model):
            return code
    raise ValueError(f"no notification record type for {type(record).__name__}")


def readable(reader: Colleague) -> QuerySet[Notification]:
    """The reader's own notifications they may still read: those about no client, those
    whose client they see now at least by name, and those about a record (an opportunity,
    a project, an invoice, a ticket) they see now through its door — whatever their level on its
    client. One SQL statement when evaluated."""
    if not reader.is_active:
        return Notification.objects.none()
    # SECURITY: the client's visibility is read now, through the access rules; a
    # notification of a client hidden since is left out (of lists and of counts).
    # Joined on the notification's own client: the rules are checked for those rows only.
    about_client = Q(record_type="") & (
        Q(client__isnull=True) | rules.access_q(reader, Level.NAME, prefix="client__")
    )
    # SECURITY: a record's notification follows the record, not its client: one reassigned
    # away from the reader is left out even if they still see the client by name.
    about_record = Q()
    for code in RECORD_MODELS:
        seen = visible_records(code, reader).values("id")
        about_record |= Q(record_type=code, record_id__in=seen)
    return Notification.objects.filter(recipient_id=reader.pk, firm_id=reader.firm_id).filter(
        about_client | about_record
    )


def unread_count(reader: Colleague) -> int:
    """How many unread notifications the reader may still read (one query)."""
    return readable(reader).filter(read_at__isnull=True).count()


def with_level(reader: Colleague, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    """Adds `client_level` (0: no client, 1: name only, 2: full) and the client's name."""
    return queryset.select_related("client").annotate(
        client_level=Case(
            When(client__isnull=True, then=Value(int(Level.NONE))),
            When(rules.full_access_q(reader, prefix="client__"), then=Value(int(Level.FULL))),
            default=Value(int(Level.NAME)),
            output_field=IntegerField(),
        )
    )


@dataclass(frozen=True)
class ShownNotification:
    """A notification as its reader may read it now."""

    id: int
    kind: str
    label: str
    text: str
    html: SafeString
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    actor_id: int | None
    actor_name: str
    client_id: int | None
    client_name: str
    # "full" or "name" (None: not about a client).
    client_level: str | None
    client_url: str | None
    # Where the notification leads: the client in full, else a list of clients, else None.
    url: str | None
    # What a link to `url` says when it leads to a record's page (empty: the default).
    url_label: str = ""

    @property
    def pk(self) -> int:
        return self.id

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def client(self) -> dict[str, Any] | None:
        """The client as the API shows it: id, name and the reader's level now."""
        if self.client_id is None:
            return None
        return {"id": self.client_id, "name": self.client_name, "level": self.client_level}


@dataclass
class _Names:
    """The names a batch of notifications mentions besides its client, read in one query
    each, as they are now (a renamed portfolio or role shows its new name)."""

    portfolios: dict[int, str]
    teams: dict[int, str]
    slots: dict[int, str]
    owners: dict[int, str]
    # Work items: id -> (title, client id); tasks: id -> (title, work item id).
    work_items: dict[int, tuple[str, int]] = field(default_factory=dict)
    statuses: dict[int, str] = field(default_factory=dict)
    tasks: dict[int, tuple[str, int]] = field(default_factory=dict)
    # Records (record_names): (record type, id) -> (name, client id), those seen now.
    records: dict[tuple[str, int], tuple[str, int | None]] = field(default_factory=dict)


def _ids(rows: Iterable[Mapping[str, Any]], *keys: str) -> set[int]:
    found: set[int] = set()
    for params in rows:
        for key in keys:
            value = params.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
    return found


def _names(firm_id: int, batch: Sequence[Mapping[str, Any]]) -> _Names:
    portfolio_ids = _ids(batch, "portfolio_id")
    team_ids = _ids(batch, "team_id")
    owner_ids = _ids(batch, "from_owner_id", "to_owner_id")
    need_slots = any("slot" in params for params in batch)
    owners: dict[int, str] = {}
    if owner_ids:
        for entry in OwnerEntry.objects.filter(firm_id=firm_id, pk__in=owner_ids).select_related(
            "colleague"
        ):
            colleague = entry.colleague
            owners[entry.pk] = colleague.full_name if colleague is not None else entry.name
    item_ids = _ids(batch, "work_item_id")
    status_ids = _ids(batch, "status_id")
    task_ids = _ids(batch, "task_id")
    return _Names(
        work_items={
            pk: (title, client_id)
            for pk, title, client_id in WorkItem.objects.filter(
                firm_id=firm_id, pk__in=item_ids
            ).values_list("pk", "title", "client_id")
        }
        if item_ids
        else {},
        statuses=dict(
            WorkStatus.objects.filter(firm_id=firm_id, pk__in=status_ids).values_list("pk", "name")
        )
        if status_ids
        else {},
        tasks={
            pk: (title, item_id)
            for pk, title, item_id in Task.objects.filter(
                firm_id=firm_id, pk__in=task_ids
            ).values_list("pk", "title", "work_item_id")
        }
        if task_ids
        else {},
        portfolios=dict(
            Portfolio.objects.filter(firm_id=firm_id, pk__in=portfolio_ids).values_list(
                "pk", "name"
            )
        )
        if portfolio_ids
        else {},
        teams=dict(Team.objects.filter(firm_id=firm_id, pk__in=team_ids).values_list("pk", "name"))
        if team_ids
        else {},
        slots=dict(RoleSlot.objects.filter(firm_id=firm_id).values_list("number", "title"))
        if need_slots
        else {},
        owners=owners,
    )


def _count(params: Mapping[str, Any]) -> int:
    value = params.get("count")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _batch_template(
    kind: str, params: Mapping[str, Any], names: _Names
) -> tuple[str, dict[str, str]] | None:
    """The sentence of several clients given at once (no client named): how many, counted
    at sending time among those the reader then saw in full and was given."""
    count = _count(params)
    values = {"count": str(count)}
    if kind == k.OWNER_GIVEN:
        return ngettext(
            "%(count)s client vous a été confié comme responsable client.",
            "%(count)s clients vous ont été confiés comme responsable client.",
            count,
        ), values
    if kind == k.MANAGER_GIVEN:
        return ngettext(
            "%(count)s client vous a été confié comme gestionnaire.",
            "%(count)s clients vous ont été confiés comme gestionnaire.",
            count,
        ), values
    if kind == k.ROLE_GIVEN:
        slot = params.get("slot")
        title = names.slots.get(slot, "") if isinstance(slot, int) else ""
        if title:
            return ngettext(
                "Le rôle « %(role)s » vous a été confié auprès de %(count)s client.",
                "Le rôle « %(role)s » vous a été confié auprès de %(count)s clients.",
                count,
            ), {**values, "role": title}
        return ngettext(
            "Un rôle vous a été confié auprès de %(count)s client.",
            "Un rôle vous a été confié auprès de %(count)s clients.",
            count,
        ), values
    if kind == k.MEMBER_GIVEN:
        return ngettext(
            "Vous avez été ajouté à l'équipe de %(count)s client.",
            "Vous avez été ajouté à l'équipe de %(count)s clients.",
            count,
        ), values
    return None


def _template(
    kind: str, params: Mapping[str, Any], names: _Names, *, batch: bool = False
) -> tuple[str, dict[str, str]]:
    """The sentence (with `%(client)s` where the client's name goes) and its other values;
    `batch`: a kind about a client, told of several clients at once (no client)."""
    if batch:
        found = _batch_template(kind, params, names)
        if found is not None:
            return found
    if kind == k.OWNER_GIVEN:
        return _("Vous êtes désormais responsable client de %(client)s."), {}
    if kind == k.MANAGER_GIVEN:
        return _("Vous êtes désormais gestionnaire de %(client)s."), {}
    if kind == k.ROLE_GIVEN:
        slot = params.get("slot")
        title = names.slots.get(slot, "") if isinstance(slot, int) else ""
        if title:
            return _("Vous tenez désormais le rôle « %(role)s » auprès de %(client)s."), {
                "role": title
            }
        return _("Vous tenez désormais un rôle auprès de %(client)s."), {}
    if kind == k.MEMBER_GIVEN:
        team = names.teams.get(params.get("team_id") or 0)
        if team:
            return _(
                "Votre équipe « %(team)s » fait désormais partie de l'équipe de %(client)s."
            ), {"team": team}
        return _("Vous faites désormais partie de l'équipe de %(client)s."), {}
    if kind == k.PORTFOLIO_STAFF_GIVEN:
        portfolio = names.portfolios.get(params.get("portfolio_id") or 0)
        team = names.teams.get(params.get("team_id") or 0)
        if portfolio is None:
            return _("Un portefeuille, supprimé depuis, vous a été confié."), {}
        if team:
            return _("Le portefeuille « %(portfolio)s » est confié à votre équipe « %(team)s »."), {
                "portfolio": portfolio,
                "team": team,
            }
        return _("Le portefeuille « %(portfolio)s » vous est confié."), {"portfolio": portfolio}
    if kind == k.TRANSFERRED_TO:
        count = _count(params)
        owner = names.owners.get(params.get("from_owner_id") or 0)
        values = {"count": str(count)}
        if owner:
            values["owner"] = owner
            return ngettext(
                "%(count)s client de %(owner)s vous a été transféré.",
                "%(count)s clients de %(owner)s vous ont été transférés.",
                count,
            ), values
        return ngettext(
            "%(count)s client vous a été transféré.",
            "%(count)s clients vous ont été transférés.",
            count,
        ), values
    if kind == k.TRANSFERRED_FROM:
        count = _count(params)
        owner = names.owners.get(params.get("to_owner_id") or 0)
        values = {"count": str(count)}
        if owner:
            values["owner"] = owner
            return ngettext(
                "%(count)s de vos clients a été transféré à %(owner)s.",
                "%(count)s de vos clients ont été transférés à %(owner)s.",
                count,
            ), values
        return ngettext(
            "%(count)s de vos clients a été transféré.",
            "%(count)s de vos clients ont été transférés.",
            count,
        ), values
    if kind == k.CLIENT_NOTE_ADDED:
        return _("Une note a été ajoutée à %(client)s."), {}
    if kind == k.DOCUMENT_ADDED:
        return _("Un document a été ajouté à %(client)s."), {}
    return _("Notification."), {}


WORK_KINDS = (k.WORK_ASSIGNED, k.TASK_ASSIGNED, k.WORK_STATUS_CHANGED, k.WORK_NOTE_ADDED)


def work_item_of(
    params: Mapping[str, Any], names: _Names, client_id: int | None
) -> tuple[int, str] | None:
    """The work item a notification names, as (id, title) now; None when it was deleted
    since (or is not its client's: the notification then names no item)."""
    pk = params.get("work_item_id")
    if not isinstance(pk, int):
        return None
    found = names.work_items.get(pk)
    if found is None or found[1] != client_id:
        return None
    return pk, found[0]


def task_of(params: Mapping[str, Any], names: _Names, item_id: int) -> str | None:
    """The title of the task a notification names, now; None when it was deleted since."""
    pk = params.get("task_id")
    found = names.tasks.get(pk) if isinstance(pk, int) else None
    if found is None or found[1] != item_id:
        return None
    return found[0]


def _work_template(
    kind: str, params: Mapping[str, Any], names: _Names, client_id: int | None, level: Level
) -> tuple[str, dict[str, str]]:
    """The sentence of a notification about a client's work: the item's title and status as
    they are now (both readable by name only, docs/access-rules.md); a task's title only to
    who sees the client in full. An item deleted since is not named."""
    item = work_item_of(params, names, client_id)
    if item is None:
        if kind == k.WORK_ASSIGNED:
            return _(
                "Un élément de travail de %(client)s, supprimé depuis, vous a été assigné."
            ), {}
        if kind == k.TASK_ASSIGNED:
            return _("Une tâche de %(client)s, supprimée depuis, vous a été assignée."), {}
        if kind == k.WORK_STATUS_CHANGED:
            return _(
                "Un élément de travail de %(client)s, supprimé depuis, a changé de statut."
            ), {}
        return _(
            "Une note a été ajoutée à un élément de travail de %(client)s, supprimé depuis."
        ), {}
    item_id, title = item
    values = {"title": title}
    if kind == k.WORK_ASSIGNED:
        return _("« %(title)s » (%(client)s) vous a été assigné."), values
    if kind == k.TASK_ASSIGNED:
        task = task_of(params, names, item_id)
        if task is None:
            return _(
                "Une tâche de « %(title)s » (%(client)s), supprimée depuis, vous a été assignée."
            ), values
        if level != Level.FULL:
            # SECURITY: a task is a detail of its client: by name only, not its title.
            return _("Une tâche de « %(title)s » (%(client)s) vous a été assignée."), values
        return _("La tâche « %(task)s » de « %(title)s » (%(client)s) vous a été assignée."), {
            **values,
            "task": task,
        }
    if kind == k.WORK_STATUS_CHANGED:
        status_id = params.get("status_id")
        status = names.statuses.get(status_id) if isinstance(status_id, int) else None
        if status is None:
            return _("« %(title)s » (%(client)s) a changé de statut."), values
        return _("« %(title)s » (%(client)s) est passé au statut « %(status)s »."), {
            **values,
            "status": status,
        }
    return _("Une note a été ajoutée à « %(title)s » (%(client)s)."), values


SALES_KINDS = (
    k.OPPORTUNITY_ASSIGNED,
    k.OPPORTUNITY_CHANGED,
    k.PROJECT_JOINED,
    k.SALES_RECORD_ADDED,
)


def _sales_added(record_type: str, named: bool) -> str:
    if record_type == "opportunity":
        if named:
            return _("L'opportunité « %(title)s » a été ajoutée à %(client)s.")
        return _("Une opportunité, supprimée depuis, a été ajoutée à %(client)s.")
    if record_type == "project":
        if named:
            return _("Le projet « %(title)s » a été ajouté à %(client)s.")
        return _("Un projet, supprimé depuis, a été ajouté à %(client)s.")
    if named:
        return _("La facture %(title)s a été ajoutée à %(client)s.")
    return _("Une facture, supprimée depuis, a été ajoutée à %(client)s.")


def _sales_template(kind: str, record_type: str, name: str | None) -> tuple[str, dict[str, str]]:
    """The sentence of a notification about a sales record: the record by its name now
    (an opportunity's title, a project's name, an invoice's number); a record deleted
    since, or no longer the reader's, is not named (docs/sales.md)."""
    named = name is not None
    values = {"title": name} if name is not None else {}
    if kind == k.OPPORTUNITY_ASSIGNED:
        if named:
            return _("L'opportunité « %(title)s » (%(client)s) vous a été affectée."), values
        return _("Une opportunité de %(client)s, supprimée depuis, vous a été affectée."), {}
    if kind == k.OPPORTUNITY_CHANGED:
        if named:
            return _("L'opportunité « %(title)s » (%(client)s) a été modifiée."), values
        return _("Une opportunité de %(client)s, supprimée depuis, a été modifiée."), {}
    if kind == k.PROJECT_JOINED:
        if named:
            return _("Vous avez été ajouté au projet « %(title)s » (%(client)s)."), values
        return _("Vous avez été ajouté à un projet de %(client)s, supprimé depuis."), {}
    return _sales_added(record_type, named), values


def _record_label(record_type: str) -> str:
    if record_type == "opportunity":
        return _("Ouvrir l'opportunité")
    if record_type == "project":
        return _("Ouvrir le projet")
    if record_type == "ticket":
        return _("Ouvrir le ticket")
    return _("Ouvrir la facture")


TICKET_KINDS = (
    k.TICKET_ASSIGNED,
    k.TICKET_NOTE_ADDED,
    k.TICKET_CLIENT_REPLIED,
    k.TICKET_CLOSED,
    k.TICKET_RECEIVED,
)


def _ticket_template(
    kind: str, subject: str | None, with_client: bool
) -> tuple[str, dict[str, str]]:
    """The sentence of a notification about a ticket of the shared inbox (docs/inbox.md):
    the ticket by its subject now; its client named (`with_client`) only when it is still
    the ticket's; a ticket deleted since is not named."""
    if subject is None:
        if kind == k.TICKET_ASSIGNED:
            return _("Un ticket de %(client)s, supprimé depuis, vous a été affecté."), {}
        if kind == k.TICKET_NOTE_ADDED:
            return _(
                "Une note interne a été ajoutée à un ticket de %(client)s, supprimé depuis."
            ), {}
        if kind == k.TICKET_CLIENT_REPLIED:
            return _("Le demandeur a répondu à un ticket de %(client)s, supprimé depuis."), {}
        if kind == k.TICKET_CLOSED:
            return _("Un ticket de %(client)s, supprimé depuis, a été fermé."), {}
        return _("%(client)s a écrit à la boîte partagée (ticket supprimé depuis)."), {}
    values = {"title": subject}
    if not with_client:
        if kind == k.TICKET_ASSIGNED:
            return _("Le ticket « %(title)s » vous a été affecté."), values
        if kind == k.TICKET_NOTE_ADDED:
            return _("Une note interne a été ajoutée au ticket « %(title)s »."), values
        if kind == k.TICKET_CLIENT_REPLIED:
            return _("Le demandeur a répondu au ticket « %(title)s »."), values
        if kind == k.TICKET_CLOSED:
            return _("Le ticket « %(title)s » a été fermé."), values
        return _("Un nouveau ticket est arrivé dans la boîte partagée : « %(title)s »."), values
    if kind == k.TICKET_ASSIGNED:
        return _("Le ticket « %(title)s » (%(client)s) vous a été affecté."), values
    if kind == k.TICKET_NOTE_ADDED:
        return _("Une note interne a été ajoutée au ticket « %(title)s » (%(client)s)."), values
    if kind == k.TICKET_CLIENT_REPLIED:
        return _("Le demandeur a répondu au ticket « %(title)s » (%(client)s)."), values
    if kind == k.TICKET_CLOSED:
        return _("Le ticket « %(title)s » (%(client)s) a été fermé."), values
    return _("%(client)s a écrit à la boîte partagée : « %(title)s »."), values


def _link(kind: str, params: Mapping[str, Any]) -> str | None:
    """Where a notification about no single client leads: the clients it is about (the
    list shows each at the reader's level)."""
    base = reverse("contacts:list")
    if kind == k.OWNER_GIVEN and isinstance(params.get("owner_id"), int):
        return f"{base}?owner={params['owner_id']}"
    if kind == k.MANAGER_GIVEN and isinstance(params.get("manager_id"), int):
        return f"{base}?manager={params['manager_id']}"
    if kind in (k.OWNER_GIVEN, k.MANAGER_GIVEN, k.ROLE_GIVEN, k.MEMBER_GIVEN):
        # No filter for a role or a membership: the reader's own clients.
        return base
    if kind == k.PORTFOLIO_STAFF_GIVEN and isinstance(params.get("portfolio_id"), int):
        return f"{base}?portfolio={params['portfolio_id']}"
    if kind in (k.TRANSFERRED_TO, k.TRANSFERRED_FROM) and isinstance(
        params.get("to_owner_id"), int
    ):
        return f"{base}?owner={params['to_owner_id']}"
    return None


def label(kind: str) -> str:
    found = k.KINDS.get(kind)
    return str(found.label) if found is not None else kind


def show(reader: Colleague, notifications: Iterable[Notification]) -> list[ShownNotification]:
    """The notifications as `reader` may read them now, in their order, in the current
    language. Pass rows of `with_level(reader, readable(reader))`; a row without its
    `client_level` is read as name only, and a row whose client the reader does not see is
    left out (a second door: the caller's queryset already leaves it out)."""
    batch = list(notifications)
    names = _names(reader.firm_id, [n.params or {} for n in batch])
    names.records = record_names(reader, batch)
    shown: list[ShownNotification] = []
    for notification in batch:
        client = notification.client if notification.client_id is not None else None
        level = Level(getattr(notification, "client_level", Level.NAME))
        if client is not None and level == Level.NONE:
            continue
        params = notification.params or {}
        kind = k.KINDS.get(notification.kind)
        many = client is None and kind is not None and kind.about_client
        client_url = (
            reverse("contacts:detail", args=[client.pk])
            if client is not None and level == Level.FULL
            else None
        )
        url = client_url if client is not None else _link(notification.kind, params)
        url_label = ""
        if notification.kind in TICKET_KINDS:
            # A ticket may have no client (not matched yet), or have changed client since.
            code, record_id = notification.record_type, notification.record_id or 0
            ticket = names.records.get((code, record_id)) if code == "ticket" else None
            if ticket is None and (client is None or level != Level.FULL):
                # SECURITY: a second door, as readable(): a ticket the reader does not see
                # now is not read (its client's level may be with_level's default only).
                continue
            if ticket is not None and client is not None and ticket[1] != client.pk:
                # SECURITY: linked to another client since: the one it had is not named (the
                # reader may not see it); the current one is on the ticket's page.
                client, client_url, level = None, None, Level.NONE
            template, values = _ticket_template(
                notification.kind, ticket[0] if ticket is not None else None, client is not None
            )
            url = client_url
            if ticket is not None:
                url = reverse("ticket_detail", args=[record_id])
                url_label = _record_label("ticket")
        elif notification.kind in SALES_KINDS and client is not None:
            code, record_id = notification.record_type, notification.record_id or 0
            record = names.records.get((code, record_id))
            if record is not None and record[1] != client.pk:
                record = None  # not its client's: the notification names no record
            if record is None and level != Level.FULL:
                # SECURITY: a second door, as readable(): a record the reader does not see
                # now is not read, and its client's level here may be with_level's default
                # only — say nothing of it.
                continue
            template, values = _sales_template(
                notification.kind, code, record[0] if record is not None else None
            )
            # The record's page, for whoever sees the record (whatever their level on the
            # client); gone or no longer theirs: the client's page at full, else nothing.
            if record is not None and code in RECORD_PAGES:
                url = reverse(RECORD_PAGES[code], args=[record_id])
                url_label = _record_label(code)
        elif notification.kind in WORK_KINDS and client is not None:
            template, values = _work_template(notification.kind, params, names, client.pk, level)
            item = work_item_of(params, names, client.pk)
            # A work item has a page for who sees its client in full only.
            if item is not None and level == Level.FULL:
                url = reverse("work_item", args=[item[0]])
        else:
            template, values = _template(notification.kind, params, names, batch=many)
        client_name = client.display_name if client is not None else ""
        text = template % {**values, "client": client_name}
        escaped = {key: conditional_escape(value) for key, value in values.items()}
        if client_url is not None:
            escaped["client"] = format_html('<a href="{}">{}</a>', client_url, client_name)
        else:
            escaped["client"] = format_html("<strong>{}</strong>", client_name)
        # The template is translated text: escaped, then the escaped values put in.
        html = mark_safe(conditional_escape(template) % escaped)  # noqa: S308
        shown.append(
            ShownNotification(
                id=notification.pk,
                kind=notification.kind,
                label=label(notification.kind),
                text=text,
                html=html,
                created_at=notification.created_at,
                read_at=notification.read_at,
                actor_id=notification.actor_id,
                actor_name=notification.actor_name,
                client_id=client.pk if client is not None else None,
                client_name=client_name,
                client_level=None
                if client is None
                else ("full" if level == Level.FULL else "name"),
                client_url=client_url,
                url=url,
                url_label=url_label,
            )
        )
    return shown
