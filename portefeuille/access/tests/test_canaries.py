"""The canary sweep (docs/access-proofs.md): every URL pattern and every API operation, called
by every role with the ids of hidden, private, public and other-firm records, reads back no
fact the role may not see.

The world (canary_world.py) is built through the services, as in life, and every fact a role
may not see carries a canary: a text token, a phone number (in whatever form it is written),
or a record id. The roles: firm B's admin (nothing of firm A), a staff colleague of firm A on
no client team, a limited colleague of firm A, a deactivated colleague's session and token,
a reactivated colleague's old session and token, and firm A's admin (nothing of firm B; its
answers are also the positive control: every canary of firm A must show to someone entitled
to it, or the sweep could pass by never rendering it).

The tables below say how each route and each operation is swept. A URL pattern or an
operation missing from them fails `test_every_route_and_operation_has_an_entry`: a new route
joins the sweep by adding its line here (its id parameters, slugs, query filters, HTMX
targets; see the docs page).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from portefeuille.access import views as access_views
from portefeuille.audit import views as audit_views
from portefeuille.contacts import forms as contact_forms
from portefeuille.contacts import queries as contact_queries
from portefeuille.contacts import views_details as contact_views
from portefeuille.contacts import views_timeline as timeline_views
from portefeuille.firms import views as firm_views
from portefeuille.firms import views_settings as firm_settings_views
from portefeuille.notifications import views as notification_views

from . import canary_world as cw
from . import figures, openapi_examples
from .canary_sweep import (
    ADDRESS,
    API_PAGE_LIMIT,
    CARD,
    COLLEAGUE,
    CONTACT,
    CONTACT_TYPE,
    CUSTOM_FIELD,
    DETAIL,
    DOCUMENT,
    EMAIL,
    EXPORT,
    GRANT,
    IMPORT,
    INVOICE,
    ITEM,
    NOTIFICATION,
    OFFBOARDING_ITEM,
    OFFBOARDING_PLAN,
    OPPORTUNITY,
    OPPORTUNITY_STAGE,
    OWNER,
    PHONE,
    PORTFOLIO,
    PROJECT,
    ROLE_FILTER,
    SEGMENT,
    SOCIAL,
    TASK,
    TEAM,
    TICKET,
    TOKEN,
    WORK_ITEM,
    WORK_STATUS,
    WORK_TYPE,
    Detector,
    Finding,
    Sweep,
    product,
)

SECTION = "canary sweep"
GET, POST = "get", "post"

# ---------------------------------------------------------------------------------------
# The table of web routes, by URL name.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Web:
    """How one URL pattern is swept.

    ids: path parameter -> kind of id (each in turn over every candidate); `SETTINGS` names
    the kind by the `kind` slug. slugs: path parameter -> its values. query: GET parameter ->
    kind of id, each in turn (on top of every entry of `queries`). htmx: HX-Target values
    sent with HX-Request on GET (and POST when `htmx_post`). paths: explicit paths for
    regex routes. POST bodies name the role's own records, then hidden ones (FORM_IDS).
    """

    methods: tuple[str, ...] = (GET,)
    ids: Mapping[str, str] = field(default_factory=dict)
    parents: Mapping[str, str] = field(default_factory=dict)
    slugs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    queries: Sequence[Mapping[str, str]] = ({},)
    htmx: Sequence[str] = ()
    htmx_post: bool = False
    htmx_post_target: str = "sections"
    paths: Sequence[str] = ()
    pages: bool = False
    # Whether POST bodies name records (all slugs, or those listed), so are sent again with
    # records the role may not see; and, by slug, the kind of record the form's `id` names.
    body_ids: bool | frozenset[str] = False
    id_kinds: Mapping[str, str] = field(default_factory=dict)
    # By slug, the fields of FORM_IDS the form reads (default: it is sent them all).
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The query the id filters are added to (default: the first of `queries`).
    filter_base: Mapping[str, str] | None = None
    # POST bodies: each round of ids is sent once with each of these fields on top ("{kind}"
    # in a value is replaced by the round's id of that kind, e.g. "{contact}").
    extras: Sequence[Mapping[str, str]] = ({},)


SETTINGS = "settings item"
SETTINGS_KINDS = {
    "contact-types": CONTACT_TYPE,
    "work-types": WORK_TYPE,
    "work-statuses": WORK_STATUS,
    "opportunity-stages": OPPORTUNITY_STAGE,
}
SETTINGS_ACTIONS = ("rename", "archive", "delete", "up", "down")
PORTFOLIO_ACTIONS = ("staff", "unstaff", "add_client", "remove_client")
BOTH = (GET, POST)
CONTACT_FILTERS = {
    "owner": OWNER,
    "manager": COLLEAGUE,
    "role_holder": COLLEAGUE,
    "member": COLLEAGUE,
    "portfolio": PORTFOLIO,
    "type": CONTACT_TYPE,
}

# Every column of the client monitor (exchange/monitor.py), the role slots included.
MONITOR_COLUMNS = ",".join(
    (
        "name,code,kind,type,privacy,owner,manager,role_1,role_2,role_3,portfolio,email",
        "open_work,last_activity,created",
    )
)
MONITOR_SORTS = tuple(key for key in MONITOR_COLUMNS.split(",") if key not in ("name", "email"))
MONITOR_STATE = urlencode([("col", key) for key in MONITOR_COLUMNS.split(",")])
# The changes of a bulk edit (exchange/views.py), their values the round's ids (FORM_IDS).
MONITOR_BULK_CHANGES: tuple[dict[str, str], ...] = (
    {},
    {"field": "manager"},
    {"field": "owner"},
    {"field": "role", "slot": "1"},
    {"field": "add_member"},
    {"field": "remove_member"},
    {"field": "portfolio"},
    {"field": "contact_type"},
    {"field": "privacy", "value_privacy": "hidden"},
)

WEB: dict[str, Web] = {
    "home": Web(),
    "switch_language": Web(methods=(POST,)),
    "healthz": Web(),
    # django-allauth: pages about the signed-in colleague only; no id of ours. Signing in
    # and out, and password or MFA changes, are not posted (they would end the role's
    # session for the rest of the sweep).
    "account_login": Web(),
    "account_logout": Web(),
    "account_inactive": Web(),
    "account_signup": Web(),
    "account_reauthenticate": Web(),
    "account_email": Web(),
    "account_email_verification_sent": Web(),
    "account_change_password": Web(),
    "account_set_password": Web(),
    "account_reset_password": Web(),
    "account_confirm_login_code": Web(),
    "account_confirm_email": Web(paths=("/accounts/confirm-email/zz-unknown-key/",)),
    "account_reset_password_from_key_done": Web(),
    "account_reset_password_from_key": Web(paths=("/accounts/password/reset/key/1-zz-key/",)),
    "account_reset_password_done": Web(),
    "mfa_index": Web(),
    "mfa_authenticate": Web(),
    "mfa_reauthenticate": Web(),
    "mfa_activate_totp": Web(),
    "mfa_deactivate_totp": Web(),
    "mfa_view_recovery_codes": Web(),
    "mfa_generate_recovery_codes": Web(),
    "mfa_download_recovery_codes": Web(),
    # Administration.
    "firms:colleague_list": Web(
        queries=({}, {"status": "all"}, {"status": "inactive"}, {"q": "zq"}),
        htmx=("colleague-results",),
        pages=True,
    ),
    "firms:colleague_create": Web(methods=BOTH),
    "firms:colleague_edit": Web(methods=BOTH, ids={"pk": COLLEAGUE}),
    "firms:colleague_invite": Web(methods=BOTH, ids={"pk": COLLEAGUE}),
    "firms:colleague_action": Web(
        methods=BOTH,
        ids={"pk": COLLEAGUE},
        slugs={"action": tuple(firm_views.COLLEAGUE_ACTIONS)},
        body_ids=True,
    ),
    "firms:team_list": Web(),
    "firms:team_create": Web(methods=BOTH, body_ids=True),
    "firms:team_edit": Web(methods=BOTH, ids={"pk": TEAM}, body_ids=True),
    "firms:team_delete": Web(methods=BOTH, ids={"pk": TEAM}),
    "firms:team_remove_member": Web(methods=BOTH, ids={"pk": TEAM, "colleague_pk": COLLEAGUE}),
    "firms:firm_settings": Web(methods=BOTH),
    "firms:role_slots": Web(methods=BOTH),
    "firms:settings_list_create": Web(
        methods=BOTH, slugs={"kind": tuple(firm_settings_views.SETTINGS_LISTS)}, htmx_post=True
    ),
    "firms:settings_list_action": Web(
        methods=BOTH,
        htmx_post=True,
        ids={"pk": SETTINGS},
        slugs={"kind": tuple(firm_settings_views.SETTINGS_LISTS), "action": SETTINGS_ACTIONS},
    ),
    "firms:profile": Web(methods=BOTH),
    "firms:api_tokens": Web(methods=BOTH),
    "firms:api_token_revoke": Web(methods=BOTH, ids={"pk": TOKEN}),
    # Portfolios (the client team & access tab is with the contact pages below).
    "access:portfolio_list": Web(),
    "access:portfolio_create": Web(methods=BOTH),
    "access:portfolio_edit": Web(
        methods=BOTH, ids={"pk": PORTFOLIO}, queries=({}, {"client_q": "ondine"})
    ),
    "access:portfolio_delete": Web(methods=BOTH, ids={"pk": PORTFOLIO}),
    "access:portfolio_change": Web(
        methods=(POST,), ids={"pk": PORTFOLIO}, slugs={"action": PORTFOLIO_ACTIONS}, body_ids=True
    ),
    # The owner roster (admins).
    "owners:owner_list": Web(),
    "owners:owner_add": Web(methods=BOTH, body_ids=True),
    "owners:owner_remove": Web(methods=BOTH, ids={"pk": OWNER}, body_ids=True),
    "owners:owner_transfer": Web(methods=BOTH, ids={"pk": OWNER}, body_ids=True),
    # Offboarding (docs/offboarding.md): admins only.
    "offboarding:start": Web(
        methods=(POST,), ids={"pk": COLLEAGUE}, slugs={"action": ("deactivate", "delete")}
    ),
    "offboarding:plan": Web(ids={"pk": OFFBOARDING_PLAN}),
    "offboarding:assign": Web(methods=(POST,), ids={"pk": OFFBOARDING_PLAN}, body_ids=True),
    "offboarding:preview": Web(ids={"pk": OFFBOARDING_PLAN}),
    "offboarding:apply": Web(methods=(POST,), ids={"pk": OFFBOARDING_PLAN}),
    # Contacts.
    # The client monitor and its exports (exchange/views.py): every column, sorted on each.
    "exchange:monitor": Web(
        query={**CONTACT_FILTERS, "group": CONTACT},
        queries=(
            {"col": MONITOR_COLUMNS},
            *({"col": MONITOR_COLUMNS, "sort": key} for key in MONITOR_SORTS),
            {"col": MONITOR_COLUMNS, "sort": "-manager"},
            {"col": MONITOR_COLUMNS, "view": "mine"},
            {"col": MONITOR_COLUMNS, "q": "ondine"},
            {"col": MONITOR_COLUMNS, "privacy": "private"},
        ),
        htmx=("more-rows",),
        pages=True,
    ),
    "exchange:export_status": Web(ids={"pk": EXPORT}, htmx=("export-progress",)),
    "exchange:export_download": Web(ids={"pk": EXPORT}),
    "exchange:monitor_export": Web(
        methods=(POST,),
        body_ids=True,
        extras=(
            {"scope": "all", "format": "xlsx", "state": MONITOR_STATE},
            {"scope": "selected", "format": "csv", "state": MONITOR_STATE},
            {"scope": "all", "format": "csv_semicolon", "state": MONITOR_STATE + "&sort=owner"},
            {"scope": "all", "format": "xlsx", "state": MONITOR_STATE + "&privacy=hidden"},
        ),
    ),
    # Bulk edit: the change chosen for a selection, its preview, its application.
    "exchange:monitor_bulk": Web(
        methods=(POST,),
        body_ids=True,
        extras=tuple(
            {"scope": scope, "state": MONITOR_STATE, **change}
            for scope in ("all", "selected")
            for change in MONITOR_BULK_CHANGES
        ),
    ),
    "exchange:monitor_bulk_apply": Web(
        methods=(POST,),
        body_ids=True,
        extras=tuple(
            {"state": MONITOR_STATE, "versions": "{contact}:1", **change}
            for change in MONITOR_BULK_CHANGES[1:]
        ),
    ),
    # Imports of contacts (exchange/views_imports.py): the requester's own; the preview
    # names each likely duplicate at the reader's level.
    "imports:start": Web(methods=BOTH),
    "imports:detail": Web(
        ids={"pk": IMPORT},
        queries=tuple(
            {"show": show} for show in ("all", "errors", "duplicates", "warnings", "valid")
        ),
        htmx=("import-progress", "import-rows"),
    ),
    "imports:mapping": Web(methods=BOTH, ids={"pk": IMPORT}),
    "imports:decide": Web(
        methods=(POST,),
        ids={"pk": IMPORT},
        extras=({"all": "merge"}, {"all": "create"}, {"decision_2": "merge"}),
    ),
    # Last: running the import, its report, then dropping it (the role's own one is gone).
    "imports:run": Web(methods=(POST,), ids={"pk": IMPORT}),
    "imports:report": Web(ids={"pk": IMPORT}),
    "imports:discard": Web(methods=(POST,), ids={"pk": IMPORT}),
    "contacts:list": Web(
        query=CONTACT_FILTERS,
        queries=(
            {},
            {"view": "all", "inactive": "1"},
            {"view": "all", "q": "ondine"},
            {"view": "all", "privacy": "hidden"},
            {"view": "all", "privacy": "private"},
            {"view": "all", "kind": "client_group"},
            {"view": "all", "role": "1"},
            {"view": "all", "role": "3"},
            {"view": "all", "coverage": "no_owner"},
            {"view": "all", "coverage": "inactive_owner"},
            {"view": "all", "coverage": "no_manager"},
            {"view": "all", "coverage": "empty_team"},
        ),
        htmx=("more-contacts", "contact-results"),
        pages=True,
        filter_base={"view": "all"},
    ),
    "contacts:suggestions": Web(
        queries=(
            {"display_name": "Ondine"},
            {"first_name": "Hugo", "last_name": "Ondine", "kind": "person"},
            {"display_name": "Groupe Ondine", "kind": "client_group"},
            {"display_name": "Holding Ondine", "kind": "organization"},
        )
    ),
    "contacts:picker": Web(
        query={"members": CONTACT, "exclude": CONTACT, "organization": CONTACT},
        queries=(
            {"field": "members", "kind": "member", "members_q": "ondine", "multiple": "1"},
            {"field": "organization", "kind": "organization", "organization_q": "ondine"},
            {"field": "groups", "kind": "client_group", "groups_q": "ondine", "multiple": "1"},
            {"field": "other", "kind": "person", "other_q": "ondine"},
        ),
    ),
    "contacts:create": Web(
        methods=BOTH, slugs={"kind": tuple(contact_forms.CREATE_FORMS)}, body_ids=True
    ),
    "contacts:detail": Web(ids={"pk": CONTACT}),
    "contacts:coverage_fix": Web(methods=(POST,), body_ids=True),
    "contacts:edit": Web(
        methods=BOTH, ids={"pk": CONTACT}, slugs={"section": contact_views.EDIT_SECTIONS}
    ),
    "contacts:change": Web(
        methods=(POST,),
        ids={"pk": CONTACT},
        slugs={"action": (*contact_views.ACTIONS, "avatar")},
        body_ids=frozenset(
            a for a in contact_views.ACTIONS if not a.startswith("add_") or a == "add_card"
        )
        | {"add_members"},
        id_kinds={
            "remove_email": EMAIL,
            "remove_phone": PHONE,
            "remove_address": ADDRESS,
            "remove_social": SOCIAL,
            "update_card": CARD,
            "remove_card": CARD,
        },
        fields={
            **dict.fromkeys(("add_email", "add_phone", "add_address", "add_social", "avatar"), ()),
            **dict.fromkeys(
                ("remove_email", "remove_phone", "remove_address", "remove_social"), ("id",)
            ),
            "add_card": ("other",),
            "update_card": ("id",),
            "remove_card": ("id",),
            "set_primary": ("primary_contact",),
            "join_groups": ("groups",),
            "leave_group": ("group",),
            "add_members": ("members",),
            "remove_member": ("member",),
        },
    ),
    "contacts:members": Web(ids={"pk": CONTACT}),
    "contacts:avatar": Web(ids={"pk": CONTACT}),
    "contacts:team": Web(ids={"pk": CONTACT}),
    "contacts:team_change": Web(
        methods=BOTH,
        ids={"pk": CONTACT},
        slugs={"action": tuple(access_views.ACTIONS)},
        htmx_post=True,
        body_ids=frozenset(access_views.ACTIONS) - {"privacy"},
        fields={
            "owner": ("owner",),
            "manager": ("manager",),
            "role": ("colleague",),
            "add_member": ("colleague", "team"),
            "remove_member": ("colleague", "team"),
            "privacy": (),
            "grant": ("colleague", "team"),
            "revoke": ("colleague", "team"),
            "portfolio": ("portfolio",),
        },
    ),
    "contacts:timeline": Web(
        ids={"pk": CONTACT},
        queries=({}, {"type": "event"}, {"type": "email"}, {"q": "ondine"}, {"q": "directeur"}),
        htmx=("timeline-results",),
        pages=True,
    ),
    "contacts:note_add": Web(
        methods=(POST,), ids={"pk": CONTACT}, htmx_post=True, htmx_post_target="note-section"
    ),
    "contacts:email_upload": Web(methods=(POST,), ids={"pk": CONTACT}),
    "contacts:note_edit": Web(
        methods=BOTH, ids={"pk": CONTACT, "item": ITEM}, parents={"item": "pk"}
    ),
    "contacts:timeline_item_delete": Web(
        methods=(POST,), ids={"pk": CONTACT, "item": ITEM}, parents={"item": "pk"}
    ),
    "contacts:documents": Web(ids={"pk": CONTACT}, pages=True),
    "contacts:document_upload": Web(methods=(POST,), ids={"pk": CONTACT}),
    "contacts:document_download": Web(ids={"pk": CONTACT, "doc": DOCUMENT}, parents={"doc": "pk"}),
    "contacts:document_rename": Web(
        methods=(POST,), ids={"pk": CONTACT, "doc": DOCUMENT}, parents={"doc": "pk"}
    ),
    "contacts:document_delete": Web(
        methods=(POST,), ids={"pk": CONTACT, "doc": DOCUMENT}, parents={"doc": "pk"}
    ),
    "contacts:delete": Web(methods=BOTH, ids={"pk": CONTACT}),
    # A contact's Work tab, a work item's pages, its checklist and notes, « Mes tâches »
    # (work/views_items.py).
    "contact_work": Web(ids={"contact_id": CONTACT}, queries=({}, {"done": "1"})),
    "work_item": Web(ids={"item_id": WORK_ITEM}),
    "work_item_new": Web(
        methods=BOTH, query={"client": CONTACT}, queries=({}, {"q": "ondine"}), body_ids=True
    ),
    "work_item_edit": Web(methods=BOTH, ids={"item_id": WORK_ITEM}, body_ids=True),
    "work_item_delete": Web(methods=BOTH, ids={"item_id": WORK_ITEM}),
    "work_task_add": Web(
        methods=(POST,), ids={"item_id": WORK_ITEM}, body_ids=True, htmx_post=True
    ),
    "work_task_toggle": Web(
        methods=(POST,),
        ids={"item_id": WORK_ITEM, "task_id": TASK},
        parents={"task_id": "item_id"},
        htmx_post=True,
    ),
    "work_task_delete": Web(
        methods=(POST,),
        ids={"item_id": WORK_ITEM, "task_id": TASK},
        parents={"task_id": "item_id"},
        htmx_post=True,
    ),
    "work_note_add": Web(methods=(POST,), ids={"item_id": WORK_ITEM}, htmx_post=True),
    "my_tasks": Web(),
    # The sales pages: opportunities, projects, invoices (sales/views*.py), and a contact's
    # « Ventes » tab.
    "opportunity_list": Web(
        query={"assignee": COLLEAGUE, "stage": OPPORTUNITY_STAGE, "client": CONTACT},
        queries=(
            {},
            {"assignee": "me"},
            {"outcome": "open"},
            {"outcome": "won"},
            {"q": "audit"},
        ),
        htmx=("sales-results", "more-rows"),
        pages=True,
    ),
    "opportunity_new": Web(
        methods=BOTH, query={"client": CONTACT}, queries=({}, {"q": "ondine"}), body_ids=True
    ),
    "opportunity_detail": Web(ids={"opportunity_id": OPPORTUNITY}),
    "opportunity_edit": Web(methods=BOTH, ids={"opportunity_id": OPPORTUNITY}, body_ids=True),
    "opportunity_delete": Web(methods=BOTH, ids={"opportunity_id": OPPORTUNITY}),
    "project_list": Web(
        query={"manager": COLLEAGUE, "client": CONTACT},
        queries=({}, {"manager": "me"}, {"q": "projet"}),
        htmx=("sales-results", "more-rows"),
        pages=True,
    ),
    "project_new": Web(
        methods=BOTH, query={"client": CONTACT}, queries=({}, {"q": "ondine"}), body_ids=True
    ),
    "project_detail": Web(ids={"project_id": PROJECT}),
    "project_edit": Web(methods=BOTH, ids={"project_id": PROJECT}, body_ids=True),
    "project_delete": Web(methods=BOTH, ids={"project_id": PROJECT}),
    # The sales statistics: counts and sums of the records the role sees, per person.
    "sales_statistics": Web(
        queries=({}, {"from": "2000-01-01", "to": "2099-12-31"}, {"from": "x"}),
    ),
    "invoice_list": Web(
        query={"client": CONTACT},
        queries=({}, {"status": "draft"}, {"status": "overdue"}, {"q": "F-"}),
        htmx=("sales-results", "more-rows"),
        pages=True,
    ),
    "invoice_new": Web(
        methods=BOTH, query={"client": CONTACT}, queries=({}, {"q": "ondine"}), body_ids=True
    ),
    "invoice_detail": Web(ids={"invoice_id": INVOICE}),
    "invoice_edit": Web(methods=BOTH, ids={"invoice_id": INVOICE}, body_ids=True),
    "invoice_delete": Web(methods=BOTH, ids={"invoice_id": INVOICE}),
    "contact_sales": Web(ids={"contact_id": CONTACT}),
    # The shared inbox: the inbox, its segments, a ticket and its actions (inbox/views*.py).
    "ticket_list": Web(
        query={"assignee": COLLEAGUE, "client": CONTACT},
        queries=(
            {},
            {"status": "all"},
            {"status": "closed"},
            {"assignee": "me"},
            {"assignee": "none"},
            {"status": "all", "q": "demande"},
        ),
        htmx=("inbox-results", "more-rows"),
        pages=True,
    ),
    "ticket_segment_save": Web(methods=(POST,), body_ids=True),
    "ticket_segment_delete": Web(methods=BOTH, ids={"segment_id": SEGMENT}),
    "ticket_new": Web(methods=BOTH, query={"client": CONTACT}, body_ids=True),
    "ticket_upload": Web(methods=BOTH),
    "inbox_statistics": Web(queries=({}, {"from": "2000-01-01", "to": "2099-12-31"})),
    "ticket_detail": Web(ids={"ticket_id": TICKET}, queries=({}, {"client_q": "o"})),
    "ticket_reply": Web(methods=(POST,), ids={"ticket_id": TICKET}),
    "ticket_note": Web(methods=(POST,), ids={"ticket_id": TICKET}),
    "ticket_assign": Web(methods=(POST,), ids={"ticket_id": TICKET}, body_ids=True),
    "ticket_close": Web(methods=(POST,), ids={"ticket_id": TICKET}),
    "ticket_reopen": Web(methods=(POST,), ids={"ticket_id": TICKET}),
    "ticket_link_client": Web(methods=(POST,), ids={"ticket_id": TICKET}, body_ids=True),
    # The work view: the board, the list, moving a card, segments (work/views.py).
    "work_board": Web(
        query={
            "assignee": COLLEAGUE,
            "client_owner": OWNER,
            "client_manager": COLLEAGUE,
            "role_holder": COLLEAGUE,
            "role1": COLLEAGUE,
            "member": COLLEAGUE,
            "portfolio": PORTFOLIO,
            "type": WORK_TYPE,
            "status": WORK_STATUS,
            "client_group": CONTACT,
            "client": CONTACT,
        },
        queries=(
            {},
            {"view": "list"},
            {"mine": "1"},
            {"assignee": "me"},
            {"role": "1"},
            {"due": "overdue"},
            {"due_before": "2099-12-31", "due_after": "2000-01-01"},
            {"q": "dossier"},
            {"view": "list", "q": "dossier"},
        ),
        htmx=("work-results", "more-items"),
    ),
    "work_move": Web(methods=(POST,), ids={"item_id": WORK_ITEM}, body_ids=True),
    "work_segment_save": Web(methods=(POST,), body_ids=True),
    "work_segment_delete": Web(methods=BOTH, ids={"segment_id": SEGMENT}),
    # Custom fields (settings, admins) and the segments of the contacts, opportunities and
    # invoices lists (customfields/, docs/custom-fields.md).
    "custom_field_list": Web(),
    "custom_field_new": Web(methods=BOTH, queries=({}, {"area": "invoice"})),
    "custom_field_edit": Web(methods=BOTH, ids={"field_id": CUSTOM_FIELD}),
    "custom_field_move": Web(methods=(POST,), ids={"field_id": CUSTOM_FIELD}),
    "custom_field_delete": Web(methods=BOTH, ids={"field_id": CUSTOM_FIELD}),
    "segment_save": Web(
        methods=(POST,), slugs={"area": ("contacts", "opportunities", "invoices")}, body_ids=True
    ),
    "segment_delete": Web(methods=BOTH, ids={"segment_id": SEGMENT}),
    # The old /clients/ addresses: permanent redirects that read nothing (web/views.py).
    "moved:client_list": Web(
        queries=(
            {},
            {"view": "all"},
            {"view": "all", "q": "ondine"},
            {"view": "all", "after_name": "ondine", "after": "1"},
        ),
    ),
    "moved:client_create": Web(methods=BOTH),
    "moved:client_detail": Web(ids={"pk": CONTACT}),
    "moved:client_edit": Web(
        methods=(POST,), ids={"pk": CONTACT}, slugs={"action": tuple(access_views.ACTIONS)}
    ),
    "moved:portfolio_list": Web(),
    "moved:portfolio_create": Web(methods=BOTH),
    "moved:portfolio_edit": Web(ids={"pk": PORTFOLIO}),
    "moved:portfolio_delete": Web(methods=BOTH, ids={"pk": PORTFOLIO}),
    "moved:portfolio_change": Web(
        methods=(POST,), ids={"pk": PORTFOLIO}, slugs={"action": PORTFOLIO_ACTIONS}
    ),
    # History.
    "audit:firm_history": Web(
        query={"client": CONTACT},
        queries=({}, {"client": "ondine"}, {"action": "contact.card_changed"}),
        pages=True,
    ),
    # Notifications (each colleague's own).
    "notifications:centre": Web(queries=({}, {"unread": "1"}), pages=True),
    "notifications:read": Web(methods=(POST,), ids={"pk": NOTIFICATION}),
    "notifications:read_all": Web(methods=(POST,)),
    "notifications:preferences": Web(methods=BOTH),
    # The API's own pages (its operations are in API below).
    "api:openapi-json": Web(),
    "api:openapi-view": Web(),
    "api:api-root": Web(),
}

# The fields of a web form that name a record, and the kind of record they name. Every POST
# sends them all: first with the role's own records, then with records it may not see.
FORM_IDS: dict[str, str] = {
    "id": DETAIL,
    "other": CONTACT,
    "members": CONTACT,
    "groups": CONTACT,
    "group": CONTACT,
    "member": CONTACT,
    "primary_contact": CONTACT,
    "organization": CONTACT,
    "client": CONTACT,
    "colleague": COLLEAGUE,
    "manager": COLLEAGUE,
    "manager_to": COLLEAGUE,
    "team": TEAM,
    "owner": OWNER,
    "owner_to": OWNER,
    "transfer_to": OWNER,
    "to_owner": OWNER,
    "portfolio": PORTFOLIO,
    "contact_type": CONTACT_TYPE,
    # A work item's form (work/forms.py).
    "assignee": COLLEAGUE,
    "status": WORK_STATUS,
    "work_type": WORK_TYPE,
    "client_group": CONTACT,
    # The sales forms (sales/forms.py).
    "second_assignee": COLLEAGUE,
    "collaborators": COLLEAGUE,
    "stage": OPPORTUNITY_STAGE,
    # The client monitor's selection and its bulk edit (exchange/views.py).
    "ids": CONTACT,
    "value_owner": OWNER,
    "value_manager": COLLEAGUE,
    "value_role": COLLEAGUE,
    "value_add_member": COLLEAGUE,
    "value_remove_member": COLLEAGUE,
    "value_portfolio": PORTFOLIO,
    "value_contact_type": CONTACT_TYPE,
}
FORM_TEXT: dict[str, str] = {
    "slot": "1",
    "privacy": "public",
    "role": "Exemple",
    "name": "Exemple",
    "body": "Exemple",
    "address": "exemple@example.test",
    "number": "+33612345678",
    "street": "1 rue Exemple",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
    "network": "linkedin",
    "handle": "exemple",
    "display_name": "Exemple",
    "first_name": "Exemple",
    "last_name": "Exemple",
    "email": "exemple@example.test",
    "kind": "organization",
    "label": "Bureau",
    "primary_state": "planned",
    "outcome": "open",
    "currency": "EUR",
    "value": "1250,50",
    "amount": "1250,50",
    "profile": "staff",
    "scope": "full",
    "language": "en",
    "next": "/",
    "version": "1",
    "title_1": "Associé",
    "title": "Exemple",
    "done": "1",
    # A ticket written by a colleague (inbox/forms.py).
    "subject": "Exemple",
    "requester_email": "exemple@example.test",
}

# ---------------------------------------------------------------------------------------
# The table of API operations, by operationId.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """How one operation is swept: its path parameters and the query parameters that take
    ids (each in turn over every candidate), fixed query variants, and the file it uploads."""

    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    queries: Sequence[Mapping[str, str]] = ({},)
    upload: str = ""
    # A nested record's parameter -> its parent's (besides those under `client_id`).
    parents: Mapping[str, str] = field(default_factory=dict)


C = {"client_id": CONTACT}
W = {"item_id": WORK_ITEM}
API_PREFIX = "portefeuille_"
API: dict[str, Op] = {
    "firms_api_create_token": Op(),
    "firms_api_list_tokens": Op(),
    "firms_api_revoke_token": Op(path={"token_id": TOKEN}),
    "firms_api_get_me": Op(),
    "firms_api_update_me": Op(),
    "firms_api_list_colleagues": Op(queries=({}, {"include_inactive": "true"})),
    "firms_api_create_colleague": Op(),
    "firms_api_get_colleague": Op(path={"colleague_id": COLLEAGUE}),
    "firms_api_update_colleague": Op(path={"colleague_id": COLLEAGUE}),
    "firms_api_delete_colleague": Op(path={"colleague_id": COLLEAGUE}),
    "firms_api_deactivate_colleague": Op(path={"colleague_id": COLLEAGUE}),
    "firms_api_reactivate_colleague": Op(path={"colleague_id": COLLEAGUE}),
    "access_api_offboarding_create_plan": Op(),
    "access_api_offboarding_get_plan": Op(path={"plan_id": OFFBOARDING_PLAN}),
    "access_api_offboarding_update_plan": Op(path={"plan_id": OFFBOARDING_PLAN}),
    "access_api_offboarding_preview_plan": Op(path={"plan_id": OFFBOARDING_PLAN}),
    "access_api_offboarding_apply_plan": Op(path={"plan_id": OFFBOARDING_PLAN}),
    "firms_api_list_teams": Op(),
    "firms_api_create_team": Op(),
    "firms_api_get_team": Op(path={"team_id": TEAM}),
    "firms_api_update_team": Op(path={"team_id": TEAM}),
    "firms_api_delete_team": Op(path={"team_id": TEAM}),
    "firms_api_set_team_members": Op(path={"team_id": TEAM}),
    "access_api_ownership_coverage_counts": Op(),
    "access_api_ownership_fix_coverage": Op(),
    "access_api_ownership_client_ownership_history": Op(
        path=C, queries=({}, {"at": "2025-01-01T00:00:00+00:00"})
    ),
    "access_api_ownership_held": Op(
        # `role` is owner|manager|role|member here; the sweep sends its id values too (422).
        query={"colleague_id": COLLEAGUE, "owner_id": OWNER, "role": ROLE_FILTER},
        queries=({}, {"role": "owner", "start": "2020-01-01", "end": "2030-12-31"}),
    ),
    "contacts_api_clients_list_clients": Op(
        query={
            "owner": OWNER,
            "manager": COLLEAGUE,
            "role": ROLE_FILTER,
            "member": COLLEAGUE,
            "portfolio": PORTFOLIO,
            "type": CONTACT_TYPE,
            "group": CONTACT,
        },
        queries=(
            {},
            {"archived": "true"},
            {"q": "ondine"},
            {"privacy": "hidden"},
            {"privacy": "private"},
            {"kind": "person"},
            {"mine": "true"},
            {"coverage": "no_owner"},
            {"coverage": "empty_team"},
        ),
    ),
    "contacts_api_clients_create_client": Op(),
    "contacts_api_clients_get_client": Op(path=C),
    "contacts_api_clients_update_client": Op(path=C),
    "contacts_api_clients_delete_client": Op(path=C),
    "access_api_get_team": Op(path=C),
    "access_api_change_team": Op(path=C),
    "access_api_list_grants": Op(path=C),
    "access_api_create_grant": Op(path=C),
    "access_api_delete_grant": Op(path={**C, "grant_id": GRANT}),
    "access_api_explain_access": Op(path=C),
    "contacts_api_create_person": Op(),
    "contacts_api_create_organization": Op(),
    "contacts_api_create_client_group": Op(),
    "contacts_api_suggestions": Op(
        query={"exclude": CONTACT},
        queries=(
            {"q": "Ondine"},
            {"q": "Hugo Ondine", "kind": "person"},
            {"q": "Groupe Ondine", "kind": "client_group"},
            {"q": "Holding Ondine"},
        ),
    ),
    "contacts_api_list_emails": Op(path=C),
    "contacts_api_add_email": Op(path=C),
    "contacts_api_update_email": Op(path={**C, "email_id": EMAIL}),
    "contacts_api_remove_email": Op(path={**C, "email_id": EMAIL}),
    "contacts_api_list_phones": Op(path=C),
    "contacts_api_add_phone": Op(path=C),
    "contacts_api_update_phone": Op(path={**C, "phone_id": PHONE}),
    "contacts_api_remove_phone": Op(path={**C, "phone_id": PHONE}),
    "contacts_api_list_addresses": Op(path=C),
    "contacts_api_add_address": Op(path=C),
    "contacts_api_update_address": Op(path={**C, "address_id": ADDRESS}),
    "contacts_api_remove_address": Op(path={**C, "address_id": ADDRESS}),
    "contacts_api_list_social_handles": Op(path=C),
    "contacts_api_add_social_handle": Op(path=C),
    "contacts_api_update_social_handle": Op(path={**C, "handle_id": SOCIAL}),
    "contacts_api_remove_social_handle": Op(path={**C, "handle_id": SOCIAL}),
    "contacts_api_set_avatar": Op(path=C, upload="image"),
    "contacts_api_remove_avatar": Op(path=C),
    "contacts_api_links_list_cards": Op(path=C),
    "contacts_api_links_add_card": Op(path=C),
    "contacts_api_links_update_card": Op(path={**C, "card_id": CARD}),
    "contacts_api_links_remove_card": Op(path={**C, "card_id": CARD}),
    "contacts_api_links_list_members": Op(path=C),
    "contacts_api_links_add_members": Op(path=C),
    "contacts_api_links_remove_member": Op(path={**C, "member_id": CONTACT}),
    "contacts_api_links_list_groups": Op(path=C),
    "contacts_api_links_join_groups": Op(path=C),
    "contacts_api_links_leave_group": Op(path={**C, "group_id": CONTACT}),
    "contacts_api_timeline_list_timeline": Op(
        path=C,
        queries=({}, {"type": "event"}, {"type": "email"}, {"q": "ondine"}, {"q": "directeur"}),
    ),
    "contacts_api_timeline_create_timeline_note": Op(path=C),
    "contacts_api_timeline_update_timeline_note": Op(path={**C, "item_id": ITEM}),
    "contacts_api_timeline_delete_timeline_item": Op(path={**C, "item_id": ITEM}),
    "contacts_api_timeline_create_timeline_email": Op(path=C, upload="eml"),
    "contacts_api_timeline_list_contact_documents": Op(path=C),
    "contacts_api_timeline_upload_contact_document": Op(path=C, upload="text"),
    "contacts_api_timeline_rename_contact_document": Op(path={**C, "document_id": DOCUMENT}),
    "contacts_api_timeline_delete_contact_document": Op(path={**C, "document_id": DOCUMENT}),
    "contacts_api_timeline_download_contact_document": Op(path={**C, "document_id": DOCUMENT}),
    "access_api_list_portfolios": Op(),
    "access_api_create_portfolio": Op(),
    "access_api_get_portfolio": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_update_portfolio": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_delete_portfolio": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_list_portfolio_clients": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_add_portfolio_client": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_remove_portfolio_client": Op(
        path={"portfolio_id": PORTFOLIO, "client_id": CONTACT}
    ),
    "access_api_get_staff": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_add_staff": Op(path={"portfolio_id": PORTFOLIO}),
    "access_api_remove_staff": Op(
        path={"portfolio_id": PORTFOLIO}, query={"colleague_id": COLLEAGUE, "team_id": TEAM}
    ),
    "audit_api_list_events": Op(query={"client": CONTACT}),
    "access_api_owners_list_owners": Op(),
    "access_api_owners_create_owner": Op(),
    "access_api_owners_get_owner": Op(path={"owner_id": OWNER}),
    "access_api_owners_delete_owner": Op(
        path={"owner_id": OWNER}, query={"transfer_to": OWNER}, queries=({}, {"transfer": "false"})
    ),
    "access_api_owners_transfer_owner_clients": Op(path={"owner_id": OWNER}),
    "firms_api_firm_get_settings": Op(),
    "firms_api_firm_update_settings": Op(),
    "firms_api_firm_get_role_slots": Op(),
    "firms_api_firm_set_role_slots": Op(),
    "notifications_api_list_notifications": Op(queries=({}, {"unread": "true"})),
    "notifications_api_read_all": Op(),
    "notifications_api_read_one": Op(path={"notification_id": NOTIFICATION}),
    "notifications_api_get_preferences": Op(),
    "notifications_api_put_preferences": Op(),
    "work_api_list_work_items": Op(
        query={
            "assignee": COLLEAGUE,
            "client_owner": OWNER,
            "client_manager": COLLEAGUE,
            "role": ROLE_FILTER,
            "role_holder": COLLEAGUE,
            "member": COLLEAGUE,
            "portfolio": PORTFOLIO,
            "type": WORK_TYPE,
            "status": WORK_STATUS,
            "client_group": CONTACT,
            "client": CONTACT,
        },
        queries=(
            {},
            {"mine": "true"},
            {"assignee": "me"},
            {"state": "open"},
            {"state": "completed"},
            {"due": "overdue"},
            {"due_before": "2099-12-31"},
            {"due_after": "2000-01-01"},
            {"q": "dossier"},
        ),
    ),
    "work_api_create_work_item": Op(),
    "work_api_get_work_item": Op(path=W),
    "work_api_update_work_item": Op(path=W),
    "work_api_delete_work_item": Op(path=W),
    "work_api_change_work_item_status": Op(path=W),
    "work_api_list_tasks": Op(path=W),
    "work_api_add_task": Op(path=W),
    "work_api_update_task": Op(path={**W, "task_id": TASK}, parents={"task_id": "item_id"}),
    "work_api_delete_task": Op(path={**W, "task_id": TASK}, parents={"task_id": "item_id"}),
    "work_api_list_notes": Op(path=W),
    "work_api_add_note": Op(path=W),
    "work_api_list_my_tasks": Op(),
    "work_api_list_segments": Op(),
    "work_api_save_segment": Op(),
    "work_api_delete_segment": Op(path={"segment_id": SEGMENT}),
    "customfields_api_list_custom_fields": Op(
        queries=({}, {"archived": "true"}, {"area": "invoice"})
    ),
    "customfields_api_create_custom_field": Op(),
    "customfields_api_get_custom_field": Op(path={"field_id": CUSTOM_FIELD}),
    "customfields_api_update_custom_field": Op(path={"field_id": CUSTOM_FIELD}),
    "customfields_api_delete_custom_field": Op(path={"field_id": CUSTOM_FIELD}),
    # The sales records (sales/api.py).
    "sales_api_list_opportunities": Op(
        query={"assignee": COLLEAGUE, "stage": OPPORTUNITY_STAGE, "client": CONTACT},
        queries=(
            {},
            {"assignee": "me"},
            {"outcome": "open"},
            {"outcome": "won"},
            {"q": "affaire"},
        ),
    ),
    "sales_api_create_opportunity": Op(),
    "sales_api_get_opportunity": Op(path={"opportunity_id": OPPORTUNITY}),
    "sales_api_update_opportunity": Op(path={"opportunity_id": OPPORTUNITY}),
    "sales_api_delete_opportunity": Op(path={"opportunity_id": OPPORTUNITY}),
    "sales_api_list_projects": Op(
        query={"manager": COLLEAGUE, "client": CONTACT},
        queries=({}, {"manager": "me"}, {"q": "projet"}),
    ),
    "sales_api_create_project": Op(),
    "sales_api_get_project": Op(path={"project_id": PROJECT}),
    "sales_api_update_project": Op(path={"project_id": PROJECT}),
    "sales_api_delete_project": Op(path={"project_id": PROJECT}),
    "sales_api_list_invoices": Op(
        query={"client": CONTACT},
        queries=({}, {"status": "overdue"}, {"status": "draft"}, {"q": "F-"}),
    ),
    "sales_api_create_invoice": Op(),
    "sales_api_get_invoice": Op(path={"invoice_id": INVOICE}),
    "sales_api_update_invoice": Op(path={"invoice_id": INVOICE}),
    "sales_api_delete_invoice": Op(path={"invoice_id": INVOICE}),
    "sales_api_list_opportunity_stages": Op(),
    # The shared inbox (inbox/api.py).
    "inbox_api_list_tickets": Op(
        query={"assignee": COLLEAGUE, "client": CONTACT},
        queries=(
            {},
            {"status": "all"},
            {"status": "closed"},
            {"assignee": "me"},
            {"assignee": "none"},
            {"status": "all", "q": "demande"},
        ),
    ),
    "inbox_api_create_ticket": Op(),
    "inbox_api_get_ticket": Op(path={"ticket_id": TICKET}),
    "inbox_api_update_ticket": Op(path={"ticket_id": TICKET}),
    "inbox_api_add_reply": Op(path={"ticket_id": TICKET}),
    "inbox_api_add_note": Op(path={"ticket_id": TICKET}),
    "inbox_api_receive_inbound": Op(),
    "inbox_api_inbox_statistics": Op(queries=({}, {"from": "2000-01-01", "to": "2002-12-31"})),
}

# The integer fields of JSON bodies (by property name), and the kind of record they name.
# Every write is sent with its own records first, then with records the role may not see.
BODY_IDS: dict[str, str | None] = {
    "members": COLLEAGUE,
    "contact_type_id": CONTACT_TYPE,
    "owner_id": OWNER,
    "primary_contact_id": CONTACT,
    "organization_id": CONTACT,
    "person_id": CONTACT,
    "member_ids": CONTACT,
    "group_ids": CONTACT,
    "client_id": CONTACT,
    "client_ids": CONTACT,
    "manager_id": COLLEAGUE,
    "colleague_id": COLLEAGUE,
    "colleague_ids": COLLEAGUE,
    "team_id": TEAM,
    "team_ids": TEAM,
    "to_owner_id": OWNER,
    # An offboarding plan's assignments (docs/offboarding.md).
    "items": OFFBOARDING_ITEM,
    "portfolio_id": PORTFOLIO,
    "successor_id": COLLEAGUE,
    "successor_owner_id": OWNER,
    # A work item's links (work/schemas.py).
    "status_id": WORK_STATUS,
    "work_type_id": WORK_TYPE,
    "assignee_id": COLLEAGUE,
    "client_group_id": CONTACT,
    # A sales record's links (sales/schemas.py).
    "second_assignee_id": COLLEAGUE,
    "stage_id": OPPORTUNITY_STAGE,
    "collaborator_ids": COLLEAGUE,
    # Not ids: a number the operation needs.
    "number": None,
    "version": None,
    "slot": None,
    "fiscal_year_end_day": None,
    "fiscal_year_end_month": None,
}
NUMBERS = {"version": 1, "slot": 1, "fiscal_year_end_day": 31, "fiscal_year_end_month": 12}
# Roles whose own firm's records the sweep writes to (in a savepoint). The firm A admin only
# reads: it is the positive control, and firm B's ids on its routes are proved by
# test_cross_firm.py.
WRITERS = frozenset(set(cw.ROLES) - {cw.ADMIN_A})


# ---------------------------------------------------------------------------------------
# The URL patterns and the OpenAPI document.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str
    template: str
    is_api_operation: bool


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace or ""
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                inner if pattern.namespace else namespace,
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name or ""
            is_operation = getattr(pattern.callback, "__module__", "").startswith("ninja.operation")
            yield Pattern(name, prefix + str(pattern.pattern), is_operation)


def url_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def openapi() -> dict[str, Any]:
    from portefeuille.api.api import api

    document: dict[str, Any] = api.get_openapi_schema()
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(operationId without its prefix, method, path, operation) of every operation."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield operation["operationId"].removeprefix(API_PREFIX), method, path, operation


def body_for(schema: dict[str, Any], components: dict[str, Any], ids: Mapping[str, int]) -> Any:
    """A well-formed JSON value for `schema`, every id field naming `ids[its kind]`."""

    def integer(name: str) -> int:
        id_kind = BODY_IDS.get(name)
        return ids[id_kind] if id_kind else NUMBERS.get(name, 1)

    return openapi_examples.example(schema, components, integer)


def integer_fields(
    schema: dict[str, Any], components: dict[str, Any], name: str = "", depth: int = 0
) -> Iterator[str]:
    schema = openapi_examples.resolve(schema, components)
    if depth > 6:
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from integer_fields(option, components, name, depth + 1)
    if schema.get("type") == "integer":
        yield name
    if schema.get("type") == "array":
        yield from integer_fields(schema.get("items", {}), components, name, depth + 1)
    for prop, sub in schema.get("properties", {}).items():
        yield from integer_fields(sub, components, prop, depth + 1)


# ---------------------------------------------------------------------------------------
# The tables cover everything.
# ---------------------------------------------------------------------------------------


def test_every_route_and_operation_has_an_entry() -> None:
    """A URL pattern or an API operation without its line in WEB or API is never swept:
    add it (see docs/access-proofs.md)."""
    document = openapi()
    api_paths = {re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    missing_routes, unknown_params = [], []
    for pattern in url_patterns():
        plain = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", pattern.template)
        if pattern.is_api_operation and plain.removeprefix("api/v1") in {
            p.removeprefix("/api/v1") for p in api_paths
        }:
            continue  # an operation: swept through the API table
        entry = WEB.get(pattern.name)
        if entry is None:
            missing_routes.append(f"{pattern.name or '(unnamed)'}: {pattern.template}")
            continue
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", pattern.template)) | set(
            re.findall(r"\(\?P<(\w+)>", pattern.template)
        )
        declared = set(entry.ids) | set(entry.slugs)
        if params - declared and not entry.paths:
            unknown_params.append(f"{pattern.name}: {sorted(params - declared)}")
    assert missing_routes == [], (
        "URL patterns with no entry in test_canaries.WEB (the canary sweep never calls "
        f"them; add one line each): {missing_routes}"
    )
    assert unknown_params == [], f"path parameters the WEB entry does not fill: {unknown_params}"
    stale_routes = set(WEB) - {pattern.name for pattern in url_patterns()}
    assert stale_routes == set(), f"entries of test_canaries.WEB for no route: {stale_routes}"

    components = document.get("components", {}).get("schemas", {})
    missing_ops, wrong = [], []
    for op_id, _method, path, operation in operations(document):
        op = API.get(op_id)
        if op is None:
            missing_ops.append(f"{op_id} ({path})")
            continue
        in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        if in_path != set(op.path):
            wrong.append(f"{op_id}: path parameters {sorted(in_path)}, table {sorted(op.path)}")
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter["name"] in ("limit", "cursor"):
                continue
            types = {
                s.get("type")
                for s in [
                    parameter.get("schema", {}),
                    *parameter.get("schema", {}).get("anyOf", []),
                ]
            }
            takes_id = "integer" in types or parameter["name"] in ("role",)
            if takes_id and parameter["name"] not in op.query:
                wrong.append(f"{op_id}: query parameter {parameter['name']} takes an id")
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name in integer_fields(content["schema"], components):
                if name not in BODY_IDS:
                    wrong.append(f"{op_id}: body field {name!r} is missing from BODY_IDS")
    stale = set(API) - {op_id for op_id, *_rest in operations(document)}
    assert missing_ops == [], (
        "API operations with no entry in test_canaries.API (the canary sweep never calls "
        f"them; add one line each): {missing_ops}"
    )
    assert wrong == [], "\n".join(wrong)
    assert stale == set(), (
        f"entries of test_canaries.API for operations that no longer exist: {stale}"
    )
    figures.add(
        SECTION,
        {
            "routes called (URL patterns and API operations, each by every role)": len(WEB)
            + len(API)
        },
    )


# ---------------------------------------------------------------------------------------
# The world, once per module.
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[cw.World]:
    media = tmp_path_factory.mktemp("canary-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=Path(media),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        built = cw.build()
        yield built
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_world_gives_the_levels_its_canaries_are_tagged_for(world: cw.World) -> None:
    """The canaries are tagged from cw.LEVELS (by construction): if the world stopped giving
    those levels, the sweep would look for the wrong facts."""
    from portefeuille.access import rules
    from portefeuille.notifications import reading
    from portefeuille.notifications.models import Notification

    for role, levels in cw.LEVELS.items():
        colleague = world.a.colleagues["staff" if role == cw.STAFF else "limited"]
        found = {
            key: int(rules.level(colleague, contact)) for key, contact in world.a.contacts.items()
        }
        assert found == levels, role
        # Opportunities, projects, invoices and tickets: exactly those built for the role;
        # and the notifications it may read (some about those records) are those it reads.
        assert cw.records_through_doors(colleague) == cw.records_built_for(world.a, role), role
        readable = reading.readable(colleague)
        assert set(readable.values_list("pk", flat=True)) == cw.notifications_tagged_for(
            world, colleague, role
        ), role
        assert readable.exclude(record_type="").exists(), role
        # A record taken away from the role took its notifications with it.
        taken = Notification.objects.filter(recipient=colleague).exclude(record_type="")
        assert taken.exclude(pk__in=readable.values("pk")).exists(), role
    # Every fact of the world carries a canary some role must not read, for every role.
    for role in cw.ROLES:
        texts, _literals, ids = world.canaries.hidden_from(role)
        assert texts, role
        assert ids, role


# ---------------------------------------------------------------------------------------
# Sweeping one role.
# ---------------------------------------------------------------------------------------

PNG = cw.png_with("exemple")
EML = cw.eml(
    subject="Objet exemple",
    sender="Exemple <exemple@example.test>",
    body="Corps",
    attachment=("piece.txt", b"exemple\n"),
)
UPLOADS = {
    "image": ("avatar.png", PNG, "image/png"),
    "eml": ("message.eml", EML, "message/rfc822"),
    "text": ("note.txt", b"exemple\n", "text/plain"),
}
FORM_FILES = {"file": UPLOADS["text"], "avatar": UPLOADS["image"]}


def _path(template: str, values: Mapping[str, object]) -> str:
    path = template
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    return "/" + path


def _get_all(sweep: Sweep, name: str, path: str, entry: Web, *, plain: bool, every: bool) -> None:
    """GET with the entry's first query; when the page answers, every HTMX target, every
    following page and (`every`) every other query too."""
    status, _head, text = sweep.call(name, GET, path, query=entry.queries[0])
    if status != 200 or plain:
        return
    if entry.pages:
        sweep.follow_html(name, path, text, None)
    for target in entry.htmx:
        headers = {"HX-Request": "true", "HX-Target": target}
        status, _head, text = sweep.call(name, GET, path, query=entry.queries[0], headers=headers)
        if entry.pages and status == 200:
            sweep.follow_html(name, path, text, headers)
    for query in entry.queries[1:] if every else ():
        status, _head, text = sweep.call(name, GET, path, query=query)
        if entry.pages and status == 200:
            sweep.follow_html(name, path, text, None)


def _post(
    sweep: Sweep, name: str, path: str, entry: Web, bodies: int, slugs: Mapping[str, str]
) -> None:
    id_kind = next((entry.id_kinds[v] for v in slugs.values() if v in entry.id_kinds), DETAIL)
    read = next((entry.fields[v] for v in slugs.values() if v in entry.fields), tuple(FORM_IDS))
    for number, ids in enumerate(sweep.body_ids(bodies)):
        form: dict[str, object] = dict(FORM_TEXT)
        form |= {field_: ids.get(FORM_IDS[field_], 0) for field_ in read if field_ != "id"}
        if "id" in read:
            form["id"] = ids.get(id_kind, 0)
        for extra in entry.extras:
            # An extra may name the round's records: "{contact}" is its contact's id.
            named = {key: value.format_map(ids) for key, value in extra.items()}
            sweep.call(name, POST, path, form=form | named, files=FORM_FILES)
        if entry.htmx_post and number == 0:
            headers = {"HX-Request": "true", "HX-Target": entry.htmx_post_target}
            sweep.call(name, POST, path, form=form, files=FORM_FILES, headers=headers)


def sweep_web(sweep: Sweep, writes: bool) -> None:
    signed_out = sweep.role in cw.SIGNED_OUT_ROLES
    for pattern in url_patterns():
        if pattern.is_api_operation or pattern.name not in WEB:
            continue
        entry = WEB[pattern.name]
        gets: list[str] = list(entry.paths)
        posts: list[tuple[str, bool, dict[str, str]]] = [
            (path, bool(entry.body_ids), {}) for path in entry.paths
        ]
        for number, slugs in enumerate(product(entry.slugs) if not entry.paths else []):
            names_records = entry.body_ids is True or bool(
                isinstance(entry.body_ids, frozenset) and set(slugs.values()) & entry.body_ids
            )
            ids = {
                name: SETTINGS_KINDS[slugs["kind"]] if kind == SETTINGS else kind
                for name, kind in entry.ids.items()
            }
            # Every id variant with the first slug values; the other slugs at the base ids.
            every = sweep.variants(ids, entry.parents, few=signed_out)
            few = sweep.variants(ids, entry.parents, few=True)
            gets += [
                _path(pattern.template, {**slugs, **v})
                for v in (every if number == 0 else every[:1])
            ]
            posts += [
                (_path(pattern.template, {**slugs, **v}), index == 0 and names_records, slugs)
                for index, v in enumerate(few if number == 0 else few[:1])
            ]
        if GET in entry.methods:
            for index, path in enumerate(gets):
                _get_all(
                    sweep,
                    pattern.name,
                    path,
                    entry,
                    plain=signed_out and index > 0,
                    every=index == 0,
                )
            base = gets[0]
            filter_base = entry.queries[0] if entry.filter_base is None else entry.filter_base
            for name, kind in entry.query.items():
                for item in sweep.probes(kind):
                    sweep.call(pattern.name, GET, base, query={**filter_base, name: item.pk})
        if POST in entry.methods and writes:
            for path, names_records, slugs in posts:
                many = names_records and not signed_out
                _post(sweep, pattern.name, path, entry, MAX_BODIES if many else 1, slugs)


MAX_BODIES = 4


def sweep_api(sweep: Sweep, document: dict[str, Any], writes: bool) -> None:
    components = document.get("components", {}).get("schemas", {})
    signed_out = sweep.role in cw.SIGNED_OUT_ROLES
    for op_id, method, template, operation in operations(document):
        entry = API[op_id]
        if method != GET and not writes:
            continue
        names = {p["name"] for p in operation.get("parameters", [])}
        limit = {"limit": str(API_PAGE_LIMIT)} if "limit" in names else {}
        parents = {
            name: "client_id"
            for name, kind in entry.path.items()
            if "client_id" in entry.path and name != "client_id" and kind != CONTACT
        } | dict(entry.parents)
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        files = {"file": UPLOADS[entry.upload]} if entry.upload else None
        names_ids = schema is not None and any(
            BODY_IDS.get(n) for n in integer_fields(schema, components)
        )

        def path_of(values: Mapping[str, int], template: str = template) -> str:
            path = template
            for name, value in values.items():
                path = path.replace("{" + name + "}", str(value))
            return path

        variants = sweep.variants(entry.path, parents, few=method != GET or signed_out)
        for index, values in enumerate(variants):
            path = path_of(values)
            if method == GET:
                # Every query on the base path; the first only elsewhere.
                for query in entry.queries if index == 0 and not signed_out else entry.queries[:1]:
                    status, _head, text = sweep.call(
                        op_id, GET, path, query={**limit, **query}, api=True
                    )
                    if status != 200:
                        break
                    sweep.follow_api(op_id, path, {**limit, **query}, text)
                continue
            count = MAX_BODIES if index == 0 and names_ids and not signed_out else 1
            for ids in sweep.body_ids(count):
                body = body_for(schema, components, ids) if schema else None
                sweep.call(op_id, method, path, body=body, files=files, api=True)
        base = path_of(variants[0])
        for name, kind in entry.query.items():
            for value in _query_values(sweep, kind):
                filtered: dict[str, object] = {**limit, **entry.queries[0], name: value}
                if method == GET:
                    status, _head, text = sweep.call(op_id, GET, base, query=filtered, api=True)
                    if status == 200:
                        sweep.follow_api(op_id, base, filtered, text)
                else:
                    sweep.call(op_id, method, f"{base}?{urlencode(filtered)}", api=True)


def _query_values(sweep: Sweep, kind: str) -> list[object]:
    """The values an id filter is tried with: the role's own record and the sample of those
    it may not see."""
    if kind != ROLE_FILTER:
        return [item.pk for item in sweep.probes(kind)]
    colleagues = sweep.probes(COLLEAGUE)
    # A titled slot, any slot, and slot 3, which has no title.
    return [
        *(f"1:{c.pk}" for c in colleagues),
        *(str(c.pk) for c in colleagues),
        f"3:{sweep.base(COLLEAGUE).pk}",
    ]


@contextmanager
def quiet_request_log() -> Iterator[None]:
    """Thousands of refusals are expected: django.request would format a traceback for each
    403 (server errors are still recorded, from the answers themselves)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


