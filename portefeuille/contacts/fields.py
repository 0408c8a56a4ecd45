"""The table of a contact's own editable fields: one entry per field, from which the
service's validation (contacts/services/cleaning.py), the API's details output and PATCH
body (contacts/schemas.py), the section forms (contacts/forms.py) and the read-only
sections of the contact page (contacts/views_details.py) are all derived.

Adding a field: the model field (and its migration), then one `ContactField` here; its
label and help text come from the model field unless the entry says otherwise. See
docs/architecture.md ("The contact fields").

Each entry's cleaner receives the value sent and a `Cleaning` (who, which contact, the
values cleaned so far) and returns the normalised value; it reports a refusal with
`cleaning.error(...)` (the value stays) or by raising a field-keyed ValidationError (the
value sent stays). Cleaners run in table order, so a field may read one cleaned before it
(the numbers read the country). Checks across fields come after, in `CROSS_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from portefeuille.access.rules import Level, level
from portefeuille.firms.models import Colleague, ContactType

from . import validators
from .models import Contact, EmploymentStatus

Kind = Contact.Kind
Section = Literal["basics", "accounting"]
LONG_TEXT_MAX = 20_000


class ValueType(StrEnum):
    """What a field holds; it decides the API type, the form field and the display."""

    TEXT = "text"  # one line, whitespace collapsed, the model's max length
    LONG_TEXT = "long_text"  # several lines, LONG_TEXT_MAX
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"  # one of the model field's choices, or ""
    COUNTRY = "country"  # ISO 3166-1 alpha-2 code, or ""
    FK = "fk"  # another row (a contact, a contact type), by id in the API
    MONTH = "month"  # 1-12, or None
    DAY = "day"  # 1-31, or None


class Errors:
    """Field errors gathered before anything is written, raised together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str = "invalid") -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def collect(self, error: ValidationError) -> None:
        for field_name, items in error.error_dict.items():
            self.by_field.setdefault(field_name, []).extend(items)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# Links another contact (locks it, checks the actor sees it in full and its kind); the
# service provides it (contacts/services/cleaning.py::_linkable).
Linker = Callable[[Colleague, Contact, str, Iterable[str]], Contact]


@dataclass
class Cleaning:
    """What a cleaner may know: who changes which contact, and the values cleaned so far."""

    actor: Colleague
    contact: Contact
    errors: Errors
    link: Linker
    cleaned: dict[str, Any] = field(default_factory=dict)
    current: str = ""  # the field being cleaned

    def value(self, name: str) -> Any:
        """The field's value once this change is made: cleaned if sent, else stored."""
        return self.cleaned[name] if name in self.cleaned else getattr(self.contact, name)

    def error(self, message: str, code: str = "invalid", name: str = "") -> None:
        self.errors.add(name or self.current, message, code)


Cleaner = Callable[[Any, Cleaning], Any]


@dataclass(frozen=True)
class ContactField:
    """One editable field of a contact (see the module docstring)."""

    name: str
    section: Section
    type: ValueType
    kinds: frozenset[str] = frozenset(Kind.values)
    clean: Cleaner | None = None  # None: the type's default (DEFAULT_CLEANERS)
    label: Promise | None = None  # None: the model field's verbose name, capitalised
    help_text: Promise | None = None  # None: the model field's help text
    required: bool = False  # on the section's form
    form: bool = True  # on the section's form (False: edited on its own, e.g. a picker)
    form_max_length: int | None = None  # None: the model's
    details: bool = True  # in the API's details output (False: the client shape has it)
    # The read-only section: "" (the type decides), "link", or None (not shown); `shown`
    # decides per contact, `fact_label` replaces the label.
    display: str | None = ""
    shown: Callable[[Contact], bool] | None = None
    fact_label: Promise | None = None
    api_doc: str = ""  # the PATCH body's description of it (the API speaks English)
    out_doc: str = ""  # the details output's description of it
    wrong_kind: Promise | None = None  # None: "only for persons / organizations"

    @property
    def model_field(self) -> Any:
        return Contact._meta.get_field(self.name)

    @property
    def attname(self) -> str:
        return str(self.model_field.attname)

    @property
    def api_name(self) -> str:
        """Its name in API bodies: another row is named by its id."""
        return f"{self.name}_id" if self.type == ValueType.FK else self.name

    @property
    def max_length(self) -> int:
        if self.type == ValueType.LONG_TEXT:
            return LONG_TEXT_MAX
        return int(getattr(self.model_field, "max_length", None) or 255)

    @property
    def form_label(self) -> Any:
        return self.label or capfirst(self.model_field.verbose_name)

    @property
    def form_help_text(self) -> Any:
        return self.help_text if self.help_text is not None else self.model_field.help_text

    @property
    def choices(self) -> list[tuple[str, Any]]:
        return list(self.model_field.choices or [])

    def applies_to(self, kind: str) -> bool:
        return kind in self.kinds

    def wrong_kind_message(self) -> str:
        if self.wrong_kind is not None:
            return str(self.wrong_kind)
        if self.kinds == {Kind.PERSON}:
            return _("Ce champ ne concerne que les personnes.")
        return _("Ce champ ne concerne que les organisations.")

    def cleaner(self) -> Cleaner:
        return self.clean or DEFAULT_CLEANERS[self.type]


