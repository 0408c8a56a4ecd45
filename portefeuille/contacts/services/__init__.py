"""Every write on a contact's details: creation per kind, basics and accounting details,
e-mails, phones, postal addresses, social handles, contact cards, client group members and
the avatar, one module per noun: `clients` (the client record: create, delete, update),
`cleaning` (validating the fields of contacts/fields.py, shared by the others), `details`
(e-mails, phones, postal addresses, social handles), `links` (contact cards, client group
members), `avatar`. Import the services from here.

Each function checks the actor's permission itself, validates everything before writing,
writes in one transaction and records an audit event per change in that same transaction.
Creation builds on `create_client`, which decides the privacy, owner and
manager defaults (see its docstring).

Decisions where the product text is silent:
- Anyone with full access to a contact may change its details. A link between
  two contacts (a card, a group membership, a primary contact) shows on both pages, so it
  needs full access to both: a contact seen by name only cannot be linked or unlinked
  (PermissionDenied naming it), a hidden one is reported exactly like an unknown id.
- `version` counts every write to the contact's row and to its details (e-mails, phones,
  addresses, social handles, avatar), since the API's representation of the contact shows
  them; cards and group members live apart (their own endpoints) and leave it alone.
- A person's display name is "first [middle] last", recomputed on every change of those;
  it cannot be set directly.
- A person with a VAT number must be self-employed ("self-employed reveals the VAT
  number"); changing the status later keeps the number (the page hides it).
- A new organization made while creating a person, or a new primary contact made while
  creating an organization, gets the same privacy and owner as the contact being created,
  and the two are linked by a contact card (the primary contact too).
- An address already used by another contact names that contact only if the actor may see
  it (even by name); otherwise the message is generic. The same for client codes.
"""

from __future__ import annotations

from .avatar import (
    AVATAR_FORMATS,
    AVATAR_MAX_BYTES,
    AVATAR_MAX_PIXELS,
    set_avatar,
)
from .cleaning import Kind, person_display_name
from .clients import (
    NAME_MAX,
    NewPerson,
    create_client,
    create_client_group,
    create_organization,
    create_person,
    delete_client,
    update_contact,
)
from .details import (
    ADDRESS_FIELDS,
    add_address,
    add_email,
    add_phone,
    add_social_handle,
    remove_address,
    remove_email,
    remove_phone,
    remove_social_handle,
    update_address,
    update_email,
    update_phone,
    update_social_handle,
)
from .links import (
    add_card,
    add_group_members,
    join_groups,
    remove_card,
    remove_group_member,
    update_card,
)

__all__ = [
    "ADDRESS_FIELDS",
    "AVATAR_FORMATS",
    "AVATAR_MAX_BYTES",
    "AVATAR_MAX_PIXELS",
    "NAME_MAX",
    "Kind",
    "NewPerson",
    "add_address",
    "add_card",
    "add_email",
    "add_group_members",
    "add_phone",
    "add_social_handle",
    "create_client",
    "create_client_group",
    "create_organization",
    "create_person",
    "delete_client",
    "join_groups",
    "person_display_name",
    "remove_address",
    "remove_card",
    "remove_email",
    "remove_group_member",
    "remove_phone",
    "remove_social_handle",
    "set_avatar",
    "update_address",
    "update_card",
    "update_contact",
    "update_email",
    "update_phone",
    "update_social_handle",
]
