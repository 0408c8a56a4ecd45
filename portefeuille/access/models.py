"""Client teams, the owner roster, portfolios and access grants: the facts §6 reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.models import FirmScoped, Team


def _exactly_one_holder(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(colleague__isnull=False, team__isnull=True))
        | (Q(colleague__isnull=True, team__isnull=False)),
        name=f"{prefix}_colleague_xor_team",
    )


class OwnerEntry(FirmScoped):
    """An entry of the owner roster: a colleague, or a manual owner known only by name."""

    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="owner_entries",
    )
    name = models.CharField(_("nom"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("responsable client")
        verbose_name_plural = _("responsables clients")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "colleague"],
                condition=Q(colleague__isnull=False),
                name="owner_entry_one_per_colleague",
            ),
            models.CheckConstraint(
                condition=Q(colleague__isnull=False) | ~Q(name=""),
                name="owner_entry_colleague_or_name",
            ),
        ]

    def __str__(self) -> str:
        return self.colleague.full_name if self.colleague_id else self.name  # type: ignore[union-attr]


class RoleAssignment(FirmScoped):
    """The holder of one titled role slot on one client."""

    client = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="role_assignments"
    )
    slot = models.PositiveSmallIntegerField()
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "slot"], name="role_assignment_one_holder"),
        ]
        indexes = [models.Index(fields=["colleague", "client"], name="role_assignment_colleague")]


class ClientMember(FirmScoped):
    """A colleague or a whole team on a client's team."""

    client = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="members")
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="client_memberships",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="client_memberships"
    )

    class Meta:
        constraints = [
            _exactly_one_holder("client_member"),
            models.UniqueConstraint(
                fields=["client", "colleague"],
                condition=Q(colleague__isnull=False),
                name="client_member_colleague_once",
            ),
            models.UniqueConstraint(
                fields=["client", "team"],
                condition=Q(team__isnull=False),
                name="client_member_team_once",
            ),
        ]
        indexes = [
            models.Index(fields=["colleague", "client"], name="client_member_colleague"),
            models.Index(fields=["team", "client"], name="client_member_team"),
        ]


class AccessGrant(FirmScoped):
    """Access to one client given to a colleague or a team outside the client team."""

    client = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="grants")
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_grants",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="access_grants"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            _exactly_one_holder("access_grant"),
            models.UniqueConstraint(
                fields=["client", "colleague"],
                condition=Q(colleague__isnull=False),
                name="access_grant_colleague_once",
            ),
            models.UniqueConstraint(
                fields=["client", "team"],
                condition=Q(team__isnull=False),
                name="access_grant_team_once",
            ),
        ]
        indexes = [
            models.Index(fields=["colleague", "client"], name="access_grant_colleague"),
            models.Index(fields=["team", "client"], name="access_grant_team"),
        ]


class Portfolio(FirmScoped):
    """A staffing group: everyone staffing it has full access to all its clients."""

    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("portefeuille")
        verbose_name_plural = _("portefeuilles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PortfolioStaff(FirmScoped):
    """A colleague or a team staffing a portfolio."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="staff")
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portfolio_staffings",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="portfolio_staffings"
    )

    class Meta:
        constraints = [
            _exactly_one_holder("portfolio_staff"),
            models.UniqueConstraint(
                fields=["portfolio", "colleague"],
                condition=Q(colleague__isnull=False),
                name="portfolio_staff_colleague_once",
            ),
            models.UniqueConstraint(
                fields=["portfolio", "team"],
                condition=Q(team__isnull=False),
                name="portfolio_staff_team_once",
            ),
        ]
        indexes = [
            models.Index(fields=["colleague", "portfolio"], name="portfolio_staff_colleague"),
            models.Index(fields=["team", "portfolio"], name="portfolio_staff_team"),
        ]


class OffboardingPlan(FirmScoped):
    """A plan for a colleague who leaves (docs/offboarding.md): every place they hold, each
    with its successor, applied at once with the deactivation or the deletion."""

    class Action(models.TextChoices):
        DEACTIVATE = "deactivate", _("désactivation")
        DELETE = "delete", _("suppression")

    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="offboarding_plans",
    )
    colleague_name = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)


class OffboardingItem(FirmScoped):
    """One place of the leaver in a plan — on a client (owner, manager, role `slot`, member),
    on a portfolio (staff) or in a team — and who takes it (none: it is emptied)."""

    plan = models.ForeignKey(OffboardingPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20)
    client = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, null=True, related_name="+"
    )
    slot = models.PositiveSmallIntegerField(null=True)
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    successor_owner = models.ForeignKey(
        OwnerEntry, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The ids chosen, kept when the successor (or the roster entry) is deleted since: the
    # foreign keys above are then emptied, and the apply refuses the plan instead of
    # leaving the place empty (docs/offboarding.md).
    chosen_successor = models.BigIntegerField(null=True)
    chosen_owner = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["pk"]
