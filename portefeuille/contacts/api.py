"""API of contacts beyond the client record: creation per kind, e-mails, phones, postal
addresses, social handles, avatar, contact cards, client group members, and the similar
contacts offered while a name is typed.

Thin adapters over contacts/services.py on access's `contacts_router` (/api/v1/contacts);
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

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.api import _full_client_answer, _pick, contacts_router
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import Level
from portefeuille.access.schemas import ClientFull
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import etag_openapi
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import Id, get_all_or_422, get_or_404
from portefeuille.firms.models import Colleague, ContactType

from . import services
from .models import (
    Contact,
    ContactCard,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)
from .schemas import (
    AddressChange,
    AddressIn,
    AddressOut,
    CardChange,
    CardIn,
    CardOut,
    ClientGroupCreate,
    ContactLink,
    EmailChange,
    EmailIn,
    EmailOut,
    GroupMembersIn,
    GroupsIn,
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
    visible_links,
)
from .suggestions import Suggestion, similar_contacts
from .validators import display_phone

Kind = Contact.Kind


# ---------------------------------------------------------------------------------------
# Lookups, scoped to the caller's firm and visibility.
# ---------------------------------------------------------------------------------------


def _full(actor: Colleague, client_id: int) -> Contact:
    return rules.get_client(actor, client_id, Level.FULL)


def _seen(actor: Colleague) -> QuerySet[Contact]:
    """Contacts the caller may name in a body: a hidden one reads like an unknown id."""
    return rules.visible_clients(actor, Level.NAME)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="invalid")})


def _type_and_owner(actor: Colleague, payload: Any) -> dict[str, Any]:
    return {
        "privacy": payload.privacy,
        "contact_type": _pick(
            ContactType.objects.filter(firm_id=actor.firm_id),
            payload.contact_type_id,
            "contact_type_id",
        ),
        "owner": _pick(
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
            organization=_pick(_seen(actor), payload.organization_id, "organization_id"),
            new_organization_name=payload.new_organization_name,
            role=payload.role,
        )
    return Status(201, _full_client_answer(actor, person.pk, response))


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
            primary_contact=_pick(_seen(actor), payload.primary_contact_id, "primary_contact_id"),
            new_primary_contact=services.NewPerson(
                first_name=new_person.first_name,
                middle_name=new_person.middle_name,
                last_name=new_person.last_name,
            )
            if new_person is not None
            else None,
            primary_contact_role=payload.primary_contact_role,
        )
    return Status(201, _full_client_answer(actor, organization.pk, response))


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
            members=get_all_or_422(_seen(actor), payload.member_ids, field="member_ids"),
        )
    return Status(201, _full_client_answer(actor, group.pk, response))


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
    contact = _full(api_colleague(request), client_id)
    return [_email(e) for e in contact.emails.all()]


@contacts_router.post(
    "/{client_id}/emails",
    response={201: EmailOut, **WRITE},
    summary="Add an e-mail address (one contact per address in the firm)",
)
def add_email(request: HttpRequest, client_id: int, payload: EmailIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
    email = get_or_404(contact.emails.all(), email_id)
    return _email(services.update_email(actor=actor, email=email, **_changes(payload)))


@contacts_router.delete(
    "/{client_id}/emails/{email_id}",
    response={204: None, **WRITE},
    summary="Remove an e-mail address",
)
def remove_email(request: HttpRequest, client_id: int, email_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    services.remove_email(actor=actor, email=get_or_404(contact.emails.all(), email_id))
    return Status(204, None)


@contacts_router.get("/{client_id}/phones", response=list[PhoneOut], summary="Phone numbers")
def list_phones(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = _full(api_colleague(request), client_id)
    return [_phone(p, contact) for p in contact.phones.all()]


@contacts_router.post(
    "/{client_id}/phones",
    response={201: PhoneOut, **WRITE},
    summary="Add a phone number (stored E.164)",
)
def add_phone(request: HttpRequest, client_id: int, payload: PhoneIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
    phone = get_or_404(contact.phones.all(), phone_id)
    return _phone(services.update_phone(actor=actor, phone=phone, **_changes(payload)), contact)


@contacts_router.delete(
    "/{client_id}/phones/{phone_id}",
    response={204: None, **WRITE},
    summary="Remove a phone number",
)
def remove_phone(request: HttpRequest, client_id: int, phone_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    services.remove_phone(actor=actor, phone=get_or_404(contact.phones.all(), phone_id))
    return Status(204, None)


@contacts_router.get(
    "/{client_id}/addresses", response=list[AddressOut], summary="Postal addresses"
)
def list_addresses(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = _full(api_colleague(request), client_id)
    return [address_answer(a) for a in contact.addresses.all()]


@contacts_router.post(
    "/{client_id}/addresses",
    response={201: AddressOut, **WRITE},
    summary="Add a postal address",
)
def add_address(request: HttpRequest, client_id: int, payload: AddressIn) -> Status[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
    services.remove_address(actor=actor, address=get_or_404(contact.addresses.all(), address_id))
    return Status(204, None)


@contacts_router.get(
    "/{client_id}/social-handles", response=list[SocialHandleOut], summary="Social handles"
)
def list_social_handles(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    contact = _full(api_colleague(request), client_id)
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
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
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
    contact = _full(actor, client_id)
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
    contact = services.set_avatar(actor=actor, contact=_full(actor, client_id), image=file)
    return {"avatar_url": reverse("contacts:avatar", args=[contact.pk]) if contact.avatar else None}


@contacts_router.delete(
    "/{client_id}/avatar", response={204: None, **WRITE}, summary="Remove the avatar"
)
def remove_avatar(request: HttpRequest, client_id: int) -> Status[None]:
    actor = api_colleague(request)
    services.set_avatar(actor=actor, contact=_full(actor, client_id), image=None)
    return Status(204, None)


# ---------------------------------------------------------------------------------------
# Contact cards.
# ---------------------------------------------------------------------------------------


def _cards_of(contact: Contact) -> QuerySet[ContactCard]:
    return ContactCard.objects.filter(
        Q(person_id=contact.pk) | Q(organization_id=contact.pk), firm_id=contact.firm_id
    ).order_by("id")


def _card_answers(
    actor: Colleague, contact: Contact, cards: list[ContactCard]
) -> list[dict[str, Any]]:
    """Cards as the caller may see them: the other contact filtered by their own level."""
    links = visible_links(actor, [c.person_id for c in cards] + [c.organization_id for c in cards])
    answers = []
    for card in cards:
        other = card.organization_id if card.person_id == contact.pk else card.person_id
        if other not in links or card.person_id not in links or card.organization_id not in links:
            continue  # SECURITY: a hidden contact is absent, card and all
        answers.append(
            {
                "id": card.pk,
                "person": links[card.person_id],
                "organization": links[card.organization_id],
                "role": card.role if links[other]["access_level"] == "full" else None,
            }
        )
    return answers


def _card(actor: Colleague, contact: Contact, card_id: int) -> ContactCard:
    card = get_or_404(_cards_of(contact), card_id)
    if not _card_answers(actor, contact, [card]):
        raise Http404
    return card


@contacts_router.get(
    "/{client_id}/cards",
    response=list[CardOut],
    summary="Contact cards (a person's organizations, an organization's people)",
)
def list_cards(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    return _card_answers(actor, contact, list(_cards_of(contact)))


@contacts_router.post(
    "/{client_id}/cards",
    response={201: CardOut, **WRITE},
    summary="Link a person and an organization with a role",
)
def add_card(request: HttpRequest, client_id: int, payload: CardIn) -> Status[dict[str, Any]]:
    """From a person send `organization_id`; from an organization, `person_id`."""
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    if contact.kind == Kind.PERSON:
        field, other_id = "organization_id", payload.organization_id
    elif contact.kind == Kind.ORGANIZATION:
        field, other_id = "person_id", payload.person_id
    else:
        raise _invalid("person_id", _("Un groupe de clients n'a pas de fiches de contact."))
    if other_id is None:
        raise _invalid(field, _("Ce champ est obligatoire."))
    other = _pick(_seen(actor), other_id, field)
    person, organization = (contact, other) if contact.kind == Kind.PERSON else (other, contact)
    with api_field_names():
        card = services.add_card(
            actor=actor, person=person, organization=organization, role=payload.role
        )
    return Status(201, _card_answers(actor, contact, [card])[0])


@contacts_router.patch(
    "/{client_id}/cards/{card_id}",
    response={200: CardOut, **WRITE},
    summary="Change the role on a contact card",
)
def update_card(
    request: HttpRequest, client_id: int, card_id: int, payload: CardChange
) -> dict[str, Any]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    card = services.update_card(actor=actor, card=_card(actor, contact, card_id), role=payload.role)
    return _card_answers(actor, contact, [card])[0]


@contacts_router.delete(
    "/{client_id}/cards/{card_id}",
    response={204: None, **WRITE},
    summary="Remove a contact card",
)
def remove_card(request: HttpRequest, client_id: int, card_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    services.remove_card(actor=actor, card=_card(actor, contact, card_id))
    return Status(204, None)


# ---------------------------------------------------------------------------------------
# Client group members, and a contact's groups.
# ---------------------------------------------------------------------------------------


def _linked(actor: Colleague, ids: list[int]) -> list[dict[str, Any]]:
    links = visible_links(actor, ids)
    return sorted(
        (links[pk] for pk in ids if pk in links),
        key=lambda found: (found["display_name"].casefold(), found["id"]),
    )


def _group(actor: Colleague, client_id: int) -> Contact:
    group = _full(actor, client_id)
    if group.kind != Kind.CLIENT_GROUP:
        raise Http404
    return group


def _member_ids(group: Contact) -> list[int]:
    return list(
        GroupMembership.objects.filter(group_id=group.pk).values_list("member_id", flat=True)
    )


@contacts_router.get(
    "/{client_id}/members", response=list[ContactLink], summary="Members of a client group"
)
def list_members(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    """Each member as you may see it: private ones by name only, hidden ones not at all."""
    actor = api_colleague(request)
    return _linked(actor, _member_ids(_group(actor, client_id)))


@contacts_router.post(
    "/{client_id}/members",
    response={200: list[ContactLink], **WRITE},
    summary="Add persons or organizations to a client group",
)
def add_members(
    request: HttpRequest, client_id: int, payload: GroupMembersIn
) -> list[dict[str, Any]]:
    """All or none: one refused member and nobody is added. Answers the members."""
    actor = api_colleague(request)
    group = _group(actor, client_id)
    members = get_all_or_422(_seen(actor), payload.member_ids, field="member_ids")
    with api_field_names():
        services.add_group_members(actor=actor, group=group, members=members)
    return _linked(actor, _member_ids(group))


@contacts_router.delete(
    "/{client_id}/members/{member_id}",
    response={204: None, **WRITE},
    summary="Remove a member from a client group",
)
def remove_member(request: HttpRequest, client_id: int, member_id: int) -> Status[None]:
    actor = api_colleague(request)
    group = _group(actor, client_id)
    if member_id not in _member_ids(group):
        raise Http404
    member = get_or_404(_seen(actor), member_id)
    services.remove_group_member(actor=actor, group=group, member=member)
    return Status(204, None)


def _group_ids(contact: Contact) -> list[int]:
    return list(
        GroupMembership.objects.filter(member_id=contact.pk).values_list("group_id", flat=True)
    )


@contacts_router.get(
    "/{client_id}/groups", response=list[ContactLink], summary="The client groups of a contact"
)
def list_groups(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    return _linked(actor, _group_ids(_full(actor, client_id)))


@contacts_router.post(
    "/{client_id}/groups",
    response={200: list[ContactLink], **WRITE},
    summary="Add a person or organization to existing client groups",
)
def join_groups(request: HttpRequest, client_id: int, payload: GroupsIn) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    groups = get_all_or_422(_seen(actor), payload.group_ids, field="group_ids")
    with api_field_names():
        services.join_groups(actor=actor, contact=contact, groups=groups)
    return _linked(actor, _group_ids(contact))


@contacts_router.delete(
    "/{client_id}/groups/{group_id}",
    response={204: None, **WRITE},
    summary="Take a contact out of a client group",
)
def leave_group(request: HttpRequest, client_id: int, group_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = _full(actor, client_id)
    if group_id not in _group_ids(contact):
        raise Http404
    group = get_or_404(_seen(actor), group_id)
    services.remove_group_member(actor=actor, group=group, member=contact)
    return Status(204, None)
