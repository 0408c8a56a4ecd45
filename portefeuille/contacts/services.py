"""Every write on a contact's details: creation per kind, basics and accounting details,
e-mails, phones, postal addresses, social handles, contact cards, client group members and
the avatar.

Each function checks the actor's permission itself, validates everything before writing,
writes in one transaction and records an audit event per change in that same transaction.
Creation builds on `create_client`, which decides the privacy, owner and
manager defaults (see its docstring).

Decisions where the product text is silent:
- Anyone with full access to a contact may change its details. A link between
  two contacts (a card, a group membership, a primary contact) shows on both pages, so it
  needs full access to both: a contact seen by name only cannot be linked or unlinked
  (PermissionDenied naming it), a hidden one is reported exactly like an unknown id.
- `version` counts every write to the contact's row and to its details (e-mails, phones,
  addresses, social handles, avatar), since the API's representation of the contact shows
  them; cards and group members live apart (their own endpoints) and leave it alone.
- A person's display name is "first [middle] last", recomputed on every change of those;
  it cannot be set directly.
- A person with a VAT number must be self-employed ("self-employed reveals the VAT
  number"); changing the status later keeps the number (the page hides it).
- A new organization made while creating a person, or a new primary contact made while
  creating an organization, gets the same privacy and owner as the contact being created,
  and the two are linked by a contact card (the primary contact too).
- An address already used by another contact names that contact only if the actor may see
  it (even by name); otherwise the message is generic. The same for client codes.
"""

from __future__ import annotations

import io
import struct
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from PIL import Image, UnidentifiedImageError

from portefeuille.access.guards import check_owner, lock_client, require_admin_on_client
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import Level, can_edit_team, level
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
from portefeuille.web.uploads import avatar_max_bytes

from . import validators
from .models import (
    Contact,
    ContactCard,
    EmailAddress,
    EmploymentStatus,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)

Kind = Contact.Kind

AVATAR_MAX_BYTES: int = avatar_max_bytes()
NAME_MAX = Contact._meta.get_field("display_name").max_length or 255
AVATAR_MAX_PIXELS = 4096
AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}

PERSON_FIELDS = frozenset(
    {"first_name", "middle_name", "last_name", "preferred_name", "birth_date"}
    | {"share_communication", "employment_status"}
)
ORGANIZATION_FIELDS = frozenset({"website", "primary_contact"})
NAMED_FIELDS = frozenset({"display_name"})  # organizations and client groups
TEXT_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "preferred_name",
    "client_code",
    "legal_name",
)
LONG_TEXT_FIELDS = ("description", "notes")
LONG_TEXT_MAX = 20_000
BASIC_FIELDS = (
    "display_name",
    "first_name",
    "middle_name",
    "last_name",
    "preferred_name",
    "birth_date",
    "share_communication",
    "website",
    "primary_contact",
    "description",
    "contact_type",
    "client_code",
    "legal_name",
    "country",
    "company_number",
    "siret",
    "vat_number",
    "tax_number",
    "fiscal_year_end_month",
    "fiscal_year_end_day",
    "employment_status",
    "notes",
)
FK_FIELDS = {"contact_type": "contact_type_id", "primary_contact": "primary_contact_id"}


@dataclass(frozen=True)
class NewPerson:
    """A person to create on the way (an organization's new primary contact)."""

    first_name: str
    last_name: str
    middle_name: str = ""


