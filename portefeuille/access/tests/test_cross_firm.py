"""Cross-firm (docs/access-proofs.md): every id of firm B sent to every route and endpoint of
the application, by an admin of firm A, gets the very same answer as an id that exists
nowhere — a refusal, never a success, and not one byte that tells the two apart.

The sweep is generic, so routes added later are swept without touching this file:
- every URL pattern of the root URLConf with an id parameter (an `int` converter, or a
  name like `pk`, `id`, `..._pk`, `..._id`), with GET and POST (and PUT, PATCH, DELETE for
  the API);
- every operation of the OpenAPI document with a path parameter, with its own method and
  a well-formed JSON body; ids inside bodies and integer query parameters are probed too.

To make any id parameter meaningful whatever model it names, one row of EVERY firm-scoped
model is created with id 500000 in firm A and with id 600000 in firm B, and 700000 is an
id no table holds. Each id parameter in turn takes firm B's id while the others keep firm
A's (so nested routes are probed at each level). Other parameters (an action, a kind) take
the values found by following the links of firm A's own pages, starting from every route
without parameters; a route whose values cannot be found that way is counted and named in
the figures.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OffboardingItem,
    OffboardingPlan,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    Document,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
    TimelineItem,
)
from portefeuille.customfields.models import CustomField, CustomValue
from portefeuille.exchange.models import Export, Import
from portefeuille.firms import services as firms
from portefeuille.firms.models import (
    Colleague,
    ContactType,
    Firm,
    OpportunityStage,
    PersonalAccessToken,
    RoleSlot,
    Team,
    TeamMembership,
    WorkStatus,
    WorkType,
)
from portefeuille.inbox.models import InboundFailure, Ticket, TicketMessage
from portefeuille.notifications.models import Notification, NotificationPreference
from portefeuille.sales.models import Invoice, Opportunity, Project, ProjectCollaborator
from portefeuille.web import views as web_views
from portefeuille.work.models import HomeVisit, Segment, Task, WorkItem, WorkNote

from . import figures, openapi_examples

pytestmark = pytest.mark.django_db

OURS, THEIRS, UNKNOWN = 500_000, 600_000, 700_000
SECTION = "cross-firm (firm B's ids on firm A's routes)"
API_PREFIX = "/api/v1/"
WRITE_METHODS = ("post", "put", "patch", "delete")
ID_NAME = re.compile(r"(^|_)(pk|id)$")
LINK = re.compile(r"""(?:href|action|hx-get|hx-post|hx-put|hx-patch|hx-delete)=["']([^"'#]+)""")
CRAWL_LIMIT = 300


# ---------------------------------------------------------------------------------------
# One row of every firm-scoped model, with the same id in each firm.
# ---------------------------------------------------------------------------------------


def _rows(firm: Firm, pk: int, tag: str) -> list[models.Model]:
    """The rows of one firm, every one with primary key `pk`, linked to each other."""
    colleague = Colleague(
        pk=pk,
        firm=firm,
        email=f"admin-{tag}@example.test",
        first_name="Admin",
        last_name=tag,
        profile=Colleague.Profile.ADMIN,
        password="!cross-firm",
    )
    team = Team(pk=pk, firm=firm, name=f"Équipe {tag}")
    entry = OwnerEntry(pk=pk, firm=firm, colleague=colleague)
    portfolio = Portfolio(pk=pk, firm=firm, name=f"Portefeuille {tag}")
    contact_type = ContactType(pk=pk, firm=firm, name=f"Type {tag}")
    client = Contact(
        pk=pk,
        firm=firm,
        kind=Contact.Kind.ORGANIZATION,
        display_name=f"Client {tag}",
        search_name=f"client {tag}",
        owner=entry,
        manager=colleague,
        portfolio=portfolio,
        contact_type=contact_type,
    )
    # A person and a client group beside the organization, for its card and its group
    # (their own ids are never probed; the card's and the membership's are).
    person = Contact(
        pk=pk + 1,
        firm=firm,
        kind=Contact.Kind.PERSON,
        display_name=f"Personne {tag}",
        search_name=f"personne {tag}",
        first_name="Personne",
        last_name=tag,
    )
    group = Contact(
        pk=pk + 2,
        firm=firm,
        kind=Contact.Kind.CLIENT_GROUP,
        display_name=f"Groupe {tag}",
        search_name=f"groupe {tag}",
    )
    note = TimelineItem(
        pk=pk, firm=firm, client=client, kind=TimelineItem.Kind.NOTE, body=f"Note {tag}"
    )
    status = WorkStatus(
        pk=pk, firm=firm, name=f"Statut {tag}", primary_state=WorkStatus.PrimaryState.PLANNED
    )
    work_item = WorkItem(pk=pk, firm=firm, client=client, title=f"Travail {tag}", status=status)
    custom_field = CustomField(
        pk=pk, firm=firm, area=CustomField.Area.CONTACT, label=f"Champ {tag}", kind="text"
    )
    plan = OffboardingPlan(
        pk=pk,
        firm=firm,
        colleague=colleague,
        colleague_name=f"Admin {tag}",
        action=OffboardingPlan.Action.DEACTIVATE,
        created_by=colleague,
    )
    stage = OpportunityStage(pk=pk, firm=firm, name=f"Étape {tag}")
    project = Project(pk=pk, firm=firm, client=client, name=f"Projet {tag}", manager=colleague)
    ticket = Ticket(
        pk=pk,
        firm=firm,
        subject=f"Ticket {tag}",
        client=client,
        assignee=colleague,
        requester_email=f"demandeur-{tag}@example.test",
    )
    return [
        colleague,
        team,
        TeamMembership(pk=pk, firm=firm, team=team, colleague=colleague),
        contact_type,
        RoleSlot(pk=pk, firm=firm, number=1, title="Associé"),
        WorkType(pk=pk, firm=firm, name=f"Travail {tag}"),
        status,
        PersonalAccessToken(
            pk=pk,
            firm=firm,
            colleague=colleague,
            name=f"Jeton {tag}",
            prefix=f"x{tag}",
            key_hash=hashlib.sha256(tag.encode()).hexdigest(),
        ),
        entry,
        portfolio,
        client,
        RoleAssignment(pk=pk, firm=firm, client=client, slot=1, colleague=colleague),
        ClientMember(pk=pk, firm=firm, client=client, colleague=colleague),
        AccessGrant(pk=pk, firm=firm, client=client, team=team),
        PortfolioStaff(pk=pk, firm=firm, portfolio=portfolio, colleague=colleague),
        AuditEvent(
            pk=pk, firm=firm, client=client, action="client.created", created_at=timezone.now()
        ),
        person,
        group,
        EmailAddress(pk=pk, firm=firm, contact=client, address=f"client-{tag}@example.test"),
        PhoneNumber(pk=pk, firm=firm, contact=client, number="+33612345678"),
        PostalAddress(pk=pk, firm=firm, contact=client, street=f"1 rue {tag}", country="FR"),
        SocialHandle(pk=pk, firm=firm, contact=client, network="linkedin", handle=tag),
        ContactCard(pk=pk, firm=firm, person=person, organization=client, role="Gérant"),
        GroupMembership(pk=pk, firm=firm, group=group, member=client),
        note,
        Document(
            pk=pk,
            firm=firm,
            client=client,
            name=f"Document {tag}.pdf",
            file=f"documents/cross-firm-{tag}.pdf",
            size=1,
            content_type="application/pdf",
        ),
        plan,
        OffboardingItem(pk=pk, firm=firm, plan=plan, kind="manager", client=client),
        Notification(
            pk=pk, firm=firm, recipient=colleague, kind="client.manager_given", client=client
        ),
        NotificationPreference(pk=pk, firm=firm, colleague=colleague, kind="client.owner_given"),
        work_item,
        Task(pk=pk, firm=firm, work_item=work_item, title=f"Tâche {tag}"),
        WorkNote(pk=pk, firm=firm, work_item=work_item, author=colleague, body=f"Note {tag}"),
        Segment(pk=pk, firm=firm, owner=colleague, area=Segment.Area.WORK, name=f"Segment {tag}"),
        HomeVisit(pk=pk, firm=firm, colleague=colleague),
        # A large export of the monitor, still queued (docs/exchange.md): its page answers.
        Export(pk=pk, firm=firm, requester=colleague, format="xlsx", state="col=name"),
        # An import of contacts waiting for its columns (docs/imports.md): its pages answer.
        Import(
            pk=pk,
            firm=firm,
            requester=colleague,
            file=f"imports/cross-firm-{tag}.csv",
            original_name=f"import-{tag}.csv",
            format="csv",
            headers=["Nom"],
            mapping=["name"],
        ),
        custom_field,
        CustomValue(pk=pk, firm=firm, field=custom_field, contact=client, text=f"Valeur {tag}"),
        # The sales records (docs/sales.md).
        stage,
        Opportunity(
            pk=pk, firm=firm, client=client, title=f"Affaire {tag}", stage=stage, assignee=colleague
        ),
        project,
        ProjectCollaborator(pk=pk, firm=firm, project=project, colleague=colleague),
        Invoice(
            pk=pk,
            firm=firm,
            client=client,
            number=f"F-{tag}",
            date=datetime.date(2026, 1, 1),
            amount=Decimal("10.00"),
        ),
        # The shared inbox (docs/inbox.md).
        ticket,
        TicketMessage(
            pk=pk, firm=firm, ticket=ticket, kind=TicketMessage.Kind.NOTE, body=f"Note {tag}"
        ),
        InboundFailure(pk=pk, firm=firm, source="upload", reason=f"Illisible {tag}", raw=b"x"),
    ]


def firm_scoped_models() -> set[type[models.Model]]:
    """Firm, and every model of the project with a `firm` foreign key."""
    found: set[type[models.Model]] = {Firm}
    for model in apps.get_models():
        if not model.__module__.startswith("portefeuille."):
            continue
        try:
            field_ = model._meta.get_field("firm")
        except Exception:  # noqa: S112 - no such field: not firm-scoped
            continue
        if getattr(field_, "related_model", None) is Firm:
            found.add(model)
    return found


def create_both_firms() -> tuple[Colleague, Colleague]:
    """Firm A (id 500000) and firm B (600000) with one row of each model; returns their
    admins."""
    ours = Firm.objects.create(pk=OURS, name="Cabinet A")
    theirs = Firm.objects.create(pk=THEIRS, name="Cabinet B")
    for firm, pk, tag in ((ours, OURS, "a"), (theirs, THEIRS, "b")):
        for row in _rows(firm, pk, tag):
            row.save(force_insert=True)
    # Two more colleagues of firm A, so its pages offer every action on a colleague (one
    # cannot deactivate oneself); their ids are never probed, only the links they bring.
    # The active one is on the client's team: the pages to deactivate or delete someone who
    # holds clients link to the offboarding plan (docs/offboarding.md).
    for n, active in enumerate((True, False)):
        other = Colleague.objects.create(
            firm=ours, email=f"staff-{n}@example.test", is_active=active, password="!cross-firm"
        )
        if active:
            ClientMember.objects.create(firm=ours, client_id=OURS, colleague=other)
    return Colleague.objects.get(pk=OURS), Colleague.objects.get(pk=THEIRS)


def test_the_sweep_has_a_row_of_every_firm_scoped_model() -> None:
    """A firm-scoped model added later must get its rows in `_rows`, or the sweep would
    send ids that name nothing of that model."""
    covered = {type(row) for row in _rows(Firm(pk=1), 1, "x")} | {Firm}
    assert firm_scoped_models() - covered == set()


# ---------------------------------------------------------------------------------------
# The routes.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    template: str  # "settings/teams/<int:pk>/members/<int:colleague_pk>/remove/"
    params: tuple[str, ...]
    ids: tuple[str, ...]  # the id parameters
    api: bool
    # An old address (web/views.py::moved): it redirects without reading anything, so it is
    # judged by where its redirect leads (followed, for firm B's id and the unknown one);
    # `moved` is the template of the route it leads to, whose parameter values it borrows.
    moved: str = ""

    def path(self, values: dict[str, object]) -> str:
        path = self.template
        for name in self.params:
            path = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), path)
        return "/" + path


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _moved_to(pattern: URLPattern, template: str) -> str:
    """The template of the route an old address redirects to."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", template)
    values = {name: OURS if converter == "int" else "x" for converter, name in params}
    fixed = {k: v for k, v in pattern.default_args.items() if k != "to"}
    return str(resolve(reverse(pattern.default_args["to"], kwargs={**fixed, **values})).route)


def routes() -> list[Route]:
    """Every route of the root URLConf written with `path()` (regex routes, those of
    django-allauth, carry no id of ours)."""
    found: dict[str, Route] = {}
    for template, pattern in _walk(get_resolver().url_patterns):
        if "^" in template or "(?P" in template:
            continue
        moved = _moved_to(pattern, template) if pattern.callback is web_views.moved else ""
        params = tuple(re.findall(r"<(?:(\w+):)?(\w+)>", template))
        names = tuple(name for _converter, name in params)
        ids = tuple(
            name for converter, name in params if converter == "int" or ID_NAME.search(name)
        )
        found.setdefault(
            template, Route(template, names, ids, template.startswith("api/"), moved=moved)
        )
    return list(found.values())


# ---------------------------------------------------------------------------------------
# Requests and how two answers are compared.
# ---------------------------------------------------------------------------------------

CSRF_VALUE = re.compile(
    r"""((?:csrfmiddlewaretoken|csrf[-_]?token|nonce)["']?\s*(?:value|content)?\s*[=:]\s*["'])[^"']*""",
    re.IGNORECASE,
)


def normalised(body: bytes, *ids: int) -> str:
    """The body with per-request secrets (CSRF tokens, nonces) blanked and the probed id
    replaced by a placeholder, so firm B's answer and the unknown id's can be compared."""
    text = body.decode("utf-8", errors="replace")
    text = CSRF_VALUE.sub(r"\1…", text)
    for value in ids:
        text = re.sub(rf"(?<!\d){value}(?!\d)", "{id}", text)
    return text


@dataclass
class Sweep:
    http: HttpClient
    api_headers: dict[str, str]
    requests: int = 0
    compared: int = 0
    successes: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    controls: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def send(
        self,
        method: str,
        path: str,
        *,
        api: bool,
        body: object = None,
        query: dict[str, object] | None = None,
        follow: bool = False,
    ) -> Any:
        self.requests += 1
        kwargs: dict[str, Any] = {"data": query} if query else {}
        if follow:
            kwargs["follow"] = True
        if api:
            kwargs["headers"] = self.api_headers
            if body is not None:
                kwargs = {**kwargs, "data": json.dumps(body), "content_type": "application/json"}
        return getattr(self.http, method)(path, **kwargs)

    def probe(
        self,
        what: str,
        method: str,
        theirs: tuple[str, object, dict[str, object] | None],
        unknown: tuple[str, object, dict[str, object] | None],
        *,
        api: bool,
        refusal_required: bool = True,
        follow: bool = False,
    ) -> None:
        """Sends firm B's variant and the unknown variant; they must be refused alike (with
        `follow`, where their redirects lead, by the same way)."""
        answer = self.send(
            method, theirs[0], api=api, body=theirs[1], query=theirs[2], follow=follow
        )
        control = self.send(
            method, unknown[0], api=api, body=unknown[1], query=unknown[2], follow=follow
        )
        self.compared += 1
        self.statuses[answer.status_code] += 1
        label = f"{method.upper()} {theirs[0]} ({what})"
        if refusal_required and answer.status_code < 400:
            self.successes.append(f"{label}: {answer.status_code}")
        ways = [
            normalised(repr(getattr(a, "redirect_chain", [])).encode(), THEIRS, UNKNOWN)
            for a in (answer, control)
        ]
        if (
            answer.status_code != control.status_code
            or ways[0] != ways[1]
            or normalised(answer.content, THEIRS, UNKNOWN)
            != normalised(control.content, THEIRS, UNKNOWN)
        ):
            self.differences.append(
                f"{label}: {answer.status_code} {answer.content[:300]!r} "
                f"but for an unknown id {control.status_code} {control.content[:300]!r}"
            )


# ---------------------------------------------------------------------------------------
# Finding the values of non-id parameters by following firm A's own links.
# ---------------------------------------------------------------------------------------


def crawl(http: HttpClient, starts: list[str]) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """Follows links (href, form actions, htmx attributes) from the given pages as firm A's
    admin (GET only), and returns, for each route template, the values its non-id
    parameters took."""
    by_route = {route.template: route for route in routes()}
    values: dict[str, set[tuple[tuple[str, str], ...]]] = defaultdict(set)
    seen: set[str] = set()
    queue = list(starts)
    while queue and len(seen) < CRAWL_LIMIT:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = http.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(response.content.decode("utf-8", errors="replace")):
            path = urlsplit(link).path
            if not path.startswith("/") or path.startswith("//") or "logout" in path:
                continue
            try:
                match = resolve(path)
            except Resolver404:
                continue
            route = by_route.get(match.route)
            if route is not None and route.params:
                values[route.template].add(
                    tuple(
                        sorted((k, str(v)) for k, v in match.kwargs.items() if k not in route.ids)
                    )
                )
            if path not in seen:
                queue.append(path)
    return values


# ---------------------------------------------------------------------------------------
# Bodies for API operations, from the OpenAPI document.
# ---------------------------------------------------------------------------------------


def example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A well-formed value for a JSON schema; every integer is firm A's id (500000), so
    ids inside a body can be swapped for firm B's."""
    return openapi_examples.example(schema, components, lambda _name: OURS)


