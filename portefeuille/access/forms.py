"""Forms of the client pages: creating a client (the team is edited field by field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import ContactType, Firm, Privacy

from .models import OwnerEntry, Portfolio


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def owner_entries(firm_id: int) -> list[OwnerEntry]:
    """The owner roster of the firm (entries linked to an inactive colleague left out)."""
    entries = (
        OwnerEntry.objects.filter(firm_id=firm_id)
        .exclude(colleague__is_active=False)
        .select_related("colleague")
    )
    return sorted(entries, key=lambda entry: str(entry).casefold())


class ClientCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Genre"), choices=Contact.Kind.choices)
    display_name = forms.CharField(label=_("Nom"), max_length=255)
    privacy = forms.ChoiceField(label=_("Confidentialité"), choices=Privacy.choices)
    contact_type = forms.ModelChoiceField(
        label=_("Type de contact"), queryset=ContactType.objects.none(), required=False
    )

    def __init__(self, *args: Any, firm: Firm, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("privacy", firm.default_privacy)
        super().__init__(*args, **kwargs)
        self.fields["contact_type"].queryset = ContactType.objects.filter(  # type: ignore[attr-defined]
            firm_id=firm.pk
        ).order_by("name")
        if firm.ownership_enabled:
            self.fields["owner"] = OwnerChoiceField(
                label=_("Responsable client"),
                queryset=OwnerEntry.objects.filter(firm_id=firm.pk).exclude(
                    colleague__is_active=False
                ),
                required=firm.owner_required,
                empty_label=_("Aucun responsable"),
            )
            self.fields["owner"].choices = [  # type: ignore[attr-defined]
                ("", _("Aucun responsable"))
            ] + [(entry.pk, str(entry)) for entry in owner_entries(firm.pk)]

    def clean_display_name(self) -> str:
        name = str(self.cleaned_data["display_name"]).strip()
        if not name:
            raise forms.ValidationError(_("Le nom est obligatoire."))
        return name


class PortfolioForm(forms.Form):
    name = forms.CharField(label=_("Nom du portefeuille"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)

    @classmethod
    def for_portfolio(cls, portfolio: Portfolio | None, data: Any = None) -> PortfolioForm:
        initial = {"name": portfolio.name, "email": portfolio.email} if portfolio else {}
        return cls(data, initial=initial)
