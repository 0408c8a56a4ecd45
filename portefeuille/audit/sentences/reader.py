"""A batch of events as one reader may read them: one query for the other contacts they
name, then one sentence per event."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague

from ..models import AuditEvent
from .base import (
    Others,
    _ref_id,
)
from .kinds import _UNKNOWN, KINDS


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
