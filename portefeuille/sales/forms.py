"""The sales pages' forms (docs/sales.md): an opportunity, a project, an invoice, create and
edit. They offer choices only (the firm's stages, active colleagues, the currencies); the
amounts, texts and dates are read and checked by sales/services.py, which gathers every
refusal at once, so the form shows them all on their fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague, OpportunityStage

from .models import CURRENCIES, DEFAULT_CURRENCY, Invoice, Opportunity, Project

if TYPE_CHECKING:
    _ColleagueField = forms.ModelChoiceField[Colleague]
    _ColleaguesField = forms.ModelMultipleChoiceField[Colleague]
else:
    _ColleagueField = forms.ModelChoiceField
    _ColleaguesField = forms.ModelMultipleChoiceField

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
# The browser is not asked to check (the forms are `novalidate`): the mark only says so.
_REQUIRED = {"required": True, "aria-required": "true"}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]


def _label(obj: Colleague) -> str:
    name = obj.full_name or obj.email
    return name if obj.is_active else str(_("%(name)s (désactivé·e)") % {"name": name})


class ColleagueChoice(_ColleagueField):
    def label_from_instance(self, obj: Colleague) -> str:
        return _label(obj)


class ColleaguesChoice(_ColleaguesField):
    def label_from_instance(self, obj: Colleague) -> str:
        return _label(obj)


def colleague_choices(actor: Colleague, keep: Iterable[int | None] = ()) -> QuerySet[Colleague]:
    """Active colleagues of the firm; those in `keep` (the record's current people) stay
    listed even when inactive: saving without touching them does not change them."""
    kept = [pk for pk in keep if pk is not None]
    if not kept:
        return active_colleagues(actor.firm_id)
    return (
        Colleague.objects.filter(firm_id=actor.firm_id)
        .filter(Q(is_active=True) | Q(pk__in=kept))
        .order_by("last_name", "first_name", "email")
    )


def amount_text(value: Any) -> str:
    """An amount as the form shows it back: in the reader's language, without grouping
    (« 12000,50 »), which the service reads again."""
    if value is None or value == "":
        return ""
    return str(formats.number_format(value, 2, use_l10n=True))


def _model_id(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


class _VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]


class OpportunityForm(_VersionedForm):
    title = forms.CharField(
        label=_("Titre"), max_length=200, required=False, widget=forms.TextInput(_REQUIRED)
    )
    value = forms.CharField(
        label=_("Montant"),
        required=False,
        max_length=40,
        widget=_AMOUNT,
        help_text=_("Par exemple 12 500,50."),
    )
    currency = forms.ChoiceField(
        label=_("Devise"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY
    )
    stage = forms.ModelChoiceField(
        label=_("Étape"), queryset=OpportunityStage.objects.none(), empty_label=None
    )
    expected_close = forms.DateField(
        label=_("Date de clôture prévue"), required=False, widget=_DATE
    )
    assignee = ColleagueChoice(
        label=_("Affectée à"),
        queryset=Colleague.objects.none(),
        required=False,
        widget=forms.Select(_REQUIRED),
        help_text=_("Obligatoire. Le collègue affecté voit l'opportunité et en est prévenu."),
    )
    second_assignee = ColleagueChoice(
        label=_("Second commercial"),
        queryset=Colleague.objects.none(),
        required=False,
        empty_label=_("Aucun"),
    )

    def __init__(
        self, *args: Any, actor: Colleague, opportunity: Opportunity | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, editing=opportunity is not None, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["stage"].queryset = OpportunityStage.objects.filter(firm_id=actor.firm_id).order_by(
            "position", "name"
        )
        keep = () if opportunity is None else (opportunity.assignee_id,)
        fields["assignee"].queryset = colleague_choices(actor, keep)
        keep_second = () if opportunity is None else (opportunity.second_assignee_id,)
        fields["second_assignee"].queryset = colleague_choices(actor, keep_second)

    @staticmethod
    def initial_for(opportunity: Opportunity) -> dict[str, Any]:
        return {
            "title": opportunity.title,
            "value": amount_text(opportunity.value),
            "currency": opportunity.currency,
            "stage": opportunity.stage_id,
            "expected_close": opportunity.expected_close,
            "assignee": opportunity.assignee_id,
            "second_assignee": opportunity.second_assignee_id,
            "version": opportunity.version,
        }

    def values(self, current: Opportunity | None = None) -> dict[str, Any]:
        """What to hand the service. Editing, the people are sent only when changed: keeping
        a colleague deactivated since is not giving them the record again."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data.get("title", ""),
            "value": data.get("value", ""),
            "currency": data.get("currency") or DEFAULT_CURRENCY,
            "stage": data.get("stage"),
            "expected_close": data.get("expected_close"),
            "assignee": data.get("assignee"),
            "second_assignee": data.get("second_assignee"),
        }
        if current is not None:
            for name in ("assignee", "second_assignee"):
                if _model_id(values[name]) == getattr(current, f"{name}_id"):
                    del values[name]
        return values


