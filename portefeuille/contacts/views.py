"""The contacts page (list, views, filters, search: the one list of clients), the contact
pickers and the "+" create forms with their duplicate suggestions. One contact's page is in
views_details.py (Détails, Membres), views_timeline.py (Chronologie, Documents) and
access/views.py (Équipe et accès).

Thin adapters: every read goes through access.rules (queries.py for the list), every write
through contacts.services. A contact picked by id that the viewer may not see is refused
exactly like an unknown id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portefeuille.access import coverage, rules
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.access.rules import Level
from portefeuille.customfields import queries as custom
from portefeuille.customfields.models import CustomField
from portefeuille.customfields.segments import segment_form, segment_sidebar
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.models import Colleague, ContactType, Privacy, RoleSlot
from portefeuille.firms.views import colleague_required

from . import queries, services, suggestions
from .forms import CREATE_FORMS
from .models import Contact
from .queries import ContactFilters


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# ---------------------------------------------------------------------------------------
# The contacts page.
# ---------------------------------------------------------------------------------------

VIEW_LABELS = {
    "mine": "Mes contacts",
    "person": "Personnes",
    "organization": "Organisations",
    "client_group": "Groupes de clients",
    "all": "Tous",
}


def parse_id(raw: str | None) -> int | None:
    """An id from a query string or a form; anything else (empty, not digits, too long)
    is None, never an error page."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)


def _filters_from(request: HttpRequest, titled_slots: set[int]) -> ContactFilters:
    """The filters of the query string; an unusable value is ignored (never an error page)."""
    return filters_from_query(request.GET, titled_slots)


def filters_from_query(get: QueryDict, titled_slots: set[int]) -> ContactFilters:
    """The filters of a query string (the page's, or one a form carries along)."""
    view = get.get("view", "mine")
    kind = get.get("kind", "")
    privacy = get.get("privacy", "")
    role_slot = parse_id(get.get("role"))
    gap = get.get("coverage", "")
    return ContactFilters(
        view=view if view in queries.VIEWS else "mine",
        q=get.get("q", "").strip()[:200],
        kind=kind if kind in queries.KINDS else "",
        contact_type=parse_id(get.get("type")),
        owner=parse_id(get.get("owner")),
        manager=parse_id(get.get("manager")),
        # An untitled slot is shown nowhere, filters included.
        role_slot=role_slot if role_slot in titled_slots else None,
        role_holder=parse_id(get.get("role_holder")),
        member=parse_id(get.get("member")),
        portfolio=parse_id(get.get("portfolio")),
        privacy=privacy if privacy in queries.PRIVACY_VALUES else "",
        include_inactive=get.get("inactive") == "1",
        coverage=gap if gap in coverage.GAPS else "",
    )


def with_custom_filters(
    actor: Colleague,
    filters: ContactFilters,
    get: QueryDict,
    fields: Sequence[CustomField] | None = None,
) -> tuple[ContactFilters, custom.CustomFilters]:
    """The filters with the custom field filters of the query string (`cf_<id>`…,
    docs/custom-fields.md) added; an unusable one is ignored, like the others."""
    found = custom.parse_custom_filters(actor, custom.Area.CONTACT, get, fields)
    if not found:
        return filters, found
    return (
        replace(
            filters,
            custom=tuple(sorted(found.as_query().items())),
            custom_q=found.q(custom.Area.CONTACT, actor),
        ),
        found,
    )


def _query_string(filters: ContactFilters) -> str:
    """The filters as a query string (for the "more" link), without the cursor."""
    pairs: list[tuple[str, Any]] = [("view", filters.view)]
    for key, value in (
        ("q", filters.q),
        ("kind", filters.kind),
        ("type", filters.contact_type),
        ("owner", filters.owner),
        ("manager", filters.manager),
        ("role", filters.role_slot),
        ("role_holder", filters.role_holder),
        ("member", filters.member),
        ("portfolio", filters.portfolio),
        ("privacy", filters.privacy),
        ("coverage", filters.coverage),
    ):
        if value not in (None, ""):
            pairs.append((key, value))
    if filters.include_inactive:
        pairs.append(("inactive", "1"))
    pairs.extend(filters.custom)
    return urlencode(pairs)


