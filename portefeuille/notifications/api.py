"""API of notifications: /notifications (the caller's own only).

Each notification is written for the caller when it is read, naming its client at the
caller's level now; one whose client is hidden from them now is left out, and another
colleague's notification is the same 404 as an unknown one (docs/notifications.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from portefeuille.api.auth import api_colleague
from portefeuille.api.pagination import Page, PageQuery, paginate

from . import services
from .kinds import KINDS
from .reading import ShownNotification, readable, show, with_level
from .schemas import MarkedRead, NotificationOut, PreferencesIn, PreferencesOut

router = Router(tags=["notifications"])


class NotificationFilters(Schema):
    unread: bool | None = Field(
        None, description="true: only the unread ones; false: only the read ones."
    )


@router.get("", response=Page[NotificationOut], summary="List my notifications, newest first")
def list_notifications(
    request: HttpRequest, page: Query[PageQuery], filters: Query[NotificationFilters]
) -> dict[str, Any]:
    reader = api_colleague(request)
    found = readable(reader)
    if filters.unread is not None:
        found = found.filter(read_at__isnull=filters.unread)
    return paginate(
        with_level(reader, found),
        page,
        order=("-created_at", "-id"),
        show=lambda rows: show(reader, rows),
    )


@router.post("/read-all", response=MarkedRead, summary="Mark all my notifications read")
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.mark_all_read(reader=api_colleague(request))}


@router.post(
    "/{notification_id}/read", response=NotificationOut, summary="Mark one notification read"
)
def read_one(request: HttpRequest, notification_id: int) -> ShownNotification:
    reader = api_colleague(request)
    notification = services.mark_read(reader=reader, notification_id=notification_id)
    (shown,) = show(reader, with_level(reader, readable(reader).filter(pk=notification.pk)))
    return shown


def _preferences(choices: dict[str, tuple[bool, bool]]) -> dict[str, Any]:
    return {
        "items": [
            {
                "kind": code,
                "label": str(kind.label),
                "in_app": choices[code][0],
                "email": choices[code][1],
            }
            for code, kind in KINDS.items()
        ]
    }


@router.get("/preferences", response=PreferencesOut, summary="Read my notification preferences")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """Per kind: notified in the application, by e-mail (both on until changed)."""
    return _preferences(services.preferences_of(api_colleague(request)))


@router.put("/preferences", response=PreferencesOut, summary="Change my notification preferences")
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """An unknown kind is refused (422) and nothing is changed."""
    choices = services.set_preferences(
        colleague=api_colleague(request),
        choices={item.kind: (item.in_app, item.email) for item in payload.items},
    )
    return _preferences(choices)
