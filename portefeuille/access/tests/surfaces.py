"""Everything that shows a colleague a client, held against the reference model.

A *surface* is a way the application reveals a colleague's level on clients: the rules
themselves (`level`, `annotate_level`, `visible_clients`, `visible`), and the HTTP surfaces
(API list and detail, the client list page) once they exist. Each surface observes, for
ONE colleague, the level it shows on every client of the world (a list costs one query or
one request per colleague, not one per pair). `compare` runs every surface for every
colleague and counts decisions and disagreements; `compare_explain` does the same for
`rules.explain`, client by client.

Adding a surface: write `observe(ctx, colleague_key) -> {client database id: level}`
(clients absent from the answer count as NONE), set `shows` if the surface cannot tell
every level apart (an API detail only says 200 or 404: NAME and FULL both show as
"present"), and append it to SURFACES.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.test import Client as HttpClient

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.access.scopes import WorkItemQuerySet
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import queries as contact_queries
from portefeuille.contacts.models import Contact
from portefeuille.contacts.queries import ContactFilters
from portefeuille.exchange import monitor
from portefeuille.exchange import services as bulk
from portefeuille.firms.models import Colleague, WorkStatus
from portefeuille.inbox.models import Ticket
from portefeuille.sales import queries as sales_queries
from portefeuille.sales.models import Invoice, Opportunity, Project
from portefeuille.work import queries
from portefeuille.work.models import WorkItem

from . import reference as ref
from .worlds import (
    CLIENT_NAME,
    WORK_STATUSES,
    WORK_TITLE,
    Built,
    build,
    record_title,
    work_title,
)

Observed = Mapping[int, int]  # client database id -> observed level


@dataclass
class Context:
    """A built world, with its rows fetched once."""

    world: ref.World
    built: Built
    sessions: dict[int, HttpClient] = field(default_factory=dict)

    @cached_property
    def colleagues(self) -> dict[int, Colleague]:
        rows = Colleague.objects.in_bulk(list(self.built.colleagues.values()))
        return {key: rows[pk] for key, pk in self.built.colleagues.items()}

    @cached_property
    def clients(self) -> dict[int, Contact]:
        rows = Contact.objects.in_bulk(list(self.built.clients.values()))
        return {key: rows[pk] for key, pk in self.built.clients.items()}

    @cached_property
    def client_key(self) -> dict[int, int]:
        return self.built.client_key()

    @cached_property
    def status_names(self) -> list[str]:
        """The names of the work statuses in board order (both firms have the defaults)."""
        first = self.built.statuses[0] if self.built.statuses else []
        names = dict(WorkStatus.objects.filter(pk__in=first).values_list("pk", "name"))
        return [names[pk] for pk in first]

    @cached_property
    def item_key(self) -> dict[int, int]:
        """Work item database id -> world key."""
        return {pk: key for key, pk in self.built.work_items.items()}

    @cached_property
    def record_key(self) -> dict[tuple[str, int], int]:
        """(record kind, database id) -> world key, for opportunities, projects, invoices
        and tickets (each kind has its own table, so its own ids)."""
        return {(self.world.records[key].kind, pk): key for key, pk in self.built.records.items()}

    def http_as(self, colleague_key: int) -> HttpClient:
        """A Django test client signed in as the colleague (a session made once; if the
        colleague is deactivated later, the session stops signing them in, as in life)."""
        if colleague_key not in self.sessions:
            http = HttpClient()
            http.force_login(self.colleagues[colleague_key])
            self.sessions[colleague_key] = http
        return self.sessions[colleague_key]

    def refresh(self) -> None:
        """Forgets the fetched rows (after the state changed)."""
        self.__dict__.pop("colleagues", None)
        self.__dict__.pop("clients", None)


def _same(level: int) -> int:
    return level


@dataclass(frozen=True)
class Surface:
    name: str
    observe: Callable[[Context, int], Observed]
    # What the surface is expected to show for a reference level (identity by default).
    shows: Callable[[int], int] = _same
    # Whether the surface needs the world built with one audit event per client.
    needs_audit_events: bool = False
    # Observes only the clients of the colleague's own firm (requests per pair).
    own_firm_only: bool = False


# --- the rules ----------------------------------------------------------------------------


def _observe_level(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    return {client.pk: int(rules.level(u, client)) for client in ctx.clients.values()}


def _observe_annotate_level(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    rows = rules.annotate_level(u, Contact.objects.filter(pk__in=ctx.built.clients.values()))
    return dict(rows.values_list("pk", "access_level"))


INCONSISTENT = -1  # in the FULL answer but not in the NAME one: never a valid level


def _levels_from_sets(full: set[int], name: set[int]) -> dict[int, int]:
    """Levels read from the answers at min level FULL and NAME (FULL must be within NAME)."""
    observed = dict.fromkeys(name, int(Level.NAME))
    for pk in full:
        observed[pk] = int(Level.FULL) if pk in name else INCONSISTENT
    return observed


def _observe_visible_clients(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    full = set(rules.visible_clients(u, Level.FULL).values_list("pk", flat=True))
    name = set(rules.visible_clients(u, Level.NAME).values_list("pk", flat=True))
    return _levels_from_sets(full, name)


def _observe_visible_records(ctx: Context, colleague: int) -> Observed:
    u = ctx.colleagues[colleague]
    events = AuditEvent.objects.filter(client_id__isnull=False)
    full = set(rules.visible(u, events, min_level=Level.FULL).values_list("client_id", flat=True))
    name = set(rules.visible(u, events, min_level=Level.NAME).values_list("client_id", flat=True))
    return _levels_from_sets(full, name)


# The surfaces the issue names: level for every pair, visible_clients at each min level.
RULE_SURFACES: list[Surface] = [
    Surface("rules.level", _observe_level),
    Surface("rules.visible_clients", _observe_visible_clients),
]


def _monitor_rows(ctx: Context, colleague: int, sort: str) -> Observed:
    """The client monitor's rows (exchange/monitor.py, what its pages and exports show),
    every column: a full row is FULL, a name-only row NAME — and INCONSISTENT if it carries
    anything but its name."""
    u = ctx.colleagues[colleague]
    columns = [column.key for column in monitor.columns_for(u)]
    query = monitor.choose(u, ContactFilters(include_inactive=True), columns, sort)
    observed: dict[int, int] = {}
    for row in monitor.export_rows(u, query, batch=5):
        shown = [row.value(key) for key in columns[1:]]
        if row.full:
            observed[row.contact.pk] = int(Level.FULL)
        else:
            # SECURITY: a name-only row carries its name and nothing else.
            leaked = any(value is not None for value in shown)
            observed[row.contact.pk] = INCONSISTENT if leaked else int(Level.NAME)
    return observed


def _full_only(level: int) -> int:
    return int(Level.FULL) if level == ref.FULL else int(Level.NONE)


def _observe_monitor(ctx: Context, colleague: int) -> Observed:
    return _monitor_rows(ctx, colleague, "name")


def _observe_monitor_sorted(ctx: Context, colleague: int) -> Observed:
    """Sorted on a column beyond the name: the rows seen in full only."""
    return _monitor_rows(ctx, colleague, "-manager")


def _observe_bulk_preview(ctx: Context, colleague: int) -> Observed:
    """A bulk edit's preview over every client of the world (exchange/services.py): the
    clients it names (changed, unchanged or refused) are those seen in full, no other."""
    u = ctx.colleagues[colleague]
    if not u.is_active:
        return {}
    preview = bulk.preview_bulk_edit(
        actor=u,
        client_ids=list(ctx.built.clients.values()),
        change=bulk.BulkChange("privacy", "hidden"),
    )
    named = [*preview.changed, *preview.unchanged, *(r.client for r in preview.refused)]
    return {client.pk: int(Level.FULL) for client in named}


# Two more ways the rules show a level: the padlock annotation of lists, and records
# hanging off a client (here one audit event per client); and the client monitor, its
# sorted form and a bulk edit's preview (docs/exchange.md).
EXTRA_RULE_SURFACES: list[Surface] = [
    Surface("rules.annotate_level", _observe_annotate_level),
    Surface("rules.visible (audit events)", _observe_visible_records, needs_audit_events=True),
    Surface("exchange.monitor", _observe_monitor),
    Surface("exchange.monitor (sorted by manager)", _observe_monitor_sorted, _full_only),
    Surface("exchange.preview_bulk_edit", _observe_bulk_preview, _full_only),
]

# --- HTTP ---------------------------------------------------------------------------------
# What a colleague's browser and API client are shown. A request costs far more than a
# query, so these run on fewer worlds (test_differential.HTTP_WORLDS) and, for the
# per-pair ones, on the clients of the colleague's own firm only (the cross-firm sweep,
# test_cross_firm.py, sends every other firm's id to every route).
API_LEVELS = {"name": int(Level.NAME), "full": int(Level.FULL)}
# SECURITY: what a name-only API item may carry (docs/access-rules.md: the name and nothing else);
# an item saying "name" with any other key shows more than the name: INCONSISTENT.
API_NAME_ONLY_KEYS = frozenset({"id", "display_name", "access_level"})
API_NAME_ONLY_SUGGESTION_KEYS = API_NAME_ONLY_KEYS | {"score"}
SIGNED_OUT = (302, 401)  # an inactive colleague's session no longer signs them in
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "contact-results"}


def _observe_api_list(ctx: Context, colleague: int) -> Observed:
    """GET /api/v1/contacts (archived ones included), every page, as the colleague
    (session): each row's level."""
    return _observe_api_pages(ctx, colleague, "/api/v1/contacts?limit=200&archived=true")


