"""The access door as querysets: `Contact.objects.visible_to(colleague, level)` and the same
for the records that hang off a client (timeline items, documents, history events). The
rules are those of docs/access-rules.md; access/rules.py re-exports everything here.

For a colleague `u` and a client `c` of the same firm:
1. `u` inactive → none; 2. admin → full; 3. on `c`'s client team (owner through a roster
entry linked to `u`, manager, role holder, direct member, member of a team on the client
team), staffing `c`'s portfolio (directly or through a team), or holding a grant on `c`
(directly or through a team) → full; 4. limited scope → none, except a person with a
contact card at an organization the colleague reaches by rule 3, read by its privacy as in
rule 5; 5. public → full, private → name, hidden → none.

Query design (see `_linked_client_ids`): the personal links of rule 3 are one UNION ALL of
small subqueries, each answered by an index keyed on the colleague (or on their teams),
and the client table is then filtered by `id IN (that union)`. A limited colleague's list
is therefore a handful of index lookups whatever the size of the firm, and a full-scope
colleague's list is one pass over the firm's clients with the union hashed once
(`privacy = 'public' OR id IN (...)`). No join over a multi-valued relation appears in the
outer query, so no row is ever duplicated and no `distinct()` is needed.

This module sits below contacts/models.py (docs/architecture.md), whose managers are built
from the querysets here: it names the contact model only through the app registry.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol, Self, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from portefeuille.firms.models import Colleague, Privacy, TeamMembership

from .models import AccessGrant, ClientMember, PortfolioStaff, RoleAssignment

M = TypeVar("M", bound=models.Model)

# Stored values of contacts' TimelineItem.Kind.EMAIL and Contact.Kind.PERSON, which the
# share-communication rule reads (the models are a layer above; test_scopes pins them).
EMAIL_KIND = "email"
PERSON_KIND = "person"


class Level(enum.IntEnum):
    NONE = 0
    NAME = 1
    FULL = 2


# ---------------------------------------------------------------------------------------
# The Q objects of the rules.
# ---------------------------------------------------------------------------------------


def _contact_model() -> type[models.Model]:
    return apps.get_model("contacts", "Contact")


def _teams_of(colleague: Colleague) -> QuerySet[TeamMembership, int]:
    return TeamMembership.objects.filter(colleague_id=colleague.pk).values_list(
        "team_id", flat=True
    )


def _linked_client_ids(colleague: Colleague) -> QuerySet[models.Model, int]:
    """Ids of the clients `colleague` reaches through rule 3 (client team, portfolio, grant).

    SECURITY: this is a UNION ALL of independent subqueries, each selecting client ids only.
    Never rewrite it as chained `.filter()` calls over the multi-valued relations
    (members, grants, portfolio staff): each chained filter adds its own join, so a
    condition meant for one row can be satisfied by two different rows (a membership of
    one team and a grant of another), and the joins multiply rows. The result may contain
    duplicates; it is only ever used on the right of `id IN (...)`.
    """
    u = colleague.pk
    teams = _teams_of(colleague)
    clients = _contact_model()._default_manager
    # Direct and team staffing are two parts, not one OR: each is then an index lookup
    # the planner estimates well, and the clients of those few portfolios are fetched
    # through the contact_portfolio index instead of a scan of the client table.
    staffed = PortfolioStaff.objects.filter(colleague_id=u).values_list("portfolio_id", flat=True)
    team_staffed = PortfolioStaff.objects.filter(team_id__in=teams).values_list(
        "portfolio_id", flat=True
    )
    parts: list[QuerySet[models.Model, int]] = [
        clients.filter(owner__colleague_id=u).values_list("id", flat=True),
        clients.filter(manager_id=u).values_list("id", flat=True),
        RoleAssignment.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        ClientMember.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        ClientMember.objects.filter(team_id__in=teams).values_list("client_id", flat=True),
        clients.filter(portfolio_id__in=staffed).values_list("id", flat=True),
        clients.filter(portfolio_id__in=team_staffed).values_list("id", flat=True),
        AccessGrant.objects.filter(colleague_id=u).values_list("client_id", flat=True),
        AccessGrant.objects.filter(team_id__in=teams).values_list("client_id", flat=True),
    ]
    # Each part is ordered by nothing (compound statements refuse ORDER BY in members).
    parts = [part.order_by() for part in parts]
    first, *rest = parts
    return first.union(*rest, all=True)


def _card_person_ids(colleague: Colleague) -> QuerySet[models.Model, int]:
    """Ids of the persons with a contact card at an organization `colleague` reaches through
    rule 3: what a limited colleague reads of them is then decided by their privacy (rule 4
    of docs/access-rules.md, « CRM limité »).

    Like `_linked_client_ids`, one UNION ALL of small parts, one per way of reaching the
    organization, each a join from the card to it. Not `organization_id IN (that union)`:
    nested inside the OR of the access rules, PostgreSQL re-ran that inner union for every
    row (seconds per statement on a small firm)."""
    u = colleague.pk
    teams = _teams_of(colleague)
    staffed = PortfolioStaff.objects.filter(colleague_id=u).values_list("portfolio_id", flat=True)
    team_staffed = PortfolioStaff.objects.filter(team_id__in=teams).values_list(
        "portfolio_id", flat=True
    )
    cards = apps.get_model("contacts", "ContactCard")._default_manager.filter(
        firm_id=colleague.firm_id
    )
    reaches: list[dict[str, Any]] = [
        {"organization__owner__colleague_id": u},
        {"organization__manager_id": u},
        {"organization__role_assignments__colleague_id": u},
        {"organization__members__colleague_id": u},
        {"organization__members__team_id__in": teams},
        {"organization__portfolio_id__in": staffed},
        {"organization__portfolio_id__in": team_staffed},
        {"organization__grants__colleague_id": u},
        {"organization__grants__team_id__in": teams},
    ]
    first, *rest = [
        cards.filter(**reach).values_list("person_id", flat=True).order_by() for reach in reaches
    ]
    return first.union(*rest, all=True)


def _nothing(prefix: str) -> Q:
    # `pk__in=[]` is Django's "matches no row": the compiler drops it without a query.
    return Q(**{f"{prefix}pk__in": []})


def full_access_q(colleague: Colleague, prefix: str = "") -> Q:
    """The clients on which `colleague` has FULL access, as a Q on Contact (or, with
    `prefix="client__"`, on a model with a `client` foreign key). Always scoped to the
    colleague's firm."""
    if not colleague.is_active:
        return _nothing(prefix)
    in_firm = Q(**{f"{prefix}firm_id": colleague.firm_id})
    if colleague.is_admin:
        return in_firm
    linked = Q(**{f"{prefix}id__in": _linked_client_ids(colleague)})
    if colleague.is_limited:
        carded = Q(**{f"{prefix}id__in": _card_person_ids(colleague)})
        return in_firm & (linked | (Q(**{f"{prefix}privacy": Privacy.PUBLIC}) & carded))
    return in_firm & (Q(**{f"{prefix}privacy": Privacy.PUBLIC}) | linked)


