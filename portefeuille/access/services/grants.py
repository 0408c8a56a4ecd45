"""Access grants on a client (admin, owner or manager): a colleague or a team given access
to one client. Granting one that exists, or revoking one that does not, is a ValidationError
(the screen was stale), not a silent success."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portefeuille.access.guards import lock_client
from portefeuille.access.models import AccessGrant
from portefeuille.audit.services import record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import field_error, same_firm
from portefeuille.firms.models import Colleague, Team

from .checks import holder_name, holder_of, holder_ref, one_of, require_team_editor


@transaction.atomic
def grant_access(
    *,
    actor: Colleague,
    client: Contact,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> AccessGrant:
    locked = lock_client(actor, client, None)
    require_team_editor(actor, locked)
    holder = holder_of(actor, colleague, team)
    if AccessGrant.objects.filter(client_id=locked.pk, colleague=colleague, team=team).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s a déjà un accès accordé à ce client.")
            % {"name": holder_name(colleague, team)},
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
    require_team_editor(actor, locked)
    one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = AccessGrant.objects.filter(
        client_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s n'a pas d'accès accordé à ce client.")
            % {"name": holder_name(colleague, team)},
            "not_granted",
        )
    record_event(
        actor=actor,
        action="client.access_revoked",
        client=locked,
        before={"grant": holder_ref(colleague, team)},
    )
