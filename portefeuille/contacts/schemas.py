"""API schemas of contact details, cards, group members and suggestions, and how a
contact's details are represented for a colleague who sees it in full.

A contact named inside another one (primary contact, card, group member) is a `ContactLink`
filtered by the caller's own level on it: in full (`access_level: "full"`), by name only
(`"name"`: its id and name, nothing else — not even its kind), or not at all when it is
hidden from the caller. Suggestions follow the same two shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Schema
from pydantic import Field, create_model

from portefeuille.access.rules import Level, annotate_level, visible_clients
from portefeuille.api.lookup import Id
from portefeuille.api.schemas import InputSchema
from portefeuille.customfields.schemas import (
    CUSTOM_VALUES_DESCRIPTION,
    CUSTOM_VALUES_IN_DESCRIPTION,
)
from portefeuille.firms.models import Colleague

from .fields import CONTACT_FIELDS, ContactField, ValueType
from .models import Contact, SocialHandle
from .validators import display_phone

KindName = Literal["person", "organization", "client_group"]
PrivacyValue = Literal["public", "private", "hidden"]
NetworkValue = Literal["linkedin", "x", "facebook", "instagram", "other"]

assert set(NetworkValue.__args__) == set(SocialHandle.Network.values)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------------------


class ContactLinkFull(Schema):
    """Another contact named here, which the caller sees in full."""

    id: int
    kind: KindName
    display_name: str
    access_level: Literal["full"]


class ContactLinkName(Schema):
    """Another contact named here, which the caller sees by name only (private and not
    theirs): its name and nothing else."""

    id: int
    display_name: str
    access_level: Literal["name"]


# Hidden ones are left out.
ContactLink = Annotated[ContactLinkFull | ContactLinkName, Field(discriminator="access_level")]


class EmailOut(Schema):
    id: int
    address: str
    label: str


class PhoneOut(Schema):
    id: int
    number: str = Field(description="E.164, e.g. +33612345678.")
    display: str = Field(description="National form in the contact's country, else international.")
    label: str


class AddressOut(Schema):
    id: int
    street: str
    street2: str
    postal_code: str
    city: str
    region: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    label: str


class SocialHandleOut(Schema):
    id: int
    network: NetworkValue
    handle: str
    label: str


class Ref(Schema):
    """Another resource named inside this one."""

    id: int
    name: str


def _choice_type(entry: ContactField) -> Any:
    """One of the model field's choices, or "" (no choice)."""
    return Literal[("", *(key for key, _label in entry.choices))]


def _out_type(entry: ContactField) -> Any:
    """The type of a table field in the details output (contacts/fields.py)."""
    if entry.type == ValueType.FK:
        return ContactLink | None if entry.model_field.related_model is Contact else Ref | None
    return {
        ValueType.DATE: date | None,
        ValueType.BOOL: bool,
        ValueType.CHOICE: _choice_type(entry),
        ValueType.MONTH: int | None,
        ValueType.DAY: int | None,
    }.get(entry.type, str)


def _out_field(entry: ContactField) -> Any:
    if entry.out_doc:
        return (_out_type(entry), Field(description=entry.out_doc))
    return (_out_type(entry), ...)


if TYPE_CHECKING:
    _ContactFieldsOut = Schema
else:
    # The table's fields (contacts/fields.py), each with its type.
    _ContactFieldsOut = create_model(
        "_ContactFieldsOut",
        __base__=Schema,
        **{entry.name: _out_field(entry) for entry in CONTACT_FIELDS if entry.details},
    )


class ContactDetailsOut(_ContactFieldsOut):
    """Every field of a contact seen in full (person fields are empty on other kinds)."""

    avatar_url: str | None
    is_archived: bool = Field(description="Its contact type is an archive type (Inactif).")
    emails: list[EmailOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    social_handles: list[SocialHandleOut]


# The client record. A client comes back in one of two shapes, told apart by `access_level`:
# - "full": everything (ClientFull);
# - "name": a private client seen by a colleague without a personal link to it — only its
#   id and name (ClientName): not its kind, type, team or owner. Not its privacy either: it
#   adds nothing (`access_level: "name"` already says the client is private to the caller),
#   and the name-only shape stays the same whatever makes a client name-only.
# Hidden clients never come back at all.


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


class CommunicationAddressOut(Schema):
    email: str
    source: Literal["manager", "portfolio", "firm"] = Field(
        description="Where the address comes from."
    )


class ClientFull(ContactDetailsOut):
    """A client you see in full, with all its details (contacts/schemas.py)."""

    id: int
    kind: KindName
    display_name: str
    privacy: PrivacyValue
    access_level: Literal["full"]
    contact_type: Ref | None
    owner: OwnerRef | None = Field(
        description="Null when unowned, or when the firm has switched client owners off."
    )
    manager: ColleagueBrief | None
    portfolio: Ref | None
    communication_address: CommunicationAddressOut | None = Field(
        description="The address general communication about the client is sent from: its "
        "manager's e-mail, else its portfolio's, else the firm's general e-mail (null: none)."
    )
    can_edit_team: bool = Field(
        description="Whether you may change the team, privacy and grants (admin, owner, manager)."
    )
    version: int = Field(description="Send it back in If-Match when you change the client.")
    created_at: datetime
    updated_at: datetime
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, description=CUSTOM_VALUES_DESCRIPTION
    )


