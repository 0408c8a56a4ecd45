"""Sentences about a contact's details, timeline and documents: facts of the event's own
client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portefeuille.contacts.models import SocialHandle
from portefeuille.contacts.validators import display_phone

from ..models import AuditEvent
from .base import (
    Others,
    Rendered,
    Renderer,
    _a,
    _b,
    _dict,
    _name,
)

# ---------------------------------------------------------------------------------------
# Contact details, timeline and documents: facts of the event's own client.
# ---------------------------------------------------------------------------------------


def _detail(text: Promise, key: str, value: Callable[[dict[str, Any]], Any]) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        data = _dict(_a(event).get(key)) or _dict(_b(event).get(key))
        return str(text) % {"value": value(data)}, event.before, event.after

    return render


def _phone(data: dict[str, Any]) -> str:
    return display_phone(str(data.get("number", "")))


def _address(data: dict[str, Any]) -> str:
    if data.get("text"):
        return str(data["text"])
    parts = [data.get(key) for key in ("street", "street2", "postal_code", "city")]
    return ", ".join(str(part) for part in parts if part) or "—"


def _network(data: dict[str, Any]) -> str:
    value = str(data.get("network") or "")
    try:
        return str(SocialHandle.Network(value).label)
    except ValueError:
        return str(data.get("handle") or "—")


def _email_event(text: Promise) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        # SECURITY: a logged e-mail may be hidden from this reader (a person whose
        # communication is not shared): its ids and its attachments' are facts for admins
        # only, who see every e-mail. The sentence says no more than that one was logged.
        if others.reader_is_admin:
            return str(text), event.before, event.after
        return str(text), None, None

    return render


def _render_avatar(event: AuditEvent, others: Others) -> Rendered:
    text = _("Avatar modifié") if _a(event).get("avatar") else _("Avatar retiré")
    return text, event.before, event.after


def _render_document(event: AuditEvent, others: Others) -> Rendered:
    before, after = _b(event), _a(event)
    if event.action == "document.uploaded":
        return _("Document ajouté : %(name)s") % {"name": _name(after)}, None, after
    if event.action == "document.renamed":
        if "name" not in after:
            # An e-mail's attachment: its name is not kept, some readers may not see it.
            return _("Pièce jointe d'un e-mail renommée"), before, after
        text = _("Document renommé : %(old)s → %(new)s") % {
            "old": _name(before),
            "new": _name(after),
        }
        return text, before, after
    if "name" not in before:
        return _("Pièce jointe d'un e-mail supprimée"), before, None
    return _("Document supprimé : %(name)s") % {"name": _name(before)}, before, None