def _observe_api_search(ctx: Context, colleague: int) -> Observed:
    """GET /api/v1/contacts?q= with a text every world client matches (accents and case
    differ from the stored names), every page."""
    return _observe_api_pages(
        ctx, colleague, "/api/v1/contacts?limit=200&archived=true&q=D%C3%9B+M%C3%94NDE"
    )


def _api_level(item: dict[str, object], name_only_keys: frozenset[str] = API_NAME_ONLY_KEYS) -> int:
    """The level an API item states; a name-only item showing more than its name (any key
    beyond `name_only_keys`) is INCONSISTENT."""
    level = API_LEVELS.get(str(item["access_level"]), INCONSISTENT)
    if level == int(Level.NAME) and set(item) != name_only_keys:
        return INCONSISTENT
    return level


def _api_suggested(ctx: Context, http: HttpClient, pk: int) -> int:
    name = next(client.display_name for client in ctx.clients.values() if client.pk == pk)
    response = http.get("/api/v1/contacts/suggestions", {"q": name, "limit": "20"})
    if response.status_code in SIGNED_OUT:
        return int(Level.NONE)
    assert response.status_code == 200, response.content[:300]
    for item in response.json():
        if item["id"] == pk:
            return _api_level(item, API_NAME_ONLY_SUGGESTION_KEYS)
    return int(Level.NONE)


def _observe_api_suggestions(ctx: Context, colleague: int) -> Observed:
    """GET /api/v1/contacts/suggestions?q=<each client's exact name>: offered exactly when
    the colleague may see it, by name only when private."""
    http = ctx.http_as(colleague)
    return {pk: _api_suggested(ctx, http, pk) for pk in _own_firm_clients(ctx, colleague)}


def _observe_api_pages(ctx: Context, colleague: int, first: str) -> Observed:
    http = ctx.http_as(colleague)
    observed: dict[int, int] = {}
    url = first
    while True:
        response = http.get(url)
        if response.status_code in SIGNED_OUT:
            return observed
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        for item in body["items"]:
            observed[item["id"]] = _api_level(item)
        if body["next_cursor"] is None:
            return observed
        url = f"{first}&cursor={body['next_cursor']}"


def _own_firm_clients(ctx: Context, colleague: int) -> list[int]:
    firm = ctx.world.colleagues[colleague].firm
    return [pk for key, pk in ctx.built.clients.items() if ctx.world.clients[key].firm == firm]


def _observe_api_detail(ctx: Context, colleague: int) -> Observed:
    """GET /api/v1/contacts/{id} for every client of the colleague's firm: 404 is NONE,
    else the level the body states (a name-only body must say "name", and nothing but the
    id and the name)."""
    http = ctx.http_as(colleague)
    return {pk: _api_detail(http, pk) for pk in _own_firm_clients(ctx, colleague)}


def _api_detail(http: HttpClient, pk: int) -> int:
    response = http.get(f"/api/v1/contacts/{pk}")
    if response.status_code == 404 or response.status_code in SIGNED_OUT:
        return int(Level.NONE)
    assert response.status_code == 200, response.content[:300]
    return _api_level(response.json())


def _client_page(http: HttpClient, pk: int) -> int:
    response = http.get(f"/contacts/{pk}/team/")
    if response.status_code == 404 or response.status_code in SIGNED_OUT:
        return int(Level.NONE)
    assert response.status_code == 200, response.content[:300]
    return int(Level.FULL)


def _observe_client_page(ctx: Context, colleague: int) -> Observed:
    """GET /contacts/{id}/team/ (the "Équipe et accès" tab) for every client of the
    colleague's firm: the page opens (200)
    only with full access; name-only and hidden clients are the same 404."""
    http = ctx.http_as(colleague)
    return {pk: _client_page(http, pk) for pk in _own_firm_clients(ctx, colleague)}


# --- the contacts pages ----------------------------------------------------------
CONTACT_ROW = re.compile(r'<tr class="contact-row">(.*?)</tr>', re.DOTALL)
CONTACT_LINK = re.compile(r'href="/contacts/(\d+)/"')
CONTACT_MORE = re.compile(r'<a class="button-secondary more-link" href="(\?[^"]*)"')
SUGGESTION = re.compile(r'<li class="suggestion">(.*?)</li>', re.DOTALL)
EMPTY_CELLS = re.compile(r"<td></td>|\s")
PICKER_CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="\w+" value="(\d+)">')


def _contact_row_level(ctx: Context, row: str, by_name: dict[str, int]) -> tuple[int, int]:
    """(client id, level) shown by one row of the contacts page or one suggestion: a link
    to the contact is FULL; the padlocked name with no link and nothing else is NAME."""
    name = CLIENT_NAME.search(row)
    pk = by_name.get(name.group(0)) if name else None
    if pk is None:
        return -1, INCONSISTENT
    link = CONTACT_LINK.search(row)
    if link is not None:
        return pk, int(Level.FULL) if int(link.group(1)) == pk else INCONSISTENT
    # SECURITY: a name-only row shows the name and the padlock, nothing else.
    bare = "private-name" in row and "kind-icon" not in row and "badge" not in row
    return pk, int(Level.NAME) if bare else INCONSISTENT


def _observe_contact_pages(
    ctx: Context, colleague: int, url: str, headers: dict[str, str] | None = None
) -> Observed:
    http = ctx.http_as(colleague)
    by_name = {client.display_name: client.pk for client in ctx.clients.values()}
    observed: dict[int, int] = {}
    while url:
        response = http.get(url, headers=headers)
        if response.status_code in SIGNED_OUT:
            return observed
        assert response.status_code == 200, response.content[:300]
        page = response.content.decode()
        for row in CONTACT_ROW.findall(page):
            head, _sep, rest = row.partition("</th>")
            pk, seen = _contact_row_level(ctx, head, by_name)
            if seen == int(Level.NAME) and EMPTY_CELLS.sub("", rest):
                seen = INCONSISTENT  # a name-only row showing more than the name
            observed[pk] = seen
        more = CONTACT_MORE.search(page)
        url = "/contacts/" + html.unescape(more.group(1)) if more else ""
    return observed


