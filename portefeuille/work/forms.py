"""The work item pages' forms: an item (create and edit), a task of its checklist, a note.
They offer choices only (the firm's statuses and types, active colleagues, the client's own
groups seen in full); every rule is checked again by work/services.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.firms.forms import active_colleagues
from portefeuille.firms.models import Colleague, WorkStatus, WorkType

from .models import Recurrence, WorkItem

if TYPE_CHECKING:
    _ColleagueField = forms.ModelChoiceField[Colleague]
else:
    _ColleagueField = forms.ModelChoiceField

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The fields of the item form, in the order update_work_item reads them.
ITEM_FIELDS = (
    "title",
    "status",
    "work_type",
    "assignee",
    "start_date",
    "due_date",
    "recurrence",
    "client_group",
    "description",
)


class ColleagueChoice(_ColleagueField):
    def label_from_instance(self, obj: Colleague) -> str:
        name = obj.full_name or obj.email
        return name if obj.is_active else str(_("%(name)s (désactivé·e)") % {"name": name})


def assignee_choices(actor: Colleague, keep: int | None = None) -> QuerySet[Colleague]:
    """Active colleagues of the firm; `keep`, the current assignee, stays listed even when
    inactive (saving without touching it does not change it)."""
    active = active_colleagues(actor.firm_id)
    if keep is None:
        return active
    return (
        Colleague.objects.filter(firm_id=actor.firm_id)
        .filter(Q(is_active=True) | Q(pk=keep))
        .order_by("last_name", "first_name", "email")
    )


def client_groups(actor: Colleague, client: Contact) -> QuerySet[Contact]:
    """The client groups `client` belongs to that the viewer sees in full."""
    return (
        rules.visible_clients(actor, Level.FULL)
        .filter(kind=Contact.Kind.CLIENT_GROUP, group_members__member_id=client.pk)
        .order_by("search_name", "id")
    )


class WorkItemForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    status = forms.ModelChoiceField(
        label=_("Statut"), queryset=WorkStatus.objects.none(), empty_label=None
    )
    work_type = forms.ModelChoiceField(
        label=_("Type de travail"), queryset=WorkType.objects.none(), required=False
    )
    assignee = ColleagueChoice(
        label=_("Assigné à"), queryset=Colleague.objects.none(), required=False
    )
    start_date = forms.DateField(label=_("Date de début"), required=False, widget=_DATE)
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=_DATE)
    recurrence = forms.ChoiceField(
        label=_("Récurrence"),
        choices=Recurrence.choices,
        required=False,
        help_text=_(
            "L'élément suivant de la série est créé quand celui-ci est terminé, ou à sa date."
        ),
    )
    client_group = forms.ModelChoiceField(
        label=_("Groupe de clients"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Le travail apparaît alors dans l'onglet Travail de ce groupe."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown : **gras**, *italique*, listes, liens."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self,
        *args: Any,
        actor: Colleague,
        client: Contact,
        item: WorkItem | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        firm_id = actor.firm_id
        fields: dict[str, Any] = self.fields
        fields["status"].queryset = WorkStatus.objects.filter(firm_id=firm_id).order_by(
            "position", "name"
        )
        fields["work_type"].queryset = WorkType.objects.filter(firm_id=firm_id).order_by(
            "position", "name"
        )
        fields["assignee"].queryset = assignee_choices(
            actor, item.assignee_id if item is not None else None
        )
        if client.kind == Contact.Kind.CLIENT_GROUP:
            del fields["client_group"]
        else:
            fields["client_group"].queryset = client_groups(actor, client)
        if item is None:
            del fields["version"]

    @staticmethod
    def initial_for(item: WorkItem) -> dict[str, Any]:
        return {
            "title": item.title,
            "status": item.status_id,
            "work_type": item.work_type_id,
            "assignee": item.assignee_id,
            "start_date": item.start_date,
            "due_date": item.due_date,
            "recurrence": item.recurrence,
            "client_group": item.client_group_id,
            "description": item.description,
            "version": item.version,
        }


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Nouvelle tâche"), max_length=200)
    assignee = ColleagueChoice(
        label=_("Assignée à"), queryset=Colleague.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=_DATE)

    def __init__(self, *args: Any, actor: Colleague, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = assignee_choices(actor)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown. Le responsable et le gestionnaire du client sont prévenus."),
    )
