"""The custom fields' forms (docs/custom-fields.md): a field's definition (settings), and the
values of a record's custom fields, added to a record's own form (`add_value_fields`) or on
their own (`CustomValuesForm`, the contact page's section). They parse and present only:
customfields/services.py checks every value (types, the choices, an active colleague of the
firm) and its refusals come back on the field (`cf_<id>`, firms.forms.apply_errors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague

from .cleaning import clean_number
from .models import CustomField, CustomValue
from .queries import colleague_name, fields_for, form_value, values_for

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NUMBER = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class NumberField(forms.CharField):
    """A number as a colleague types it ("1 234,5"): checked here so the form shows every
    refusal at once; the service reads the text again."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            clean_number(text, "number")
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return text


class CustomFieldForm(forms.Form):
    """A field's definition. Its records (area) and type are chosen once, on creation."""

    area = forms.ChoiceField(label=_("Fiches"), choices=CustomField.Area.choices)
    label = forms.CharField(label=_("Libellé"), max_length=80)
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=CustomField.Kind.choices,
        help_text=_(
            "Un champ de type Utilisateur désigne un collègue (par exemple un responsable) : "
            "il ne donne aucun droit d'accès à la fiche."
        ),
    )
    choices = forms.CharField(
        label=_("Choix"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Pour une liste de choix : un choix par ligne."),
    )
    in_list = forms.BooleanField(label=_("Afficher en colonne dans la liste"), required=False)
    archived = forms.BooleanField(
        label=_("Archivé"),
        required=False,
        help_text=_(
            "Un champ archivé disparaît des formulaires, des fiches et des filtres ; ses "
            "valeurs sont conservées et reviennent si vous le rétablissez."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        if field is not None:
            kwargs.setdefault(
                "initial",
                {
                    "area": field.area,
                    "label": field.label,
                    "kind": field.kind,
                    "choices": "\n".join(field.choices),
                    "in_list": field.in_list,
                    "archived": field.archived,
                    "version": field.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.editing = field
        if field is not None:
            # Fixed after creation: shown, not posted.
            for name in ("area", "kind"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            if field.kind != CustomField.Kind.CHOICE:
                del self.fields["choices"]
        else:
            del self.fields["version"]
            del self.fields["archived"]

    def choice_lines(self) -> list[str]:
        return (self.cleaned_data.get("choices") or "").splitlines()


# ---------------------------------------------------------------------------------------
# Values.
# ---------------------------------------------------------------------------------------


def _value_field(
    field: CustomField, colleagues: Sequence[Colleague], current: CustomValue | None
) -> forms.Field:
    common: dict[str, Any] = {"label": field.label, "required": False}
    match field.kind:
        case CustomField.Kind.NUMBER:
            return NumberField(max_length=40, widget=_NUMBER, **common)
        case CustomField.Kind.DATE:
            return forms.DateField(widget=_DATE, **common)
        case CustomField.Kind.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—"), *((choice, choice) for choice in field.choices)], **common
            )
        case CustomField.Kind.USER:
            people = list(colleagues)
            held = current.user if current is not None and current.user_id else None
            if held is not None and all(person.pk != held.pk for person in people):
                # The current holder (deactivated since) stays listed: saving without
                # touching the field keeps them.
                people.append(held)
            options = [(str(person.pk), colleague_name(person)) for person in people]
            return forms.ChoiceField(choices=[("", "—"), *options], **common)
    return forms.CharField(max_length=500, **common)


def add_value_fields(
    form: forms.Form,
    fields: Sequence[CustomField],
    colleagues: Sequence[Colleague],
    values: Mapping[int, CustomValue] | None = None,
) -> list[str]:
    """Adds a `cf_<id>` form field per custom field (after the form's own), with the
    record's values as initial ones; returns their names."""
    values = values or {}
    names = []
    for field in fields:
        current = values.get(field.pk)
        form.fields[field.parameter] = _value_field(field, colleagues, current)
        if field.parameter not in form.initial:
            form.initial[field.parameter] = form_value(field, current)
        names.append(field.parameter)
    return names


def posted_values(form: forms.Form, fields: Sequence[CustomField]) -> dict[int, Any]:
    """{field id: value} from a valid form, for the services ("" clears a value)."""
    data = getattr(form, "cleaned_data", {})
    return {
        field.pk: data.get(field.parameter) for field in fields if field.parameter in form.fields
    }


class CustomValuesForm(forms.Form):
    """The custom fields of one record on their own (the contact page's section), with the
    record's version, so a stale edit is refused rather than lost."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        *args: Any,
        fields: Sequence[CustomField],
        colleagues: Sequence[Colleague],
        values: Mapping[int, CustomValue] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.custom_fields = list(fields)
        add_value_fields(self, self.custom_fields, colleagues, values)

    def values(self) -> dict[int, Any]:
        return posted_values(self, self.custom_fields)


def attach_value_fields(
    form: forms.Form, actor: Colleague, area: str, record: Model | None = None
) -> list[CustomField]:
    """Adds the active custom fields of `area` to a record's own form (a new record's, or
    `record`'s with its values): at most three queries (the fields, the colleagues a User
    field offers, the record's values). Returns the fields, for `posted_values`."""
    fields = fields_for(actor.firm_id, area)
    if not fields:
        return []
    colleagues: list[Colleague] = []
    if any(field.kind == CustomField.Kind.USER for field in fields):
        colleagues = list(active_colleagues(actor.firm_id))
    values = values_for([record], area, fields).get(record.pk, {}) if record is not None else {}
    add_value_fields(form, fields, colleagues, values)
    return fields
