"""What a history event says, written when it is read: in the reader's language, and about
every other contact it names only what the reader may see of that contact.

An event stores facts (an action code, structured `before` / `after` parameters); this
module turns a batch of events into sentences for one reader, in a constant number of
queries. The rules are in docs/history.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact, SocialHandle
from portefeuille.contacts.validators import display_phone
from portefeuille.firms.models import Colleague, Firm, Privacy, WorkStatus

from .models import AuditEvent


@dataclass(frozen=True)
class ShownEvent:
    """An event as one reader may read it."""

    id: int
    created_at: datetime.datetime
    action: str
    label: str
    summary: str
    actor_id: int | None
    actor_name: str
    client_id: int | None
    client_name: str
    before: Any
    after: Any

    @property
    def pk(self) -> int:
        return self.id


# (text, before, after) as the reader may read them; None: the reader may not read it at all.
Rendered = tuple[str, Any, Any] | None


class Others:
    """The reader's level on each other contact the events name, and its current name."""

    def __init__(self, reader: Colleague, known: Mapping[int, tuple[Level, str]]) -> None:
        self._reader = reader
        self._known = known

    def level(self, ref: Any) -> Level:
        # An admin reads the firm's whole history, deleted contacts included.
        if self._reader.is_admin:
            return Level.FULL
        pk = _ref_id(ref)
        found = self._known.get(pk) if pk is not None else None
        # SECURITY: a contact absent from the reader's answer (hidden from them, or deleted)
        # is unknown to them.
        return found[0] if found is not None else Level.NONE

    def name(self, ref: Any) -> str:
        pk = _ref_id(ref)
        found = self._known.get(pk) if pk is not None else None
        return found[1] if found is not None else _("un contact supprimé")

    @property
    def reader_is_admin(self) -> bool:
        return self._reader.is_admin

    def ref(self, ref: Any) -> dict[str, Any] | None:
        """The reference as the reader may read it: id and name, or None when hidden."""
        if self.level(ref) == Level.NONE:
            return None
        return {"id": _ref_id(ref), "name": self.name(ref)}


Renderer = Callable[[AuditEvent, Others], Rendered]
Mentions = Callable[[AuditEvent], Iterable[Any]]


@dataclass(frozen=True)
class Kind:
    label: Promise
    render: Renderer
    # The other contacts an event of this kind names (references {"id": …}).
    mentions: Mentions | None = None


