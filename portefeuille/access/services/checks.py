"""What the access services share: the team-editor check, colleague-or-team targets, and
writes on client rows that bump their version (docs/architecture.md, "The layers")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portefeuille.access.guards import require_level
from portefeuille.access.rules import Level, can_edit_team
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import audit_ref
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import field_error, require_active, same_firm
from portefeuille.firms.models import Colleague, Firm, Team

AUDIT_BATCH = 1000


def require_team_editor(actor: Colleague, client: Contact) -> None:
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


def require_active_colleague(actor: Colleague, colleague: Colleague, field: str) -> None:
    same_firm(actor, colleague)
    if not colleague.is_active:
        raise field_error(
            field,
            _("%(name)s est désactivé : choisissez un collaborateur actif.")
            % {"name": colleague.full_name},
            "inactive",
        )


def one_of(colleague: Colleague | None, team: Team | None) -> None:
    if (colleague is None) == (team is None):
        raise field_error(
            "colleague",
            _("Choisissez soit un collaborateur, soit une équipe."),
            "colleague_xor_team",
        )


def holder_ref(colleague: Colleague | None, team: Team | None) -> dict[str, Any]:
    """A colleague-or-team target as audit data."""
    return {"colleague": audit_ref(colleague)} if colleague else {"team": audit_ref(team)}


def holder_of(actor: Colleague, colleague: Colleague | None, team: Team | None) -> dict[str, Any]:
    """Validates a colleague-or-team target and returns it as audit data."""
    one_of(colleague, team)
    if colleague is not None:
        require_active_colleague(actor, colleague, "colleague")
    else:
        same_firm(actor, team)
    return holder_ref(colleague, team)


def holder_name(colleague: Colleague | None, team: Team | None) -> str:
    if colleague is not None:
        return colleague.full_name
    return _("l'équipe « %(team)s »") % {"team": team}


def touch(client: Contact, *fields: str) -> None:
    """Saves the given fields of a locked client, bumping its version."""
    client.updated_at = timezone.now()
    client.version += 1
    client.save(update_fields=[*fields, "updated_at", "version"])


def copy_back(original: Contact, locked: Contact, *fields: str) -> None:
    """Copies what a service wrote back onto the caller's instance."""
    for field in (*fields, "updated_at", "version"):
        setattr(original, field, getattr(locked, field))


def fresh_firm(actor: Colleague) -> Firm:
    return Firm.objects.get(pk=actor.firm_id)


def bulk_record(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=AUDIT_BATCH)


def update_clients(clients: list[Contact], **values: Any) -> int:
    """Updates the given (already locked) clients, in batches that every database accepts."""
    values["updated_at"] = timezone.now()
    values["version"] = F("version") + 1
    ids = [client.pk for client in clients]
    count = 0
    for start in range(0, len(ids), AUDIT_BATCH):
        count += Contact.objects.filter(pk__in=ids[start : start + AUDIT_BATCH]).update(**values)
    return count
