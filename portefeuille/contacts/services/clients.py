"""The client record: creation (with its name, then per kind), deletion, and the update of
its basics and accounting details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portefeuille.access.guards import check_owner, lock_client, require_admin_on_client
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import can_edit_team
from portefeuille.access.services import set_privacy
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.firms.guards import (
    UNSET,
    Unset,
    check_version,
    clean_text,
    field_error,
    require_active,
    same_firm,
)
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy
from portefeuille.notifications.kinds import OWNER_GIVEN
from portefeuille.notifications.services import notify

from .. import validators
from ..models import (
    Contact,
    ContactCard,
)
from .cleaning import (
    Kind,
    _apply,
    _base_values,
    _bump,
    _clean_text,
    _clean_values,
    _client_code_race,
    _Errors,
    _field_max,
    _linkable,
    _max_length,
    _saved_fields,
    _sync,
    person_display_name,
)
from .details import _clean_email, _create_email, _create_phone
from .links import _checked_members, _create_card, _create_membership, _ensure_card

NAME_MAX = Contact._meta.get_field("display_name").max_length or 255


@dataclass(frozen=True)
class NewPerson:
    """A person to create on the way (an organization's new primary contact)."""

    first_name: str
    last_name: str
    middle_name: str = ""


# ---------------------------------------------------------------------------------------
# Creation, per kind.
# ---------------------------------------------------------------------------------------


def _precheck_details(
    errors: _Errors, actor: Colleague, emails: Sequence[str], phones: Sequence[str], country: Any
) -> tuple[list[str], list[str]]:
    clean_emails: list[str] = []
    for address in emails:
        try:
            clean = _clean_email(actor, None, address, field="emails")
        except ValidationError as error:
            errors.collect(error)
            continue
        if clean in clean_emails:
            errors.add(
                "emails",
                _("L'adresse %(address)s est saisie deux fois.") % {"address": clean},
                "duplicate",
            )
        clean_emails.append(clean)
    clean_phones: list[str] = []
    for number in phones:
        try:
            clean_phones.append(validators.clean_phone(number, country, field="phones"))
        except ValidationError as error:
            errors.collect(error)
    return clean_emails, clean_phones


def _finish_creation(
    actor: Colleague,
    client: Contact,
    cleaned: dict[str, Any],
    emails: list[str],
    phones: list[str],
) -> None:
    _before, after = _apply(client, cleaned)
    after.pop("display_name", None)  # create_client recorded the name
    if after:
        try:
            with transaction.atomic():
                client.save(update_fields=_saved_fields(after))
        except IntegrityError:
            if "client_code" not in after:
                raise
            raise _client_code_race(client) from None
        record_event(
            actor=actor,
            action="client.updated",
            client=client,
            after=after,
        )
    for address in emails:
        _create_email(actor, client, address, "", field="emails")
    for number in phones:
        _create_phone(actor, client, number, "")


# ---------------------------------------------------------------------------------------
# The client record: created with its name, deleted for good (admins only).
# ---------------------------------------------------------------------------------------


@transaction.atomic
def create_client(
    *,
    actor: Colleague,
    kind: str,
    display_name: str,
    privacy: str | None = None,
    contact_type: ContactType | None = None,
    owner: OwnerEntry | None = None,
) -> Contact:
    """Creates a client of any kind with its name only (the per-kind services below add the
    details). Any active colleague may; a non-admin creator who would not otherwise see it
    in full (limited scope, or a private or hidden client they do not own) becomes its
    manager, so nobody creates a client they can no longer open."""
    require_active(actor)
    same_firm(actor, contact_type, owner)
    firm = Firm.objects.get(pk=actor.firm_id)
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if kind not in Contact.Kind.values:
        add("kind", _("Choisissez une personne, une organisation ou un groupe de clients."), "kind")
    try:
        name = clean_text(display_name, "display_name", NAME_MAX)
    except ValidationError as error:
        errors.update(error.error_dict)
        name = ""
    if privacy is None:
        privacy = firm.default_privacy
    if privacy not in Privacy.values:
        add("privacy", _("Choisissez public, privé ou masqué."), "privacy")
    if owner is not None:
        try:
            check_owner(actor, firm, owner)
        except ValidationError as error:
            errors.update(error.error_dict)
    elif firm.ownership_enabled and firm.owner_required:
        add(
            "owner",
            _("Ce cabinet exige un responsable client pour chaque nouveau client."),
            "required",
        )
    if errors:
        raise ValidationError(errors)

    own_entry = owner is not None and owner.colleague_id == actor.pk
    needs_manager = actor.is_limited or privacy != Privacy.PUBLIC
    manager = actor if (not actor.is_admin and needs_manager and not own_entry) else None
    client = Contact.objects.create(
        firm_id=actor.firm_id,
        kind=kind,
        display_name=name,
        privacy=privacy,
        contact_type=contact_type,
        owner=owner,
        manager=manager,
    )
    record_event(
        actor=actor,
        action="client.created",
        client=client,
        after={
            "display_name": name,
            "kind": kind,
            "privacy": privacy,
            "contact_type": audit_ref(contact_type),
            "owner": audit_ref(owner),
            "manager": audit_ref(manager),
        },
    )
    given = owner.colleague if owner is not None else None
    if given is not None and given.pk != actor.pk:
        # The owner chosen is told, as when a client's owner changes (never the actor).
        notify(kind=OWNER_GIVEN, recipients=[given], client=client, actor=actor)
    return client


@transaction.atomic
def delete_client(
    *, actor: Colleague, client: Contact, expected_version: int | None = None
) -> None:
    """Deletes a client for good (admins only); its history stays, with its name. A stale
    `expected_version` (checked after the permission) is refused with StaleVersionError."""
    require_active(actor)
    locked = lock_client(actor, client, None)
    require_admin_on_client(actor, locked)
    check_version(locked, expected_version)
    record_event(
        actor=actor,
        action="client.deleted",
        client=locked,
        before={
            "display_name": locked.display_name,
            "kind": locked.kind,
            "privacy": locked.privacy,
        },
    )
    locked.delete()


@transaction.atomic
def create_person(
    *,
    actor: Colleague,
    first_name: str,
    last_name: str,
    middle_name: str = "",
    preferred_name: str = "",
    birth_date: date | None = None,
    share_communication: bool = True,
    privacy: str | None = None,
    contact_type: ContactType | None = None,
    owner: OwnerEntry | None = None,
    description: str = "",
    client_code: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    organization: Contact | None = None,
    new_organization_name: str = "",
    role: str = "",
) -> Contact:
    """Creates a person, optionally linked by a card (with `role`) to an existing
    `organization` or to a new one named `new_organization_name`."""
    require_active(actor)
    errors = _Errors()
    draft = Contact(firm_id=actor.firm_id, kind=Kind.PERSON)
    values = _base_values(
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        preferred_name=preferred_name,
        birth_date=birth_date,
        share_communication=share_communication,
        description=description,
        client_code=client_code,
    )
    cleaned = _clean_values(actor, draft, values, errors)
    clean_emails, clean_phones = _precheck_details(errors, actor, emails, phones, None)
    clean_role = _clean_text(errors, "role", role, _field_max(ContactCard, "role", 100))
    new_org = _clean_text(
        errors, "new_organization_name", new_organization_name, _max_length("display_name")
    )
    if organization is not None and new_org:
        errors.add(
            "organization",
            _("Choisissez une organisation existante ou nommez-en une nouvelle, pas les deux."),
            "organization_xor_new",
        )
    if organization is not None:
        try:
            organization = _linkable(actor, organization, "organization", [Kind.ORGANIZATION])
        except ValidationError as error:
            errors.collect(error)
    errors.raise_if_any()

    name = person_display_name(cleaned["first_name"], cleaned["middle_name"], cleaned["last_name"])
    person = create_client(
        actor=actor,
        kind=Kind.PERSON,
        display_name=name,
        privacy=privacy,
        contact_type=contact_type,
        owner=owner,
    )
    _finish_creation(actor, person, cleaned, clean_emails, clean_phones)
    if new_org:
        organization = create_client(
            actor=actor,
            kind=Kind.ORGANIZATION,
            display_name=new_org,
            privacy=person.privacy,
            owner=owner,
        )
    if organization is not None:
        _create_card(actor, person, organization, clean_role)
    return person


@transaction.atomic
def create_organization(
    *,
    actor: Colleague,
    display_name: str,
    website: str = "",
    privacy: str | None = None,
    contact_type: ContactType | None = None,
    owner: OwnerEntry | None = None,
    description: str = "",
    client_code: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    primary_contact: Contact | None = None,
    new_primary_contact: NewPerson | None = None,
    primary_contact_role: str = "",
) -> Contact:
    """Creates an organization, optionally with an existing or a new primary contact
    (linked by a card with `primary_contact_role`)."""
    require_active(actor)
    errors = _Errors()
    draft = Contact(firm_id=actor.firm_id, kind=Kind.ORGANIZATION)
    values = _base_values(
        display_name=display_name,
        website=website,
        description=description,
        client_code=client_code,
        primary_contact=primary_contact,
    )
    cleaned = _clean_values(actor, draft, values, errors)
    clean_emails, clean_phones = _precheck_details(errors, actor, emails, phones, None)
    clean_role = _clean_text(
        errors,
        "primary_contact_role",
        primary_contact_role,
        _field_max(ContactCard, "role", 100),
    )
    person_values: dict[str, Any] = {}
    if primary_contact is not None and new_primary_contact is not None:
        errors.add(
            "primary_contact",
            _("Choisissez un contact principal existant ou créez-en un nouveau, pas les deux."),
            "primary_xor_new",
        )
    if new_primary_contact is not None:
        person_errors = _Errors()
        person_values = _clean_values(
            actor,
            Contact(firm_id=actor.firm_id, kind=Kind.PERSON),
            {
                "first_name": new_primary_contact.first_name,
                "middle_name": new_primary_contact.middle_name,
                "last_name": new_primary_contact.last_name,
            },
            person_errors,
        )
        for field, items in person_errors.by_field.items():
            errors.by_field.setdefault(f"new_primary_contact.{field}", []).extend(items)
    errors.raise_if_any()

    organization = create_client(
        actor=actor,
        kind=Kind.ORGANIZATION,
        display_name=cleaned.pop("display_name"),
        privacy=privacy,
        contact_type=contact_type,
        owner=owner,
    )
    if new_primary_contact is not None:
        person = create_client(
            actor=actor,
            kind=Kind.PERSON,
            display_name=person_display_name(
                person_values["first_name"],
                person_values["middle_name"],
                person_values["last_name"],
            ),
            privacy=organization.privacy,
            owner=owner,
        )
        _apply(person, person_values)
        person.save(update_fields=["first_name", "middle_name", "last_name"])
        cleaned["primary_contact"] = person
    _finish_creation(actor, organization, cleaned, clean_emails, clean_phones)
    if organization.primary_contact is not None:
        _ensure_card(actor, organization.primary_contact, organization, clean_role)
    return organization


@transaction.atomic
def create_client_group(
    *,
    actor: Colleague,
    display_name: str,
    privacy: str | None = None,
    contact_type: ContactType | None = None,
    owner: OwnerEntry | None = None,
    description: str = "",
    client_code: str = "",
    members: Sequence[Contact] = (),
) -> Contact:
    """Creates a client group with its first members (persons and organizations)."""
    require_active(actor)
    errors = _Errors()
    draft = Contact(firm_id=actor.firm_id, kind=Kind.CLIENT_GROUP)
    cleaned = _clean_values(
        actor,
        draft,
        _base_values(display_name=display_name, description=description, client_code=client_code),
        errors,
    )
    checked = _checked_members(actor, draft, members, errors)
    errors.raise_if_any()
    group = create_client(
        actor=actor,
        kind=Kind.CLIENT_GROUP,
        display_name=cleaned.pop("display_name"),
        privacy=privacy,
        contact_type=contact_type,
        owner=owner,
    )
    _finish_creation(actor, group, cleaned, [], [])
    for member in checked:
        _create_membership(actor, group, member)
    return group


# ---------------------------------------------------------------------------------------
# Update.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def update_contact(
    *,
    actor: Colleague,
    contact: Contact,
    expected_version: int | None = None,
    kind: str | Unset = UNSET,
    privacy: str | Unset = UNSET,
    **changes: Any,
) -> Contact:
    """Changes a contact's basics and accounting details: `changes` names fields of
    contacts/fields.py (only those given change; any other name is refused, `unknown_field`);
    anyone with full access may. The kind never changes. A stale `expected_version` is refused
    with StaleVersionError and changes nothing.

    `privacy` is changed after the details, in the same transaction, by
    access/services::set_privacy (admin, owner or manager, even to the current value:
    its own check and history event); a refusal there undoes the details too."""
    locked = lock_client(actor, contact)
    check_version(locked, expected_version)
    if not isinstance(kind, Unset) and kind != locked.kind:
        raise field_error(
            "kind",
            _(
                "Le genre d'un contact (personne, organisation, groupe) ne change pas "
                "après sa création."
            ),
            "kind_fixed",
        )
    errors = _Errors()
    cleaned = _clean_values(actor, locked, _base_values(**changes), errors)
    if cleaned.get(
        "share_communication", locked.share_communication
    ) != locked.share_communication and not can_edit_team(actor, locked):
        # SECURITY: the switch decides who reads this person's e-mails; like privacy, only
        # an admin, the owner or the manager may turn it.
        errors.add(
            "share_communication",
            _(
                "Seuls un administrateur, le responsable client ou le gestionnaire peuvent "
                "changer le partage de la communication."
            ),
            "forbidden",
        )
    errors.raise_if_any()
    before, after = _apply(locked, cleaned)
    if after:
        try:
            with transaction.atomic():
                _bump(locked, *_saved_fields(after))
        except IntegrityError:
            if "client_code" not in after:
                raise
            raise _client_code_race(locked) from None
        record_event(
            actor=actor,
            action="client.updated",
            client=locked,
            before=before,
            after=after,
        )
        if "primary_contact" in after and locked.primary_contact is not None:
            _ensure_card(actor, locked.primary_contact, locked, "")
    if not isinstance(privacy, Unset):
        set_privacy(actor=actor, client=locked, privacy=privacy)
    _sync(contact, locked)
    return locked