# ---------------------------------------------------------------------------------------
# Cleaners.
# ---------------------------------------------------------------------------------------


def _max_error(cleaning: Cleaning, max_length: int, code: str = "max_length") -> None:
    cleaning.error(_("%(max)s caractères au plus.") % {"max": max_length}, code)


def clean_line(value: Any, max_length: int) -> tuple[str, bool]:
    """One line of text, whitespace collapsed; and whether it is too long."""
    text = " ".join(str(value or "").split())
    return text, len(text) > max_length


def _text(value: Any, cleaning: Cleaning) -> str:
    text, too_long = clean_line(value, FIELDS[cleaning.current].max_length)
    if too_long:
        _max_error(cleaning, FIELDS[cleaning.current].max_length)
    return text


def _long_text(value: Any, cleaning: Cleaning) -> str:
    text = str(value or "").strip()
    if len(text) > LONG_TEXT_MAX:
        _max_error(cleaning, LONG_TEXT_MAX, "invalid")
    return text


def _date(value: Any, cleaning: Cleaning) -> Any:
    if value is not None and not isinstance(value, date):
        cleaning.error(_("Saisissez une date valide."))
    return value


def _bool(value: Any, cleaning: Cleaning) -> bool:
    return bool(value)


def _as_is(value: Any, cleaning: Cleaning) -> Any:
    return value


def _country(value: Any, cleaning: Cleaning) -> str:
    code = str(value or "").strip().upper()
    if code and code not in dict(countries):
        cleaning.error(_("Pays inconnu : « %(code)s ».") % {"code": code})
    return code


def _choice(unknown: Promise) -> Cleaner:
    def clean(value: Any, cleaning: Cleaning) -> str:
        choice = value or ""
        if choice and choice not in {key for key, _label in FIELDS[cleaning.current].choices}:
            cleaning.error(str(unknown))
        return str(choice)

    return clean


def _name(value: Any, cleaning: Cleaning) -> str:
    name = _text(value, cleaning)
    if not name:
        cleaning.error(_("Ce champ est obligatoire."), "required")
    return name


def _birth_date(value: Any, cleaning: Cleaning) -> Any:
    if value is None:
        return None
    if not isinstance(value, date):
        cleaning.error(_("Saisissez une date valide."))
    elif value > timezone.localdate():
        cleaning.error(_("La date de naissance ne peut pas être dans le futur."))
    elif value.year < 1900:
        cleaning.error(_("La date de naissance doit être postérieure à 1900."))
    return value


def _website(value: Any, cleaning: Cleaning) -> str:
    site = str(value or "").strip()
    if site and "://" not in site:
        site = f"https://{site}"
    if site:
        try:
            URLValidator(schemes=["http", "https"])(site)
        except ValidationError:
            cleaning.error(_("Adresse de site web invalide : « %(value)s ».") % {"value": site})
        max_length = FIELDS["website"].max_length
        if len(site) > max_length:
            _max_error(cleaning, max_length, "invalid")
    return site


def taken_by(actor: Colleague, other: Contact) -> str | None:
    """The other contact's name if the actor sees it in full, else None.

    SECURITY: naming a contact seen by name only would confirm its e-mail address or client
    code, details the actor may not see."""
    return other.display_name if level(actor, other) >= Level.FULL else None


def _client_code(value: Any, cleaning: Cleaning) -> str:
    code = _text(value, cleaning)
    if not code:
        return code
    other = (
        Contact.objects.filter(firm_id=cleaning.actor.firm_id, client_code=code)
        .exclude(pk=cleaning.contact.pk)
        .first()
    )
    if other is None:
        return code
    name = taken_by(cleaning.actor, other)
    if name is not None:
        message = _("L'identifiant client « %(code)s » est déjà utilisé par « %(name)s ».") % {
            "code": code,
            "name": name,
        }
    else:
        message = _(
            "L'identifiant client « %(code)s » est déjà utilisé par un autre contact du cabinet."
        ) % {"code": code}
    cleaning.error(message, "client_code_taken")
    return code


