"""API of the links between two contacts: contact cards (a person at an organization),
the members of a client group, and the groups a person or organization belongs to.

Thin adapters over contacts/services/ on `contacts_router` (/api/v1/contacts, in
contacts/api_clients.py); every read goes through access/rules.py. The decisions of
contacts/api.py hold here too: the contact in the path needs full access (otherwise the same
404); a contact named in a body is picked among those the caller sees (a hidden one is the
same 422 "unknown id" as a missing one, one seen by name only a 403); a card, member or group
whose other contact is hidden from the caller is left out of lists and answers 404, one seen
by name only shows its id and name (a card its role as null). /members is for client groups
(404 on other kinds); /groups for persons and organizations.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from portefeuille.api.auth import api_colleague
from portefeuille.api.lookup import get_all_or_422, get_or_404
from portefeuille.firms.guards import field_error
from portefeuille.firms.models import Colleague

from . import services
from .api import WRITE, full_contact, seen_contacts
from .api_clients import contacts_router, pick
from .models import Contact, ContactCard, GroupMembership
from .schemas import (
    CardChange,
    CardIn,
    CardOut,
    ContactLink,
    GroupMembersIn,
    GroupsIn,
    api_field_names,
    visible_links,
)

Kind = Contact.Kind


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
    contact = full_contact(actor, client_id)
    return _card_answers(actor, contact, list(_cards_of(contact)))


@contacts_router.post(
    "/{client_id}/cards",
    response={201: CardOut, **WRITE},
    summary="Link a person and an organization with a role",
)
def add_card(request: HttpRequest, client_id: int, payload: CardIn) -> Status[dict[str, Any]]:
    """From a person send `organization_id`; from an organization, `person_id`."""
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    if contact.kind == Kind.PERSON:
        field, other_id = "organization_id", payload.organization_id
    elif contact.kind == Kind.ORGANIZATION:
        field, other_id = "person_id", payload.person_id
    else:
        raise field_error("person_id", _("Un groupe de clients n'a pas de fiches de contact."))
    if other_id is None:
        raise field_error(field, _("Ce champ est obligatoire."))
    other = pick(seen_contacts(actor), other_id, field)
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
    contact = full_contact(actor, client_id)
    card = services.update_card(actor=actor, card=_card(actor, contact, card_id), role=payload.role)
    return _card_answers(actor, contact, [card])[0]


@contacts_router.delete(
    "/{client_id}/cards/{card_id}",
    response={204: None, **WRITE},
    summary="Remove a contact card",
)
def remove_card(request: HttpRequest, client_id: int, card_id: int) -> Status[None]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
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
    group = full_contact(actor, client_id)
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
    members = get_all_or_422(seen_contacts(actor), payload.member_ids, field="member_ids")
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
    member = get_or_404(seen_contacts(actor), member_id)
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
    return _linked(actor, _group_ids(full_contact(actor, client_id)))


@contacts_router.post(
    "/{client_id}/groups",
    response={200: list[ContactLink], **WRITE},
    summary="Add a person or organization to existing client groups",
)
def join_groups(request: HttpRequest, client_id: int, payload: GroupsIn) -> list[dict[str, Any]]:
    actor = api_colleague(request)
    contact = full_contact(actor, client_id)
    groups = get_all_or_422(seen_contacts(actor), payload.group_ids, field="group_ids")
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
    contact = full_contact(actor, client_id)
    if group_id not in _group_ids(contact):
        raise Http404
    group = get_or_404(seen_contacts(actor), group_id)
    services.remove_group_member(actor=actor, group=group, member=contact)
    return Status(204, None)
