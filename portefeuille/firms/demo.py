"""The demo firm "Cabinet Démo", built through the services like a real firm would be.

`build_demo()` is deterministic for a given seed and does nothing when the demo firm exists.
Later issues add the demo's clients and work as further steps of `build_demo` (see STEPS),
each a function of the shared `DemoContext`.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation
from faker import Faker

from portefeuille.contacts.demo import add_contacts
from portefeuille.contacts.models import Contact
from portefeuille.inbox.demo import add_inbox
from portefeuille.sales.demo import add_sales
from portefeuille.work.demo import add_work

from .models import Colleague, Firm, Team
from .services import (
    create_colleague,
    create_firm,
    create_team,
    deactivate_colleague,
    set_role_slot_titles,
)

DEMO_FIRM_NAME = "Cabinet Démo"
DEMO_DOMAIN = "cabinet-demo.fr"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# Every demo colleague shares this password, so one can sign in as anyone to try the
# access rules. It is a demo: the firm holds no real data.
DEMO_PASSWORD = "demo-portefeuille"  # noqa: S105
DEMO_COLLEAGUES = 25  # the admin included

TEAM_NAMES = [
    "Expertise comptable",
    "Pôle Social",
    "Audit",
    "Juridique",
    "Fiscalité & conseil",
]
ROLE_SLOT_TITLES = {
    1: "Associé signataire",
    2: "Expert-comptable",
    3: "Chef de mission",
    4: "Gestionnaire de paie",
    5: "Deuxième responsable commercial",
}


@dataclass
class DemoContext:
    """What the steps share: the firm, its admin, its colleagues and teams, and the
    seeded sources of names and choices (use them, never the global ones)."""

    firm: Firm
    admin: Colleague
    fake: Faker
    rng: random.Random
    colleagues: list[Colleague] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)


@dataclass(frozen=True)
class DemoResult:
    firm: Firm
    admin_email: str
    password: str
    created: bool
    colleague_count: int
    team_count: int


def demo_firm() -> Firm | None:
    return Firm.objects.filter(name=DEMO_FIRM_NAME).order_by("pk").first()


def build_demo(*, seed: int = 1) -> DemoResult:
    """Creates the demo firm in one transaction; when it already exists, changes nothing."""
    with transaction.atomic(), translation.override("fr"):
        existing = demo_firm()
        if existing is not None:
            return _result(existing, created=False)
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        firm, admin = create_firm(
            name=DEMO_FIRM_NAME,
            admin_email=DEMO_ADMIN_EMAIL,
            admin_password=None,
            admin_first_name=fake.first_name_female(),
            admin_last_name=fake.last_name(),
        )
        context = DemoContext(firm=firm, admin=admin, fake=fake, rng=random.Random(seed))
        for step in STEPS:
            step(context)
        # One hash for everybody: hashing 25 passwords one by one takes seconds.
        Colleague.objects.filter(firm=firm).update(password=make_password(DEMO_PASSWORD))
        return _result(firm, created=True)


def delete_demo() -> bool:
    """Deletes the demo firm and everything in it; False when there was none."""
    with transaction.atomic():
        firm = demo_firm()
        if firm is None:
            return False
        # Contacts first: their contact type is a protected reference the firm's cascade
        # would meet before it reached the contacts themselves.
        Contact.objects.filter(firm=firm).delete()
        firm.delete()
        return True


def _result(firm: Firm, *, created: bool) -> DemoResult:
    return DemoResult(
        firm=firm,
        admin_email=DEMO_ADMIN_EMAIL,
        password=DEMO_PASSWORD,
        created=created,
        colleague_count=Colleague.objects.filter(firm=firm).count(),
        team_count=Team.objects.filter(firm=firm).count(),
    )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c == "-").strip("-")


def add_colleagues(context: DemoContext) -> None:
    """24 colleagues besides the admin: one with a limited scope, one deactivated."""
    fake, admin = context.fake, context.admin
    used = {admin.email}
    context.colleagues.append(admin)
    for index in range(DEMO_COLLEAGUES - 1):
        first = fake.first_name_female() if index % 2 else fake.first_name_male()
        last = fake.last_name()
        email = f"{_ascii(first)}.{_ascii(last)}@{DEMO_DOMAIN}"
        suffix = 2
        while email in used:
            email = f"{_ascii(first)}.{_ascii(last)}{suffix}@{DEMO_DOMAIN}"
            suffix += 1
        used.add(email)
        context.colleagues.append(
            create_colleague(
                actor=admin,
                email=email,
                first_name=first,
                last_name=last,
                profile=Colleague.Profile.STAFF,
                # The second colleague sees only the clients they are linked to.
                scope=Colleague.Scope.LIMITED if index == 1 else Colleague.Scope.FULL,
            )
        )
    # The last one has left the firm: kept for history, cannot sign in.
    deactivate_colleague(actor=admin, colleague=context.colleagues[-1])


def add_teams(context: DemoContext) -> None:
    """Five teams; every active colleague belongs to one, a few to two."""
    active = [c for c in context.colleagues if c.is_active]
    rng = context.rng
    members: dict[str, list[Colleague]] = {name: [] for name in TEAM_NAMES}
    for position, colleague in enumerate(active):
        members[TEAM_NAMES[position % len(TEAM_NAMES)]].append(colleague)
    for colleague in rng.sample(active, 4):
        other = rng.choice([n for n in TEAM_NAMES if colleague not in members[n]])
        members[other].append(colleague)
    for name in TEAM_NAMES:
        context.teams.append(create_team(actor=context.admin, name=name, members=members[name]))


def title_role_slots(context: DemoContext) -> None:
    set_role_slot_titles(actor=context.admin, titles=ROLE_SLOT_TITLES)


# The steps, in order. Later issues append theirs (clients, work, ...).
STEPS: list[Callable[[DemoContext], None]] = [
    add_colleagues,
    add_teams,
    title_role_slots,
    add_contacts,
    add_work,
    add_sales,
    add_inbox,
]