def _contact_type(value: Any, cleaning: Cleaning) -> Any:
    if value is not None and (
        not isinstance(value, ContactType) or value.firm_id != cleaning.actor.firm_id
    ):
        raise Http404
    return value


def _linked(*kinds: str) -> Cleaner:
    """Another contact, which the actor must see in full, of one of these kinds."""

    def clean(value: Any, cleaning: Cleaning) -> Any:
        if value is None:
            return None
        return cleaning.link(cleaning.actor, value, cleaning.current, kinds)

    return clean


def _number(check: Callable[[str, str], str]) -> Cleaner:
    """A registration number, read in the country the contact will have."""

    def clean(value: Any, cleaning: Cleaning) -> str:
        return check(str(value or ""), validators.region_of(cleaning.value("country")))

    return clean


DEFAULT_CLEANERS: dict[ValueType, Cleaner] = {
    ValueType.TEXT: _text,
    ValueType.LONG_TEXT: _long_text,
    ValueType.DATE: _date,
    ValueType.BOOL: _bool,
    ValueType.COUNTRY: _country,
    ValueType.FK: _as_is,
    ValueType.MONTH: _as_is,  # checked with the day (CROSS_CHECKS)
    ValueType.DAY: _as_is,
}


def _show_vat(contact: Contact) -> bool:
    """Self-employed reveals a person's VAT number; it stays stored otherwise."""
    return (
        contact.kind != Kind.PERSON or contact.employment_status == EmploymentStatus.SELF_EMPLOYED
    )


PERSON = frozenset({Kind.PERSON})
ORGANIZATION = frozenset({Kind.ORGANIZATION})
NAMED = frozenset({Kind.ORGANIZATION, Kind.CLIENT_GROUP})
T = ValueType

# ---------------------------------------------------------------------------------------
# The table. Its order is the order of the forms, of the read-only sections and of the
# API schemas.
# ---------------------------------------------------------------------------------------

CONTACT_FIELDS: tuple[ContactField, ...] = (
    # Basics.
    ContactField(
        "display_name",
        "basics",
        T.TEXT,
        NAMED,
        clean=_name,
        required=True,
        details=False,  # the client shape has it (ClientFull.display_name)
        display=None,  # the page's title
        api_doc="Organizations and client groups.",
        wrong_kind=gettext_lazy(
            "Le nom d'une personne se compose de son prénom et de son nom de famille."
        ),
    ),
    ContactField("first_name", "basics", T.TEXT, PERSON),
    ContactField(
        "middle_name", "basics", T.TEXT, PERSON, shown=lambda contact: bool(contact.middle_name)
    ),
    ContactField("last_name", "basics", T.TEXT, PERSON),
    ContactField("preferred_name", "basics", T.TEXT, PERSON),
    ContactField("birth_date", "basics", T.DATE, PERSON, clean=_birth_date),
    ContactField(
        "share_communication",
        "basics",
        T.BOOL,
        PERSON,
        help_text=gettext_lazy(
            "Décoché : les e-mails ajoutés sur cette personne ne sont visibles que par qui les "
            "a ajoutés et par les administrateurs."
        ),
    ),
    ContactField("website", "basics", T.TEXT, ORGANIZATION, clean=_website, display="link"),
    ContactField("description", "basics", T.LONG_TEXT),
    ContactField(
        "contact_type",
        "basics",
        T.FK,
        clean=_contact_type,
        details=False,  # the client shape has it (ClientFull.contact_type)
        api_doc="null clears the type.",
    ),
    ContactField("client_code", "basics", T.TEXT, clean=_client_code),
    ContactField(
        "primary_contact",
        "basics",
        T.FK,
        ORGANIZATION,
        clean=_linked(Kind.PERSON),
        form=False,  # its own picker on the contact page
        api_doc="A person; null clears it.",
    ),
    # Accounting details.
    ContactField("legal_name", "accounting", T.TEXT),
    ContactField(
        "country",
        "accounting",
        T.COUNTRY,
        api_doc="ISO 3166-1 alpha-2 code; numbers follow it.",
    ),
    ContactField(
        "company_number",
        "accounting",
        T.TEXT,
        clean=_number(validators.clean_company_number),
        out_doc="SIREN (FR), BCE (BE), company number (GB).",
    ),
    ContactField(
        "siret",
        "accounting",
        T.TEXT,
        clean=_number(lambda value, _region: validators.clean_siret(value)),
        form_max_length=20,  # room for the spaces of "732 829 320 00074"
    ),
    ContactField(
        "vat_number",
        "accounting",
        T.TEXT,
        clean=_number(validators.clean_vat_number),
        shown=_show_vat,
    ),
    ContactField(
        "tax_number",
        "accounting",
        T.TEXT,
        clean=_number(validators.clean_tax_number),
        out_doc="Numéro fiscal (FR), UTR (GB).",
    ),
    ContactField("fiscal_year_end_day", "accounting", T.DAY, display=None),  # with the month
    ContactField(
        "fiscal_year_end_month",
        "accounting",
        T.MONTH,
        fact_label=gettext_lazy("Clôture de l'exercice"),
    ),
    ContactField(
        "employment_status",
        "accounting",
        T.CHOICE,
        PERSON,
        clean=_choice(gettext_lazy("Situation professionnelle inconnue.")),
    ),
    ContactField("notes", "accounting", T.LONG_TEXT),
)

