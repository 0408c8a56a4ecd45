"""Every write on client teams, privacy, grants, portfolios and the owner roster. The client
record itself (creating, changing its details, deleting) is written by contacts/services.py.

Each function checks the actor's permission itself (access/guards.py, docs/access-rules.md),
validates, writes in one transaction and records a history event per change in that same
transaction. Objects of another firm raise Http404, exactly like unknown ids; a client the
actor cannot see at all is a 404 too, a client they see but may not change is a
PermissionDenied.

Decisions where the product text is silent:
- The team, privacy and grants may be changed by an admin, the owner or the manager;
  portfolios and the owner roster by admins only.
- The owner cannot be set while the firm's ownership switch is off (the field is hidden);
  data set before is kept and still gives access (docs/access-rules.md).
- Adding a member or a grant that already exists, or removing one that does not, is a
  ValidationError (the screen was stale), not a silent success.
- A holder cannot be given an untitled role slot; removing the holder of a slot is always
  allowed (an untitled slot's holders keep their access until removed).
- `version` counts every write to the client's own row (details, owner, manager,
  privacy, portfolio, transfers), so an ETag built on it changes whenever the client's
  representation does. Role holders, members and grants live in their own tables and
  leave it alone.
- History events store facts (`before` / `after`: ids, names, values); their sentences
  are written when read (docs/history.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import audit_ref, new_event, record_event
from portefeuille.contacts.models import Contact, normalise_for_search
from portefeuille.firms.guards import (
    clean_text,
    field_error,
    require_active,
    require_admin,
    same_firm,
)
from portefeuille.firms.models import Colleague, Firm, Privacy, RoleSlot, Team

from .guards import check_owner, lock_client, require_admin_on_client, require_level
from .models import AccessGrant, ClientMember, OwnerEntry, Portfolio, PortfolioStaff, RoleAssignment
from .rules import Level, can_edit_team

PORTFOLIO_NAME_MAX = Portfolio._meta.get_field("name").max_length or 200
OWNER_NAME_MAX = OwnerEntry._meta.get_field("name").max_length or 200
AUDIT_BATCH = 1000


@dataclass(frozen=True)
class Released:
    """What `release_colleague_clients` moved."""

    owned: int
    managed: int


# ---------------------------------------------------------------------------------------
# Checks shared by the services.
# ---------------------------------------------------------------------------------------


def _require_team_editor(actor: Colleague, client: Contact) -> None:
    require_active(actor)
    if can_edit_team(actor, client):
        return
    require_level(actor, client, Level.FULL)
    raise PermissionDenied(
        _(
            "Seuls un administrateur, le responsable client ou le gestionnaire de ce client "
            "peuvent modifier son équipe, sa confidentialité et ses accès."
        )
    )


def _require_active_colleague(actor: Colleague, colleague: Colleague, field: str) -> None:
    same_firm(actor, colleague)
    if not colleague.is_active:
        raise field_error(
            field,
            _("%(name)s est désactivé : choisissez un collaborateur actif.")
            % {"name": colleague.full_name},
            "inactive",
        )


def _one_of(colleague: Colleague | None, team: Team | None) -> None:
    if (colleague is None) == (team is None):
        raise field_error(
            "colleague",
            _("Choisissez soit un collaborateur, soit une équipe."),
            "colleague_xor_team",
        )


def _holder_ref(colleague: Colleague | None, team: Team | None) -> dict[str, Any]:
    """A colleague-or-team target as audit data."""
    return {"colleague": audit_ref(colleague)} if colleague else {"team": audit_ref(team)}


def _holder(actor: Colleague, colleague: Colleague | None, team: Team | None) -> dict[str, Any]:
    """Validates a colleague-or-team target and returns it as audit data."""
    _one_of(colleague, team)
    if colleague is not None:
        _require_active_colleague(actor, colleague, "colleague")
    else:
        same_firm(actor, team)
    return _holder_ref(colleague, team)


def _holder_name(colleague: Colleague | None, team: Team | None) -> str:
    if colleague is not None:
        return colleague.full_name
    return _("l'équipe « %(team)s »") % {"team": team}


def _touch(client: Contact, *fields: str) -> None:
    """Saves the given fields of a locked client, bumping its version."""
    client.updated_at = timezone.now()
    client.version += 1
    client.save(update_fields=[*fields, "updated_at", "version"])


def _sync(original: Contact, locked: Contact, *fields: str) -> None:
    """Copies what a service wrote back onto the caller's instance."""
    for field in (*fields, "updated_at", "version"):
        setattr(original, field, getattr(locked, field))


def _fresh_firm(actor: Colleague) -> Firm:
    return Firm.objects.get(pk=actor.firm_id)


def _bulk_record(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=AUDIT_BATCH)


