"""Who held a client, and when (docs/ownership-history.md): the owner, the manager, each
titled role slot and each member of a client team as spans of time, read from the history
events — every team change is one (access/services/), with its before/after references
and its moment, exact to the second. No table of its own.

- `client_spans(reader, client)`: every span of one client, oldest first
  (`spans_of_read_client` for a row the caller has just read through the door);
- `holders_on(reader, client, moment)`: its team at that moment;
- `held_by(reader, colleague=… | owner=…, start, end, role)`: the clients a colleague (or
  an owner roster entry) held in a period ("clients owned by X during 2025-Q3").

A span is half-open, [start, end): at the second of a change the new holder holds. A
holder set before any recorded event (a client created before its history was kept) holds
from the client's creation; a holder that left with no event on the client (their colleague
or team deleted) is closed at that deletion's event; any other gap between the events and
the client's current team is closed, or opened, at the client's last event, and marked
`inferred`.

SECURITY: a reader sees the history of the clients they see in full now, and nothing of any
other (absent from `held_by`, a 404 for `client_spans`): the events are read through
`audit.queries.readable_events`, the clients through the access door. A titled role slot's
history shows under its current title; an untitled slot shows nowhere (docs/access-rules.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from portefeuille.access import rules
from portefeuille.access.models import ClientMember, OwnerEntry, RoleAssignment
from portefeuille.access.rules import Level
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.queries import readable_events
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, RoleSlot

OWNER = "owner"
MANAGER = "manager"
ROLE = "role"
MEMBER = "member"
ROLES = (OWNER, MANAGER, ROLE, MEMBER)

# The events that change a client team, and the firm's events that end places silently.
TEAM_ACTIONS = (
    "client.created",
    "client.owner_changed",
    "client.manager_changed",
    "client.role_changed",
    "client.member_added",
    "client.member_removed",
)
DELETIONS = ("colleague.deleted", "team.deleted")


@dataclass(frozen=True)
class Holder:
    """Who held a place: a roster entry ("owner"), a colleague or a team, with the name the
    history recorded (kept after a rename or a deletion)."""

    kind: str  # "owner", "colleague" or "team"
    id: int
    name: str


@dataclass(frozen=True)
class Span:
    client_id: int
    role: str  # OWNER, MANAGER, ROLE or MEMBER
    holder: Holder
    start: datetime.datetime
    end: datetime.datetime | None  # exclusive; None: holds it still
    slot: int | None = None  # the role slot's number (ROLE only)
    title: str = ""  # the role slot's current title (ROLE only)
    inferred: bool = False  # an edge not given by an event (see the module docstring)

    def holds_at(self, moment: datetime.datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    def overlaps(self, start: datetime.datetime | None, end: datetime.datetime | None) -> bool:
        """Whether the span meets [start, end) (None: unbounded on that side)."""
        return (end is None or self.start < end) and (
            start is None or self.end is None or self.end > start
        )


@dataclass
class Team:
    """A client team at one moment."""

    owner: Holder | None = None
    manager: Holder | None = None
    roles: dict[int, Holder] = field(default_factory=dict)
    members: list[Holder] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# From events to spans.
# ---------------------------------------------------------------------------------------

# A place on a client team: (role, slot number for ROLE, member key for MEMBER).
Place = tuple[str, int | None, tuple[str, int] | None]


def _holder(ref: Any, kind: str) -> Holder | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), int):
        return None
    return Holder(kind=kind, id=ref["id"], name=str(ref.get("name", "")))


def _member(ref: Any) -> Holder | None:
    if not isinstance(ref, dict):
        return None
    if "colleague" in ref:
        return _holder(ref["colleague"], "colleague")
    return _holder(ref.get("team"), "team")


def _changes(event: AuditEvent) -> list[tuple[Place, Holder | None, Holder | None]]:
    """(place, before, after) for each place the event changes."""
    before: dict[str, Any] = event.before if isinstance(event.before, dict) else {}
    after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
    action = event.action
    if action == "client.created":
        return [
            ((OWNER, None, None), None, _holder(after.get("owner"), "owner")),
            ((MANAGER, None, None), None, _holder(after.get("manager"), "colleague")),
        ]
    if action == "client.owner_changed":
        return [
            (
                (OWNER, None, None),
                _holder(before.get("owner"), "owner"),
                _holder(after.get("owner"), "owner"),
            )
        ]
    if action == "client.manager_changed":
        return [
            (
                (MANAGER, None, None),
                _holder(before.get("manager"), "colleague"),
                _holder(after.get("manager"), "colleague"),
            )
        ]
    if action == "client.role_changed":
        role_before = before.get("role") or {}
        role_after = after.get("role") or {}
        slot = role_after.get("slot", role_before.get("slot"))
        if not isinstance(slot, int):
            return []
        return [
            (
                (ROLE, slot, None),
                _holder(role_before.get("colleague"), "colleague"),
                _holder(role_after.get("colleague"), "colleague"),
            )
        ]
    if action in ("client.member_added", "client.member_removed"):
        added = action == "client.member_added"
        member = _member((after if added else before).get("member"))
        if member is None:
            return []
        place: Place = (MEMBER, None, (member.kind, member.id))
        return [(place, None, member) if added else (place, member, None)]
    return []


@dataclass
class _Client:
    """What the spans of one client are built from."""

    pk: int
    created_at: datetime.datetime
    live: dict[Place, Holder] = field(default_factory=dict)
    events: list[AuditEvent] = field(default_factory=list)


def _same(a: Holder | None, b: Holder | None) -> bool:
    return (a is None) == (b is None) and (
        a is None or b is None or (a.kind, a.id) == (b.kind, b.id)
    )


def _place_spans(
    client: _Client,
    place: Place,
    changes: list[tuple[datetime.datetime, Holder | None, Holder | None, bool]],
    deleted: dict[tuple[str, int], datetime.datetime],
) -> list[Span]:
    role, slot, _key = place
    spans: list[Span] = []
    live = client.live.get(place)

    def close(
        holder: Holder, start: datetime.datetime, end: datetime.datetime | None, inferred: bool
    ) -> None:
        if end is None or end > start:
            spans.append(Span(client.pk, role, holder, start, end, slot=slot, inferred=inferred))

    if changes:
        created = changes[0][3]
        current = changes[0][2] if created else changes[0][1]
        start = changes[0][0] if created else client.created_at
        inferred = not created
        steps = changes[1:] if created else changes
    else:
        current, start, inferred, steps = live, client.created_at, True, []
    for moment, _before, after, _created in steps:
        if _same(current, after):
            continue
        if current is not None:
            close(current, start, moment, inferred)
        current, start, inferred = after, moment, False
    if _same(current, live):
        if current is not None:
            close(current, start, None, inferred)
        return spans
    # The events do not end where the team is now: something changed it without an event.
    last = max([client.created_at, *(event.created_at for event in client.events)])
    if current is not None:
        gone = deleted.get((current.kind, current.id))
        if gone is not None and gone >= start:
            close(current, start, gone, inferred)
            last = gone
        else:
            close(current, start, max(last, start), True)
    if live is not None:
        spans.append(Span(client.pk, role, live, last, None, slot=slot, inferred=True))
    return spans


def _spans(client: _Client, deleted: dict[tuple[str, int], datetime.datetime]) -> list[Span]:
    by_place: dict[Place, list[tuple[datetime.datetime, Holder | None, Holder | None, bool]]] = (
        defaultdict(list)
    )
    for event in client.events:
        for place, before, after in _changes(event):
            by_place[place].append(
                (event.created_at, before, after, event.action == "client.created")
            )
    spans: list[Span] = []
    for place in {*by_place, *client.live}:
        spans.extend(_place_spans(client, place, by_place.get(place, []), deleted))
    return spans


# What `_load` needs of a client row to name its owner and manager as they are now.
TEAM_ROW = ("owner__colleague", "manager")


def _load(
    reader: Colleague, clients: list[Contact], *, with_team: bool = False
) -> dict[int, list[Span]]:
    """The spans of each client (all seen in full by the reader), in a fixed number of
    queries whatever their number; untitled role slots left out, titles added. With
    `with_team`, the rows were read with their owner and manager joined in (TEAM_ROW) and
    are not read again."""
    if not clients:
        return {}
    ids = [client.pk for client in clients]
    firm_id = reader.firm_id
    found = {client.pk: _Client(client.pk, client.created_at) for client in clients}
    # The team as it is now, named as it is now (for holders no event names).
    rows = clients if with_team else Contact.objects.filter(pk__in=ids).select_related(*TEAM_ROW)
    for client in rows:
        live = found[client.pk].live
        if client.owner is not None:
            live[(OWNER, None, None)] = Holder("owner", client.owner.pk, str(client.owner))
        if client.manager is not None:
            live[(MANAGER, None, None)] = Holder(
                "colleague", client.manager.pk, client.manager.full_name
            )
    for assignment in RoleAssignment.objects.filter(client_id__in=ids).select_related("colleague"):
        found[assignment.client_id].live[(ROLE, assignment.slot, None)] = Holder(
            "colleague", assignment.colleague_id, assignment.colleague.full_name
        )
    for member in ClientMember.objects.filter(client_id__in=ids).select_related(
        "colleague", "team"
    ):
        if member.colleague is not None:
            holder = Holder("colleague", member.colleague.pk, member.colleague.full_name)
        elif member.team is not None:
            holder = Holder("team", member.team.pk, member.team.name)
        else:
            continue
        found[member.client_id].live[(MEMBER, None, (holder.kind, holder.id))] = holder
    for event in (
        readable_events(reader)
        .filter(client_id__in=ids, action__in=TEAM_ACTIONS)
        .order_by("created_at", "id")
    ):
        assert event.client_id is not None
        found[event.client_id].events.append(event)
    deleted: dict[tuple[str, int], datetime.datetime] = {}
    for event in AuditEvent.objects.filter(firm_id=firm_id, action__in=DELETIONS).order_by(
        "created_at", "id"
    ):
        kind = "colleague" if event.action == "colleague.deleted" else "team"
        ref = (event.before or {}).get(kind) if isinstance(event.before, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("id"), int):
            deleted[(kind, ref["id"])] = event.created_at
    titles = dict(
        RoleSlot.objects.filter(firm_id=firm_id).exclude(title="").values_list("number", "title")
    )
    result: dict[int, list[Span]] = {}
    for pk, built in found.items():
        spans = []
        for span in _spans(built, deleted):
            if span.role == ROLE:
                if span.slot not in titles:
                    continue
                span = replace(span, title=titles[span.slot])
            spans.append(span)
        spans.sort(key=lambda s: (ROLES.index(s.role), s.slot or 0, s.start, s.holder.name))
        result[pk] = spans
    return result


# ---------------------------------------------------------------------------------------
# The questions.
# ---------------------------------------------------------------------------------------


def client_spans(reader: Colleague, client: Contact | int) -> list[Span]:
    """Every span of one client, by role then oldest first. A client the reader does not
    see in full now is an Http404, like an unknown one."""
    pk = client.pk if isinstance(client, Contact) else client
    found = rules.get_client(
        reader, pk, Level.FULL, queryset=Contact.objects.select_related(*TEAM_ROW)
    )
    return spans_of_read_client(reader, found)


def spans_of_read_client(reader: Colleague, client: Contact) -> list[Span]:
    """`client_spans` of a client the caller has just read through the access door, at
    Level.FULL for `reader` (rules.get_client), with TEAM_ROW joined in — as the contact
    page's loader does (contacts/views_details.py::load_contact): its row is not read
    again. Never pass a row read otherwise: this does not check access."""
    if client.firm_id != reader.firm_id:  # a row of another firm is never the reader's
        raise Http404
    return _load(reader, [client], with_team=True).get(client.pk, [])


def holders_on(reader: Colleague, client: Contact | int, moment: datetime.datetime) -> Team:
    """The client's team at `moment` (to the second), as its history tells it."""
    team = Team()
    for span in client_spans(reader, client):
        if not span.holds_at(moment):
            continue
        if span.role == OWNER:
            team.owner = span.holder
        elif span.role == MANAGER:
            team.manager = span.holder
        elif span.role == ROLE and span.slot is not None:
            team.roles[span.slot] = span.holder
        else:
            team.members.append(span.holder)
    return team


