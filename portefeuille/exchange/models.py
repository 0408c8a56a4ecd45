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
