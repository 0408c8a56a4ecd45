"""The client monitor (« Moniteur de clients ») and its exports, docs/exchange.md.

Thin adapters: the rows come from exchange/monitor.py (the access door with the contacts
page's filters), the files from exchange/writers.py, and each export is recorded in the
firm's history before its first byte leaves.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portefeuille.access import rules
from portefeuille.access.forms import owner_entries
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.audit.services import record_event
from portefeuille.contacts.models import Contact
from portefeuille.contacts.queries import KINDS, PRIVACY_VALUES, VIEWS
from portefeuille.contacts.views import parse_id
from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague, ContactType, Privacy, RoleSlot
from portefeuille.firms.views import colleague_required, refusal_text

from . import monitor, selection, services, tasks, writers
from .models import Export
from .monitor import MonitorQuery

# A selection of more rows is written by the task worker (exchange/tasks.py) with its
# progress, then downloaded from its page; fewer are sent at once.
BACKGROUND_FROM = 5_000
# The rows an export may name one by one (a selection of rows of the page); beyond, « all
# matching » is the way.
MAX_SELECTED = services.MAX_CLIENTS


def _sort_url(pairs: list[tuple[str, str]], columns: tuple[str, ...], sort: str) -> str:
    return "?" + urlencode([*pairs, *(("col", c) for c in columns), ("sort", sort)])


@colleague_required
@require_GET
def monitor_view(request: HttpRequest, actor: Colleague) -> HttpResponse:
    query, available = selection.query_and_columns(actor, request.GET)
    after = request.GET.get("after") or None
    page = monitor.monitor_page(actor, query, after=after)
    by_key = {column.key: column for column in available}
    shown = [by_key[key] for key in query.columns]
    pairs = selection.filter_pairs(request.GET)
    headers = []
    for column in shown:
        current = query.sort == column.key
        next_sort = f"-{column.key}" if current and not query.descending else column.key
        headers.append(
            {
                "column": column,
                "url": _sort_url(pairs, query.columns, next_sort) if column.sortable else "",
                "current": current,
                "descending": current and query.descending,
            }
        )
    state = urlencode(
        [
            *pairs,
            *(("col", c) for c in query.columns),
            ("sort", f"{'-' if query.descending else ''}{query.sort}"),
        ]
    )
    context: dict[str, Any] = {
        "page": page,
        "query": query,
        "headers": headers,
        "shown": shown,
        "rows": [
            {"row": row, "cells": [row.value(column.key) for column in shown[1:]]}
            for row in page.rows
        ],
        "state": state,
        "is_continuation": after is not None,
    }
    if request.headers.get("HX-Target") == "more-rows":
        return render(request, "exchange/monitor.html#rows", context)
    firm = actor.firm
    context.update(
        {
            "available": available,
            "filters": query.filters,
            "views": [v for v in VIEWS if v in ("all", "mine")],
            "kind_choices": [(k, label) for k, label in Contact.Kind.choices if k in KINDS],
            "privacy_choices": [(p, label) for p, label in Privacy.choices if p in PRIVACY_VALUES],
            "contact_types": list(ContactType.objects.filter(firm_id=firm.pk).order_by("name")),
            "colleagues": list(active_colleagues(firm.pk)),
            "owner_entries": (
                list(
                    OwnerEntry.objects.filter(firm_id=firm.pk)
                    .select_related("colleague")
                    .order_by("colleague__last_name", "colleague__first_name", "name")
                )
                if firm.ownership_enabled
                else []
            ),
            "portfolios": list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name")),
            "slots": list(
                RoleSlot.objects.filter(firm_id=firm.pk).exclude(title="").order_by("number")
            ),
            "formats": [
                ("xlsx", _("Excel (.xlsx)")),
                ("csv", _("CSV")),
                ("csv_semicolon", _("CSV (Excel en français, « ; »)")),
            ],
        }
    )
    return render(request, "exchange/monitor.html", context)


def _selected_ids(post: QueryDict) -> list[int] | None:
    """The rows ticked on the page (None: every matching row)."""
    if post.get("scope") != "selected":
        return None
    ids = [parse_id(raw) for raw in post.getlist("ids")[:MAX_SELECTED]]
    return [pk for pk in ids if pk is not None]


@colleague_required
@require_POST
def monitor_export(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """The monitor's selection as a file: every matching row, or the ticked ones, with the
    columns shown, in the monitor's order; only rows the viewer sees, a name-only row by its
    name alone. Recorded in the firm's history."""
    get = QueryDict(request.POST.get("state", ""), mutable=False)
    query, shown = selection.query_from(actor, get)
    chosen = request.POST.get("format", "xlsx")
    if chosen not in selection.EXTENSIONS:
        chosen = "xlsx"
    extension = selection.EXTENSIONS[chosen]
    content_type = selection.CONTENT_TYPES[extension]
    ids = _selected_ids(request.POST)
    count = monitor.selection(actor, query, ids).order_by().count()

    def recorded(export: Export | None = None) -> None:
        record_event(
            actor=actor,
            action="clients.exported",
            after={
                "count": count,
                "format": extension,
                "columns": list(query.columns),
                "filters": dict(selection.filter_pairs(get)),
                "selected": ids is not None,
                **({"export": export.pk} if export is not None else {}),
            },
        )

    if count >= BACKGROUND_FROM:
        with transaction.atomic():
            export = Export.objects.create(
                firm_id=actor.firm_id,
                requester=actor,
                state=request.POST.get("state", ""),
                selected=ids,
                format=chosen,
                rows_total=count,
            )
            recorded(export)
            transaction.on_commit(lambda: tasks.run_export.enqueue(export_id=export.pk))
        return redirect("exchange:export_status", pk=export.pk)

    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    filename = f"clients-{stamp}.{extension}"
    columns = selection.export_columns(shown)

    def cells() -> Iterator[list[Any]]:
        for row in monitor.export_rows(actor, query, ids):
            yield [row.value(column.key) for column in shown]

    if extension == "csv":
        # Streamed: recorded before its first byte leaves.
        with transaction.atomic():
            recorded()
        delimiter = ";" if chosen == "csv_semicolon" else ","
        response = StreamingHttpResponse(
            writers.iter_csv(columns, cells(), delimiter=delimiter), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # Streaming responses; colleague_required is typed for HttpResponse only.
        return cast(HttpResponse, response)
    # An .xlsx is a zip: written to a temporary file row by row (flat memory), recorded once
    # written, then sent.
    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        writers.write_xlsx(columns, cells(), spool.name, sheet_name=_("Clients"))
        with transaction.atomic():
            recorded()
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return cast(
        HttpResponse,
        FileResponse(spool, as_attachment=True, filename=filename, content_type=content_type),
    )


def _own_export(actor: Colleague, pk: int) -> Export:
    """One of the actor's own exports; anyone else's, or an unknown id, is the same 404."""
    export = Export.objects.filter(pk=pk, firm_id=actor.firm_id, requester_id=actor.pk).first()
    if export is None:
        raise Http404
    return export


@colleague_required
@require_GET
def export_status(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """A large export's page: its progress while the worker writes it (the bar refreshes
    itself), then its download link; for its requester only."""
    export = _own_export(actor, pk)
    context = {
        "export": export,
        "working": export.status in (Export.Status.QUEUED, Export.Status.RUNNING),
    }
    if request.headers.get("HX-Target") == "export-progress":
        return render(request, "exchange/export_status.html#progress", context)
    return render(request, "exchange/export_status.html", context)


@colleague_required
@require_GET
def export_download(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The file of a finished export, for its requester only."""
    export = _own_export(actor, pk)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    extension = selection.EXTENSIONS.get(export.format, "xlsx")
    name = (export.file.name or "").rsplit("/", 1)[-1]
    return cast(
        HttpResponse,
        FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=selection.CONTENT_TYPES[extension],
        ),
    )


# ---------------------------------------------------------------------------------------
# Bulk edit: choose the change, preview it, apply it (exchange/services.py).
# ---------------------------------------------------------------------------------------

REFUSED_SHOWN = 50


def _bulk_choices(actor: Colleague) -> dict[str, Any]:
    firm = actor.firm
    fields = [
        ("manager", _("Gestionnaire")),
        ("role", _("Titulaire d'un poste")),
        ("add_member", _("Ajouter à l'équipe client")),
        ("remove_member", _("Retirer de l'équipe client")),
        ("contact_type", _("Type de contact")),
        ("privacy", _("Confidentialité")),
    ]
    if firm.ownership_enabled:
        fields.insert(0, ("owner", _("Responsable client")))
    if actor.is_admin:
        fields.insert(-2, ("portfolio", _("Portefeuille")))
    return {
        "bulk_fields": fields,
        "colleagues": list(active_colleagues(firm.pk)),
        # Who may be given clients: the roster without the entries of inactive colleagues.
        "owner_entries": owner_entries(firm.pk) if firm.ownership_enabled else [],
        "portfolios": list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name")),
        "contact_types": list(ContactType.objects.filter(firm_id=firm.pk).order_by("name")),
        "slots": list(
            RoleSlot.objects.filter(firm_id=firm.pk).exclude(title="").order_by("number")
        ),
        "privacy_choices": Privacy.choices,
    }


def _bulk_change(actor: Colleague, post: QueryDict) -> services.BulkChange:
    """The change the form asks for; a value of another firm or of the wrong kind is the
    service's refusal, never an error page."""
    chosen = post.get("field", "")
    raw = post.get(f"value_{chosen}", "")
    pk = parse_id(raw)
    models = services.VALUE_MODELS
    value: Any = None
    if chosen == "privacy":
        value = raw
    elif chosen in models and pk is not None:
        value = models[chosen]._default_manager.filter(pk=pk, firm_id=actor.firm_id).first()
        if value is None:
            value = _NOT_AVAILABLE
    return services.BulkChange(field=chosen, value=value, slot=parse_id(post.get("slot")))


class _NotAvailable:
    """A value id that is not of the actor's firm: the service refuses it."""

    firm_id = None
    pk = None


_NOT_AVAILABLE = _NotAvailable()


def _bulk_ids(actor: Colleague, post: QueryDict) -> tuple[MonitorQuery, list[int]]:
    state = QueryDict(post.get("state", ""), mutable=False)
    query, _available = selection.query_and_columns(actor, state)
    ids = _selected_ids(post)
    # A client seen by name only is never changed: it is not counted in the selection.
    rows = monitor.selection(actor, query, ids).filter(rules.full_access_q(actor)).order_by()
    return query, list(rows.values_list("pk", flat=True)[: services.MAX_CLIENTS])


@colleague_required
@require_POST
def monitor_bulk(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Step 1: the change for the selection (no `field` yet); step 2: its preview."""
    post = request.POST
    _query, ids = _bulk_ids(actor, post)
    context: dict[str, Any] = {
        "state": post.get("state", ""),
        "scope": post.get("scope", "all"),
        "ids": post.getlist("ids")[:MAX_SELECTED],
        "count": len(ids),
        **_bulk_choices(actor),
    }
    if "field" not in post:
        return render(request, "exchange/bulk_edit.html", context)
    change = _bulk_change(actor, post)
    try:
        preview = services.preview_bulk_edit(actor=actor, client_ids=ids, change=change)
    except (ValidationError, PermissionDenied) as error:
        context["error"] = _reason(error)
        context["chosen"] = post.get("field", "")
        return render(request, "exchange/bulk_edit.html", context, status=422)
    context.update(
        {
            "preview": preview,
            "chosen": change.field,
            "posted": {k: v for k, v in post.items() if k.startswith("value_") or k == "slot"},
            "versions": ",".join(f"{pk}:{token}" for pk, token in preview.seen.items()),
            "refused_shown": preview.refused[:REFUSED_SHOWN],
            "refused_more": max(0, len(preview.refused) - REFUSED_SHOWN),
        }
    )
    return render(request, "exchange/bulk_preview.html", context)


SEEN_TOKEN = re.compile(r"^\d{1,18}(?:\.\d{1,18})?$")


def _seen(raw: str) -> dict[int, str]:
    """What the preview saw of each client (`id:token,…`); anything malformed is left out."""
    found: dict[int, str] = {}
    for pair in raw.split(",")[: services.MAX_CLIENTS]:
        pk, _sep, token = pair.partition(":")
        pk_id = parse_id(pk)
        if pk_id is not None and SEEN_TOKEN.match(token):
            found[pk_id] = token
    return found


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return refusal_text(error)
    return str(error.args[0]) if error.args else _("Vous ne pouvez pas faire ce changement.")


@colleague_required
@require_POST
def monitor_bulk_apply(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Step 3: the change applied to the clients of the preview; the summary."""
    post = request.POST
    change = _bulk_change(actor, post)
    try:
        done = services.apply_bulk_edit(
            actor=actor, seen=_seen(post.get("versions", "")), change=change
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _reason(error))
        return redirect(f"{reverse('exchange:monitor')}?{post.get('state', '')}")
    return render(
        request,
        "exchange/bulk_done.html",
        {
            "done": done,
            "state": post.get("state", ""),
            "refused_shown": done.refused[:REFUSED_SHOWN],
            "refused_more": max(0, len(done.refused) - REFUSED_SHOWN),
        },
    )
