"""The invoice pages (docs/sales.md): the list, an invoice's page, its create, edit and delete
forms. An invoice has no people of its own: it is read by whoever sees its client in full
(`Invoice.objects.visible_to`), and anyone else gets the same 404 as for an unknown id.
Writes are sales/services.py; a number already used in the firm is refused on its field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portefeuille.customfields import queries as custom
from portefeuille.customfields.forms import attach_value_fields, posted_values
from portefeuille.customfields.lists import custom_list
from portefeuille.customfields.services import write_with_custom_values
from portefeuille.firms.forms import apply_errors
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text

from . import queries, services
from .forms import InvoiceForm
from .models import Invoice
from .views import (
    choose_client,
    list_filters,
    list_response,
    new_record_client,
    posted_version,
    record_context,
    record_fields,
)


def invoice_of(actor: Colleague, invoice_id: int) -> Invoice:
    """The invoice through its door (its client in full), with `client_level`; else 404."""
    found = (
        Invoice.objects.visible_to(actor)
        .with_client_level(actor)
        .select_related("client")
        .only(*record_fields(Invoice))
        .filter(pk=invoice_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@colleague_required
@require_GET
def invoice_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    filters, problems = list_filters(request, queries.parse_invoice_filters, actor)
    fields = custom_list(actor, custom.Area.INVOICE, request.GET)
    selection = fields.apply(queries.invoices(actor, filters))
    return list_response(
        request,
        actor,
        template="sales/invoice_list.html",
        url_name="invoice_list",
        filters=filters,
        problems=problems + fields.problems,
        selection=selection,
        custom_fields=fields,
        segments="invoices",
        order=queries.INVOICE_ORDER,
        totals=lambda: queries.invoice_totals(selection),
        extra=lambda: {"statuses": Invoice.Status.choices},
    )


@colleague_required
@require_GET
def invoice_detail(request: HttpRequest, actor: Colleague, invoice_id: int) -> HttpResponse:
    record = invoice_of(actor, invoice_id)
    values = custom.record_values(actor.firm_id, custom.Area.INVOICE, record)
    return render(
        request, "sales/invoice_detail.html", record_context(record, custom_values=values)
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def invoice_new(request: HttpRequest, actor: Colleague) -> HttpResponse:
    client = new_record_client(request, actor)
    if client is None:
        return choose_client(request, actor, url_name="invoice_new", title=_("Nouvelle facture"))
    form = InvoiceForm(request.POST or None)
    fields = attach_value_fields(form, actor, custom.Area.INVOICE)
    if request.method == "POST" and form.is_valid():
        try:
            record = write_with_custom_values(
                actor=actor,
                area=custom.Area.INVOICE,
                values=posted_values(form, fields),
                write=lambda: services.create_invoice(actor=actor, client=client, **form.values()),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Facture %(number)s créée.") % {"number": record.number})
            return redirect("invoice_detail", invoice_id=record.pk)
    return render(
        request,
        "sales/invoice_form.html",
        {"form": form, "client": client, "record": None, "full": True},
        status=422 if request.method == "POST" else 200,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def invoice_edit(request: HttpRequest, actor: Colleague, invoice_id: int) -> HttpResponse:
    record = invoice_of(actor, invoice_id)
    form = InvoiceForm(
        request.POST or None, invoice=record, initial=InvoiceForm.initial_for(record)
    )
    fields = attach_value_fields(form, actor, custom.Area.INVOICE, record)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                write_with_custom_values(
                    actor=actor,
                    area=custom.Area.INVOICE,
                    values=posted_values(form, fields),
                    write=lambda: services.update_invoice(
                        actor=actor,
                        invoice=record,
                        expected_version=form.cleaned_data.get("version"),
                        **form.values(),
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
                return redirect("invoice_detail", invoice_id=record.pk)
    return render(
        request,
        "sales/invoice_form.html",
        record_context(record, form=form, client=record.client),
        status=status,
    )


@colleague_required
@require_http_methods(["GET", "POST"])
def invoice_delete(request: HttpRequest, actor: Colleague, invoice_id: int) -> HttpResponse:
    record = invoice_of(actor, invoice_id)
    if request.method == "POST":
        try:
            services.delete_invoice(
                actor=actor, invoice=record, expected_version=posted_version(request)
            )
        except StaleVersionError as error:
            messages.error(request, refusal_text(error))
            return redirect("invoice_detail", invoice_id=record.pk)
        messages.success(request, _("Facture %(number)s supprimée.") % {"number": record.number})
        return redirect("invoice_list")
    return render(request, "sales/invoice_confirm_delete.html", record_context(record))