# Told apart by `access_level` (a plain union keeps the name of the Page component short).
ClientOut = ClientFull | ClientName


class CardOut(Schema):
    """A person's card at an organization. `role` is null when the other contact is seen
    by name only (nothing but its name is shown)."""

    id: int
    person: ContactLink
    organization: ContactLink
    role: str | None


class MembershipOut(Schema):
    group: ContactLink
    member: ContactLink


class SuggestionFull(Schema):
    id: int
    kind: KindName
    display_name: str
    access_level: Literal["full"]
    score: float = Field(description="Similarity, 0 to 100.")


class SuggestionName(Schema):
    """A private contact seen by name only: its name and nothing else."""

    id: int
    display_name: str
    access_level: Literal["name"]
    score: float = Field(description="Similarity, 0 to 100.")


SuggestionOut = Annotated[SuggestionFull | SuggestionName, Field(discriminator="access_level")]


# ---------------------------------------------------------------------------------------
# Input.
# ---------------------------------------------------------------------------------------


class ClientCreate(InputSchema):
    kind: KindName
    display_name: str
    privacy: PrivacyValue | None = Field(None, description="Default: the firm's default privacy.")
    contact_type_id: Id | None = None
    owner_id: Id | None = Field(None, description="An entry of the owner roster (/owners).")


def _patch_type(entry: ContactField) -> Any:
    """The type of a table field in the PATCH body: every one may be left out (None)."""
    return {
        ValueType.DATE: date,
        ValueType.BOOL: bool,
        ValueType.CHOICE: _choice_type(entry),
        ValueType.FK: Id,
        ValueType.MONTH: int,
        ValueType.DAY: int,
    }.get(entry.type, str) | None


def _patch_field(entry: ContactField) -> Any:
    return (_patch_type(entry), Field(None, description=entry.api_doc or None))


class _ClientUpdateRest(InputSchema):
    kind: KindName | None = Field(None, description="Fixed at creation: any change is refused.")
    privacy: PrivacyValue | None = None
    custom_fields: dict[str, Any] | None = Field(None, description=CUSTOM_VALUES_IN_DESCRIPTION)
    version: int | None = Field(
        None, description="The version you loaded; like If-Match, a stale one answers 412."
    )


_UPDATE_DOC = """Only the fields sent change. Privacy needs the right to change the team. A person's
name is changed through first/middle/last name; the kind never changes. Send "" (or
null) to clear a text field."""

if TYPE_CHECKING:
    ClientUpdate = _ClientUpdateRest
else:
    # The table's fields (contacts/fields.py) by their API name (`contact_type_id`).
    ClientUpdate = create_model(
        "ClientUpdate",
        __base__=_ClientUpdateRest,
        __doc__=_UPDATE_DOC,
        **{entry.api_name: _patch_field(entry) for entry in CONTACT_FIELDS},
    )


class _ContactCreateBase(InputSchema):
    privacy: Literal["public", "private", "hidden"] | None = Field(
        None, description="Default: the firm's default privacy."
    )
    contact_type_id: Id | None = None
    owner_id: Id | None = Field(None, description="An entry of the owner roster (/owners).")
    description: str = ""
    client_code: str = ""
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(
        default_factory=list, description="Read as French numbers unless +prefixed."
    )


class PersonCreate(_ContactCreateBase):
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    birth_date: date | None = None
    share_communication: bool = True
    organization_id: Id | None = Field(None, description="An existing organization to link.")
    new_organization_name: str = Field("", description="Or a new organization to create.")
    role: str = Field("", description="The person's role at that organization.")


class NewPersonIn(InputSchema):
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""


class OrganizationCreate(_ContactCreateBase):
    display_name: str
    website: str = ""
    primary_contact_id: Id | None = Field(None, description="An existing person.")
    new_primary_contact: NewPersonIn | None = Field(None, description="Or a new person.")
    primary_contact_role: str = ""


