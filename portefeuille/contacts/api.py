"""API of contacts beyond the client record: creation per kind, e-mails, phones, postal
addresses, social handles, avatar, and the similar contacts offered while a name is typed.
Contact cards and client group members are contacts/api_links.py.

Thin adapters over contacts/services/ on `contacts_router` (/api/v1/contacts, in
contacts/api_clients.py);
every read goes through access/rules.py.

Decisions where the spec is silent:
- Sub-resources need full access to the contact in the path: a name-only, hidden, unknown
  or foreign contact answers the same 404 (like /team and /grants).
- A contact named in a body (organization_id, member_ids, ...) is picked among those the
  caller sees; a hidden one is the same 422 "unknown id" as a missing one; one seen by name
  only is a 403 (linking needs full access to both contacts).
- A card, member or group whose other contact is hidden from the caller is left out of
  lists and answers 404; one seen by name only shows its id and name, nothing else (and a
  card its role as null).
- /members is for client groups (404 on other kinds); /groups for persons and
  organizations.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import Level
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import etag_openapi
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import Id, get_all_or_422, get_or_404
from portefeuille.firms.models import Colleague, ContactType

from . import services
from .api_clients import contacts_router, full_client_answer, pick
from .models import (
    Contact,
    EmailAddress,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)
from .schemas import (
    AddressChange,
    AddressIn,
    AddressOut,
    ClientFull,
    ClientGroupCreate,
    EmailChange,
    EmailIn,
    EmailOut,
    OrganizationCreate,
    PersonCreate,
    PhoneChange,
    PhoneIn,
    PhoneOut,
    SocialHandleChange,
    SocialHandleIn,
    SocialHandleOut,
    SuggestionOut,
    address_answer,
    api_field_names,
)
from .suggestions import Suggestion, similar_contacts
from .validators import display_phone

# ---------------------------------------------------------------------------------------
# Lookups, scoped to the caller's firm and visibility.
# ---------------------------------------------------------------------------------------


def full_contact(actor: Colleague, client_id: int) -> Contact:
    return rules.get_client(actor, client_id, Level.FULL)


def seen_contacts(actor: Colleague) -> QuerySet[Contact]:
    """Contacts the caller may name in a body: a hidden one reads like an unknown id."""
    return rules.visible_clients(actor, Level.NAME)


def _type_and_owner(actor: Colleague, payload: Any) -> dict[str, Any]:
    return {
        "privacy": payload.privacy,
        "contact_type": pick(
            ContactType.objects.filter(firm_id=actor.firm_id),
            payload.contact_type_id,
            "contact_type_id",
        ),
        "owner": pick(
            OwnerEntry.objects.filter(firm_id=actor.firm_id), payload.owner_id, "owner_id"
        ),
    }


# ---------------------------------------------------------------------------------------
# Creation per kind.
# ---------------------------------------------------------------------------------------

CREATED = {201: ClientFull, **problem_responses(403)}


@contacts_router.post(
    "/people", response=CREATED, openapi_extra=etag_openapi(201), summary="Create a person"
)
def create_person(
    request: HttpRequest, payload: PersonCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Optionally linked (with `role`) to an existing organization or a new one."""
    actor = api_colleague(request)
    with api_field_names():
        person = services.create_person(
            actor=actor,
            **_type_and_owner(actor, payload),
            first_name=payload.first_name,
            middle_name=payload.middle_name,
            last_name=payload.last_name,
            preferred_name=payload.preferred_name,
            birth_date=payload.birth_date,
            share_communication=payload.share_communication,
            description=payload.description,
            client_code=payload.client_code,
            emails=payload.emails,
            phones=payload.phones,
            organization=pick(seen_contacts(actor), payload.organization_id, "organization_id"),
            new_organization_name=payload.new_organization_name,
            role=payload.role,
        )
    return Status(201, full_client_answer(actor, person.pk, response))


