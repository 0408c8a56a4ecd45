"""Creating a firm, and its general settings and role slots (admins only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portefeuille.audit.services import record_event

from ..guards import ExpectedVersion, check_version, clean_text, field_error, require_admin
from ..models import (
    Colleague,
    ContactType,
    Firm,
    OpportunityStage,
    Privacy,
    RoleSlot,
    WorkStatus,
    WorkType,
)
from ..versions import firm_settings_version, role_slots_version
from .common import check_choice, clean_email, lock_firm, max_length, merge

DEFAULT_CONTACT_TYPES: list[tuple[str, bool]] = [
    ("Client", False),
    ("Prospect", False),
    ("Fournisseur", False),
    ("Partenaire", False),
    ("Inactif", True),
]
DEFAULT_WORK_TYPES = ["Comptabilité", "Fiscalité", "Paie", "Juridique", "Conseil"]
DEFAULT_WORK_STATUSES: list[tuple[str, str]] = [
    ("Planifié", WorkStatus.PrimaryState.PLANNED),
    ("Prêt à démarrer", WorkStatus.PrimaryState.READY),
    ("En cours", WorkStatus.PrimaryState.IN_PROGRESS),
    ("En attente du client", WorkStatus.PrimaryState.WAITING),
    ("Terminé", WorkStatus.PrimaryState.COMPLETED),
]
DEFAULT_OPPORTUNITY_STAGES: list[tuple[str, str]] = [
    ("Prospection", OpportunityStage.Outcome.OPEN),
    ("Proposition envoyée", OpportunityStage.Outcome.OPEN),
    ("Négociation", OpportunityStage.Outcome.OPEN),
    ("Gagnée", OpportunityStage.Outcome.WON),
    ("Perdue", OpportunityStage.Outcome.LOST),
]
# Reference strings so makemessages knows the seeded names exist; the stored names are the
# firm's own data (editable), so they are saved as written, in the firm's language.
SEEDED_NAMES = (_("Client"), _("Prospect"), _("Fournisseur"), _("Partenaire"), _("Inactif"))
STALE_SETTINGS = _(
    "Les paramètres du cabinet ont été modifiés par quelqu'un d'autre depuis que vous les avez "
    "chargés : rechargez-les, puis refaites votre modification."
)
STALE_ROLE_SLOTS = _(
    "Les intitulés des postes ont été modifiés par quelqu'un d'autre depuis que vous les avez "
    "chargés : rechargez-les, puis refaites votre modification."
)


@transaction.atomic
def create_firm(
    *,
    name: str,
    admin_email: str,
    admin_password: str | None,
    admin_first_name: str = "",
    admin_last_name: str = "",
) -> tuple[Firm, Colleague]:
    """Creates a firm with its default settings and its first admin, in one transaction."""
    firm = Firm.objects.create(name=name)
    seed_firm_defaults(firm)
    admin = Colleague.objects.create_user(
        email=admin_email,
        password=admin_password,
        firm=firm,
        first_name=admin_first_name,
        last_name=admin_last_name,
        profile=Colleague.Profile.ADMIN,
    )
    return firm, admin


def seed_firm_defaults(firm: Firm) -> None:
    """The settings a new firm starts with: contact types, 10 untitled role slots, work setup."""
    ContactType.objects.bulk_create(
        ContactType(firm=firm, name=type_name, position=i, is_archive=is_archive)
        for i, (type_name, is_archive) in enumerate(DEFAULT_CONTACT_TYPES)
    )
    RoleSlot.objects.bulk_create(
        RoleSlot(firm=firm, number=n) for n in range(1, RoleSlot.MAX_SLOTS + 1)
    )
    WorkType.objects.bulk_create(
        WorkType(firm=firm, name=type_name, position=i)
        for i, type_name in enumerate(DEFAULT_WORK_TYPES)
    )
    WorkStatus.objects.bulk_create(
        WorkStatus(firm=firm, name=status_name, primary_state=state, position=i)
        for i, (status_name, state) in enumerate(DEFAULT_WORK_STATUSES)
    )
    seed_opportunity_stages(firm)


def seed_opportunity_stages(firm: Firm) -> None:
    """The sales pipeline a firm starts with (also given to firms created before it)."""
    OpportunityStage.objects.bulk_create(
        OpportunityStage(firm=firm, name=stage_name, outcome=outcome, position=i)
        for i, (stage_name, outcome) in enumerate(DEFAULT_OPPORTUNITY_STAGES)
    )


@transaction.atomic
def update_firm_settings(
    *,
    actor: Colleague,
    name: str | None = None,
    general_email: str | None = None,
    default_privacy: str | None = None,
    ownership_enabled: bool | None = None,
    owner_required: bool | None = None,
    expected_version: ExpectedVersion = None,
) -> Firm:
    """Changes the firm's general settings (admins only); None leaves a setting as it is.
    With `expected_version` (firms/versions.py), settings changed since are refused with
    StaleVersionError."""
    require_admin(actor)
    firm = lock_firm(actor)
    check_version(firm_settings_version(firm), expected_version, message=str(STALE_SETTINGS))
    errors: dict[str, list[ValidationError]] = {}
    changes: dict[str, Any] = {}

    def keep(field: str, value: Any) -> None:
        if value != getattr(firm, field):
            changes[field] = value

    try:
        if name is not None:
            keep("name", clean_text(name, "name", max_length(Firm, "name"), required=True))
    except ValidationError as error:
        merge(errors, error)
    if general_email is not None:
        if general_email.strip():
            try:
                keep("general_email", clean_email(general_email, "general_email"))
            except ValidationError as error:
                merge(errors, error)
        else:
            keep("general_email", "")
    try:
        if default_privacy is not None:
            keep(
                "default_privacy",
                check_choice(default_privacy, Privacy.values, "default_privacy"),
            )
    except ValidationError as error:
        merge(errors, error)
    if ownership_enabled is not None:
        keep("ownership_enabled", bool(ownership_enabled))
    if owner_required is not None:
        keep("owner_required", bool(owner_required))
    ownership = changes.get("ownership_enabled", firm.ownership_enabled)
    if changes.get("owner_required", firm.owner_required) and not ownership:
        merge(
            errors,
            field_error(
                "owner_required",
                gettext(
                    "Un responsable ne peut être obligatoire que si les responsables clients "
                    "sont activés."
                ),
                "ownership_disabled",
            ),
        )
    if errors:
        raise ValidationError(errors)
    if not changes:
        return firm
    before = {field: getattr(firm, field) for field in changes}
    for field, value in changes.items():
        setattr(firm, field, value)
    firm.save(update_fields=list(changes))
    if actor.firm is not firm:
        for field, value in changes.items():
            setattr(actor.firm, field, value)
    record_event(
        actor=actor,
        action="firm.settings_changed",
        before=before,
        after=changes,
    )
    return firm


@transaction.atomic
def set_role_slot_titles(
    *, actor: Colleague, titles: Mapping[int, str], expected_version: ExpectedVersion = None
) -> list[RoleSlot]:
    """Titles the firm's custom role slots (admins only); an empty title hides the slot.
    Slots not in `titles` keep their title. Errors are keyed `title_<number>`. With
    `expected_version`, titles changed since are refused with StaleVersionError."""
    require_admin(actor)
    slots = {
        slot.number: slot
        for slot in RoleSlot.objects.select_for_update().filter(firm_id=actor.firm_id)
    }
    check_version(
        role_slots_version(slots[n] for n in sorted(slots)),
        expected_version,
        message=str(STALE_ROLE_SLOTS),
    )
    errors: dict[str, list[ValidationError]] = {}
    wanted: dict[int, str] = {}
    longest = max_length(RoleSlot, "title")
    for number, title in titles.items():
        field = f"title_{number}"
        if number not in slots:
            merge(
                errors,
                field_error(
                    field,
                    gettext("Le poste n°%(number)s n'existe pas.") % {"number": number},
                    "unknown_slot",
                ),
            )
            continue
        try:
            wanted[number] = clean_text(title, field, longest, required=False)
        except ValidationError as error:
            merge(errors, error)
    final = {number: wanted.get(number, slot.title) for number, slot in slots.items()}
    seen: dict[str, int] = {}
    for number in sorted(final):
        title = final[number]
        if not title:
            continue
        key = title.casefold()
        if key in seen and number in wanted:
            merge(
                errors,
                field_error(
                    f"title_{number}",
                    gettext("L'intitulé « %(title)s » est déjà celui du poste n°%(other)s.")
                    % {"title": title, "other": seen[key]},
                    "duplicate_title",
                ),
            )
        seen.setdefault(key, number)
    if errors:
        raise ValidationError(errors)
    changed = [slots[n] for n, title in wanted.items() if title != slots[n].title]
    if changed:
        before = {slot.number: slot.title for slot in changed}
        for slot in changed:
            slot.title = wanted[slot.number]
        RoleSlot.objects.bulk_update(changed, ["title"])
        record_event(
            actor=actor,
            action="firm.role_slots_changed",
            before=before,
            after={slot.number: slot.title for slot in changed},
        )
    return [slots[n] for n in sorted(slots)]
