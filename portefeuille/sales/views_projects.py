"""The project pages (docs/sales.md): the list, a project's page, its create, edit and delete
forms. Read through the projects' door (`Project.objects.visible_to`): whoever sees the
client in full, and the project's manager and collaborators, who may see its client by
name only (then its name is shown, without a link). Writes are sales/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portefeuille.contacts import timeline
from portefeuille.customfields import queries as custom
from portefeuille.customfields.forms import attach_value_fields, posted_values
from portefeuille.customfields.lists import custom_list
from portefeuille.customfields.services import write_with_custom_values
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text

from . import queries, services
from .forms import ProjectForm
from .models import Project
from .views import (
    choose_client,
    list_filters,
    list_response,
    new_record_client,
    posted_version,
    record_context,
    record_fields,
)


def project_of(actor: Colleague, project_id: int) -> Project:
    """The project through its door, with `client_level`; else 404. One read."""
    found = (
        Project.objects.visible_to(actor)
        .with_client_level(actor)
        .select_related("client", "manager")
        .only(*record_fields(Project, "manager"))
        .filter(pk=project_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@colleague_required
@require_GET
def project_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    filters, problems = list_filters(request, queries.parse_project_filters, actor)
    fields = custom_list(actor, custom.Area.PROJECT, request.GET)
    return list_response(
        request,
        actor,
        template="sales/project_list.html",
        url_name="project_list",
        filters=filters,
        problems=problems + fields.problems,
        selection=fields.apply(queries.projects(actor, filters)),
        custom_fields=fields,
        order=queries.PROJECT_ORDER,
        extra=lambda: {"colleagues": list(active_colleagues(actor.firm_id))},
    )


@colleague_required
@require_GET
def project_detail(request: HttpRequest, actor: Colleague, project_id: int) -> HttpResponse:
    record = project_of(actor, project_id)
    return render(
        request,
        "sales/project_detail.html",
        record_context(
            record,
            collaborators=queries.collaborators(record),
            description_html=timeline.render_markdown(record.description),
            custom_values=custom.record_values(actor.firm_id, custom.Area.PROJECT, record),
        ),
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """A new project for `?client=<id>` (seen in full); its manager is the actor unless
    another is chosen."""
    client = new_record_client(request, actor)
    if client is None:
        return choose_client(request, actor, url_name="project_new", title=_("Nouveau projet"))
    form = ProjectForm(request.POST or None, actor=actor, initial={"manager": actor.pk})
    fields = attach_value_fields(form, actor, custom.Area.PROJECT)
    if request.method == "POST" and form.is_valid():
        try:
            record = write_with_custom_values(
                actor=actor,
                area=custom.Area.PROJECT,
                values=posted_values(form, fields),
                write=lambda: services.create_project(actor=actor, client=client, **form.values()),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Projet « %(name)s » créé.") % {"name": record.name})
            return redirect("project_detail", project_id=record.pk)
    return render(
        request,
        "sales/project_form.html",
        {"form": form, "client": client, "record": None, "full": True},
        status=422 if request.method == "POST" else 200,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, actor: Colleague, project_id: int) -> HttpResponse:
    record = project_of(actor, project_id)
    current = [person.pk for person in queries.collaborators(record)]
    form = ProjectForm(
        request.POST or None,
        actor=actor,
        project=record,
        collaborator_ids=current,
        initial=ProjectForm.initial_for(record, current),
    )
    fields = attach_value_fields(form, actor, custom.Area.PROJECT, record)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                write_with_custom_values(
                    actor=actor,
                    area=custom.Area.PROJECT,
                    values=posted_values(form, fields),
                    write=lambda: services.update_project(
                        actor=actor,
                        project=record,
                        expected_version=form.cleaned_data.get("version"),
                        **form.values(record),
                    ),
                    record=record,
                )
            except StaleVersionError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("project_detail", project_id=record.pk)
    return render(
        request,
        "sales/project_form.html",
        record_context(record, form=form, client=record.client),
        status=status,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def project_delete(request: HttpRequest, actor: Colleague, project_id: int) -> HttpResponse:
    record = project_of(actor, project_id)
    if request.method == "POST":
        try:
            services.delete_project(
                actor=actor, project=record, expected_version=posted_version(request)
            )
        except StaleVersionError as error:
            messages.error(request, refusal_text(error))
            return redirect("project_detail", project_id=record.pk)
        messages.success(request, _("Projet « %(name)s » supprimé.") % {"name": record.name})
        return redirect("project_list")
    return render(request, "sales/project_confirm_delete.html", record_context(record))
