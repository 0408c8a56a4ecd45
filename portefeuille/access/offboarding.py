"""Offboarding (docs/offboarding.md): the plan for a colleague who leaves — every place they
hold (access/holdings.py) with a proposed successor, edited per item or per group, previewed,
then applied in one transaction with the deactivation or the deletion.

It sits above the firms and access services (it calls both) in the layers of
docs/architecture.md. Every function is admin-only and of the actor's firm (a plan, a
colleague or a portfolio of another firm is a 404).

Decisions where the product text is silent (docs/offboarding.md says the same):
- Applying a plan empties every place it lists: the successor takes it, or nobody does
  (the client is left without owner / manager / that role holder; the leaver leaves the
  client team, the portfolio or the team).
- The default successor of a place on a client is the client's manager (when the leaver is
  not the manager), else a colleague staffing the client's portfolio (the first by name),
  else nobody; for the owner place, only one of them who is on the owner roster. Portfolio
  staff and team places have no default.
- A successor must be active, of the firm and not the leaver; for the owner place, on the
  owner roster (the picker offers roster entries only: add them to the roster first) with
  the ownership switch on; for a role slot, the slot must be titled. Otherwise the change
  is refused. A limited-scope colleague may take any place: the place itself gives them the
  client (§6, rule 3).
- A plan that leaves the owner place empty while the firm requires an owner is refused.
  A manager place left empty is only a warning.
- The plan is the state it was made on: at apply time, any place the leaver gained or lost
  since (someone changed a client, a portfolio or a team) refuses the whole plan with the
  list of changes; nothing is applied. Make a new plan.
- So does a successor chosen (a colleague, or a roster entry for the owner place) who was
  deleted since: the place would otherwise be left empty without anyone choosing it.
  Choosing another successor for the place clears it.
- Each successor gets one notification per role for the whole plan: naming the client
  when they are given one, else how many (notifications.notify_many).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portefeuille.access import services as access
from portefeuille.access.holdings import (
    CLIENT_KINDS,
    KINDS,
    MANAGER,
    MEMBER,
    OWNER,
    PORTFOLIO_STAFF,
    ROLE,
    TEAM_MEMBER,
    Holding,
    holdings_of,
)
from portefeuille.access.models import (
    ClientMember,
    OffboardingItem,
    OffboardingPlan,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.access.services.checks import bulk_record, update_clients
from portefeuille.audit.services import audit_ref, new_event
from portefeuille.contacts.models import Contact
from portefeuille.firms import services as firms
from portefeuille.firms.guards import field_error, require_admin, same_firm
from portefeuille.firms.models import Colleague, Firm, RoleSlot, Team, TeamMembership
from portefeuille.notifications.services import notify_many

ACTIONS = tuple(OffboardingPlan.Action.values)
NOTIFY_KINDS = {
    OWNER: "client.owner_given",
    MANAGER: "client.manager_given",
    ROLE: "client.role_given",
    MEMBER: "client.member_given",
}


@dataclass(frozen=True)
class Issue:
    """Something wrong with a place of the plan: `blocking` ones refuse the apply."""

    code: str
    message: str
    blocking: bool = True


@dataclass
class Row:
    """One place of the preview: the role, who holds it now, who will hold it."""

    item: OffboardingItem
    kind: str
    role: str
    client_id: int | None
    client_name: str
    portfolio_id: int | None
    portfolio_name: str
    before: str
    after: str | None
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """A place the leaver gained (`new`) or lost (`gone`) since the plan was made."""

    change: str
    kind: str
    client_id: int | None
    slot: int | None
    portfolio_id: int | None
    team_id: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "kind": self.kind,
            "client_id": self.client_id,
            "slot": self.slot,
            "portfolio_id": self.portfolio_id,
            "team_id": self.team_id,
            "message": self.message,
        }


@dataclass
class Preview:
    plan: OffboardingPlan
    rows: list[Row]
    changes: list[Change]

    @property
    def blocking(self) -> list[tuple[Row, Issue]]:
        return [(row, issue) for row in self.rows for issue in row.issues if issue.blocking]

    @property
    def warnings(self) -> list[tuple[Row, Issue]]:
        return [(row, issue) for row in self.rows for issue in row.issues if not issue.blocking]

    @property
    def ready(self) -> bool:
        return not self.changes and not self.blocking and self.plan.applied_at is None

    def by_successor(self) -> list[tuple[str, int]]:
        """How many places each successor takes (nobody: « Personne »), most first."""
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row.after or pgettext("nobody", "Personne")] += 1
        return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


class PlanChanged(ValidationError):
    """The clients changed since the plan was made: nothing applied (`changes` says what)."""

    problem_slug = "plan-changed"

    def __init__(self, changes: list[Change]) -> None:
        self.changes = changes
        super().__init__(
            [
                _(
                    "Les clients ont changé depuis la préparation de ce plan : rien n'a été "
                    "appliqué. Préparez un nouveau plan."
                ),
                *(change.message for change in changes),
            ],
            code="plan_changed",
        )

    @property
    def problem_extras(self) -> dict[str, Any]:
        return {"changes": [change.as_dict() for change in self.changes]}


# ---------------------------------------------------------------------------------------
# Reading the state a plan is made on.
# ---------------------------------------------------------------------------------------


class _State:
    """The facts a plan reads, loaded at once (a constant number of queries)."""

    def __init__(self, firm: Firm, leaver: Colleague | None, items: Iterable[Any]) -> None:
        self.firm = firm
        self.leaver = leaver
        client_ids: set[int] = set()
        portfolio_ids: set[int] = set()
        team_ids: set[int] = set()
        successor_ids: set[int] = set()
        for item in items:
            if item.client_id is not None:
                client_ids.add(item.client_id)
            if item.portfolio_id is not None:
                portfolio_ids.add(item.portfolio_id)
            if item.team_id is not None:
                team_ids.add(item.team_id)
            if getattr(item, "successor_id", None) is not None:
                successor_ids.add(item.successor_id)
        self.clients = {
            client.pk: client
            for client in Contact.objects.filter(firm_id=firm.pk, pk__in=client_ids).only(
                "id", "firm_id", "display_name", "manager_id", "portfolio_id", "owner_id"
            )
        }
        portfolio_ids |= {c.portfolio_id for c in self.clients.values() if c.portfolio_id}
        self.portfolios = {
            p.pk: p for p in Portfolio.objects.filter(firm_id=firm.pk, pk__in=portfolio_ids)
        }
        self.teams = {t.pk: t for t in Team.objects.filter(firm_id=firm.pk, pk__in=team_ids)}
        self.slots = {slot.number: slot.title for slot in RoleSlot.objects.filter(firm_id=firm.pk)}
        self.roster = {
            entry.colleague_id: entry
            for entry in OwnerEntry.objects.filter(firm_id=firm.pk, colleague__isnull=False)
        }
        staff: dict[int, list[Colleague]] = defaultdict(list)
        rows = (
            PortfolioStaff.objects.filter(
                firm_id=firm.pk,
                portfolio_id__in=self.portfolios,
                colleague__is_active=True,
            )
            .select_related("colleague")
            .order_by("colleague__last_name", "colleague__first_name", "colleague_id")
        )
        for row in rows:
            if leaver is None or row.colleague_id != leaver.pk:
                staff[row.portfolio_id].append(row.colleague)  # type: ignore[arg-type]
        self.staff = staff
        wanted = successor_ids | {c.manager_id for c in self.clients.values() if c.manager_id}
        self.colleagues = {
            c.pk: c for c in Colleague.objects.filter(firm_id=firm.pk, pk__in=wanted)
        }

    def default_successor(self, holding: Holding) -> Colleague | None:
        if holding.client_id is None:
            return None
        client = self.clients.get(holding.client_id)
        if client is None:
            return None
        candidates: list[Colleague] = []
        manager = self.colleagues.get(client.manager_id) if client.manager_id else None
        leaver_id = self.leaver.pk if self.leaver is not None else None
        if (
            manager is not None
            and manager.is_active
            and holding.kind != MANAGER
            and manager.pk != leaver_id
        ):
            candidates.append(manager)
        if client.portfolio_id is not None:
            candidates += self.staff.get(client.portfolio_id, [])
        for candidate in candidates:
            if holding.kind != OWNER or candidate.pk in self.roster:
                return candidate
        return None


def _holding(item: OffboardingItem) -> Holding:
    return Holding(
        item.kind,
        client_id=item.client_id,
        slot=item.slot,
        portfolio_id=item.portfolio_id,
        team_id=item.team_id,
    )


def _client_name(state: _State, client_id: int | None) -> str:
    client = state.clients.get(client_id) if client_id is not None else None
    return client.display_name if client is not None else _("client supprimé")


def _role_label(state: _State, holding: Holding) -> str:
    if holding.kind == OWNER:
        return _("Responsable client")
    if holding.kind == MANAGER:
        return _("Gestionnaire")
    if holding.kind == ROLE:
        return state.slots.get(holding.slot or 0) or _("Poste %(number)s") % {
            "number": holding.slot
        }
    if holding.kind == MEMBER:
        return _("Membre de l'équipe client")
    if holding.kind == PORTFOLIO_STAFF:
        portfolio = state.portfolios.get(holding.portfolio_id or 0)
        return _("Rattaché au portefeuille « %(name)s »") % {
            "name": portfolio.name if portfolio else "?"
        }
    team = state.teams.get(holding.team_id or 0)
    return _("Membre de l'équipe « %(name)s »") % {"name": team.name if team else "?"}


def _describe_change(state: _State, change: str, holding: Holding, leaver: str) -> str:
    where = (
        _("client « %(name)s »") % {"name": _client_name(state, holding.client_id)}
        if holding.client_id is not None
        else ""
    )
    role = _role_label(state, holding)
    if change == "gone":
        message = _("%(who)s n'est plus à cette place depuis le plan : %(role)s")
    else:
        message = _("%(who)s a pris cette place depuis le plan : %(role)s")
    text = message % {"who": leaver, "role": role}
    return f"{text} ({where})" if where else text


# ---------------------------------------------------------------------------------------
# Successors: who may take a place.
# ---------------------------------------------------------------------------------------


def _successor_issues(
    state: _State,
    kind: str,
    slot: int | None,
    successor: Colleague | None,
    successor_owner: OwnerEntry | None,
) -> list[Issue]:
    issues: list[Issue] = []
    leaver = state.leaver
    if kind == OWNER and successor_owner is not None:
        if not state.firm.ownership_enabled:
            issues.append(_ownership_disabled())
        linked = successor_owner.colleague
        if linked is not None and leaver is not None and linked.pk == leaver.pk:
            issues.append(_same_as_leaver())
        elif linked is not None and not linked.is_active:
            issues.append(_inactive(str(successor_owner)))
        return issues
    if successor is None:
        if kind == OWNER and state.firm.ownership_enabled and state.firm.owner_required:
            issues.append(
                Issue(
                    "owner_required",
                    _("Le cabinet exige un responsable client : choisissez qui reprend ce client."),
                )
            )
        elif kind == MANAGER:
            issues.append(
                Issue("no_manager", _("Ce client n'aura plus de gestionnaire."), blocking=False)
            )
        return issues
    if leaver is not None and successor.pk == leaver.pk:
        issues.append(_same_as_leaver())
    elif not successor.is_active:
        issues.append(_inactive(successor.full_name))
    if kind == OWNER:
        if not state.firm.ownership_enabled:
            issues.append(_ownership_disabled())
        elif successor.pk not in state.roster:
            issues.append(
                Issue(
                    "not_on_roster",
                    _(
                        "%(name)s n'est pas dans la liste des responsables clients : "
                        "ajoutez-le d'abord à la liste, ou choisissez un autre responsable."
                    )
                    % {"name": successor.full_name},
                )
            )
    if kind == ROLE and not state.slots.get(slot or 0):
        issues.append(
            Issue(
                "untitled_slot",
                _("Ce poste n'a pas d'intitulé : il ne peut pas être confié."),
            )
        )
    return issues


def _same_as_leaver() -> Issue:
    return Issue("same_as_leaver", _("Choisissez un autre collaborateur que celui qui part."))


def _inactive(name: str) -> Issue:
    return Issue(
        "inactive",
        _("%(name)s est désactivé : choisissez un collaborateur actif.") % {"name": name},
    )


def _ownership_disabled() -> Issue:
    return Issue(
        "ownership_disabled", _("Les responsables clients sont désactivés dans ce cabinet.")
    )


def _after(state: _State, item: OffboardingItem) -> str | None:
    if item.kind == OWNER and item.successor_owner_id is not None:
        return str(item.successor_owner)
    if item.successor_id is None:
        return None
    successor = state.colleagues.get(item.successor_id)
    return successor.full_name if successor is not None else None


# ---------------------------------------------------------------------------------------
# The services.
# ---------------------------------------------------------------------------------------


def _firm(actor: Colleague) -> Firm:
    return Firm.objects.get(pk=actor.firm_id)


def _plan_in_firm(
    actor: Colleague, plan: OffboardingPlan, *, lock: bool = False
) -> OffboardingPlan:
    same_firm(actor, plan)
    plans = OffboardingPlan.objects.select_related("colleague")
    if lock:
        plans = plans.select_for_update(of=("self",))
    found = plans.filter(pk=plan.pk, firm_id=actor.firm_id).first()
    if found is None:
        raise Http404
    return found


def _require_open(plan: OffboardingPlan) -> None:
    if plan.applied_at is not None:
        raise ValidationError(_("Ce plan de départ a déjà été appliqué."), code="applied")
    if plan.colleague is None:
        raise ValidationError(
            _("Ce collaborateur n'existe plus : ce plan ne peut plus être appliqué."),
            code="colleague_gone",
        )


@transaction.atomic
def create_offboarding_plan(
    *, actor: Colleague, colleague: Colleague, action: str
) -> OffboardingPlan:
    """A plan for `colleague` leaving (`action`: "deactivate" or "delete"): one item per
    place they hold, each with its default successor (see the module's decisions)."""
    require_admin(actor)
    same_firm(actor, colleague)
    if action not in ACTIONS:
        raise field_error("action", _("Choisissez désactiver ou supprimer."), "action")
    if colleague.pk == actor.pk:
        raise field_error(
            "colleague_id",
            _("Vous ne pouvez pas préparer votre propre départ."),
            "self",
        )
    if action == OffboardingPlan.Action.DEACTIVATE and not colleague.is_active:
        raise field_error(
            "colleague_id",
            _("%(name)s est déjà désactivé.") % {"name": colleague.full_name},
            "already_inactive",
        )
    holdings = holdings_of(colleague)
    plan = OffboardingPlan.objects.create(
        firm_id=actor.firm_id,
        colleague=colleague,
        colleague_name=colleague.full_name,
        action=action,
        created_by=actor,
    )
    state = _State(_firm(actor), colleague, holdings)
    items = []
    for holding in holdings:
        successor = state.default_successor(holding)
        items.append(
            OffboardingItem(
                firm_id=actor.firm_id,
                plan=plan,
                kind=holding.kind,
                client_id=holding.client_id,
                slot=holding.slot,
                portfolio_id=holding.portfolio_id,
                team_id=holding.team_id,
                successor=successor,
                chosen_successor=successor.pk if successor is not None else None,
            )
        )
    OffboardingItem.objects.bulk_create(items)
    return plan


def plan_items(plan: OffboardingPlan) -> list[OffboardingItem]:
    return list(
        OffboardingItem.objects.filter(plan=plan)
        .select_related("successor_owner__colleague")
        .order_by("pk")
    )


@transaction.atomic
def set_offboarding_successors(
    *,
    actor: Colleague,
    plan: OffboardingPlan,
    successor: Colleague | None = None,
    successor_owner: OwnerEntry | None = None,
    item_ids: Sequence[int] | None = None,
    portfolio: Portfolio | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Gives the selected places of a plan to `successor` (None: nobody). The selection is
    every place matching all the selectors given: `item_ids`, `portfolio` (its clients'
    places and its staff place), `kinds`. `successor_owner` (a roster entry, e.g. a manual
    owner) is given to the owner places of the selection instead. A successor who may not
    take a place is refused; nothing is changed. Returns how many places were set."""
    require_admin(actor)
    locked = _plan_in_firm(actor, plan, lock=True)
    _require_open(locked)
    same_firm(actor, successor, successor_owner, portfolio)
    if kinds is not None:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise field_error("kinds", _("Rôle inconnu : %(kind)s.") % {"kind": unknown[0]})
    items = plan_items(locked)
    if item_ids is not None:
        mine = {item.pk for item in items}
        if set(item_ids) - mine:
            raise Http404
    state = _State(_firm(actor), locked.colleague, items)
    selected = []
    for item in items:
        if item_ids is not None and item.pk not in item_ids:
            continue
        if kinds is not None and item.kind not in kinds:
            continue
        if portfolio is not None:
            client = state.clients.get(item.client_id) if item.client_id else None
            in_portfolio = item.portfolio_id == portfolio.pk or (
                client is not None and client.portfolio_id == portfolio.pk
            )
            if not in_portfolio:
                continue
        selected.append(item)
    errors: dict[str, list[str]] = {}
    for item in selected:
        entry = successor_owner if item.kind == OWNER else None
        for issue in _successor_issues(state, item.kind, item.slot, successor, entry):
            # Leaving a place empty is for the preview to warn about, not a refusal here.
            if issue.blocking and issue.code != "owner_required":
                errors.setdefault(issue.message, []).append(_role_label(state, _holding(item)))
    if errors:
        raise ValidationError(
            {
                "successor_id": [
                    ValidationError(message, code="successor") for message in sorted(errors)
                ]
            }
        )
    for item in selected:
        if item.kind == OWNER and successor_owner is not None:
            item.successor_owner = successor_owner
            item.successor = None
        else:
            item.successor = successor
            item.successor_owner = None
        item.chosen_successor = item.successor.pk if item.successor is not None else None
        item.chosen_owner = item.successor_owner.pk if item.successor_owner is not None else None
    OffboardingItem.objects.bulk_update(
        selected, ["successor", "successor_owner", "chosen_successor", "chosen_owner"]
    )
    return len(selected)


@transaction.atomic
def set_offboarding_successor_groups(
    *, actor: Colleague, plan: OffboardingPlan, groups: Sequence[Mapping[str, Any]]
) -> int:
    """Several `set_offboarding_successors` calls in order, all or nothing."""
    return sum(set_offboarding_successors(actor=actor, plan=plan, **group) for group in groups)


def _changes(state: _State, plan: OffboardingPlan, items: list[OffboardingItem]) -> list[Change]:
    if plan.colleague is None or plan.applied_at is not None:
        return []
    planned = {_holding(item) for item in items}
    now = set(holdings_of(plan.colleague))
    name = plan.colleague.full_name
    result = []
    for change, holdings in (("gone", planned - now), ("new", now - planned)):
        for holding in sorted(holdings):
            result.append(
                Change(
                    change=change,
                    kind=holding.kind,
                    client_id=holding.client_id,
                    slot=holding.slot,
                    portfolio_id=holding.portfolio_id,
                    team_id=holding.team_id,
                    message=_describe_change(state, change, holding, name),
                )
            )
    # A successor chosen, deleted since (the foreign key emptied itself): the place would be
    # left empty silently; the plan is refused until another successor is chosen.
    for item in items:
        if (item.chosen_successor is not None and item.successor_id is None) or (
            item.chosen_owner is not None and item.successor_owner_id is None
        ):
            holding = _holding(item)
            result.append(
                Change(
                    change="successor_gone",
                    kind=item.kind,
                    client_id=item.client_id,
                    slot=item.slot,
                    portfolio_id=item.portfolio_id,
                    team_id=item.team_id,
                    message=_describe_gone_successor(state, holding),
                )
            )
    return result


def _describe_gone_successor(state: _State, holding: Holding) -> str:
    text = _(
        "Le successeur choisi pour cette place a été supprimé depuis le plan : choisissez "
        "qui la reprend. %(role)s"
    ) % {"role": _role_label(state, holding)}
    if holding.client_id is None:
        return text
    return f"{text} ({_('client « %(name)s »') % {'name': _client_name(state, holding.client_id)}})"


def preview_offboarding(*, actor: Colleague, plan: OffboardingPlan) -> Preview:
    """The plan's result, place by place (role, before → after, issues), and what changed
    since it was made. Writes nothing."""
    require_admin(actor)
    found = _plan_in_firm(actor, plan)
    return _preview(actor, found, plan_items(found))


def _preview(actor: Colleague, plan: OffboardingPlan, items: list[OffboardingItem]) -> Preview:
    state = _State(_firm(actor), plan.colleague, items)
    changes = _changes(state, plan, items)
    if changes:
        # The new places need their names too.
        state = _State(
            state.firm,
            plan.colleague,
            [
                *items,
                *(Holding(c.kind, c.client_id, c.slot, c.portfolio_id, c.team_id) for c in changes),
            ],
        )
        changes = _changes(state, plan, items)
    rows = []
    for item in items:
        holding = _holding(item)
        successor = state.colleagues.get(item.successor_id) if item.successor_id else None
        entry = item.successor_owner if item.kind == OWNER else None
        client = state.clients.get(item.client_id) if item.client_id else None
        portfolio_id = item.portfolio_id or (client.portfolio_id if client else None)
        portfolio = state.portfolios.get(portfolio_id) if portfolio_id else None
        rows.append(
            Row(
                item=item,
                kind=item.kind,
                role=_role_label(state, holding),
                client_id=item.client_id,
                client_name=_client_name(state, item.client_id) if item.client_id else "",
                portfolio_id=portfolio_id,
                portfolio_name=portfolio.name if portfolio else "",
                before=plan.colleague_name,
                after=_after(state, item),
                issues=_successor_issues(state, item.kind, item.slot, successor, entry),
            )
        )
    return Preview(plan=plan, rows=rows, changes=changes)


@dataclass(frozen=True)
class Applied:
    plan: OffboardingPlan
    changed: int
    notified: int


@transaction.atomic
def apply_offboarding(*, actor: Colleague, plan: OffboardingPlan) -> Applied:
    """Applies the plan in one transaction: every place goes to its successor (or nobody),
    one history event per change, one notification per successor and role (naming the
    client, or how many), then the colleague is deactivated or deleted. Refused with what
    changed (PlanChanged) when the leaver's places are not those the plan was made on or a
    successor chosen was deleted since, and with the issues when a place is refused;
    nothing is written then."""
    require_admin(actor)
    Firm.objects.select_for_update().filter(pk=actor.firm_id).first()
    locked = _plan_in_firm(actor, plan, lock=True)
    _require_open(locked)
    leaver = locked.colleague
    assert leaver is not None
    items = plan_items(locked)
    client_ids = sorted({item.client_id for item in items if item.client_id is not None})
    # Lock the clients (in id order, as every bulk service does) before reading their state.
    list(Contact.objects.select_for_update().filter(pk__in=client_ids).order_by("pk").values("pk"))
    preview = _preview(actor, locked, items)
    if preview.changes:
        raise PlanChanged(preview.changes)
    if preview.blocking:
        raise ValidationError(
            [
                ValidationError(
                    f"{row.client_name or row.role} — {row.role} : {issue.message}",
                    code=issue.code,
                )
                for row, issue in preview.blocking
            ]
        )
    state = _State(_firm(actor), leaver, items)
    writer = _Writer(actor, leaver, state)
    for item in items:
        writer.hand_over(item)
    writer.flush()
    if locked.action == OffboardingPlan.Action.DELETE:
        firms.delete_colleague(actor=actor, colleague=leaver, transfer=False)
    else:
        firms.deactivate_colleague(actor=actor, colleague=leaver, transfer=False)
        leaver.is_active = False
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    plan.applied_at = locked.applied_at
    return Applied(plan=locked, changed=writer.changed, notified=writer.notified)


class _Writer:
    """The writes of one plan, grouped: one update per successor for owners and managers."""

    def __init__(self, actor: Colleague, leaver: Colleague, state: _State) -> None:
        self.actor, self.leaver, self.state = actor, leaver, state
        self.entry = OwnerEntry.objects.filter(firm_id=actor.firm_id, colleague=leaver).first()
        self.events: list[Any] = []
        self.owners: dict[int | None, list[Contact]] = defaultdict(list)
        self.managers: dict[int | None, list[Contact]] = defaultdict(list)
        # Per (kind, successor, params): the clients they are given, told once per group.
        self.notices: dict[tuple[str, int, tuple[tuple[str, Any], ...]], list[Contact]] = {}
        self.recipients: dict[int, Colleague] = {}
        self.changed = 0
        self.notified = 0
        self.entries: dict[int, OwnerEntry] = {}

    def successor(self, item: OffboardingItem) -> Colleague | None:
        return self.state.colleagues.get(item.successor_id) if item.successor_id else None

    def event(self, action: str, client: Contact | None, **facts: Any) -> None:
        self.events.append(new_event(actor=self.actor, action=action, client=client, **facts))
        self.changed += 1

    def notice(
        self, kind: str, colleague: Colleague | None, client: Contact, **params: Any
    ) -> None:
        if colleague is not None:
            self.recipients[colleague.pk] = colleague
            key = (NOTIFY_KINDS[kind], colleague.pk, tuple(sorted(params.items())))
            self.notices.setdefault(key, []).append(client)

    def hand_over(self, item: OffboardingItem) -> None:
        successor = self.successor(item)
        client = self.state.clients.get(item.client_id) if item.client_id else None
        if item.kind in CLIENT_KINDS and client is None:
            return
        if item.kind == OWNER:
            assert client is not None
            entry = item.successor_owner
            if entry is None and successor is not None:
                entry = self.state.roster[successor.pk]
            self.owners[entry.pk if entry else None].append(client)
            if entry is not None:
                self.entries[entry.pk] = entry
            self.event(
                "client.owner_changed",
                client,
                before={"owner": audit_ref(self.entry)},
                after={"owner": audit_ref(entry)},
            )
            if entry is not None:
                self.notice(OWNER, entry.colleague, client, owner_id=entry.pk)
        elif item.kind == MANAGER:
            assert client is not None
            self.managers[successor.pk if successor else None].append(client)
            self.event(
                "client.manager_changed",
                client,
                before={"manager": audit_ref(self.leaver)},
                after={"manager": audit_ref(successor)},
            )
            if successor is not None:
                self.notice(MANAGER, successor, client, manager_id=successor.pk)
        elif item.kind == ROLE:
            assert client is not None
            self._role(item, client, successor)
        elif item.kind == MEMBER:
            assert client is not None
            self._member(client, successor)
        elif item.kind == PORTFOLIO_STAFF:
            self._portfolio(item, successor)
        elif item.kind == TEAM_MEMBER:
            self._team(item, successor)

    def _role(self, item: OffboardingItem, client: Contact, successor: Colleague | None) -> None:
        title = self.state.slots.get(item.slot or 0, "")
        assignments = RoleAssignment.objects.filter(client_id=client.pk, slot=item.slot or 0)
        if successor is None:
            assignments.delete()
        else:
            assignments.update(colleague=successor)
        role = {"slot": item.slot, "title": title}
        self.event(
            "client.role_changed",
            client,
            before={"role": {**role, "colleague": audit_ref(self.leaver)}},
            after={"role": {**role, "colleague": audit_ref(successor)}},
        )
        self.notice(ROLE, successor, client, slot=item.slot)

    def _member(self, client: Contact, successor: Colleague | None) -> None:
        ClientMember.objects.filter(client_id=client.pk, colleague=self.leaver).delete()
        self.event(
            "client.member_removed",
            client,
            before={"member": {"colleague": audit_ref(self.leaver)}},
        )
        if successor is None:
            return
        if ClientMember.objects.filter(client_id=client.pk, colleague=successor).exists():
            return
        ClientMember.objects.create(firm_id=self.actor.firm_id, client=client, colleague=successor)
        self.event(
            "client.member_added", client, after={"member": {"colleague": audit_ref(successor)}}
        )
        self.notice(MEMBER, successor, client)

    def _portfolio(self, item: OffboardingItem, successor: Colleague | None) -> None:
        portfolio = self.state.portfolios[item.portfolio_id]  # type: ignore[index]
        access.unstaff_portfolio(actor=self.actor, portfolio=portfolio, colleague=self.leaver)
        self.changed += 1
        if (
            successor is not None
            and not PortfolioStaff.objects.filter(portfolio=portfolio, colleague=successor).exists()
        ):
            access.staff_portfolio(actor=self.actor, portfolio=portfolio, colleague=successor)
            self.changed += 1

    def _team(self, item: OffboardingItem, successor: Colleague | None) -> None:
        team = self.state.teams[item.team_id]  # type: ignore[index]
        firms.remove_team_member(actor=self.actor, team=team, colleague=self.leaver)
        self.changed += 1
        if (
            successor is not None
            and not TeamMembership.objects.filter(team=team, colleague=successor).exists()
        ):
            firms.add_team_member(actor=self.actor, team=team, colleague=successor)
            self.changed += 1

    def flush(self) -> None:
        for entry_id, clients in self.owners.items():
            update_clients(clients, owner_id=entry_id)
        for manager_id, clients in self.managers.items():
            update_clients(clients, manager_id=manager_id)
        bulk_record(self.events)
        # One notification per successor and role, naming the client when it is one.
        for (kind, colleague_id, params), clients in self.notices.items():
            self.notified += notify_many(
                kind=kind,
                recipient=self.recipients[colleague_id],
                clients=clients,
                actor=self.actor,
                params=dict(params) or None,
            )