class _Errors:
    """Field errors gathered before anything is written, raised together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str = "invalid") -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def collect(self, error: ValidationError) -> None:
        for field, items in error.error_dict.items():
            self.by_field.setdefault(field, []).extend(items)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# ---------------------------------------------------------------------------------------
# Permission checks.
# ---------------------------------------------------------------------------------------


def _unknown(field: str, pk: object) -> ValidationError:
    # The API's message for an unknown id: a hidden contact must read exactly the same.
    return field_error(field, _("Identifiant inconnu : %(id)s.") % {"id": pk}, "unknown_id")


def _linkable(actor: Colleague, other: Contact, field: str, kinds: Iterable[str]) -> Contact:
    """Another contact about to be linked (or unlinked): the actor must see it in full."""
    if other.firm_id != actor.firm_id:
        raise _unknown(field, other.pk)
    locked = Contact.objects.select_for_update().filter(pk=other.pk, firm_id=actor.firm_id).first()
    if locked is None:
        raise _unknown(field, other.pk)
    seen = level(actor, locked)
    if seen == Level.NONE:
        raise _unknown(field, other.pk)
    if seen < Level.FULL:
        raise PermissionDenied(
            _("Vous ne voyez que le nom de « %(name)s » : vous ne pouvez pas le lier ni le délier.")
            % {"name": locked.display_name}
        )
    allowed = tuple(kinds)
    if locked.kind not in allowed:
        labels = ", ".join(str(Kind(kind).label).lower() for kind in allowed)
        raise field_error(
            field,
            _("« %(name)s » n'est pas du bon genre : attendu %(kinds)s.")
            % {"name": locked.display_name, "kinds": labels},
            "wrong_kind",
        )
    return locked


def _bump(contact: Contact, *fields: str) -> None:
    contact.updated_at = timezone.now()
    contact.version += 1
    contact.save(update_fields=[*fields, "updated_at", "version"])


def _sync(original: Contact, locked: Contact) -> None:
    """Copies the locked row's state back onto the caller's instance."""
    for field in locked._meta.concrete_fields:
        setattr(original, field.attname, getattr(locked, field.attname))


# ---------------------------------------------------------------------------------------
# Basics and accounting details: validation shared by creation and update.
# ---------------------------------------------------------------------------------------


def person_display_name(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first, middle, last) if part)


def _field_max(model: type[models.Model], field: str, default: int = 255) -> int:
    return getattr(model._meta.get_field(field), "max_length", None) or default


def _max_length(field: str) -> int:
    return _field_max(Contact, field)


def _clean_text(errors: _Errors, field: str, value: Any, max_length: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > max_length:
        errors.add(field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length")
    return text


def _taken_by(actor: Colleague, other: Contact) -> str | None:
    """The other contact's name if the actor sees it in full, else None.

    SECURITY: naming a contact seen by name only would confirm its e-mail address or client
    code, details the actor may not see."""
    return other.display_name if level(actor, other) >= Level.FULL else None


def _check_client_code(errors: _Errors, actor: Colleague, contact: Contact, code: str) -> None:
    if not code:
        return
    other = (
        Contact.objects.filter(firm_id=actor.firm_id, client_code=code)
        .exclude(pk=contact.pk)
        .first()
    )
    if other is None:
        return
    name = _taken_by(actor, other)
    if name is not None:
        message = _("L'identifiant client « %(code)s » est déjà utilisé par « %(name)s ».") % {
            "code": code,
            "name": name,
        }
    else:
        message = _(
            "L'identifiant client « %(code)s » est déjà utilisé par un autre contact du cabinet."
        ) % {"code": code}
    errors.add("client_code", message, "client_code_taken")


def _clean_values(
    actor: Colleague, contact: Contact, values: dict[str, Any], errors: _Errors
) -> dict[str, Any]:
    """Validated, normalised values for the fields given (only those); errors gathered."""
    kind = contact.kind
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        wrong_kind = (
            (field in PERSON_FIELDS and kind != Kind.PERSON)
            or (field in ORGANIZATION_FIELDS and kind != Kind.ORGANIZATION)
            or (field in NAMED_FIELDS and kind == Kind.PERSON)
        )
        if wrong_kind and (value in (None, "") or value == getattr(contact, field)):
            continue  # a form sending every field: what does not apply and stays is no change
        if field in PERSON_FIELDS and kind != Kind.PERSON:
            errors.add(field, _("Ce champ ne concerne que les personnes."), "wrong_kind")
        elif field in ORGANIZATION_FIELDS and kind != Kind.ORGANIZATION:
            errors.add(field, _("Ce champ ne concerne que les organisations."), "wrong_kind")
        elif field in NAMED_FIELDS and kind == Kind.PERSON:
            errors.add(
                field,
                _("Le nom d'une personne se compose de son prénom et de son nom de famille."),
                "wrong_kind",
            )
        else:
            cleaned[field] = value
    final = {field: getattr(contact, field) for field in ("country", "employment_status")}

    for field in TEXT_FIELDS:
        if field in cleaned:
            cleaned[field] = _clean_text(errors, field, cleaned[field], _max_length(field))
    for field in LONG_TEXT_FIELDS:
        if field in cleaned:
            text = str(cleaned[field] or "").strip()
            if len(text) > LONG_TEXT_MAX:
                errors.add(field, _("%(max)s caractères au plus.") % {"max": LONG_TEXT_MAX})
            cleaned[field] = text
    if "display_name" in cleaned:
        name = _clean_text(
            errors, "display_name", cleaned["display_name"], _max_length("display_name")
        )
        if not name:
            errors.add("display_name", _("Ce champ est obligatoire."), "required")
        cleaned["display_name"] = name
    if kind == Kind.PERSON and {"first_name", "last_name"} & set(cleaned):
        first = cleaned.get("first_name", contact.first_name)
        last = cleaned.get("last_name", contact.last_name)
        if not first and not last:
            errors.add(
                "last_name", _("Saisissez au moins le prénom ou le nom de famille."), "required"
            )
    if "birth_date" in cleaned and cleaned["birth_date"] is not None:
        born = cleaned["birth_date"]
        if not isinstance(born, date):
            errors.add("birth_date", _("Saisissez une date valide."))
        elif born > timezone.localdate():
            errors.add("birth_date", _("La date de naissance ne peut pas être dans le futur."))
        elif born.year < 1900:
            errors.add("birth_date", _("La date de naissance doit être postérieure à 1900."))
    if "share_communication" in cleaned:
        cleaned["share_communication"] = bool(cleaned["share_communication"])
    if "website" in cleaned:
        site = str(cleaned["website"] or "").strip()
        if site and "://" not in site:
            site = f"https://{site}"
        if site:
            try:
                URLValidator(schemes=["http", "https"])(site)
            except ValidationError:
                errors.add(
                    "website", _("Adresse de site web invalide : « %(value)s ».") % {"value": site}
                )
            if len(site) > _max_length("website"):
                errors.add(
                    "website", _("%(max)s caractères au plus.") % {"max": _max_length("website")}
                )
        cleaned["website"] = site
    if "contact_type" in cleaned and cleaned["contact_type"] is not None:
        contact_type = cleaned["contact_type"]
        if not isinstance(contact_type, ContactType) or contact_type.firm_id != actor.firm_id:
            raise Http404
    if "client_code" in cleaned:
        _check_client_code(errors, actor, contact, cleaned["client_code"])
    if "country" in cleaned:
        code = str(cleaned["country"] or "").strip().upper()
        if code and code not in dict(countries):
            errors.add("country", _("Pays inconnu : « %(code)s ».") % {"code": code})
        cleaned["country"] = final["country"] = code
    if "employment_status" in cleaned:
        status = cleaned["employment_status"] or ""
        if status and status not in EmploymentStatus.values:
            errors.add("employment_status", _("Situation professionnelle inconnue."))
        cleaned["employment_status"] = final["employment_status"] = status
    region = validators.region_of(final["country"])
    number_checks = (
        ("company_number", lambda v: validators.clean_company_number(v, region)),
        ("siret", validators.clean_siret),
        ("vat_number", lambda v: validators.clean_vat_number(v, region)),
        ("tax_number", lambda v: validators.clean_tax_number(v, region)),
    )
    for field, check in number_checks:
        if field in cleaned:
            try:
                cleaned[field] = check(str(cleaned[field] or ""))
            except ValidationError as error:
                errors.collect(error)
    if {"siret", "company_number"} & set(cleaned) and region == "FR":
        try:
            validators.check_siret_matches_siren(
                cleaned.get("siret", contact.siret),
                cleaned.get("company_number", contact.company_number),
            )
        except ValidationError as error:
            errors.collect(error)
    if (
        kind == Kind.PERSON
        and cleaned.get("vat_number")
        and final["employment_status"] != EmploymentStatus.SELF_EMPLOYED
    ):
        errors.add(
            "vat_number",
            _(
                "Un numéro de TVA ne s'enregistre pour une personne que si elle est "
                "travailleur indépendant : choisissez d'abord cette situation professionnelle."
            ),
            "vat_needs_self_employed",
        )
    if {"fiscal_year_end_month", "fiscal_year_end_day"} & set(cleaned):
        try:
            validators.check_fiscal_year_end(
                cleaned.get("fiscal_year_end_month", contact.fiscal_year_end_month),
                cleaned.get("fiscal_year_end_day", contact.fiscal_year_end_day),
            )
        except ValidationError as error:
            errors.collect(error)
    if cleaned.get("primary_contact") is not None:
        try:
            cleaned["primary_contact"] = _linkable(
                actor, cleaned["primary_contact"], "primary_contact", [Kind.PERSON]
            )
        except ValidationError as error:
            errors.collect(error)
    return cleaned


def _audit_value(value: Any) -> Any:
    if isinstance(value, Contact):
        return audit_ref(value)
    if isinstance(value, models.Model):
        return audit_ref(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value is not None and not isinstance(value, bool | int) else value


def _apply(contact: Contact, cleaned: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sets the cleaned values on the contact; returns what changed (before, after)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in cleaned.items():
        if field in FK_FIELDS:
            current_id = getattr(contact, FK_FIELDS[field])
            if (value.pk if value is not None else None) == current_id:
                continue
            before[field] = _audit_value(getattr(contact, field)) if current_id else None
        else:
            current = getattr(contact, field)
            if field == "country":
                current = str(current or "")
            if current == value:
                continue
            before[field] = _audit_value(current)
        after[field] = _audit_value(value)
        setattr(contact, field, value)
    if contact.kind == Kind.PERSON and {"first_name", "middle_name", "last_name"} & set(after):
        name = person_display_name(contact.first_name, contact.middle_name, contact.last_name)
        if name != contact.display_name:
            before["display_name"], after["display_name"] = contact.display_name, name
            contact.display_name = name
    return before, after


def _saved_fields(after: dict[str, Any]) -> list[str]:
    fields = [FK_FIELDS.get(field, field) for field in after]
    if "display_name" in after:
        fields.append("search_name")
    return fields


def _ensure_card(actor: Colleague, person: Contact, organization: Contact, role: str) -> None:
    if not ContactCard.objects.filter(person=person, organization=organization).exists():
        _create_card(actor, person, organization, role)


# ---------------------------------------------------------------------------------------
# Creation, per kind.
# ---------------------------------------------------------------------------------------


def _base_values(**values: Any) -> dict[str, Any]:
    return {field: value for field, value in values.items() if not isinstance(value, Unset)}


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
    display_name: str | Unset = UNSET,
    first_name: str | Unset = UNSET,
    middle_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    preferred_name: str | Unset = UNSET,
    birth_date: date | Unset | None = UNSET,
    share_communication: bool | Unset = UNSET,
    website: str | Unset = UNSET,
    primary_contact: Contact | Unset | None = UNSET,
    description: str | Unset = UNSET,
    contact_type: ContactType | Unset | None = UNSET,
    client_code: str | Unset = UNSET,
    legal_name: str | Unset = UNSET,
    country: str | Unset = UNSET,
    company_number: str | Unset = UNSET,
    siret: str | Unset = UNSET,
    vat_number: str | Unset = UNSET,
    tax_number: str | Unset = UNSET,
    fiscal_year_end_month: int | Unset | None = UNSET,
    fiscal_year_end_day: int | Unset | None = UNSET,
    employment_status: str | Unset = UNSET,
    notes: str | Unset = UNSET,
    privacy: str | Unset = UNSET,
) -> Contact:
    """Changes a contact's basics and accounting details (only the fields given); anyone
    with full access may. The kind never changes. A stale `expected_version` is refused
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
    values = _base_values(
        display_name=display_name,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        preferred_name=preferred_name,
        birth_date=birth_date,
        share_communication=share_communication,
        website=website,
        primary_contact=primary_contact,
        description=description,
        contact_type=contact_type,
        client_code=client_code,
        legal_name=legal_name,
        country=country,
        company_number=company_number,
        siret=siret,
        vat_number=vat_number,
        tax_number=tax_number,
        fiscal_year_end_month=fiscal_year_end_month,
        fiscal_year_end_day=fiscal_year_end_day,
        employment_status=employment_status,
        notes=notes,
    )
    cleaned = _clean_values(actor, locked, values, errors)
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


