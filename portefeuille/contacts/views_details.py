"""The "Détails" and "Membres" tabs of a contact page: reading them, the section forms, the
single changes (details, cards, groups, members, avatar) and deleting the contact. The other
tabs: views_timeline.py (Chronologie, Documents) and access/views.py (Équipe et accès, which
loads its contact with `load_contact` too). The contacts page and the create flow: views.py.

Thin adapters: every read goes through access.rules, every write through contacts.services
(one call each). A contact the viewer may not see in full is the same 404 as an unknown id
(rules.get_client); a refused change is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
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
from portefeuille.access.communication import communication_address
from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.access.rules import Level
from portefeuille.customfields import queries as custom
from portefeuille.customfields import services as custom_services
from portefeuille.customfields.forms import CustomValuesForm
from portefeuille.firms.forms import active_colleagues, apply_errors
from portefeuille.firms.models import Colleague, ContactType, RoleSlot
from portefeuille.firms.views import admin_required, colleague_required
from portefeuille.inbox.models import Ticket
from portefeuille.sales.models import Invoice, Opportunity, Project
from portefeuille.work.models import WorkItem

from . import services, validators
from .fields import ContactField, Section, ValueType, in_section
from .forms import AccountingForm, BasicsForm, VersionedForm
from .models import (
    Contact,
    ContactCard,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
)
from .queries import RelatedContact
from .views import chosen_contact, chosen_contacts, parse_id

# ---------------------------------------------------------------------------------------
# Reading: the "Détails" and "Membres" tabs, the avatar.
# ---------------------------------------------------------------------------------------


def load_contact(actor: Colleague, pk: int) -> Contact:
    """The contact with FULL access, with what the contact page frame shows (type, owner,
    manager, portfolio); name-only, hidden, unknown, other firm: the same 404. The one loader
    of every tab of the contact page: Détails and Membres (here), Chronologie and Documents
    (views_timeline.py), Équipe et accès (access/views.py). One read, through the door."""
    frame = Contact.objects.select_related(
        "contact_type", "owner__colleague", "manager", "portfolio"
    )
    contact: Contact = rules.get_client(actor, pk, Level.FULL, queryset=frame)
    return contact


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


def _fact_value(contact: Contact, entry: ContactField, others: dict[int, Any]) -> Any:
    if entry.type == ValueType.FK:
        pk = getattr(contact, entry.attname)
        if entry.model_field.related_model is Contact:
            return _related(others, pk) if pk is not None else None
        return getattr(contact, entry.name)
    if entry.type == ValueType.CHOICE:
        return getattr(contact, f"get_{entry.name}_display")()
    if entry.type == ValueType.COUNTRY:
        value = getattr(contact, entry.name)
        return value.name if value else ""
    if entry.type == ValueType.MONTH:  # shown with its day: "31/12"
        month = getattr(contact, entry.name)
        day_field = entry.name.removesuffix("_month") + "_day"
        return f"{getattr(contact, day_field)}/{month:02d}" if month else ""
    return getattr(contact, entry.name)


def _facts(actor: Colleague, contact: Contact, section: Section) -> list[dict[str, Any]]:
    """The read-only lines of a section of the contact page, from the table
    (contacts/fields.py): the fields of the contact's kind, as the template shows them
    (`display`: text, multiline, date, yes_no, link, contact, named)."""
    entries = [
        entry
        for entry in in_section(section)
        if entry.applies_to(contact.kind)
        and entry.display is not None
        and (entry.shown is None or entry.shown(contact))
    ]
    linked = {
        getattr(contact, entry.attname)
        for entry in entries
        if entry.type == ValueType.FK and entry.model_field.related_model is Contact
    }
    others = _levels(actor, {pk for pk in linked if pk is not None})
    return [
        {
            "name": entry.name,
            "label": entry.fact_label or entry.form_label,
            "display": entry.display or _fact_display(entry),
            "value": _fact_value(contact, entry, others),
        }
        for entry in entries
    ]


def _fact_display(entry: ContactField) -> str:
    if entry.type == ValueType.FK:
        return "contact" if entry.model_field.related_model is Contact else "named"
    return {
        ValueType.LONG_TEXT: "multiline",
        ValueType.DATE: "date",
        ValueType.BOOL: "yes_no",
    }.get(entry.type, "text")


def _detail_context(
    actor: Colleague, contact: Contact, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    country = str(contact.country or "")
    phones = [
        {"row": phone, "display": validators.display_phone(phone.number, country or None)}
        for phone in PhoneNumber.objects.filter(contact=contact)
    ]
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
        "basics_facts": _facts(actor, contact, "basics"),
        "accounting_facts": _facts(actor, contact, "accounting"),
        "groups": _groups(actor, contact) if contact.kind != Contact.Kind.CLIENT_GROUP else [],
        "team": _team_summary(actor, contact),
        "communication": communication_address(contact, actor.firm),
        "firm": actor.firm,
        "is_admin": actor.is_admin,
        "errors": errors or {},
        # The firm's custom fields (docs/custom-fields.md): this page is read at FULL only.
        "custom_values": custom.record_values(actor.firm_id, custom.Area.CONTACT, contact),
        "custom_edit_url": reverse("contacts:edit", args=[contact.pk, CUSTOM_SECTION]),
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
# The firm's custom fields: a section of their own (customfields/services.py writes them).
CUSTOM_SECTION = "custom"
EDIT_SECTIONS = (*SECTION_FORMS, CUSTOM_SECTION)


@colleague_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, actor: Colleague, pk: int, section: str) -> HttpResponse:
    if section == CUSTOM_SECTION:
        return _custom_edit(request, actor, pk)
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


def _custom_edit(request: HttpRequest, actor: Colleague, pk: int) -> HttpResponse:
    """The contact's custom fields (FULL, like every section), with the contact's version:
    a stale form is refused and the other person's change stays."""
    contact = load_contact(actor, pk)
    fields = custom.fields_for(actor.firm_id, custom.Area.CONTACT)
    if not fields:
        raise Http404
    values = custom.values_for([contact], custom.Area.CONTACT, fields).get(contact.pk, {})
    form = CustomValuesForm(
        request.POST or None,
        fields=fields,
        colleagues=list(active_colleagues(actor.firm_id)),
        values=values,
        initial={"version": contact.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            custom_services.set_custom_values(
                actor=actor,
                record=contact,
                values=form.values(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("contacts:detail", pk=contact.pk)
    return render(
        request,
        "contacts/contact_edit.html",
        {"contact": contact, "tab": "details", "form": form, "section": CUSTOM_SECTION},
        status=422 if request.method == "POST" else 200,
    )


def _row(model: type[Any], actor: Colleague, contact: Contact, raw: str | None) -> Any:
    """A detail row (e-mail, phone...) of this contact, by id."""
    pk = parse_id(raw)
    found = model.objects.filter(firm_id=actor.firm_id, contact=contact, pk=pk or 0).first()
    if found is None:
        raise ValidationError(_("Élément introuvable."))
    return found


def _card(actor: Colleague, contact: Contact, raw: str | None) -> ContactCard:
    found = (
        ContactCard.objects.filter(firm_id=actor.firm_id, pk=parse_id(raw) or 0)
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
    other = chosen_contact(actor, parse_id(post.get("other")), "card")
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
        primary = chosen_contact(actor, parse_id(post.get("primary_contact")), "primary_contact")
        if primary is None:
            raise ValidationError(_("Choisissez une personne."))
    services.update_contact(actor=actor, contact=contact, primary_contact=primary)


def _act_join_groups(actor: Colleague, contact: Contact, post: Any) -> None:
    services.join_groups(
        actor=actor,
        contact=contact,
        groups=chosen_contacts(actor, post.getlist("groups"), "groups"),
    )


def _act_leave_group(actor: Colleague, contact: Contact, post: Any) -> None:
    group = chosen_contact(actor, parse_id(post.get("group")), "group")
    if group is None:
        raise ValidationError(_("Choisissez un groupe."))
    services.remove_group_member(actor=actor, group=group, member=contact)


def _act_add_members(actor: Colleague, contact: Contact, post: Any) -> None:
    services.add_group_members(
        actor=actor,
        group=contact,
        members=chosen_contacts(actor, post.getlist("members"), "members"),
    )


def _act_remove_member(actor: Colleague, contact: Contact, post: Any) -> None:
    member = chosen_contact(actor, parse_id(post.get("member")), "member")
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
        {
            "contact": contact,
            "tab": "details",
            "inactive_type": inactive,
            # An admin deletes: every item of the client is theirs to count.
            "work_count": WorkItem.objects.filter(client_id=contact.pk).count(),
            "sales_count": sum(
                model.objects.filter(client_id=contact.pk).count()
                for model in (Opportunity, Project, Invoice)
            ),
            "ticket_count": Ticket.objects.filter(client_id=contact.pk).count(),
        },
    )