def _mentions(colleague_id: int | None, owner_ids: Iterable[int]) -> Q:
    """Team events whose references name the colleague or one of the roster entries."""
    q = Q(pk__in=[])
    owner_ids = list(owner_ids)
    if owner_ids:
        q |= Q(before__owner__id__in=owner_ids) | Q(after__owner__id__in=owner_ids)
    if colleague_id is not None:
        for path in ("manager__id", "role__colleague__id", "member__colleague__id"):
            q |= Q(**{f"before__{path}": colleague_id}) | Q(**{f"after__{path}": colleague_id})
    return q


@dataclass(frozen=True)
class Held:
    """A span of a client held by the colleague or the roster entry asked about."""

    client: Contact
    span: Span


def _who(
    reader: Colleague, colleague: Colleague | None, owner: OwnerEntry | int | None
) -> tuple[set[int], int | None]:
    """The roster entries and the colleague asked about."""
    if (colleague is None) == (owner is None):
        raise ValueError("held_by takes a colleague or an owner entry")
    if colleague is not None:
        entries = OwnerEntry.objects.filter(firm_id=reader.firm_id, colleague=colleague)
        return set(entries.values_list("pk", flat=True)), colleague.pk
    assert owner is not None
    return {owner.pk if isinstance(owner, OwnerEntry) else int(owner)}, None


