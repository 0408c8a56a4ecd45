"""The shared inbox's forms (docs/inbox.md): a reply, an internal note, the assignee, a new
ticket, an uploaded .eml. They offer choices only (active colleagues of the firm); every
rule is checked again by inbox/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portefeuille.firms.models import Colleague
from portefeuille.work.forms import ColleagueChoice, assignee_choices

from .services import BODY_MAX, SUBJECT_MAX


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Réponse au demandeur"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Envoyée par e-mail au demandeur ; sa réponse reviendra sur ce ticket."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Two forms of the page have a `body`: their ids differ, their names do not.
        kwargs.setdefault("auto_id", "reply-%s")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Lue par vos collègues seulement, jamais envoyée au client."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    assignee = ColleagueChoice(
        label=_("Affecté à"),
        queryset=Colleague.objects.none(),
        required=False,
        empty_label=pgettext_lazy("aucun collègue", "Personne"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, *args: Any, actor: Colleague, keep: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = assignee_choices(actor, keep)


class TicketForm(forms.Form):
    """A ticket written by a colleague (a request taken by phone)."""

    subject = forms.CharField(label=_("Objet"), max_length=SUBJECT_MAX)
    requester_email = forms.EmailField(label=_("E-mail du demandeur"), max_length=254)
    requester_name = forms.CharField(label=_("Nom du demandeur"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Demande"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Gardée comme première note interne du ticket."),
    )
    assignee = ColleagueChoice(
        label=_("Affecté à"),
        queryset=Colleague.objects.none(),
        required=False,
        empty_label=pgettext_lazy("aucun collègue", "Personne"),
    )

    def __init__(self, *args: Any, actor: Colleague, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = assignee_choices(actor)
