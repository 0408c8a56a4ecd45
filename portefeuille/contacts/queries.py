"""The contacts page read model: filtered, keyset-paged rows with their related contacts and
work counts, in a constant number of queries per page, every read through access.rules.

SECURITY: a row the viewer sees by name only (a private client off their team) carries its
name and nothing else; filters other than the search and the privacy therefore only match
rows the viewer sees in full (filtering name-only rows by type, kind or team would tell
what the row may not show), and the "inactive hidden" default never looks at the type of a
name-only row. Such a row's related contacts are not read at all, and a related contact seen
by name only carries its name without its kind.

An untitled role slot shows nowhere (docs/access-rules.md): role filters and "Mes contacts" only
count holders of titled slots. Its holders keep their access all the same (access.rules).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from portefeuille.access import coverage, rules
from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.access.rules import Level
from portefeuille.api import pagination
from portefeuille.firms.models import (
    Colleague,
    ContactType,
    Privacy,
    RoleSlot,
    TeamMembership,
    WorkStatus,
)
from portefeuille.work.models import WorkItem

from .models import Contact, ContactCard, GroupMembership, normalise_for_search

PAGE_SIZE = 50
# A row lists at most this many related contacts, then "et N autres".
RELATED_SHOWN = 5

VIEWS = ("mine", "person", "organization", "client_group", "all")
KINDS = {Contact.Kind.PERSON, Contact.Kind.ORGANIZATION, Contact.Kind.CLIENT_GROUP}


@dataclass(frozen=True)
class ContactFilters:
    """What the contacts page asks for; ids are of the viewer's firm or match nothing."""

    view: str = "all"
    q: str = ""
    kind: str = ""
    contact_type: int | None = None
    owner: int | None = None
    manager: int | None = None
    role_slot: int | None = None
    role_holder: int | None = None
    member: int | None = None
    portfolio: int | None = None
    privacy: str = ""
    include_inactive: bool = False
    # Members of this client group (seen in full); each member is then shown at the
    # viewer's own level on it, like any row, so this filter does not need full access.
    group: int | None = None
    # A gap of the coverage monitor (access/coverage.py: no_owner, inactive_owner,
    # no_manager, empty_team): the active clients with it, whatever `include_inactive` says.
    coverage: str = ""
    # Custom field filters (docs/custom-fields.md): their `cf_…` parameters, and the
    # condition the caller built from them (customfields/queries.py::custom_filter_q). A
    # custom value is a fact of the client: only rows seen in full are filtered by it.
    custom: tuple[tuple[str, str], ...] = ()
    custom_q: Q | None = field(default=None, compare=False)

    @property
    def needs_full_access(self) -> bool:
        """Whether a filter looks at more than the name and privacy of a row."""
        return (
            self.view != "all"
            or bool(self.kind)
            or bool(self.coverage)
            or self.custom_q is not None
            or any(
                value is not None
                for value in (
                    self.contact_type,
                    self.owner,
                    self.manager,
                    self.role_slot,
                    self.role_holder,
                    self.member,
                    self.portfolio,
                )
            )
        )


def _team_clients(colleague_id: int) -> Q:
    """Clients with this colleague as a direct member or through a team on the client team."""
    teams = TeamMembership.objects.filter(colleague_id=colleague_id).values("team_id")
    members = ClientMember.objects.filter(
        Q(colleague_id=colleague_id) | Q(team_id__in=teams)
    ).values("client_id")
    return Q(id__in=members)


def titled_roles(firm_id: int) -> QuerySet[RoleAssignment]:
    """The role assignments of the firm whose slot has a title: the only ones a filter or a
    team list may show (an untitled slot shows nowhere; its holders keep their access)."""
    titled = RoleSlot.objects.filter(firm_id=firm_id).exclude(title="").values("number")
    return RoleAssignment.objects.filter(firm_id=firm_id, slot__in=titled)


def mine_q(colleague: Colleague) -> Q:
    """ "Mes contacts": the colleague owns the client or is on its client team (manager,
     holder of a titled role, member directly or through a team) — not portfolios or grants
    . The client team shows titled roles only (docs/access-rules.md), so holding an
     untitled slot does not make a client "mine" (it still gives access)."""
    held = titled_roles(colleague.firm_id).filter(colleague_id=colleague.pk).values("client_id")
    return (
        Q(owner__colleague_id=colleague.pk)
        | Q(manager_id=colleague.pk)
        | Q(id__in=held)
        | _team_clients(colleague.pk)
    )


