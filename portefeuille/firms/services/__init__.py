"""Every write on firms, colleagues, teams, firm settings and personal API tokens, one
module per noun: `firm` (creation, settings, role slots), `colleagues`, `teams`,
`settings_lists` (contact types, work types, work statuses, opportunity stages),
`api_tokens`; `common` holds what they share. Import the services from here.

Each function checks the actor's permission itself, validates, writes in one transaction
and records an audit event in that same transaction. Objects of another firm raise Http404,
exactly like unknown ids. Error messages are rendered in the active language (the caller's).

Decisions where the product text is silent:
- A firm always keeps at least one active admin: demoting, deactivating or deleting the
  last one is refused, and an admin cannot deactivate or delete themselves.
- Deactivating a colleague keeps their team memberships (history; reactivation restores
  them) but revokes their API tokens and deletes their web sessions, so reactivating them
  revives neither (they sign in again). A colleague who still holds a client place
  (owner, manager, role, member, portfolio staff, member of such a team) is neither
  deactivated nor deleted until the caller chooses: hand the clients over
  (`reassign_clients`), an offboarding plan (access/offboarding.py, docs/offboarding.md),
  or explicitly none (`transfer=False`); without a choice the refusal names what they hold.
- `set_team_members` sets the active members exactly; a deactivated member is kept unless
  removed explicitly (pickers never show inactive colleagues, so saving a team from a
  screen must not drop them silently). Adding an inactive colleague is refused.
- Each primary work state keeps at least one work status, so work can always be planned,
  started, put on hold and completed.
- A contact type, work type, work status or opportunity stage in use cannot be deleted;
  the message says how many records use it. Each outcome of the sales pipeline (open, won,
  lost) keeps at least one stage. Names are unique in a firm, compared without regard to case.
- A change of a colleague or of a team may carry the version the caller loaded
  (`expected_version`, firms/versions.py): a stale one is refused with StaleVersionError
  (412 in the API) and nothing is written.
- Role slot titles are unique among titled slots; an empty title hides the slot.
- The owner-required switch needs the ownership switch on.
- Invitations link to allauth's "password reset from key" page, with allauth's token
  generator (it checks the e-mail address too); the link is valid for
  PASSWORD_RESET_TIMEOUT, and an admin can send a new one.
"""

from __future__ import annotations

from .api_tokens import (
    create_api_token,
    revoke_all_api_tokens,
    revoke_api_token,
)
from .colleagues import (
    create_colleague,
    deactivate_colleague,
    delete_colleague,
    reactivate_colleague,
    send_colleague_invitation,
    update_colleague,
)
from .firm import (
    DEFAULT_CONTACT_TYPES,
    DEFAULT_WORK_STATUSES,
    DEFAULT_WORK_TYPES,
    create_firm,
    seed_firm_defaults,
    set_role_slot_titles,
    update_firm_settings,
)
from .settings_lists import (
    create_contact_type,
    create_opportunity_stage,
    create_work_status,
    create_work_type,
    delete_contact_type,
    delete_opportunity_stage,
    delete_work_status,
    delete_work_type,
    move_contact_type,
    move_opportunity_stage,
    move_work_status,
    move_work_type,
    rename_contact_type,
    rename_opportunity_stage,
    rename_work_status,
    rename_work_type,
    reorder_contact_types,
    reorder_opportunity_stages,
    reorder_work_statuses,
    reorder_work_types,
    set_contact_type_archive,
    update_opportunity_stage,
    update_work_status,
)
from .teams import (
    add_team_member,
    create_team,
    delete_team,
    remove_team_member,
    rename_team,
    set_team_members,
    update_team,
)

__all__ = [
    "DEFAULT_CONTACT_TYPES",
    "DEFAULT_WORK_STATUSES",
    "DEFAULT_WORK_TYPES",
    "add_team_member",
    "create_api_token",
    "create_colleague",
    "create_contact_type",
    "create_firm",
    "create_opportunity_stage",
    "create_team",
    "create_work_status",
    "create_work_type",
    "deactivate_colleague",
    "delete_colleague",
    "delete_contact_type",
    "delete_opportunity_stage",
    "delete_team",
    "delete_work_status",
    "delete_work_type",
    "move_contact_type",
    "move_opportunity_stage",
    "move_work_status",
    "move_work_type",
    "reactivate_colleague",
    "remove_team_member",
    "rename_contact_type",
    "rename_opportunity_stage",
    "rename_team",
    "rename_work_status",
    "rename_work_type",
    "reorder_contact_types",
    "reorder_opportunity_stages",
    "reorder_work_statuses",
    "reorder_work_types",
    "revoke_all_api_tokens",
    "revoke_api_token",
    "seed_firm_defaults",
    "send_colleague_invitation",
    "set_contact_type_archive",
    "set_role_slot_titles",
    "set_team_members",
    "update_colleague",
    "update_firm_settings",
    "update_opportunity_stage",
    "update_team",
    "update_work_status",
]
