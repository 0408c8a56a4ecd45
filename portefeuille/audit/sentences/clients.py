"""Sentences about the client record and its team, and about the links that name a
second contact (cards, client-group memberships)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact

from ..models import AuditEvent
from .base import (
    Others,
    Rendered,
    Renderer,
    _a,
    _b,
    _dict,
    _fields,
    _holder,
    _name,
    _privacy,
    _ref_id,
)

# ---------------------------------------------------------------------------------------
# The client record and its team.
# ---------------------------------------------------------------------------------------

# Fields of a contact whose value names another contact.
_CONTACT_FIELDS = ("primary_contact",)


def _updated_mentions(event: AuditEvent) -> Iterable[Any]:
    for side in (_b(event), _a(event)):
        for field in _CONTACT_FIELDS:
            if side.get(field) is not None:
                yield side[field]


def _render_updated(event: AuditEvent, others: Others) -> Rendered:
    before, after = _b(event), _a(event)
    removed = False
    for field in _CONTACT_FIELDS:
        refs = [side[field] for side in (before, after) if side.get(field) is not None]
        if any(others.ref(ref) is None for ref in refs):
            # SECURITY: a hidden contact is not named, nor is the change that names it.
            before.pop(field, None)
            after.pop(field, None)
            removed = True
            continue
        for side in (before, after):
            if side.get(field) is not None:
                side[field] = others.ref(side[field])
    if removed and not before and not after:
        return None
    fields = _fields(Contact, before, after)
    if event.before is None:
        return _("Détails renseignés à la création : %(fields)s") % {"fields": fields}, None, after
    return _("Détails modifiés : %(fields)s") % {"fields": fields}, before, after


def _render_role(event: AuditEvent, others: Others) -> Rendered:
    before, after = _dict(_b(event).get("role")), _dict(_a(event).get("role"))
    slot = after.get("slot", before.get("slot"))
    title = after.get("title") or before.get("title") or _("Poste nº %(number)s") % {"number": slot}
    text = _("Poste « %(title)s » : %(before)s → %(after)s") % {
        "title": title,
        "before": _name(before.get("colleague"), _("personne")),
        "after": _name(after.get("colleague"), _("personne")),
    }
    return text, event.before, event.after


def _change(text: Promise, key: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        values = {"before": _name(_b(event).get(key)), "after": _name(_a(event).get(key))}
        return str(text) % values, event.before, event.after

    return render


def _render_privacy(event: AuditEvent, others: Others) -> Rendered:
    values = {
        "before": _privacy(_b(event).get("privacy")),
        "after": _privacy(_a(event).get("privacy")),
    }
    return _("Confidentialité : %(before)s → %(after)s") % values, event.before, event.after


def _holder_event(text: Promise, key: str, side: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        data = _b(event) if side == "before" else _a(event)
        holder = data.get(key, data)
        return str(text) % {"name": _holder(holder)}, event.before, event.after

    return render


# ---------------------------------------------------------------------------------------
# Cards and client-group memberships: the events that name a second contact.
# ---------------------------------------------------------------------------------------


def _link(event: AuditEvent, key: str) -> dict[str, Any]:
    return _dict(_a(event).get(key) or _b(event).get(key))


def _other_side(event: AuditEvent, link: Mapping[str, Any], sides: tuple[str, str]) -> Any:
    first, second = (link.get(side) for side in sides)
    return second if _ref_id(first) == event.client_id else first


def _card_mentions(event: AuditEvent) -> Iterable[Any]:
    card = _link(event, "card")
    return [card.get("person"), card.get("organization")]


def _card_out(card: Mapping[str, Any], others: Others, role_shown: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": card.get("id"),
        "person": others.ref(card.get("person")),
        "organization": others.ref(card.get("organization")),
    }
    if role_shown and "role" in card:
        out["role"] = card["role"]
    return out


def _render_card(event: AuditEvent, others: Others) -> Rendered:
    card = _link(event, "card")
    other = _other_side(event, card, ("person", "organization"))
    level = others.level(other)
    if level == Level.NONE:
        # SECURITY: the event is only about a contact the reader may not know of.
        return None
    # A card's role is a detail of both contacts: shown only to who sees both in full.
    role_shown = level == Level.FULL
    name = others.name(other)
    before = _dict(_b(event).get("card"))
    after = _dict(_a(event).get("card"))
    if event.action == "contact.card_added":
        role = after.get("role") if role_shown else ""
        text = (
            _("Fiche de contact ajoutée avec %(name)s (%(role)s)") % {"name": name, "role": role}
            if role
            else _("Fiche de contact ajoutée avec %(name)s") % {"name": name}
        )
    elif event.action == "contact.card_changed":
        text = (
            _("Rôle sur la fiche de contact avec %(name)s : %(before)s → %(after)s")
            % {"name": name, "before": before.get("role") or "—", "after": after.get("role") or "—"}
            if role_shown
            else _("Rôle changé sur la fiche de contact avec %(name)s") % {"name": name}
        )
    else:
        text = _("Fiche de contact avec %(name)s retirée") % {"name": name}
    return (
        text,
        {"card": _card_out(before, others, role_shown)} if before else None,
        {"card": _card_out(after, others, role_shown)} if after else None,
    )


def _membership_mentions(event: AuditEvent) -> Iterable[Any]:
    link = _link(event, "membership")
    return [link.get("group"), link.get("member")]


def _render_membership(event: AuditEvent, others: Others) -> Rendered:
    link = _link(event, "membership")
    other = _other_side(event, link, ("group", "member"))
    if others.level(other) == Level.NONE:
        return None
    name = others.name(other)
    on_group = _ref_id(link.get("group")) == event.client_id
    added = event.action == "contact.member_added"
    if on_group:
        text = (
            _("%(name)s ajouté au groupe de clients")
            if added
            else _("%(name)s retiré du groupe de clients")
        )
    else:
        text = (
            _("Ajouté au groupe de clients %(name)s")
            if added
            else _("Retiré du groupe de clients %(name)s")
        )
    shown = {
        "membership": {
            "id": link.get("id"),
            "group": others.ref(link.get("group")),
            "member": others.ref(link.get("member")),
        }
    }
    return text % {"name": name}, None if added else shown, shown if added else None