def _observe_contact_list_page(ctx: Context, colleague: int) -> Observed:
    """The contacts page, view "Tous" with inactive contacts shown, every page of it."""
    return _observe_contact_pages(ctx, colleague, "/contacts/?view=all&inactive=1")


def _observe_contact_results(ctx: Context, colleague: int) -> Observed:
    """The same, as the live search fetches it: the results fragment (HTMX), every page."""
    return _observe_contact_pages(
        ctx, colleague, "/contacts/?view=all&inactive=1", headers=HTMX_RESULTS
    )


def _observe_contact_search(ctx: Context, colleague: int) -> Observed:
    """The contacts page searched with a text every world client matches (accents and case
    differ from the stored names), every page of it."""
    return _observe_contact_pages(ctx, colleague, "/contacts/?view=all&inactive=1&q=DÛ+MÔNDE")


def _observe_contact_picker(ctx: Context, colleague: int) -> Observed:
    """The pickers of the contact forms (which offer only contacts seen in full), one per
    kind, searched with a text every world client matches."""
    http = ctx.http_as(colleague)
    observed: dict[int, int] = {}
    for kind in ("person", "organization", "client_group"):
        response = http.get(
            "/contacts/picker/", {"field": "pick", "kind": kind, "pick_q": "du monde"}
        )
        if response.status_code in SIGNED_OUT:
            return observed
        assert response.status_code == 200, response.content[:300]
        for pk in PICKER_CHOICE.findall(response.content.decode()):
            observed[int(pk)] = int(Level.FULL)
    return observed


def _suggested(ctx: Context, http: HttpClient, pk: int) -> int:
    by_name = {client.display_name: client.pk for client in ctx.clients.values()}
    name = next(client.display_name for client in ctx.clients.values() if client.pk == pk)
    response = http.get("/contacts/suggestions/", {"display_name": name})
    if response.status_code in SIGNED_OUT:
        return int(Level.NONE)
    assert response.status_code == 200, response.content[:300]
    for item in SUGGESTION.findall(response.content.decode()):
        found, seen = _contact_row_level(ctx, item, by_name)
        if found == pk:
            return seen
    return int(Level.NONE)


def _observe_contact_suggestions(ctx: Context, colleague: int) -> Observed:
    """The duplicate suggestions of the create forms, asked with each client's exact name:
    the client must be offered (by name only when private) exactly when the colleague may
    see it."""
    http = ctx.http_as(colleague)
    return {pk: _suggested(ctx, http, pk) for pk in _own_firm_clients(ctx, colleague)}


def _contact_page(http: HttpClient, pk: int) -> int:
    response = http.get(f"/contacts/{pk}/")
    if response.status_code == 404 or response.status_code in SIGNED_OUT:
        return int(Level.NONE)
    assert response.status_code == 200, response.content[:300]
    return int(Level.FULL)


def _observe_contact_page(ctx: Context, colleague: int) -> Observed:
    """GET /contacts/{id}/ (tab "Détails"): 200 only with full access, else the 404."""
    http = ctx.http_as(colleague)
    return {pk: _contact_page(http, pk) for pk in _own_firm_clients(ctx, colleague)}


HTTP_LIST_SURFACES: list[Surface] = [
    Surface("api.list", _observe_api_list),
    Surface("api.search", _observe_api_search),
    Surface("page.contact_list", _observe_contact_list_page),
    Surface("page.contact_results", _observe_contact_results),
    Surface("page.contact_search", _observe_contact_search),
    Surface("page.contact_picker", _observe_contact_picker, shows=_full_only),
]
HTTP_PAIR_SURFACES: list[Surface] = [
    Surface("api.detail", _observe_api_detail, own_firm_only=True),
    Surface("page.client_team", _observe_client_page, shows=_full_only, own_firm_only=True),
    Surface("page.contact_detail", _observe_contact_page, shows=_full_only, own_firm_only=True),
    Surface("page.contact_suggestions", _observe_contact_suggestions, own_firm_only=True),
    Surface("api.suggestions", _observe_api_suggestions, own_firm_only=True),
]
HTTP_SURFACES: list[Surface] = HTTP_LIST_SURFACES + HTTP_PAIR_SURFACES

# Every world of the differential test (500): the rules, one query per colleague or pair.
SURFACES: list[Surface] = RULE_SURFACES
# The per-step checks of the stateful test, for every colleague: the lists of the rules.
LIST_SURFACES: list[Surface] = [s for s in RULE_SURFACES if s.name != "rules.level"]


# --- probes of one (colleague, client) pair ------------------------------------------------
# What the stateful test runs right after a step, for every colleague, on the clients the
# step touched: the "very next request" after a revoke is one of these (the client page
# and the API detail, after `rules.level` and `get_client`).


@dataclass(frozen=True)
class Probe:
    name: str
    observe: Callable[[Context, int, int], int]  # (ctx, colleague key, client key) -> level
    shows: Callable[[int], int] = _same
    # False: run only on the pairs whose level the step changed (requests are costly).
    every_pair: bool = False


def _probe_level(ctx: Context, colleague: int, client: int) -> int:
    return int(rules.level(ctx.colleagues[colleague], ctx.clients[client]))


def _probe_get_client(ctx: Context, colleague: int, client: int) -> int:
    try:
        found = rules.get_client(ctx.colleagues[colleague], ctx.built.clients[client])
    except Http404:
        return int(Level.NONE)
    return int(found.access_level)


def _probe_api_detail(ctx: Context, colleague: int, client: int) -> int:
    return _api_detail(ctx.http_as(colleague), ctx.built.clients[client])


def _probe_client_page(ctx: Context, colleague: int, client: int) -> int:
    return _client_page(ctx.http_as(colleague), ctx.built.clients[client])


def _probe_contact_page(ctx: Context, colleague: int, client: int) -> int:
    return _contact_page(ctx.http_as(colleague), ctx.built.clients[client])


PAIR_PROBES: list[Probe] = [
    Probe("rules.level", _probe_level, every_pair=True),
    Probe("rules.get_client", _probe_get_client),
    Probe("api.detail", _probe_api_detail),
    Probe("page.client_team", _probe_client_page, shows=_full_only),
    Probe("page.contact_detail", _probe_contact_page, shows=_full_only),
]


# --- comparing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    surface: str
    colleague: int
    client: int  # world key, or -1 for a database id the world does not know
    expected: int
    observed: int

    def describe(self, world: ref.World) -> str:
        u = world.colleagues.get(self.colleague)
        c = world.clients.get(self.client)
        return (
            f"{self.surface}: colleague {self.colleague} {u} / client {self.client} {c}: "
            f"expected {self.expected}, observed {self.observed}"
        )


@dataclass
class Comparison:
    decisions: Counter[str] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)

    def extend(self, other: Comparison) -> None:
        self.decisions.update(other.decisions)
        self.disagreements.extend(other.disagreements)

    @property
    def total(self) -> int:
        return sum(self.decisions.values())

    def report(self, world: ref.World, limit: int = 20) -> str:
        lines = [d.describe(world) for d in self.disagreements[:limit]]
        more = len(self.disagreements) - limit
        if more > 0:
            lines.append(f"... and {more} more")
        return "\n".join(lines)


def compare(
    ctx: Context,
    surfaces: list[Surface],
    *,
    colleagues: list[int] | None = None,
) -> Comparison:
    """Every surface, for every colleague (or the given ones), on every client."""
    result = Comparison()
    world = ctx.world
    for surface in surfaces:
        for u in colleagues if colleagues is not None else list(world.colleagues):
            observed = dict(surface.observe(ctx, u))
            for pk, level in observed.items():
                if pk not in ctx.client_key:
                    result.disagreements.append(Disagreement(surface.name, u, -1, 0, level))
            for key, pk in ctx.built.clients.items():
                if surface.own_firm_only and world.clients[key].firm != world.colleagues[u].firm:
                    continue
                expected = surface.shows(ref.reference_level(world, u, key))
                seen = observed.get(pk, 0)
                result.decisions[surface.name] += 1
                if seen != expected:
                    result.disagreements.append(Disagreement(surface.name, u, key, expected, seen))
    return result


