"""API schema of audit events (router in audit/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    action: str = Field(
        description='A stable code, e.g. "client.created", "client.access_granted".'
    )
    label: str = Field(description="The kind of event, in the caller's language.")
    summary: str = Field(
        description="What happened, written for the caller: in their language, and naming "
        "other contacts only as far as the caller may see them."
    )
    actor_id: int | None
    actor_name: str
    client_id: int | None = Field(description="Null for firm-wide events.")
    client_name: str
    before: Any = Field(None, description="The facts before the change, at the caller's level.")
    after: Any = Field(None, description="The facts after the change, at the caller's level.")
