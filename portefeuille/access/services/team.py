"""Writes on a client's team and privacy (admin, owner or manager): owner, manager, role
holders, members, and `change_client_team`, which does several of them all or nothing.

Decisions where the product text is silent (see also access/services/__init__.py):
- The owner cannot be set while the firm's ownership switch is off (the field is hidden);
  data set before is kept and still gives access (docs/access-rules.md).
- A holder cannot be given an untitled role slot; removing the holder of a slot is always
  allowed (an untitled slot's holders keep their access until removed).
- Adding a member that already exists, or removing one that does not, is a ValidationError
  (the screen was stale), not a silent success.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from portefeuille.access.guards import check_owner, lock_client
from portefeuille.access.models import ClientMember, OwnerEntry, RoleAssignment
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import UNSET, Unset, check_version, field_error, same_firm
from portefeuille.firms.models import Colleague, Privacy, RoleSlot, Team
from portefeuille.notifications import kinds as notification_kinds
from portefeuille.notifications.services import holders, notify

from .checks import (
    copy_back,
    fresh_firm,
    holder_name,
    holder_of,
    holder_ref,
    one_of,
    require_active_colleague,
    require_team_editor,
    touch,
)


@transaction.atomic
def set_owner(*, actor: Colleague, client: Contact, owner: OwnerEntry | None) -> Contact:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    if owner is not None:
        check_owner(actor, fresh_firm(actor), owner)
    if (owner.pk if owner else None) == locked.owner_id:
        return locked
    previous = locked.owner
    locked.owner = owner
    touch(locked, "owner")
    record_event(
        actor=actor,
        action="client.owner_changed",
        client=locked,
        before={"owner": audit_ref(previous)},
        after={"owner": audit_ref(owner)},
    )
    if owner is not None and owner.colleague is not None:
        notify(
            kind=notification_kinds.OWNER_GIVEN,
            recipients=[owner.colleague],
            client=locked,
            actor=actor,
        )
    copy_back(client, locked, "owner_id")
    return locked


@transaction.atomic
def set_manager(*, actor: Colleague, client: Contact, manager: Colleague | None) -> Contact:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    if manager is not None:
        require_active_colleague(actor, manager, "manager")
    if (manager.pk if manager else None) == locked.manager_id:
        return locked
    previous = locked.manager
    locked.manager = manager
    touch(locked, "manager")
    record_event(
        actor=actor,
        action="client.manager_changed",
        client=locked,
        before={"manager": audit_ref(previous)},
        after={"manager": audit_ref(manager)},
    )
    if manager is not None:
        notify(
            kind=notification_kinds.MANAGER_GIVEN, recipients=[manager], client=locked, actor=actor
        )
    copy_back(client, locked, "manager_id")
    return locked


@transaction.atomic
def set_role_holder(
    *, actor: Colleague, client: Contact, slot: int, colleague: Colleague | None
) -> RoleAssignment | None:
    """Gives a titled role slot of the client to a colleague, or empties it (None)."""
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    role_slot = RoleSlot.objects.filter(firm_id=actor.firm_id, number=slot).first()
    if role_slot is None:
        raise field_error("slot", _("Ce poste n'existe pas."), "unknown_slot")
    if colleague is not None:
        if not role_slot.title:
            raise field_error(
                "slot",
                _("Ce poste n'a pas d'intitulé : donnez-lui un intitulé dans les réglages."),
                "untitled_slot",
            )
        require_active_colleague(actor, colleague, "colleague")
    current = RoleAssignment.objects.filter(client_id=locked.pk, slot=slot).first()
    previous = current.colleague if current else None
    if (colleague.pk if colleague else None) == (previous.pk if previous else None):
        return current
    if colleague is None:
        assert current is not None
        current.delete()
        result = None
    elif current is None:
        result = RoleAssignment.objects.create(
            firm_id=actor.firm_id, client=locked, slot=slot, colleague=colleague
        )
    else:
        current.colleague = colleague
        current.save(update_fields=["colleague"])
        result = current
    record_event(
        actor=actor,
        action="client.role_changed",
        client=locked,
        before={"role": {"slot": slot, "title": role_slot.title, "colleague": audit_ref(previous)}},
        after={"role": {"slot": slot, "title": role_slot.title, "colleague": audit_ref(colleague)}},
    )
    if colleague is not None:
        notify(
            kind=notification_kinds.ROLE_GIVEN,
            recipients=[colleague],
            client=locked,
            actor=actor,
            params={"slot": slot},
        )
    return result


@transaction.atomic
def add_client_member(
    *,
    actor: Colleague,
    client: Contact,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> ClientMember:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    holder = holder_of(actor, colleague, team)
    existing = ClientMember.objects.filter(client_id=locked.pk)
    if existing.filter(colleague=colleague, team=team).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s fait déjà partie de l'équipe client.")
            % {"name": holder_name(colleague, team)},
            "already_member",
        )
    member = ClientMember.objects.create(
        firm_id=actor.firm_id, client=locked, colleague=colleague, team=team
    )
    record_event(
        actor=actor,
        action="client.member_added",
        client=locked,
        after={"member": holder},
    )
    notify(
        kind=notification_kinds.MEMBER_GIVEN,
        recipients=holders(colleague, team),
        client=locked,
        actor=actor,
        params={"team_id": team.pk} if team is not None else None,
    )
    return member


@transaction.atomic
def remove_client_member(
    *,
    actor: Colleague,
    client: Contact,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> None:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = ClientMember.objects.filter(
        client_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s ne fait pas partie de l'équipe client.")
            % {"name": holder_name(colleague, team)},
            "not_member",
        )
    record_event(
        actor=actor,
        action="client.member_removed",
        client=locked,
        before={"member": holder_ref(colleague, team)},
    )


@transaction.atomic
def set_privacy(*, actor: Colleague, client: Contact, privacy: str) -> Contact:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    if privacy not in Privacy.values:
        raise field_error("privacy", _("Choisissez public, privé ou masqué."), "privacy")
    if privacy == locked.privacy:
        return locked
    previous = locked.privacy
    locked.privacy = privacy
    touch(locked, "privacy")
    record_event(
        actor=actor,
        action="client.privacy_changed",
        client=locked,
        before={"privacy": previous},
        after={"privacy": privacy},
    )
    copy_back(client, locked, "privacy")
    return locked


@transaction.atomic
def change_client_team(
    *,
    actor: Colleague,
    client: Contact,
    expected_version: int | None = None,
    owner: OwnerEntry | Unset | None = UNSET,
    manager: Colleague | Unset | None = UNSET,
    roles: Sequence[tuple[int, Colleague | None]] = (),
    add_members: Iterable[Colleague | Team] = (),
    remove_members: Iterable[Colleague | Team] = (),
) -> Contact:
    """Changes several parts of a client's team in one call, all or nothing: the owner and
    the manager (when given; None removes them), role holders (`(slot, colleague)`, None
    empties the slot), members added, members removed — in that order, each with its own
    history event, exactly as the single services above record them. The first refusal
    undoes every part: no row written, no event.

    Only an admin, the owner or the manager may, even for an empty change. `expected_version`
    is the client's version the caller loaded (its owner and manager live on the client's
    row); a stale one is refused with StaleVersionError before anything is written."""
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    check_version(locked, expected_version)
    if not isinstance(owner, Unset):
        set_owner(actor=actor, client=locked, owner=owner)
    if not isinstance(manager, Unset):
        set_manager(actor=actor, client=locked, manager=manager)
    for slot, holder in roles:
        set_role_holder(actor=actor, client=locked, slot=slot, colleague=holder)
    for member in add_members:
        colleague, team = _colleague_or_team(member)
        add_client_member(actor=actor, client=locked, colleague=colleague, team=team)
    for member in remove_members:
        colleague, team = _colleague_or_team(member)
        remove_client_member(actor=actor, client=locked, colleague=colleague, team=team)
    copy_back(client, locked, "owner_id", "manager_id")
    return locked


def _colleague_or_team(member: Colleague | Team) -> tuple[Colleague | None, Team | None]:
    return (None, member) if isinstance(member, Team) else (member, None)
