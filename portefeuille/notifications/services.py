"""Sending notifications (docs/notifications.md): the one function every service calls.

`notify()` writes the in-app rows in the caller's transaction and queues one e-mail per
recipient once it commits. Who receives it is decided here, at sending time: active
colleagues of the client's firm with FULL access to the client, never the actor; each
colleague's preferences for the kind choose the channels. The e-mail task checks again when
it runs (notifications/tasks.py), and the sentence is written only when it is read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.access.rules import Level, level
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Team
from portefeuille.inbox.models import Ticket
from portefeuille.sales.models import SalesRecord

from .kinds import KINDS
from .models import Notification, NotificationPreference
from .reading import readable, record_type_of, visible_records
from .tasks import send_notification_email

# What a fact in `params` may be: ids, counts, codes, flags (never a client's text).
_Fact = int | bool | str | None
_MAX_TEXT = 64


def _facts(params: Mapping[str, Any] | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for key, value in (params or {}).items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if not isinstance(item, _Fact) or (isinstance(item, str) and len(item) > _MAX_TEXT):
                raise ValueError(f"notification parameter {key!r} must be an id, a count or a code")
        facts[str(key)] = list(value) if isinstance(value, list | tuple) else value
    return facts


def notify(
    *,
    kind: str,
    recipients: Iterable[Colleague],
    client: Contact | None,
    actor: Colleague | None,
    params: Mapping[str, Any] | None = None,
    record: SalesRecord | Ticket | None = None,
) -> int:
    """Notifies `recipients` of `kind`; returns how many in-app notifications were created.

    Recipients are read again from the database and kept only if active, of the firm (the
    client's, else the actor's, else the first recipient's), not the actor, and, for a
    notification about a client, with FULL access to it now — or, about a `record` with
    people of its own (an opportunity, a project, an invoice, a ticket), seeing it now
    through its door. Call it inside the service's transaction: the rows are written in it
    and the e-mails are queued once it commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    facts = _facts(params)
    wanted = {colleague.pk: colleague for colleague in recipients}
    if not wanted:
        return 0
    if client is not None:
        firm_id = client.firm_id
    elif actor is not None:
        firm_id = actor.firm_id
    else:
        firm_id = next(iter(wanted.values())).firm_id
    chosen = Colleague.objects.filter(pk__in=list(wanted), firm_id=firm_id, is_active=True)
    if actor is not None:
        chosen = chosen.exclude(pk=actor.pk)
    if record is not None:
        # SECURITY: the record's own door decides (its client in full, or a place on it).
        receivers = [
            colleague
            for colleague in chosen.order_by("pk")
            if visible_records(record_type_of(record), colleague).filter(pk=record.pk).exists()
        ]
        return _send(kind, firm_id, receivers, client, actor, facts, record)
    receivers = [
        colleague
        for colleague in chosen.order_by("pk")
        if client is None or level(colleague, client) == Level.FULL
    ]
    return _send(kind, firm_id, receivers, client, actor, facts)


# How many client ids one access query reads (every database accepts this many parameters).
_BATCH = 1000


def notify_many(
    *,
    kind: str,
    recipient: Colleague,
    clients: Sequence[Contact],
    actor: Colleague | None,
    params: Mapping[str, Any] | None = None,
) -> int:
    """Tells `recipient` once that they were given several clients (a bulk change, an
    offboarding), instead of once per client; returns how many notifications were created
    (0 or 1).

    Only the clients the recipient sees in FULL now count: one access query (per thousand
    clients), not one per client. None of them → nothing; one → the same notification as
    `notify()`, naming the client; more → one notification about no single client, with
    their `count` in its params (a fact at sending time: clients the recipient then held in
    full; docs/notifications.md). The recipient is kept only if active, of the clients'
    firm and not the actor."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    facts = _facts(params)
    ids = sorted({client.pk for client in clients})
    if not ids:
        return 0
    firm_id = clients[0].firm_id
    found = Colleague.objects.filter(pk=recipient.pk, firm_id=firm_id, is_active=True)
    if actor is not None:
        found = found.exclude(pk=actor.pk)
    colleague = found.first()
    if colleague is None:
        return 0
    # SECURITY: only clients the recipient sees in full now are counted or named.
    seen: list[int] = []
    for start in range(0, len(ids), _BATCH):
        seen += (
            Contact.objects.visible_to(colleague, Level.FULL)
            .filter(pk__in=ids[start : start + _BATCH])
            .values_list("pk", flat=True)
        )
    if not seen:
        return 0
    if len(seen) == 1:
        (only,) = (client for client in clients if client.pk == seen[0])
        return _send(kind, firm_id, [colleague], only, actor, facts)
    return _send(kind, firm_id, [colleague], None, actor, {**facts, "count": len(seen)})


def _send(
    kind: str,
    firm_id: int,
    receivers: Sequence[Colleague],
    client: Contact | None,
    actor: Colleague | None,
    facts: dict[str, Any],
    record: SalesRecord | Ticket | None = None,
) -> int:
    """Writes the in-app rows and queues the e-mails of the receivers already chosen, each
    as their preferences for the kind say."""
    if not receivers:
        return 0
    preferences = {
        pref.colleague_id: pref
        for pref in NotificationPreference.objects.filter(
            colleague_id__in=[colleague.pk for colleague in receivers], kind=kind
        )
    }
    now = timezone.now()
    actor_name = actor.full_name if actor is not None else ""
    record_type = record_type_of(record) if record is not None else ""
    rows: list[Notification] = []
    for colleague in receivers:
        pref = preferences.get(colleague.pk)
        if pref is None or pref.in_app:
            rows.append(
                Notification(
                    firm_id=firm_id,
                    recipient=colleague,
                    kind=kind,
                    client=client,
                    actor=actor,
                    actor_name=actor_name,
                    params=facts,
                    record_type=record_type,
                    record_id=record.pk if record is not None else None,
                    created_at=now,
                )
            )
        if pref is None or pref.email:
            transaction.on_commit(
                partial(
                    send_notification_email.enqueue,
                    recipient_id=colleague.pk,
                    kind=kind,
                    client_id=client.pk if client is not None else None,
                    actor_id=actor.pk if actor is not None else None,
                    actor_name=actor_name,
                    params=facts,
                    record_type=record_type,
                    record_id=record.pk if record is not None else None,
                )
            )
    Notification.objects.bulk_create(rows)
    return len(rows)


def account_managers(client: Contact) -> list[Colleague]:
    """The client's account managers, told of what happens to it: its owner (the colleague
    of its owner-roster entry) and its manager."""
    people: list[Colleague] = []
    if client.owner_id is not None and client.owner is not None:
        linked = client.owner.colleague
        if linked is not None:
            people.append(linked)
    if client.manager_id is not None and client.manager is not None:
        people.append(client.manager)
    return people


def holders(colleague: Colleague | None, team: Team | None) -> list[Colleague]:
    """Who a colleague-or-team holder is, to notify: the colleague, or each active member of
    the team (read now)."""
    if colleague is not None:
        return [colleague]
    if team is None:
        return []
    return list(Colleague.objects.filter(team_memberships__team_id=team.pk, is_active=True))


# ---------------------------------------------------------------------------------------
# The reader's own writes: marking read, and their preferences. Personal state, not a
# change to a client or to the firm: no history event.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, reader: Colleague, notification_id: object) -> Notification:
    """Marks one of the reader's notifications read (again: no change). Another colleague's
    notification, or one whose client the reader no longer sees, is an Http404, like an
    unknown id."""
    try:
        pk = int(str(notification_id))
    except (TypeError, ValueError):
        raise Http404 from None
    notification = readable(reader).select_for_update(of=("self",)).filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, reader: Colleague) -> int:
    """Marks every notification the reader may read now as read; returns how many changed."""
    ids = list(readable(reader).filter(read_at__isnull=True).values_list("pk", flat=True))
    return Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preferences_of(colleague: Colleague) -> dict[str, tuple[bool, bool]]:
    """Per kind, (in-app, e-mail) for this colleague; a kind never set is on for both."""
    chosen = {
        pref.kind: (pref.in_app, pref.email)
        for pref in NotificationPreference.objects.filter(colleague_id=colleague.pk)
    }
    return {code: chosen.get(code, (True, True)) for code in KINDS}


@transaction.atomic
def set_preferences(
    *, colleague: Colleague, choices: Mapping[str, tuple[bool, bool]]
) -> dict[str, tuple[bool, bool]]:
    """Sets (in-app, e-mail) for the kinds given (others are left as they are); an unknown
    kind is refused before anything is written. Returns every kind's choice."""
    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Type de notification inconnu : %(kind)s.") % {"kind": ", ".join(unknown)},
                    code="unknown_kind",
                )
            }
        )
    existing = {
        pref.kind: pref
        for pref in NotificationPreference.objects.select_for_update().filter(
            colleague_id=colleague.pk, kind__in=list(choices)
        )
    }
    for kind, (in_app, email) in choices.items():
        pref = existing.get(kind)
        if pref is None:
            NotificationPreference.objects.create(
                firm_id=colleague.firm_id,
                colleague=colleague,
                kind=kind,
                in_app=bool(in_app),
                email=bool(email),
            )
        elif (pref.in_app, pref.email) != (bool(in_app), bool(email)):
            pref.in_app, pref.email = bool(in_app), bool(email)
            pref.save(update_fields=["in_app", "email"])
    return preferences_of(colleague)
