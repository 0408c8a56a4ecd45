"""The client checks every service starts with: the client re-read in the actor's firm,
locked, and seen at the level the action needs; an admin-only action; a usable owner.
One answer everywhere (docs/access-rules.md): a client the actor cannot see is a 404,
exactly like an unknown id; a client seen by name only is a 403 for anything more."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import field_error, require_active, require_admin, same_firm
from portefeuille.firms.models import Colleague, Firm

from .models import OwnerEntry
from .rules import Level, level


def name_only_refusal() -> PermissionDenied:
    return PermissionDenied(
        _("Vous ne voyez que le nom de ce contact : vous ne pouvez pas le modifier.")
    )


def require_level(actor: Colleague, client: Contact, minimum: Level) -> None:
    """SECURITY: not seen at all is a 404 whatever `minimum` is; seen below it, a 403."""
    found = level(actor, client)
    if found == Level.NONE:
        raise Http404
    if found < minimum:
        raise name_only_refusal()


def lock_client(actor: Colleague, client: Contact, minimum: Level | None = Level.FULL) -> Contact:
    """The client's row, re-read in the actor's firm and locked until the end of the
    transaction, once the actor (active) is checked to see it at `minimum` (None: the
    caller checks a finer right itself, e.g. editing the client team)."""
    require_active(actor)
    same_firm(actor, client)
    found = Contact.objects.select_for_update().filter(pk=client.pk, firm_id=actor.firm_id).first()
    if found is None:
        raise Http404
    if minimum is not None:
        require_level(actor, found, minimum)
    return found


def require_admin_on_client(actor: Colleague, client: Contact) -> None:
    """An admin-only action on a client: a client the actor cannot see stays a 404."""
    require_active(actor)
    if not actor.is_admin:
        require_level(actor, client, Level.NAME)
        require_admin(actor)


def check_owner(actor: Colleague, firm: Firm, owner: OwnerEntry) -> None:
    """An owner-roster entry may be given to a client: of the firm, ownership on, active."""
    same_firm(actor, owner)
    if not firm.ownership_enabled:
        raise field_error(
            "owner",
            _("Les responsables clients sont désactivés dans ce cabinet."),
            "ownership_disabled",
        )
    if owner.colleague_id is not None and not owner.colleague.is_active:  # type: ignore[union-attr]
        raise field_error(
            "owner",
            _("%(name)s est désactivé : choisissez un responsable actif.") % {"name": owner},
            "inactive",
        )
