"""The contacts pages: the contacts page (list, filters, search), the "+" create forms with
their duplicate suggestions, the contact page (Détails, Membres) and its edit forms.

Thin adapters: every read goes through access.rules (queries.py for the list), every write
through contacts.services / access.services. A contact the viewer may not see in full is
the same 404 as an unknown id (rules.get_client); a refused change is a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from portefeuille.access import rules
from portefeuille.access.models import ClientMember, OwnerEntry, Portfolio, RoleAssignment
from portefeuille.access.rules import Level
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.models import Colleague, ContactType, Privacy, RoleSlot
from portefeuille.firms.views import admin_required, colleague_required

from . import queries, services, suggestions, validators
from .forms import CREATE_FORMS, AccountingForm, BasicsForm, VersionedForm
from .models import (
    Contact,
    ContactCard,
    EmailAddress,
    EmploymentStatus,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)
from .queries import ContactFilters, RelatedContact


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


def _int(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


def _filters_from(request: HttpRequest, titled_slots: set[int]) -> ContactFilters:
    """The filters of the query string; an unusable value is ignored (never an error page)."""
    get = request.GET
    view = get.get("view", "mine")
    kind = get.get("kind", "")
    privacy = get.get("privacy", "")
    role_slot = _int(get.get("role"))
    return ContactFilters(
        view=view if view in queries.VIEWS else "mine",
        q=get.get("q", "").strip()[:200],
        kind=kind if kind in queries.KINDS else "",
        contact_type=_int(get.get("type")),
        owner=_int(get.get("owner")),
        manager=_int(get.get("manager")),
        # An untitled slot is shown nowhere, filters included.
        role_slot=role_slot if role_slot in titled_slots else None,
        role_holder=_int(get.get("role_holder")),
        member=_int(get.get("member")),
        portfolio=_int(get.get("portfolio")),
        privacy=privacy if privacy in queries.PRIVACY_VALUES else "",
        include_inactive=get.get("inactive") == "1",
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
    ):
        if value not in (None, ""):
            pairs.append((key, value))
    if filters.include_inactive:
        pairs.append(("inactive", "1"))
    return urlencode(pairs)


@colleague_required
def contact_list(request: HttpRequest, actor: Colleague) -> HttpResponse:
    slots = list(
        RoleSlot.objects.filter(firm_id=actor.firm_id).exclude(title="").order_by("number")
    )
    filters = _filters_from(request, {slot.number for slot in slots})
    after = request.GET.get("after") or None
    page = queries.contact_page(actor, filters, after=after)
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "query_string": _query_string(filters),
        "is_continuation": after is not None,
        "views": list(VIEW_LABELS),
    }
    target = request.headers.get("HX-Target", "") if _is_htmx(request) else ""
    if target == "more-contacts":
        return render(request, "contacts/contact_list.html#rows", context)
    if target == "contact-results":
        return render(request, "contacts/contact_list.html#results", context)
    firm = actor.firm
    context.update(
        {
            "slots": slots,
            "contact_types": list(ContactType.objects.filter(firm_id=firm.pk)),
            "colleagues": list(active_colleagues(firm.pk)),
            "owner_entries": list(
                OwnerEntry.objects.filter(firm_id=firm.pk)
                .select_related("colleague")
                .order_by("colleague__last_name", "colleague__first_name", "name")
            )
            if firm.ownership_enabled
            else [],
            "portfolios": list(Portfolio.objects.filter(firm_id=firm.pk).order_by("name")),
            "privacy_choices": Privacy.choices,
            "kind_choices": Contact.Kind.choices,
            "firm": firm,
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
    skip = {c.pk for c in picked} | {_int(request.GET.get("exclude"))}
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


def _chosen(actor: Colleague, pk: int | None, field: str) -> Contact | None:
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


def _chosen_many(actor: Colleague, raw: list[str], field: str) -> list[Contact]:
    ids = [pk for pk in (_int(value) for value in raw) if pk is not None]
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
            organization=_chosen(actor, data.get("organization"), "organization"),
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
            primary_contact=_chosen(actor, data.get("primary_contact"), "primary_contact"),
            new_primary_contact=services.NewPerson(first_name=first, last_name=last)
            if first.strip() or last.strip()
            else None,
            primary_contact_role=data["primary_contact_role"],
        )
    return services.create_client_group(
        **common,
        display_name=data["display_name"],
        members=_chosen_many(actor, request.POST.getlist("members"), "members"),
    )


CREATE_TITLES = {
    Contact.Kind.PERSON: "Nouvelle personne",
    Contact.Kind.ORGANIZATION: "Nouvelle organisation",
    Contact.Kind.CLIENT_GROUP: "Nouveau groupe de clients",
}


def _pick_labels(actor: Colleague, raw: list[str]) -> list[Contact]:
    """Contacts already picked in a form shown again (full access only, by id)."""
    ids = [pk for pk in (_int(value) for value in raw) if pk is not None]
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


# ---------------------------------------------------------------------------------------
# The contact page: "Détails" and "Membres" tabs.
# ---------------------------------------------------------------------------------------


def load_contact(actor: Colleague, pk: int) -> Contact:
    """The contact with FULL access; name-only, hidden, unknown, other firm: the same 404."""
    found = rules.get_client(actor, pk, Level.FULL)
    return (
        Contact.objects.select_related("contact_type", "owner__colleague", "manager", "portfolio")
        .filter(firm_id=actor.firm_id)
        .get(pk=found.pk)
    )


def _levels(actor: Colleague, ids: set[int]) -> dict[int, Any]:
    """The contacts among `ids` the viewer sees (at least by name), with their level."""
    if not ids:
        return {}
    rows = rules.annotate_level(actor, rules.visible_clients(actor, Level.NAME).filter(pk__in=ids))
    return {row.pk: row for row in rows.only("id", "kind", "display_name", "search_name")}


def _related(others: dict[int, Any], pk: int, **extra: Any) -> RelatedContact | None:
    found = others.get(pk)
    if found is None:
        return None  # SECURITY: hidden from the viewer: not shown at all
    return RelatedContact.of(found, **extra)


def _cards(actor: Colleague, contact: Contact) -> list[dict[str, Any]]:
    """A person's cards (with the organization) or an organization's involved persons."""
    if contact.kind == Contact.Kind.PERSON:
        cards = list(ContactCard.objects.filter(person=contact).order_by("id"))
        other_of = {card.pk: card.organization_id for card in cards}
    elif contact.kind == Contact.Kind.ORGANIZATION:
        cards = list(ContactCard.objects.filter(organization=contact).order_by("id"))
        other_of = {card.pk: card.person_id for card in cards}
    else:
        return []
    others = _levels(actor, set(other_of.values()))
    shown: list[tuple[str, dict[str, Any]]] = []
    for card in cards:
        other = _related(others, other_of[card.pk], role=card.role, relation="card")
        if other is not None:
            shown.append((other.name.casefold(), {"card": card, "other": other}))
    return [item for _key, item in sorted(shown, key=lambda pair: pair[0])]


def _groups(actor: Colleague, contact: Contact) -> list[RelatedContact]:
    ids = set(GroupMembership.objects.filter(member=contact).values_list("group_id", flat=True))
    others = _levels(actor, ids)
    found = [r for r in (_related(others, pk, relation="group") for pk in ids) if r is not None]
    return sorted(found, key=lambda r: (r.name.casefold(), r.pk))


def _members(actor: Colleague, group: Contact) -> list[RelatedContact]:
    ids = set(GroupMembership.objects.filter(group=group).values_list("member_id", flat=True))
    others = _levels(actor, ids)
    found = [r for r in (_related(others, pk, relation="member") for pk in ids) if r is not None]
    return sorted(found, key=lambda r: (r.name.casefold(), r.pk))


def _team_summary(actor: Colleague, contact: Contact) -> dict[str, Any]:
    titles = dict(
        RoleSlot.objects.filter(firm_id=actor.firm_id)
        .exclude(title="")
        .values_list("number", "title")
    )
    roles = [
        {"title": titles[assignment.slot], "holder": assignment.colleague}
        for assignment in RoleAssignment.objects.filter(client=contact)
        .select_related("colleague")
        .order_by("slot")
        if assignment.slot in titles
    ]
    members = list(
        ClientMember.objects.filter(client=contact)
        .select_related("colleague", "team")
        .order_by("team__name", "colleague__last_name", "colleague__first_name")
    )
    return {"roles": roles, "members": members}


def _detail_context(
    actor: Colleague, contact: Contact, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    country = str(contact.country or "")
    phones = [
        {"row": phone, "display": validators.display_phone(phone.number, country or None)}
        for phone in PhoneNumber.objects.filter(contact=contact)
    ]
    primary = None
    if contact.primary_contact_id is not None:
        primary = _related(_levels(actor, {contact.primary_contact_id}), contact.primary_contact_id)
    context: dict[str, Any] = {
        "contact": contact,
        "tab": "details",
        "emails": list(EmailAddress.objects.filter(contact=contact)),
        "phones": phones,
        "addresses": list(PostalAddress.objects.filter(contact=contact)),
        "social_handles": list(SocialHandle.objects.filter(contact=contact)),
        "network_choices": SocialHandle.Network.choices,
        "countries": list(countries),
        "default_country": country or "FR",
        "cards": _cards(actor, contact),
        "primary": primary,
        "groups": _groups(actor, contact) if contact.kind != Contact.Kind.CLIENT_GROUP else [],
        "team": _team_summary(actor, contact),
        "firm": actor.firm,
        "is_admin": actor.is_admin,
        "show_vat": contact.kind != Contact.Kind.PERSON
        or contact.employment_status == EmploymentStatus.SELF_EMPLOYED,
        "errors": errors or {},
    }
    if contact.kind == Contact.Kind.CLIENT_GROUP:
        context["member_count"] = len(_members(actor, contact))
    return context


@colleague_required
@require_GET
def contact_detail(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    return render(request, "contacts/contact_detail.html", _detail_context(actor, contact))


AVATAR_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


@colleague_required
@require_GET
def contact_avatar(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The avatar, only for colleagues with full access (media files are never public)."""
    contact = load_contact(actor, pk)
    if not contact.avatar:
        raise Http404
    try:
        handle = contact.avatar.open("rb")
    except OSError:
        raise Http404 from None
    suffix = PurePosixPath(contact.avatar.name or "").suffix.lower()
    response = FileResponse(
        handle, content_type=AVATAR_TYPES.get(suffix, "application/octet-stream")
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return cast(HttpResponse, response)


@colleague_required
@require_GET
def contact_members(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    if contact.kind != Contact.Kind.CLIENT_GROUP:
        raise Http404
    return render(request, "contacts/contact_members.html", _members_context(actor, contact))


def _members_context(
    actor: Colleague, group: Contact, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "contact": group,
        "tab": "members",
        "members": _members(actor, group),
        "errors": errors or {},
    }


# ---------------------------------------------------------------------------------------
# Editing: sections (forms) and single changes (POST actions), each one service call.
# ---------------------------------------------------------------------------------------

SECTION_FORMS: dict[str, type[VersionedForm]] = {
    "basics": BasicsForm,
    "accounting": AccountingForm,
}


@colleague_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, actor: Colleague, pk: int, section: str) -> HttpResponse:
    form_class = SECTION_FORMS.get(section)
    if form_class is None:
        raise Http404
    contact = load_contact(actor, pk)
    initial = {**form_class.initial_for(contact), "version": contact.version}  # type: ignore[attr-defined]
    form = form_class(request.POST or None, contact=contact, initial=initial)  # type: ignore[call-arg]
    if "share_communication" in form.fields and not rules.can_edit_team(actor, contact):
        # Like privacy, the switch belongs to the admins, the owner and the manager.
        del form.fields["share_communication"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if section == "accounting" and data.get("country") is not None:
            data["country"] = data["country"] or ""
        try:
            services.update_contact(actor=actor, contact=contact, expected_version=version, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("contacts:detail", pk=contact.pk)
    return render(
        request,
        "contacts/contact_edit.html",
        {"contact": contact, "tab": "details", "form": form, "section": section},
        status=422 if request.method == "POST" else 200,
    )


def _row(model: type[Any], actor: Colleague, contact: Contact, raw: str | None) -> Any:
    """A detail row (e-mail, phone...) of this contact, by id."""
    pk = _int(raw)
    found = model.objects.filter(firm_id=actor.firm_id, contact=contact, pk=pk or 0).first()
    if found is None:
        raise ValidationError(_("Élément introuvable."))
    return found


def _card(actor: Colleague, contact: Contact, raw: str | None) -> ContactCard:
    found = (
        ContactCard.objects.filter(firm_id=actor.firm_id, pk=_int(raw) or 0)
        .filter(Q(person=contact) | Q(organization=contact))
        .first()
    )
    if found is None:
        raise ValidationError(_("Fiche de contact introuvable."))
    # SECURITY: a card to a contact the actor may not see at all is not on the page, so it
    # is as unknown as any other id (the service's refusal would name that contact's id).
    other = found.organization_id if found.person_id == contact.pk else found.person_id
    if not rules.visible_clients(actor, Level.NAME).filter(pk=other).exists():
        raise ValidationError(_("Fiche de contact introuvable."))
    return found


def _act_add_email(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_email(
        actor=actor,
        contact=contact,
        address=post.get("address", ""),
        label=post.get("label", ""),
    )


def _act_remove_email(actor: Colleague, contact: Contact, post: Any) -> None:
    services.remove_email(actor=actor, email=_row(EmailAddress, actor, contact, post.get("id")))


def _act_add_phone(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_phone(
        actor=actor, contact=contact, number=post.get("number", ""), label=post.get("label", "")
    )


def _act_remove_phone(actor: Colleague, contact: Contact, post: Any) -> None:
    services.remove_phone(actor=actor, phone=_row(PhoneNumber, actor, contact, post.get("id")))


def _act_add_address(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_address(
        actor=actor,
        contact=contact,
        street=post.get("street", ""),
        street2=post.get("street2", ""),
        postal_code=post.get("postal_code", ""),
        city=post.get("city", ""),
        region=post.get("region", ""),
        country=post.get("country", ""),
        label=post.get("label", ""),
    )


def _act_remove_address(actor: Colleague, contact: Contact, post: Any) -> None:
    services.remove_address(
        actor=actor, address=_row(PostalAddress, actor, contact, post.get("id"))
    )


def _act_add_social(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_social_handle(
        actor=actor,
        contact=contact,
        network=post.get("network", ""),
        handle=post.get("handle", ""),
    )


def _act_remove_social(actor: Colleague, contact: Contact, post: Any) -> None:
    services.remove_social_handle(
        actor=actor, social_handle=_row(SocialHandle, actor, contact, post.get("id"))
    )


def _act_add_card(actor: Colleague, contact: Contact, post: Any) -> None:
    other = _chosen(actor, _int(post.get("other")), "card")
    if other is None:
        raise ValidationError(_("Choisissez un contact."))
    if contact.kind == Contact.Kind.PERSON:
        person, organization = contact, other
    else:
        person, organization = other, contact
    services.add_card(
        actor=actor, person=person, organization=organization, role=post.get("role", "")
    )


def _act_update_card(actor: Colleague, contact: Contact, post: Any) -> None:
    services.update_card(
        actor=actor, card=_card(actor, contact, post.get("id")), role=post.get("role", "")
    )


def _act_remove_card(actor: Colleague, contact: Contact, post: Any) -> None:
    services.remove_card(actor=actor, card=_card(actor, contact, post.get("id")))


def _act_set_primary(actor: Colleague, contact: Contact, post: Any) -> None:
    primary = None
    if post.get("remove") != "1":
        primary = _chosen(actor, _int(post.get("primary_contact")), "primary_contact")
        if primary is None:
            raise ValidationError(_("Choisissez une personne."))
    services.update_contact(actor=actor, contact=contact, primary_contact=primary)


def _act_join_groups(actor: Colleague, contact: Contact, post: Any) -> None:
    services.join_groups(
        actor=actor, contact=contact, groups=_chosen_many(actor, post.getlist("groups"), "groups")
    )


def _act_leave_group(actor: Colleague, contact: Contact, post: Any) -> None:
    group = _chosen(actor, _int(post.get("group")), "group")
    if group is None:
        raise ValidationError(_("Choisissez un groupe."))
    services.remove_group_member(actor=actor, group=group, member=contact)


def _act_add_members(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_group_members(
        actor=actor,
        group=contact,
        members=_chosen_many(actor, post.getlist("members"), "members"),
    )


def _act_remove_member(actor: Colleague, contact: Contact, post: Any) -> None:
    member = _chosen(actor, _int(post.get("member")), "member")
    if member is None:
        raise ValidationError(_("Choisissez un membre."))
    services.remove_group_member(actor=actor, group=contact, member=member)


ACTIONS: dict[str, Callable[[Colleague, Contact, Any], None]] = {
    "add_email": _act_add_email,
    "remove_email": _act_remove_email,
    "add_phone": _act_add_phone,
    "remove_phone": _act_remove_phone,
    "add_address": _act_add_address,
    "remove_address": _act_remove_address,
    "add_social": _act_add_social,
    "remove_social": _act_remove_social,
    "add_card": _act_add_card,
    "update_card": _act_update_card,
    "remove_card": _act_remove_card,
    "set_primary": _act_set_primary,
    "join_groups": _act_join_groups,
    "leave_group": _act_leave_group,
    "add_members": _act_add_members,
    "remove_member": _act_remove_member,
}
MEMBERS_TAB_ACTIONS = {"add_members", "remove_member"}


def _message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@colleague_required
@require_POST
def contact_change(request: HttpRequest, actor: Colleague, pk: int, action: str) -> HttpResponse:
    """One change of a contact's details, cards, groups or members: one service call. A
    refusal shows on the page, by section; PermissionDenied (a contact seen by name only)
    is a 403."""
    handler = ACTIONS.get(action)
    if handler is None and action != "avatar":
        raise Http404
    contact = load_contact(actor, pk)
    errors: dict[str, str] = {}
    try:
        if handler is None:
            image = request.FILES.get("avatar")
            if image is None and request.POST.get("remove") != "1":
                raise ValidationError(_("Choisissez une image."))
            services.set_avatar(actor=actor, contact=contact, image=image)
        else:
            handler(actor, contact, request.POST)
    except ValidationError as error:
        errors[action] = _message(error)
    members_tab = action in MEMBERS_TAB_ACTIONS
    if not errors:
        messages.success(request, _("Modification enregistrée."))
        return redirect("contacts:members" if members_tab else "contacts:detail", pk=contact.pk)
    contact = load_contact(actor, pk)
    if members_tab:
        context = _members_context(actor, contact, errors)
        return render(request, "contacts/contact_members.html", context, status=422)
    context = _detail_context(actor, contact, errors)
    return render(request, "contacts/contact_detail.html", context, status=422)


# ---------------------------------------------------------------------------------------
# Deleting (admins only, confirmed, audited by services.delete_client).
# ---------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    contact = load_contact(actor, pk)
    if request.method == "POST":
        name = contact.display_name
        services.delete_client(actor=actor, client=contact)
        messages.success(request, _("Contact « %(name)s » supprimé.") % {"name": name})
        return redirect(f"{reverse('contacts:list')}?{urlencode({'view': 'all'})}")
    inactive = ContactType.objects.filter(firm_id=actor.firm_id, is_archive=True).first()
    return render(
        request,
        "contacts/contact_confirm_delete.html",
        {"contact": contact, "tab": "details", "inactive_type": inactive},
    )
