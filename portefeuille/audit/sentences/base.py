"""What every sentence builder shares: the reader's view of the other contacts an event
names (`Others`), the shape of a kind of event (`Kind`) and the small wording helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portefeuille.access.rules import Level
from portefeuille.firms.models import Colleague, Privacy, WorkStatus

from ..models import AuditEvent

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