# ---------------------------------------------------------------------------------------
# E-mail addresses, phones, postal addresses, social handles.
# ---------------------------------------------------------------------------------------


def _clean_email(
    actor: Colleague,
    contact: Contact | None,
    address: str,
    *,
    field: str = "address",
    exclude: EmailAddress | None = None,
) -> str:
    clean = (address or "").strip().lower()
    if not clean:
        raise field_error(field, _("Saisissez une adresse e-mail."), "required")
    try:
        validate_email(clean)
    except ValidationError:
        raise field_error(
            field, _("Adresse e-mail invalide : « %(value)s ».") % {"value": clean}, "invalid_email"
        ) from None
    if len(clean) > _field_max(EmailAddress, "address", 254):
        raise field_error(field, _("Adresse e-mail trop longue."), "max_length")
    used = EmailAddress.objects.filter(firm_id=actor.firm_id, address=clean).select_related(
        "contact"
    )
    if exclude is not None:
        used = used.exclude(pk=exclude.pk)
    other = used.first()
    if other is None:
        return clean
    if contact is not None and other.contact_id == contact.pk:
        message = _("L'adresse %(address)s est déjà enregistrée pour ce contact.") % {
            "address": clean
        }
    else:
        name = _taken_by(actor, other.contact)
        if name is not None:
            message = _("L'adresse %(address)s est déjà utilisée par « %(name)s ».") % {
                "address": clean,
                "name": name,
            }
        else:
            message = _(
                "L'adresse %(address)s est déjà utilisée par un autre contact du cabinet."
            ) % {"address": clean}
    raise field_error(field, message, "email_taken")