class ProjectForm(_VersionedForm):
    name = forms.CharField(
        label=_("Nom"), max_length=200, required=False, widget=forms.TextInput(_REQUIRED)
    )
    manager = ColleagueChoice(
        label=_("Gestionnaire du projet"),
        queryset=Colleague.objects.none(),
        required=False,
        widget=forms.Select(_REQUIRED),
        help_text=_("Obligatoire ; vous, par défaut."),
    )
    collaborators = ColleaguesChoice(
        label=_("Collaborateurs"),
        queryset=Colleague.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs. Ils voient le projet et en "
            "sont prévenus."
        ),
    )
    start_date = forms.DateField(label=_("Date de début"), required=False, widget=_DATE)
    end_date = forms.DateField(label=_("Date de fin"), required=False, widget=_DATE)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown : **gras**, *italique*, listes, liens."),
    )

    def __init__(
        self,
        *args: Any,
        actor: Colleague,
        project: Project | None = None,
        collaborator_ids: Iterable[int] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, editing=project is not None, **kwargs)
        fields: dict[str, Any] = self.fields
        keep = () if project is None else (project.manager_id,)
        fields["manager"].queryset = colleague_choices(actor, keep)
        self.collaborator_ids = set(collaborator_ids)
        fields["collaborators"].queryset = colleague_choices(actor, self.collaborator_ids)

    @staticmethod
    def initial_for(project: Project, collaborator_ids: Iterable[int]) -> dict[str, Any]:
        return {
            "name": project.name,
            "manager": project.manager_id,
            "collaborators": list(collaborator_ids),
            "start_date": project.start_date,
            "end_date": project.end_date,
            "description": project.description,
            "version": project.version,
        }

    def values(self, current: Project | None = None) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data.get("name", ""),
            "manager": data.get("manager"),
            "collaborators": [person.pk for person in data.get("collaborators") or []],
            "start_date": data.get("start_date"),
            "end_date": data.get("end_date"),
            "description": data.get("description", ""),
        }
        if current is not None:
            if _model_id(values["manager"]) == current.manager_id:
                del values["manager"]
            if set(values["collaborators"]) == self.collaborator_ids:
                del values["collaborators"]
        return values


class InvoiceForm(_VersionedForm):
    number = forms.CharField(
        label=_("Numéro"),
        max_length=40,
        required=False,
        widget=forms.TextInput(_REQUIRED),
        help_text=_("Unique dans le cabinet."),
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_REQUIRED}, format="%Y-%m-%d"),
    )
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=_DATE)
    amount = forms.CharField(
        label=_("Montant"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **_REQUIRED}),
        help_text=_("Par exemple 1 250,50."),
    )
    currency = forms.ChoiceField(
        label=_("Devise"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY
    )
    status = forms.ChoiceField(
        label=_("Statut"), choices=Invoice.Status.choices, initial=Invoice.Status.DRAFT
    )

    def __init__(self, *args: Any, invoice: Invoice | None = None, **kwargs: Any) -> None:
        super().__init__(*args, editing=invoice is not None, **kwargs)

    @staticmethod
    def initial_for(invoice: Invoice) -> dict[str, Any]:
        return {
            "number": invoice.number,
            "date": invoice.date,
            "due_date": invoice.due_date,
            "amount": amount_text(invoice.amount),
            "currency": invoice.currency,
            "status": invoice.status,
            "version": invoice.version,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "number": data.get("number", ""),
            "date": data.get("date"),
            "due_date": data.get("due_date"),
            "amount": data.get("amount", ""),
            "currency": data.get("currency") or DEFAULT_CURRENCY,
            "status": data.get("status") or Invoice.Status.DRAFT,
        }
