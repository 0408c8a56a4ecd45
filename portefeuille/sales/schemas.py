"""The shapes of /api/v1/opportunities, /projects, /invoices and /opportunity-stages
(sales/api.py); names are unique across the API (the OpenAPI document names each schema by
its class)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.schemas import ColleagueBrief
from portefeuille.customfields.schemas import (
    CUSTOM_VALUES_DESCRIPTION,
    CUSTOM_VALUES_IN_DESCRIPTION,
)

from .models import CURRENCIES

OutcomeName = Literal["open", "won", "lost"]
InvoiceStatusName = Literal["draft", "sent", "paid", "overdue"]

_CURRENCY = f"A currency code: {', '.join(CURRENCIES)}."
_AMOUNT = (
    'A decimal, as a string ("1250.50"; "1 250,50" is read too) or a number; two decimals at '
    "most, never negative."
)
_VERSION = "The version you loaded (as If-Match)."


def _number_as_text(value: Any) -> Any:
    # A JSON number is read as the decimal it writes (the service parses the text).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


# An amount: text (the service reads "1250.50" and "1 250,50"), or a JSON number.
Amount = Annotated[str, BeforeValidator(_number_as_text)]


# ---------------------------------------------------------------------------------------
# What the records name.
# ---------------------------------------------------------------------------------------


class SalesClientRef(Schema):
    """The client of a sales record. `level` is your level on the client now: "full" (its
    page and details are yours to read) or "name" — you see the record through your own
    place on it (its assignee, its manager, a collaborator) and its client's name only."""

    id: int
    name: str
    level: Literal["full", "name"]


class OpportunityStageOut(Schema):
    """A stage of the firm's pipeline (firm settings) and its outcome."""

    id: int
    name: str
    outcome: OutcomeName = Field(description="open, won or lost.")
    position: int = Field(description="Its place in the pipeline, from the first.")


class StageRef(Schema):
    id: int
    name: str
    outcome: OutcomeName


# ---------------------------------------------------------------------------------------
# Opportunities.
# ---------------------------------------------------------------------------------------


class OpportunityOut(Schema):
    id: int
    title: str
    value: str = Field(description="A decimal with two places, as a string.")
    currency: str
    stage: StageRef
    expected_close: datetime.date | None
    assignee: ColleagueBrief | None = Field(
        description="« Affectée à »: required; null only once that colleague was deleted."
    )
    second_assignee: ColleagueBrief | None
    client: SalesClientRef
    closed_at: datetime.datetime | None = Field(
        description="When it was moved to a won or lost stage; null while open."
    )
    version: int = Field(description="Send it back in If-Match (or `version`) with a change.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, description=CUSTOM_VALUES_DESCRIPTION
    )


class OpportunityCreate(InputSchema):
    client_id: Id = Field(description="A client you see in full.")
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    title: str
    assignee_id: Id | None = Field(
        None, description="« Affectée à »: required, an active colleague."
    )
    second_assignee_id: Id | None = Field(
        None, description="Optional: another active colleague than the assignee."
    )
    value: Amount | None = Field(None, description=_AMOUNT, examples=["1250.50"])
    currency: str = Field("EUR", description=_CURRENCY, examples=["EUR"])
    stage_id: Id | None = Field(
        None, description="A stage of the firm; by default its first open one."
    )
    expected_close: datetime.date | None = None


class OpportunityUpdate(InputSchema):
    """The fields sent are changed (null clears the second assignee or the expected close
    date); every field is checked before anything is written. An unknown field is refused.
    The client of a record never changes."""

    title: str | None = None
    assignee_id: Id | None = Field(None, description="Required: null is refused.")
    second_assignee_id: Id | None = None
    value: Amount | None = Field(None, description=_AMOUNT, examples=["1250.50"])
    currency: str | None = Field(None, description=_CURRENCY, examples=["EUR"])
    stage_id: Id | None = Field(
        None, description="Moved to a won or lost stage it is closed, back to open reopened."
    )
    expected_close: datetime.date | None = None
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    version: int | None = Field(None, description=_VERSION)


# ---------------------------------------------------------------------------------------
# Projects.
# ---------------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    name: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    description: str
    manager: ColleagueBrief | None = Field(
        description="Required; null only once that colleague was deleted."
    )
    collaborators: list[ColleagueBrief] = Field(description="By name; never the manager.")
    client: SalesClientRef
    version: int = Field(description="Send it back in If-Match (or `version`) with a change.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, description=CUSTOM_VALUES_DESCRIPTION
    )


class ProjectCreate(InputSchema):
    client_id: Id = Field(description="A client you see in full.")
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    name: str
    manager_id: Id | None = Field(None, description="An active colleague; by default you.")
    start_date: datetime.date | None = None
    end_date: datetime.date | None = Field(None, description="On or after `start_date`.")
    description: str = ""
    collaborator_ids: list[Id] = Field(
        default_factory=list, description="Active colleagues (50 at most)."
    )


class ProjectUpdate(InputSchema):
    """The fields sent are changed (null clears a date); `collaborator_ids` replaces the
    whole list. Whoever joins the project is told. An unknown field is refused."""

    name: str | None = None
    manager_id: Id | None = Field(None, description="Required: null is refused.")
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    description: str | None = None
    collaborator_ids: list[Id] | None = Field(
        None,
        description="The whole list; a collaborator deactivated since may stay on it, not be "
        "added.",
    )
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    version: int | None = Field(None, description=_VERSION)


# ---------------------------------------------------------------------------------------
# Invoices.
# ---------------------------------------------------------------------------------------


class InvoiceOut(Schema):
    id: int
    number: str = Field(description="Unique in the firm.")
    date: datetime.date
    due_date: datetime.date | None
    amount: str = Field(description="A decimal with two places, as a string.")
    currency: str
    status: InvoiceStatusName
    client: SalesClientRef = Field(description="Always seen in full: an invoice has no people.")
    version: int = Field(description="Send it back in If-Match (or `version`) with a change.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, description=CUSTOM_VALUES_DESCRIPTION
    )


class InvoiceCreate(InputSchema):
    client_id: Id = Field(description="A client you see in full.")
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    number: str = Field(description="Unique in the firm (a number in use is refused).")
    date: datetime.date
    due_date: datetime.date | None = Field(None, description="On or after `date`.")
    amount: Amount = Field(description=_AMOUNT, examples=["1250.50"])
    currency: str = Field("EUR", description=_CURRENCY, examples=["EUR"])
    status: InvoiceStatusName = "draft"


class InvoiceUpdate(InputSchema):
    """The fields sent are changed (null clears the due date). An unknown field is
    refused."""

    number: str | None = None
    date: datetime.date | None = None
    due_date: datetime.date | None = None
    amount: Amount | None = Field(None, description=_AMOUNT, examples=["1250.50"])
    currency: str | None = Field(None, description=_CURRENCY, examples=["EUR"])
    status: InvoiceStatusName | None = None
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    version: int | None = Field(None, description=_VERSION)
