"""The stateful proof (docs/access-proofs.md): the real services change a random world step by
step, the reference model mirrors each step, and after every step the application agrees
with the model — no stale copy anywhere.

A run starts from a random world (worlds.py) plus an active admin of firm 0 who acts.
Each step is one service call: grant or revoke access, move a client between portfolios,
change its privacy, its manager, a role holder or its owner, transfer all the clients of
one owner to another, add or remove a client-team member, staff or unstaff a portfolio,
change a team's members, deactivate or reactivate a colleague, offboard a colleague (every
place to one successor, then deactivated). Client-team steps are tried by the admin or by
any colleague of firm 0: the model says whether §4 lets them (admin, or the client's owner
or manager) and, if not, whether the refusal must be a 404 (the client does not exist for
them) or a 403. A few steps aim at objects of the other firm: always a 404. Refused steps
change nothing.

After every step: every colleague's `visible_clients` (both levels) matches the model;
on the clients the step touched, `level` for every colleague, and `explain`; and for every
colleague whose level the step changed (a revoke, a deactivation, a privacy change...),
the very next requests — `get_client`, the client page, the API detail of that client,
then the API list and the client list page — show the new level: no stale copy anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from portefeuille.access import offboarding
from portefeuille.access import services as access
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.contacts.models import Contact
from portefeuille.firms import services as firms
from portefeuille.firms.models import Colleague, Team

from . import figures
from . import reference as ref
from .surfaces import (
    HTTP_LIST_SURFACES,
    LIST_SURFACES,
    PAIR_PROBES,
    Comparison,
    Context,
    compare,
    compare_explain,
    compare_pairs,
)
from .worlds import build, snapshot, worlds

SECTION = "stateful (services step by step against the model)"
RUNS = 30
STEPS = 15

Refusal = type[Exception] | None
HOME = 0  # the acting admin's firm
OTHER = 1


class AccessMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each run lives in a savepoint rolled back by teardown().
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.ready = False
        self.touched: set[int] = set()
        self.other_firm_probed = False
        self.comparison = Comparison()
        self.levels: dict[tuple[int, int], int] = {}  # model levels at the last check
        self.steps = 0
        self.refusals = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        figures.add(
            SECTION,
            {
                "runs": 1 if self.ready else 0,
                "steps": self.steps,
                "refusals checked": self.refusals,
                "decisions compared": self.comparison.total,
                "disagreements": len(self.comparison.disagreements),
            },
        )

    # --- the world ------------------------------------------------------------------------

    @initialize(world=worlds())
    def start(self, world: ref.World) -> None:
        # Firm 0 always has its acting admin, someone else, and a client to act on.
        if not world.colleagues_of(HOME):
            world.colleagues[len(world.colleagues)] = ref.Colleague(firm=HOME)
        if not world.clients_of(HOME):
            world.clients[len(world.clients)] = ref.Client(firm=HOME)
        self.admin = len(world.colleagues)
        world.colleagues[self.admin] = ref.Colleague(firm=HOME, admin=True)
        self.world = world
        self.built = build(world, audit_events=True)
        self.ctx = Context(world, self.built)
        self.touched = set(world.clients)
        self.other_firm_probed = True
        # The starting levels: the differential test proves the starting state; here the
        # requests go to what each step changes.
        self.levels = {
            (u, c): ref.reference_level(world, u, c)
            for u in world.colleagues
            for c in world.clients
        }
        self.ready = True

    def keys(self, kind: str, firm: int = HOME) -> list[int]:
        return sorted(k for k, obj in getattr(self.world, kind).items() if obj.firm == firm)

    def colleague(self, key: int) -> Colleague:
        return Colleague.objects.get(pk=self.built.colleagues[key])

    def client(self, key: int) -> Contact:
        return Contact.objects.get(pk=self.built.clients[key])

    def team(self, key: int) -> Team:
        return Team.objects.get(pk=self.built.teams[key])

    def portfolio(self, key: int) -> Portfolio:
        return Portfolio.objects.get(pk=self.built.portfolios[key])

    def owner_entry(self, key: int) -> OwnerEntry:
        return OwnerEntry.objects.get(pk=self.built.owners[key])

    def pick(self, data: st.DataObject, keys: list[int], label: str) -> int:
        return data.draw(st.sampled_from(keys), label=label)

    def actor_for(self, data: st.DataObject) -> int:
        """The admin two times out of three, else any colleague of firm 0 (active or not)."""
        if data.draw(st.integers(0, 2), label="someone else acts") < 2:
            return self.admin
        return data.draw(st.sampled_from(self.keys("colleagues")), label="actor")

    # --- expected outcomes ----------------------------------------------------------------

    def team_refusal(self, actor: int, client: int) -> Refusal:
        """§4 for the client team, privacy and grants; a client the actor cannot see at all
        is a 404, one they see but may not change a 403."""
        if not self.world.colleagues[actor].active:
            return PermissionDenied
        if ref.reference_can_edit_team(self.world, actor, client):
            return None
        if ref.reference_level(self.world, actor, client) == ref.NONE:
            return Http404
        return PermissionDenied

    def admin_refusal(self, actor: int, client: int | None = None) -> Refusal:
        """Admin-only actions (portfolios, colleagues, teams)."""
        u = self.world.colleagues[actor]
        if not u.active:
            return PermissionDenied
        if u.admin:
            return None
        if client is not None and ref.reference_level(self.world, actor, client) == ref.NONE:
            return Http404
        return PermissionDenied

    def inactive(self, colleague: int | None) -> bool:
        return colleague is not None and not self.world.colleagues[colleague].active

    def attempt(
        self,
        description: str,
        refusal: Refusal,
        call: Callable[[], Any],
        apply: Callable[[], None],
        touched: set[int],
    ) -> None:
        """Runs one service call; it must succeed (then the model applies it) or be
        refused with exactly the expected error, having written nothing."""
        self.steps += 1
        before = snapshot() if refusal is not None else None
        try:
            call()
        except (PermissionDenied, Http404, ValidationError) as error:
            if refusal is None or not isinstance(error, refusal):
                raise AssertionError(
                    f"{description}: expected {refusal.__name__ if refusal else 'success'}, "
                    f"got {type(error).__name__}: {error}"
                ) from error
            self.refusals += 1
            assert snapshot() == before, f"{description}: refused, but the database changed"
        else:
            assert refusal is None, f"{description}: expected {refusal.__name__}, it succeeded"
            apply()
        self.touched |= touched

    def holder(self, data: st.DataObject) -> tuple[str, int]:
        teams = self.keys("teams")
        kind = data.draw(st.sampled_from(["colleague", "team"] if teams else ["colleague"]))
        if kind == "team":
            return kind, self.pick(data, teams, "team")
        return kind, self.pick(data, self.keys("colleagues"), "colleague")

    def holder_args(self, kind: str, key: int) -> dict[str, Any]:
        if kind == "team":
            return {"team": self.team(key)}
        return {"colleague": self.colleague(key)}

    def has_clients(self) -> bool:
        return self.ready and bool(self.keys("clients"))

    # --- grants -------------------------------------------------------------------------

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def grant(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        kind, key = self.holder(data)
        c = self.world.clients[client]
        held = c.grant_teams if kind == "team" else c.grants
        refusal = self.team_refusal(actor, client)
        if refusal is None and ((kind == "colleague" and self.inactive(key)) or key in held):
            refusal = ValidationError
        self.attempt(
            f"colleague {actor} grants client {client} to {kind} {key}",
            refusal,
            lambda: access.grant_access(
                actor=self.colleague(actor),
                client=self.client(client),
                **self.holder_args(kind, key),
            ),
            lambda: held.add(key),
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        c = self.world.clients[client]
        # Mostly an existing grant, so that revoking really happens.
        existing = [("colleague", k) for k in sorted(c.grants)] + [
            ("team", k) for k in sorted(c.grant_teams)
        ]
        if existing and data.draw(st.integers(0, 3), label="any holder") < 3:
            kind, key = data.draw(st.sampled_from(existing), label="grant")
        else:
            kind, key = self.holder(data)
        held = c.grant_teams if kind == "team" else c.grants
        refusal = self.team_refusal(actor, client)
        if refusal is None and key not in held:
            refusal = ValidationError
        self.attempt(
            f"colleague {actor} revokes {kind} {key} on client {client}",
            refusal,
            lambda: access.revoke_access(
                actor=self.colleague(actor),
                client=self.client(client),
                **self.holder_args(kind, key),
            ),
            lambda: held.discard(key),
            {client},
        )

    # --- client team -----------------------------------------------------------------------

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def add_member(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        kind, key = self.holder(data)
        c = self.world.clients[client]
        held = c.member_teams if kind == "team" else c.members
        refusal = self.team_refusal(actor, client)
        if refusal is None and ((kind == "colleague" and self.inactive(key)) or key in held):
            refusal = ValidationError
        self.attempt(
            f"colleague {actor} adds {kind} {key} to the team of client {client}",
            refusal,
            lambda: access.add_client_member(
                actor=self.colleague(actor),
                client=self.client(client),
                **self.holder_args(kind, key),
            ),
            lambda: held.add(key),
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def remove_member(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        c = self.world.clients[client]
        existing = [("colleague", k) for k in sorted(c.members)] + [
            ("team", k) for k in sorted(c.member_teams)
        ]
        if existing and data.draw(st.integers(0, 3), label="any holder") < 3:
            kind, key = data.draw(st.sampled_from(existing), label="member")
        else:
            kind, key = self.holder(data)
        held = c.member_teams if kind == "team" else c.members
        refusal = self.team_refusal(actor, client)
        if refusal is None and key not in held:
            refusal = ValidationError
        self.attempt(
            f"colleague {actor} removes {kind} {key} from the team of client {client}",
            refusal,
            lambda: access.remove_client_member(
                actor=self.colleague(actor),
                client=self.client(client),
                **self.holder_args(kind, key),
            ),
            lambda: held.discard(key),
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data(), privacy=st.sampled_from(ref.PRIVACIES))
    def change_privacy(self, data: st.DataObject, privacy: str) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")

        def apply() -> None:
            self.world.clients[client].privacy = privacy

        self.attempt(
            f"colleague {actor} makes client {client} {privacy}",
            self.team_refusal(actor, client),
            lambda: access.set_privacy(
                actor=self.colleague(actor), client=self.client(client), privacy=privacy
            ),
            apply,
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def change_manager(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        manager = data.draw(st.none() | st.sampled_from(self.keys("colleagues")), label="manager")
        refusal = self.team_refusal(actor, client)
        if refusal is None and self.inactive(manager):
            refusal = ValidationError

        def apply() -> None:
            self.world.clients[client].manager = manager

        self.attempt(
            f"colleague {actor} makes colleague {manager} manager of client {client}",
            refusal,
            lambda: access.set_manager(
                actor=self.colleague(actor),
                client=self.client(client),
                manager=self.colleague(manager) if manager is not None else None,
            ),
            apply,
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data(), slot=st.integers(1, 10))
    def change_role_holder(self, data: st.DataObject, slot: int) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        holder = data.draw(st.none() | st.sampled_from(self.keys("colleagues")), label="holder")
        refusal = self.team_refusal(actor, client)
        titled = slot in self.world.firms[HOME].role_titles
        if refusal is None and holder is not None and (not titled or self.inactive(holder)):
            refusal = ValidationError
        roles = self.world.clients[client].roles

        def apply() -> None:
            if holder is None:
                roles.pop(slot, None)
            else:
                roles[slot] = holder

        self.attempt(
            f"colleague {actor} gives slot {slot} of client {client} to colleague {holder}",
            refusal,
            lambda: access.set_role_holder(
                actor=self.colleague(actor),
                client=self.client(client),
                slot=slot,
                colleague=self.colleague(holder) if holder is not None else None,
            ),
            apply,
            {client},
        )

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def change_owner(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        entries = self.keys("owners")
        owner = data.draw(st.none() | st.sampled_from(entries), label="owner") if entries else None
        refusal = self.team_refusal(actor, client)
        if refusal is None and owner is not None:
            linked = self.world.owners[owner].colleague
            if not self.world.firms[HOME].ownership_enabled or self.inactive(linked):
                refusal = ValidationError

        def apply() -> None:
            self.world.clients[client].owner = owner

        self.attempt(
            f"colleague {actor} makes owner entry {owner} owner of client {client}",
            refusal,
            lambda: access.set_owner(
                actor=self.colleague(actor),
                client=self.client(client),
                owner=self.owner_entry(owner) if owner is not None else None,
            ),
            apply,
            {client},
        )

    @precondition(lambda self: self.ready and len(self.keys("owners")) > 1)
    @rule(data=st.data())
    def transfer_owner_clients(self, data: st.DataObject) -> None:
        """All the clients of one roster entry to another (admins only), in one go."""
        actor = self.actor_for(data)
        entries = self.keys("owners")
        source = self.pick(data, entries, "from owner")
        # Mostly another entry; sometimes itself, which is refused.
        target = self.pick(data, entries, "to owner")
        refusal = self.admin_refusal(actor)
        if refusal is None and (
            target == source or self.inactive(self.world.owners[target].colleague)
        ):
            refusal = ValidationError
        moving = {c for c in self.keys("clients") if self.world.clients[c].owner == source}

        def apply() -> None:
            for c in moving:
                self.world.clients[c].owner = target

        self.attempt(
            f"colleague {actor} transfers the clients of owner entry {source} to {target}",
            refusal,
            lambda: access.transfer_clients(
                actor=self.colleague(actor),
                from_owner=self.owner_entry(source),
                to_owner=self.owner_entry(target),
            ),
            apply,
            moving,
        )

    # --- portfolios (admins only) ----------------------------------------------------------

    @precondition(lambda self: self.has_clients())
    @rule(data=st.data())
    def move_to_portfolio(self, data: st.DataObject) -> None:
        actor, client = self.actor_for(data), self.pick(data, self.keys("clients"), "client")
        portfolios = self.keys("portfolios")
        target = (
            data.draw(st.none() | st.sampled_from(portfolios), label="portfolio")
            if portfolios
            else None
        )

        def apply() -> None:
            self.world.clients[client].portfolio = target

        self.attempt(
            f"colleague {actor} moves client {client} to portfolio {target}",
            self.admin_refusal(actor, client),
            lambda: access.move_client_to_portfolio(
                actor=self.colleague(actor),
                client=self.client(client),
                portfolio=self.portfolio(target) if target is not None else None,
            ),
            apply,
            {client},
        )

    @precondition(lambda self: self.ready and bool(self.keys("portfolios")))
    @rule(data=st.data())
    def change_portfolio_staff(self, data: st.DataObject) -> None:
        actor = self.actor_for(data)
        portfolio = self.pick(data, self.keys("portfolios"), "portfolio")
        kind, key = self.holder(data)
        p = self.world.portfolios[portfolio]
        held = p.staff_teams if kind == "team" else p.staff
        # Mostly the change that makes sense (staff someone new, unstaff someone staffed).
        staffing = (key not in held) != (data.draw(st.integers(0, 9), label="odd") == 9)
        refusal = self.admin_refusal(actor)
        if refusal is None:
            if staffing and ((kind == "colleague" and self.inactive(key)) or key in held):
                refusal = ValidationError
            if not staffing and key not in held:
                refusal = ValidationError
        service = access.staff_portfolio if staffing else access.unstaff_portfolio
        self.attempt(
            f"colleague {actor} {'staffs' if staffing else 'unstaffs'} {kind} {key} "
            f"on portfolio {portfolio}",
            refusal,
            lambda: service(
                actor=self.colleague(actor),
                portfolio=self.portfolio(portfolio),
                **self.holder_args(kind, key),
            ),
            lambda: held.add(key) if staffing else held.discard(key),
            {c for c in self.keys("clients") if self.world.clients[c].portfolio == portfolio},
        )

    # --- colleagues and teams (admins only, firms services) -------------------------------

    @precondition(lambda self: self.ready and bool(self.keys("teams")))
    @rule(data=st.data())
    def change_team_membership(self, data: st.DataObject) -> None:
        team = self.pick(data, self.keys("teams"), "team")
        colleague = self.pick(data, self.keys("colleagues"), "colleague")
        members = self.world.teams[team].members
        joining = (colleague not in members) != (data.draw(st.integers(0, 9), label="odd") == 9)
        refusal: Refusal = None
        if joining and (self.inactive(colleague) or colleague in members):
            refusal = ValidationError
        if not joining and colleague not in members:
            refusal = ValidationError
        service = firms.add_team_member if joining else firms.remove_team_member
        self.attempt(
            f"admin {'adds' if joining else 'removes'} colleague {colleague} "
            f"{'to' if joining else 'from'} team {team}",
            refusal,
            lambda: service(
                actor=self.colleague(self.admin),
                team=self.team(team),
                colleague=self.colleague(colleague),
            ),
            lambda: members.add(colleague) if joining else members.discard(colleague),
            set(self.keys("clients")),
        )

    @precondition(lambda self: self.ready and len(self.keys("colleagues")) > 1)
    @rule(data=st.data())
    def change_colleague_state(self, data: st.DataObject) -> None:
        others = [k for k in self.keys("colleagues") if k != self.admin]
        colleague = self.pick(data, others, "colleague")
        u = self.world.colleagues[colleague]
        deactivating = u.active != (data.draw(st.integers(0, 9), label="odd") == 9)
        refusal: Refusal = None
        if u.active != deactivating:
            refusal = ValidationError  # already in that state

        def apply() -> None:
            u.active = not deactivating
            if not deactivating:
                # Their old session ended with the deactivation (the canary sweep proves
                # it reads nothing): a reactivated colleague signs in again.
                self.ctx.sessions.pop(colleague, None)

        # Deactivating: « Ne pas transférer » (the clients stay as they are); the handing
        # over is the offboarding step below.
        choice = {"transfer": False} if deactivating else {}
        service = firms.deactivate_colleague if deactivating else firms.reactivate_colleague
        self.attempt(
            f"admin {'deactivates' if deactivating else 'reactivates'} colleague {colleague}",
            refusal,
            lambda: service(
                actor=self.colleague(self.admin), colleague=self.colleague(colleague), **choice
            ),
            apply,
            set(self.keys("clients")),
        )

    @precondition(lambda self: self.ready and len(self.keys("colleagues")) > 2)
    @rule(data=st.data())
    def offboard_colleague(self, data: st.DataObject) -> None:
        """An offboarding plan: every place of an active colleague to one successor (or
        nobody), applied, then the colleague is deactivated (docs/offboarding.md)."""
        active = [
            k
            for k in self.keys("colleagues")
            if k != self.admin and self.world.colleagues[k].active
        ]
        if len(active) < 2:
            return
        leaver = self.pick(data, active, "leaver")
        successor = data.draw(
            st.none() | st.sampled_from([k for k in active if k != leaver]), label="successor"
        )
        world, firm = self.world, self.world.firms[HOME]
        clients = [world.clients[c] for c in self.keys("clients")]
        entries = [k for k in self.keys("owners") if world.owners[k].colleague == leaver]
        successor_entry = next(
            (k for k in self.keys("owners") if world.owners[k].colleague == successor), None
        )
        owns = any(c.owner in entries for c in clients if c.owner is not None)
        untitled = any(
            holder == leaver and slot not in firm.role_titles
            for c in clients
            for slot, holder in c.roles.items()
        )
        refusal: Refusal = None
        if successor is not None and (
            (owns and (successor_entry is None or not firm.ownership_enabled)) or untitled
        ):
            refusal = ValidationError
        teams_with_clients = {t for c in clients for t in c.member_teams} | {
            t for p in self.keys("portfolios") for t in world.portfolios[p].staff_teams
        }

        def call() -> None:
            with transaction.atomic():
                plan = offboarding.create_offboarding_plan(
                    actor=self.colleague(self.admin),
                    colleague=self.colleague(leaver),
                    action="deactivate",
                )
                offboarding.set_offboarding_successors(
                    actor=self.colleague(self.admin),
                    plan=plan,
                    successor=self.colleague(successor) if successor is not None else None,
                )
                offboarding.apply_offboarding(actor=self.colleague(self.admin), plan=plan)

        def apply() -> None:
            for c in clients:
                if c.owner is not None and c.owner in entries:
                    c.owner = successor_entry if successor is not None else None
                if c.manager == leaver:
                    c.manager = successor
                for slot, holder in list(c.roles.items()):
                    if holder == leaver:
                        if successor is None:
                            del c.roles[slot]
                        else:
                            c.roles[slot] = successor
                if leaver in c.members:
                    c.members.discard(leaver)
                    if successor is not None:
                        c.members.add(successor)
            for p in self.keys("portfolios"):
                staff = world.portfolios[p].staff
                if leaver in staff:
                    staff.discard(leaver)
                    if successor is not None:
                        staff.add(successor)
            for t in self.keys("teams"):
                members = world.teams[t].members
                if t in teams_with_clients and leaver in members:
                    members.discard(leaver)
                    if successor is not None:
                        members.add(successor)
            world.colleagues[leaver].active = False

        self.attempt(
            f"admin offboards colleague {leaver} to {successor}",
            refusal,
            call,
            apply,
            set(self.keys("clients")),
        )

    # --- the other firm's objects: always the same 404 -------------------------------------

    @precondition(
        lambda self: self.has_clients() or bool(self.ready and self.keys("clients", OTHER))
    )
    @rule(data=st.data())
    def reach_into_the_other_firm(self, data: st.DataObject) -> None:
        home, other = self.keys("clients"), self.keys("clients", OTHER)
        options = []
        if other:
            options.append("their client")
        if home and self.keys("colleagues", OTHER):
            options.append("their colleague on our client")
        if home and self.keys("teams", OTHER):
            options.append("their team on our client")
        if home and self.keys("portfolios", OTHER):
            options.append("our client in their portfolio")
        if not options:
            return
        how = data.draw(st.sampled_from(options), label="cross-firm attempt")
        admin = self.colleague(self.admin)
        calls: dict[str, Callable[[], Any]] = {}
        if how == "their client":
            client = self.pick(data, other, "their client")
            calls = {
                "grant": lambda: access.grant_access(
                    actor=admin, client=self.client(client), colleague=admin
                ),
                "privacy": lambda: access.set_privacy(
                    actor=admin, client=self.client(client), privacy=ref.PUBLIC
                ),
                "manager": lambda: access.set_manager(
                    actor=admin, client=self.client(client), manager=admin
                ),
                "member": lambda: access.add_client_member(
                    actor=admin, client=self.client(client), colleague=admin
                ),
                "portfolio": lambda: access.move_client_to_portfolio(
                    actor=admin, client=self.client(client), portfolio=None
                ),
            }
        else:
            client = self.pick(data, home, "our client")
            if how == "their colleague on our client":
                theirs = self.pick(data, self.keys("colleagues", OTHER), "their colleague")
                calls = {
                    "grant": lambda: access.grant_access(
                        actor=admin, client=self.client(client), colleague=self.colleague(theirs)
                    ),
                    "member": lambda: access.add_client_member(
                        actor=admin, client=self.client(client), colleague=self.colleague(theirs)
                    ),
                    "manager": lambda: access.set_manager(
                        actor=admin, client=self.client(client), manager=self.colleague(theirs)
                    ),
                }
            elif how == "their team on our client":
                team = self.pick(data, self.keys("teams", OTHER), "their team")
                calls = {
                    "grant": lambda: access.grant_access(
                        actor=admin, client=self.client(client), team=self.team(team)
                    ),
                    "member": lambda: access.add_client_member(
                        actor=admin, client=self.client(client), team=self.team(team)
                    ),
                }
            else:
                portfolio = self.pick(data, self.keys("portfolios", OTHER), "their portfolio")
                calls = {
                    "portfolio": lambda: access.move_client_to_portfolio(
                        actor=admin, client=self.client(client), portfolio=self.portfolio(portfolio)
                    )
                }
        name = data.draw(st.sampled_from(sorted(calls)), label="service")
        self.attempt(f"admin of firm 0: {name}, {how}", Http404, calls[name], lambda: None, set())
        self.other_firm_probed = True

    # --- after every step --------------------------------------------------------------------

    @precondition(lambda self: self.ready)
    @invariant()
    def the_application_agrees_with_the_model(self) -> None:
        self.ctx.refresh()
        world = self.world
        colleagues = self.keys("colleagues")
        if self.other_firm_probed:
            colleagues += self.keys("colleagues", OTHER)
        result = compare(self.ctx, LIST_SURFACES, colleagues=colleagues)
        touched = sorted(self.touched)
        pairs = [
            (u, c)
            for c in touched
            for u in world.colleagues
            if world.colleagues[u].firm == world.clients[c].firm or self.other_firm_probed
        ]
        levels = {pair: ref.reference_level(world, *pair) for pair in pairs}
        changed = {pair for pair, level in levels.items() if self.levels.get(pair) != level}
        self.levels.update(levels)
        # The very next requests of everyone whose level the step changed: the client
        # page and the API detail of that client, and their lists.
        result.extend(compare_pairs(self.ctx, PAIR_PROBES, pairs, changed=changed))
        result.extend(
            compare(self.ctx, HTTP_LIST_SURFACES, colleagues=sorted({u for u, _c in changed}))
        )
        result.extend(compare_explain(self.ctx, clients=touched))
        self.comparison.extend(result)
        self.touched, self.other_firm_probed = set(), False
        assert not result.disagreements, result.report(world)


@pytest.mark.django_db
def test_after_every_service_call_the_application_agrees_with_the_model() -> None:
    run_state_machine_as_test(
        AccessMachine,
        settings=settings(
            max_examples=RUNS,
            stateful_step_count=STEPS,
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