def held_clients(
    reader: Colleague,
    *,
    colleague: Colleague | None = None,
    owner: OwnerEntry | int | None = None,
) -> QuerySet[Contact]:
    """The clients, seen in full by the reader now, that the colleague (or the roster
    entry) holds now or that a history event names them on: those `held_in` looks at."""
    owner_ids, colleague_id = _who(reader, colleague, owner)
    mentioned = (
        readable_events(reader)
        .filter(action__in=TEAM_ACTIONS)
        .filter(_mentions(colleague_id, owner_ids))
        .values("client_id")
    )
    now_q = Q(owner_id__in=owner_ids)
    if colleague_id is not None:
        now_q |= (
            Q(manager_id=colleague_id)
            | Q(role_assignments__colleague_id=colleague_id)
            | Q(members__colleague_id=colleague_id)
        )
    return (
        rules.visible_clients(reader, Level.FULL)
        .filter(Q(pk__in=mentioned) | Q(pk__in=Contact.objects.filter(now_q).values("pk")))
        .only("id", "firm_id", "display_name", "search_name", "created_at")
    )


def held_in(
    reader: Colleague,
    clients: list[Contact],
    *,
    colleague: Colleague | None = None,
    owner: OwnerEntry | int | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    role: str | None = None,
) -> list[Held]:
    """Of `clients` (from `held_clients`), the spans held by the colleague or the entry
    that meet [start, end), in the order of `clients`."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    owner_ids, colleague_id = _who(reader, colleague, owner)
    spans = _load(reader, clients)

    def mine(span: Span) -> bool:
        if span.holder.kind == "owner":
            return span.holder.id in owner_ids
        return span.holder.kind == "colleague" and span.holder.id == colleague_id

    return [
        Held(client, span)
        for client in clients
        for span in spans.get(client.pk, [])
        if mine(span) and (role is None or span.role == role) and span.overlaps(start, end)
    ]


def held_by(
    reader: Colleague,
    *,
    colleague: Colleague | None = None,
    owner: OwnerEntry | int | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    role: str | None = None,
) -> list[Held]:
    """The clients the colleague held — as owner (through their roster entry), manager,
    holder of a titled role or direct member — or the roster entry held as owner, at any
    moment of [start, end) (None: unbounded), among the clients the reader sees in full
    now; `role` keeps one of OWNER, MANAGER, ROLE, MEMBER. By client name, then role, then
    time. "Clients owned by X during 2025-Q3": `held_by(reader, colleague=x, role=OWNER,
    start=<1 July 2025 00:00>, end=<1 October 2025 00:00>)`."""
    clients = list(
        held_clients(reader, colleague=colleague, owner=owner).order_by("search_name", "id")
    )
    return held_in(
        reader, clients, colleague=colleague, owner=owner, start=start, end=end, role=role
    )