def _ref_id(ref: Any) -> int | None:
    if isinstance(ref, Mapping):
        ref = ref.get("id")
    return ref if isinstance(ref, int) and not isinstance(ref, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _name(ref: Any, empty: str | None = None) -> str:
    """A colleague's, team's, portfolio's or owner's name as stored in the event."""
    if isinstance(ref, Mapping) and ref.get("name"):
        return str(ref["name"])
    if isinstance(ref, str) and ref:
        return ref
    return empty if empty is not None else _("aucun")


def _holder(data: Any) -> str:
    """{"colleague": ref} or {"team": ref}, as a phrase."""
    data = _dict(data)
    if data.get("team"):
        return _("l'équipe « %(team)s »") % {"team": _name(data["team"])}
    return _name(data.get("colleague"), _("un collaborateur"))


def _privacy(value: Any) -> str:
    try:
        return str(Privacy(value).label)
    except ValueError:
        return str(value or "—")


def _primary_state(value: Any) -> str:
    try:
        return str(WorkStatus.PrimaryState(value).label)
    except ValueError:
        # Events written before states were stored as codes hold the label itself.
        return str(value or "—")


def _field_label(model: type[models.Model], field: str) -> str:
    try:
        found = model._meta.get_field(field)
    except FieldDoesNotExist:
        found = None
    if isinstance(found, models.Field):
        return str(found.verbose_name)
    return field.replace("_", " ")


def _fields(model: type[models.Model], *changes: Any) -> str:
    names: list[str] = []
    for change in changes:
        for field in _dict(change):
            label = _field_label(model, field)
            if label not in names:
                names.append(label)
    return ", ".join(names) or "—"


def _plain(text: Promise) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        return str(text), event.before, event.after

    return render


def _with(text: Promise, values: Callable[[AuditEvent], Mapping[str, Any]]) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        return str(text) % values(event), event.before, event.after

    return render


def _b(event: AuditEvent) -> dict[str, Any]:
    return _dict(event.before)


def _a(event: AuditEvent) -> dict[str, Any]:
    return _dict(event.after)


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


# ---------------------------------------------------------------------------------------
# Portfolios, owner roster, colleagues, teams and firm settings.
# ---------------------------------------------------------------------------------------


def _portfolio_name(event: AuditEvent) -> Mapping[str, Any]:
    portfolio = _a(event).get("portfolio") or _b(event).get("portfolio")
    return {"name": _name(portfolio)}


def _staff(text: Promise, side: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        data = _b(event) if side == "before" else _a(event)
        values = {"name": _holder(data), "portfolio": _name(data.get("portfolio"))}
        return str(text) % values, event.before, event.after

    return render


def _render_transfer(event: AuditEvent, others: Others) -> Rendered:
    count = int(_a(event).get("clients") or 0)
    text = ngettext(
        "%(count)s client transféré de %(before)s à %(after)s",
        "%(count)s clients transférés de %(before)s à %(after)s",
        count,
    ) % {
        "count": count,
        "before": _name(_b(event).get("owner")),
        "after": _name(_a(event).get("owner")),
    }
    return text, event.before, event.after


def _colleague_name(event: AuditEvent) -> Mapping[str, Any]:
    before, after = _b(event), _a(event)
    ref = before.get("colleague") or after.get("colleague")
    if ref:
        return {"name": _name(ref)}
    snapshot = after or before
    full = " ".join(str(snapshot.get(key) or "") for key in ("first_name", "last_name")).strip()
    return {"name": full or snapshot.get("email") or _("un collaborateur")}


def _render_colleague_updated(event: AuditEvent, others: Others) -> Rendered:
    before, after = _b(event), _a(event)
    changed = {key: value for key, value in after.items() if key != "colleague"}
    text = _("Collaborateur %(name)s modifié : %(fields)s") % {
        "name": _colleague_name(event)["name"],
        "fields": _fields(Colleague, changed),
    }
    return text, before, after


def _team_name(event: AuditEvent) -> Mapping[str, Any]:
    team = _a(event).get("team") or _b(event).get("team")
    return {"name": _name(team) if isinstance(team, Mapping) else _name(_b(event).get("name"))}


def _render_team_members(event: AuditEvent, others: Others) -> Rendered:
    added = [f"+ {_name(ref)}" for ref in _a(event).get("added") or []]
    removed = [f"- {_name(ref)}" for ref in _b(event).get("removed") or []]
    text = _("Membres de l'équipe « %(team)s » : %(changes)s") % {
        "team": _team_name(event)["name"],
        "changes": ", ".join(added + removed) or "—",
    }
    return text, event.before, event.after


def _render_team_renamed(event: AuditEvent, others: Others) -> Rendered:
    values = {"before": _name(_b(event).get("name")), "after": _name(_a(event).get("name"))}
    return _("Équipe « %(before)s » renommée « %(after)s »") % values, event.before, event.after


_LISTS: dict[str, tuple[Promise, Promise]] = {
    "contact_type": (gettext_lazy("Type de contact"), gettext_lazy("types de contact")),
    "work_type": (gettext_lazy("Type de travail"), gettext_lazy("types de travail")),
    "work_status": (gettext_lazy("Statut de travail"), gettext_lazy("statuts de travail")),
}


def _list_item(kind: str, verb: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        label = _LISTS[kind][0]
        before, after = _b(event), _a(event)
        if verb == "created":
            text = _("%(kind)s « %(name)s » créé") % {
                "kind": label,
                "name": _name(after.get("item")),
            }
        elif verb == "renamed":
            text = _("%(kind)s « %(before)s » renommé « %(after)s »") % {
                "kind": label,
                "before": _name(before.get("name")),
                "after": _name(after.get("name")),
            }
        elif verb == "deleted":
            text = _("%(kind)s « %(name)s » supprimé") % {
                "kind": label,
                "name": _name(before.get("item")),
            }
        else:
            text = _("Ordre des %(kind)s modifié") % {"kind": _LISTS[kind][1]}
        return text, event.before, event.after

    return render


def _render_archive(event: AuditEvent, others: Others) -> Rendered:
    values = {"name": _name(_b(event).get("item"))}
    text = (
        _("Type de contact « %(name)s » marqué comme archive")
        if _a(event).get("is_archive")
        else _("Type de contact « %(name)s » n'est plus une archive")
    )
    return text % values, event.before, event.after


def _render_state(event: AuditEvent, others: Others) -> Rendered:
    values = {
        "name": _name(_b(event).get("item")),
        "before": _primary_state(_b(event).get("primary_state")),
        "after": _primary_state(_a(event).get("primary_state")),
    }
    return _("Statut « %(name)s » : %(before)s → %(after)s") % values, event.before, event.after


def _render_settings(event: AuditEvent, others: Others) -> Rendered:
    text = _("Paramètres du cabinet modifiés : %(fields)s") % {"fields": _fields(Firm, event.after)}
    return text, event.before, event.after


def _token_name(event: AuditEvent) -> Mapping[str, Any]:
    return {"name": _name(_a(event).get("token") or _b(event).get("token"))}


def _render_released(event: AuditEvent, others: Others) -> Rendered:
    return (
        _("Clients de %(name)s réattribués") % {"name": _name(_b(event).get("colleague"))},
        event.before,
        event.after,
    )


def _client_name(event: AuditEvent) -> Mapping[str, Any]:
    return {
        "name": _a(event).get("display_name") or _b(event).get("display_name") or event.client_name
    }


KINDS: dict[str, Kind] = {
    # The client record.
    "client.created": Kind(
        gettext_lazy("Client créé"), _with(gettext_lazy("Client « %(name)s » créé"), _client_name)
    ),
    "client.updated": Kind(gettext_lazy("Détails modifiés"), _render_updated, _updated_mentions),
    "client.deleted": Kind(
        gettext_lazy("Client supprimé"),
        _with(gettext_lazy("Client « %(name)s » supprimé"), _client_name),
    ),
    "client.owner_changed": Kind(
        gettext_lazy("Responsable client changé"),
        _change(gettext_lazy("Responsable client : %(before)s → %(after)s"), "owner"),
    ),
    "client.manager_changed": Kind(
        gettext_lazy("Gestionnaire changé"),
        _change(gettext_lazy("Gestionnaire : %(before)s → %(after)s"), "manager"),
    ),
    "client.role_changed": Kind(gettext_lazy("Poste personnalisé changé"), _render_role),
    "client.member_added": Kind(
        gettext_lazy("Membre ajouté à l'équipe client"),
        _holder_event(gettext_lazy("%(name)s ajouté à l'équipe client"), "member", "after"),
    ),
    "client.member_removed": Kind(
        gettext_lazy("Membre retiré de l'équipe client"),
        _holder_event(gettext_lazy("%(name)s retiré de l'équipe client"), "member", "before"),
    ),
    "client.privacy_changed": Kind(gettext_lazy("Confidentialité changée"), _render_privacy),
    "client.access_granted": Kind(
        gettext_lazy("Accès accordé"),
        _holder_event(gettext_lazy("Accès accordé à %(name)s"), "grant", "after"),
    ),
    "client.access_revoked": Kind(
        gettext_lazy("Accès retiré"),
        _holder_event(gettext_lazy("Accès retiré à %(name)s"), "grant", "before"),
    ),
    "client.portfolio_changed": Kind(
        gettext_lazy("Portefeuille du client changé"),
        _change(gettext_lazy("Portefeuille : %(before)s → %(after)s"), "portfolio"),
    ),
    # Contact details.
    "contact.email_added": Kind(
        gettext_lazy("Adresse e-mail ajoutée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s ajoutée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.email_changed": Kind(
        gettext_lazy("Adresse e-mail modifiée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s modifiée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.email_removed": Kind(
        gettext_lazy("Adresse e-mail retirée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s retirée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.phone_added": Kind(
        gettext_lazy("Téléphone ajouté"),
        _detail(gettext_lazy("Téléphone %(value)s ajouté"), "phone", _phone),
    ),
    "contact.phone_changed": Kind(
        gettext_lazy("Téléphone modifié"),
        _detail(gettext_lazy("Téléphone %(value)s modifié"), "phone", _phone),
    ),
    "contact.phone_removed": Kind(
        gettext_lazy("Téléphone retiré"),
        _detail(gettext_lazy("Téléphone %(value)s retiré"), "phone", _phone),
    ),
    "contact.address_added": Kind(
        gettext_lazy("Adresse ajoutée"),
        _detail(gettext_lazy("Adresse « %(value)s » ajoutée"), "address", _address),
    ),
    "contact.address_changed": Kind(
        gettext_lazy("Adresse modifiée"),
        _detail(gettext_lazy("Adresse « %(value)s » modifiée"), "address", _address),
    ),
    "contact.address_removed": Kind(
        gettext_lazy("Adresse retirée"),
        _detail(gettext_lazy("Adresse « %(value)s » retirée"), "address", _address),
    ),
    "contact.social_handle_added": Kind(
        gettext_lazy("Réseau social ajouté"),
        _detail(gettext_lazy("Réseau social %(value)s ajouté"), "social_handle", _network),
    ),
    "contact.social_handle_changed": Kind(
        gettext_lazy("Réseau social modifié"),
        _detail(gettext_lazy("Réseau social %(value)s modifié"), "social_handle", _network),
    ),
    "contact.social_handle_removed": Kind(
        gettext_lazy("Réseau social retiré"),
        _detail(gettext_lazy("Réseau social %(value)s retiré"), "social_handle", _network),
    ),
    "contact.avatar_changed": Kind(gettext_lazy("Avatar modifié"), _render_avatar),
    "contact.card_added": Kind(
        gettext_lazy("Fiche de contact ajoutée"), _render_card, _card_mentions
    ),
    "contact.card_changed": Kind(
        gettext_lazy("Rôle changé sur une fiche de contact"), _render_card, _card_mentions
    ),
    "contact.card_removed": Kind(
        gettext_lazy("Fiche de contact retirée"), _render_card, _card_mentions
    ),
    "contact.member_added": Kind(
        gettext_lazy("Membre ajouté à un groupe de clients"),
        _render_membership,
        _membership_mentions,
    ),
    "contact.member_removed": Kind(
        gettext_lazy("Membre retiré d'un groupe de clients"),
        _render_membership,
        _membership_mentions,
    ),
    # Timeline and documents.
    "timeline.note_added": Kind(gettext_lazy("Note ajoutée"), _plain(gettext_lazy("Note ajoutée"))),
    "timeline.note_edited": Kind(
        gettext_lazy("Note modifiée"), _plain(gettext_lazy("Note modifiée"))
    ),
    "timeline.note_deleted": Kind(
        gettext_lazy("Note supprimée"), _plain(gettext_lazy("Note supprimée"))
    ),
    "timeline.email_logged": Kind(
        gettext_lazy("E-mail ajouté à la chronologie"),
        _email_event(gettext_lazy("E-mail ajouté à la chronologie")),
    ),
    "timeline.email_deleted": Kind(
        gettext_lazy("E-mail retiré de la chronologie"),
        _email_event(gettext_lazy("E-mail retiré de la chronologie")),
    ),
    "document.uploaded": Kind(gettext_lazy("Document ajouté"), _render_document),
    "document.renamed": Kind(gettext_lazy("Document renommé"), _render_document),
    "document.deleted": Kind(gettext_lazy("Document supprimé"), _render_document),
    # Portfolios and the owner roster.
    "portfolio.created": Kind(
        gettext_lazy("Portefeuille créé"),
        _with(gettext_lazy("Portefeuille « %(name)s » créé"), _portfolio_name),
    ),
    "portfolio.updated": Kind(
        gettext_lazy("Portefeuille modifié"),
        _with(gettext_lazy("Portefeuille « %(name)s » modifié"), _portfolio_name),
    ),
    "portfolio.deleted": Kind(
        gettext_lazy("Portefeuille supprimé"),
        _with(gettext_lazy("Portefeuille « %(name)s » supprimé"), _portfolio_name),
    ),
    "portfolio.staffed": Kind(
        gettext_lazy("Ajout au portefeuille"),
        _staff(gettext_lazy("%(name)s ajouté au portefeuille « %(portfolio)s »"), "after"),
    ),
    "portfolio.unstaffed": Kind(
        gettext_lazy("Retrait du portefeuille"),
        _staff(gettext_lazy("%(name)s retiré du portefeuille « %(portfolio)s »"), "before"),
    ),
    "roster.added": Kind(
        gettext_lazy("Responsable ajouté à la liste"),
        _with(
            gettext_lazy("%(name)s ajouté à la liste des responsables clients"),
            lambda event: {"name": _name(_a(event).get("owner"))},
        ),
    ),
    "roster.removed": Kind(
        gettext_lazy("Responsable retiré de la liste"),
        _with(
            gettext_lazy("%(name)s retiré de la liste des responsables clients"),
            lambda event: {"name": _name(_b(event).get("owner"))},
        ),
    ),
    "roster.clients_transferred": Kind(gettext_lazy("Clients transférés"), _render_transfer),
    # Colleagues and teams.
    "colleague.created": Kind(
        gettext_lazy("Collaborateur créé"),
        _with(gettext_lazy("Collaborateur %(name)s créé"), _colleague_name),
    ),
    "colleague.invited": Kind(
        gettext_lazy("Invitation envoyée"),
        _with(
            gettext_lazy("Invitation envoyée à %(email)s"),
            lambda event: {"email": _a(event).get("email", "")},
        ),
    ),
    "colleague.updated": Kind(gettext_lazy("Collaborateur modifié"), _render_colleague_updated),
    "colleague.deactivated": Kind(
        gettext_lazy("Collaborateur désactivé"),
        _with(gettext_lazy("Collaborateur %(name)s désactivé"), _colleague_name),
    ),
    "colleague.reactivated": Kind(
        gettext_lazy("Collaborateur réactivé"),
        _with(gettext_lazy("Collaborateur %(name)s réactivé"), _colleague_name),
    ),
    "colleague.deleted": Kind(
        gettext_lazy("Collaborateur supprimé"),
        _with(gettext_lazy("Collaborateur %(name)s supprimé"), _colleague_name),
    ),
    "colleague.clients_released": Kind(gettext_lazy("Clients réattribués"), _render_released),
    "team.created": Kind(
        gettext_lazy("Équipe créée"), _with(gettext_lazy("Équipe « %(name)s » créée"), _team_name)
    ),
    "team.renamed": Kind(gettext_lazy("Équipe renommée"), _render_team_renamed),
    "team.deleted": Kind(
        gettext_lazy("Équipe supprimée"),
        _with(gettext_lazy("Équipe « %(name)s » supprimée"), _team_name),
    ),
    "team.members_changed": Kind(
        gettext_lazy("Membres d'une équipe modifiés"), _render_team_members
    ),
    # Firm settings.
    "firm.settings_changed": Kind(gettext_lazy("Paramètres du cabinet modifiés"), _render_settings),
    "firm.role_slots_changed": Kind(
        gettext_lazy("Postes personnalisés modifiés"),
        _plain(gettext_lazy("Intitulés des postes personnalisés modifiés")),
    ),
    "contact_type.archive_changed": Kind(
        gettext_lazy("Type de contact archive changé"), _render_archive
    ),
    "work_status.state_changed": Kind(
        gettext_lazy("État principal d'un statut changé"), _render_state
    ),
    "api_token.created": Kind(
        gettext_lazy("Jeton d'API créé"),
        _with(gettext_lazy("Jeton d'API « %(name)s » créé"), _token_name),
    ),
    "api_token.revoked": Kind(
        gettext_lazy("Jeton d'API révoqué"),
        _with(gettext_lazy("Jeton d'API « %(name)s » révoqué"), _token_name),
    ),
}
_LIST_LABELS: dict[str, tuple[Promise, Promise, Promise, Promise]] = {
    "contact_type": (
        gettext_lazy("Type de contact créé"),
        gettext_lazy("Type de contact renommé"),
        gettext_lazy("Type de contact supprimé"),
        gettext_lazy("Ordre des types de contact modifié"),
    ),
    "work_type": (
        gettext_lazy("Type de travail créé"),
        gettext_lazy("Type de travail renommé"),
        gettext_lazy("Type de travail supprimé"),
        gettext_lazy("Ordre des types de travail modifié"),
    ),
    "work_status": (
        gettext_lazy("Statut de travail créé"),
        gettext_lazy("Statut de travail renommé"),
        gettext_lazy("Statut de travail supprimé"),
        gettext_lazy("Ordre des statuts de travail modifié"),
    ),
}
for _kind, _labels in _LIST_LABELS.items():
    for _verb, _label in zip(("created", "renamed", "deleted", "reordered"), _labels, strict=True):
        KINDS[f"{_kind}.{_verb}"] = Kind(_label, _list_item(_kind, _verb))

_UNKNOWN = Kind(
    gettext_lazy("Autre modification"), _plain(gettext_lazy("Modification enregistrée"))
)


def action_label(action: str) -> str:
    """The words for an action code, in the current language."""
    return str(KINDS.get(action, _UNKNOWN).label)


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a filter, sorted by label."""
    return sorted(((code, action_label(code)) for code in set(actions)), key=lambda c: c[1])


def _others(reader: Colleague, events: Sequence[AuditEvent]) -> Others:
    wanted: set[int] = set()
    for event in events:
        mentions = KINDS.get(event.action, _UNKNOWN).mentions
        if mentions is None:
            continue
        for ref in mentions(event):
            pk = _ref_id(ref)
            if pk is not None:
                wanted.add(pk)
    known: dict[int, tuple[Level, str]] = {}
    if wanted:
        # SECURITY: one query at the reader's level; a contact absent from the answer is
        # hidden from the reader (or deleted) and is never named.
        rows = rules.annotate_level(
            reader, Contact.objects.filter(firm_id=reader.firm_id, pk__in=wanted)
        ).values_list("pk", "access_level", "display_name")
        for pk, access_level, display_name in rows:
            known[pk] = (Level(access_level), display_name)
    return Others(reader, known)


def show_events(reader: Colleague, events: Iterable[AuditEvent]) -> list[ShownEvent]:
    """The events as `reader` may read them, in their order, in the current language.

    The caller has already scoped the events to what the reader may read (the event's own
    client in full: audit/queries.py); this leaves out, or words at the reader's level,
    whatever an event says about any other contact. One query for the whole batch.
    """
    batch = list(events)
    others = _others(reader, batch)
    shown: list[ShownEvent] = []
    for event in batch:
        kind = KINDS.get(event.action, _UNKNOWN)
        rendered = kind.render(event, others)
        if rendered is None:
            continue
        text, before, after = rendered
        shown.append(
            ShownEvent(
                id=event.pk,
                created_at=event.created_at,
                action=event.action,
                label=str(kind.label),
                summary=str(text),
                actor_id=event.actor_id,
                actor_name=event.actor_name,
                client_id=event.client_id,
                client_name=event.client_name,
                before=before,
                after=after,
            )
        )
    return shown
