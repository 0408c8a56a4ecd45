"""Forms of the access pages: the owner picker (also used by the contact create forms) and the
portfolio form. The client team is edited field by field (access/views.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OwnerEntry, Portfolio

# ModelChoiceField is generic for mypy only (django-stubs); at run time it takes no parameter.
if TYPE_CHECKING:
    _OwnerEntryField = forms.ModelChoiceField[OwnerEntry]
else:
    _OwnerEntryField = forms.ModelChoiceField


class OwnerChoiceField(_OwnerEntryField):
    def label_from_instance(self, obj: OwnerEntry) -> str:
        return str(obj)


def owner_entries(firm_id: int) -> list[OwnerEntry]:
    """The owner roster of the firm (entries linked to an inactive colleague left out)."""
    entries = (
        OwnerEntry.objects.filter(firm_id=firm_id)
        .exclude(colleague__is_active=False)
        .select_related("colleague")
    )
    return sorted(entries, key=lambda entry: str(entry).casefold())


class PortfolioForm(forms.Form):
    name = forms.CharField(label=_("Nom du portefeuille"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)

    @classmethod
    def for_portfolio(cls, portfolio: Portfolio | None, data: Any = None) -> PortfolioForm:
        initial = {"name": portfolio.name, "email": portfolio.email} if portfolio else {}
        return cls(data, initial=initial)
