"""Forms of the contacts pages. They parse and present; contacts.services validates for good
(numbers per country, uniqueness, who may link what) and its refusals come back on the
form by field (firms.forms.apply_errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portefeuille.access.forms import OwnerChoiceField, owner_entries
from portefeuille.access.models import OwnerEntry
from portefeuille.firms.models import ContactType, Firm, Privacy

from .fields import ContactField, Section, ValueType, in_section
from .models import Contact

MONTHS = [
    (1, _("janvier")),
    (2, _("février")),
    (3, _("mars")),
    (4, _("avril")),
    (5, _("mai")),
    (6, _("juin")),
    (7, _("juillet")),
    (8, _("août")),
    (9, _("septembre")),
    (10, _("octobre")),
    (11, _("novembre")),
    (12, _("décembre")),
]


class ContactIdField(forms.IntegerField):
    """The id of a contact chosen in a picker; the view resolves it through access.rules."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


def _contact_types(firm_id: int) -> Any:
    return ContactType.objects.filter(firm_id=firm_id).order_by("position", "name")


class CreateForm(forms.Form):
    """What every kind asks on creation: type, privacy, owner (when the firm uses owners)."""

    contact_type = forms.ModelChoiceField(
        label=_("Type de contact"),
        queryset=ContactType.objects.none(),
        required=False,
        empty_label=_("Aucun type"),
    )
    privacy = forms.ChoiceField(label=_("Confidentialité"), choices=Privacy.choices)

    def __init__(self, *args: Any, firm: Firm, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("privacy", firm.default_privacy)
        super().__init__(*args, **kwargs)
        self.fields["contact_type"].queryset = _contact_types(firm.pk)  # type: ignore[attr-defined]
        if firm.ownership_enabled:
            field = OwnerChoiceField(
                label=_("Responsable client"),
                queryset=OwnerEntry.objects.filter(firm_id=firm.pk).exclude(
                    colleague__is_active=False
                ),
                required=firm.owner_required,
                empty_label=_("Aucun responsable"),
            )
            field.choices = [("", _("Aucun responsable"))] + [
                (entry.pk, str(entry)) for entry in owner_entries(firm.pk)
            ]
            self.fields["owner"] = field


class PersonCreateForm(CreateForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    middle_name = forms.CharField(label=_("Deuxième prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom de famille"), max_length=150, required=False)
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=40, required=False)
    share_communication = forms.BooleanField(
        label=_("Partager la communication"),
        required=False,
        initial=True,
        help_text=_(
            "Décoché : les e-mails ajoutés sur cette personne ne sont visibles que par qui les "
            "a ajoutés et par les administrateurs."
        ),
    )
    organization = ContactIdField(label=_("Organisation existante"))
    new_organization_name = forms.CharField(
        label=_("Nouvelle organisation"), max_length=255, required=False
    )
    role = forms.CharField(label=_("Rôle dans l'organisation"), max_length=100, required=False)

    field_order = [
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "phone",
        "contact_type",
        "privacy",
        "owner",
        "share_communication",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("first_name", "").strip() and not data.get("last_name", "").strip():
            self.add_error("last_name", _("Saisissez au moins le prénom ou le nom de famille."))
        return data


class OrganizationCreateForm(CreateForm):
    display_name = forms.CharField(label=_("Nom de l'organisation"), max_length=255)
    website = forms.CharField(label=_("Site web"), max_length=255, required=False)
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=40, required=False)
    primary_contact = ContactIdField(label=_("Contact principal existant"))
    new_primary_first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    new_primary_last_name = forms.CharField(
        label=_("Nom de famille"), max_length=150, required=False
    )
    primary_contact_role = forms.CharField(
        label=_("Rôle du contact principal"), max_length=100, required=False
    )

    field_order = ["display_name", "website", "email", "phone", "contact_type", "privacy", "owner"]


class ClientGroupCreateForm(CreateForm):
    display_name = forms.CharField(label=_("Nom du groupe"), max_length=255)

    field_order = ["display_name", "contact_type", "privacy", "owner"]


CREATE_FORMS: dict[str, type[CreateForm]] = {
    Contact.Kind.PERSON: PersonCreateForm,
    Contact.Kind.ORGANIZATION: OrganizationCreateForm,
    Contact.Kind.CLIENT_GROUP: ClientGroupCreateForm,
}


# ---------------------------------------------------------------------------------------
# Editing a contact's sections.
# ---------------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    """Carries the contact's version, so a stale edit is refused rather than lost."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _form_field(entry: ContactField) -> forms.Field:
    """The form field of a table entry (contacts/fields.py): its label, help text, widget."""
    common: dict[str, Any] = {
        "label": entry.form_label,
        "required": entry.required,
        "help_text": entry.form_help_text,
    }
    match entry.type:
        case ValueType.TEXT:
            return forms.CharField(max_length=entry.form_max_length or entry.max_length, **common)
        case ValueType.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea, **common)
        case ValueType.DATE:
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
            )
        case ValueType.BOOL:
            return forms.BooleanField(**common)
        case ValueType.CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *entry.choices], **common)
        case ValueType.COUNTRY:
            return forms.ChoiceField(choices=lambda: [("", "—"), *countries], **common)
        case ValueType.MONTH:
            return forms.TypedChoiceField(
                choices=[("", "—"), *MONTHS], coerce=int, empty_value=None, **common
            )
        case ValueType.DAY:
            return forms.IntegerField(min_value=1, max_value=31, **common)
        case ValueType.FK if entry.model_field.related_model is ContactType:
            return forms.ModelChoiceField(
                queryset=ContactType.objects.none(), empty_label=_("Aucun type"), **common
            )
    raise ValueError(f"No form field for {entry.name} ({entry.type}).")


class SectionForm(VersionedForm):
    """A section of the contact page (basics, accounting): its fields come from the table
    (contacts/fields.py), in its order, those that apply to the contact's kind."""

    section: ClassVar[Section]

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for entry in in_section(self.section):
            if entry.name not in self.fields:
                continue
            if not entry.applies_to(contact.kind):
                del self.fields[entry.name]
            elif entry.type == ValueType.FK:
                self.fields[entry.name].queryset = _contact_types(contact.firm_id)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for entry in in_section(cls.section):
            if entry.name not in cls.base_fields:
                continue
            if entry.type == ValueType.FK:
                initial[entry.name] = getattr(contact, entry.attname)
            elif entry.type == ValueType.COUNTRY:
                initial[entry.name] = str(getattr(contact, entry.name) or "")
            else:
                initial[entry.name] = getattr(contact, entry.name)
        return initial


def _section_form(section: Section) -> Callable[[type[SectionForm]], type[SectionForm]]:
    """Adds the section's fields of the table to the form class, after `version`."""

    def build(form_class: type[SectionForm]) -> type[SectionForm]:
        fields = {entry.name: _form_field(entry) for entry in in_section(section) if entry.form}
        form_class.section = section
        form_class.base_fields = {**form_class.base_fields, **fields}
        form_class.declared_fields = {**form_class.declared_fields, **fields}
        return form_class

    return build


@_section_form("basics")
class BasicsForm(SectionForm):
    pass


@_section_form("accounting")
class AccountingForm(SectionForm):
    pass
