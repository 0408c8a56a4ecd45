"""The tenant (Firm), its colleagues (the user model), teams and firm settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Privacy(models.TextChoices):
    """How much a colleague without a personal link to a client sees of it
    (docs/access-rules.md)."""

    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Privé")
    HIDDEN = "hidden", _("Masqué")


class Firm(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    general_email = models.EmailField(_("e-mail général"), blank=True)
    default_privacy = models.CharField(
        _("confidentialité par défaut des nouveaux clients"),
        max_length=10,
        choices=Privacy.choices,
        default=Privacy.PUBLIC,
    )
    ownership_enabled = models.BooleanField(_("responsables clients activés"), default=True)
    owner_required = models.BooleanField(
        _("responsable obligatoire sur les nouveaux clients"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cabinet")
        verbose_name_plural = _("cabinets")

    def __str__(self) -> str:
        return self.name


class FirmScoped(models.Model):
    """Every table of client data carries its firm, so every read can be scoped by it."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class ColleagueManager(BaseUserManager["Colleague"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Colleague:
        colleague = self.model(email=self.normalize_email(email).lower(), **extra)
        colleague.set_password(password)
        colleague.save(using=self._db)
        return colleague

    def get_by_natural_key(self, username: str | None) -> Colleague:
        return self.get(email__iexact=username)


class Colleague(AbstractBaseUser):
    """A user of one firm. E-mail addresses are unique across the deployment (sign-in key)."""

    class Profile(models.TextChoices):
        ADMIN = "admin", _("Administrateur")
        STAFF = "staff", pgettext_lazy("profil", "Collaborateur")

    class Scope(models.TextChoices):
        FULL = "full", _("Complet")
        LIMITED = "limited", _("Limité")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="colleagues")
    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    profile = models.CharField(
        _("profil"), max_length=10, choices=Profile.choices, default=Profile.STAFF
    )
    scope = models.CharField(
        _("périmètre d'accès"), max_length=10, choices=Scope.choices, default=Scope.FULL
    )
    is_active = models.BooleanField(_("actif"), default=True)
    language = models.CharField(
        _("langue"),
        max_length=5,
        blank=True,
        choices=[("fr", "Français"), ("en", "English")],
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of every session's auth hash: raising it signs every session out for good, even one
    # opened while access was being ended (docs/security.md, "Sessions").
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = ColleagueManager()

    class Meta:
        verbose_name = _("collaborateur")
        verbose_name_plural = _("collaborateurs")
        indexes = [models.Index(fields=["firm", "is_active"], name="colleague_firm_active")]
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Addresses are compared case-insensitively everywhere: store them lower-cased.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    # A session stays signed in while the hash it stored matches: a new password or a new
    # session generation (deactivation) ends it. SECRET_KEY_FALLBACKS work as in Django.
    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret)

    def _session_auth_hash(self, secret: str | bytes) -> str:
        return salted_hmac(
            "portefeuille.firms.Colleague.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.profile == self.Profile.ADMIN

    @property
    def is_limited(self) -> bool:
        return self.scope == self.Scope.LIMITED

    # Django's admin site is not installed; these keep third-party code that asks happy.
    @property
    def is_staff(self) -> bool:
        return False

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class Team(FirmScoped):
    name = models.CharField(_("nom"), max_length=120)
    members = models.ManyToManyField(
        Colleague, through="TeamMembership", related_name="teams", blank=True
    )

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("firm", Lower("name"), name="team_name_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(FirmScoped):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    colleague = models.ForeignKey(
        Colleague, on_delete=models.CASCADE, related_name="team_memberships"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "colleague"], name="team_membership_unique"),
        ]
        indexes = [models.Index(fields=["colleague", "team"], name="team_membership_colleague")]

    def __str__(self) -> str:
        return f"{self.colleague_id} ∈ {self.team_id}"


class ContactType(FirmScoped):
    """A firm's classification of contacts (Client, Prospect, ...). `is_archive` marks Inactif."""

    name = models.CharField(_("nom"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_archive = models.BooleanField(
        _("archive"),
        default=False,
        help_text=_("Les contacts de ce type sont masqués des listes sauf demande."),
    )

    class Meta:
        verbose_name = _("type de contact")
        verbose_name_plural = _("types de contact")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("firm", Lower("name"), name="contact_type_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class RoleSlot(FirmScoped):
    """One of the firm's 10 custom role slots; an untitled slot is shown nowhere."""

    MAX_SLOTS = 10

    number = models.PositiveSmallIntegerField()
    title = models.CharField(_("intitulé"), max_length=80, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "number"], name="role_slot_unique_number"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=10), name="role_slot_number_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.number}"


class WorkType(FirmScoped):
    name = models.CharField(_("nom"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("firm", Lower("name"), name="work_type_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkStatus(FirmScoped):
    class PrimaryState(models.TextChoices):
        PLANNED = "planned", _("Planifié")
        READY = "ready", _("Prêt à démarrer")
        IN_PROGRESS = "in_progress", _("En cours")
        WAITING = "waiting", _("En attente")
        COMPLETED = "completed", _("Terminé")

    name = models.CharField(_("nom"), max_length=80)
    primary_state = models.CharField(
        _("état principal"), max_length=12, choices=PrimaryState.choices
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("firm", Lower("name"), name="work_status_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityStage(FirmScoped):
    """A stage of the firm's sales pipeline (docs/sales.md); its outcome says whether an
    opportunity in it is still open, won or lost."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("En cours")
        WON = "won", _("Gagnée")
        LOST = "lost", _("Perdue")

    name = models.CharField(_("nom"), max_length=80)
    outcome = models.CharField(
        _("issue"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("firm", Lower("name"), name="opportunity_stage_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonalAccessToken(FirmScoped):
    """An API token acting exactly as its colleague. Only a hash of the secret is stored."""

    colleague = models.ForeignKey(Colleague, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The colleague's session generation when the token was made: deactivation bumps it,
    # so a token made by a request still in flight then never works (docs/security.md).
    generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("jeton d'accès personnel")
        verbose_name_plural = _("jetons d'accès personnels")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ColleagueSession(AbstractBaseSession):
    """A web session (SESSION_ENGINE portefeuille.firms.sessions) with the colleague signed in
    to it, so that ending a colleague's access can delete their sessions by index."""

    # No database constraint: a session is written after its request, possibly just after its
    # colleague was deleted; deleting a colleague still deletes their sessions (Django cascades).
    colleague = models.ForeignKey(
        Colleague,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from .sessions import SessionStore

        return SessionStore
