"""API schema of audit events (router in audit/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    action: str = Field(description='A stable code, e.g. "client.created", "access.granted".')
    summary: str = Field(description="What happened, in the language of the one who did it.")
    actor_id: int | None
    actor_name: str
    client_id: int | None = Field(description="Null for firm-wide events.")
    client_name: str
    before: Any = None
    after: Any = None