def _clean_label(label: str, field: str = "label") -> str:
    text = " ".join((label or "").split())
    if len(text) > 50:
        raise field_error(field, _("%(max)s caractères au plus.") % {"max": 50}, "max_length")
    return text


def _next_position(model: type[models.Model], contact: Contact) -> int:
    top = model._default_manager.filter(contact_id=contact.pk).aggregate(top=Max("position"))["top"]
    return 0 if top is None else int(top) + 1


def _detail_event(actor: Colleague, contact: Contact, action: str, **data: Any) -> None:
    record_event(actor=actor, action=action, client=contact, **data)


def _race_lost(field: str, message: str) -> ValidationError:
    return field_error(field, message, "concurrent_write")


def _email_race(address: str, field: str) -> ValidationError:
    return _race_lost(
        field,
        _("L'adresse %(address)s vient d'être enregistrée pour un autre contact.")
        % {"address": address},
    )


def _client_code_race(contact: Contact) -> ValidationError:
    return _race_lost(
        "client_code",
        _("L'identifiant client « %(code)s » vient d'être attribué à un autre contact.")
        % {"code": contact.client_code},
    )


def _create_email(
    actor: Colleague, contact: Contact, address: str, label: str, field: str = "address"
) -> EmailAddress:
    # The check above runs before the write; a concurrent writer may still win the race:
    # the database constraint refuses the second address (savepoint, clear message).
    try:
        with transaction.atomic():
            email = EmailAddress.objects.create(
                firm_id=actor.firm_id,
                contact=contact,
                address=address,
                label=label,
                position=_next_position(EmailAddress, contact),
            )
    except IntegrityError:
        raise _email_race(address, field) from None
    _detail_event(
        actor,
        contact,
        "contact.email_added",
        after={"email": {"id": email.pk, "address": address, "label": label}},
    )
    return email


