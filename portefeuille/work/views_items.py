"""The work item pages (docs/work.md): an item's page, its create, edit and delete forms, its
checklist and notes, « Mes tâches », and a contact's Work tab. The board and the list are
views.py.

Thin adapters: every read goes through the work door (`WorkItem.objects.visible_to`), every
write is one call of work/services.py. An item whose client the viewer cannot see is the
same 404 as an unknown id; seen by name only, its page shows its title, its status and its
client's name, and anything more is a 403.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portefeuille.access import rules
from portefeuille.access.guards import name_only_refusal
from portefeuille.access.rules import Level
from portefeuille.contacts import timeline
from portefeuille.contacts.models import Contact
from portefeuille.contacts.queries import search
from portefeuille.contacts.views import parse_id
from portefeuille.contacts.views_details import load_contact
from portefeuille.firms.forms import apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text

from . import personal, services
from .forms import ITEM_FIELDS, NoteForm, TaskForm, WorkItemForm
from .models import Task, WorkItem, WorkNote

CLIENT_CHOICES = 20


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _full_item(actor: Colleague, item_id: int) -> WorkItem:
    """The item with FULL access to its client; seen by name only: 403; else 404."""
    item = _item(actor, item_id)
    if item.client_level < Level.FULL:  # type: ignore[attr-defined]
        raise name_only_refusal()
    return item


def _item(actor: Colleague, item_id: int) -> WorkItem:
    """The item at the viewer's level (`client_level`); hidden, unknown or of another
    firm: 404. One read, through the door."""
    found = (
        WorkItem.objects.visible_to(actor, Level.NAME)
        .with_client_level(actor)
        .select_related("client", "status", "work_type", "assignee")
        .filter(pk=item_id, firm_id=actor.firm_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _item_context(actor: Colleague, item: WorkItem, **extra: Any) -> dict[str, Any]:
    full = item.client_level >= Level.FULL  # type: ignore[attr-defined]
    context: dict[str, Any] = {"item": item, "full": full}
    if not full:
        # SECURITY: NAME shows the title, the status and the client's name; nothing else is
        # shown, and the item's tasks, notes and group are not read.
        return context | extra
    tasks = list(Task.objects.visible_to(actor).filter(work_item=item).select_related("assignee"))
    notes = [
        {"note": note, "html": timeline.render_markdown(note.body)}
        for note in WorkNote.objects.visible_to(actor)
        .filter(work_item=item)
        .select_related("author")
    ]
    group = None
    if item.client_group_id is not None:
        # The group at the viewer's own level on it: its name, a link only when seen in full.
        group = (
            rules.annotate_level(
                actor, rules.visible_clients(actor, Level.NAME).filter(pk=item.client_group_id)
            )
            .only("id", "display_name", "search_name")
            .first()
        )
    context |= {
        "description_html": timeline.render_markdown(item.description),
        "tasks": tasks,
        "tasks_done": sum(1 for task in tasks if task.done),
        "notes": notes,
        "group": group,
        "task_form": TaskForm(actor=actor),
        "note_form": NoteForm(),
        "overdue": item.is_overdue(_today()),
    }
    return context | extra


def _today() -> datetime.date:
    return timezone.localdate()


@colleague_required
@require_GET
def item_detail(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    item = _item(actor, item_id)
    return render(request, "work/item_detail.html", _item_context(actor, item))


# ---------------------------------------------------------------------------------------
# Create, edit, delete.
# ---------------------------------------------------------------------------------------


def _client_choices(actor: Colleague, query: str) -> list[Contact]:
    """Clients the viewer may add work to (seen in full) whose name matches."""
    clients = rules.visible_clients(actor, Level.FULL)
    return list(
        search(clients, query)
        .only("id", "display_name", "kind")
        .order_by("search_name", "id")[:CLIENT_CHOICES]
    )


def _changes(form: WorkItemForm, item: WorkItem) -> dict[str, Any]:
    """The fields the form changes (an unchanged field is not sent: keeping an inactive
    assignee, say, is not assigning them again)."""
    initial = WorkItemForm.initial_for(item)
    changes: dict[str, Any] = {}
    for name in ITEM_FIELDS:
        if name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        raw = value.pk if hasattr(value, "pk") else value
        if raw in ("", None) and initial[name] in ("", None):
            continue
        if raw != initial[name]:
            changes[name] = value
    return changes


@colleague_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """A new work item for `?client=<id>` (a client seen in full); without one, a short
    search to choose the client."""
    client_id = parse_id(request.POST.get("client") or request.GET.get("client"))
    if client_id is None:
        query = request.GET.get("q", "").strip()[:200]
        return render(
            request,
            "work/item_choose_client.html",
            {"q": query, "clients": _client_choices(actor, query) if query else []},
        )
    client = load_contact(actor, client_id)
    form = WorkItemForm(request.POST or None, actor=actor, client=client)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {
            name: form.cleaned_data[name]
            for name in ITEM_FIELDS
            if name in form.cleaned_data and form.cleaned_data[name] is not None
        }
        try:
            item = services.create_work_item(actor=actor, client=client, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Élément de travail créé."))
            return redirect("work_item", item_id=item.pk)
    return render(
        request,
        "work/item_form.html",
        {"form": form, "client": client, "item": None},
        status=422 if request.method == "POST" else 200,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    item = _full_item(actor, item_id)
    form = WorkItemForm(
        request.POST or None,
        actor=actor,
        client=item.client,
        item=item,
        initial=WorkItemForm.initial_for(item),
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            changes = _changes(form, item)
            new_status = changes.pop("status", None)
            extra = {} if new_status is None else {"status": new_status}
            try:
                services.update_work_item(
                    actor=actor,
                    item=item,
                    expected_version=form.cleaned_data.get("version"),
                    **extra,
                    **changes,
                )
            except StaleVersionError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("work_item", item_id=item.pk)
    return render(
        request,
        "work/item_form.html",
        {"form": form, "client": item.client, "item": item},
        status=status,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def item_delete(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    item = _full_item(actor, item_id)
    if request.method == "POST":
        raw = request.POST.get("version", "")
        # A version that is no number cannot be the current one: stale, not unchecked.
        version = parse_id(raw) if raw else None
        if raw and version is None:
            version = -1
        try:
            services.delete_work_item(actor=actor, item=item, expected_version=version)
        except StaleVersionError as error:
            messages.error(request, refusal_text(error))
            return redirect("work_item", item_id=item.pk)
        messages.success(
            request, _("Élément de travail « %(title)s » supprimé.") % {"title": item.title}
        )
        return redirect("contact_work", contact_id=item.client_id)
    return render(request, "work/item_confirm_delete.html", {"item": item})


# ---------------------------------------------------------------------------------------
# The checklist and the notes: HTMX swaps the section, and without JavaScript each form
# posts and comes back to the item's page.
# ---------------------------------------------------------------------------------------


def _section(
    request: HttpRequest,
    actor: Colleague,
    item_id: int,
    partial: str,
    *,
    refused: bool = False,
    **extra: Any,
) -> HttpResponse:
    """The section `partial` answered after a change: the section alone to HTMX, else the
    item's page (with the refused form and a 422) or a redirect back to it."""
    item = _item(actor, item_id)
    context = _item_context(actor, item, **extra)
    status = 422 if refused else 200
    if _is_htmx(request):
        return render(request, f"work/item_detail.html#{partial}", context, status=status)
    if status != 200:
        return render(request, "work/item_detail.html", context, status=status)
    return redirect(reverse("work_item", kwargs={"item_id": item_id}) + f"#{partial}")


