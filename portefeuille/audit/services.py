"""Writing the audit trail. Every service that changes something calls `record_event`
inside its own transaction, so the event exists exactly when the change does."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm

from .models import AuditEvent


def audit_ref(obj: models.Model | None) -> dict[str, Any] | None:
    """The one way audit parameters name a record: {"id", "name"}, the name kept so the
    history still reads after a rename or a deletion. A contact is named by its id only:
    what a reader may know of it is decided when the event is read (docs/history.md)."""
    if obj is None:
        return None
    if isinstance(obj, Contact):
        return {"id": obj.pk}
    return {"id": obj.pk, "name": str(obj)}


def json_safe(value: Any) -> Any:
    """A copy of `value` that JSONField stores the same on SQLite and PostgreSQL.

    Model instances become references (`audit_ref`),
    lazy translations are rendered, dates become ISO strings, sets become sorted lists.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, models.Model):
        return audit_ref(value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_safe(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"Cannot record {type(value).__name__} in an audit event")


def new_event(
    *,
    actor: Colleague | None,
    action: str,
    client: Contact | None = None,
    before: Any = None,
    after: Any = None,
    firm: Firm | None = None,
) -> AuditEvent:
    """An unsaved audit event, for services that write many at once (`bulk_create`).
    Same rules as `record_event`."""
    firm_id = actor.firm_id if actor is not None else None
    if firm_id is None:
        firm_id = client.firm_id if client is not None else (firm.pk if firm else None)
    if firm_id is None:
        raise ValueError("An audit event needs an actor, a client or a firm")
    # A programming error, never a user's: the services fetch everything in the actor's firm.
    if client is not None and client.firm_id != firm_id:
        raise ValueError("The client of an audit event must be in the actor's firm")
    if firm is not None and firm.pk != firm_id:
        raise ValueError("The firm of an audit event must be the actor's")
    return AuditEvent(
        firm_id=firm_id,
        actor=actor,
        actor_name=actor.full_name if actor is not None else "",
        client=client,
        client_name=client.display_name if client is not None else "",
        action=action,
        before=json_safe(before),
        after=json_safe(after),
        created_at=timezone.now(),
    )


def record_event(
    *,
    actor: Colleague | None,
    action: str,
    client: Contact | None = None,
    before: Any = None,
    after: Any = None,
    firm: Firm | None = None,
) -> AuditEvent:
    """Records one audit event. The firm is the actor's (or, for system work without an
    actor, the client's or the given firm's); the actor's and client's names are copied
    so the history still reads after a rename or a deletion.

    `action` is a stable machine name ("client.manager_changed"); `before` and `after`
    are the facts (ids, field names, values). No sentence is stored: audit/sentences/
    writes it when the event is read, in the reader's language and at the reader's level.
    Call it inside the transaction of the change it records.
    """
    event = new_event(
        actor=actor,
        action=action,
        client=client,
        before=before,
        after=after,
        firm=firm,
    )
    event.save(force_insert=True)
    return event
