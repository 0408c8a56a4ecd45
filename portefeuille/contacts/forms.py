"""Forms of the contacts pages. They parse and present; contacts.services validates for good
(numbers per country, uniqueness, who may link what) and its refusals come back on the
form by field (firms.forms.apply_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portefeuille.access.forms import OwnerChoiceField, owner_entries
from portefeuille.access.models import OwnerEntry
from portefeuille.firms.models import ContactType, Firm, Privacy

from .models import Contact, EmploymentStatus

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


class BasicsForm(VersionedForm):
    display_name = forms.CharField(label=_("Nom"), max_length=255)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    middle_name = forms.CharField(label=_("Deuxième prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom de famille"), max_length=150, required=False)
    preferred_name = forms.CharField(label=_("Nom préféré"), max_length=150, required=False)
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    share_communication = forms.BooleanField(
        label=_("Partager la communication"),
        required=False,
        help_text=_(
            "Décoché : les e-mails ajoutés sur cette personne ne sont visibles que par qui les "
            "a ajoutés et par les administrateurs."
        ),
    )
    website = forms.CharField(label=_("Site web"), max_length=255, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    contact_type = forms.ModelChoiceField(
        label=_("Type de contact"),
        queryset=ContactType.objects.none(),
        required=False,
        empty_label=_("Aucun type"),
    )
    client_code = forms.CharField(label=_("Identifiant client"), max_length=50, required=False)

    PERSON_ONLY = ("first_name", "middle_name", "last_name", "preferred_name", "birth_date")
    PERSON_ONLY_FLAGS = ("share_communication",)

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_type"].queryset = _contact_types(contact.firm_id)  # type: ignore[attr-defined]
        if contact.kind == Contact.Kind.PERSON:
            del self.fields["display_name"]
            del self.fields["website"]
        else:
            for name in self.PERSON_ONLY + self.PERSON_ONLY_FLAGS:
                del self.fields[name]
            if contact.kind == Contact.Kind.CLIENT_GROUP:
                del self.fields["website"]

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        names = [*cls.base_fields]
        initial = {name: getattr(contact, name) for name in names if name != "contact_type"}
        initial["contact_type"] = contact.contact_type_id
        return initial


class AccountingForm(VersionedForm):
    legal_name = forms.CharField(label=_("Dénomination légale"), max_length=255, required=False)
    country = forms.ChoiceField(label=_("Pays"), required=False)
    company_number = forms.CharField(
        label=_("Numéro d'entreprise"),
        max_length=32,
        required=False,
        help_text=_("SIREN (France), numéro BCE (Belgique), Company number (Royaume-Uni)."),
    )
    siret = forms.CharField(label=_("SIRET"), max_length=20, required=False)
    vat_number = forms.CharField(label=_("Numéro de TVA"), max_length=20, required=False)
    tax_number = forms.CharField(
        label=_("Numéro fiscal"),
        max_length=20,
        required=False,
        help_text=_("Numéro fiscal de référence (France), UTR (Royaume-Uni)."),
    )
    fiscal_year_end_day = forms.IntegerField(
        label=_("Jour de clôture de l'exercice"), min_value=1, max_value=31, required=False
    )
    fiscal_year_end_month = forms.TypedChoiceField(
        label=_("Mois de clôture de l'exercice"),
        choices=[("", "—"), *MONTHS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    employment_status = forms.ChoiceField(
        label=_("Situation professionnelle"),
        choices=[("", "—"), *EmploymentStatus.choices],
        required=False,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]
        if contact.kind != Contact.Kind.PERSON:
            del self.fields["employment_status"]

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        initial = {name: getattr(contact, name) for name in cls.base_fields}
        initial["country"] = str(contact.country or "")
        return initial