def _create_phone(actor: Colleague, contact: Contact, number: str, label: str) -> PhoneNumber:
    phone = PhoneNumber.objects.create(
        firm_id=actor.firm_id,
        contact=contact,
        number=number,
        label=label,
        position=_next_position(PhoneNumber, contact),
    )
    _detail_event(
        actor,
        contact,
        "contact.phone_added",
        after={"phone": {"id": phone.pk, "number": number, "label": label}},
    )
    return phone


def _detail_row(actor: Colleague, row: Any) -> Contact:
    """The locked contact of a detail row the actor wants to change."""
    if row.firm_id != actor.firm_id:
        raise Http404
    return lock_client(actor, row.contact)


@transaction.atomic
def add_email(*, actor: Colleague, contact: Contact, address: str, label: str = "") -> EmailAddress:
    locked = lock_client(actor, contact)
    errors = _Errors()
    clean = ""
    try:
        clean = _clean_email(actor, locked, address)
    except ValidationError as error:
        errors.collect(error)
    try:
        clean_label = _clean_label(label)
    except ValidationError as error:
        errors.collect(error)
    errors.raise_if_any()
    email = _create_email(actor, locked, clean, clean_label)
    _bump(locked)
    _sync(contact, locked)
    return email


@transaction.atomic
def update_email(
    *,
    actor: Colleague,
    email: EmailAddress,
    address: str | Unset = UNSET,
    label: str | Unset = UNSET,
) -> EmailAddress:
    contact = _detail_row(actor, email)
    row = EmailAddress.objects.select_for_update().get(pk=email.pk)
    before = {"address": row.address, "label": row.label}
    if not isinstance(address, Unset):
        row.address = _clean_email(actor, contact, address, exclude=row)
    if not isinstance(label, Unset):
        row.label = _clean_label(label)
    after = {"address": row.address, "label": row.label}
    if after != before:
        try:
            with transaction.atomic():
                row.save(update_fields=["address", "label"])
        except IntegrityError:
            raise _email_race(row.address, "address") from None
        _bump(contact)
        _detail_event(
            actor,
            contact,
            "contact.email_changed",
            before={"email": {"id": row.pk, **before}},
            after={"email": {"id": row.pk, **after}},
        )
    return row


