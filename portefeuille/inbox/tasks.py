"""Background work of the shared inbox: a reply's e-mail (docs/inbox.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task

from .models import TicketMessage


@task()
def send_ticket_reply(*, message_pk: int) -> bool:
    """Sends one reply to its ticket's requester through Django's mail framework, with its
    own Message-ID and the In-Reply-To of the e-mail it answers, so the client's answer
    threads back to the ticket. A reply deleted meanwhile (its ticket or client deleted) is
    not sent."""
    message = (
        TicketMessage.objects.select_related("ticket", "firm")
        .filter(pk=message_pk, kind=TicketMessage.Kind.REPLY)
        .first()
    )
    if message is None or not message.to_addresses:
        return False
    headers = {"Message-ID": message.message_id}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
        headers["References"] = message.in_reply_to
    firm = message.firm
    # The client answers to the shared inbox's address (the mailbox fetch-inbox reads),
    # else to the firm's general address.
    reply_to = getattr(settings, "INBOX_ADDRESS", "") or firm.general_email
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_addresses],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    ).send()
    return True
