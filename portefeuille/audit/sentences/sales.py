"""Sentences about a client's sales records: its opportunities, projects and invoices
(docs/sales.md). The events hold the record as it was (sales/services.py: its fields, its
stage and its people named as they were); a client's history is read by who sees the client
in full only (audit/queries.py), so a sentence may name the record by its title, name or
number — checked again here, as for work (a second door)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.rules import Level
from portefeuille.sales.models import Invoice, Opportunity, Project

from ..models import AuditEvent
from .base import Kind, Others, Rendered, _a, _b, _field_label, _name, _ref_id

# The key naming the record itself in an event's parameters, by record type.
_RECORD_KEYS = frozenset({"opportunity", "project", "invoice"})
# What names the record in a sentence: its title, name or number when the event was written.
_NAME_KEYS = {"opportunity": "title", "project": "name", "invoice": "number"}
_MODELS: dict[str, type[models.Model]] = {
    "opportunity": Opportunity,
    "project": Project,
    "invoice": Invoice,
}


def _sales_mentions(event: AuditEvent) -> Iterable[Any]:
    # The event's own client: the record is named only at FULL on it.
    if event.client_id is not None:
        yield event.client_id


def _readable(event: AuditEvent, others: Others) -> bool:
    return event.client_id is None or others.level(event.client_id) == Level.FULL


def _record_type(event: AuditEvent) -> str:
    return event.action.partition(".")[0]


def _record_name(event: AuditEvent) -> str:
    """The record's title, name or number, as the event's latest side says it."""
    key = _NAME_KEYS.get(_record_type(event), "name")
    for side in (_a(event), _b(event)):
        value = side.get(key)
        if isinstance(value, str) and value:
            return value
    return "—"


def _same(before: Any, after: Any) -> bool:
    """Whether a field kept its value: a colleague or a stage by its id, a list of
    colleagues as a set."""
    if isinstance(before, list) or isinstance(after, list):
        return {_ref_id(ref) for ref in before or []} == {_ref_id(ref) for ref in after or []}
    if isinstance(before, dict) or isinstance(after, dict):
        return _ref_id(before) == _ref_id(after)
    return bool(before == after)


def changed_fields(event: AuditEvent) -> list[str]:
    """The fields an `….changed` event changed, in the order of the record's model."""
    before, after = _b(event), _a(event)
    names = [
        name
        for name in dict.fromkeys([*before, *after])
        if name not in _RECORD_KEYS and not _same(before.get(name), after.get(name))
    ]
    model = _MODELS.get(_record_type(event))
    if model is None:
        return names
    order = {field.name: i for i, field in enumerate(model._meta.get_fields())}
    return sorted(names, key=lambda name: order.get(name, len(order)))


def _labels(event: AuditEvent, names: Iterable[str]) -> str:
    model = _MODELS.get(_record_type(event))
    found: list[str] = []
    for name in names:
        if name == "collaborators":
            label = _("collaborateurs")
        elif model is not None:
            label = _field_label(model, name)
        else:
            label = name.replace("_", " ")
        if label not in found:
            found.append(label)
    return ", ".join(found) or "—"


def _status(value: Any) -> str:
    try:
        return str(Invoice.Status(value).label)
    except ValueError:
        return str(value or "—")


def render_opportunity(event: AuditEvent, others: Others) -> Rendered:
    """opportunity.created / changed / deleted."""
    if not _readable(event, others):
        return None
    before, after = _b(event), _a(event)
    values = {"title": _record_name(event)}
    if event.action == "opportunity.created":
        text = _("Opportunité « %(title)s » créée (%(stage)s), affectée à %(assignee)s") % {
            **values,
            "stage": _name(after.get("stage"), "—"),
            "assignee": _name(after.get("assignee"), "—"),
        }
        return text, None, event.after
    if event.action == "opportunity.deleted":
        return _("Opportunité « %(title)s » supprimée") % values, event.before, None
    fields = changed_fields(event)
    if fields == ["stage"]:
        text = _("Opportunité « %(title)s » : étape %(before)s → %(after)s") % {
            **values,
            "before": _name(before.get("stage"), "—"),
            "after": _name(after.get("stage"), "—"),
        }
    elif fields == ["assignee"]:
        text = _("Opportunité « %(title)s » affectée à %(assignee)s") % {
            **values,
            "assignee": _name(after.get("assignee"), "—"),
        }
    else:
        text = _("Opportunité « %(title)s » modifiée : %(fields)s") % {
            **values,
            "fields": _labels(event, fields),
        }
    return text, event.before, event.after


def render_project(event: AuditEvent, others: Others) -> Rendered:
    """project.created / changed / deleted."""
    if not _readable(event, others):
        return None
    values = {"name": _record_name(event)}
    if event.action == "project.created":
        text = _("Projet « %(name)s » créé, géré par %(manager)s") % {
            **values,
            "manager": _name(_a(event).get("manager"), "—"),
        }
        return text, None, event.after
    if event.action == "project.deleted":
        return _("Projet « %(name)s » supprimé") % values, event.before, None
    text = _("Projet « %(name)s » modifié : %(fields)s") % {
        **values,
        "fields": _labels(event, changed_fields(event)),
    }
    return text, event.before, event.after


def render_invoice(event: AuditEvent, others: Others) -> Rendered:
    """invoice.created / changed / deleted."""
    if not _readable(event, others):
        return None
    before, after = _b(event), _a(event)
    values = {"number": _record_name(event)}
    if event.action == "invoice.created":
        text = _("Facture %(number)s créée (%(status)s)") % {
            **values,
            "status": _status(after.get("status")),
        }
        return text, None, event.after
    if event.action == "invoice.deleted":
        return _("Facture %(number)s supprimée") % values, event.before, None
    fields = changed_fields(event)
    if fields == ["status"]:
        text = _("Facture %(number)s : %(before)s → %(after)s") % {
            **values,
            "before": _status(before.get("status")),
            "after": _status(after.get("status")),
        }
    else:
        text = _("Facture %(number)s modifiée : %(fields)s") % {
            **values,
            "fields": _labels(event, fields),
        }
    return text, event.before, event.after


SALES_KINDS: dict[str, Kind] = {
    "opportunity.created": Kind(
        gettext_lazy("Opportunité créée"), render_opportunity, _sales_mentions
    ),
    "opportunity.changed": Kind(
        gettext_lazy("Opportunité modifiée"), render_opportunity, _sales_mentions
    ),
    "opportunity.deleted": Kind(
        gettext_lazy("Opportunité supprimée"), render_opportunity, _sales_mentions
    ),
    "project.created": Kind(gettext_lazy("Projet créé"), render_project, _sales_mentions),
    "project.changed": Kind(gettext_lazy("Projet modifié"), render_project, _sales_mentions),
    "project.deleted": Kind(gettext_lazy("Projet supprimé"), render_project, _sales_mentions),
    "invoice.created": Kind(gettext_lazy("Facture créée"), render_invoice, _sales_mentions),
    "invoice.changed": Kind(gettext_lazy("Facture modifiée"), render_invoice, _sales_mentions),
    "invoice.deleted": Kind(gettext_lazy("Facture supprimée"), render_invoice, _sales_mentions),
}