# Small pages, so that every list of the world is read over several, following its "more"
# links and cursors (the lists' own page sizes are far above the world's size).
SMALL_PAGES: tuple[tuple[Any, str, int], ...] = (
    (contact_queries, "PAGE_SIZE", 3),
    (timeline_views, "TIMELINE_PAGE", 4),
    (timeline_views, "DOCUMENTS_PAGE", 2),
    (audit_views, "EVENTS_PER_PAGE", 10),
    (firm_views, "COLLEAGUES_PER_PAGE", 3),
    (notification_views, "PER_PAGE", 2),
)


@contextmanager
def small_pages() -> Iterator[None]:
    saved = [(module, name, getattr(module, name)) for module, name, _size in SMALL_PAGES]
    try:
        for module, name, size in SMALL_PAGES:
            setattr(module, name, size)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def run(world: cw.World, role: str) -> Sweep:
    sweep = Sweep(world, role)
    writes = role in WRITERS
    if role == cw.ADMIN_A or role == cw.ADMIN_B:
        other = cw.ADMIN_B if role == cw.ADMIN_A else cw.ADMIN_A
        sweep.control = Detector(world.canaries, other)
    with quiet_request_log(), small_pages():
        if role not in cw.TOKEN_ONLY_ROLES:
            sweep_web(sweep, writes)
        sweep_api(sweep, openapi(), writes)
    return sweep