@colleague_required
def contact_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    slots = list(
        RoleSlot.objects.filter(firm_id=actor.firm_id).exclude(title="").order_by("number")
    )
    filters = _filters_from(request, {slot.number for slot in slots})
    if not actor.firm.ownership_enabled:
        # The ownership switch is off: owners show nowhere, filters included (data kept).
        filters = replace(filters, owner=None)
    custom_fields = custom.fields_for(actor.firm_id, custom.Area.CONTACT)
    filters, custom_filters = with_custom_filters(actor, filters, request.GET, custom_fields)
    after = request.GET.get("after") or None
    page = queries.contact_page(actor, filters, after=after)
    # The custom columns: values of the rows seen in full only (one query for the page).
    columns = [field for field in custom_fields if field.in_list]
    values = custom.values_for([row.contact for row in page.rows if row.full], "contact", columns)
    for row in page.rows:
        if row.full:
            row.custom = custom.shown_values(columns, values.get(row.contact.pk))
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "query_string": _query_string(filters),
        "is_continuation": after is not None,
        "views": list(VIEW_LABELS),
        "custom_columns": columns,
    }
    target = request.headers.get("HX-Target", "") if _is_htmx(request) else ""
    if target == "more-contacts":
        return render(request, "contacts/contact_list.html#rows", context)
    if target == "contact-results":
        # The « Enregistrer comme segment » form carries the new filters (out of band).
        context["segment_form"] = segment_form("contacts", context["query_string"])
    if target == "contact-results" and not filters.coverage:
        return render(request, "contacts/contact_list.html#results", context)
    firm = actor.firm
    colleagues = list(active_colleagues(firm.pk))
    entries = (
        list(
            OwnerEntry.objects.filter(firm_id=firm.pk)
            .select_related("colleague")
            .order_by("colleague__last_name", "colleague__first_name", "name")
        )
        if firm.ownership_enabled
        else []
    )
    if filters.coverage:
        # The coverage monitor's bulk fix (access/views_coverage.py), above the results.
        context.update({"firm": firm, "colleagues": colleagues, "owner_entries": entries})
    if target == "contact-results":
        return render(request, "contacts/contact_list.html#results", context)
    context.update(
        {
            "slots": slots,
            "contact_types": list(ContactType.objects.filter(firm_id=firm.pk)),
            "colleagues": colleagues,
            "owner_entries": entries,
            "portfolios": list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name")),
            "privacy_choices": Privacy.choices,
            "kind_choices": Contact.Kind.choices,
            "firm": firm,
            "coverage_gaps": coverage.gap_choices(ownership_enabled=firm.ownership_enabled),
            "custom_filters": custom.filter_choices(custom_fields, custom_filters),
            "custom_colleagues": colleagues,
            "segment_sidebar": segment_sidebar(actor, "contacts", _query_string(filters)),
        }
    )
    return render(request, "contacts/contact_list.html", context)


# ---------------------------------------------------------------------------------------
# Suggestions while a name is typed, and the contact pickers.
# ---------------------------------------------------------------------------------------

PICKER_LIMIT = 20


def _typed_name(request: HttpRequest) -> str:
    get = request.GET
    if get.get("display_name"):
        return get["display_name"]
    return " ".join(
        part for part in (get.get(f, "").strip() for f in ("first_name", "last_name")) if part
    )


@colleague_required
@require_GET
def contact_suggestions(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """Existing contacts resembling the name being typed (only those the colleague may see;
    a private one seen by name only shows with its padlock, nothing else)."""
    kind = request.GET.get("kind", "")
    name = _typed_name(request)[:200]
    found = suggestions.similar_contacts(actor, name, kind=kind if kind in queries.KINDS else None)
    return render(
        request, "contacts/_suggestions.html", {"suggestions": found, "name": name.strip()}
    )


def pickable(actor: Colleague, kinds: Sequence[str], text: str) -> list[Contact]:
    """Contacts the colleague may link (full access), matching `text`, by name."""
    found = rules.visible_clients(actor, Level.FULL).filter(kind__in=kinds)
    found = queries.search(found, text)
    return list(
        found.only("id", "kind", "display_name", "search_name", "privacy").order_by(
            "search_name", "id"
        )[:PICKER_LIMIT]
    )


PICKER_KINDS: dict[str, list[str]] = {
    "person": [Contact.Kind.PERSON],
    "organization": [Contact.Kind.ORGANIZATION],
    "client_group": [Contact.Kind.CLIENT_GROUP],
    "member": [Contact.Kind.PERSON, Contact.Kind.ORGANIZATION],
}


@colleague_required
@require_GET
def contact_picker(request: HttpRequest, actor: Colleague) -> HttpResponse:
    """The choices of a picker: `field` (the form field), `kind` (see PICKER_KINDS),
    the text in `<field>_q`, `multiple=1` for checkboxes, `exclude` a contact id."""
    field = request.GET.get("field", "")
    kinds = PICKER_KINDS.get(request.GET.get("kind", ""))
    if not field.isidentifier() or kinds is None:
        raise Http404
    text = request.GET.get(f"{field}_q", "").strip()[:200]
    multiple = request.GET.get("multiple") == "1"
    # Checkboxes already ticked come back ticked, so a new search does not lose them.
    picked = [c for c in _pick_labels(actor, request.GET.getlist(field)) if c.kind in kinds]
    skip = {c.pk for c in picked} | {parse_id(request.GET.get("exclude"))}
    choices = pickable(actor, kinds, text) if text else []
    return render(
        request,
        "contacts/_picker_choices.html",
        {
            "picked": picked if multiple else [],
            "choices": [c for c in choices if c.pk not in skip],
            "field": field,
            "multiple": multiple,
            "text": text,
        },
    )


# ---------------------------------------------------------------------------------------
# Creating a contact ("+" menu).
# ---------------------------------------------------------------------------------------


def chosen_contact(actor: Colleague, pk: int | None, field: str) -> Contact | None:
    """A contact picked by id, of the actor's firm; the service checks the level (a hidden
    one is refused exactly like an unknown id)."""
    if pk is None:
        return None
    # SECURITY: looked up among the contacts the actor sees, so that a hidden contact gets
    # exactly the answer of an unknown id.
    found = rules.visible_clients(actor, Level.NAME).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("Contact introuvable.")})
    return found


