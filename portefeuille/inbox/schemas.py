"""The shapes of /api/v1/tickets and /api/v1/inbox (inbox/api.py); names are unique across
the API (the OpenAPI document names each schema by its class)."""

from __future__ import annotations

import base64
import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.schemas import ColleagueBrief

TicketStatusName = Literal["open", "closed"]
TicketStatusFilter = Literal["open", "closed", "all"]
TicketMessageKind = Literal["inbound", "reply", "note"]


class TicketClientRef(Schema):
    """The client of a ticket. `level` is your level on the client now: "full" (its page
    is yours to read) or "name" — you see the ticket because it is assigned to you, and its
    client's name only."""

    id: int
    name: str
    level: Literal["full", "name"]


class TicketOut(Schema):
    id: int
    subject: str
    status: TicketStatusName
    requester_email: str = Field(description="Who wrote in: where replies go.")
    requester_name: str
    client: TicketClientRef | None = Field(
        description="None: no contact of the firm has the requester's address (yet)."
    )
    assignee: ColleagueBrief | None
    created_at: datetime.datetime
    updated_at: datetime.datetime = Field(description="The last activity: a message, a change.")
    first_response_at: datetime.datetime | None = Field(
        description="When the first reply was sent to the requester."
    )
    closed_at: datetime.datetime | None
    version: int = Field(description="Send it back as If-Match (or `version`) with a change.")


class TicketMessageOut(Schema):
    """A message of a ticket: an e-mail received (`inbound`), a reply sent to the requester
    (`reply`) or an internal note (`note`, never sent to the client)."""

    id: int
    kind: TicketMessageKind
    author: ColleagueBrief | None = Field(description="Who wrote a reply or a note.")
    from_address: str
    from_name: str
    to_addresses: str
    subject: str
    body: str = Field(description="The text of the message.")
    created_at: datetime.datetime


class TicketDetailOut(TicketOut):
    messages: list[TicketMessageOut] = Field(description="Oldest first.")


class TicketCreate(InputSchema):
    """A ticket written by you (a request taken by phone): its `body` is kept as its first
    internal note."""

    subject: str = Field(max_length=300)
    requester_email: str = Field(max_length=254, examples=["claire@example.test"])
    requester_name: str = Field("", max_length=200)
    body: str
    client_id: Id | None = Field(None, description="A client you see in full.")
    assignee_id: Id | None = Field(None, description="An active colleague; none: no one.")


class TicketUpdate(InputSchema):
    """Only the fields sent change; `null` clears the assignee or the client."""

    assignee_id: Id | None = Field(None, description="An active colleague; null: no one.")
    status: TicketStatusName | None = Field(None, description="open or closed.")
    client_id: Id | None = Field(
        None, description="A client you see in full; null: unlinked from its client."
    )
    version: int | None = Field(None, description="The version you loaded (as If-Match).")


class TicketMessageIn(InputSchema):
    body: str


# A small e-mail, base64-encoded: the example of InboundIn.raw.
INBOUND_EXAMPLE = base64.b64encode(
    b"From: Claire <claire@example.test>\r\nSubject: Exemple\r\n"
    b"Message-ID: <exemple@example.test>\r\n\r\nBonjour\r\n"
).decode()


class InboundIn(InputSchema):
    raw: str = Field(
        examples=[INBOUND_EXAMPLE],
        description=(
            "The whole e-mail (RFC 822 / .eml: headers and body), base64-encoded. At most "
            "10 MB once decoded, and the request body at most REQUEST_MAX_BODY_BYTES."
        ),
    )


class InboundOut(Schema):
    created: bool = Field(description="False: this e-mail (its Message-ID) was already stored.")
    ticket_id: int | None
    message_id: int | None


class StatisticsRowOut(Schema):
    assignee: ColleagueBrief | None = Field(description="None: the tickets assigned to no one.")
    received: int = Field(description="Tickets created in the range.")
    still_open: int = Field(description="Of those, the ones open now.")
    closed: int = Field(description="Tickets closed in the range.")
    answered: int = Field(description="Tickets created in the range that got a first reply.")
    median_first_response_seconds: int | None = Field(
        description="The median of (first reply - creation) over the answered ones."
    )


class InboxStatisticsOut(Schema):
    start: datetime.date
    end: datetime.date
    rows: list[StatisticsRowOut]
    total: StatisticsRowOut