def _name_access_q(colleague: Colleague, prefix: str = "") -> Q:
    """The clients on which `colleague` has at least NAME access."""
    if not colleague.is_active:
        return _nothing(prefix)
    if colleague.is_admin:
        return full_access_q(colleague, prefix)
    linked = Q(**{f"{prefix}id__in": _linked_client_ids(colleague)})
    seen_by_privacy = Q(**{f"{prefix}privacy__in": [Privacy.PUBLIC, Privacy.PRIVATE]})
    if colleague.is_limited:
        # A limited colleague reads by privacy only the persons on their organizations' cards.
        seen_by_privacy &= Q(**{f"{prefix}id__in": _card_person_ids(colleague)})
    return Q(**{f"{prefix}firm_id": colleague.firm_id}) & (seen_by_privacy | linked)


def access_q(colleague: Colleague, min_level: Level, prefix: str = "") -> Q:
    """The clients on which `colleague` has at least `min_level`, as a Q on Contact (or,
    with `prefix="client__"`, on a record with a `client` foreign key), scoped to the
    colleague's firm. For a query that must also keep rows without a client, OR it with
    `Q(client__isnull=True)`; otherwise use `visible_to`."""
    if min_level == Level.FULL:
        return full_access_q(colleague, prefix)
    if min_level == Level.NAME:
        return _name_access_q(colleague, prefix)
    raise ValueError("min_level must be Level.NAME or Level.FULL")


def _level_expression(colleague: Colleague) -> Case | Value:
    if not colleague.is_active:
        return Value(int(Level.NONE), IntegerField())
    whens = [When(full_access_q(colleague), then=Value(int(Level.FULL)))]
    if not colleague.is_admin:
        private = Q(firm_id=colleague.firm_id, privacy=Privacy.PRIVATE)
        if colleague.is_limited:
            private &= Q(id__in=_card_person_ids(colleague))
        whens.append(When(private, then=Value(int(Level.NAME))))
    return Case(*whens, default=Value(int(Level.NONE)), output_field=IntegerField())


# ---------------------------------------------------------------------------------------
# The share-communication rule (docs/access-rules.md, "Logged e-mails").
# ---------------------------------------------------------------------------------------