def _update_clients(clients: list[Contact], **values: Any) -> int:
    """Updates the given (already locked) clients, in batches that every database accepts."""
    values["updated_at"] = timezone.now()
    values["version"] = F("version") + 1
    ids = [client.pk for client in clients]
    count = 0
    for start in range(0, len(ids), AUDIT_BATCH):
        count += Contact.objects.filter(pk__in=ids[start : start + AUDIT_BATCH]).update(**values)
    return count


# ---------------------------------------------------------------------------------------
# The client record.
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# The client team, privacy and grants (admin, owner or manager).
# ---------------------------------------------------------------------------------------


@transaction.atomic
def set_owner(*, actor: Colleague, client: Contact, owner: OwnerEntry | None) -> Contact:
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
    if owner is not None:
        check_owner(actor, _fresh_firm(actor), owner)
    if (owner.pk if owner else None) == locked.owner_id:
        return locked
    previous = locked.owner
    locked.owner = owner
    _touch(locked, "owner")
    record_event(
        actor=actor,
        action="client.owner_changed",
        client=locked,
        before={"owner": audit_ref(previous)},
        after={"owner": audit_ref(owner)},
    )
    _sync(client, locked, "owner_id")
    return locked


@transaction.atomic
def set_manager(*, actor: Colleague, client: Contact, manager: Colleague | None) -> Contact:
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
    if manager is not None:
        _require_active_colleague(actor, manager, "manager")
    if (manager.pk if manager else None) == locked.manager_id:
        return locked
    previous = locked.manager
    locked.manager = manager
    _touch(locked, "manager")
    record_event(
        actor=actor,
        action="client.manager_changed",
        client=locked,
        before={"manager": audit_ref(previous)},
        after={"manager": audit_ref(manager)},
    )
    _sync(client, locked, "manager_id")
    return locked


@transaction.atomic
def set_role_holder(
    *, actor: Colleague, client: Contact, slot: int, colleague: Colleague | None
) -> RoleAssignment | None:
    """Gives a titled role slot of the client to a colleague, or empties it (None)."""
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
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
        _require_active_colleague(actor, colleague, "colleague")
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
    _require_team_editor(actor, locked)
    holder = _holder(actor, colleague, team)
    existing = ClientMember.objects.filter(client_id=locked.pk)
    if existing.filter(colleague=colleague, team=team).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s fait déjà partie de l'équipe client.")
            % {"name": _holder_name(colleague, team)},
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
    _require_team_editor(actor, locked)
    _one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = ClientMember.objects.filter(
        client_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s ne fait pas partie de l'équipe client.")
            % {"name": _holder_name(colleague, team)},
            "not_member",
        )
    record_event(
        actor=actor,
        action="client.member_removed",
        client=locked,
        before={"member": _holder_ref(colleague, team)},
    )


@transaction.atomic
def set_privacy(*, actor: Colleague, client: Contact, privacy: str) -> Contact:
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
    if privacy not in Privacy.values:
        raise field_error("privacy", _("Choisissez public, privé ou masqué."), "privacy")
    if privacy == locked.privacy:
        return locked
    previous = locked.privacy
    locked.privacy = privacy
    _touch(locked, "privacy")
    record_event(
        actor=actor,
        action="client.privacy_changed",
        client=locked,
        before={"privacy": previous},
        after={"privacy": privacy},
    )
    _sync(client, locked, "privacy")
    return locked


@transaction.atomic
def grant_access(
    *,
    actor: Colleague,
    client: Contact,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> AccessGrant:
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
    holder = _holder(actor, colleague, team)
    if AccessGrant.objects.filter(client_id=locked.pk, colleague=colleague, team=team).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s a déjà un accès accordé à ce client.")
            % {"name": _holder_name(colleague, team)},
            "already_granted",
        )
    grant = AccessGrant.objects.create(
        firm_id=actor.firm_id, client=locked, colleague=colleague, team=team
    )
    record_event(
        actor=actor,
        action="client.access_granted",
        client=locked,
        after={"grant": holder},
    )
    return grant