@colleague_required
@require_POST
def task_add(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    item = _full_item(actor, item_id)
    form = TaskForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            services.add_task(actor=actor, item=item, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        return _section(request, actor, item_id, "tasks", refused=True, task_form=form)
    return _section(request, actor, item_id, "tasks")


def _own_task(actor: Colleague, item_id: int, task_id: int) -> Task:
    """A task of this item, its client seen in full (else 404, as the item page's)."""
    _full_item(actor, item_id)
    task = Task.objects.visible_to(actor).filter(pk=task_id, work_item_id=item_id).first()
    if task is None:
        raise Http404
    return task


@colleague_required
@require_POST
def task_toggle(request: HttpRequest, actor: Colleague, item_id: int, task_id: int) -> HttpResponse:
    """Sets a task done or not done: the form says which (`done=1` or `done=0`), so a
    second click from an old page does not undo the first."""
    task = _own_task(actor, item_id, task_id)
    done = request.POST.get("done", "1" if not task.done else "0") == "1"
    try:
        services.update_task(actor=actor, task=task, done=done)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    back = request.POST.get("next", "")
    if not _is_htmx(request) and back in (reverse("my_tasks"), reverse("home")):
        return redirect(back)
    return _section(request, actor, item_id, "tasks")


@colleague_required
@require_POST
def task_delete(request: HttpRequest, actor: Colleague, item_id: int, task_id: int) -> HttpResponse:
    task = _own_task(actor, item_id, task_id)
    services.delete_task(actor=actor, task=task)
    return _section(request, actor, item_id, "tasks")


@colleague_required
@require_POST
def note_add(request: HttpRequest, actor: Colleague, item_id: int) -> HttpResponse:
    item = _full_item(actor, item_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_work_note(actor=actor, item=item, body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        return _section(request, actor, item_id, "notes", refused=True, note_form=form)
    return _section(request, actor, item_id, "notes")


# ---------------------------------------------------------------------------------------
# « Mes tâches » and a contact's Work tab.
# ---------------------------------------------------------------------------------------


@colleague_required
@require_GET
def my_tasks(request: HttpRequest, actor: Colleague) -> HttpResponse:
    tasks = personal.shown(personal.my_open_tasks(actor), personal.MY_TASKS_PAGE)
    return render(request, "work/my_tasks.html", {"tasks": tasks, "today": _today()})


@colleague_required
@require_GET
def contact_work(request: HttpRequest, actor: Colleague, contact_id: int) -> HttpResponse:
    """The contact's Work tab: unfinished items, or `?done=1` the finished ones. For a
    client group: its items and its members' that belong to it, each at the viewer's level
    on its own client."""
    contact = load_contact(actor, contact_id)
    done = request.GET.get("done") == "1"
    items = personal.shown(
        personal.contact_tab_items(actor, contact, done=done), personal.TAB_ITEMS
    )
    board_filter = "client_group" if contact.kind == Contact.Kind.CLIENT_GROUP else "client"
    return render(
        request,
        "work/contact_work.html",
        {
            "contact": contact,
            "tab": "work",
            "done": done,
            "items": items,
            "today": _today(),
            "board_query": f"view=list&{board_filter}={contact.pk}",
        },
    )
