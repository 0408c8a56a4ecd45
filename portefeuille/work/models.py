"""Work items, their tasks and the saved filters of the work view (docs/work.md).

A work item belongs to one client and inherits the reader's level on it
(`WorkItem.objects.visible_to(colleague)`, docs/access-rules.md): NAME shows its title and
status, FULL everything; a task is read with FULL access to its item's client only.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.access.scopes import TaskQuerySet, WorkItemQuerySet
from portefeuille.firms.models import Colleague, FirmScoped, WorkStatus, WorkType


class Recurrence(models.TextChoices):
    NONE = "", _("Aucune")
    MONTHLY = "monthly", _("Mensuelle")
    QUARTERLY = "quarterly", _("Trimestrielle")
    YEARLY = "yearly", _("Annuelle")


# The months one period of each recurrence adds.
RECURRENCE_MONTHS = {
    Recurrence.MONTHLY: 1,
    Recurrence.QUARTERLY: 3,
    Recurrence.YEARLY: 12,
}


class WorkItem(FirmScoped):
    client = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    # For a person or organization: one of its client groups the item is done for (the
    # group's Work tab shows a member's items only when they name that group).
    client_group = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("groupe de clients"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_work_items",
    )
    title = models.CharField(_("titre"), max_length=200)
    work_type = models.ForeignKey(
        WorkType,
        verbose_name=_("type de travail"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_items",
    )
    status = models.ForeignKey(
        WorkStatus, verbose_name=_("statut"), on_delete=models.PROTECT, related_name="work_items"
    )
    assignee = models.ForeignKey(
        Colleague,
        verbose_name=_("assigné à"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_work",
    )
    start_date = models.DateField(_("date de début"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    recurrence = models.CharField(
        _("récurrence"), max_length=12, choices=Recurrence.choices, blank=True
    )
    # The item this one repeats (its series), and whether its successor was created.
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_item"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Colleague, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # The access door (docs/access-rules.md).
    objects = WorkItemQuerySet["WorkItem"].as_manager()

    class Meta:
        verbose_name = _("élément de travail")
        verbose_name_plural = _("éléments de travail")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["client", "status"], name="work_item_client_status"),
            models.Index(fields=["firm", "status", "due_date"], name="work_item_firm_status"),
            models.Index(fields=["assignee", "status"], name="work_item_assignee"),
            models.Index(fields=["client_group", "status"], name="work_item_group"),
            models.Index(fields=["firm", "updated_at"], name="work_item_firm_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(due_date__isnull=True)
                | models.Q(due_date__gte=models.F("start_date")),
                name="work_item_due_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(client_group=models.F("client")),
                name="work_item_group_not_client",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        """Due before `today` and not in a completed status (the status decides what is
        finished, as on the board)."""
        return (
            self.due_date is not None
            and self.due_date < today
            and self.status.primary_state != WorkStatus.PrimaryState.COMPLETED
        )


class Task(FirmScoped):
    """One line of a work item's checklist."""

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("titre"), max_length=200)
    assignee = models.ForeignKey(
        Colleague,
        verbose_name=_("assigné à"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    done = models.BooleanField(_("fait"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # A task is changed on its own (two people ticking and renaming lines of one checklist
    # do not make each other stale), so it carries its own version.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TaskQuerySet["Task"].as_manager()

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["assignee", "done", "due_date"], name="task_assignee_open"),
        ]

    def __str__(self) -> str:
        return self.title


class WorkNote(FirmScoped):
    """A note on a work item (Markdown, rendered sanitised); read with FULL access."""

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        Colleague, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = TaskQuerySet["WorkNote"].as_manager()

    class Meta:
        verbose_name = _("note de travail")
        verbose_name_plural = _("notes de travail")
        ordering = ["created_at", "id"]


class Segment(FirmScoped):
    """A saved filter: a name and the query string of a list's filters, for one colleague,
    or shared with the whole firm. `area` says which list it filters. A shared segment is
    listed for every colleague, and counted for each through the list's own door: sharing a
    filter shares no record."""

    class Area(models.TextChoices):
        WORK = "work", _("Travail")
        CONTACTS = "contacts", _("Contacts")
        OPPORTUNITIES = "opportunities", _("Opportunités")
        INVOICES = "invoices", _("Factures")
        TICKETS = "tickets", _("Boîte partagée")

    owner = models.ForeignKey(Colleague, on_delete=models.CASCADE, related_name="segments")
    area = models.CharField(max_length=16, choices=Area.choices)
    name = models.CharField(_("nom"), max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    shared = models.BooleanField(_("partagé avec le cabinet"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "owner", "area", models.functions.Lower("name"), name="segment_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HomeVisit(FirmScoped):
    """When a colleague last opened their home page: "changed since my last visit" starts
    there (the previous visit is kept so a reload does not empty the list)."""

    colleague = models.OneToOneField(Colleague, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    previous_seen_at = models.DateTimeField(null=True, blank=True)
