"""A ticket's page and its actions (docs/inbox.md): the thread (e-mails received, replies,
internal notes), reply, note, assign, close / reopen, link to a client; and a new ticket
written by a colleague.

Thin adapters: the ticket is read through its door (inbox/queries.py::ticket_of; unseen,
unknown or of another firm: the same 404), every write is one call of inbox/services.py. A
ticket seen through its assignee while its client is seen by name only shows that name and
nothing else of the client (no link, no picker of that client's other tickets).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts.models import Contact
from portefeuille.contacts.queries import search
from portefeuille.contacts.views import parse_id
from portefeuille.contacts.views_details import load_contact
from portefeuille.firms.forms import apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text

from . import queries, services
from .forms import AssignForm, NoteForm, ReplyForm, TicketForm
from .models import Ticket

CLIENT_CHOICES = 20
# The client's other tickets shown on a ticket's page (viewer sees the client in full).
OTHER_TICKETS = 10


def ticket_of(actor: Colleague, ticket_id: int) -> Ticket:
    found = queries.ticket_of(actor, ticket_id)
    if found is None:
        raise Http404
    return found


def _version(request: HttpRequest) -> int | None:
    """The version a form carries: none given, unchecked; not a number, stale."""
    raw = request.POST.get("version", "")
    version = parse_id(raw) if raw else None
    if raw and version is None:
        version = -1
    return version


def client_choices(actor: Colleague, text: str) -> list[Contact]:
    """Clients a ticket may be linked to (seen in full) whose name matches (the work item
    form's client search)."""
    if not text:
        return []
    return list(
        search(rules.visible_clients(actor, Level.FULL), text)
        .only("id", "display_name", "kind")
        .order_by("search_name", "id")[:CLIENT_CHOICES]
    )


def _page(
    request: HttpRequest,
    actor: Colleague,
    ticket: Ticket,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    """The ticket's page (with the forms given, e.g. one with its errors)."""
    full = ticket.client_level >= Level.FULL  # type: ignore[attr-defined]
    client_q = request.GET.get("client_q", "").strip()[:200]
    others: list[Ticket] = []
    if ticket.client_id is not None and full:
        others = list(
            queries.tickets(actor, queries.TicketFilters(status="all", client=ticket.client_id))
            .exclude(pk=ticket.pk)
            .order_by(*queries.ORDER)[:OTHER_TICKETS]
        )
    context: dict[str, Any] = {
        "ticket": ticket,
        "full": full,
        "thread": queries.thread(ticket),
        "reply_form": forms_.get("reply_form") or ReplyForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "assign_form": forms_.get("assign_form")
        or AssignForm(
            actor=actor,
            keep=ticket.assignee_id,
            initial={"assignee": ticket.assignee_id, "version": ticket.version},
        ),
        "client_q": client_q,
        "client_choices": client_choices(actor, client_q),
        "other_tickets": others,
    }
    return render(request, "inbox/ticket_detail.html", context, status=status)


@colleague_required
@require_GET
def ticket_detail(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    return _page(request, actor, ticket_of(actor, ticket_id))


def _after_change(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    """Back to the ticket; to the inbox when the change took it away from the viewer (given
    to someone else, off a client they do not see in full)."""
    if queries.ticket_of(actor, ticket_id) is None:
        return redirect("ticket_list")
    return redirect("ticket_detail", ticket_id=ticket_id)


@colleague_required
@require_POST
def ticket_reply(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    ticket = ticket_of(actor, ticket_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_ticket(actor=actor, ticket=ticket.pk, body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Réponse envoyée à %(address)s.") % {"address": ticket.requester_email}
            )
            return redirect("ticket_detail", ticket_id=ticket.pk)
    return _page(request, actor, ticket, status=422, reply_form=form)


@colleague_required
@require_POST
def ticket_note(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    ticket = ticket_of(actor, ticket_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_ticket_note(actor=actor, ticket=ticket.pk, body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Note interne ajoutée."))
            return redirect("ticket_detail", ticket_id=ticket.pk)
    return _page(request, actor, ticket, status=422, note_form=form)


@colleague_required
@require_POST
def ticket_assign(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    ticket = ticket_of(actor, ticket_id)
    form = AssignForm(request.POST, actor=actor, keep=ticket.assignee_id)
    if form.is_valid():
        chosen = form.cleaned_data["assignee"]
        try:
            services.assign_ticket(
                actor=actor,
                ticket=ticket.pk,
                assignee=chosen.pk if chosen is not None else None,
                expected_version=_version(request),
            )
        except StaleVersionError as error:
            messages.error(request, refusal_text(error))
            return redirect("ticket_detail", ticket_id=ticket.pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if chosen is None:
                messages.success(request, _("Le ticket n'est plus affecté."))
            else:
                messages.success(
                    request,
                    _("Ticket affecté à %(name)s.") % {"name": chosen.full_name or chosen.email},
                )
            return _after_change(request, actor, ticket.pk)
    return _page(request, actor, ticket, status=422, assign_form=form)


def _status_change(
    request: HttpRequest, actor: Colleague, ticket_id: int, status: str
) -> HttpResponse:
    ticket = ticket_of(actor, ticket_id)
    try:
        services.update_ticket(
            actor=actor, ticket=ticket.pk, status=status, expected_version=_version(request)
        )
    except ValidationError as error:  # a stale copy (StaleVersionError) included
        messages.error(request, refusal_text(error))
    else:
        if status == Ticket.Status.CLOSED:
            messages.success(request, _("Ticket fermé."))
        else:
            messages.success(request, _("Ticket rouvert."))
    return redirect("ticket_detail", ticket_id=ticket.pk)


@colleague_required
@require_POST
def ticket_close(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    return _status_change(request, actor, ticket_id, Ticket.Status.CLOSED)


@colleague_required
@require_POST
def ticket_reopen(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    return _status_change(request, actor, ticket_id, Ticket.Status.OPEN)


@colleague_required
@require_POST
def ticket_link_client(request: HttpRequest, actor: Colleague, ticket_id: int) -> HttpResponse:
    """Links the ticket to `client` (a client the viewer sees in full), or, with an empty
    `client`, unlinks it. A client that cannot be chosen is the same message whatever the
    reason (hidden, name only, unknown, of another firm)."""
    ticket = ticket_of(actor, ticket_id)
    raw = request.POST.get("client", "").strip()
    client_id = parse_id(raw) if raw else None
    try:
        if raw and client_id is None:
            raise ValidationError(
                {"client": ValidationError(_("Choisissez un client."), code="invalid_choice")}
            )
        services.link_ticket_client(
            actor=actor, ticket=ticket.pk, client=client_id, expected_version=_version(request)
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect("ticket_detail", ticket_id=ticket.pk)
    if client_id is None:
        messages.success(request, _("Le ticket n'est plus lié à un client."))
    else:
        messages.success(request, _("Ticket lié au client."))
    return _after_change(request, actor, ticket.pk)


@colleague_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """A ticket written by a colleague (a request taken by phone): its request is kept as
    the first internal note. `?client=<id>` (a client seen in full, else 404) links it;
    it is given to the writer unless another colleague (or no one) is chosen."""
    client_id = parse_id(request.POST.get("client") or request.GET.get("client"))
    client = load_contact(actor, client_id) if client_id is not None else None
    form = TicketForm(request.POST or None, actor=actor, initial={"assignee": actor.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data["assignee"]
        try:
            ticket = services.create_ticket(
                actor=actor,
                subject=data["subject"],
                requester_email=data["requester_email"],
                requester_name=data["requester_name"],
                body=data["body"],
                client=client,
                assignee=chosen.pk if chosen is not None else None,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Ticket « %(subject)s » créé.") % {"subject": ticket.subject}
            )
            return _after_change(request, actor, ticket.pk)
    return render(
        request,
        "inbox/ticket_form.html",
        {"form": form, "client": client},
        status=422 if request.method == "POST" else 200,
    )
