"""Every write on firms, colleagues, teams and firm settings."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Colleague, ContactType, Firm, RoleSlot, WorkStatus, WorkType

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
# Reference strings so makemessages knows the seeded names exist; the stored names are the
# firm's own data (editable), so they are saved as written, in the firm's language.
SEEDED_NAMES = (_("Client"), _("Prospect"), _("Fournisseur"), _("Partenaire"), _("Inactif"))


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
