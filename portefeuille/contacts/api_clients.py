"""API of the client record (/api/v1/contacts): the list and its filters, create, read,
change and delete one client, and how a client is represented for a colleague. Other
operations join this router: details, cards and members (contacts/api.py), timeline and
documents (contacts/api_timeline.py); the team, grants and access are access/api.py.

Thin adapters over contacts/services/; every read goes through access/rules.py.

Decisions where the spec is silent:
- A client seen by name only comes back as `ClientName` (id and name, nothing else).
- List filters about the client (`kind`, `owner`, `manager`, `role`, `member`, `portfolio`,
  `type`, `mine`) only ever match clients the caller sees in full; `q` and `privacy` apply
  to name-only clients too (they reveal nothing the name-only row does not show: such a
  row is always private).
- `role` is either `<slot>:<colleague id>` (that colleague holds that slot) or a colleague
  id (holds any titled slot). An untitled slot shows nowhere, filters included (docs/access-rules.md
  §2): `role=<untitled slot>:<id>` is a 422 that says so, rather than an empty list that
  would read as "nobody holds it". Its holders keep their access, and /access names it.
- `member` matches direct members and members through a team on the client team.
- `mine=true`: clients where the caller is owner, manager, holder of a titled role or
  member (directly or through a team) — the client team as /team shows it, not portfolios
  or grants.
- If-Match (and a body's `version`) is handed to the service as its expected version; the
  service refuses a stale one (412) once the caller is known to see the client in full, so
  a 412 never tells a name-only reader that the client changed.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from portefeuille.access import rules
from portefeuille.access.communication import CommunicationAddress, communication_address
from portefeuille.access.guards import name_only_refusal
from portefeuille.access.models import OwnerEntry
from portefeuille.access.rules import Level
from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, expected_version, set_etag
from portefeuille.api.errors import problem_responses
from portefeuille.api.lookup import MAX_ID, Id
from portefeuille.api.pagination import Page, PageQuery, paginate
from portefeuille.customfields.api import custom_field_names, custom_fields_of
from portefeuille.customfields.models import CustomField
from portefeuille.customfields.services import write_with_custom_values
from portefeuille.firms.models import Colleague, ContactType, RoleSlot

from . import queries, services
from .fields import CONTACT_FIELDS, ContactField, ValueType
from .models import Contact
from .schemas import (
    DETAIL_PREFETCH,
    ClientCreate,
    ClientFull,
    ClientOut,
    ClientUpdate,
    api_field_names,
    detail_fields,
    visible_links,
)

contacts_router = Router(tags=["contacts"])

ClientAnswer = ClientOut


# ---------------------------------------------------------------------------------------
# Lookups, always scoped to the caller's firm.
# ---------------------------------------------------------------------------------------


def pick(queryset: QuerySet[Any], pk: int | None, field: str) -> Any:
    """The object with this id in a scoped queryset, or a 422 on `field`."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Identifiant inconnu : %(id)s.") % {"id": pk}, code="unknown_id"
                )
            }
        )
    return found


def refuse_name_only(client: Any) -> None:
    # Before the service sees any If-Match: a 412 would tell a name-only reader that the
    # client changed; and before the ids of the body are looked up.
    if client.access_level < Level.FULL:
        raise name_only_refusal()


# ---------------------------------------------------------------------------------------
# Representations.
# ---------------------------------------------------------------------------------------


def colleague_ref(colleague: Colleague | None) -> dict[str, Any] | None:
    if colleague is None:
        return None
    return {"id": colleague.pk, "full_name": colleague.full_name, "is_active": colleague.is_active}


def owner_ref(owner: OwnerEntry | None) -> dict[str, Any] | None:
    if owner is None:
        return None
    return {"id": owner.pk, "name": str(owner), "colleague_id": owner.colleague_id}


def ref(obj: models.Model | None) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def address_answer(address: CommunicationAddress | None) -> dict[str, Any] | None:
    return None if address is None else {"email": address.email, "source": str(address.source)}


