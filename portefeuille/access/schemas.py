"""API schemas of client teams, grants, access explanations and portfolios. The client
itself (ClientFull, ClientName...) is in contacts/schemas.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.schemas import ColleagueBrief, OwnerRef, Ref


class RoleOut(Schema):
    slot: int
    title: str
    colleague: ColleagueBrief


class ClientTeamOut(Schema):
    """A client's team. Role holders are listed for titled slots only."""

    owner: OwnerRef | None
    manager: ColleagueBrief | None
    roles: list[RoleOut]
    member_colleagues: list[ColleagueBrief]
    member_teams: list[Ref]
    can_edit: bool


class RoleIn(InputSchema):
    slot: int = Field(ge=1, le=10)
    colleague_id: Id | None = Field(description="null removes the holder.")


class MembersIn(InputSchema):
    colleague_ids: list[Id] = Field(default_factory=list)
    team_ids: list[Id] = Field(default_factory=list)


class TeamChange(InputSchema):
    """Every piece is applied in one transaction: one refusal and nothing changes.
    Fields left out are not touched; `owner_id`/`manager_id` null removes them."""

    owner_id: Id | None = None
    manager_id: Id | None = None
    roles: list[RoleIn] = Field(default_factory=list)
    add_members: MembersIn | None = None
    remove_members: MembersIn | None = None


class GrantOut(Schema):
    id: int
    colleague: ColleagueBrief | None
    team: Ref | None
    created_at: datetime


class GrantIn(InputSchema):
    """Exactly one of the two."""

    colleague_id: Id | None = None
    team_id: Id | None = None


class ReasonOut(Schema):
    kind: str
    label: str


class AccessOut(Schema):
    colleague: ColleagueBrief
    level: Literal["name", "full"]
    reasons: list[ReasonOut]


class PortfolioOut(Schema):
    id: int
    name: str
    email: str


class PortfolioIn(InputSchema):
    name: str
    email: str = ""


class PortfolioUpdate(InputSchema):
    name: str | None = None
    email: str | None = None


class StaffOut(Schema):
    colleagues: list[ColleagueBrief]
    teams: list[Ref]


class PortfolioClientIn(InputSchema):
    client_id: Id


class OwnerOut(Schema):
    """An entry of the owner roster: a colleague, or a manual owner known by name.
    `client_count` counts the clients you see in full that it owns."""

    id: int
    name: str
    colleague: ColleagueBrief | None
    manual: bool
    client_count: int


class OwnerIn(InputSchema):
    """Exactly one of `colleague_id` and `name`. A manual name that matches an active
    colleague is refused (422, naming the colleague to add instead) unless `allow_manual`."""

    colleague_id: Id | None = None
    name: str | None = None
    allow_manual: bool = False


class OwnerTransferIn(InputSchema):
    to_owner_id: Id


class OwnerTransferOut(Schema):
    moved: int = Field(description="How many clients changed owner.")
    from_owner: OwnerOut
    to_owner: OwnerOut


class OwnerRemovedOut(Schema):
    clients: int = Field(description="How many clients the removed owner had.")
    transferred_to: OwnerOut | None = Field(
        description="Who received them; null: they are left without an owner."
    )


class PortfolioMoveOut(Schema):
    """A client moved into a portfolio (or out of one): where it was, where it is."""

    client_id: int
    left: PortfolioOut | None = Field(description="The portfolio the client left, if any.")
    joined: PortfolioOut | None = Field(description="The portfolio the client is in now.")
