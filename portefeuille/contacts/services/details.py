"""A contact's details: e-mail addresses, phones, postal addresses, social handles."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _
from django_countries import countries

from portefeuille.access.guards import lock_client
from portefeuille.audit.services import record_event
from portefeuille.firms.guards import (
    UNSET,
    Unset,
    field_error,
)
from portefeuille.firms.models import Colleague

from .. import validators
from ..models import (
    Contact,
    EmailAddress,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)
from .cleaning import _bump, _clean_text, _Errors, _field_max, _race_lost, _sync, _taken_by

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


def _email_race(address: str, field: str) -> ValidationError:
    return _race_lost(
        field,
        _("L'adresse %(address)s vient d'être enregistrée pour un autre contact.")
        % {"address": address},
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