def search(queryset: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    """Every word of `text`, accents and case ignored, within the name (search_name)."""
    for word in normalise_for_search(text).split():
        queryset = queryset.filter(search_name__contains=word)
    return queryset


def filtered_contacts(actor: Colleague, filters: ContactFilters) -> QuerySet[Contact]:
    """The contacts the viewer sees that match the filters (not ordered, not annotated)."""
    min_level = Level.FULL if filters.needs_full_access else Level.NAME
    contacts = rules.visible_clients(actor, min_level)
    kind = filters.view if filters.view in KINDS else filters.kind
    if kind:
        contacts = contacts.filter(kind=kind)
    if filters.view == "mine":
        contacts = contacts.filter(mine_q(actor))
    contacts = search(contacts, filters.q)
    if filters.privacy:
        contacts = contacts.filter(privacy=filters.privacy)
    if filters.contact_type is not None:
        contacts = contacts.filter(contact_type_id=filters.contact_type)
    if filters.owner is not None:
        contacts = contacts.filter(owner_id=filters.owner)
    if filters.manager is not None:
        contacts = contacts.filter(manager_id=filters.manager)
    if filters.portfolio is not None:
        contacts = contacts.filter(portfolio_id=filters.portfolio)
    if filters.role_slot is not None or filters.role_holder is not None:
        # An untitled slot is not a filter: it matches nothing, even with a holder given.
        roles = titled_roles(actor.firm_id)
        if filters.role_slot is not None:
            roles = roles.filter(slot=filters.role_slot)
        if filters.role_holder is not None:
            roles = roles.filter(colleague_id=filters.role_holder)
        contacts = contacts.filter(id__in=roles.values("client_id"))
    if filters.member is not None:
        contacts = contacts.filter(_team_clients(filters.member))
    if filters.coverage in coverage.GAPS:
        contacts = contacts.filter(coverage.coverage_q(filters.coverage, actor.firm_id))
    if filters.custom_q is not None:
        contacts = contacts.filter(filters.custom_q)
    if filters.group is not None:
        groups = rules.visible_clients(actor, Level.FULL).filter(pk=filters.group)
        contacts = contacts.filter(
            id__in=GroupMembership.objects.filter(group__in=groups).values("member_id")
        )
    if not filters.include_inactive and filters.contact_type is None:
        archived = Q(
            contact_type_id__in=ContactType.objects.filter(
                firm_id=actor.firm_id, is_archive=True
            ).values("pk")
        )
        # SECURITY: only rows seen in full are judged by their type (see the docstring).
        contacts = contacts.filter(~archived | ~rules.full_access_q(actor))
    return contacts


# ---------------------------------------------------------------------------------------
# Work counts: per status, as the contact's Work tab lists them.
# ---------------------------------------------------------------------------------------


def work_statuses(actor: Colleague) -> list[WorkStatus]:
    """The firm's work statuses, in board order (the columns of the "Travail" counts)."""
    return list(WorkStatus.objects.filter(firm_id=actor.firm_id).order_by("position", "name"))


def work_counts(actor: Colleague, contacts: list[Contact]) -> dict[int, dict[int, int]]:
    """For each contact (all seen in full by the viewer): its work items counted per status
    id, in one SQL statement for the whole page (never one query per row).

    A person's or organisation's row counts its own items. A client group's row counts the
    items of its Work tab (work/queries.py::group_items_q, docs/work.md): the group's own,
    and those of its members that name the group — or name no group when the member is in
    this group only. SECURITY: each item is counted at the viewer's level on its own client
    (a hidden member's items are not counted; a name-only member's items are, as their
    status is what NAME shows), through the work door."""
    ids = [c.pk for c in contacts]
    if not ids:
        return {}
    groups = [c.pk for c in contacts if c.kind == Contact.Kind.CLIENT_GROUP]
    items = WorkItem.objects.visible_to(actor, Level.NAME).order_by()
    own = (
        items.filter(client_id__in=ids)
        .values_list("client_id", "status_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    found: QuerySet[Any] = own
    if groups:
        group_count = (
            GroupMembership.objects.filter(member_id=OuterRef("client_id"))
            .order_by()
            .values("member_id")
            .annotate(n=Count("*"))
            .values("n")
        )
        # One filter() call: the membership join is the one the group id is read from.
        of_members = (
            items.annotate(member_groups=Subquery(group_count))
            .filter(
                Q(client__group_links__group_id__in=groups)
                & (
                    Q(client_group_id=F("client__group_links__group_id"))
                    | Q(client_group__isnull=True, member_groups=1)
                )
            )
            .values_list("client__group_links__group_id", "status_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        found = own.union(of_members, all=True)
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for contact_id, status_id, n in found:
        by_status = counts[contact_id]
        by_status[status_id] = by_status.get(status_id, 0) + n
    return counts


# ---------------------------------------------------------------------------------------
# Related contacts: cards, primary contacts... each filtered by the viewer's level.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedContact:
    pk: int
    name: str
    kind: str  # "" when seen by name only: the name and nothing else (docs/access-rules.md)
    level: int  # Level.NAME or Level.FULL; hidden ones never become a RelatedContact
    role: str = ""
    relation: str = ""  # "card", "group", "member"

    @property
    def full(self) -> bool:
        return self.level >= Level.FULL

    @classmethod
    def of(cls, row: Any, **extra: Any) -> RelatedContact:
        """From a contact annotated with `access_level` (at least NAME). SECURITY: a
        name-only contact keeps its name only: no kind, and no role (a card's role tells
        about both sides)."""
        if row.access_level >= Level.FULL:
            return cls(pk=row.pk, name=row.display_name, kind=row.kind, level=Level.FULL, **extra)
        extra.pop("role", None)
        return cls(pk=row.pk, name=row.display_name, kind="", level=Level.NAME, **extra)


def related_contacts(actor: Colleague, contacts: list[Contact]) -> dict[int, list[RelatedContact]]:
    """For each contact (all seen in full by the viewer): the organizations of a person's
    cards and its groups, the persons involved in an organization and its groups, the
    members of a group. Three queries whatever the number of contacts."""
    ids = [c.pk for c in contacts]
    if not ids:
        return {}
    links: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for person_id, organization_id, role in ContactCard.objects.filter(
        Q(person_id__in=ids) | Q(organization_id__in=ids)
    ).values_list("person_id", "organization_id", "role"):
        if person_id in ids:
            links[person_id].append((organization_id, role, "card"))
        if organization_id in ids:
            links[organization_id].append((person_id, role, "card"))
    for group_id, member_id in GroupMembership.objects.filter(
        Q(group_id__in=ids) | Q(member_id__in=ids)
    ).values_list("group_id", "member_id"):
        if group_id in ids:
            links[group_id].append((member_id, "", "member"))
        if member_id in ids:
            links[member_id].append((group_id, "", "group"))
    wanted = {other for found in links.values() for other, _role, _rel in found}
    if not wanted:
        return {}
    others = {
        row.pk: row
        for row in rules.annotate_level(
            actor, rules.visible_clients(actor, Level.NAME).filter(pk__in=wanted)
        ).only("id", "display_name", "search_name", "kind")
    }
    result: dict[int, list[RelatedContact]] = {}
    for contact_id, found in links.items():
        shown = [
            RelatedContact.of(others[other], role=role, relation=relation)
            for other, role, relation in found
            if other in others  # SECURITY: hidden from the viewer: not shown at all
        ]
        shown.sort(key=lambda r: (normalise_for_search(r.name), r.pk))
        result[contact_id] = shown
    return result


# ---------------------------------------------------------------------------------------
# The page.
# ---------------------------------------------------------------------------------------


# The contacts page's keyset: its cursor holds the last row's (search_name, id).
PAGE_ORDER = ("search_name", "id")


@dataclass
class ContactRow:
    contact: Any  # a Contact annotated with access_level
    related: list[RelatedContact] = field(default_factory=list)
    related_more: int = 0
    work_counts: list[tuple[WorkStatus, int]] = field(default_factory=list)
    # The custom fields shown as columns, for a row seen in full (set by the page).
    custom: list[Any] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return bool(self.contact.access_level >= Level.FULL)


@dataclass
class ContactPage:
    rows: list[ContactRow]
    statuses: list[WorkStatus]
    next_cursor: str | None


def contact_page(
    actor: Colleague,
    filters: ContactFilters,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> ContactPage:
    """One page of the contacts page, ordered by name (keyset paging: the cursor is the
    last row's (search_name, id), never an offset). At most six queries."""
    limit = limit or PAGE_SIZE
    statuses = work_statuses(actor)
    contacts = filtered_contacts(actor, filters)
    # No cursor, or a malformed one: the first page.
    with contextlib.suppress(pagination.InvalidCursor):
        cursor = pagination.decode_cursor(after or "", (str, int))
        contacts = contacts.filter(pagination.after(PAGE_ORDER, cursor))
    found = list(
        rules.annotate_level(actor, contacts)
        .select_related("contact_type")
        .only(
            "id",
            "firm_id",
            "kind",
            "display_name",
            "search_name",
            "privacy",
            "avatar",
            "contact_type__name",
            "contact_type__is_archive",
        )
        .order_by(*PAGE_ORDER)[: limit + 1]
    )
    has_next = len(found) > limit
    found = found[:limit]
    full: list[Contact] = [c for c in found if c.access_level >= Level.FULL]
    related = related_contacts(actor, full)
    counts = work_counts(actor, full)
    rows: list[ContactRow] = []
    for contact in found:
        row = ContactRow(contact=contact)
        if row.full:
            everything = related.get(contact.pk, [])
            row.related = everything[:RELATED_SHOWN]
            row.related_more = max(0, len(everything) - RELATED_SHOWN)
            mine = counts.get(contact.pk, {})
            row.work_counts = [(s, mine.get(s.pk, 0)) for s in statuses]
        rows.append(row)
    next_cursor = (
        pagination.encode_cursor([found[-1].search_name, found[-1].pk]) if has_next else None
    )
    return ContactPage(rows=rows, statuses=statuses, next_cursor=next_cursor)


PRIVACY_VALUES = {value for value, _label in Privacy.choices}