def hidden_emails_q(colleague: Colleague, prefix: str = "") -> Q:
    """Timeline items `colleague` may not read although they see the client in full: the
    e-mails logged on a person whose "share communication" is off, by someone else, unless
    `colleague` is an admin. With `prefix="email__"`, the same on a document's e-mail."""
    if colleague.is_admin:
        return _nothing(prefix)
    return Q(
        **{
            f"{prefix}kind": EMAIL_KIND,
            f"{prefix}client__kind": PERSON_KIND,
            f"{prefix}client__share_communication": False,
        }
    ) & ~Q(**{f"{prefix}author_id": colleague.pk})


class _Client(Protocol):
    kind: str
    share_communication: bool


def emails_shared(client: _Client) -> bool:
    """Whether the e-mails logged on this client are read by everyone who sees it in full
    (False: only by whoever logged each one, and by admins)."""
    return client.kind != PERSON_KIND or client.share_communication


# ---------------------------------------------------------------------------------------
# The querysets: the door itself.
# ---------------------------------------------------------------------------------------


def scope_clients(queryset: QuerySet[M], colleague: Colleague, min_level: Level) -> QuerySet[M]:
    """The clients of `queryset` that `colleague` sees at `min_level` or above."""
    q = access_q(colleague, Level(min_level))
    if not colleague.is_active:
        return queryset.none()
    return queryset.filter(q)


def scope_records(
    queryset: QuerySet[M], colleague: Colleague, min_level: Level, client_field: str
) -> QuerySet[M]:
    """The records of `queryset` whose client (`client_field`) `colleague` sees at
    `min_level` or above; records without a client are dropped."""
    q = access_q(colleague, Level(min_level), prefix=f"{client_field}__")
    if not colleague.is_active:
        return queryset.none()
    return queryset.filter(q)


class ClientQuerySet(QuerySet[M]):
    """The clients (Contact.objects), read through the access rules."""

    def visible_to(self, colleague: Colleague, min_level: Level = Level.NAME) -> Self:
        """The clients `colleague` sees at `min_level` or above (NAME by default); one SQL
        statement, chainable like any queryset."""
        return scope_clients(self, colleague, min_level)  # type: ignore[return-value]

    def with_level(self, colleague: Colleague) -> Self:
        """Adds `access_level` (0, 1 or 2, see Level) to each row, computed in SQL."""
        return self.annotate(access_level=_level_expression(colleague))


class ClientRecordQuerySet(QuerySet[M]):
    """Records that hang off a client (its foreign key is `client_field`): they are read at
    the reader's level on their client, in the reader's firm, then by the model's own
    rules (`_own_rules`)."""

    client_field = "client"
    # Records read only with FULL access to their client (notes, e-mails, documents).
    full_only = False

    def visible_to(
        self,
        colleague: Colleague,
        min_level: Level = Level.FULL,
        *,
        client_field: str | None = None,
    ) -> Self:
        """The records whose client `colleague` sees at `min_level` (FULL by default)."""
        if self.full_only and Level(min_level) != Level.FULL:
            raise ValueError("notes, e-mails and documents are read with FULL access only")
        field = client_field or self.client_field
        scoped: Self = scope_records(  # type: ignore[assignment]
            self.filter(firm_id=colleague.firm_id), colleague, min_level, field
        )
        hidden = self._own_rules(colleague)
        if hidden is not None and colleague.is_active and not colleague.is_admin:
            scoped = scoped.exclude(hidden)
        return scoped

    def _own_rules(self, colleague: Colleague) -> Q | None:
        """The records this (active, non-admin) colleague may not read although they see
        the client at the level asked; None: none."""
        return None


class TimelineItemQuerySet(ClientRecordQuerySet[M]):
    """Notes and logged e-mails: FULL access to the client, and the share-communication
    rule on e-mails."""

    full_only = True

    def _own_rules(self, colleague: Colleague) -> Q | None:
        return hidden_emails_q(colleague)


class DocumentQuerySet(ClientRecordQuerySet[M]):
    """Documents: FULL access to the client; an attachment of an e-mail the reader may
    not read (share-communication rule) is hidden with it."""

    full_only = True

    def _own_rules(self, colleague: Colleague) -> Q | None:
        return Q(email__isnull=False) & hidden_emails_q(colleague, "email__")


class WorkItemQuerySet(ClientRecordQuerySet[M]):
    """Work items: read at the reader's level on their client. NAME shows the title and the
    status only (docs/access-rules.md); everything else of an item needs FULL."""

    def visible_to(
        self,
        colleague: Colleague,
        min_level: Level = Level.NAME,
        *,
        client_field: str | None = None,
    ) -> Self:
        """The items whose client `colleague` sees at `min_level` (NAME by default)."""
        return super().visible_to(colleague, min_level, client_field=client_field)

    def with_client_level(self, colleague: Colleague) -> Self:
        """Adds `client_level` (Level.NAME or Level.FULL, computed in SQL) to each row; use
        it on rows already scoped with `visible_to`."""
        return self.annotate(
            client_level=Case(
                When(full_access_q(colleague, prefix="client__"), then=Value(int(Level.FULL))),
                default=Value(int(Level.NAME)),
                output_field=IntegerField(),
            )
        )


