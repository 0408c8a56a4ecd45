"""E-mails sent to colleagues: the invitation that lets a new colleague choose a password."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Colleague


def set_password_url(colleague: Colleague) -> str:
    """An absolute link to allauth's "password reset from key" page for this colleague.

    allauth's token generator (not Django's) is the one its view checks: it also hashes the
    e-mail address, so the link dies when the password or the address changes.
    """
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(colleague),
            "key": default_token_generator.make_token(colleague),
        },
    )
    return f"{settings.BASE_URL}{path}"


def invitation_message(colleague: Colleague, inviter: Colleague | None) -> EmailMessage:
    """The invitation, in the colleague's language (else the site's default)."""
    firm = colleague.firm
    with translation.override(colleague.language or settings.LANGUAGE_CODE):
        context = {
            "colleague": colleague,
            "inviter": inviter,
            "firm": firm,
            "url": set_password_url(colleague),
            "login_url": f"{settings.BASE_URL}{reverse('account_login')}",
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = render_to_string("firms/email/invitation_subject.txt", context)
        body = render_to_string("firms/email/invitation_message.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[colleague.email],
        reply_to=[firm.general_email] if firm.general_email else None,
    )
