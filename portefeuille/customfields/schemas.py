"""The shapes of /api/v1/custom-fields (customfields/api.py), and of the `custom_fields`
object records carry (docs/custom-fields.md)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.schemas import InputSchema

AreaName = Literal["contact", "opportunity", "project", "invoice"]
KindName = Literal["text", "number", "date", "choice", "user"]

CUSTOM_VALUES_DESCRIPTION = (
    "The firm's custom fields of this record, by field id (GET /custom-fields): a text, a "
    "decimal string, an ISO date, one of the field's choices, or a colleague "
    "{id, full_name, is_active}; null when the record has none. A User field names a "
    "colleague and gives them no access."
)
CUSTOM_VALUES_IN_DESCRIPTION = (
    "Custom field values to set, by field id: a text, a number (or decimal string), an ISO "
    "date, one of the field's choices, or a colleague id (an active colleague of your "
    "firm); null clears one. Fields not sent keep their values."
)


class CustomFieldOut(Schema):
    id: int
    area: AreaName = Field(description="The records it is on.")
    label: str
    kind: KindName
    choices: list[str] = Field(description="The options of a choice field, in order.")
    position: int
    in_list: bool = Field(description="Shown as a column of the records' list.")
    archived: bool = Field(
        description="Hidden from forms, pages, filters and records; values kept."
    )
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CustomFieldCreate(InputSchema):
    area: AreaName
    label: str = Field(description="Unique among the fields of these records (case ignored).")
    kind: KindName = Field(description="Fixed once created.")
    choices: list[str] = Field(default_factory=list, description="For a choice field.")
    in_list: bool = False


class CustomFieldUpdate(InputSchema):
    label: str | None = None
    choices: list[str] | None = Field(
        None, description="A choice some record holds cannot be removed (422)."
    )
    in_list: bool | None = None
    archived: bool | None = None
    version: int | None = Field(None, description="The version you read (or If-Match).")