def compare_pairs(
    ctx: Context,
    probes: list[Probe],
    pairs: list[tuple[int, int]],
    *,
    changed: set[tuple[int, int]],
) -> Comparison:
    """Every probe on the given (colleague, client) pairs; the costly ones only on the
    pairs in `changed`."""
    result = Comparison()
    for probe in probes:
        for u, key in pairs:
            if not probe.every_pair and (u, key) not in changed:
                continue
            expected = probe.shows(ref.reference_level(ctx.world, u, key))
            seen = probe.observe(ctx, u, key)
            result.decisions[probe.name] += 1
            if seen != expected:
                result.disagreements.append(Disagreement(probe.name, u, key, expected, seen))
    return result


def compare_explain(ctx: Context, *, clients: list[int] | None = None) -> Comparison:
    """`rules.explain(client)` against the model: who is listed (every colleague of the
    world is a decision), at which level, and for which reasons."""
    result = Comparison()
    world = ctx.world
    colleague_key = ctx.built.colleague_key()
    for key in clients if clients is not None else list(world.clients):
        expected = ref.reference_explain(world, key)
        observed: dict[int, tuple[int, Counter[str]]] = {}
        for access in rules.explain(ctx.clients[key]):
            u = colleague_key.get(access.colleague.pk, -1)
            observed[u] = (int(access.level), Counter(r.kind for r in access.reasons))
        for u in list(world.colleagues) + [u for u in observed if u not in world.colleagues]:
            result.decisions["rules.explain"] += 1
            want, got = expected.get(u), observed.get(u)
            if (want is None) != (got is None):
                result.disagreements.append(
                    Disagreement(
                        "rules.explain (listed)",
                        u,
                        key,
                        want[0] if want else 0,
                        got[0] if got else 0,
                    )
                )
            elif want is not None and got is not None and want != got:
                result.disagreements.append(
                    ReasonDisagreement(
                        "rules.explain (reasons)", u, key, want[0], got[0], want[1], got[1]
                    )
                )
    return result


@dataclass(frozen=True)
class ReasonDisagreement(Disagreement):
    expected_reasons: Counter[str] = field(default_factory=Counter)
    observed_reasons: Counter[str] = field(default_factory=Counter)

    def describe(self, world: ref.World) -> str:
        return (
            f"{super().describe(world)}; reasons expected {dict(self.expected_reasons)}, "
            f"observed {dict(self.observed_reasons)}"
        )


# --- work (docs/work.md) --------------------------------------------------------------------
# A work item is read at the viewer's level on its client. These surfaces observe units
# other than clients (an item, a (group, item) pair, a (row, status) count), so each comes
# with its own expectation from the reference model, for every unit of the world.

Unit = tuple[object, ...]
Units = Mapping[Unit, int]


@dataclass(frozen=True)
class WorkSurface:
    name: str
    observe: Callable[[Context, int], Units]
    expect: Callable[[Context, int], Units]


def _item_key(ctx: Context, pk: int) -> object:
    """An item's world key (a database id the world does not know: ("?", id))."""
    return ctx.item_key.get(pk, ("?", pk))


def _client_of(ctx: Context, key: object) -> object:
    """A client's world key from its database id (("?", id) if unknown)."""
    return ctx.client_key.get(key, ("?", key)) if isinstance(key, int) else key


LEVEL_FIELDS = ("pk", "client_level")


def _with_level(rows: QuerySet[WorkItem], colleague: Colleague) -> list[tuple[int, int]]:
    """(id, `client_level`) of `work_items()` rows (the work door's queryset)."""
    annotated = cast(WorkItemQuerySet[WorkItem], rows).with_client_level(colleague)
    return list(annotated.values_list(*LEVEL_FIELDS))


def _observe_work_items(ctx: Context, colleague: int) -> Units:
    """`work_items()` with no filter (the board's selection), each row's `client_level`."""
    u = ctx.colleagues[colleague]
    rows = _with_level(queries.work_items(u, queries.WorkFilters()), u)
    return {(_item_key(ctx, pk),): int(found) for pk, found in rows}


def _expect_work_items(ctx: Context, colleague: int) -> Units:
    shown = ref.reference_filtered(ctx.world, colleague, None)
    return {(key,): level for key, level in shown.items()}


def _observe_work_door(ctx: Context, colleague: int) -> Units:
    """`WorkItem.objects.visible_to` at both min levels (FULL must be within NAME)."""
    u = ctx.colleagues[colleague]
    full = set(WorkItem.objects.visible_to(u, Level.FULL).values_list("pk", flat=True))
    name = set(WorkItem.objects.visible_to(u, Level.NAME).values_list("pk", flat=True))
    return {(_item_key(ctx, pk),): level for pk, level in _levels_from_sets(full, name).items()}


def _telling(
    ctx: Context, colleague: int, candidates: list[ref.WorkFilter]
) -> ref.WorkFilter | None:
    """The most telling of several values of one filter for this colleague: one that an item
    the colleague sees by name only matches (a leak would show it), else one that some item
    matches, else none; ties go in turn from colleague to colleague. (A query costs far more
    than a comparison: each filter is asked with one value per colleague.)"""
    world = ctx.world
    if not candidates:
        return None
    turn = list(world.colleagues).index(colleague)

    def score(work_filter: ref.WorkFilter) -> int:
        matching = [k for k in world.work_items if ref.reference_matches(world, k, work_filter)]
        if any(ref.reference_item_level(world, colleague, k) == ref.NAME for k in matching):
            return 2
        return 1 if matching else 0

    scores = [score(candidate) for candidate in candidates]
    best = max(scores)
    if best == 0:
        return None
    tied = [c for c, found in zip(candidates, scores, strict=True) if found == best]
    return tied[turn % len(tied)]


def _work_filters(ctx: Context, colleague: int) -> list[tuple[ref.WorkFilter, dict[str, object]]]:
    """Each filter of the work view, with its most telling value in the colleague's firm
    (`_telling`): (the reference filter, the WorkFilters arguments). A role slot with no
    title is asked too: it matches nothing."""
    world, built = ctx.world, ctx.built
    firm = world.colleagues[colleague].firm
    people = world.colleagues_of(firm)
    titled = sorted(world.firms[firm].role_titles)
    untitled = next(n for n in range(1, 11) if n not in titled)
    ids = {
        "assignee": built.colleagues,
        "client_manager": built.colleagues,
        "member": built.colleagues,
        "role_holder": built.colleagues,
        "client_owner": built.owners,
        "portfolio": built.portfolios,
    }
    choices: list[list[ref.WorkFilter]] = [
        [(name, v) for v in people]
        for name in ("assignee", "client_manager", "member", "role_holder")
    ]
    choices.append([("client_owner", o) for o in world.owners_in(firm)])
    choices.append([("portfolio", p) for p in world.portfolios_in(firm)])
    choices.append([("role", (slot, None)) for slot in titled])
    choices.append([("role", (slot, v)) for slot in titled for v in people])
    found: list[tuple[ref.WorkFilter, dict[str, object]]] = [(("mine", True), {"mine": True})]
    for candidates in choices:
        chosen = _telling(ctx, colleague, candidates)
        if chosen is None:
            continue
        name, value = chosen
        if name == "role":
            slot, holder = cast(tuple[int, int | None], value)
            arguments: dict[str, object] = {"role": slot}
            if holder is not None:
                arguments["role_holder"] = built.colleagues[holder]
            found.append((chosen, arguments))
        else:
            found.append((chosen, {name: ids[name][cast(int, value)]}))
    if people:
        holder = people[list(world.colleagues).index(colleague) % len(people)]
        found.append(
            (
                ("role", (untitled, holder)),
                {"role": untitled, "role_holder": built.colleagues[holder]},
            )
        )
    return found