class ClientGroupCreate(InputSchema):
    display_name: str
    privacy: Literal["public", "private", "hidden"] | None = None
    contact_type_id: Id | None = None
    owner_id: Id | None = None
    description: str = ""
    client_code: str = ""
    member_ids: list[Id] = Field(default_factory=list, description="Persons and organizations.")


class EmailIn(InputSchema):
    address: str
    label: str = ""


class EmailChange(InputSchema):
    address: str | None = None
    label: str | None = None


class PhoneIn(InputSchema):
    number: str = Field(description="Read in the contact's country (France by default).")
    label: str = ""


class PhoneChange(InputSchema):
    number: str | None = None
    label: str | None = None


class AddressIn(InputSchema):
    street: str
    street2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. FR.")
    label: str = ""


class AddressChange(InputSchema):
    street: str | None = None
    street2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    label: str | None = None


class SocialHandleIn(InputSchema):
    network: NetworkValue
    handle: str
    label: str = ""


class SocialHandleChange(InputSchema):
    network: NetworkValue | None = None
    handle: str | None = None
    label: str | None = None


class CardIn(InputSchema):
    """From a person: `organization_id`; from an organization: `person_id`."""

    person_id: Id | None = None
    organization_id: Id | None = None
    role: str = ""


class CardChange(InputSchema):
    role: str


class GroupMembersIn(InputSchema):
    member_ids: list[Id] = Field(min_length=1)


class GroupsIn(InputSchema):
    group_ids: list[Id] = Field(min_length=1)


# ---------------------------------------------------------------------------------------
# Representation.
# ---------------------------------------------------------------------------------------


def link(contact: Any) -> dict[str, Any]:
    """A contact annotated with `access_level` (at least NAME), as a ContactLink."""
    if contact.access_level < Level.FULL:
        # SECURITY: by name only: the name and nothing else (docs/access-rules.md).
        return {"id": contact.pk, "display_name": contact.display_name, "access_level": "name"}
    return {
        "id": contact.pk,
        "kind": contact.kind,
        "display_name": contact.display_name,
        "access_level": "full",
    }


def visible_links(actor: Colleague, ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """ContactLinks of those of these contacts the actor may see (one query)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    # SECURITY: through visible_clients only; hidden contacts are simply absent.
    found = annotate_level(actor, visible_clients(actor, Level.NAME)).filter(pk__in=wanted)
    return {contact.pk: link(contact) for contact in found.only("id", "kind", "display_name")}


def _detail_value(client: Contact, entry: ContactField, links: Mapping[int, Any]) -> Any:
    if entry.type == ValueType.FK:
        pk = getattr(client, entry.attname)
        return links.get(pk) if pk else None
    if entry.type == ValueType.COUNTRY:
        return str(getattr(client, entry.name) or "")
    return getattr(client, entry.name)


def detail_fields(client: Contact, links: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """The ContactDetailsOut fields of a client seen in full. Its detail rows should be
    prefetched (`emails`, `phones`, `addresses`, `social_handles`)."""
    country = str(client.country or "")
    return {
        **{
            entry.name: _detail_value(client, entry, links)
            for entry in CONTACT_FIELDS
            if entry.details
        },
        "avatar_url": reverse("contacts:avatar", args=[client.pk]) if client.avatar else None,
        "is_archived": client.is_archived,
        "emails": [
            {"id": e.pk, "address": e.address, "label": e.label} for e in client.emails.all()
        ],
        "phones": [
            {
                "id": p.pk,
                "number": p.number,
                "display": display_phone(p.number, country or None),
                "label": p.label,
            }
            for p in client.phones.all()
        ],
        "addresses": [address_answer(a) for a in client.addresses.all()],
        "social_handles": [
            {"id": s.pk, "network": s.network, "handle": s.handle, "label": s.label}
            for s in client.social_handles.all()
        ],
    }


def address_answer(address: Any) -> dict[str, Any]:
    return {
        "id": address.pk,
        "street": address.street,
        "street2": address.street2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": str(address.country or ""),
        "label": address.label,
    }


DETAIL_PREFETCH = ("emails", "phones", "addresses", "social_handles")


# The services name related contacts by model field; the API bodies by id field.
API_FIELD_NAMES = {
    "organization": "organization_id",
    "person": "person_id",
    "primary_contact": "primary_contact_id",
    "contact_type": "contact_type_id",
    "owner": "owner_id",
    "members": "member_ids",
    "groups": "group_ids",
}


@contextmanager
def api_field_names() -> Iterator[None]:
    """Re-keys a service's ValidationError by the API body's field names, so an error's
    `loc` points at what the caller sent (`member_ids`, not `members`)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {API_FIELD_NAMES.get(field, field): items for field, items in error.error_dict.items()}
        ) from None