def ownership_enabled(actor: Colleague) -> bool:
    return bool(actor.firm.ownership_enabled)


def with_links(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.select_related("contact_type", "owner__colleague", "manager", "portfolio")


def represent(
    actor: Colleague,
    client: Any,
    *,
    ownership_enabled: bool,
    links: dict[int, dict[str, Any]] | None = None,
    custom: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The client as the caller may see it; a name-only row says nothing else.

    `links`: the related contacts the caller may see (contacts.schemas.visible_links),
    computed once per page; looked up for this client alone when not given. `custom`: the
    custom field values of the page's full rows (customfields/api.py::custom_fields_of),
    likewise."""
    if client.access_level < Level.FULL:
        # SECURITY: the name and nothing else (docs/access-rules.md); see schemas.ClientName.
        return {"id": client.pk, "display_name": client.display_name, "access_level": "name"}
    if custom is None:
        custom = custom_fields_of(actor.firm_id, CustomField.Area.CONTACT, [client])
    return {
        "id": client.pk,
        "kind": client.kind,
        "display_name": client.display_name,
        "privacy": client.privacy,
        "access_level": "full",
        "contact_type": ref(client.contact_type),
        "owner": owner_ref(client.owner) if ownership_enabled else None,
        "manager": colleague_ref(client.manager),
        "portfolio": ref(client.portfolio),
        "communication_address": address_answer(communication_address(client, actor.firm)),
        "can_edit_team": rules.can_edit_team(actor, client),
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "custom_fields": custom.get(client.pk, {}),
        **detail_fields(
            client,
            links if links is not None else visible_links(actor, [client.primary_contact_id]),
        ),
    }


def represent_page(actor: Colleague, clients: list[Any]) -> list[dict[str, Any]]:
    """A page of clients, their related contacts filtered in one query for the page."""
    enabled = ownership_enabled(actor)
    full = [c for c in clients if c.access_level >= Level.FULL]
    links = visible_links(actor, (c.primary_contact_id for c in full))
    custom = custom_fields_of(actor.firm_id, CustomField.Area.CONTACT, full)
    return [
        represent(actor, c, ownership_enabled=enabled, links=links, custom=custom) for c in clients
    ]


def full_client_answer(actor: Colleague, client_id: int, response: HttpResponse) -> dict[str, Any]:
    """The client as the caller sees it (name only, or whole with its ETag), read once
    through the door with what the answer shows; a 404 when the caller does not see it
    (unknown, or their own change just took their access away, e.g. made it hidden)."""
    found = rules.get_client(
        actor,
        client_id,
        Level.NAME,
        queryset=with_links(Contact.objects.prefetch_related(*DETAIL_PREFETCH)),
    )
    if found.access_level >= Level.FULL:
        set_etag(response, found.version)
    return represent(actor, found, ownership_enabled=ownership_enabled(actor))


# ---------------------------------------------------------------------------------------
# The list and its filters.
# ---------------------------------------------------------------------------------------


class ClientFilters(Schema):
    kind: Literal["person", "organization", "client_group"] | None = Field(
        None, description="person, organization or client_group."
    )
    q: str | None = Field(None, description="Part of the name; accents and case ignored.")
    privacy: Literal["public", "private", "hidden"] | None = Field(
        None, description="public, private or hidden."
    )
    owner: Id | None = Field(None, description="An owner roster entry id (/owners).")
    manager: Id | None = Field(None, description="A colleague id.")
    role: str | None = Field(
        None,
        description="`<slot>:<colleague id>` (a titled slot: an untitled one is a 422), "
        "or a colleague id holding any titled slot.",
    )
    member: Id | None = Field(None, description="A colleague id, member directly or via a team.")
    portfolio: Id | None = Field(None, description="A portfolio id.")
    type: Id | None = Field(None, description="A contact type id.")
    mine: bool = Field(False, description="Only clients whose team you are on.")
    archived: bool = Field(
        False,
        description="Include clients whose contact type is an archive type (Inactif); "
        "they are left out by default.",
    )
    group: Id | None = Field(None, description="Members of this client group.")
    coverage: Literal["no_owner", "inactive_owner", "no_manager", "empty_team"] | None = Field(
        None,
        description="Active clients with this coverage gap (GET /coverage counts them): "
        "no_owner, inactive_owner, no_manager or empty_team.",
    )


def _invalid_filter(name: str, message: str | None = None) -> NinjaValidationError:
    """A 422 located at the query parameter (`["query", name]`), like pydantic's own."""
    return NinjaValidationError(
        [
            {
                "loc": ("query", name),
                "msg": message or _("Valeur de filtre invalide."),
                "type": "value_error",
            }
        ]
    )


def _is_titled(actor: Colleague, slot: int) -> bool:
    return RoleSlot.objects.filter(firm_id=actor.firm_id, number=slot).exclude(title="").exists()


def filtered_clients(actor: Colleague, filters: ClientFilters) -> QuerySet[Any]:
    """The clients the caller sees (annotated with their level), filtered exactly as the
    contacts page filters them (contacts/queries.py: one implementation of the filters and
    of what they may tell about name-only rows)."""
    role_slot = role_holder = None
    if filters.role is not None:
        slot, _sep, holder = filters.role.rpartition(":")
        try:
            role_holder, role_slot = int(holder), int(slot) if slot else None
        except ValueError:
            raise _invalid_filter("role") from None
        if not 1 <= role_holder <= MAX_ID or (role_slot is not None and not 1 <= role_slot <= 10):
            raise _invalid_filter("role")
        if role_slot is not None and not _is_titled(actor, role_slot):
            raise _invalid_filter(
                "role",
                _(
                    "Le poste nº %(number)s n'a pas d'intitulé : il n'apparaît nulle part et "
                    "ne peut pas servir de filtre."
                )
                % {"number": role_slot},
            )
    contacts = queries.filtered_contacts(
        actor,
        queries.ContactFilters(
            view="mine" if filters.mine else "all",
            q=filters.q or "",
            kind=filters.kind or "",
            contact_type=filters.type,
            owner=filters.owner,
            manager=filters.manager,
            role_slot=role_slot,
            role_holder=role_holder,
            member=filters.member,
            portfolio=filters.portfolio,
            privacy=filters.privacy or "",
            include_inactive=filters.archived,
            group=filters.group,
            coverage=filters.coverage or "",
        ),
    )
    return with_links(rules.annotate_level(actor, contacts)).prefetch_related(*DETAIL_PREFETCH)


# ---------------------------------------------------------------------------------------
# /contacts and /contacts/{id}
# ---------------------------------------------------------------------------------------


@contacts_router.get("", response=Page[ClientAnswer], summary="List clients")
def list_clients(
    request: HttpRequest, page: Query[PageQuery], filters: Query[ClientFilters]
) -> dict[str, Any]:
    """The clients you see, by name. Private clients you see by name only come back with
    `access_level: "name"` and nothing but their name; hidden ones do not come back."""
    actor = api_colleague(request)
    result = paginate(filtered_clients(actor, filters), page, order=("search_name", "id"))
    result["items"] = represent_page(actor, result["items"])
    return result


@contacts_router.post(
    "",
    response={201: ClientFull, **problem_responses(403)},
    openapi_extra=etag_openapi(201),
    summary="Create a client",
)
def create_client(
    request: HttpRequest, payload: ClientCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A non-admin creator who would not otherwise see it in full becomes its manager.
    To create with details (a person's names, e-mails, cards...), use /contacts/people,
    /contacts/organizations or /contacts/client-groups."""
    actor = api_colleague(request)
    contact_type = pick(
        ContactType.objects.filter(firm_id=actor.firm_id),
        payload.contact_type_id,
        "contact_type_id",
    )
    owner = pick(OwnerEntry.objects.filter(firm_id=actor.firm_id), payload.owner_id, "owner_id")
    client = services.create_client(
        actor=actor,
        kind=payload.kind,
        display_name=payload.display_name,
        privacy=payload.privacy,
        contact_type=contact_type,
        owner=owner,
    )
    return Status(201, full_client_answer(actor, client.pk, response))


@contacts_router.get(
    "/{int:client_id}",  # int: /contacts/suggestions, /people... are other routes
    response=ClientAnswer,
    openapi_extra=etag_openapi(200),
    summary="A client",
)
def get_client(request: HttpRequest, client_id: int, response: HttpResponse) -> dict[str, Any]:
    return full_client_answer(api_colleague(request), client_id, response)


# What null means in a PATCH body, per type of field (contacts/fields.py): a text is
# cleared (""), a flag is not sent; a date, a number or another row is cleared (None).
_NULL_IS_EMPTY = frozenset(
    {ValueType.TEXT, ValueType.LONG_TEXT, ValueType.COUNTRY, ValueType.CHOICE}
)
_FLAGS = frozenset({"kind", "privacy"})  # null means "not sent"


def _lookup(actor: Colleague, entry: ContactField) -> QuerySet[Any]:
    """Where the id of another row sent for this field is looked up: among the contacts
    the caller may name (a hidden one reads exactly like an unknown id), else the firm's."""
    related = entry.model_field.related_model
    if related is Contact:
        return rules.visible_clients(actor, Level.NAME)
    return related.objects.filter(firm_id=actor.firm_id)  # type: ignore[no-any-return]


def _changes(actor: Colleague, sent: dict[str, Any]) -> dict[str, Any]:
    """update_contact's arguments for the fields sent, ids looked up (`_lookup`)."""
    changes = {field: sent[field] for field in _FLAGS if sent.get(field) is not None}
    for entry in CONTACT_FIELDS:
        if entry.api_name not in sent:
            continue
        value = sent[entry.api_name]
        if entry.type == ValueType.FK:
            value = pick(_lookup(actor, entry), value, entry.api_name)
        elif entry.type == ValueType.BOOL and value is None:
            continue
        elif entry.type in _NULL_IS_EMPTY:
            value = value or ""
        changes[entry.name] = value
    return changes


@contacts_router.patch(
    "/{int:client_id}",
    response={200: ClientAnswer, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change a client",
)
def update_client(
    request: HttpRequest,
    client_id: int,
    payload: ClientUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Details: anyone who sees it in full; privacy: admin, owner or manager.
    Every field sent is checked before anything is written (one 422 lists them all).
    Send the ETag in If-Match (or `version`) so a stale change is refused (412)."""
    actor = api_colleague(request)
    client = rules.get_client(actor, client_id, Level.NAME)
    refuse_name_only(client)
    sent = payload.model_dump(exclude_unset=True)
    expected = expected_version(if_match, client.version, sent_version=sent.get("version"))
    custom_values = sent.pop("custom_fields", None)
    with custom_field_names(), api_field_names():
        # The details and the custom fields: one transaction, their refusals at once.
        write_with_custom_values(
            actor=actor,
            area=CustomField.Area.CONTACT,
            values=custom_values,
            write=lambda: services.update_contact(
                actor=actor, contact=client, expected_version=expected, **_changes(actor, sent)
            ),
            record=client,
        )
    return full_client_answer(actor, client_id, response)


@contacts_router.delete(
    "/{int:client_id}",
    response={204: None, **problem_responses(403, 412)},
    summary="Delete a client (admins)",
)
def delete_client(request: HttpRequest, client_id: int, if_match: IfMatch = None) -> Status[None]:
    """For good; its history stays, with its name."""
    actor = api_colleague(request)
    client = rules.get_client(actor, client_id, Level.NAME)
    refuse_name_only(client)
    services.delete_client(
        actor=actor, client=client, expected_version=expected_version(if_match, client.version)
    )
    return Status(204, None)