def swap(value: Any, old: int, new: int) -> Any:
    if isinstance(value, dict):
        return {k: swap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [swap(v, old, new) for v in value]
    return new if value == old and not isinstance(value, bool) else value


# ---------------------------------------------------------------------------------------
# The sweep.
# ---------------------------------------------------------------------------------------


@pytest.fixture
def sweep() -> Sweep:
    ours, _theirs = create_both_firms()
    http = HttpClient()
    http.force_login(ours)
    _token, secret = firms.create_api_token(actor=ours, name="Balayage inter-cabinets")
    return Sweep(http=http, api_headers={"Authorization": f"Bearer {secret}"})


def _id_variants(route: Route, others: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(what, firm B's path, the unknown path): each id parameter in turn, then all."""
    for name in route.ids:
        base = {**others, **dict.fromkeys(route.ids, OURS)}
        yield (
            f"{name} of firm B",
            route.path({**base, name: THEIRS}),
            route.path({**base, name: UNKNOWN}),
        )
    if len(route.ids) > 1:
        base = dict(others)
        yield (
            "every id of firm B",
            route.path({**base, **dict.fromkeys(route.ids, THEIRS)}),
            route.path({**base, **dict.fromkeys(route.ids, UNKNOWN)}),
        )


def test_no_route_serves_an_id_of_another_firm(sweep: Sweep) -> None:
    all_routes = routes()
    id_routes = [r for r in all_routes if r.ids]
    # Firm A's own pages: every route without parameters, and every id route at firm A's ids.
    starts = ["/" + r.template for r in all_routes if not r.params and not r.api]
    starts += [
        r.path(dict.fromkeys(r.params, OURS)) for r in id_routes if set(r.params) == set(r.ids)
    ]
    starts = [s for s in starts if "logout" not in s]
    found = crawl(sweep.http, starts)

    unexplored: list[str] = []
    for route in id_routes:
        value_params = [p for p in route.params if p not in route.ids]
        combos = (
            [dict(c) for c in found.get(route.moved or route.template, set())]
            if value_params
            else [{}]
        )
        if not combos:
            unexplored.append(route.template)
            continue
        for others in combos:
            control = sweep.send(
                "get", route.path({**others, **dict.fromkeys(route.ids, OURS)}), api=route.api
            )
            sweep.controls[route.template] = min(
                sweep.controls.get(route.template, 999), control.status_code
            )
            methods = ("get", "post", *(("put", "patch", "delete") if route.api else ()))
            for what, theirs, unknown in _id_variants(route, others):
                for method in methods:
                    sweep.probe(
                        what,
                        method,
                        (theirs, None, None),
                        (unknown, None, None),
                        api=route.api,
                        follow=bool(route.moved),
                    )

    figures.add(
        SECTION,
        {
            "routes with an id": len(id_routes),
            "routes whose firm-A page answered": sum(1 for s in sweep.controls.values() if s < 400),
            "requests": sweep.requests,
            "answers compared": sweep.compared,
            "successes": len(sweep.successes),
            "differences from an unknown id": len(sweep.differences),
            "routes without discoverable parameter values": len(unexplored),
        },
    )
    assert sweep.successes == [], "\n".join(sweep.successes[:30])
    assert sweep.differences == [], "\n".join(sweep.differences[:30])
    assert unexplored == [], (
        "no link of firm A's pages leads to these routes, so their non-id parameters "
        f"cannot be filled: {unexplored}"
    )


def test_no_api_operation_serves_an_id_of_another_firm(sweep: Sweep) -> None:
    response = sweep.http.get(API_PREFIX + "openapi.json")
    assert response.status_code == 200
    document = response.json()
    components = document.get("components", {}).get("schemas", {})
    operations = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", *WRITE_METHODS):
                continue
            operations += 1
            parameters = operation.get("parameters", [])
            in_path = [p["name"] for p in parameters if p["in"] == "path"]
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = example(content["application/json"]["schema"], components)

            def fill(values: dict[str, int], path: str = path) -> str:
                for name, value in values.items():
                    path = path.replace("{" + name + "}", str(value))
                return path

            ours = dict.fromkeys(in_path, OURS)
            # Each path id of firm B in turn (the others firm A's), then all of them.
            variants = [(name, {**ours, name: THEIRS}, {**ours, name: UNKNOWN}) for name in in_path]
            if len(in_path) > 1:
                variants.append(
                    ("every id", dict.fromkeys(in_path, THEIRS), dict.fromkeys(in_path, UNKNOWN))
                )
            for what, theirs, unknown in variants:
                sweep.probe(
                    f"path {what}",
                    method,
                    (fill(theirs), body, None),
                    (fill(unknown), body, None),
                    api=True,
                )
            # Ids inside the body: firm B's where the body names firm A's objects.
            if body is not None and swap(body, OURS, THEIRS) != body and method != "get":
                sweep.probe(
                    "ids in the body",
                    method,
                    (fill(ours), swap(body, OURS, THEIRS), None),
                    (fill(ours), swap(body, OURS, UNKNOWN), None),
                    api=True,
                )
            # Integer query parameters (filters such as owner, manager, portfolio).
            for parameter in parameters:
                schema = parameter.get("schema", {})
                if parameter["in"] != "query" or example(schema, components) != OURS:
                    continue
                sweep.probe(
                    f"query {parameter['name']}",
                    method,
                    (fill(ours), body, {parameter["name"]: THEIRS}),
                    (fill(ours), body, {parameter["name"]: UNKNOWN}),
                    api=True,
                    refusal_required=False,  # a filter by an unknown id may answer an empty list
                )

    figures.add(
        SECTION,
        {
            "API operations": operations,
            "API answers compared": sweep.compared,
            "API successes": len(sweep.successes),
            "API differences from an unknown id": len(sweep.differences),
        },
    )
    assert sweep.successes == [], "\n".join(sweep.successes[:30])
    assert sweep.differences == [], "\n".join(sweep.differences[:30])
