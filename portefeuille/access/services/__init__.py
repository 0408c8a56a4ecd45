"""Every write on client teams, privacy, grants, portfolios and the owner roster, one module
per noun: `team` (owner, manager, roles, members, privacy, and the all-or-nothing
`change_client_team`), `grants`, `portfolios`, `owners` (the roster); `checks` holds what
they share. The client record itself (creating, changing its details, deleting) is written
by contacts/services/. Callers import from here.

Each function checks the actor's permission itself (access/guards.py, docs/access-rules.md),
validates, writes in one transaction and records a history event per change in that same
transaction. Objects of another firm raise Http404, exactly like unknown ids; a client the
actor cannot see at all is a 404 too, a client they see but may not change is a
PermissionDenied.

Decisions where the product text is silent:
- The team, privacy and grants may be changed by an admin, the owner or the manager;
  portfolios and the owner roster by admins only.
- `version` counts every write to the client's own row (details, owner, manager,
  privacy, portfolio, transfers), so an ETag built on it changes whenever the client's
  representation does. Role holders, members and grants live in their own tables and
  leave it alone.
- History events store facts (`before` / `after`: ids, names, values); their sentences
  are written when read (docs/history.md).
"""

from .bulk import (
    BulkPlan,
    bulk_set_manager,
    bulk_set_owner,
    plan_bulk_manager,
    plan_bulk_owner,
)
from .grants import grant_access, revoke_access
from .owners import (
    OWNER_NAME_MAX,
    Released,
    add_roster_owner,
    release_colleague_clients,
    remove_roster_owner,
    transfer_clients,
)
from .portfolios import (
    PORTFOLIO_NAME_MAX,
    create_portfolio,
    delete_portfolio,
    move_client_to_portfolio,
    staff_portfolio,
    unstaff_portfolio,
    update_portfolio,
)
from .team import (
    add_client_member,
    change_client_team,
    remove_client_member,
    set_manager,
    set_owner,
    set_privacy,
    set_role_holder,
)

__all__ = [
    "OWNER_NAME_MAX",
    "PORTFOLIO_NAME_MAX",
    "BulkPlan",
    "Released",
    "add_client_member",
    "add_roster_owner",
    "bulk_set_manager",
    "bulk_set_owner",
    "change_client_team",
    "create_portfolio",
    "delete_portfolio",
    "grant_access",
    "move_client_to_portfolio",
    "plan_bulk_manager",
    "plan_bulk_owner",
    "release_colleague_clients",
    "remove_client_member",
    "remove_roster_owner",
    "revoke_access",
    "set_manager",
    "set_owner",
    "set_privacy",
    "set_role_holder",
    "staff_portfolio",
    "transfer_clients",
    "unstaff_portfolio",
    "update_portfolio",
]
