"""Contacts: the client record (person, organization, client group) and, later, its details."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portefeuille.access.scopes import ClientQuerySet, DocumentQuerySet, TimelineItemQuerySet
from portefeuille.firms.models import ContactType, FirmScoped, Privacy


def normalise_for_search(text: str) -> str:
    """Lower-case, accent-free form of a name, so "Elodie Lefevre" matches "Élodie Lefèvre"."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Control characters (NUL included, which PostgreSQL refuses in text) never match a name.
    stripped = "".join(
        ch
        for ch in decomposed
        if ch in "\t\n" or (not unicodedata.combining(ch) and unicodedata.category(ch) != "Cc")
    )
    return " ".join(stripped.casefold().split())


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Salarié")
    SELF_EMPLOYED = "self_employed", _("Travailleur indépendant")
    UNEMPLOYED = "unemployed", _("Sans emploi")
    RETIRED = "retired", _("Retraité")
    STUDENT = "student", _("Étudiant")


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
    # Person.
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    middle_name = models.CharField(_("deuxième prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom de famille"), max_length=150, blank=True)
    preferred_name = models.CharField(_("nom préféré"), max_length=150, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    share_communication = models.BooleanField(
        _("partager la communication"),
        default=True,
        help_text=_(
            "Désactivé : les e-mails ajoutés sur cette personne ne sont visibles que par "
            "qui les a ajoutés et par les administrateurs."
        ),
    )
    # Organization.
    website = models.URLField(_("site web"), max_length=255, blank=True)
    primary_contact = models.ForeignKey(
        "self",
        verbose_name=_("contact principal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_contact_of",
    )
    # Every kind.
    description = models.TextField(_("description"), blank=True)
    client_code = models.CharField(_("identifiant client"), max_length=50, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    # Accounting details.
    legal_name = models.CharField(_("dénomination légale"), max_length=255, blank=True)
    country = CountryField(_("pays"), blank=True)
    company_number = models.CharField(
        _("numéro d'entreprise"),
        max_length=32,
        blank=True,
        help_text=_("SIREN (France), numéro BCE (Belgique), Company number (Royaume-Uni)."),
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("numéro de TVA"), max_length=20, blank=True)
    tax_number = models.CharField(
        _("numéro fiscal"),
        max_length=20,
        blank=True,
        help_text=_("Numéro fiscal de référence (France), UTR (Royaume-Uni)."),
    )
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("mois de clôture de l'exercice"), null=True, blank=True
    )
    fiscal_year_end_day = models.PositiveSmallIntegerField(
        _("jour de clôture de l'exercice"), null=True, blank=True
    )
    employment_status = models.CharField(
        _("situation professionnelle"), max_length=16, choices=EmploymentStatus.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # The access door: `Contact.objects.visible_to(colleague, level)` (docs/access-rules.md).
    objects = ClientQuerySet["Contact"].as_manager()

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
            models.Index(fields=["firm", "kind", "search_name", "id"], name="contact_firm_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client_code"],
                condition=~models.Q(client_code=""),
                name="contact_client_code_unique_in_firm",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    fiscal_year_end_month__isnull=True, fiscal_year_end_day__isnull=True
                )
                | models.Q(
                    fiscal_year_end_month__gte=1,
                    fiscal_year_end_month__lte=12,
                    fiscal_year_end_day__gte=1,
                    fiscal_year_end_day__lte=31,
                ),
                name="contact_fiscal_year_end_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = normalise_for_search(self.display_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_archived(self) -> bool:
        return bool(self.contact_type and self.contact_type.is_archive)


class ContactDetail(FirmScoped):
    """What every contact detail row shares: its contact and a free label ("Bureau")."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("libellé"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class EmailAddress(ContactDetail):
    """An e-mail address; one address belongs to one contact of the firm."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("adresse e-mail"), max_length=254)

    class Meta(ContactDetail.Meta):
        verbose_name = _("adresse e-mail")
        verbose_name_plural = _("adresses e-mail")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "address"], name="contact_email_unique_in_firm"
            ),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PhoneNumber(ContactDetail):
    """A phone number, stored in E.164 form (+33612345678), shown in national form."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("numéro"), max_length=20)

    class Meta(ContactDetail.Meta):
        verbose_name = _("téléphone")
        verbose_name_plural = _("téléphones")


class PostalAddress(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    street = models.CharField(_("adresse"), max_length=255)
    street2 = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    region = models.CharField(_("région"), max_length=100, blank=True)
    country = CountryField(_("pays"))

    class Meta(ContactDetail.Meta):
        verbose_name = _("adresse postale")
        verbose_name_plural = _("adresses postales")


class SocialHandle(ContactDetail):
    class Network(models.TextChoices):
        LINKEDIN = "linkedin", "LinkedIn"
        X = "x", "X"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        OTHER = "other", _("Autre")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="social_handles")
    network = models.CharField(_("réseau"), max_length=16, choices=Network.choices)
    handle = models.CharField(_("identifiant"), max_length=255)

    class Meta(ContactDetail.Meta):
        verbose_name = _("réseau social")
        verbose_name_plural = _("réseaux sociaux")


class ContactCard(FirmScoped):
    """A person linked to an organization, with their role there (« fiche de contact »)."""

    person = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="cards")
    organization = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="involved_cards"
    )
    role = models.CharField(_("rôle"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fiche de contact")
        verbose_name_plural = _("fiches de contact")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization"], name="contact_card_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("organization")),
                name="contact_card_not_self",
            ),
        ]
        indexes = [models.Index(fields=["organization", "person"], name="contact_card_org")]


class GroupMembership(FirmScoped):
    """A person or organization in a client group; a contact may be in many groups."""

    group = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="group_members")
    member = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="group_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membre du groupe")
        verbose_name_plural = _("membres du groupe")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="group_member_once"),
            models.CheckConstraint(
                condition=~models.Q(group=models.F("member")), name="group_member_not_self"
            ),
        ]
        indexes = [models.Index(fields=["member", "group"], name="group_member_member")]


class TimelineItem(FirmScoped):
    """A note or a logged e-mail on a contact's timeline. Events come from the audit trail."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        EMAIL = "email", _("E-mail")

    client = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="timeline_items")
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A note's body is Markdown; an e-mail's is its plain text.
    body = models.TextField(_("texte"), blank=True)
    subject = models.CharField(_("objet"), max_length=998, blank=True)
    sender = models.CharField(_("expéditeur"), max_length=998, blank=True)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Accent-free subject, sender and body, for the search inside the timeline.
    search_text = models.TextField(editable=False, blank=True)

    # `TimelineItem.objects.visible_to(colleague)`: FULL access, share-communication rule.
    objects = TimelineItemQuerySet["TimelineItem"].as_manager()

    class Meta:
        verbose_name = _("élément de chronologie")
        verbose_name_plural = _("éléments de chronologie")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-occurred_at", "-id"], name="timeline_client_date"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = normalise_for_search(
            " ".join([self.subject, self.sender, " ".join(map(str, self.recipients)), self.body])
        )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Document(FirmScoped):
    """A file kept on a contact; an e-mail's attachments are documents of that e-mail."""

    client = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("nom"), max_length=255)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(_("taille"))
    content_type = models.CharField(max_length=100)
    email = models.ForeignKey(
        TimelineItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    # `Document.objects.visible_to(colleague)`: FULL access, share-communication rule.
    objects = DocumentQuerySet["Document"].as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["client", "-uploaded_at"], name="document_client_date")]