@transaction.atomic
def remove_email(*, actor: Colleague, email: EmailAddress) -> None:
    contact = _detail_row(actor, email)
    _detail_event(
        actor,
        contact,
        "contact.email_removed",
        before={"email": {"id": email.pk, "address": email.address, "label": email.label}},
    )
    EmailAddress.objects.filter(pk=email.pk).delete()
    _bump(contact)


@transaction.atomic
def add_phone(*, actor: Colleague, contact: Contact, number: str, label: str = "") -> PhoneNumber:
    locked = lock_client(actor, contact)
    errors = _Errors()
    clean = ""
    try:
        clean = validators.clean_phone(number, locked.country)
    except ValidationError as error:
        errors.collect(error)
    try:
        clean_label = _clean_label(label)
    except ValidationError as error:
        errors.collect(error)
    errors.raise_if_any()
    phone = _create_phone(actor, locked, clean, clean_label)
    _bump(locked)
    _sync(contact, locked)
    return phone


@transaction.atomic
def update_phone(
    *,
    actor: Colleague,
    phone: PhoneNumber,
    number: str | Unset = UNSET,
    label: str | Unset = UNSET,
) -> PhoneNumber:
    contact = _detail_row(actor, phone)
    row = PhoneNumber.objects.select_for_update().get(pk=phone.pk)
    before = {"number": row.number, "label": row.label}
    if not isinstance(number, Unset):
        row.number = validators.clean_phone(number, contact.country)
    if not isinstance(label, Unset):
        row.label = _clean_label(label)
    after = {"number": row.number, "label": row.label}
    if after != before:
        row.save(update_fields=["number", "label"])
        _bump(contact)
        _detail_event(
            actor,
            contact,
            "contact.phone_changed",
            before={"phone": {"id": row.pk, **before}},
            after={"phone": {"id": row.pk, **after}},
        )
    return row


@transaction.atomic
def remove_phone(*, actor: Colleague, phone: PhoneNumber) -> None:
    contact = _detail_row(actor, phone)
    _detail_event(
        actor,
        contact,
        "contact.phone_removed",
        before={"phone": {"id": phone.pk, "number": phone.number, "label": phone.label}},
    )
    PhoneNumber.objects.filter(pk=phone.pk).delete()
    _bump(contact)


ADDRESS_FIELDS = ("street", "street2", "postal_code", "city", "region", "country", "label")