class TaskQuerySet(ClientRecordQuerySet[M]):
    """Tasks of work items: FULL access to the work item's client, whoever the assignee is
    (assigning a task grants nothing)."""

    client_field = "work_item__client"
    full_only = True


class SalesRecordQuerySet(ClientRecordQuerySet[M]):
    """Opportunities, projects and invoices (docs/sales.md): read in full by whoever sees
    their client in full, and — opportunities and projects — by their own people (an
    opportunity's assignees, a project's manager and collaborators), whatever their level on
    the client: those see the record and its client's name, nothing else of the client.
    There is no name-only view of these records. An invoice's responsible (a custom field)
    grants nothing."""

    full_only = True

    def visible_to(
        self,
        colleague: Colleague,
        min_level: Level = Level.FULL,
        *,
        client_field: str | None = None,
    ) -> Self:
        if Level(min_level) != Level.FULL:
            raise ValueError("sales records are read in full or not at all")
        if not colleague.is_active:
            return self.none()
        field = client_field or self.client_field
        q = full_access_q(colleague, prefix=f"{field}__")
        people = self._people_q(colleague)
        if people is not None and not colleague.is_admin:
            q |= people
        return self.filter(firm_id=colleague.firm_id).filter(q)

    def _people_q(self, colleague: Colleague) -> Q | None:
        """The records this colleague sees through their own place on them (None: no such
        path)."""
        return None

    def with_client_level(self, colleague: Colleague) -> Self:
        """Adds `client_level`: Level.FULL when the reader sees the client in full (its page
        may be linked), else Level.NAME (they see the record through their place on it, and
        its client's name only). Use it on rows scoped with `visible_to`."""
        return self.annotate(
            client_level=Case(
                When(full_access_q(colleague, prefix="client__"), then=Value(int(Level.FULL))),
                default=Value(int(Level.NAME)),
                output_field=IntegerField(),
            )
        )


class OpportunityQuerySet(SalesRecordQuerySet[M]):
    def _people_q(self, colleague: Colleague) -> Q | None:
        return Q(assignee_id=colleague.pk) | Q(second_assignee_id=colleague.pk)


class ProjectQuerySet(SalesRecordQuerySet[M]):
    def _people_q(self, colleague: Colleague) -> Q | None:
        collaborating = (
            apps.get_model("sales", "ProjectCollaborator")
            ._default_manager.filter(colleague_id=colleague.pk)
            .values_list("project_id", flat=True)
        )
        return Q(manager_id=colleague.pk) | Q(id__in=collaborating)


class InvoiceQuerySet(SalesRecordQuerySet[M]):
    """Invoices: FULL access to the client only."""


class TicketQuerySet(QuerySet[M]):
    """Shared-inbox tickets (docs/inbox.md): seen in full by whoever sees their client in
    full, by their assignee, and — a ticket with no client yet — by every active colleague of
    the firm with full scope (a limited colleague sees only those assigned to them or on
    their clients)."""

    def visible_to(self, colleague: Colleague, min_level: Level = Level.FULL) -> Self:
        if Level(min_level) != Level.FULL:
            raise ValueError("tickets are read in full or not at all")
        if not colleague.is_active:
            return self.none()
        mine = self.filter(firm_id=colleague.firm_id)
        if colleague.is_admin:
            return mine
        q = (Q(client__isnull=False) & full_access_q(colleague, prefix="client__")) | Q(
            assignee_id=colleague.pk
        )
        if not colleague.is_limited:
            q |= Q(client__isnull=True)
        return mine.filter(q)

    def with_client_level(self, colleague: Colleague) -> Self:
        """Adds `client_level`: Level.FULL when the reader sees the client in full, else
        Level.NAME (no client: Level.NONE)."""
        return self.annotate(
            client_level=Case(
                When(client__isnull=True, then=Value(int(Level.NONE))),
                When(full_access_q(colleague, prefix="client__"), then=Value(int(Level.FULL))),
                default=Value(int(Level.NAME)),
                output_field=IntegerField(),
            )
        )


class TicketMessageQuerySet(QuerySet[M]):
    """A ticket's messages (e-mails in, replies, internal notes): with their ticket."""

    def visible_to(self, colleague: Colleague, min_level: Level = Level.FULL) -> Self:
        manager: Any = apps.get_model("inbox", "Ticket")._default_manager
        tickets = manager.visible_to(colleague, min_level)
        return self.filter(firm_id=colleague.firm_id, ticket_id__in=tickets.values("id"))
