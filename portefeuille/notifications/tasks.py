"""Background work of the notifications app: the e-mail of one notification, checked again
when the worker runs it (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from .emails import notification_message


@task()
def send_notification_email(
    *,
    recipient_id: int,
    kind: str,
    client_id: int | None,
    actor_id: int | None,
    actor_name: str,
    params: dict[str, Any],
    record_type: str = "",
    record_id: int | None = None,
) -> bool:
    """Sends the e-mail if the recipient may still read it (active, in the firm, still with
    access to the client, or to the record it is about); writes it at their level now, in
    their language."""
    message = notification_message(
        recipient_id=recipient_id,
        kind=kind,
        client_id=client_id,
        actor_id=actor_id,
        actor_name=actor_name,
        params=params,
        record_type=record_type,
        record_id=record_id,
    )
    if message is None:
        return False
    message.send()
    return True
