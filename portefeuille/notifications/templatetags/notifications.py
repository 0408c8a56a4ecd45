"""`{% unread_notifications colleague as count %}`: the header's unread count (one query,
only of the notifications the colleague may still read)."""

from __future__ import annotations

from django import template

from portefeuille.firms.models import Colleague

from ..reading import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(colleague: Colleague | None) -> int:
    if colleague is None or not getattr(colleague, "is_authenticated", False):
        return 0
    return unread_count(colleague)
