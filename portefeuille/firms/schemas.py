"""API schemas of colleagues, teams and personal access tokens (routers in firms/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema

from .models import Colleague, Team
from .versions import colleague_version, team_version

ProfileValue = Literal["admin", "staff"]
ScopeValue = Literal["full", "limited"]
LanguageValue = Literal["fr", "en", ""]


class FirmRef(Schema):
    id: int
    name: str


class ColleagueRef(Schema):
    """A colleague named inside another resource."""

    id: int
    full_name: str
    email: str
    is_active: bool


class ColleagueOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    full_name: str
    profile: ProfileValue = Field(description="admin: manages the firm; staff: everyone else.")
    scope: ScopeValue = Field(
        description="full, or limited: sees only the clients they are responsible for."
    )
    is_active: bool = Field(description="Inactive colleagues cannot sign in; tokens stop.")
    language: LanguageValue = Field(description='"" means the browser\'s language.')
    date_joined: datetime
    version: str = Field(description="Send it back in If-Match when you change the colleague.")

    @staticmethod
    def resolve_version(obj: Colleague) -> str:
        return colleague_version(obj)


class MeOut(ColleagueOut):
    firm: FirmRef


class ColleagueCreate(InputSchema):
    email: str = Field(max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    profile: ProfileValue = "staff"
    scope: ScopeValue = "full"
    password: str | None = Field(
        None,
        max_length=128,
        description="An initial password (checked by the password rules), or none and …",
    )
    send_invitation: bool = Field(
        False, description="… an e-mail inviting the colleague to choose a password."
    )
    language: LanguageValue = Field("", description='Their language; "" for the browser\'s.')


class ColleagueUpdate(InputSchema):
    """Only the fields sent change; null or absent leaves a field as it is."""

    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    profile: ProfileValue | None = None
    scope: ScopeValue | None = None
    language: LanguageValue | None = None


class MeUpdate(InputSchema):
    """What a colleague changes about themselves; null or absent leaves a field as it is."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    language: LanguageValue | None = None


class TeamOut(Schema):
    id: int
    name: str
    members: list[ColleagueRef]
    version: str = Field(description="Send it back in If-Match when you change the team.")

    @staticmethod
    def resolve_members(obj: Team) -> list[Colleague]:
        return sorted(obj.members.all(), key=lambda c: (c.last_name, c.first_name, c.pk))

    @staticmethod
    def resolve_version(obj: Team) -> str:
        return team_version(obj)


class TeamCreate(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    members: list[Id] = Field(default_factory=list, description="Colleague ids.")


class TeamUpdate(InputSchema):
    name: str = Field(min_length=1, max_length=120)


class TeamMembersIn(InputSchema):
    members: list[Id] = Field(
        description="The ids of all the team's colleagues; whoever is not listed leaves it."
    )


class TokenRequest(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)
    otp: str | None = Field(
        None,
        max_length=64,
        description="The one-time code of the authenticator app (or a recovery code), "
        "required when two-factor authentication is on.",
    )
    name: str | None = Field(
        None, max_length=100, description="What the token is for, e.g. the script using it."
    )


class TokenCreated(Schema):
    token: str = Field(description="The secret: shown this once, never again.")
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it in lists.")
    created_at: datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


PrivacyValue = Literal["public", "private", "hidden"]


class FirmSettingsOut(Schema):
    """The firm's general settings (/firm/settings): readable by every colleague."""

    name: str
    general_email: str = Field(
        description="The firm's general e-mail, the last resort of a client's communication "
        "address."
    )
    default_privacy: PrivacyValue = Field(description="The privacy a new client starts with.")
    ownership_enabled: bool = Field(
        description="Whether clients have owners (the owner roster, /owners). Off, owners are "
        "hidden everywhere but kept."
    )
    owner_required: bool = Field(description="Whether a new client must be given an owner.")
    version: str


class FirmSettingsUpdate(InputSchema):
    """Only the fields sent change. `owner_required` needs `ownership_enabled`."""

    name: str | None = None
    general_email: str | None = Field(None, description='"" clears it.')
    default_privacy: PrivacyValue | None = None
    ownership_enabled: bool | None = None
    owner_required: bool | None = None


class RoleSlotOut(Schema):
    number: int
    title: str = Field(description='"": the slot is untitled, so shown nowhere.')


class RoleSlotsOut(Schema):
    """The firm's 10 custom role slots of the client team, by number."""

    slots: list[RoleSlotOut]
    version: str


class RoleSlotIn(InputSchema):
    number: int = Field(ge=1, le=10)
    title: str = Field(description='"" hides the slot.')


class RoleSlotsIn(InputSchema):
    """The titles to set; slots left out keep theirs."""

    slots: list[RoleSlotIn]