MAX_REPORTED_FACTS = 40


def report(sweep: Sweep) -> str:
    """Each fact read, where (route or operation) and how often, then one example each."""
    by_fact: dict[str, list[Finding]] = {}
    for finding in sweep.findings:
        by_fact.setdefault(finding.fact, []).append(finding)
    lines = [f"{len(sweep.findings)} canaries read by {sweep.role}, {len(by_fact)} facts:"]
    for fact, found in sorted(by_fact.items(), key=lambda pair: -len(pair[1])):
        routes = Counter(f.route for f in found)
        lines.append(
            f"- {fact}: {len(found)} times, in "
            + ", ".join(f"{r} ({n})" for r, n in routes.most_common())
        )
        if len(lines) > MAX_REPORTED_FACTS:
            lines.append(f"- … and {len(by_fact) - MAX_REPORTED_FACTS} more facts")
            break
    lines.append("Examples:")
    lines += [f"  {found[0]}" for found in list(by_fact.values())[:MAX_REPORTED_FACTS]]
    return "\n".join(lines)


@pytest.mark.django_db
@pytest.mark.full_on_postgresql
@pytest.mark.parametrize("role", cw.ROLES)
def test_no_answer_holds_a_canary(world: cw.World, role: str) -> None:
    started = time.perf_counter()
    sweep = run(world, role)
    figures.add(
        SECTION,
        {
            "roles": 1,
            "answers read": sweep.answers,
            "canaries found": len(sweep.findings),
            "server errors": len(sweep.server_errors),
            "seconds (all roles, summed)": time.perf_counter() - started,
        },
    )
    writes = role in WRITERS
    expected = (
        {name for name, entry in WEB.items() if writes or GET in entry.methods}
        if role not in cw.TOKEN_ONLY_ROLES
        else set()
    )
    expected |= {op for op, method, *_rest in operations(openapi()) if writes or method == GET}
    assert expected - sweep.called == set(), f"never called: {sorted(expected - sweep.called)}"
    if role not in cw.SIGNED_OUT_ROLES:
        assert sweep.still_signed_in(), (
            f"{role} was signed out during the sweep; the session changed with: "
            f"{sweep.session_changes[:10]}"
        )
    assert sweep.findings == [], report(sweep)
    assert sweep.server_errors == [], "\n".join(sweep.server_errors[:20])
    if sweep.control is not None:
        texts, literals, _ids = world.canaries.hidden_from(
            cw.ADMIN_B if role == cw.ADMIN_A else cw.ADMIN_A
        )
        facts = world.canaries.facts
        unseen = sorted(
            {facts[t] for t in texts if t.lower() not in sweep.seen}
            | {
                facts[v]
                for v in literals
                if not any(facts[w] == facts[v] and w.lower() in sweep.seen for w in literals)
            }
        )
        assert unseen == [], (
            f"canaries {role} never read (the sweep proves nothing about them): {unseen}"
        )
