"""Forms of the administration pages: they parse input; the services validate and write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portefeuille.access.models import OwnerEntry

from .models import Colleague, Firm, OpportunityStage, Privacy, RoleSlot, WorkStatus

LANGUAGE_CHOICES = [("", _("Langue du navigateur")), *settings.LANGUAGES]


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's refusal on the form: by field where the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.error_list)


def active_colleagues(firm_id: int) -> QuerySet[Colleague]:
    """The colleagues a picker offers: active ones of the firm, by name."""
    return Colleague.objects.filter(firm_id=firm_id, is_active=True).order_by(
        "last_name", "first_name", "email"
    )


# ModelMultipleChoiceField is generic for mypy only (django-stubs); at run time it takes no
# parameter.
if TYPE_CHECKING:
    _ColleaguesField = forms.ModelMultipleChoiceField[Colleague]
else:
    _ColleaguesField = forms.ModelMultipleChoiceField


class ColleagueChoiceLabel(_ColleaguesField):
    def label_from_instance(self, obj: Colleague) -> str:
        return obj.full_name


class ColleagueFieldsMixin(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    profile = forms.ChoiceField(
        label=_("Profil"),
        choices=Colleague.Profile.choices,
        help_text=_(
            "Les administrateurs gèrent les collaborateurs, les équipes et les paramètres."
        ),
    )
    scope = forms.ChoiceField(
        label=_("Périmètre d'accès"),
        choices=Colleague.Scope.choices,
        help_text=_(
            "Limité : ne voit que les clients dont il est responsable, gestionnaire, "
            "titulaire d'un poste ou membre de l'équipe client."
        ),
    )
    language = forms.ChoiceField(label=_("Langue"), choices=LANGUAGE_CHOICES, required=False)


class ColleagueCreateForm(ColleagueFieldsMixin):
    ACCESS_INVITATION = "invitation"
    ACCESS_PASSWORD = "password"  # noqa: S105 - a choice value, not a password

    access = forms.ChoiceField(
        label=_("Accès"),
        choices=[
            (ACCESS_INVITATION, _("Envoyer une invitation par e-mail")),
            (ACCESS_PASSWORD, _("Définir un mot de passe initial")),
        ],
        initial=ACCESS_INVITATION,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Mot de passe initial"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("À communiquer au collaborateur, qui pourra le changer ensuite."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("access") == self.ACCESS_PASSWORD and not cleaned.get("password"):
            self.add_error("password", _("Saisissez le mot de passe initial."))
        return cleaned


class ColleagueEditForm(ColleagueFieldsMixin):
    pass


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Langue"), choices=LANGUAGE_CHOICES, required=False)


class ReassignClientsForm(forms.Form):
    """Where the clients of a colleague who leaves go (docs/access-rules.md)."""

    KEEP = "keep"
    REASSIGN = "reassign"

    what = forms.ChoiceField(
        label=_("Ses clients"),
        choices=[
            (REASSIGN, _("Les confier à d'autres")),
            (KEEP, _("Les laisser tels quels")),
        ],
        initial=REASSIGN,
        widget=forms.RadioSelect,
    )
    owner_to = forms.ModelChoiceField(
        label=_("Nouveau responsable client"),
        queryset=OwnerEntry.objects.none(),
        required=False,
        empty_label=_("Personne (sans responsable)"),
    )
    manager_to = forms.ModelChoiceField(
        label=_("Nouveau gestionnaire"),
        queryset=Colleague.objects.none(),
        required=False,
        empty_label=_("Personne (sans gestionnaire)"),
    )

    def __init__(self, *args: Any, colleague: Colleague, allow_keep: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_to"].queryset = (  # type: ignore[attr-defined]
            OwnerEntry.objects.filter(firm_id=colleague.firm_id)
            .exclude(colleague=colleague)
            .exclude(colleague__is_active=False)
            .select_related("colleague")
            .order_by("colleague__last_name", "colleague__first_name", "name")
        )
        self.fields["manager_to"].queryset = active_colleagues(colleague.firm_id).exclude(  # type: ignore[attr-defined]
            pk=colleague.pk
        )
        self.fields["manager_to"].label_from_instance = lambda obj: obj.full_name  # type: ignore[attr-defined]
        if not allow_keep:
            del self.fields["what"]

    @property
    def reassign(self) -> bool:
        what: str = self.cleaned_data.get("what", self.REASSIGN)
        return what == self.REASSIGN


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'équipe"), max_length=120)
    members = ColleagueChoiceLabel(
        label=_("Membres"),
        queryset=Colleague.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = active_colleagues(firm_id)  # type: ignore[attr-defined]


class FirmSettingsForm(forms.Form):
    name = forms.CharField(label=_("Nom du cabinet"), max_length=200)
    general_email = forms.EmailField(label=_("E-mail général"), required=False)
    default_privacy = forms.ChoiceField(
        label=_("Confidentialité par défaut des nouveaux clients"),
        choices=Privacy.choices,
        help_text=_(
            "Public : visible de tous les collaborateurs au périmètre complet. "
            "Privé : les autres ne voient que le nom. Masqué : invisible hors de l'équipe client."
        ),
    )
    ownership_enabled = forms.BooleanField(
        label=_("Activer les responsables clients"),
        required=False,
        help_text=_(
            "Chaque client peut avoir un responsable, choisi dans la liste des responsables."
        ),
    )
    owner_required = forms.BooleanField(
        label=_("Responsable obligatoire sur les nouveaux clients"), required=False
    )

    @classmethod
    def for_firm(cls, firm: Firm, data: Any = None) -> FirmSettingsForm:
        return cls(
            data,
            initial={
                "name": firm.name,
                "general_email": firm.general_email,
                "default_privacy": firm.default_privacy,
                "ownership_enabled": firm.ownership_enabled,
                "owner_required": firm.owner_required,
            },
        )


class RoleSlotsForm(forms.Form):
    """The titles of the 10 custom role slots; fields `title_1` … `title_10`."""

    def __init__(self, *args: Any, slots: list[RoleSlot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in slots:
            self.fields[f"title_{slot.number}"] = forms.CharField(
                label=_("Poste n°%(number)s") % {"number": slot.number},
                max_length=80,
                required=False,
                initial=slot.title,
            )

    def titles(self) -> dict[int, str]:
        return {
            int(name.removeprefix("title_")): value for name, value in self.cleaned_data.items()
        }


class ListItemForm(forms.Form):
    """A new or renamed entry of a settings list (contact type, work type, work status,
    opportunity stage)."""

    name = forms.CharField(label=_("Nom"), max_length=80)
    primary_state = forms.ChoiceField(
        label=_("État principal"), choices=WorkStatus.PrimaryState.choices, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Issue"), choices=OpportunityStage.Outcome.choices, required=False
    )
    is_archive = forms.BooleanField(label=_("Archive"), required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Pour vous souvenir de son usage, par exemple « Export comptable »."),
    )
