"""Background work of the firms app, run by the task worker (Django's Tasks API)."""

from __future__ import annotations

from django_tasks import task

from .emails import invitation_message
from .models import Colleague


@task()
def send_invitation_email(colleague_id: int, inviter_id: int | None = None) -> bool:
    """Sends the invitation; nothing when the colleague was deleted or deactivated since."""
    colleague = (
        Colleague.objects.select_related("firm").filter(pk=colleague_id, is_active=True).first()
    )
    if colleague is None:
        return False
    inviter = None
    if inviter_id is not None:
        inviter = Colleague.objects.filter(pk=inviter_id, firm_id=colleague.firm_id).first()
    invitation_message(colleague, inviter).send()
    return True
