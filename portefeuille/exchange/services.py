"""Bulk edit of the client monitor's selection (docs/exchange.md, "Bulk edit"): one change —
owner, manager, a titled role's holder, a team member added or removed, the portfolio
(admins only), the contact type or the privacy — for many clients at once.

First a preview (`preview_bulk_edit`): which clients it changes, which already have the
value, and which the actor sees in full but may not change, each with the reason. Then the
application (`apply_bulk_edit`): one transaction; each client is changed by the very service
a single change uses (access.services, contacts.services), so each writes its own history
event and notification and checks its own rights; a client refused there is rolled back
alone (a savepoint) and reported with the reason, the others are kept.

The confirmation names the clients of the preview and the version each had then: a client
changed since by someone else is refused (« modifié depuis l'aperçu ») rather than changed
blindly, and a client the selection gained since is not touched. A client the actor does
not see in full is left out silently: it does not exist for them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.access import services as access
from portefeuille.access.models import ClientMember, OwnerEntry, Portfolio, RoleAssignment
from portefeuille.access.rules import Level, can_edit_team
from portefeuille.access.services.checks import require_active_colleague
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import field_error, require_active
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy, RoleSlot

FIELDS = (
    "owner",
    "manager",
    "role",
    "add_member",
    "remove_member",
    "portfolio",
    "contact_type",
    "privacy",
)
# Changes of the client team (admin, owner or manager of each client); the portfolio is
# for admins; the contact type for whoever sees the client in full.
TEAM_FIELDS = {"owner", "manager", "role", "add_member", "remove_member", "privacy"}
MAX_CLIENTS = 10_000
# The kind of record each change takes as its value (the privacy takes a Privacy value).
VALUE_MODELS: dict[str, type[Any]] = {
    "owner": OwnerEntry,
    "manager": Colleague,
    "role": Colleague,
    "add_member": Colleague,
    "remove_member": Colleague,
    "portfolio": Portfolio,
    "contact_type": ContactType,
}


@dataclass(frozen=True)
class BulkChange:
    """One change for every client of a selection. `value`: an OwnerEntry, a Colleague, a
    Portfolio, a ContactType or a privacy value (None empties an owner, a manager, a role,
    a portfolio or a type); `slot` for a role."""

    field: str
    value: Any = None
    slot: int | None = None


@dataclass(frozen=True)
class Refusal:
    client: Contact
    reason: str


@dataclass
class BulkPreview:
    """What a bulk change does now: the clients it changes (with their version), how many
    already have the value, and the clients refused with the reason."""

    changed: list[Contact] = field(default_factory=list)
    unchanged: list[Contact] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    # Client id -> what the preview saw of each client it changes (`_seen`): the
    # confirmation sends it back, and a client seen otherwise then is refused.
    seen: dict[int, str] = field(default_factory=dict)


def _clean_change(actor: Colleague, change: BulkChange) -> BulkChange:
    """The change checked as a whole before any client: a known field, a value of the
    actor's firm and of the right kind, a titled slot, the portfolio for admins only."""
    require_active(actor)
    if change.field not in FIELDS:
        raise field_error("field", _("Choisissez ce qu'il faut modifier."), "invalid_choice")
    value = change.value
    if change.field == "privacy":
        if value not in Privacy.values:
            raise field_error("value", _("Choisissez une confidentialité."), "invalid_choice")
    elif value is None:
        if change.field in ("add_member", "remove_member"):
            raise field_error("value", _("Choisissez un collaborateur."), "required")
    elif not isinstance(value, VALUE_MODELS[change.field]) or getattr(value, "firm_id", None) != (
        actor.firm_id
    ):
        raise field_error("value", _("Ce choix n'est pas disponible."), "invalid_choice")
    if change.field in ("manager", "role", "add_member") and value is not None:
        require_active_colleague(actor, value, "value")
    if (
        change.field == "owner"
        and not Firm.objects.filter(pk=actor.firm_id, ownership_enabled=True).exists()
    ):
        raise field_error(
            "field", _("Les responsables clients ne sont pas utilisés par le cabinet."), "off"
        )
    if change.field == "portfolio" and not actor.is_admin:
        raise PermissionDenied(
            _("Seuls les administrateurs déplacent des clients de portefeuille.")
        )
    if change.field == "role":
        titled = RoleSlot.objects.filter(firm_id=actor.firm_id, number=change.slot or 0).exclude(
            title=""
        )
        if change.slot is None or not titled.exists():
            raise field_error("slot", _("Choisissez un poste qui a un intitulé."), "unknown_slot")
    return change