def _observe_work_filtered(ctx: Context, colleague: int) -> Units:
    """`work_items()` under each filter of the work view, each row's `client_level`."""
    u = ctx.colleagues[colleague]
    observed: dict[Unit, int] = {}
    for work_filter, arguments in _work_filters(ctx, colleague):
        filters = queries.WorkFilters(**arguments)  # type: ignore[arg-type]
        rows = _with_level(queries.work_items(u, filters), u)
        for pk, found in rows:
            observed[(repr(work_filter), _item_key(ctx, pk))] = int(found)
    return observed


def _expect_work_filtered(ctx: Context, colleague: int) -> Units:
    expected: dict[Unit, int] = {}
    for work_filter, _arguments in _work_filters(ctx, colleague):
        for key, level in ref.reference_filtered(ctx.world, colleague, work_filter).items():
            expected[(repr(work_filter), key)] = level
    return expected


def _groups(ctx: Context) -> list[int]:
    return [key for key, c in ctx.world.clients.items() if c.kind == "client_group"]


def _observe_group_filter(ctx: Context, colleague: int) -> Units:
    """`work_items()` filtered by each client group of the world (the group's Work tab and
    the board's client group filter), each row's `client_level`."""
    u = ctx.colleagues[colleague]
    observed: dict[Unit, int] = {}
    for group in _groups(ctx):
        filters = queries.WorkFilters(client_group=ctx.built.clients[group])
        rows = _with_level(queries.work_items(u, filters), u)
        for pk, found in rows:
            observed[(group, _item_key(ctx, pk))] = int(found)
    return observed


def _expect_group_tab(ctx: Context, colleague: int) -> Units:
    """The group's tab: nothing unless the group is seen in full; then each of its items
    at the viewer's level on the item's own client."""
    world = ctx.world
    expected: dict[Unit, int] = {}
    for group in _groups(ctx):
        tab = ref.reference_group_tab(world, group)
        opens = ref.reference_level(world, colleague, group) == ref.FULL
        for key in world.work_items:
            seen = ref.reference_item_level(world, colleague, key) if opens and key in tab else 0
            expected[(group, key)] = seen
    return expected


def _observe_work_counts(ctx: Context, colleague: int) -> Units:
    """The contacts list's « Travail » counts (contacts/queries.py::work_counts) for every
    client the colleague sees in full, per status."""
    u = ctx.colleagues[colleague]
    rows = list(
        rules.visible_clients(u, Level.FULL).filter(pk__in=list(ctx.built.clients.values()))
    )
    statuses = _status_index(ctx)
    observed: dict[Unit, int] = {}
    for client_id, counts in contact_queries.work_counts(u, rows).items():
        for status_id, n in counts.items():
            if n:
                observed[(_client_of(ctx, client_id), statuses.get(status_id, status_id))] = n
    return observed


def _expect_work_counts(ctx: Context, colleague: int) -> Units:
    world = ctx.world
    expected: dict[Unit, int] = {}
    for key in world.clients:
        if ref.reference_level(world, colleague, key) == ref.FULL:
            for status in range(WORK_STATUSES):
                expected[(key, status)] = ref.reference_work_counts(world, colleague, key)[status]
    return expected


def _status_index(ctx: Context) -> dict[int, int]:
    """Status database id -> its index in its firm's board order."""
    return {pk: index for found in ctx.built.statuses for index, pk in enumerate(found)}


WORK_RULE_SURFACES: list[WorkSurface] = [
    WorkSurface("work.work_items", _observe_work_items, _expect_work_items),
    WorkSurface("work.visible_to", _observe_work_door, _expect_work_items),
    WorkSurface("work.work_items (filters)", _observe_work_filtered, _expect_work_filtered),
    WorkSurface("work.work_items (client group)", _observe_group_filter, _expect_group_tab),
    WorkSurface("contacts.work_counts", _observe_work_counts, _expect_work_counts),
]


# The work pages: the board, the list, the contacts list's counts and a client group's
# Work tab, as each colleague's browser reads them (per request: on the HTTP worlds).
WORK_CARD = re.compile(
    r'<li class="work-card[^"]*" id="card-\d+" data-item="(\d+)" data-level="(full|name)"'
    r"(.*?)</li>",
    re.DOTALL,
)
WORK_ROW = re.compile(
    r'<tr class="work-row" data-item="(\d+)" data-level="(full|name)">(.*?)</tr>', re.DOTALL
)
TAB_ROW = re.compile(r'<tr data-item="(\d+)" data-level="(full|name)">(.*?)</tr>', re.DOTALL)
COLLEAGUE_NAME = re.compile(r"Collègue \d+ Monde \d+")
WORK_COUNT = re.compile(
    r'<span class="work-count" title="([^"]*)">[^<]*<strong>(\d+)</strong></span>'
)
LEVEL_OF = {"full": int(Level.FULL), "name": int(Level.NAME)}


def _work_row_level(ctx: Context, pk: int, level: str, body: str) -> int:
    """The level one card or row shows: its title must be its item's; a name-only one
    shows the title, the status and the client's name and nothing else — no link to the
    client, no assignee, no type, no dates, no drag handle or move form."""
    key = ctx.item_key.get(pk)
    title = WORK_TITLE.search(body)
    if key is None or title is None or title.group(0) != work_title(ctx.built.serial, key):
        return INCONSISTENT
    if level == "name":
        # SECURITY: anything beyond the title, the status and the client's name.
        more = (
            "/contacts/" in body
            or COLLEAGUE_NAME.search(body) is not None
            or "<time" in body
            or "work-card-meta" in body
            or "drag-handle" in body
            or "work_move" in body
            or "/move/" in body
            or "draggable" in body
        )
        if more:
            return INCONSISTENT
    return LEVEL_OF[level]


def _work_page(
    ctx: Context, colleague: int, url: str, pattern: re.Pattern[str]
) -> dict[int, int] | None:
    """Item id -> the level shown by a work page and its "more" pages (None: signed out)."""
    http = ctx.http_as(colleague)
    observed: dict[int, int] = {}
    while url:
        response = http.get(url)
        if response.status_code in SIGNED_OUT:
            return None
        assert response.status_code == 200, response.content[:300]
        page = response.content.decode()
        for pk, level, body in pattern.findall(page):
            seen = _work_row_level(ctx, int(pk), level, body)
            observed[int(pk)] = INCONSISTENT if int(pk) in observed else seen
        more = CONTACT_MORE.search(page)
        url = "/work/" + html.unescape(more.group(1)) if more else ""
    return observed


def _as_units(ctx: Context, found: Mapping[int, int] | None, *prefix: object) -> Units:
    return {(*prefix, _item_key(ctx, pk)): level for pk, level in (found or {}).items()}


def _observe_board(ctx: Context, colleague: int) -> Units:
    """GET /work/ (the board, every column; the world never fills a column's 25 cards)."""
    return _as_units(ctx, _work_page(ctx, colleague, "/work/", WORK_CARD))


def _observe_work_list(ctx: Context, colleague: int) -> Units:
    """GET /work/?view=list, every page."""
    return _as_units(ctx, _work_page(ctx, colleague, "/work/?view=list", WORK_ROW))


def _page_filters(ctx: Context, colleague: int) -> list[tuple[ref.WorkFilter | None, str]]:
    """The list filtered by a client owner and by a client manager of the colleague's firm,
    each with its most telling value (`_telling`); an owner filter is ignored while the
    firm's ownership switch is off (owners show nowhere then)."""
    world, built = ctx.world, ctx.built
    firm = world.colleagues[colleague].firm
    found: list[tuple[ref.WorkFilter | None, str]] = []
    owner = _telling(ctx, colleague, [("client_owner", o) for o in world.owners_in(firm)])
    if owner is not None:
        shown = owner if world.firms[firm].ownership_enabled else None
        entry = built.owners[cast(int, owner[1])]
        found.append((shown, f"/work/?view=list&client_owner={entry}"))
    people = world.colleagues_of(firm)
    manager = _telling(ctx, colleague, [("client_manager", v) for v in people])
    if manager is not None:
        pk = built.colleagues[cast(int, manager[1])]
        found.append((manager, f"/work/?view=list&client_manager={pk}"))
    return found