FIELDS: dict[str, ContactField] = {entry.name: entry for entry in CONTACT_FIELDS}


def in_section(section: Section) -> Iterator[ContactField]:
    return (entry for entry in CONTACT_FIELDS if entry.section == section)


# ---------------------------------------------------------------------------------------
# Checks across fields, after every field is cleaned.
# ---------------------------------------------------------------------------------------


def _sent(cleaning: Cleaning, *names: str) -> bool:
    return any(name in cleaning.cleaned for name in names)


def _person_is_named(cleaning: Cleaning) -> None:
    if cleaning.contact.kind != Kind.PERSON or not _sent(cleaning, "first_name", "last_name"):
        return
    if not cleaning.value("first_name") and not cleaning.value("last_name"):
        cleaning.error(
            _("Saisissez au moins le prénom ou le nom de famille."), "required", "last_name"
        )


def _siret_matches_siren(cleaning: Cleaning) -> None:
    if not _sent(cleaning, "siret", "company_number"):
        return
    if validators.region_of(cleaning.value("country")) == "FR":
        validators.check_siret_matches_siren(
            cleaning.value("siret"), cleaning.value("company_number")
        )


def _vat_needs_self_employed(cleaning: Cleaning) -> None:
    if (
        cleaning.contact.kind == Kind.PERSON
        and cleaning.cleaned.get("vat_number")
        and cleaning.value("employment_status") != EmploymentStatus.SELF_EMPLOYED
    ):
        cleaning.error(
            _(
                "Un numéro de TVA ne s'enregistre pour une personne que si elle est "
                "travailleur indépendant : choisissez d'abord cette situation professionnelle."
            ),
            "vat_needs_self_employed",
            "vat_number",
        )


def _fiscal_year_end(cleaning: Cleaning) -> None:
    if _sent(cleaning, "fiscal_year_end_month", "fiscal_year_end_day"):
        validators.check_fiscal_year_end(
            cleaning.value("fiscal_year_end_month"), cleaning.value("fiscal_year_end_day")
        )


# Each reports with cleaning.error(...) or raises a field-keyed ValidationError.
CROSS_CHECKS: tuple[Callable[[Cleaning], None], ...] = (
    _person_is_named,
    _siret_matches_siren,
    _vat_needs_self_employed,
    _fiscal_year_end,
)


def clean_values(cleaning: Cleaning, values: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised values of the fields given (only those) in `cleaning.cleaned`;
    refusals gathered in `cleaning.errors`. A name outside the table is refused; a field
    that does not apply to the contact's kind is refused unless it is sent empty or
    unchanged (a form sends every field it shows)."""
    contact = cleaning.contact
    for name in values:
        if name not in FIELDS:
            cleaning.error(_("Ce champ n'existe pas."), "unknown_field", name)
    sent: list[tuple[ContactField, Any]] = []
    for entry in CONTACT_FIELDS:
        if entry.name not in values:
            continue
        value = values[entry.name]
        if entry.applies_to(contact.kind):
            sent.append((entry, value))
        elif value not in (None, "") and value != getattr(contact, entry.name):
            cleaning.error(entry.wrong_kind_message(), "wrong_kind", entry.name)
    for entry, value in sent:
        cleaning.current = entry.name
        try:
            cleaning.cleaned[entry.name] = entry.cleaner()(value, cleaning)
        except ValidationError as error:
            cleaning.errors.collect(error)
            cleaning.cleaned[entry.name] = value
    cleaning.current = ""
    for check in CROSS_CHECKS:
        try:
            check(cleaning)
        except ValidationError as error:
            cleaning.errors.collect(error)
    return cleaning.cleaned