@contacts_router.post(
    "/organizations",
    response=CREATED,
    openapi_extra=etag_openapi(201),
    summary="Create an organization",
)
def create_organization(
    request: HttpRequest, payload: OrganizationCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Optionally with an existing or a new primary contact (linked by a card)."""
    actor = api_colleague(request)
    new_person = payload.new_primary_contact
    with api_field_names():
        organization = services.create_organization(
            actor=actor,
            **_type_and_owner(actor, payload),
            display_name=payload.display_name,
            website=payload.website,
            description=payload.description,
            client_code=payload.client_code,
            emails=payload.emails,
            phones=payload.phones,
            primary_contact=pick(
                seen_contacts(actor), payload.primary_contact_id, "primary_contact_id"
            ),
            new_primary_contact=services.NewPerson(
                first_name=new_person.first_name,
                middle_name=new_person.middle_name,
                last_name=new_person.last_name,
            )
            if new_person is not None
            else None,
            primary_contact_role=payload.primary_contact_role,
        )
    return Status(201, full_client_answer(actor, organization.pk, response))


@contacts_router.post(
    "/client-groups",
    response=CREATED,
    openapi_extra=etag_openapi(201),
    summary="Create a client group",
)
def create_client_group(
    request: HttpRequest, payload: ClientGroupCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    with api_field_names():
        group = services.create_client_group(
            actor=actor,
            **_type_and_owner(actor, payload),
            display_name=payload.display_name,
            description=payload.description,
            client_code=payload.client_code,
            members=get_all_or_422(seen_contacts(actor), payload.member_ids, field="member_ids"),
        )
    return Status(201, full_client_answer(actor, group.pk, response))


# ---------------------------------------------------------------------------------------
# Suggestions while a name is typed.
# ---------------------------------------------------------------------------------------


class SuggestionQuery(Schema):
    q: str = Field(description="The name being typed; accents and case ignored, fuzzy.")
    kind: Literal["person", "organization", "client_group"] | None = None
    exclude: Id | None = Field(None, description="A contact to leave out (the one edited).")
    limit: int = Field(8, ge=1, le=20)


@contacts_router.get(
    "/suggestions",
    response=list[SuggestionOut],
    summary="Similar contacts while a name is typed (duplicates)",
)
def suggestions(request: HttpRequest, query: Query[SuggestionQuery]) -> list[dict[str, Any]]:
    """Only contacts you may see; private ones seen by name only come back with
    `access_level: "name"` and nothing but their id and name (not even their kind)."""
    actor = api_colleague(request)
    return [
        _suggestion(s)
        for s in similar_contacts(
            actor, query.q, kind=query.kind, limit=query.limit, exclude=query.exclude
        )
    ]


def _suggestion(found: Suggestion) -> dict[str, Any]:
    if found.name_only:
        # SECURITY: the name and nothing else (docs/access-rules.md).
        return {
            "id": found.id,
            "display_name": found.display_name,
            "access_level": "name",
            "score": found.score,
        }
    return {
        "id": found.id,
        "kind": found.kind,
        "display_name": found.display_name,
        "access_level": "full",
        "score": found.score,
    }


# ---------------------------------------------------------------------------------------
# E-mails, phones, postal addresses, social handles.
# ---------------------------------------------------------------------------------------


def _email(e: EmailAddress) -> dict[str, Any]:
    return {"id": e.pk, "address": e.address, "label": e.label}


def _phone(p: PhoneNumber, contact: Contact) -> dict[str, Any]:
    country = str(contact.country or "") or None
    return {
        "id": p.pk,
        "number": p.number,
        "display": display_phone(p.number, country),
        "label": p.label,
    }


def _social(s: SocialHandle) -> dict[str, Any]:
    return {"id": s.pk, "network": s.network, "handle": s.handle, "label": s.label}


def _changes(payload: Any) -> dict[str, Any]:
    """Fields sent with a value (null means "leave as is")."""
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}


WRITE = problem_responses(403)


@contacts_router.get("/{client_id}/emails", response=list[EmailOut], summary="E-mail addresses")
def list_emails(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = full_contact(api_colleague(request), client_id)
    return [_email(e) for e in contact.emails.all()]


@contacts_router.post(
    "/{client_id}/emails",
    response={201: EmailOut, **WRITE},
    summary="Add an e-mail address (one contact per address in the firm)",
)
def add_email(request: HttpRequest, client_id: int, payload: EmailIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    email = services.add_email(
        actor=actor, contact=contact, address=payload.address, label=payload.label
    )
    return Status(201, _email(email))


@contacts_router.patch(
    "/{client_id}/emails/{email_id}",
    response={200: EmailOut, **WRITE},
    summary="Change an e-mail address",
)
def update_email(
    request: HttpRequest, client_id: int, email_id: int, payload: EmailChange
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    email = get_or_404(contact.emails.all(), email_id)
    return _email(services.update_email(actor=actor, email=email, **_changes(payload)))


@contacts_router.delete(
    "/{client_id}/emails/{email_id}",
    response={204: None, **WRITE},
    summary="Remove an e-mail address",
)
def remove_email(request: HttpRequest, client_id: int, email_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    services.remove_email(actor=actor, email=get_or_404(contact.emails.all(), email_id))
    return Status(204, None)


@contacts_router.get("/{client_id}/phones", response=list[PhoneOut], summary="Phone numbers")
def list_phones(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = full_contact(api_colleague(request), client_id)
    return [_phone(p, contact) for p in contact.phones.all()]


@contacts_router.post(
    "/{client_id}/phones",
    response={201: PhoneOut, **WRITE},
    summary="Add a phone number (stored E.164)",
)
def add_phone(request: HttpRequest, client_id: int, payload: PhoneIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    phone = services.add_phone(
        actor=actor, contact=contact, number=payload.number, label=payload.label
    )
    return Status(201, _phone(phone, contact))


@contacts_router.patch(
    "/{client_id}/phones/{phone_id}",
    response={200: PhoneOut, **WRITE},
    summary="Change a phone number",
)
def update_phone(
    request: HttpRequest, client_id: int, phone_id: int, payload: PhoneChange
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    phone = get_or_404(contact.phones.all(), phone_id)
    return _phone(services.update_phone(actor=actor, phone=phone, **_changes(payload)), contact)


@contacts_router.delete(
    "/{client_id}/phones/{phone_id}",
    response={204: None, **WRITE},
    summary="Remove a phone number",
)
def remove_phone(request: HttpRequest, client_id: int, phone_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    services.remove_phone(actor=actor, phone=get_or_404(contact.phones.all(), phone_id))
    return Status(204, None)


@contacts_router.get(
    "/{client_id}/addresses", response=list[AddressOut], summary="Postal addresses"
)
def list_addresses(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = full_contact(api_colleague(request), client_id)
    return [address_answer(a) for a in contact.addresses.all()]


@contacts_router.post(
    "/{client_id}/addresses",
    response={201: AddressOut, **WRITE},
    summary="Add a postal address",
)
def add_address(request: HttpRequest, client_id: int, payload: AddressIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    address = services.add_address(actor=actor, contact=contact, **payload.model_dump())
    return Status(201, address_answer(address))


@contacts_router.patch(
    "/{client_id}/addresses/{address_id}",
    response={200: AddressOut, **WRITE},
    summary="Change a postal address",
)
def update_address(
    request: HttpRequest, client_id: int, address_id: int, payload: AddressChange
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    address: PostalAddress = get_or_404(contact.addresses.all(), address_id)
    changed = services.update_address(actor=actor, address=address, **_changes(payload))
    return address_answer(changed)


@contacts_router.delete(
    "/{client_id}/addresses/{address_id}",
    response={204: None, **WRITE},
    summary="Remove a postal address",
)
def remove_address(request: HttpRequest, client_id: int, address_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    services.remove_address(actor=actor, address=get_or_404(contact.addresses.all(), address_id))
    return Status(204, None)


@contacts_router.get(
    "/{client_id}/social-handles", response=list[SocialHandleOut], summary="Social handles"
)
def list_social_handles(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = full_contact(api_colleague(request), client_id)
    return [_social(s) for s in contact.social_handles.all()]


@contacts_router.post(
    "/{client_id}/social-handles",
    response={201: SocialHandleOut, **WRITE},
    summary="Add a social handle",
)
def add_social_handle(
    request: HttpRequest, client_id: int, payload: SocialHandleIn
) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    row = services.add_social_handle(actor=actor, contact=contact, **payload.model_dump())
    return Status(201, _social(row))


@contacts_router.patch(
    "/{client_id}/social-handles/{handle_id}",
    response={200: SocialHandleOut, **WRITE},
    summary="Change a social handle",
)
def update_social_handle(
    request: HttpRequest, client_id: int, handle_id: int, payload: SocialHandleChange
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    row = get_or_404(contact.social_handles.all(), handle_id)
    return _social(
        services.update_social_handle(actor=actor, social_handle=row, **_changes(payload))
    )


@contacts_router.delete(
    "/{client_id}/social-handles/{handle_id}",
    response={204: None, **WRITE},
    summary="Remove a social handle",
)
def remove_social_handle(request: HttpRequest, client_id: int, handle_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    row = get_or_404(contact.social_handles.all(), handle_id)
    services.remove_social_handle(actor=actor, social_handle=row)
    return Status(204, None)


class AvatarOut(Schema):
    avatar_url: str | None


@contacts_router.post(
    "/{client_id}/avatar",
    response={200: AvatarOut, **WRITE, **problem_responses(413)},
    summary="Upload an avatar (multipart `file`: JPEG, PNG, GIF or WebP)",
)
def set_avatar(request: HttpRequest, client_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """The image is checked by its content; 2 MB and 4096 pixels a side at most."""
    actor = api_colleague(request)
    contact = services.set_avatar(actor=actor, contact=full_contact(actor, client_id), image=file)
    return {"avatar_url": reverse("contacts:avatar", args=[contact.pk]) if contact.avatar else None}


@contacts_router.delete(
    "/{client_id}/avatar", response={204: None, **WRITE}, summary="Remove the avatar"
)
def remove_avatar(request: HttpRequest, client_id: int) -> Status[None]:
    actor = api_colleague(request)
    services.set_avatar(actor=actor, contact=full_contact(actor, client_id), image=None)
    return Status(204, None)
