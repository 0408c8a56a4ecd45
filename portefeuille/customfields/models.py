"""Custom fields (docs/custom-fields.md): the firm's own fields on contacts, opportunities,
projects and invoices, and their values.

A value belongs to one record and is read only with it: whoever reads a record through its
door (`Contact.objects.visible_to(colleague, FULL)`, `Opportunity/Project/Invoice.objects.
visible_to`, access/scopes.py) may read its values (customfields/queries.py::values_for),
nobody else. A value of type User names a colleague and never grants that colleague
anything: no door looks at this table.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.models import Colleague, FirmScoped

# The record columns of a value, by area; exactly one of them is set.
RECORD_COLUMNS = ("contact", "opportunity", "project", "invoice")


class CustomField(FirmScoped):
    class Area(models.TextChoices):
        CONTACT = "contact", _("Contacts")
        OPPORTUNITY = "opportunity", _("Opportunités")
        PROJECT = "project", _("Projets")
        INVOICE = "invoice", _("Factures")

    class Kind(models.TextChoices):
        TEXT = "text", _("Texte")
        NUMBER = "number", _("Nombre")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Liste de choix")
        USER = "user", _("Utilisateur")

    area = models.CharField(_("fiches"), max_length=12, choices=Area.choices)
    label = models.CharField(_("libellé"), max_length=80)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    # The options of a choice field, in their order (texts).
    choices = models.JSONField(_("choix"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    in_list = models.BooleanField(_("afficher dans la liste"), default=False)
    # Archived: hidden from forms, pages, filters and the API's records; its values stay and
    # come back when it is restored.
    archived = models.BooleanField(_("archivé"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("champ personnalisé")
        verbose_name_plural = _("champs personnalisés")
        ordering = ["area", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                "firm", "area", Lower("label"), name="custom_field_label_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "area", "archived"], name="custom_field_firm_area"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def parameter(self) -> str:
        """Its name in a list's query string and on a form (`cf_<id>`)."""
        return f"cf_{self.pk}"


class CustomValue(FirmScoped):
    """The value of one field on one record: the column of the field's kind is set."""

    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        "sales.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "sales.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    # The text without accents nor case (contacts.models.normalise_for_search): what a
    # "contains" filter compares, the same on SQLite and PostgreSQL.
    text_search = models.TextField(blank=True)
    number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    choice = models.CharField(max_length=100, blank=True)
    # A deleted colleague leaves the value empty (the record then has no one in this field).
    user = models.ForeignKey(
        Colleague, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("valeur personnalisée")
        verbose_name_plural = _("valeurs personnalisées")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        contact__isnull=False,
                        opportunity__isnull=True,
                        project__isnull=True,
                        invoice__isnull=True,
                    )
                    | models.Q(
                        contact__isnull=True,
                        opportunity__isnull=False,
                        project__isnull=True,
                        invoice__isnull=True,
                    )
                    | models.Q(
                        contact__isnull=True,
                        opportunity__isnull=True,
                        project__isnull=False,
                        invoice__isnull=True,
                    )
                    | models.Q(
                        contact__isnull=True,
                        opportunity__isnull=True,
                        project__isnull=True,
                        invoice__isnull=False,
                    )
                ),
                name="custom_value_one_record",
            ),
            *(
                models.UniqueConstraint(
                    fields=["field", column], name=f"custom_value_once_per_{column}"
                )
                for column in RECORD_COLUMNS
            ),
        ]
        indexes = [
            models.Index(fields=["field", "user"], name="custom_value_field_user"),
            models.Index(fields=["field", "choice"], name="custom_value_field_choice"),
            models.Index(fields=["field", "date"], name="custom_value_field_date"),
            models.Index(fields=["field", "number"], name="custom_value_field_number"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}: {self.pk}"
