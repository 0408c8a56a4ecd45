"""The owner roster (admins only): adding and removing owners, handing one owner's clients
to another, and releasing the clients of a colleague who leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portefeuille.access.models import OwnerEntry
from portefeuille.audit.services import audit_ref, new_event, record_event
from portefeuille.contacts.models import Contact, normalise_for_search
from portefeuille.firms.guards import (
    UNSET,
    Unset,
    clean_text,
    field_error,
    require_admin,
    same_firm,
)
from portefeuille.firms.models import Colleague, Firm
from portefeuille.notifications.kinds import MANAGER_GIVEN, TRANSFERRED_FROM, TRANSFERRED_TO
from portefeuille.notifications.services import notify, notify_many

from .checks import bulk_record, require_active_colleague, update_clients

OWNER_NAME_MAX = OwnerEntry._meta.get_field("name").max_length or 200


@dataclass(frozen=True)
class Released:
    """What `release_colleague_clients` moved."""

    owned: int
    managed: int


@transaction.atomic
def add_roster_owner(
    *,
    actor: Colleague,
    colleague: Colleague | None = None,
    name: str | None = None,
    allow_manual: bool = False,
) -> OwnerEntry:
    """Adds a colleague, or a manual owner known by name, to the owner roster.

    `name` given (even blank) asks for a manual owner: a blank one is refused as a required
    name. A manual name that matches an active colleague is refused (code
    "matches_colleague", with the colleague's id in the error's params) unless
    `allow_manual` confirms it.
    """
    require_admin(actor)
    named = bool((name or "").strip())
    if colleague is None and name is not None and not named:
        raise field_error("name", _("Ce champ est obligatoire."), "required")
    if (colleague is None) == (not named):
        raise field_error(
            "colleague",
            _("Choisissez soit un collaborateur, soit un nom de responsable."),
            "colleague_xor_name",
        )
    # Serialise roster changes of one firm, so two admins cannot add the same name twice.
    Firm.objects.select_for_update().filter(pk=actor.firm_id).first()
    roster = OwnerEntry.objects.filter(firm_id=actor.firm_id)
    if colleague is not None:
        require_active_colleague(actor, colleague, "colleague")
        if roster.filter(colleague=colleague).exists():
            raise field_error(
                "colleague",
                _("%(name)s est déjà dans la liste des responsables clients.")
                % {"name": colleague.full_name},
                "already_on_roster",
            )
        entry = OwnerEntry.objects.create(firm_id=actor.firm_id, colleague=colleague)
    else:
        clean = clean_text(name, "name", OWNER_NAME_MAX)
        wanted = normalise_for_search(clean)
        if any(
            normalise_for_search(other) == wanted
            for other in roster.filter(colleague__isnull=True).values_list("name", flat=True)
        ):
            raise field_error(
                "name",
                _("« %(name)s » est déjà dans la liste des responsables clients.")
                % {"name": clean},
                "already_on_roster",
            )
        if not allow_manual:
            for match in Colleague.objects.filter(firm_id=actor.firm_id, is_active=True):
                if normalise_for_search(match.full_name) == wanted:
                    raise ValidationError(
                        {
                            "name": ValidationError(
                                _(
                                    "« %(name)s » correspond au collaborateur %(colleague)s : "
                                    "ajoutez plutôt ce collaborateur, ou confirmez le "
                                    "responsable manuel."
                                ),
                                code="matches_colleague",
                                params={
                                    "name": clean,
                                    "colleague": match.full_name,
                                    "colleague_id": match.pk,
                                },
                            )
                        }
                    )
        entry = OwnerEntry.objects.create(firm_id=actor.firm_id, name=clean)
    record_event(
        actor=actor,
        action="roster.added",
        after={"owner": audit_ref(entry)},
    )
    return entry


def _check_target_owner(
    actor: Colleague, source: OwnerEntry, target: OwnerEntry, field: str
) -> None:
    same_firm(actor, target)
    if target.pk == source.pk:
        raise field_error(
            field,
            _("Choisissez un autre responsable que celui dont les clients partent."),
            "same_owner",
        )
    if target.colleague_id is not None and not target.colleague.is_active:  # type: ignore[union-attr]
        raise field_error(
            field,
            _("%(name)s est désactivé : choisissez un responsable actif.") % {"name": target},
            "inactive",
        )


def _reassign_owner(
    actor: Colleague, clients: list[Contact], source: OwnerEntry, target: OwnerEntry | None
) -> int:
    bulk_record(
        new_event(
            actor=actor,
            action="client.owner_changed",
            client=client,
            before={"owner": audit_ref(source)},
            after={"owner": audit_ref(target)},
        )
        for client in clients
    )
    return update_clients(clients, owner=target)


def _locked_clients(actor: Colleague, **where: Any) -> list[Contact]:
    return list(
        Contact.objects.select_for_update()
        .filter(firm_id=actor.firm_id, **where)
        .only("id", "firm_id", "display_name")
        .order_by("pk")
    )


def _notify_transfer(actor: Colleague, source: OwnerEntry, target: OwnerEntry, count: int) -> None:
    """One notification to each side of a transfer (a manual owner has nobody to tell)."""
    if not count:
        return
    params = {
        "count": count,
        "from_owner_id": source.pk,
        "from_colleague_id": source.colleague_id,
        "to_owner_id": target.pk,
        "to_colleague_id": target.colleague_id,
    }
    for kind, entry in ((TRANSFERRED_TO, target), (TRANSFERRED_FROM, source)):
        if entry.colleague_id is not None:
            notify(
                kind=kind,
                recipients=[entry.colleague],  # type: ignore[list-item]
                client=None,
                actor=actor,
                params=params,
            )


@transaction.atomic
def transfer_clients(*, actor: Colleague, from_owner: OwnerEntry, to_owner: OwnerEntry) -> int:
    """Gives every client of one owner to another, in one transaction. Returns the count."""
    require_admin(actor)
    same_firm(actor, from_owner)
    _check_target_owner(actor, from_owner, to_owner, "to_owner")
    clients = _locked_clients(actor, owner_id=from_owner.pk)
    count = _reassign_owner(actor, clients, from_owner, to_owner)
    _notify_transfer(actor, from_owner, to_owner, count)
    record_event(
        actor=actor,
        action="roster.clients_transferred",
        before={"owner": audit_ref(from_owner)},
        after={"owner": audit_ref(to_owner), "clients": count},
    )
    return count


@transaction.atomic
def remove_roster_owner(
    *, actor: Colleague, entry: OwnerEntry, transfer_to: OwnerEntry | Unset | None = UNSET
) -> int:
    """Removes an owner from the roster; their clients go to `transfer_to`, or become
    unowned when it is None. Returns the number of clients concerned.

    Left out (UNSET), the removal of an owner who has clients is refused (code
    "choice_needed", naming how many): the caller must say where they go, or say None."""
    require_admin(actor)
    same_firm(actor, entry)
    if isinstance(transfer_to, OwnerEntry):
        _check_target_owner(actor, entry, transfer_to, "transfer_to")
    clients = _locked_clients(actor, owner_id=entry.pk)
    if isinstance(transfer_to, Unset):
        if clients:
            raise field_error(
                "transfer_to",
                ngettext(
                    "%(name)s est responsable d'%(count)s client : choisissez le responsable "
                    "qui le reçoit, ou de ne pas le transférer.",
                    "%(name)s est responsable de %(count)s clients : choisissez le responsable "
                    "qui les reçoit, ou de ne pas les transférer.",
                    len(clients),
                )
                % {"name": entry, "count": len(clients)},
                "choice_needed",
            )
        transfer_to = None
    count = _reassign_owner(actor, clients, entry, transfer_to)
    if transfer_to is not None:
        _notify_transfer(actor, entry, transfer_to, count)
    record_event(
        actor=actor,
        action="roster.removed",
        before={"owner": audit_ref(entry)},
        after={"clients_to": audit_ref(transfer_to), "clients": count},
    )
    entry.delete()
    return count


@transaction.atomic
def release_colleague_clients(
    *,
    actor: Colleague,
    colleague: Colleague,
    owner_to: OwnerEntry | None,
    manager_to: Colleague | None,
) -> Released:
    """Before a colleague is deactivated or deleted: the clients they own (through their
    roster entry) go to `owner_to`, those they manage to `manager_to` (None: nobody).
    The roster entry itself stays until removed from the roster. Told as a transfer is
    (one notification to each owner), and the new manager once for all their clients."""
    require_admin(actor)
    same_firm(actor, colleague)
    entry = OwnerEntry.objects.filter(firm_id=actor.firm_id, colleague=colleague).first()
    if owner_to is not None:
        if entry is not None:
            _check_target_owner(actor, entry, owner_to, "owner_to")
        else:
            same_firm(actor, owner_to)
    if manager_to is not None:
        require_active_colleague(actor, manager_to, "manager_to")
        if manager_to.pk == colleague.pk:
            raise field_error(
                "manager_to",
                _("Choisissez un autre gestionnaire que le collaborateur qui part."),
                "same_manager",
            )
    owned = 0
    if entry is not None:
        owned = _reassign_owner(actor, _locked_clients(actor, owner_id=entry.pk), entry, owner_to)
        if owner_to is not None:
            _notify_transfer(actor, entry, owner_to, owned)
    managed_clients = _locked_clients(actor, manager_id=colleague.pk)
    bulk_record(
        new_event(
            actor=actor,
            action="client.manager_changed",
            client=client,
            before={"manager": audit_ref(colleague)},
            after={"manager": audit_ref(manager_to)},
        )
        for client in managed_clients
    )
    managed = update_clients(managed_clients, manager=manager_to)
    if manager_to is not None:
        notify_many(
            kind=MANAGER_GIVEN,
            recipient=manager_to,
            clients=managed_clients,
            actor=actor,
            params={"manager_id": manager_to.pk},
        )
    record_event(
        actor=actor,
        action="colleague.clients_released",
        before={"colleague": audit_ref(colleague)},
        after={
            "owner": audit_ref(owner_to),
            "manager": audit_ref(manager_to),
            "owned": owned,
            "managed": managed,
        },
    )
    return Released(owned=owned, managed=managed)