@transaction.atomic
def revoke_access(
    *,
    actor: Colleague,
    client: Contact,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> None:
    locked = lock_client(actor, client, None)
    _require_team_editor(actor, locked)
    _one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = AccessGrant.objects.filter(
        client_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s n'a pas d'accès accordé à ce client.")
            % {"name": _holder_name(colleague, team)},
            "not_granted",
        )
    record_event(
        actor=actor,
        action="client.access_revoked",
        client=locked,
        before={"grant": _holder_ref(colleague, team)},
    )


# ---------------------------------------------------------------------------------------
# Portfolios (admins only).
# ---------------------------------------------------------------------------------------


def _validated_portfolio(
    actor: Colleague, name: str, email: str, exclude: Portfolio | None = None
) -> tuple[str, str]:
    errors: dict[str, list[ValidationError]] = {}
    try:
        clean_name = clean_text(name, "name", PORTFOLIO_NAME_MAX)
    except ValidationError as error:
        errors.update(error.error_dict)
        clean_name = ""
    clean_email = (email or "").strip().lower()
    if clean_email:
        try:
            validate_email(clean_email)
        except ValidationError:
            errors["email"] = [
                ValidationError(_("Saisissez une adresse e-mail valide."), code="email")
            ]
    if clean_name:
        same = Portfolio.objects.filter(firm_id=actor.firm_id, name__iexact=clean_name)
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors["name"] = [
                ValidationError(_("Un portefeuille porte déjà ce nom."), code="duplicate_name")
            ]
    if errors:
        raise ValidationError(errors)
    return clean_name, clean_email


@transaction.atomic
def create_portfolio(*, actor: Colleague, name: str, email: str = "") -> Portfolio:
    require_admin(actor)
    clean_name, clean_email = _validated_portfolio(actor, name, email)
    portfolio = Portfolio.objects.create(firm_id=actor.firm_id, name=clean_name, email=clean_email)
    record_event(
        actor=actor,
        action="portfolio.created",
        after={"portfolio": audit_ref(portfolio), "email": clean_email},
    )
    return portfolio


def _lock_portfolio(actor: Colleague, portfolio: Portfolio) -> Portfolio:
    same_firm(actor, portfolio)
    try:
        return Portfolio.objects.select_for_update().get(pk=portfolio.pk, firm_id=actor.firm_id)
    except Portfolio.DoesNotExist:
        raise Http404 from None


@transaction.atomic
def update_portfolio(*, actor: Colleague, portfolio: Portfolio, name: str, email: str) -> Portfolio:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    clean_name, clean_email = _validated_portfolio(actor, name, email, exclude=locked)
    if (clean_name, clean_email) == (locked.name, locked.email):
        return locked
    before = {"name": locked.name, "email": locked.email}
    locked.name, locked.email = clean_name, clean_email
    locked.save(update_fields=["name", "email"])
    record_event(
        actor=actor,
        action="portfolio.updated",
        before={"portfolio": {"id": locked.pk, **before}},
        after={"portfolio": {"id": locked.pk, "name": clean_name, "email": clean_email}},
    )
    portfolio.name, portfolio.email = clean_name, clean_email
    return locked


@transaction.atomic
def delete_portfolio(*, actor: Colleague, portfolio: Portfolio) -> int:
    """Deletes a portfolio; its clients leave it (one audit event each). Returns their count."""
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    clients = list(
        Contact.objects.select_for_update()
        .filter(firm_id=actor.firm_id, portfolio_id=locked.pk)
        .only("id", "firm_id", "display_name")
    )
    _bulk_record(
        new_event(
            actor=actor,
            action="client.portfolio_changed",
            client=client,
            before={"portfolio": audit_ref(locked)},
            after={"portfolio": None},
        )
        for client in clients
    )
    _update_clients(clients, portfolio=None)
    record_event(
        actor=actor,
        action="portfolio.deleted",
        before={"portfolio": audit_ref(locked), "clients": len(clients)},
    )
    locked.delete()
    return len(clients)


@transaction.atomic
def move_client_to_portfolio(
    *, actor: Colleague, client: Contact, portfolio: Portfolio | None
) -> Portfolio | None:
    """Puts a client in a portfolio (or in none), taking it out of its previous one.

    Returns the previous portfolio so the caller can say "moved from X". The client row is
    locked, so two concurrent moves serialise and each records the true previous portfolio.
    """
    locked = lock_client(actor, client, None)
    require_admin_on_client(actor, locked)
    same_firm(actor, portfolio)
    previous = locked.portfolio
    if (portfolio.pk if portfolio else None) == locked.portfolio_id:
        return previous
    locked.portfolio = portfolio
    _touch(locked, "portfolio")
    record_event(
        actor=actor,
        action="client.portfolio_changed",
        client=locked,
        before={"portfolio": audit_ref(previous)},
        after={"portfolio": audit_ref(portfolio)},
    )
    _sync(client, locked, "portfolio_id")
    return previous


@transaction.atomic
def staff_portfolio(
    *,
    actor: Colleague,
    portfolio: Portfolio,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> PortfolioStaff:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    holder = _holder(actor, colleague, team)
    if PortfolioStaff.objects.filter(
        portfolio_id=locked.pk, colleague=colleague, team=team
    ).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s fait déjà partie du portefeuille « %(portfolio)s ».")
            % {"name": _holder_name(colleague, team), "portfolio": locked.name},
            "already_staffed",
        )
    staff = PortfolioStaff.objects.create(
        firm_id=actor.firm_id, portfolio=locked, colleague=colleague, team=team
    )
    record_event(
        actor=actor,
        action="portfolio.staffed",
        after={"portfolio": audit_ref(locked), **holder},
    )
    return staff


@transaction.atomic
def unstaff_portfolio(
    *,
    actor: Colleague,
    portfolio: Portfolio,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> None:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    _one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = PortfolioStaff.objects.filter(
        portfolio_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s ne fait pas partie du portefeuille « %(portfolio)s ».")
            % {"name": _holder_name(colleague, team), "portfolio": locked.name},
            "not_staffed",
        )
    record_event(
        actor=actor,
        action="portfolio.unstaffed",
        before={
            "portfolio": audit_ref(locked),
            **_holder_ref(colleague, team),
        },
    )


# ---------------------------------------------------------------------------------------
# The owner roster (admins only).
# ---------------------------------------------------------------------------------------


@transaction.atomic
def add_roster_owner(
    *,
    actor: Colleague,
    colleague: Colleague | None = None,
    name: str = "",
    allow_manual: bool = False,
) -> OwnerEntry:
    """Adds a colleague, or a manual owner known by name, to the owner roster.

    A manual name that matches an active colleague is refused (code "matches_colleague",
    with the colleague's id in the error's params) unless `allow_manual` confirms it.
    """
    require_admin(actor)
    if (colleague is None) == (not (name or "").strip()):
        raise field_error(
            "colleague",
            _("Choisissez soit un collaborateur, soit un nom de responsable."),
            "colleague_xor_name",
        )
    # Serialise roster changes of one firm, so two admins cannot add the same name twice.
    Firm.objects.select_for_update().filter(pk=actor.firm_id).first()
    roster = OwnerEntry.objects.filter(firm_id=actor.firm_id)
    if colleague is not None:
        _require_active_colleague(actor, colleague, "colleague")
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
    _bulk_record(
        new_event(
            actor=actor,
            action="client.owner_changed",
            client=client,
            before={"owner": audit_ref(source)},
            after={"owner": audit_ref(target)},
        )
        for client in clients
    )
    return _update_clients(clients, owner=target)


def _locked_clients(actor: Colleague, **where: Any) -> list[Contact]:
    return list(
        Contact.objects.select_for_update()
        .filter(firm_id=actor.firm_id, **where)
        .only("id", "firm_id", "display_name")
        .order_by("pk")
    )


@transaction.atomic
def transfer_clients(*, actor: Colleague, from_owner: OwnerEntry, to_owner: OwnerEntry) -> int:
    """Gives every client of one owner to another, in one transaction. Returns the count."""
    require_admin(actor)
    same_firm(actor, from_owner)
    _check_target_owner(actor, from_owner, to_owner, "to_owner")
    clients = _locked_clients(actor, owner_id=from_owner.pk)
    count = _reassign_owner(actor, clients, from_owner, to_owner)
    record_event(
        actor=actor,
        action="roster.clients_transferred",
        before={"owner": audit_ref(from_owner)},
        after={"owner": audit_ref(to_owner), "clients": count},
    )
    return count


@transaction.atomic
def remove_roster_owner(
    *, actor: Colleague, entry: OwnerEntry, transfer_to: OwnerEntry | None
) -> int:
    """Removes an owner from the roster; their clients go to `transfer_to`, or become
    unowned when it is None. Returns the number of clients concerned."""
    require_admin(actor)
    same_firm(actor, entry)
    if transfer_to is not None:
        _check_target_owner(actor, entry, transfer_to, "transfer_to")
    clients = _locked_clients(actor, owner_id=entry.pk)
    count = _reassign_owner(actor, clients, entry, transfer_to)
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
    The roster entry itself stays until removed from the roster."""
    require_admin(actor)
    same_firm(actor, colleague)
    entry = OwnerEntry.objects.filter(firm_id=actor.firm_id, colleague=colleague).first()
    if owner_to is not None:
        if entry is not None:
            _check_target_owner(actor, entry, owner_to, "owner_to")
        else:
            same_firm(actor, owner_to)
    if manager_to is not None:
        _require_active_colleague(actor, manager_to, "manager_to")
        if manager_to.pk == colleague.pk:
            raise field_error(
                "manager_to",
                _("Choisissez un autre gestionnaire que le collaborateur qui part."),
                "same_manager",
            )
    owned = 0
    if entry is not None:
        owned = _reassign_owner(actor, _locked_clients(actor, owner_id=entry.pk), entry, owner_to)
    managed_clients = _locked_clients(actor, manager_id=colleague.pk)
    _bulk_record(
        new_event(
            actor=actor,
            action="client.manager_changed",
            client=client,
            before={"manager": audit_ref(colleague)},
            after={"manager": audit_ref(manager_to)},
        )
        for client in managed_clients
    )
    managed = _update_clients(managed_clients, manager=manager_to)
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
