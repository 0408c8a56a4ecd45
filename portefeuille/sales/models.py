"""Opportunities, projects and invoices of a client (docs/sales.md).

Each belongs to one client and is read through its door (`Opportunity.objects.visible_to`,
access/scopes.py): in full by whoever sees the client in full, and by the record's own
people (an opportunity's assignees, a project's manager and collaborators) whatever their
level on the client. An invoice has no people of its own: its client decides.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.access.scopes import InvoiceQuerySet, OpportunityQuerySet, ProjectQuerySet
from portefeuille.firms.models import Colleague, FirmScoped, OpportunityStage

# The currencies offered; amounts are stored with two decimals.
CURRENCIES = ("EUR", "CHF", "GBP", "USD", "CAD", "XOF", "MAD")
DEFAULT_CURRENCY = "EUR"


class SalesRecord(FirmScoped):
    """What the three records share: a client, who created it, a version, timestamps."""

    client = models.ForeignKey(
        "contacts.Contact", verbose_name=_("client"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        Colleague, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Opportunity(SalesRecord):
    title = models.CharField(_("titre"), max_length=200)
    value = models.DecimalField(_("montant"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("devise"), max_length=3, default=DEFAULT_CURRENCY)
    stage = models.ForeignKey(
        OpportunityStage,
        verbose_name=_("étape"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    expected_close = models.DateField(_("date de clôture prévue"), null=True, blank=True)
    # Required by every service; null only once the colleague is deleted (the list then says
    # « Non assignée » and asks for someone).
    assignee = models.ForeignKey(
        Colleague,
        verbose_name=_("affectée à"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="assigned_opportunities",
    )
    second_assignee = models.ForeignKey(
        Colleague,
        verbose_name=_("second commercial"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="second_opportunities",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = OpportunityQuerySet["Opportunity"].as_manager()

    class Meta:
        verbose_name = _("opportunité")
        verbose_name_plural = _("opportunités")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client"], name="opportunity_client"),
            models.Index(fields=["assignee", "stage"], name="opportunity_assignee"),
            models.Index(fields=["second_assignee"], name="opportunity_second"),
            models.Index(fields=["firm", "stage"], name="opportunity_firm_stage"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="opportunity_value_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Project(SalesRecord):
    name = models.CharField(_("nom"), max_length=200)
    start_date = models.DateField(_("date de début"), null=True, blank=True)
    end_date = models.DateField(_("date de fin"), null=True, blank=True)
    # Required by every service (the creator by default); null only once deleted.
    manager = models.ForeignKey(
        Colleague,
        verbose_name=_("gestionnaire du projet"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="managed_projects",
    )
    description = models.TextField(_("description"), blank=True)

    objects = ProjectQuerySet["Project"].as_manager()

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client"], name="project_client"),
            models.Index(fields=["manager"], name="project_manager"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="project_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectCollaborator(FirmScoped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="collaborators")
    colleague = models.ForeignKey(
        Colleague, on_delete=models.CASCADE, related_name="project_collaborations"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "colleague"], name="project_collaborator_once"
            ),
        ]
        indexes = [models.Index(fields=["colleague"], name="project_collaborator_colleague")]


class Invoice(SalesRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SENT = "sent", _("Envoyée")
        PAID = "paid", _("Payée")
        OVERDUE = "overdue", _("En retard")

    number = models.CharField(_("numéro"), max_length=40)
    date = models.DateField(_("date"))
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("devise"), max_length=3, default=DEFAULT_CURRENCY)
    status = models.CharField(
        _("statut"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )

    objects = InvoiceQuerySet["Invoice"].as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["client"], name="invoice_client"),
            models.Index(fields=["firm", "status", "date"], name="invoice_firm_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "number"], name="invoice_number_unique_in_firm"
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__isnull=True)
                | models.Q(due_date__gte=models.F("date")),
                name="invoice_due_after_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number