def _observe_filtered_list(ctx: Context, colleague: int) -> Units:
    observed: dict[Unit, int] = {}
    for work_filter, url in _page_filters(ctx, colleague):
        found = _work_page(ctx, colleague, url, WORK_ROW)
        observed.update(_as_units(ctx, found, repr(work_filter)))
    return observed


def _expect_filtered_list(ctx: Context, colleague: int) -> Units:
    expected: dict[Unit, int] = {}
    for work_filter, _url in _page_filters(ctx, colleague):
        for key, level in ref.reference_filtered(ctx.world, colleague, work_filter).items():
            expected[(repr(work_filter), key)] = level
    return expected


def _observe_contact_counts(ctx: Context, colleague: int) -> Units:
    """The « Travail » counts of the contacts page (view "Tous", inactive contacts shown),
    every page: (client, status index) -> count, for the rows that show counts."""
    http = ctx.http_as(colleague)
    by_name = {client.display_name: client.pk for client in ctx.clients.values()}
    names = {status: index for index, status in enumerate(ctx.status_names)}
    observed: dict[Unit, int] = {}
    url = "/contacts/?view=all&inactive=1"
    while url:
        response = http.get(url)
        if response.status_code in SIGNED_OUT:
            return observed
        assert response.status_code == 200, response.content[:300]
        page = response.content.decode()
        for row in CONTACT_ROW.findall(page):
            name = CLIENT_NAME.search(row)
            pk = by_name.get(name.group(0)) if name else None
            for status, count in WORK_COUNT.findall(row):
                unit = (_client_of(ctx, pk), names.get(html.unescape(status), status))
                if int(count):
                    observed[unit] = int(count)
        more = CONTACT_MORE.search(page)
        url = "/contacts/" + html.unescape(more.group(1)) if more else ""
    return observed


def _own_firm_groups(ctx: Context, colleague: int) -> list[int]:
    firm = ctx.world.colleagues[colleague].firm
    return [key for key in _groups(ctx) if ctx.world.clients[key].firm == firm]


def _observe_group_tab(ctx: Context, colleague: int) -> Units:
    """GET /contacts/<group>/work/ (unfinished) and ?done=1 (finished) for each client
    group of the colleague's firm: each row's level; a row in the wrong half (a finished
    item among the unfinished, or the reverse) is INCONSISTENT."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    completed = {
        key for key, item in ctx.world.work_items.items() if item.status == WORK_STATUSES - 1
    }
    for group in _own_firm_groups(ctx, colleague):
        for done in (False, True):
            url = f"/contacts/{ctx.built.clients[group]}/work/" + ("?done=1" if done else "")
            response = http.get(url)
            if response.status_code == 404 or response.status_code in SIGNED_OUT:
                break
            assert response.status_code == 200, response.content[:300]
            for pk, level, body in TAB_ROW.findall(response.content.decode()):
                key = _item_key(ctx, int(pk))
                seen = _work_row_level(ctx, int(pk), level, body)
                if (key in completed) != done or (group, key) in observed:
                    seen = INCONSISTENT
                observed[(group, key)] = seen
    return observed


def _expect_own_group_tabs(ctx: Context, colleague: int) -> Units:
    groups = set(_own_firm_groups(ctx, colleague))
    return {
        unit: level
        for unit, level in _expect_group_tab(ctx, colleague).items()
        if unit[0] in groups
    }


# SECURITY: what a name-only work item of the API may carry (docs/access-rules.md).
API_WORK_NAME_KEYS = frozenset({"id", "title", "status", "client", "level"})


def _api_work_level(ctx: Context, item: dict[str, object]) -> int:
    level = API_LEVELS.get(str(item.get("level")), INCONSISTENT)
    pk = item["id"]
    key = ctx.item_key.get(pk) if isinstance(pk, int) else None
    if key is None or item.get("title") != work_title(ctx.built.serial, key):
        return INCONSISTENT
    client = item.get("client")
    if (
        not isinstance(client, dict)
        or client.get("id") != ctx.built.clients[ctx.world.work_items[key].client]
    ):
        return INCONSISTENT
    if level == int(Level.NAME) and (
        set(item) != API_WORK_NAME_KEYS or set(client) != {"id", "name"}
    ):
        return INCONSISTENT
    return level


def _observe_api_work_items(ctx: Context, colleague: int) -> Units:
    """GET /api/v1/work-items, every page (small pages, so the cursor is followed)."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    first = "/api/v1/work-items?limit=5"
    url = first
    while url:
        response = http.get(url)
        if response.status_code in SIGNED_OUT:
            return observed
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        for item in body["items"]:
            unit = (_item_key(ctx, item["id"]),)
            observed[unit] = INCONSISTENT if unit in observed else _api_work_level(ctx, item)
        url = f"{first}&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    return observed


WORK_HTTP_SURFACES: list[WorkSurface] = [
    WorkSurface("api.work_items", _observe_api_work_items, _expect_work_items),
    WorkSurface("page.work_board", _observe_board, _expect_work_items),
    WorkSurface("page.work_list", _observe_work_list, _expect_work_items),
    WorkSurface("page.work_list (owner, manager)", _observe_filtered_list, _expect_filtered_list),
    WorkSurface("page.contact_list (work counts)", _observe_contact_counts, _expect_work_counts),
    WorkSurface("page.group_work_tab", _observe_group_tab, _expect_own_group_tabs),
]


def compare_work(
    ctx: Context, surfaces: list[WorkSurface], *, colleagues: list[int] | None = None
) -> Comparison:
    """Every work surface, for every colleague, on every unit it or the reference names."""
    result = Comparison()
    for surface in surfaces:
        for u in colleagues if colleagues is not None else list(ctx.world.colleagues):
            observed = surface.observe(ctx, u)
            expected = surface.expect(ctx, u)
            for unit in list(expected) + [unit for unit in observed if unit not in expected]:
                result.decisions[surface.name] += 1
                want, seen = expected.get(unit, 0), observed.get(unit, 0)
                if want != seen:
                    result.disagreements.append(
                        UnitDisagreement(surface.name, u, -1, want, seen, unit=unit)
                    )
    return result


@dataclass(frozen=True)
class UnitDisagreement(Disagreement):
    unit: Unit = ()

    def describe(self, world: ref.World) -> str:
        u = world.colleagues.get(self.colleague)
        facts = []
        kinds = [i for i, part in enumerate(self.unit) if part in ref.RECORD_KINDS]
        if kinds and kinds[0] + 1 < len(self.unit):
            # A record's unit: (..., kind, record key).
            key = self.unit[kinds[0] + 1]
            record = world.records.get(key) if isinstance(key, int) else None
            if record is not None:
                client = world.clients.get(record.client) if record.client is not None else None
                facts.append(f"record {key} {record} on client {client}")
        else:
            for part in self.unit:
                if isinstance(part, int) and part in world.work_items:
                    item = world.work_items[part]
                    facts.append(f"item {part} {item} on client {world.clients[item.client]}")
        return (
            f"{self.surface}: colleague {self.colleague} {u} / {self.unit}: expected "
            f"{self.expected}, observed {self.observed}"
            + ("; " + "; ".join(facts) if facts else "")
        )


# --- opportunities, projects, invoices and tickets (docs/access-rules.md) ----------------------
# A record is seen in full or not at all: by whoever sees its client in full, and by its own
# people whatever their level on the client (then its client by name only). Each unit is
# (kind, record key); its value is how the record shows its client (ref.RECORD_*).