def _clean_address(values: dict[str, Any], current: PostalAddress | None) -> dict[str, Any]:
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "label":
            try:
                cleaned[field] = _clean_label(value)
            except ValidationError as error:
                errors.collect(error)
        elif field == "country":
            code = str(value or "").strip().upper()
            if not code:
                errors.add("country", _("Choisissez le pays."), "required")
            elif code not in dict(countries):
                errors.add("country", _("Pays inconnu : « %(code)s ».") % {"code": code})
            cleaned[field] = code
        else:
            max_length = _field_max(PostalAddress, field)
            cleaned[field] = _clean_text(errors, field, value, max_length)
    street = cleaned.get("street", current.street if current else "")
    if not street:
        errors.add("street", _("Saisissez l'adresse."), "required")
    if current is None and "country" not in cleaned:
        errors.add("country", _("Choisissez le pays."), "required")
    errors.raise_if_any()
    return cleaned


def _address_text(address: PostalAddress) -> str:
    return ", ".join(part for part in (address.street, address.postal_code, address.city) if part)


@transaction.atomic
def add_address(
    *,
    actor: Colleague,
    contact: Contact,
    street: str,
    country: str,
    street2: str = "",
    postal_code: str = "",
    city: str = "",
    region: str = "",
    label: str = "",
) -> PostalAddress:
    locked = lock_client(actor, contact)
    cleaned = _clean_address(
        {
            "street": street,
            "street2": street2,
            "postal_code": postal_code,
            "city": city,
            "region": region,
            "country": country,
            "label": label,
        },
        None,
    )
    address = PostalAddress.objects.create(
        firm_id=actor.firm_id,
        contact=locked,
        position=_next_position(PostalAddress, locked),
        **cleaned,
    )
    _bump(locked)
    _detail_event(
        actor,
        locked,
        "contact.address_added",
        after={"address": {"id": address.pk, **cleaned}},
    )
    _sync(contact, locked)
    return address


@transaction.atomic
def update_address(*, actor: Colleague, address: PostalAddress, **changes: str) -> PostalAddress:
    """Changes the given fields (street, street2, postal_code, city, region, country, label)."""
    contact = _detail_row(actor, address)
    unknown = set(changes) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown address fields: {sorted(unknown)}")
    row = PostalAddress.objects.select_for_update().get(pk=address.pk)
    cleaned = _clean_address(changes, row)
    before = {field: str(getattr(row, field)) for field in cleaned}
    changed = {field: value for field, value in cleaned.items() if before[field] != value}
    if changed:
        for field, value in changed.items():
            setattr(row, field, value)
        row.save(update_fields=list(changed))
        _bump(contact)
        _detail_event(
            actor,
            contact,
            "contact.address_changed",
            before={"address": {"id": row.pk, **{f: before[f] for f in changed}}},
            after={"address": {"id": row.pk, **changed}},
        )
    return row


@transaction.atomic
def remove_address(*, actor: Colleague, address: PostalAddress) -> None:
    contact = _detail_row(actor, address)
    _detail_event(
        actor,
        contact,
        "contact.address_removed",
        before={"address": {"id": address.pk, "text": _address_text(address)}},
    )
    PostalAddress.objects.filter(pk=address.pk).delete()
    _bump(contact)


def _clean_handle(network: str | Unset, handle: str | Unset) -> dict[str, str]:
    errors = _Errors()
    cleaned: dict[str, str] = {}
    if not isinstance(network, Unset):
        if network not in SocialHandle.Network.values:
            errors.add("network", _("Réseau inconnu : « %(value)s ».") % {"value": network})
        cleaned["network"] = network
    if not isinstance(handle, Unset):
        text = (handle or "").strip()
        if not text:
            errors.add("handle", _("Saisissez l'identifiant ou l'adresse du profil."), "required")
        elif len(text) > 255:
            errors.add("handle", _("%(max)s caractères au plus.") % {"max": 255}, "max_length")
        cleaned["handle"] = text
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def add_social_handle(
    *, actor: Colleague, contact: Contact, network: str, handle: str, label: str = ""
) -> SocialHandle:
    locked = lock_client(actor, contact)
    cleaned = _clean_handle(network, handle)
    row = SocialHandle.objects.create(
        firm_id=actor.firm_id,
        contact=locked,
        label=_clean_label(label),
        position=_next_position(SocialHandle, locked),
        **cleaned,
    )
    _bump(locked)
    _detail_event(
        actor,
        locked,
        "contact.social_handle_added",
        after={"social_handle": {"id": row.pk, **cleaned}},
    )
    _sync(contact, locked)
    return row


