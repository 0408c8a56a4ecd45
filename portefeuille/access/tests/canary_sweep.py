"""The machinery of the canary sweep (docs/access-proofs.md): how the routes and operations of
the table in test_canaries.py are called for one role, and how every answer is read.

Every answer is read whole (streamed downloads included): status line, headers, cookies,
body, the body and the Location once percent-decoded, and the cursors of its "more" links
decoded from base64. A canary the request itself carried (an id in the path, the query or
the body) is not counted in its answer: echoing what the caller sent reveals nothing.
Writes run in a savepoint rolled back after the answer is read, so the world stays as built.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client as HttpClient

from . import canary_world as cw

UNKNOWN_ID = 93_999_999  # no table holds it: outside every range the world uses
MAX_PAGES = 40
API_PAGE_LIMIT = 4  # small pages, so that every list is read over several

# Kinds of id a route or an operation takes.
CONTACT = "contact"
EMAIL = "email"
PHONE = "phone"
ADDRESS = "address"
SOCIAL = "social_handle"
CARD = "card"
ITEM = "timeline_item"
DOCUMENT = "document"
GRANT = "grant"
COLLEAGUE = "colleague"
TEAM = "team"
PORTFOLIO = "portfolio"
TOKEN = "token"
NOTIFICATION = "notification"
OFFBOARDING_PLAN = "offboarding_plan"
OFFBOARDING_ITEM = "offboarding_item"  # a place of a plan
OWNER = "owner_entry"
CONTACT_TYPE = "contact_type"
WORK_TYPE = "work_type"
WORK_STATUS = "work_status"
WORK_ITEM = "work_item"
TASK = "task"  # a line of a work item's checklist (its parent: the work item, `Item.also`)
WORK_NOTE = "work_note"
SEGMENT = "segment"  # a saved filter: its owner's only
DETAIL = "detail"  # the `id` field of a web form: an e-mail, phone, address, handle or card
ROLE_FILTER = "role_filter"  # `<slot>:<colleague id>` or a colleague id (contacts filter)
# Sales and service records (docs/access-rules.md, "their own people").
OPPORTUNITY = "opportunity"
PROJECT = "project"
INVOICE = "invoice"
OPPORTUNITY_STAGE = "opportunity_stage"
TICKET = "ticket"
TICKET_MESSAGE = "ticket_message"  # a message of a ticket (its parent: the ticket, `Item.also`)
CUSTOM_FIELD = "custom_field"  # a custom field's definition (docs/custom-fields.md)
EXPORT = "export"  # a large export of the client monitor: its requester's only
IMPORT = "import"  # an import of contacts: its requester's only
KINDS = (
    CONTACT,
    EMAIL,
    PHONE,
    ADDRESS,
    SOCIAL,
    CARD,
    ITEM,
    DOCUMENT,
    GRANT,
    COLLEAGUE,
    TEAM,
    PORTFOLIO,
    TOKEN,
    NOTIFICATION,
    OFFBOARDING_PLAN,
    OFFBOARDING_ITEM,
    OWNER,
    CONTACT_TYPE,
    WORK_TYPE,
    WORK_STATUS,
    WORK_ITEM,
    TASK,
    WORK_NOTE,
    SEGMENT,
    OPPORTUNITY,
    PROJECT,
    INVOICE,
    OPPORTUNITY_STAGE,
    TICKET,
    TICKET_MESSAGE,
    CUSTOM_FIELD,
    EXPORT,
    IMPORT,
)
DETAIL_KINDS = (EMAIL, PHONE, ADDRESS, SOCIAL, CARD)
# The contact each firm's routes start from (the role's "own" visible client).
BASE_CONTACT = {"a": "O", "b": "OB"}
HIDDEN_SAMPLE = 2


def _unique(items: list[cw.Item]) -> list[cw.Item]:
    seen: set[int] = set()
    return [item for item in items if not (item.pk in seen or seen.add(item.pk))]  # type: ignore[func-returns-value]


@dataclass(frozen=True)
class Finding:
    role: str
    route: str  # the URL name or the operation id
    request: str
    status: int
    canary: str
    fact: str
    where: str
    excerpt: str

    def __str__(self) -> str:
        return (
            f"[{self.role}] {self.request} -> {self.status}: {self.fact} ({self.canary}) "
            f"in {self.where}: …{self.excerpt}…"
        )


# ---------------------------------------------------------------------------------------
# Reading an answer.
# ---------------------------------------------------------------------------------------

CURSOR = re.compile(
    r"""(?:"next_cursor"\s*:\s*"|[?&;](?:cursor|after|before|after_name)=)([A-Za-z0-9_\-%=.:+]+)"""
)
PAGE_LINK = re.compile(r"[?&](?:after|cursor|before|page)=")


