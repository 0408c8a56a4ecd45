"""Checks and normal forms of contact data: phone numbers, company, VAT and tax numbers.

Each `clean_*` function takes what a user typed and returns the form we store, or raises
a ValidationError keyed by the field, whose French message says which number and why.
Numbers are validated for the contact's country (France when none is set: the firm's
default region): FR SIREN / SIRET / TVA / numéro fiscal, BE BCE / TVA, GB company number /
UTR / VAT. A VAT number written with its country prefix ("BE0403019261") is checked for
that country whatever the contact's country is. Other countries are stored as typed.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nif as fr_nif
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva
from stdnum.gb import utr as gb_utr
from stdnum.gb import vat as gb_vat

DEFAULT_REGION = "FR"
PHONE_MAX = 20
FREE_NUMBER_MAX = 32

# UK company numbers: 8 digits, or 2 letters (SC, NI, OC, ...) and 6 digits.
_GB_COMPANY = re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6})$")
_SEPARATORS = re.compile(r"[\s.\-/]")


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def region_of(country: Any) -> str:
    """The ISO code used to read numbers: the contact's country, else the default region."""
    code = str(getattr(country, "code", country) or "").upper()
    return code or DEFAULT_REGION


def _why(error: StdnumError) -> str:
    if isinstance(error, InvalidLength):
        return _("le nombre de chiffres est incorrect")
    if isinstance(error, InvalidChecksum):
        return _("la clé de contrôle ne correspond pas")
    if isinstance(error, InvalidFormat):
        return _("il contient des caractères non autorisés")
    if isinstance(error, InvalidComponent):
        return _("une partie du numéro n'existe pas")
    return _("il n'a pas le format attendu")


def _stdnum(field: str, label: str, module: Any, value: str) -> str:
    try:
        return str(module.validate(value))
    except StdnumError as error:
        raise invalid(
            field,
            _("%(label)s invalide : %(why)s.") % {"label": label, "why": _why(error)},
            "invalid_number",
        ) from None


def _free(field: str, value: str, max_length: int) -> str:
    cleaned = " ".join(value.split())
    if len(cleaned) > max_length:
        raise invalid(field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length")
    return cleaned


# ---------------------------------------------------------------------------------------
# Phones.
# ---------------------------------------------------------------------------------------


def clean_phone(value: str, country: Any = None, field: str = "number") -> str:
    """The number in E.164 form ("+33612345678"). Without an international prefix it is
    read as a number of `country` (France by default)."""
    raw = (value or "").strip()
    if not raw:
        raise invalid(field, _("Saisissez un numéro de téléphone."), "required")
    region = region_of(country)
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise invalid(
            field,
            _("Numéro de téléphone invalide : « %(value)s » n'est pas un numéro.") % {"value": raw},
            "invalid_phone",
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid(
            field,
            _(
                "Numéro de téléphone invalide : « %(value)s » n'existe pas dans le plan de "
                "numérotation (%(region)s). Ajoutez l'indicatif du pays s'il est étranger."
            )
            % {"value": raw, "region": phonenumbers.region_code_for_number(parsed) or region},
            "invalid_phone",
        )
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if len(formatted) > PHONE_MAX:  # pragma: no cover - E.164 has at most 15 digits
        raise invalid(field, _("Numéro de téléphone trop long."), "max_length")
    return formatted


def display_phone(e164: str, country: Any = None) -> str:
    """National form for a number of the viewer's region ("06 12 34 56 78"), international
    form otherwise ("+32 470 12 34 56")."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = region_of(country)
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# ---------------------------------------------------------------------------------------
# Company, VAT and tax numbers.
# ---------------------------------------------------------------------------------------


def clean_company_number(value: str, country: Any = None, field: str = "company_number") -> str:
    """SIREN (FR), BCE enterprise number (BE), company number (GB)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    region = region_of(country)
    if region == "FR":
        return _stdnum(field, _("Numéro SIREN"), fr_siren, raw)
    if region == "BE":
        number = _stdnum(field, _("Numéro d'entreprise (BCE)"), be_vat, raw)
        return f"{number[:4]}.{number[4:7]}.{number[7:]}"
    if region == "GB":
        compact = _SEPARATORS.sub("", raw).upper()
        if compact.isdigit() and len(compact) < 8:
            compact = compact.zfill(8)
        if not _GB_COMPANY.match(compact):
            raise invalid(
                field,
                _(
                    "Company number invalide : 8 chiffres, ou 2 lettres suivies de "
                    "6 chiffres, sont attendus."
                ),
                "invalid_number",
            )
        return compact
    return _free(field, raw, FREE_NUMBER_MAX)


def clean_siret(value: str, field: str = "siret") -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    return _stdnum(field, _("Numéro SIRET"), fr_siret, raw)


def clean_vat_number(value: str, country: Any = None, field: str = "vat_number") -> str:
    """An intra-community (or UK) VAT number, stored compact with its country prefix."""
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = _SEPARATORS.sub("", raw).upper()
    prefix = compact[:2] if compact[:2].isalpha() else ""
    region = prefix or region_of(country)
    if region == "FR":
        number = _stdnum(field, _("Numéro de TVA"), fr_tva, compact)
        return number if number.startswith("FR") else f"FR{number}"
    if region == "BE":
        number = _stdnum(field, _("Numéro de TVA"), be_vat, compact)
        return f"BE{number}"
    if region in ("GB", "XI"):
        number = _stdnum(field, _("Numéro de TVA"), gb_vat, compact)
        return number if number[:2].isalpha() else f"GB{number}"
    if prefix and prefix.lower() in eu_vat.MEMBER_STATES | {"el"}:
        return _stdnum(field, _("Numéro de TVA"), eu_vat, compact)
    return _free(field, raw, 20)


def clean_tax_number(value: str, country: Any = None, field: str = "tax_number") -> str:
    """FR numéro fiscal de référence (13 digits), GB UTR (10 digits)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    region = region_of(country)
    if region == "FR":
        return _stdnum(field, _("Numéro fiscal"), fr_nif, raw)
    if region == "GB":
        return _stdnum(field, _("Numéro UTR"), gb_utr, raw)
    return _free(field, raw, 20)


def check_siret_matches_siren(siret: str, siren: str) -> None:
    """A SIRET starts with its company's SIREN: both typed, they must agree."""
    if siret and siren and siret[:9] != siren:
        raise invalid(
            "siret",
            _(
                "Numéro SIRET incohérent : ses 9 premiers chiffres (%(start)s) devraient être "
                "le SIREN %(siren)s."
            )
            % {"start": siret[:9], "siren": siren},
            "siret_siren_mismatch",
        )


def check_fiscal_year_end(month: int | None, day: int | None) -> None:
    """Both or neither; a day that exists in that month (29 February allowed)."""
    if month is None and day is None:
        return
    if month is None or day is None:
        field = "fiscal_year_end_month" if month is None else "fiscal_year_end_day"
        raise invalid(
            field,
            _("Indiquez le jour et le mois de clôture de l'exercice, ou aucun des deux."),
            "incomplete",
        )
    if not 1 <= month <= 12:
        raise invalid(
            "fiscal_year_end_month", _("Le mois doit être compris entre 1 et 12."), "invalid"
        )
    days = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if not 1 <= day <= days:
        raise invalid(
            "fiscal_year_end_day",
            _("Ce mois compte %(days)s jours : le jour doit être compris entre 1 et %(days)s.")
            % {"days": days},
            "invalid",
        )