RECORD_MODELS: dict[str, type[Opportunity] | type[Project] | type[Invoice] | type[Ticket]] = {
    ref.OPPORTUNITY: Opportunity,
    ref.PROJECT: Project,
    ref.INVOICE: Invoice,
    ref.TICKET: Ticket,
}


RECORD_FIELDS = ("pk", "client_id", "client_level")


def _record_unit(ctx: Context, kind: str, pk: int) -> Unit:
    return (kind, ctx.record_key.get((kind, pk), ("?", pk)))


def _record_rows(
    ctx: Context, kind: str, rows: list[tuple[int, int | None, int]], observed: dict[Unit, int]
) -> None:
    """Records the rows (id, client id, `client_level`) of one answer; a row seen twice is
    INCONSISTENT."""
    for pk, client_id, level in rows:
        unit = _record_unit(ctx, kind, pk)
        seen = ref.RECORD_NO_CLIENT if client_id is None else int(level)
        observed[unit] = INCONSISTENT if unit in observed else seen


def _observe_record_doors(ctx: Context, colleague: int) -> Units:
    """`Opportunity/Project/Invoice/Ticket.objects.visible_to`, with `with_client_level`."""
    u = ctx.colleagues[colleague]
    observed: dict[Unit, int] = {}
    # Each world is alone in the database: a kind it has no record of is not asked.
    kinds = {record.kind for record in ctx.world.records.values()}
    for kind, model in RECORD_MODELS.items():
        if kind not in kinds:
            continue
        rows = model.objects.visible_to(u).with_client_level(u)
        _record_rows(ctx, kind, list(rows.values_list(*RECORD_FIELDS)), observed)
    return observed


def _expect_records(
    ctx: Context, colleague: int, kinds: tuple[str, ...] = ref.RECORD_KINDS
) -> Units:
    world = ctx.world
    return {
        (record.kind, key): ref.reference_record_view(world, colleague, key)
        for key, record in world.records.items()
        if record.kind in kinds
    }


SALES_KINDS = (ref.OPPORTUNITY, ref.PROJECT, ref.INVOICE)


def _sales_selection(
    u: Colleague, kind: str, client: int | None = None
) -> QuerySet[Opportunity] | QuerySet[Project] | QuerySet[Invoice]:
    """The selection of a sales list (sales/queries.py), filtered by a client or not."""
    if kind == ref.OPPORTUNITY:
        return sales_queries.opportunities(u, sales_queries.OpportunityFilters(client=client))
    if kind == ref.PROJECT:
        return sales_queries.projects(u, sales_queries.ProjectFilters(client=client))
    return sales_queries.invoices(u, sales_queries.InvoiceFilters(client=client))


def _telling_clients(ctx: Context, colleague: int) -> list[tuple[str, int]]:
    """For each sales kind, the most telling client of the colleague's firm to filter a list
    by: one where the colleague has a record of theirs without seeing the client in full
    (the filter must not list it: probing client ids would tell which hidden client it is
    on), else one the colleague sees in full with records, else one with records; ties go in
    turn from colleague to colleague. (A query costs far more than a comparison.)"""
    world = ctx.world
    firm = world.colleagues[colleague].firm
    turn = list(world.colleagues).index(colleague)
    found: list[tuple[str, int]] = []
    for kind in SALES_KINDS:
        scores: dict[int, int] = {}
        for key, record in world.records.items():
            client = record.client
            if record.kind != kind or client is None or world.clients[client].firm != firm:
                continue
            full = ref.reference_level(world, colleague, client) == ref.FULL
            mine = ref.reference_record_visible(world, colleague, key)
            score = 3 if mine and not full else 2 if full else 1
            scores[client] = max(scores.get(client, 0), score)
        if scores:
            best = max(scores.values())
            tied = sorted(c for c, score in scores.items() if score == best)
            found.append((kind, tied[turn % len(tied)]))
    return found


def _observe_sales_by_client(ctx: Context, colleague: int) -> Units:
    """The sales lists filtered by a client (a contact's « Ventes » tab and « Tout voir dans
    la liste »), one telling client per kind: a record is listed only when its client is
    seen in full."""
    u = ctx.colleagues[colleague]
    observed: dict[Unit, int] = {}
    for kind, client in _telling_clients(ctx, colleague):
        rows = _sales_selection(u, kind, ctx.built.clients[client])
        found: dict[Unit, int] = {}
        _record_rows(ctx, kind, list(rows.values_list(*RECORD_FIELDS)), found)
        observed.update({(client, *unit): level for unit, level in found.items()})
    return observed


def _expect_sales_by_client(ctx: Context, colleague: int) -> Units:
    world = ctx.world
    expected: dict[Unit, int] = {}
    for kind, client in _telling_clients(ctx, colleague):
        full = ref.reference_level(world, colleague, client) == ref.FULL
        for key, record in world.records.items():
            if record.kind == kind:
                shown = full and record.client == client
                expected[(client, kind, key)] = ref.RECORD_CLIENT_FULL if shown else 0
    return expected


RECORD_RULE_SURFACES: list[WorkSurface] = [
    WorkSurface("records.visible_to", _observe_record_doors, _expect_records),
    WorkSurface("sales.queries (client filter)", _observe_sales_by_client, _expect_sales_by_client),
]


# The pages of the records (sales/views*.py, inbox/views*.py), as each colleague's browser
# reads them (per request: on the HTTP worlds). A row or a page shows its client by a link
# to the client's page (seen in full), or by its name alone with no link and no path to the
# client (seen through a place on the record); any other shape is INCONSISTENT.
# kind -> (list path, its query, the path of one record's page before its id).
RECORD_PAGES = {
    ref.OPPORTUNITY: ("/sales/opportunities/", "", "/sales/opportunities/"),
    ref.PROJECT: ("/sales/projects/", "", "/sales/projects/"),
    ref.INVOICE: ("/sales/invoices/", "", "/sales/invoices/"),
    ref.TICKET: ("/inbox/", "?status=all", "/inbox/"),
}
RECORD_ROW = re.compile(
    r'<tr data-(opportunity|project|invoice|ticket)="(\d+)"'
    r'(?: data-level="(full|name|none)")?>(.*?)</tr>',
    re.DOTALL,
)
RECORD_PAGE = re.compile(
    r'<article class="(?:sales-record|ticket)" data-(opportunity|project|invoice|ticket)="(\d+)"'
    r'(?: data-level="(full|name|none)")?>'
)
LEVEL_SHOWN = {
    "full": ref.RECORD_CLIENT_FULL,
    "name": ref.RECORD_CLIENT_NAME,
    "none": ref.RECORD_NO_CLIENT,
}


def _record_shown(ctx: Context, kind: str, pk: int, html_text: str, stated: str | None) -> int:
    """How a row or a page shows a record's client: its title must be the record's, its
    client's name must be there; a link to the client is FULL, the name alone is NAME."""
    key = ctx.record_key.get((kind, pk))
    if key is None or record_title(ctx.built.serial, key, kind) not in html_text:
        return INCONSISTENT
    client = ctx.world.records[key].client
    if client is None:
        shown = ref.RECORD_NO_CLIENT
    elif ctx.clients[client].display_name not in html_text:
        return INCONSISTENT
    else:
        client_path = f"/contacts/{ctx.built.clients[client]}/"
        if f'href="{client_path}"' in html_text:
            shown = ref.RECORD_CLIENT_FULL
        # SECURITY: seen through a place on the record, nothing leads to the client.
        elif client_path not in html_text and 'data-client-level="name"' in html_text:
            shown = ref.RECORD_CLIENT_NAME
        else:
            return INCONSISTENT
    if stated is not None and LEVEL_SHOWN[stated] != shown:
        return INCONSISTENT
    return shown


