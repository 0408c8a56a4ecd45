"""The client monitor's background exports (docs/exchange.md, "Large exports"): a selection
too large to send at once is written by the task worker, with its progress, to a file only
its requester may download."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.models import Colleague, FirmScoped


class Export(FirmScoped):
    """One export of the monitor's selection: the monitor's query string (`state`), the
    ticked ids if any, the format; written by `exchange.tasks.run_export` with the rights the
    requester has when it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    requester = models.ForeignKey(Colleague, on_delete=models.CASCADE, related_name="+")
    state = models.TextField(blank=True)
    selected = models.JSONField(null=True, blank=True)
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["requester", "-created_at"], name="export_requester")]

    def __str__(self) -> str:
        return f"{self.format} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class Import(FirmScoped):
    """One import of a contacts file (docs/imports.md): uploaded, its columns mapped, each
    row analysed (errors, likely duplicates) for a preview, then the valid rows written in
    batches by `exchange.tasks.run_import`, with a report of what was not. Its requester's
    only."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Colonnes à associer")
        ANALYSING = "analysing", _("Analyse en cours")
        READY = "ready", _("Aperçu prêt")
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    requester = models.ForeignKey(Colleague, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    format = models.CharField(max_length=8)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["requester", "-created_at"], name="import_requester")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportRow(models.Model):
    """One row of an imported file: its cells as read, the values its mapping gives, what
    the analysis found (errors, warnings, a likely duplicate), the requester's decision, and
    what the import did with it."""

    class Decision(models.TextChoices):
        CREATE = "create", _("Créer un nouveau contact")
        SKIP = "skip", _("Ignorer la ligne")
        MERGE = "merge", _("Compléter le contact existant")

    class Outcome(models.TextChoices):
        PENDING = "", _("À importer")
        CREATED = "created", _("Créé")
        MERGED = "merged", _("Complété")
        SKIPPED = "skipped", _("Ignoré")
        REJECTED = "rejected", _("Rejeté")

    job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    cells = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    # The existing contact this row likely repeats, and why: "email", "code" or "name".
    duplicate_of = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_reason = models.CharField(max_length=8, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.CREATE)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    reason = models.TextField(blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("ligne importée")
        verbose_name_plural = _("lignes importées")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="import_row_number"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.number}"
