"""The e-mail of one notification, written when the task runs (docs/notifications.md): for
its recipient as they are now (active, of the firm, at their current level on the client),
in their language, with links built from the site's public address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portefeuille.access import rules
from portefeuille.access.models import Portfolio
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.work.models import Task, WorkItem

from .kinds import KINDS, PORTFOLIO_STAFF_GIVEN, TASK_ASSIGNED
from .models import Notification
from .reading import WORK_KINDS, show, visible_records


def notification_message(
    *,
    recipient_id: int,
    kind: str,
    client_id: int | None,
    actor_id: int | None,
    actor_name: str,
    params: dict[str, Any],
    record_type: str = "",
    record_id: int | None = None,
) -> EmailMessage | None:
    """The e-mail, or None when it must not be sent any more: the recipient was deleted or
    deactivated, the client was deleted or is hidden from them now, the portfolio it names
    was deleted, the work item (or task) it is about was deleted, the record it is about (an
    opportunity, a project, an invoice) was deleted or is no longer theirs. It is worded as
    the centre words it (reading.show: the record's name now, its page). The client is named at
    the recipient's level now (name only → no link to its page); several clients given at
    once are named by none, only counted."""
    recipient = (
        Colleague.objects.select_related("firm").filter(pk=recipient_id, is_active=True).first()
    )
    if recipient is None or kind not in KINDS or not recipient.email:
        return None
    client: Contact | None = None
    access = Level.NONE
    # SECURITY: a record with no client (a ticket not matched yet): its door decides.
    if (
        record_type
        and client_id is None
        and not visible_records(record_type, recipient).filter(pk=record_id).exists()
    ):
        return None
    if client_id is not None:
        client = Contact.objects.filter(pk=client_id, firm_id=recipient.firm_id).first()
        if client is None:
            return None
        # SECURITY: the level is read again now; hidden since → nothing is sent.
        access = rules.level(recipient, client)
        if record_type:
            # SECURITY: about a record, its own door decides, again now (reassigned or
            # deleted since → nothing is sent); its client is then named, at most.
            if not (
                visible_records(record_type, recipient)
                .filter(pk=record_id, client_id=client.pk)
                .exists()
            ):
                return None
            access = max(access, Level.NAME)
        if access == Level.NONE:
            return None
    if kind == PORTFOLIO_STAFF_GIVEN:
        portfolio_id = params.get("portfolio_id")
        if not isinstance(portfolio_id, int) or not (
            Portfolio.objects.filter(firm_id=recipient.firm_id, pk=portfolio_id).exists()
        ):
            return None
    if kind in WORK_KINDS and not _work_still_there(recipient.firm_id, client_id, kind, params):
        return None
    facts = Notification(
        firm_id=recipient.firm_id,
        recipient=recipient,
        kind=kind,
        client=client,
        actor_id=actor_id,
        actor_name=actor_name,
        params=params,
        record_type=record_type,
        record_id=record_id,
        created_at=timezone.now(),
    )
    facts.client_level = int(access)  # type: ignore[attr-defined]
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        found = show(recipient, [facts])
        if not found:
            return None  # its record went meanwhile: show() reads nothing of it
        shown = found[0]
        context = {
            "recipient": recipient,
            "shown": shown,
            "url": f"{settings.BASE_URL}{shown.url}" if shown.url else "",
            "centre_url": f"{settings.BASE_URL}{reverse('notifications:centre')}",
            "preferences_url": f"{settings.BASE_URL}{reverse('notifications:preferences')}",
        }
        subject = shown.text
        body = render_to_string("notifications/email/notification_message.txt", context)
    firm = recipient.firm
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[recipient.email],
        reply_to=[firm.general_email] if firm.general_email else None,
    )


def _work_still_there(
    firm_id: int, client_id: int | None, kind: str, params: dict[str, Any]
) -> bool:
    """Whether the work item (and, for a task, the task) a notification is about still
    exists on its client: an e-mail about deleted work has nothing to open."""
    item_id, task_id = params.get("work_item_id"), params.get("task_id")
    if (
        not isinstance(item_id, int)
        or not WorkItem.objects.filter(firm_id=firm_id, pk=item_id, client_id=client_id).exists()
    ):
        return False
    if kind == TASK_ASSIGNED:
        return (
            isinstance(task_id, int)
            and Task.objects.filter(pk=task_id, work_item_id=item_id).exists()
        )
    return True
