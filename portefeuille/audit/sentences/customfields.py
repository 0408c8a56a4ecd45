"""Sentences about custom fields (settings) and the custom values of a record
(docs/custom-fields.md). A value change is recorded on the record's client, so only readers
who see that client in full read it (docs/history.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AuditEvent
from .base import Kind, Others, Rendered, Renderer, _a, _b, _dict, _name

_AREAS = {
    "contact": gettext_lazy("contacts"),
    "opportunity": gettext_lazy("opportunités"),
    "project": gettext_lazy("projets"),
    "invoice": gettext_lazy("factures"),
}
_RECORDS = {
    "opportunity": gettext_lazy("de l'opportunité « %(name)s »"),
    "project": gettext_lazy("du projet « %(name)s »"),
    "invoice": gettext_lazy("de la facture %(name)s"),
}


def _field_facts(event: AuditEvent) -> dict[str, Any]:
    data = _a(event) or _b(event)
    area = data.get("area")
    return {
        "label": _name(data.get("label") or data.get("custom_field"), "—"),
        "area": str(_AREAS.get(area, "—")) if isinstance(area, str) else "—",
    }


def _field_event(text: Any) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        return str(text) % _field_facts(event), event.before, event.after

    return render


def _render_field_changed(event: AuditEvent, others: Others) -> Rendered:
    before, after = _b(event), _a(event)
    facts = _field_facts(event)
    if before.get("label") and after.get("label") and before["label"] != after["label"]:
        text = _("Champ personnalisé « %(before)s » renommé « %(after)s » (%(area)s)") % {
            "before": _name(before.get("label")),
            "after": _name(after.get("label")),
            "area": facts["area"],
        }
    else:
        text = _("Champ personnalisé « %(label)s » modifié (%(area)s)") % facts
    return text, event.before, event.after


def _render_values(event: AuditEvent, others: Others) -> Rendered:
    after = _a(event)
    labels = [str(label) for label in _dict(after.get("values"))]
    record = _dict(after.get("record"))
    record_type = record.get("type")
    wording = _RECORDS.get(record_type) if isinstance(record_type, str) else None
    fields = ", ".join(labels) or "—"
    if wording is not None:
        text = _("Champs personnalisés %(record)s modifiés : %(fields)s") % {
            "record": str(wording) % {"name": _name(record.get("name"), "—")},
            "fields": fields,
        }
    else:
        text = _("Champs personnalisés modifiés : %(fields)s") % {"fields": fields}
    return text, event.before, event.after


CUSTOM_FIELD_KINDS: dict[str, Kind] = {
    "custom_field.created": Kind(
        gettext_lazy("Champ personnalisé créé"),
        _field_event(gettext_lazy("Champ personnalisé « %(label)s » créé (%(area)s)")),
    ),
    "custom_field.changed": Kind(gettext_lazy("Champ personnalisé modifié"), _render_field_changed),
    "custom_field.archived": Kind(
        gettext_lazy("Champ personnalisé archivé"),
        _field_event(gettext_lazy("Champ personnalisé « %(label)s » archivé (%(area)s)")),
    ),
    "custom_field.restored": Kind(
        gettext_lazy("Champ personnalisé rétabli"),
        _field_event(gettext_lazy("Champ personnalisé « %(label)s » rétabli (%(area)s)")),
    ),
    "custom_field.reordered": Kind(
        gettext_lazy("Ordre des champs personnalisés modifié"),
        _field_event(gettext_lazy("Ordre des champs personnalisés modifié (%(area)s)")),
    ),
    "custom_field.deleted": Kind(
        gettext_lazy("Champ personnalisé supprimé"),
        _field_event(gettext_lazy("Champ personnalisé « %(label)s » supprimé (%(area)s)")),
    ),
    "custom_values.changed": Kind(gettext_lazy("Champs personnalisés modifiés"), _render_values),
}
