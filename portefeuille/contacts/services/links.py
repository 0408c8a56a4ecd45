"""Links between contacts: contact cards (a person at an organization, with a role) and
client group members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.access.guards import lock_client
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.firms.guards import (
    field_error,
    require_active,
)
from portefeuille.firms.models import Colleague

from ..models import (
    Contact,
    ContactCard,
    GroupMembership,
)
from .cleaning import Kind, _clean_text, _Errors, _field_max, _linkable

# ---------------------------------------------------------------------------------------
# Contact cards: a person at an organization, with a role.
# ---------------------------------------------------------------------------------------


def _card_events(
    actor: Colleague,
    card: ContactCard,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    ref = {
        "id": card.pk,
        "person": audit_ref(card.person),
        "organization": audit_ref(card.organization),
    }
    for client in (card.person, card.organization):
        record_event(
            actor=actor,
            action=action,
            client=client,
            before=None if before is None else {"card": {**ref, **before}},
            after=None if after is None else {"card": {**ref, **after}},
        )


def _create_card(
    actor: Colleague, person: Contact, organization: Contact, role: str
) -> ContactCard:
    card = ContactCard.objects.create(
        firm_id=actor.firm_id, person=person, organization=organization, role=role
    )
    _card_events(
        actor,
        card,
        "contact.card_added",
        after={"role": role},
    )
    return card


def _locked_pair(
    actor: Colleague, person: Contact, organization: Contact
) -> tuple[Contact, Contact]:
    """Both contacts of a card, locked in id order (no deadlock), full access checked."""
    first, second = sorted([person, organization], key=lambda contact: contact.pk)
    locked = {}
    for contact in (first, second):
        field = "person" if contact is person else "organization"
        kinds = [Kind.PERSON] if contact is person else [Kind.ORGANIZATION]
        locked[field] = _linkable(actor, contact, field, kinds)
    return locked["person"], locked["organization"]


@transaction.atomic
def add_card(
    *, actor: Colleague, person: Contact, organization: Contact, role: str = ""
) -> ContactCard:
    """Links a person to an organization with a role. Needs full access to both."""
    require_active(actor)
    if person.firm_id != actor.firm_id or organization.firm_id != actor.firm_id:
        raise Http404
    if person.pk == organization.pk:
        raise field_error("organization", _("Un contact ne peut pas être lié à lui-même."), "self")
    # The kind never changes, so the instances given tell it; check before locking.
    for field, contact, kind in (
        ("person", person, Kind.PERSON),
        ("organization", organization, Kind.ORGANIZATION),
    ):
        if contact.kind != kind:
            _linkable(actor, contact, field, [kind])
    locked_person, locked_org = _locked_pair(actor, person, organization)
    errors = _Errors()
    clean_role = _clean_text(errors, "role", role, _field_max(ContactCard, "role", 100))
    if ContactCard.objects.filter(person=locked_person, organization=locked_org).exists():
        errors.add(
            "organization",
            _("%(person)s est déjà lié à %(organization)s.")
            % {"person": locked_person, "organization": locked_org},
            "card_exists",
        )
    errors.raise_if_any()
    return _create_card(actor, locked_person, locked_org, clean_role)


def _locked_card(actor: Colleague, card: ContactCard) -> ContactCard:
    if card.firm_id != actor.firm_id:
        raise Http404
    require_active(actor)
    found = ContactCard.objects.select_related("person", "organization").filter(pk=card.pk).first()
    if found is None:
        raise Http404
    found.person, found.organization = _locked_pair(actor, found.person, found.organization)
    return found


@transaction.atomic
def update_card(*, actor: Colleague, card: ContactCard, role: str) -> ContactCard:
    locked = _locked_card(actor, card)
    errors = _Errors()
    clean_role = _clean_text(errors, "role", role, _field_max(ContactCard, "role", 100))
    errors.raise_if_any()
    if clean_role != locked.role:
        before = locked.role
        locked.role = clean_role
        locked.save(update_fields=["role"])
        _card_events(
            actor,
            locked,
            "contact.card_changed",
            before={"role": before},
            after={"role": clean_role},
        )
    card.role = clean_role
    return locked


@transaction.atomic
def remove_card(*, actor: Colleague, card: ContactCard) -> None:
    locked = _locked_card(actor, card)
    _card_events(
        actor,
        locked,
        "contact.card_removed",
        before={"role": locked.role},
    )
    locked.delete()


def _ensure_card(actor: Colleague, person: Contact, organization: Contact, role: str) -> None:
    if not ContactCard.objects.filter(person=person, organization=organization).exists():
        _create_card(actor, person, organization, role)


# ---------------------------------------------------------------------------------------
# Client group members.
# ---------------------------------------------------------------------------------------


def _checked_members(
    actor: Colleague, group: Contact, members: Sequence[Contact], errors: _Errors
) -> list[Contact]:
    checked: list[Contact] = []
    seen: set[int] = set()
    for member in members:
        if group.pk is not None and member.pk == group.pk:
            errors.add(
                "members", _("Un groupe de clients ne peut pas être membre de lui-même."), "self"
            )
            continue
        # SECURITY: a repeat is dropped silently; naming it would name a hidden contact
        # before its access is checked.
        if member.pk in seen:
            continue
        seen.add(member.pk)
        try:
            locked = _linkable(actor, member, "members", [Kind.PERSON, Kind.ORGANIZATION])
        except ValidationError as error:
            errors.collect(error)
            continue
        if (
            group.pk is not None
            and GroupMembership.objects.filter(group=group, member=locked).exists()
        ):
            errors.add(
                "members",
                _("« %(name)s » est déjà membre de ce groupe.") % {"name": locked.display_name},
                "already_member",
            )
            continue
        checked.append(locked)
    return checked


def _create_membership(actor: Colleague, group: Contact, member: Contact) -> GroupMembership:
    membership = GroupMembership.objects.create(firm_id=actor.firm_id, group=group, member=member)
    data = {
        "membership": {
            "id": membership.pk,
            "group": audit_ref(group),
            "member": audit_ref(member),
        }
    }
    for client in (group, member):
        record_event(actor=actor, action="contact.member_added", client=client, after=data)
    return membership


@transaction.atomic
def add_group_members(
    *, actor: Colleague, group: Contact, members: Sequence[Contact]
) -> list[GroupMembership]:
    """Adds persons and organizations to a client group; one refusal and none is added."""
    locked = lock_client(actor, group)
    if locked.kind != Kind.CLIENT_GROUP:
        raise field_error("group", _("Seul un groupe de clients a des membres."), "not_a_group")
    errors = _Errors()
    if not members:
        errors.add("members", _("Choisissez au moins un contact."), "required")
    checked = _checked_members(actor, locked, members, errors)
    errors.raise_if_any()
    return [_create_membership(actor, locked, member) for member in checked]


@transaction.atomic
def remove_group_member(*, actor: Colleague, group: Contact, member: Contact) -> None:
    locked = lock_client(actor, group)
    other = _linkable(actor, member, "member", [Kind.PERSON, Kind.ORGANIZATION])
    membership = GroupMembership.objects.filter(group=locked, member=other).first()
    if membership is None:
        raise field_error(
            "member",
            _("« %(name)s » n'est pas membre de ce groupe.") % {"name": other.display_name},
            "not_member",
        )
    data = {
        "membership": {
            "id": membership.pk,
            "group": audit_ref(locked),
            "member": audit_ref(other),
        }
    }
    for client in (locked, other):
        record_event(
            actor=actor,
            action="contact.member_removed",
            client=client,
            before=data,
        )
    membership.delete()


@transaction.atomic
def join_groups(
    *, actor: Colleague, contact: Contact, groups: Sequence[Contact]
) -> list[GroupMembership]:
    """Adds a person or organization to existing client groups; one refusal and none."""
    locked = lock_client(actor, contact)
    if locked.kind == Kind.CLIENT_GROUP:
        raise field_error(
            "groups",
            _("Un groupe de clients ne peut pas être membre d'un autre groupe."),
            "group_in_group",
        )
    errors = _Errors()
    if not groups:
        errors.add("groups", _("Choisissez au moins un groupe de clients."), "required")
    checked: list[Contact] = []
    seen: set[int] = set()
    for group in groups:
        if group.pk in seen:
            continue
        seen.add(group.pk)
        try:
            found = _linkable(actor, group, "groups", [Kind.CLIENT_GROUP])
        except ValidationError as error:
            errors.collect(error)
            continue
        if GroupMembership.objects.filter(group=found, member=locked).exists():
            errors.add(
                "groups",
                _("Ce contact est déjà membre de « %(group)s ».") % {"group": found.display_name},
                "already_member",
            )
            continue
        checked.append(found)
    errors.raise_if_any()
    return [_create_membership(actor, group, locked) for group in checked]