def _decoded_cursors(text: str) -> str:
    found = []
    for raw in CURSOR.findall(text):
        value = unquote(raw)
        found.append(value)
        padded = value + "=" * (-len(value) % 4)
        try:
            found.append(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        except (ValueError, UnicodeError, binascii.Error):
            continue
    return "\n".join(found)


TOKEN_SHAPE = re.compile(r"zq[0-9a-f]{10}", re.IGNORECASE)
ID_SHAPE = re.compile(r"(?<![\w.])9[3-5]\d{6}(?!\w)")
# A literal's digits, whatever separates them: spaces (no-break and narrow no-break, as
# French groups thousands), dots, hyphens, commas (English thousands, French decimals),
# apostrophes (Swiss thousands) and slashes (a short date: 19/07/2031, 07/19/2031).
DIGITS = re.compile(r"\d(?:[ .,'\u2019/\-\u00a0\u202f]?\d){7,}")
SEPARATORS = re.compile(r"[ .,'\u2019/\-\u00a0\u202f]")


class Detector:
    """Finds the canaries hidden from one role in a text: every canary has a shape (a `zq`
    token, an id of the world's ranges, a run of digits) found by one pattern, then looked up."""

    def __init__(self, canaries: cw.Canaries, role: str) -> None:
        self.texts, self.literals, self.ids = canaries.hidden_from(role)
        self.id_texts = {str(pk) for pk in self.ids}

    def find(self, text: str, echo: str) -> Iterator[tuple[str, int]]:
        """(canary, position) of every canary in `text` that `echo` (the request) lacks."""
        if self.texts:
            for match in TOKEN_SHAPE.finditer(text):
                value = match.group(0).lower()
                if value in self.texts and value not in echo.lower():
                    yield value, match.start()
        if self.id_texts:
            for match in ID_SHAPE.finditer(text):
                value = match.group(0)
                if value in self.id_texts and not re.search(rf"(?<!\d){value}(?!\d)", echo):
                    yield value, match.start()
        if self.literals:
            for match in DIGITS.finditer(text):
                digits = SEPARATORS.sub("", match.group(0))
                for literal in self.literals:
                    if literal in digits and literal not in echo:
                        yield literal, match.start()


def read(response: HttpResponseBase) -> tuple[str, str]:
    """(headers, body) of an answer as text; a streamed body is read to its end."""
    # Never response.close(): the test client already closed it (for a streamed one, once
    # its content is read), and a second close would close the database connection.
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content  # type: ignore[attr-defined]
    if body.startswith(b"PK\x03\x04"):
        # A zip (an .xlsx export): the text of every part, its XML entities read back.
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"\n".join(
                html.unescape(archive.read(name).decode("utf-8", errors="replace")).encode()
                for name in archive.namelist()
            )
    headers = [f"HTTP {response.status_code}"]
    headers += [f"{name}: {value}" for name, value in response.items()]
    headers += [morsel.OutputString() for morsel in response.cookies.values()]
    return "\n".join(headers), body.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------
# One role's sweep.
# ---------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str) if value is not None else ""


@dataclass
class Sweep:
    world: cw.World
    role: str
    answers: int = 0
    findings: list[Finding] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    called: set[str] = field(default_factory=set)  # route names and operation ids
    seen: set[str] = field(default_factory=set)  # canaries read (for the positive control)
    sent: set[tuple[str, str, str, str]] = field(default_factory=set)
    session_changes: list[str] = field(default_factory=list)  # requests that changed it

    def __post_init__(self) -> None:
        self.detector = Detector(self.world.canaries, self.role)
        self.http: HttpClient = self.world.browsers[self.role]
        self.firm = self.world.own_firm[self.role]
        self.firm_key = "a" if self.firm is self.world.a else "b"
        self.bearer = self.role not in cw.SIGNED_OUT_ROLES or self.role in cw.TOKEN_ONLY_ROLES
        # For the positive control: what the role may read, among every canary.
        self.control: Detector | None = None

    # --- values --------------------------------------------------------------------------

    def _split(self, kind: str) -> tuple[list[cw.Item], list[cw.Item], list[cw.Item]]:
        """(own records the role may see, own records it may not, the other firm's)."""
        ids = self.world.canaries.ids
        own = list(self.firm.items.get(kind, {}).values())
        other_firm = self.world.b if self.firm is self.world.a else self.world.a
        other = list(other_firm.items.get(kind, {}).values())
        visible = [item for item in own if self.role not in ids.get(item.pk, ())]
        hidden = [item for item in own if self.role in ids.get(item.pk, ())]
        return visible, hidden, other

    def candidates(self, kind: str) -> list[cw.Item]:
        """Every record of this kind the role may see, and a sample of those it may not: the
        most secret of its own firm, and one of the other firm's. (An id no table holds
        names no canary: test_cross_firm.py compares its answers with the other firm's.)"""
        visible, hidden, other = self._split(kind)
        return _unique([self.base(kind), *visible, *hidden[:HIDDEN_SAMPLE], *other[:1]])

    def probes(self, kind: str) -> list[cw.Item]:
        """Fewer (writes, filters): the role's own record and the sample it may not see."""
        return _unique([self.base(kind), *self.hidden(kind)])

    def hidden(self, kind: str) -> list[cw.Item]:
        """The sample of records of this kind the role may not see: its firm's most secret
        one, and one of the other firm's."""
        _visible, hidden, other = self._split(kind)
        return [*hidden[:1], *other[:1]]

    def base(self, kind: str) -> cw.Item:
        """The role's own record of this kind: in its firm, on its base contact if it can."""
        own = list(self.firm.items.get(kind, {}).values())
        if kind == COLLEAGUE:
            # The colleague on the client teams of the hidden clients (firm B: its staff).
            return self.firm.items[kind]["member" if self.firm_key == "a" else "staff"]
        if kind in (SEGMENT, EXPORT, IMPORT):
            # A segment, an export or an import is its owner's only: the role's own one.
            mine = self._split(kind)[0]
            return mine[0] if mine else cw.Item(UNKNOWN_ID)
        contact = self.firm.contacts[BASE_CONTACT[self.firm_key]].pk
        for item in own:
            if item.contact == contact or (kind == CONTACT and item.pk == contact):
                return item
        return own[0] if own else cw.Item(UNKNOWN_ID)

    def variants(
        self, ids: Mapping[str, str], parents: Mapping[str, str], *, few: bool = False
    ) -> list[dict[str, int]]:
        """Each id parameter in turn over every candidate (or every probe), the others at
        their base; a nested record also with its own contact as parent."""
        base = {name: self.base(kind).pk for name, kind in ids.items()}
        found: list[dict[str, int]] = [dict(base)]
        for name, kind in ids.items():
            for item in self.probes(kind) if few else self.candidates(kind):
                found.append({**base, name: item.pk})
                parent = parents.get(name)
                if parent is None:
                    continue
                for contact in (item.contact, item.also):
                    if contact is not None:
                        found.append({**base, name: item.pk, parent: contact})
        unique: dict[str, dict[str, int]] = {}
        for values in found:
            unique.setdefault(_canonical(values), values)
        return list(unique.values())

    def body_ids(self, count: int) -> Iterator[dict[str, int]]:
        """Up to `count` assignments kind -> id for the records a body names: the role's own;
        its firm's records it may not see, first as the record the form acts on (`id`:
        a detail, a card) then as the records it links (contacts, colleagues, teams...), one
        group at a time, so that an answer naming one cannot pass for the echo of another;
        then the other firm's."""
        own = {kind: self.base(kind).pk for kind in KINDS}
        own[DETAIL] = self.base(EMAIL).pk
        secret = {kind: self._split(kind)[1][:1] for kind in KINDS}
        acted = dict(own)
        for kind in DETAIL_KINDS:
            if secret[kind]:
                acted[kind] = secret[kind][0].pk
        details = [acted[kind] for kind in DETAIL_KINDS if secret[kind]]
        acted[DETAIL] = details[0] if details else own[DETAIL]
        linked = dict(own)
        for kind in KINDS:
            if kind not in DETAIL_KINDS and secret[kind]:
                linked[kind] = secret[kind][0].pk
        foreign = {kind: self._split(kind)[2][0].pk for kind in KINDS if self._split(kind)[2]}
        foreign[DETAIL] = foreign.get(EMAIL, own[DETAIL])
        rounds = [own, acted, linked, {**own, **foreign}]
        yield from rounds[:count]

    # --- requests ------------------------------------------------------------------------

    def _session_key(self) -> str:
        morsel = self.http.cookies.get(settings.SESSION_COOKIE_NAME)
        return morsel.value if morsel is not None else ""

    def still_signed_in(self) -> bool:
        """Whether the role's session and token still sign it in (a write that ended them,
        even rolled back, would leave the rest of the sweep reading only sign-in pages)."""
        page = self.http.get("/settings/profile/")
        me = HttpClient().get(
            "/api/v1/me", headers={"Authorization": f"Bearer {self.world.tokens[self.role]}"}
        )
        return page.status_code == 200 and me.status_code == 200

    def call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        api: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str, str]:
        """Sends one request, reads its answer, records what it holds; (status, headers,
        body). A request already sent is not sent again."""
        query_string = urlencode(query or {}, doseq=True)
        url = f"{path}?{query_string}" if query_string else path
        key = (method, url, _canonical(body if body is not None else form), _canonical(headers))
        if key in self.sent:
            return 0, "", ""
        self.sent.add(key)
        self.called.add(name)
        all_headers = dict(headers or {})
        if api and self.bearer:
            all_headers["Authorization"] = f"Bearer {self.world.tokens[self.role]}"
        kwargs: dict[str, Any] = {"headers": all_headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        elif form is not None or files:
            data: dict[str, Any] = dict(form or {})
            for field_name, (filename, content, content_type) in (files or {}).items():
                data[field_name] = SimpleUploadedFile(filename, content, content_type)
            kwargs["data"] = data
        write = method != "get"
        session = self._session_key()
        with transaction.atomic():
            response = getattr(self.http, method)(url, **kwargs)
            head, text = read(response)
            if write:
                transaction.set_rollback(True)
        if self._session_key() != session:
            self.session_changes.append(f"{method.upper()} {url}")
        self.answers += 1
        status = response.status_code
        request = f"{method.upper()} {url}" + (f" {key[2][:200]}" if key[2] else "")
        if status >= 500:
            error = getattr(response, "exc_info", None)
            cause = repr(error[1]) if error else text[:300]
            self.server_errors.append(f"[{self.role}] {request} -> {status}: {cause}")
        echo = f"{url}\n{key[2]}"
        texts = (
            ("headers", head),
            ("body", text),
            ("decoded headers", unquote(head)),
            ("decoded body", unquote(text) if "%" in text else ""),
            ("decoded cursors", _decoded_cursors(text + "\n" + head)),
        )
        for where, read_text in texts:
            if not read_text:
                continue
            for canary, position in self.detector.find(read_text, echo):
                self.findings.append(
                    Finding(
                        role=self.role,
                        route=name,
                        request=request,
                        status=status,
                        canary=canary,
                        fact=self.world.canaries.facts.get(
                            canary, self.world.canaries.facts.get(canary.lower(), "?")
                        ),
                        where=where,
                        excerpt=read_text[max(0, position - 120) : position + 80].replace(
                            "\n", " "
                        ),
                    )
                )
            if self.control is not None:
                for canary, _position in self.control.find(read_text, ""):
                    self.seen.add(canary.lower())
        return status, head, text

    # --- pages ---------------------------------------------------------------------------

    def follow_html(
        self, name: str, path: str, text: str, headers: Mapping[str, str] | None
    ) -> None:
        """Follows the "more" links of a list page (same path, a cursor or a page number in
        the query), and theirs, to the last page."""
        queue: list[str] = [text]
        seen: set[str] = set()
        while queue and len(seen) < MAX_PAGES:
            page = queue.pop(0)
            for link in re.findall(r"""(?:href|hx-get)=["']([^"']+)["']""", page):
                parts = urlsplit(html.unescape(link))
                if parts.path not in ("", path) or not PAGE_LINK.search("?" + parts.query):
                    continue
                if parts.query in seen:
                    continue
                seen.add(parts.query)
                status, _head, answer = self.call(
                    name, "get", path, query=parse_qs(parts.query), headers=headers
                )
                if status == 200:
                    queue.append(answer)

    def follow_api(self, name: str, path: str, query: Mapping[str, Any], text: str) -> None:
        for _page in range(MAX_PAGES):
            try:
                cursor = json.loads(text).get("next_cursor")
            except (ValueError, AttributeError):
                return
            if not cursor:
                return
            status, _head, text = self.call(
                name, "get", path, query={**query, "cursor": cursor}, api=True
            )
            if status != 200:
                return


def product(slugs: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    names = list(slugs)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(slugs[n] for n in names))
    ] or [{}]