def chosen_contacts(actor: Colleague, raw: list[str], field: str) -> list[Contact]:
    """The contacts picked by id (a multiple picker), in the order given, without repeats;
    a hidden one is refused exactly like an unknown id."""
    ids = [pk for pk in (parse_id(value) for value in raw) if pk is not None]
    if len(ids) != len(raw):
        raise ValidationError({field: _("Choix invalide.")})
    ids = list(dict.fromkeys(ids))
    found = rules.visible_clients(actor, Level.NAME).filter(pk__in=ids).in_bulk()
    if len(found) != len(ids):
        raise ValidationError({field: _("Contact introuvable.")})
    return [found[pk] for pk in ids]


def _create(actor: Colleague, kind: str, data: dict[str, Any], request: HttpRequest) -> Contact:
    common = {
        "actor": actor,
        "privacy": data["privacy"],
        "contact_type": data.get("contact_type"),
        "owner": data.get("owner"),
    }
    emails = [data["email"]] if data.get("email") else []
    phones = [data["phone"]] if data.get("phone") else []
    if kind == Contact.Kind.PERSON:
        return services.create_person(
            **common,
            first_name=data["first_name"],
            middle_name=data["middle_name"],
            last_name=data["last_name"],
            share_communication=data["share_communication"],
            emails=emails,
            phones=phones,
            organization=chosen_contact(actor, data.get("organization"), "organization"),
            new_organization_name=data["new_organization_name"],
            role=data["role"],
        )
    if kind == Contact.Kind.ORGANIZATION:
        first, last = data["new_primary_first_name"], data["new_primary_last_name"]
        return services.create_organization(
            **common,
            display_name=data["display_name"],
            website=data["website"],
            emails=emails,
            phones=phones,
            primary_contact=chosen_contact(actor, data.get("primary_contact"), "primary_contact"),
            new_primary_contact=services.NewPerson(first_name=first, last_name=last)
            if first.strip() or last.strip()
            else None,
            primary_contact_role=data["primary_contact_role"],
        )
    return services.create_client_group(
        **common,
        display_name=data["display_name"],
        members=chosen_contacts(actor, request.POST.getlist("members"), "members"),
    )


CREATE_TITLES = {
    Contact.Kind.PERSON: "Nouvelle personne",
    Contact.Kind.ORGANIZATION: "Nouvelle organisation",
    Contact.Kind.CLIENT_GROUP: "Nouveau groupe de clients",
}


def _pick_labels(actor: Colleague, raw: list[str]) -> list[Contact]:
    """Contacts already picked in a form shown again (full access only, by id)."""
    ids = [pk for pk in (parse_id(value) for value in raw) if pk is not None]
    if not ids:
        return []
    return list(rules.visible_clients(actor, Level.FULL).filter(pk__in=ids).order_by("search_name"))


@colleague_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, actor: Colleague, kind: str) -> HttpResponse:
    form_class = CREATE_FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None, firm=actor.firm)
    if request.method == "POST" and form.is_valid():
        try:
            contact = _create(actor, kind, form.cleaned_data, request)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Contact « %(name)s » créé.") % {"name": contact})
            if rules.level(actor, contact) >= Level.FULL:
                return redirect("contacts:detail", pk=contact.pk)
            return redirect("contacts:list")
    picked = {
        field: _pick_labels(actor, request.POST.getlist(field))
        for field in ("organization", "primary_contact", "members")
    }
    return render(
        request,
        "contacts/contact_create.html",
        {"form": form, "kind": kind, "picked": picked},
        status=422 if request.method == "POST" else 200,
    )
