"""Contacts: the client record (person, organization, client group) and, later, its details."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portefeuille.firms.models import ContactType, FirmScoped, Privacy


def normalise_for_search(text: str) -> str:
    """Lower-case, accent-free form of a name, so "Elodie Lefevre" matches "Élodie Lefèvre"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class Contact(FirmScoped):
    """A client of the firm. Privacy and the client team decide who may see it (access/)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Personne")
        ORGANIZATION = "organization", _("Organisation")
        CLIENT_GROUP = "client_group", _("Groupe de clients")

    kind = models.CharField(_("genre"), max_length=12, choices=Kind.choices)
    display_name = models.CharField(_("nom"), max_length=255)
    search_name = models.CharField(max_length=255, editable=False, db_index=False)
    privacy = models.CharField(
        _("confidentialité"), max_length=10, choices=Privacy.choices, default=Privacy.PUBLIC
    )
    contact_type = models.ForeignKey(
        ContactType,
        verbose_name=_("type de contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    # The client team's single-holder positions live on the client row itself, so the
    # database guarantees "one owner, one manager, at most one portfolio" per client.
    owner = models.ForeignKey(
        "access.OwnerEntry",
        verbose_name=_("responsable client"),
        on_delete=models.SET_NULL,
        null=True,
        db_index=False,  # Meta.indexes has (x, id), which serves lookups by x too
        blank=True,
        related_name="clients",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaire"),
        on_delete=models.SET_NULL,
        null=True,
        db_index=False,  # Meta.indexes has (x, id), which serves lookups by x too
        blank=True,
        related_name="managed_clients",
    )
    portfolio = models.ForeignKey(
        "access.Portfolio",
        verbose_name=_("portefeuille"),
        on_delete=models.SET_NULL,
        null=True,
        db_index=False,  # Meta.indexes has (x, id), which serves lookups by x too
        blank=True,
        related_name="clients",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["search_name", "id"]
        indexes = [
            models.Index(fields=["firm", "search_name", "id"], name="contact_firm_search"),
            models.Index(fields=["firm", "privacy"], name="contact_firm_privacy"),
            # (x, id): the access rules read only client ids through these (index-only scans).
            models.Index(fields=["owner", "id"], name="contact_owner"),
            models.Index(fields=["manager", "id"], name="contact_manager"),
            models.Index(fields=["portfolio", "id"], name="contact_portfolio"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = normalise_for_search(self.display_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_archived(self) -> bool:
        return bool(self.contact_type and self.contact_type.is_archive)