@transaction.atomic
def update_social_handle(
    *,
    actor: Colleague,
    social_handle: SocialHandle,
    network: str | Unset = UNSET,
    handle: str | Unset = UNSET,
    label: str | Unset = UNSET,
) -> SocialHandle:
    contact = _detail_row(actor, social_handle)
    row = SocialHandle.objects.select_for_update().get(pk=social_handle.pk)
    cleaned: dict[str, str] = dict(_clean_handle(network, handle))
    if not isinstance(label, Unset):
        cleaned["label"] = _clean_label(label)
    before = {field: getattr(row, field) for field in cleaned}
    changed = {field: value for field, value in cleaned.items() if before[field] != value}
    if changed:
        for field, value in changed.items():
            setattr(row, field, value)
        row.save(update_fields=list(changed))
        _bump(contact)
        _detail_event(
            actor,
            contact,
            "contact.social_handle_changed",
            before={"social_handle": {"id": row.pk, **{f: before[f] for f in changed}}},
            after={"social_handle": {"id": row.pk, **changed}},
        )
    return row


@transaction.atomic
def remove_social_handle(*, actor: Colleague, social_handle: SocialHandle) -> None:
    contact = _detail_row(actor, social_handle)
    _detail_event(
        actor,
        contact,
        "contact.social_handle_removed",
        before={"social_handle": {"id": social_handle.pk, "handle": social_handle.handle}},
    )
    SocialHandle.objects.filter(pk=social_handle.pk).delete()
    _bump(contact)


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


# ---------------------------------------------------------------------------------------
# Avatar.
# ---------------------------------------------------------------------------------------


def _checked_image(image: File[Any]) -> tuple[bytes, str]:
    size = image.size or 0
    if size > AVATAR_MAX_BYTES:
        raise field_error(
            "avatar",
            _("Image trop lourde : %(max)s Mo au plus.")
            % {"max": AVATAR_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    image.seek(0)
    data = image.read(AVATAR_MAX_BYTES + 1)
    if len(data) > AVATAR_MAX_BYTES:
        raise field_error(
            "avatar",
            _("Image trop lourde : %(max)s Mo au plus.")
            % {"max": AVATAR_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    not_an_image = field_error(
        "avatar",
        _("Ce fichier n'est pas une image JPEG, PNG, GIF ou WebP lisible."),
        "not_an_image",
    )
    too_many_pixels = field_error(
        "avatar",
        _("Image trop grande : %(max)s pixels de côté au plus.") % {"max": AVATAR_MAX_PIXELS},
        "too_many_pixels",
    )
    # Pixels are never decoded: open() reads the header, verify() checks the structure. An
    # image whose header declares more pixels than Pillow's bomb limit is refused by its size.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                fmt = opened.format or ""
                width, height = opened.size
                if width > AVATAR_MAX_PIXELS or height > AVATAR_MAX_PIXELS:
                    raise too_many_pixels
                opened.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error):
        raise not_an_image from None
    if fmt not in AVATAR_FORMATS:
        raise not_an_image
    return data, AVATAR_FORMATS[fmt]


@transaction.atomic
def set_avatar(*, actor: Colleague, contact: Contact, image: File[Any] | None) -> Contact:
    """Replaces the contact's avatar (None removes it). The image is checked by its content
    (Pillow), never by its name, and the old file is deleted once the change is committed."""
    locked = lock_client(actor, contact)
    old = locked.avatar.name if locked.avatar else ""
    if image is None:
        if not old:
            return locked
        locked.avatar = ""  # FileField stores "" for no file (the column is NOT NULL)
    else:
        data, extension = _checked_image(image)
        locked.avatar.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    _bump(locked, "avatar")
    record_event(
        actor=actor,
        action="contact.avatar_changed",
        client=locked,
        before={"avatar": bool(old)},
        after={"avatar": image is not None},
    )
    if old:
        storage = locked.avatar.storage
        transaction.on_commit(lambda: storage.delete(old))
    _sync(contact, locked)
    return locked