def _world_kinds(ctx: Context, colleague: int) -> list[str]:
    """The kinds of record the colleague's firm has (a page of a kind it has none of tells
    nothing: each world is alone in the database)."""
    firm = ctx.world.colleagues[colleague].firm
    present = {record.kind for record in ctx.world.records.values() if record.firm == firm}
    return [kind for kind in ref.RECORD_KINDS if kind in present]


def _observe_record_pages(ctx: Context, colleague: int) -> Units:
    """GET /sales/opportunities/, /sales/projects/, /sales/invoices/ and /inbox/ (every
    status), every page."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    for kind in _world_kinds(ctx, colleague):
        path, query, _detail = RECORD_PAGES[kind]
        url = path + query
        while url:
            response = http.get(url)
            if response.status_code in SIGNED_OUT:
                return observed
            assert response.status_code == 200, response.content[:300]
            page = response.content.decode()
            for row_kind, pk, stated, body in RECORD_ROW.findall(page):
                unit = _record_unit(ctx, row_kind, int(pk))
                seen = _record_shown(ctx, row_kind, int(pk), body, stated or None)
                observed[unit] = INCONSISTENT if unit in observed or row_kind != kind else seen
            more = CONTACT_MORE.search(page)
            url = path + html.unescape(more.group(1)) if more else ""
    return observed


def _expect_record_pages(ctx: Context, colleague: int) -> Units:
    kinds = _world_kinds(ctx, colleague)
    return {
        unit: level for unit, level in _expect_records(ctx, colleague).items() if unit[0] in kinds
    }


def _telling_records(ctx: Context, colleague: int) -> list[int]:
    """Two records of the colleague's firm to open: the most telling one they see (through
    a place on it rather than its client), and the most telling one they do not (on a client
    they see by name, else on one they do not see, else any); ties go in turn."""
    world = ctx.world
    firm = world.colleagues[colleague].firm
    turn = list(world.colleagues).index(colleague)
    seen: dict[int, int] = {}
    unseen: dict[int, int] = {}
    for key, record in world.records.items():
        if record.firm != firm:
            continue
        view = ref.reference_record_view(world, colleague, key)
        if view == ref.RECORD_UNSEEN:
            level = (
                ref.reference_level(world, colleague, record.client)
                if record.client is not None
                else ref.NONE
            )
            unseen[key] = 2 if level == ref.NAME else 1
        else:
            seen[key] = 2 if view == ref.RECORD_CLIENT_NAME else 1
    chosen = []
    for scores in (seen, unseen):
        if scores:
            best = max(scores.values())
            tied = sorted(key for key, score in scores.items() if score == best)
            chosen.append(tied[turn % len(tied)])
    return chosen


def _observe_record_details(ctx: Context, colleague: int) -> Units:
    """GET the page of each telling record: 404 (the answer of an unknown id) when not
    seen, else how the page shows the client."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    for key in _telling_records(ctx, colleague):
        kind = ctx.world.records[key].kind
        pk = ctx.built.records[key]
        response = http.get(f"{RECORD_PAGES[kind][2]}{pk}/")
        if response.status_code in SIGNED_OUT:
            return observed
        if response.status_code == 404:
            observed[(kind, key)] = ref.RECORD_UNSEEN
            continue
        assert response.status_code == 200, response.content[:300]
        page = response.content.decode()
        found = RECORD_PAGE.search(page)
        if found is None or found.groups()[:2] != (kind, str(pk)):
            observed[(kind, key)] = INCONSISTENT
            continue
        observed[(kind, key)] = _record_shown(ctx, kind, pk, page, found.group(3))
    return observed


def _expect_record_details(ctx: Context, colleague: int) -> Units:
    return {
        (ctx.world.records[key].kind, key): ref.reference_record_view(ctx.world, colleague, key)
        for key in _telling_records(ctx, colleague)
    }


# The API of the records (sales/api.py, inbox/api.py): each item names its client by id and
# name, with the reader's level on it ("full", or "name" for a record seen through a place
# on it); a ticket with no client has none. kind -> (path, its list query, the title key).
RECORD_API = {
    ref.OPPORTUNITY: ("/api/v1/opportunities", "", "title"),
    ref.PROJECT: ("/api/v1/projects", "", "name"),
    ref.INVOICE: ("/api/v1/invoices", "", "number"),
    ref.TICKET: ("/api/v1/tickets", "&status=all", "subject"),
}
API_CLIENT_LEVELS = {"full": ref.RECORD_CLIENT_FULL, "name": ref.RECORD_CLIENT_NAME}


def _api_record_shown(ctx: Context, kind: str, item: dict[str, object], title_key: str) -> int:
    """How an API item shows its record's client; INCONSISTENT when the item is not the
    record's, or its client says more than its id, name and level."""
    pk = item.get("id")
    key = ctx.record_key.get((kind, pk)) if isinstance(pk, int) else None
    if key is None or item.get(title_key) != record_title(ctx.built.serial, key, kind):
        return INCONSISTENT
    client = item.get("client")
    expected_client = ctx.world.records[key].client
    if client is None and expected_client is None:
        return ref.RECORD_NO_CLIENT
    if (
        not isinstance(client, dict)
        or expected_client is None
        or set(client) != {"id", "name", "level"}
        or client["id"] != ctx.built.clients[expected_client]
        or client["name"] != ctx.clients[expected_client].display_name
    ):
        return INCONSISTENT
    return API_CLIENT_LEVELS.get(str(client["level"]), INCONSISTENT)


def _observe_record_api(ctx: Context, colleague: int) -> Units:
    """GET /api/v1/opportunities, /projects, /invoices and /tickets (every status), every
    page (small pages, so the cursor is followed)."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    for kind in _world_kinds(ctx, colleague):
        path, query, title_key = RECORD_API[kind]
        first = f"{path}?limit=5{query}"
        url = first
        while url:
            response = http.get(url)
            if response.status_code in SIGNED_OUT:
                return observed
            assert response.status_code == 200, response.content[:300]
            body = response.json()
            for item in body["items"]:
                unit = _record_unit(ctx, kind, item["id"])
                seen = _api_record_shown(ctx, kind, item, title_key)
                observed[unit] = INCONSISTENT if unit in observed else seen
            url = f"{first}&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    return observed


def _observe_record_api_details(ctx: Context, colleague: int) -> Units:
    """GET /api/v1/<kind>/{id} of the telling records: 404 when not seen."""
    http = ctx.http_as(colleague)
    observed: dict[Unit, int] = {}
    for key in _telling_records(ctx, colleague):
        kind = ctx.world.records[key].kind
        path, _query, title_key = RECORD_API[kind]
        response = http.get(f"{path}/{ctx.built.records[key]}")
        if response.status_code in SIGNED_OUT:
            return observed
        if response.status_code == 404:
            observed[(kind, key)] = ref.RECORD_UNSEEN
            continue
        assert response.status_code == 200, response.content[:300]
        observed[(kind, key)] = _api_record_shown(ctx, kind, response.json(), title_key)
    return observed


RECORD_HTTP_SURFACES: list[WorkSurface] = [
    WorkSurface("page.record_lists", _observe_record_pages, _expect_record_pages),
    WorkSurface("page.record_detail", _observe_record_details, _expect_record_details),
    WorkSurface("api.record_lists", _observe_record_api, _expect_record_pages),
    WorkSurface("api.record_detail", _observe_record_api_details, _expect_record_details),
]


def check_world(
    world: ref.World,
    surfaces: list[Surface],
    *,
    explain: bool,
    work: list[WorkSurface] | None = None,
) -> Comparison:
    """Builds the world, compares the surfaces (and explain, and the work surfaces), then
    rolls the world back."""
    with transaction.atomic():
        built = build(world, audit_events=any(s.needs_audit_events for s in surfaces))
        ctx = Context(world, built)
        result = compare(ctx, surfaces)
        if explain:
            result.extend(compare_explain(ctx))
        if work:
            result.extend(compare_work(ctx, work))
        transaction.set_rollback(True)
    return result
