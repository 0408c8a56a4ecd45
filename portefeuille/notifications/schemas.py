"""API schemas of notifications (router in notifications/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class NotificationClientOut(Schema):
    id: int
    name: str
    level: Literal["full", "name"] = Field(
        description='The caller\'s level on the client now: "full", or "name" (the name only; '
        "its details are not readable)."
    )


class NotificationOut(Schema):
    id: int
    kind: str = Field(description='A stable code, e.g. "client.owner_given".')
    label: str = Field(description="The kind of notification, in the caller's language.")
    text: str = Field(
        description="What happened, written for the caller now: in their language, naming the "
        "client at their current level."
    )
    created_at: datetime
    read_at: datetime | None
    actor_id: int | None
    actor_name: str
    client: NotificationClientOut | None = Field(
        description="Null when the notification is not about one client (a portfolio, a "
        "transfer of several clients)."
    )
    url: str | None = Field(
        description="The page it leads to (a client, a record such as an opportunity, or a "
        "list of clients)."
    )


class MarkedRead(Schema):
    marked: int = Field(description="How many notifications were unread and are now read.")


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool


class PreferenceIn(Schema):
    kind: str = Field(description='A kind code, e.g. "client.owner_given".')
    in_app: bool
    email: bool


class PreferencesOut(Schema):
    items: list[PreferenceOut]


class PreferencesIn(Schema):
    items: list[PreferenceIn] = Field(
        description="The kinds to set; kinds left out keep their current choice."
    )
