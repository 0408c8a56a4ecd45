"""API schemas of clients, client teams, grants, access explanations and portfolios.

A client comes back in one of two shapes, told apart by `access_level`:
- `"full"`: everything (ClientFull);
- `"name"`: a private client seen by a colleague without a personal link to it — only its
  id and name (ClientName): not its kind, type, team or owner. Not its privacy either: it
  adds nothing (`access_level: "name"` already says the client is private to the caller),
  and the name-only shape stays the same whatever makes a client name-only.
Hidden clients never come back at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.contacts.schemas import ContactDetailsOut, EmploymentValue

KindValue = Literal["person", "organization", "client_group"]
PrivacyValue = Literal["public", "private", "hidden"]


class Ref(Schema):
    """Another resource named inside this one."""

    id: int
    name: str


class ColleagueBrief(Schema):
    id: int
    full_name: str
    is_active: bool


class OwnerRef(Schema):
    """An entry of the owner roster: linked to a colleague, or a manual name."""

    id: int
    name: str
    colleague_id: int | None


class ClientName(Schema):
    """A client you see by name only (private, no personal link): its name and nothing
    else."""

    id: int
    display_name: str
    access_level: Literal["name"]


class ClientFull(ContactDetailsOut):
    """A client you see in full, with all its details (contacts/schemas.py)."""

    id: int
    kind: KindValue
    display_name: str
    privacy: PrivacyValue
    access_level: Literal["full"]
    contact_type: Ref | None
    owner: OwnerRef | None = Field(
        description="Null when unowned, or when the firm has switched client owners off."
    )
    manager: ColleagueBrief | None
    portfolio: Ref | None
    can_edit_team: bool = Field(
        description="Whether you may change the team, privacy and grants (admin, owner, manager)."
    )
    version: int = Field(description="Send it back in If-Match when you change the client.")
    created_at: datetime
    updated_at: datetime


# Told apart by `access_level` (a plain union keeps the name of the Page component short).
ClientOut = ClientFull | ClientName


class ClientCreate(InputSchema):
    kind: KindValue
    display_name: str
    privacy: PrivacyValue | None = Field(None, description="Default: the firm's default privacy.")
    contact_type_id: Id | None = None
    owner_id: Id | None = Field(None, description="An entry of the owner roster (/owners).")


class ClientUpdate(InputSchema):
    """Only the fields sent change. Privacy needs the right to change the team. A person's
    name is changed through first/middle/last name; the kind never changes. Send "" (or
    null) to clear a text field."""

    kind: KindValue | None = Field(None, description="Fixed at creation: any change is refused.")
    display_name: str | None = Field(None, description="Organizations and client groups.")
    contact_type_id: Id | None = Field(None, description="null clears the type.")
    privacy: PrivacyValue | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    birth_date: date | None = None
    share_communication: bool | None = None
    website: str | None = None
    primary_contact_id: Id | None = Field(None, description="A person; null clears it.")
    description: str | None = None
    client_code: str | None = None
    legal_name: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code; numbers follow it.")
    company_number: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    tax_number: str | None = None
    fiscal_year_end_month: int | None = None
    fiscal_year_end_day: int | None = None
    employment_status: EmploymentValue | None = None
    notes: str | None = None
    version: int | None = Field(
        None, description="The version you loaded; like If-Match, a stale one answers 412."
    )


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