def _clients(actor: Colleague, client_ids: Collection[int], *, lock: bool) -> list[Contact]:
    """The given clients the actor sees in full, by name (the others do not exist here);
    with `lock`, their rows locked until the end of the transaction."""
    ids = sorted({int(pk) for pk in client_ids})[:MAX_CLIENTS]
    rows = (
        Contact.objects.visible_to(actor, Level.FULL)
        .filter(pk__in=ids)
        .select_related("owner__colleague", "manager")
        .order_by("search_name", "pk")
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    return list(rows)


def _current(client: Contact, change: BulkChange, roles: Mapping[int, int | None]) -> bool:
    """Whether the client already is as the change would make it."""
    value = change.value
    pk: object = getattr(value, "pk", value)
    if change.field == "owner":
        return client.owner_id == pk
    if change.field == "manager":
        return client.manager_id == pk
    if change.field == "role":
        return roles.get(client.pk) == pk
    if change.field in ("add_member", "remove_member"):
        present = client.pk in roles
        return present if change.field == "add_member" else not present
    if change.field == "portfolio":
        return client.portfolio_id == pk
    if change.field == "contact_type":
        return client.contact_type_id == pk
    return bool(client.privacy == value)


def _holdings(change: BulkChange, clients: list[Contact]) -> dict[int, int | None]:
    """For a role: client id -> holder id; for a member change: the clients where the
    colleague is a direct member (value None)."""
    ids = [c.pk for c in clients]
    if change.field == "role":
        return dict(
            RoleAssignment.objects.filter(client_id__in=ids, slot=change.slot or 0).values_list(
                "client_id", "colleague_id"
            )
        )
    if change.field in ("add_member", "remove_member"):
        return dict.fromkeys(
            ClientMember.objects.filter(
                client_id__in=ids, colleague_id=change.value.pk
            ).values_list("client_id", flat=True)
        )
    return {}


def _seen(client: Contact, change: BulkChange, held: Mapping[int, int | None]) -> str:
    """What a preview saw of a client: its version (bumped by every change of its row) and,
    for a role or a member change, which rows of its team the change looks at (those do
    not bump the version)."""
    if change.field == "role":
        return f"{client.version}.{held.get(client.pk) or 0}"
    if change.field in ("add_member", "remove_member"):
        return f"{client.version}.{int(client.pk in held)}"
    return str(client.version)


NOT_EDITOR = "not_editor"


def _refusal_text(code: str) -> str:
    if code == NOT_EDITOR:
        return _(
            "Seuls un administrateur, le responsable client ou le gestionnaire de ce client "
            "peuvent modifier son équipe et sa confidentialité."
        )
    return _("Ce client a été modifié depuis l'aperçu : refaites l'aperçu.")


def preview_bulk_edit(
    *, actor: Colleague, client_ids: Collection[int], change: BulkChange
) -> BulkPreview:
    """What `apply_bulk_edit` would do now (nothing is written)."""
    change = _clean_change(actor, change)
    clients = _clients(actor, client_ids, lock=False)
    held = _holdings(change, clients)
    preview = BulkPreview()
    for client in clients:
        if change.field in TEAM_FIELDS and not can_edit_team(actor, client):
            preview.refused.append(Refusal(client, _refusal_text(NOT_EDITOR)))
        elif _current(client, change, held):
            preview.unchanged.append(client)
        else:
            preview.changed.append(client)
            preview.seen[client.pk] = _seen(client, change, held)
    return preview


def _apply_one(actor: Colleague, client: Contact, change: BulkChange) -> None:
    value = change.value
    if change.field == "owner":
        access.set_owner(actor=actor, client=client, owner=value)
    elif change.field == "manager":
        access.set_manager(actor=actor, client=client, manager=value)
    elif change.field == "role":
        assert change.slot is not None
        access.set_role_holder(actor=actor, client=client, slot=change.slot, colleague=value)
    elif change.field == "add_member":
        access.add_client_member(actor=actor, client=client, colleague=value)
    elif change.field == "remove_member":
        access.remove_client_member(actor=actor, client=client, colleague=value)
    elif change.field == "portfolio":
        access.move_client_to_portfolio(actor=actor, client=client, portfolio=value)
    elif change.field == "contact_type":
        contacts.update_contact(actor=actor, contact=client, contact_type=value)
    else:
        access.set_privacy(actor=actor, client=client, privacy=value)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    if isinstance(error, PermissionDenied) and error.args:
        return str(error.args[0])
    return _("Vous ne pouvez pas modifier ce client.")


@transaction.atomic
def apply_bulk_edit(
    *, actor: Colleague, seen: Mapping[int, str], change: BulkChange
) -> BulkPreview:
    """Applies the change to the clients of a preview (`seen`: client id -> what the preview
    saw of it, `BulkPreview.seen`), in one transaction; returns what was done: changed,
    unchanged, and refused with the reason."""
    change = _clean_change(actor, change)
    clients = _clients(actor, seen.keys(), lock=True)
    held = _holdings(change, clients)
    done = BulkPreview()
    to_change: list[Contact] = []
    for client in clients:
        if change.field in TEAM_FIELDS and not can_edit_team(actor, client):
            done.refused.append(Refusal(client, _refusal_text(NOT_EDITOR)))
        elif _seen(client, change, held) != seen[client.pk]:
            done.refused.append(Refusal(client, _refusal_text("stale")))
        elif _current(client, change, held):
            done.unchanged.append(client)
        else:
            to_change.append(client)
    if change.field in ("owner", "manager") and change.value is not None:
        # One owner or one manager for many clients: the bulk service of the coverage fix
        # (one event per client, one notification for them all).
        give = access.bulk_set_owner if change.field == "owner" else access.bulk_set_manager
        plan = give(
            actor=actor, client_ids=[c.pk for c in to_change], **{change.field: change.value}
        )
        done.changed += plan.changed
        done.unchanged += [c for c in to_change if c not in plan.changed and c not in plan.refused]
        done.refused += [Refusal(c, _refusal_text(NOT_EDITOR)) for c in plan.refused]
        return done
    for client in to_change:
        try:
            with transaction.atomic():
                _apply_one(actor, client, change)
        except (ValidationError, PermissionDenied, Http404) as error:
            done.refused.append(Refusal(client, _reason(error)))
        else:
            done.changed.append(client)
    return done
