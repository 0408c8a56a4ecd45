"""The demo firm's contacts: about 2,000 French and Belgian clients with their teams.

A step of `portefeuille.firms.demo.build_demo`. Rows are written in bulk (one service call
per contact would make the first `make run` slow), but every value is what the services
would accept: SIREN/SIRET/VAT numbers pass python-stdnum, phones are E.164 numbers that
phonenumbers calls valid, addresses are unique per contact, client codes unique.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import phonenumbers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from faker import Faker

from portefeuille.access.models import (
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.firms.models import Colleague, ContactType, Privacy, RoleSlot

from .models import (
    Contact,
    ContactCard,
    Document,
    EmailAddress,
    EmploymentStatus,
    GroupMembership,
    PhoneNumber,
    PostalAddress,
    SocialHandle,
    TimelineItem,
    normalise_for_search,
)

if TYPE_CHECKING:
    from portefeuille.firms.demo import DemoContext

PEOPLE = 1150
ORGANIZATIONS = 780
GROUPS = 70
PORTFOLIO_NAMES = [
    "TPE Lyon",
    "Professions libérales",
    "Agriculteurs",
    "Commerçants Bruxelles",
    "Holdings familiales",
    "Associations",
    "BTP",
    "Restauration",
]
ROLES = ["Gérant", "Président", "Directeur financier", "Comptable", "Associé", "Salarié"]
NOTES = [
    "Rendez-vous annuel fait : **bilan validé**, prévoir la liasse fiscale avant le 15 mai.",
    "Appel du client : question sur la TVA intracommunautaire, réponse envoyée par e-mail.",
    "Pièces manquantes pour la révision :\n\n- relevés bancaires de décembre\n- factures "
    "fournisseurs du T4",
    "Le client envisage de passer en SAS l'an prochain ; à rediscuter en septembre.",
    "Lettre de mission signée et archivée dans les documents.",
]


def _luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # every second digit from the right of the full number
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def french_company(rng: random.Random) -> tuple[str, str, str]:
    """A (SIREN, SIRET, TVA) triple with valid check digits."""
    base = str(rng.randint(10_000_000, 99_999_999))
    siren = base + _luhn_digit(base)
    nic = f"{rng.randint(1, 9999):04d}"
    siret = siren + nic + _luhn_digit(siren + nic)
    key = (12 + 3 * (int(siren) % 97)) % 97
    return siren, siret, f"FR{key:02d}{siren}"


def belgian_company(rng: random.Random) -> tuple[str, str]:
    """A (BCE number, VAT number) pair with a valid mod-97 check."""
    body = rng.randint(2_000_000, 19_999_999)
    number = f"{body:08d}{97 - body % 97:02d}"
    return number, f"BE{number}"


def _valid_phone(rng: random.Random, prefixes: Sequence[str], digits: int) -> str:
    while True:
        number = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def french_phone(rng: random.Random) -> str:
    return _valid_phone(rng, ["+3361", "+3362", "+3366", "+3367", "+3368", "+331", "+334"], 7)


def belgian_phone(rng: random.Random) -> str:
    return _valid_phone(rng, ["+32470", "+32475", "+32478", "+32485", "+32495"], 6)


def _zipf_pick(rng: random.Random, items: Sequence[Colleague]) -> Colleague:
    weights = [1 / (rank + 1) for rank in range(len(items))]
    return rng.choices(items, weights=weights)[0]


def _slug(text: str) -> str:
    return "".join(c for c in normalise_for_search(text) if c.isalnum())


# A tiny valid PDF, so that the demo's documents open in a viewer.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def add_contacts(context: DemoContext) -> None:
    firm, rng = context.firm, context.rng
    fake_fr, fake_be = Faker("fr_FR"), Faker("fr_BE")
    fake_fr.seed_instance(rng.randint(0, 10**6))
    fake_be.seed_instance(rng.randint(0, 10**6))
    now = timezone.now()
    active = [c for c in context.colleagues if c.is_active]
    # Team positions go to full-scope staff; the limited colleague gets a few on purpose.
    limited = [c for c in active if c.scope == Colleague.Scope.LIMITED]
    staff = [c for c in active if c.pk != context.admin.pk and c not in limited]
    types = {t.name: t for t in ContactType.objects.filter(firm=firm)}
    type_weights = [
        (types.get("Client"), 62),
        (types.get("Prospect"), 14),
        (types.get("Fournisseur"), 5),
        (types.get("Partenaire"), 4),
        (types.get("Inactif"), 10),
        (None, 5),
    ]
    titled_slots = list(
        RoleSlot.objects.filter(firm=firm).exclude(title="").values_list("number", flat=True)
    )
    owners = [OwnerEntry.objects.create(firm=firm, colleague=colleague) for colleague in staff[:9]]
    owners.append(OwnerEntry.objects.create(firm=firm, name="Maître Sabine Roux (notaire)"))

    def contact_type() -> ContactType | None:
        return rng.choices([t for t, _ in type_weights], [w for _, w in type_weights])[0]

    def privacy() -> str:
        roll = rng.random()
        return Privacy.HIDDEN if roll < 0.01 else Privacy.PRIVATE if roll < 0.04 else Privacy.PUBLIC

    contacts: list[Contact] = []
    belgian: set[int] = set()
    code = 0
    for index in range(PEOPLE):
        is_be = index % 5 == 0
        fake = fake_be if is_be else fake_fr
        first = fake.first_name()
        last = fake.last_name()
        middle = fake.first_name() if rng.random() < 0.1 else ""
        self_employed = rng.random() < 0.15
        code += 1
        contacts.append(
            Contact(
                firm=firm,
                kind=Contact.Kind.PERSON,
                first_name=first,
                middle_name=middle,
                last_name=last,
                display_name=" ".join(p for p in (first, middle, last) if p),
                preferred_name=first if rng.random() < 0.05 else "",
                birth_date=date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 52)),
                country="BE" if is_be else "FR",
                employment_status=(
                    EmploymentStatus.SELF_EMPLOYED
                    if self_employed
                    else rng.choice([EmploymentStatus.EMPLOYED, EmploymentStatus.RETIRED, ""])
                ),
                vat_number=(
                    (belgian_company(rng)[1] if is_be else french_company(rng)[2])
                    if self_employed
                    else ""
                ),
                client_code=f"P{code:05d}",
                privacy=privacy(),
                contact_type=contact_type(),
            )
        )
    for index in range(ORGANIZATIONS):
        is_be = index % 4 == 0
        fake = fake_be if is_be else fake_fr
        name = fake.company()
        code += 1
        fields: dict[str, object] = {}
        if is_be:
            number, vat = belgian_company(rng)
            fields = {"company_number": number, "vat_number": vat, "country": "BE"}
        else:
            siren, siret, vat = french_company(rng)
            fields = {"company_number": siren, "siret": siret, "vat_number": vat, "country": "FR"}
        contacts.append(
            Contact(
                firm=firm,
                kind=Contact.Kind.ORGANIZATION,
                display_name=name,
                legal_name=f"{name} {rng.choice(['SARL', 'SAS', 'SA', 'EURL', 'SRL', 'SC'])}",
                website=f"https://www.{_slug(name)[:40] or 'entreprise'}.{'be' if is_be else 'fr'}",
                fiscal_year_end_month=12 if rng.random() < 0.8 else rng.choice([3, 6, 9]),
                fiscal_year_end_day=31 if rng.random() < 0.8 else 30,
                description=fake.catch_phrase() if rng.random() < 0.3 else "",
                client_code=f"O{code:05d}",
                privacy=privacy(),
                contact_type=contact_type(),
                **fields,
            )
        )
    for index in range(GROUPS):
        contacts.append(
            Contact(
                firm=firm,
                kind=Contact.Kind.CLIENT_GROUP,
                display_name=f"Groupe {fake_fr.last_name()}",
                privacy=Privacy.PUBLIC if index % 10 else Privacy.PRIVATE,
                contact_type=types.get("Client"),
            )
        )
    for contact in contacts:
        contact.search_name = normalise_for_search(contact.display_name)
        contact.created_at = contact.updated_at = now - timedelta(days=rng.randint(0, 2000))
        if contact.kind != Contact.Kind.CLIENT_GROUP:
            contact.owner = rng.choice(owners) if rng.random() < 0.9 else None
            contact.manager = _zipf_pick(rng, staff) if rng.random() < 0.85 else None
    contacts = Contact.objects.bulk_create(contacts, batch_size=500)
    people = [c for c in contacts if c.kind == Contact.Kind.PERSON]
    organizations = [c for c in contacts if c.kind == Contact.Kind.ORGANIZATION]
    groups = [c for c in contacts if c.kind == Contact.Kind.CLIENT_GROUP]
    belgian = {c.pk for c in contacts if c.country == "BE"}

    # Organizations' people: one to three contact cards each, the first the primary contact.
    cards: list[ContactCard] = []
    linked: set[tuple[int, int]] = set()
    for organization in organizations:
        for position in range(rng.choice([1, 1, 2, 3])):
            person = rng.choice(people)
            if (person.pk, organization.pk) in linked:
                continue
            linked.add((person.pk, organization.pk))
            cards.append(
                ContactCard(
                    firm=firm,
                    person=person,
                    organization=organization,
                    role=rng.choice(ROLES) if position else "Gérant",
                )
            )
            if position == 0:
                organization.primary_contact = person
    ContactCard.objects.bulk_create(cards, batch_size=500)
    Contact.objects.bulk_update(organizations, ["primary_contact"], batch_size=500)

    # Client groups: a family and its companies, 2 to 6 members; some contacts in two groups.
    memberships: list[GroupMembership] = []
    for group in groups:
        chosen = rng.sample(people, rng.randint(1, 3)) + rng.sample(
            organizations, rng.randint(1, 3)
        )
        memberships += [GroupMembership(firm=firm, group=group, member=m) for m in chosen]
    GroupMembership.objects.bulk_create(memberships, batch_size=500, ignore_conflicts=True)

    # Coordinates.
    emails: list[EmailAddress] = []
    phones: list[PhoneNumber] = []
    addresses: list[PostalAddress] = []
    handles: list[SocialHandle] = []
    used_addresses: set[str] = set()
    for contact in people + organizations:
        is_be = contact.pk in belgian
        fake = fake_be if is_be else fake_fr
        if rng.random() < 0.85:
            if contact.kind == Contact.Kind.PERSON:
                local = f"{_slug(contact.first_name)}.{_slug(contact.last_name)}"
                domain = rng.choice(
                    ["gmail.com", "orange.fr", "free.fr", "skynet.be", "outlook.fr"]
                )
            else:
                local = rng.choice(["contact", "compta", "direction"])
                domain = contact.website.split("www.", 1)[-1]
            address = f"{local}@{domain}"
            suffix = 2
            while address in used_addresses:
                address = f"{local}{suffix}@{domain}"
                suffix += 1
            used_addresses.add(address)
            emails.append(EmailAddress(firm=firm, contact=contact, address=address))
        if rng.random() < 0.8:
            number = belgian_phone(rng) if is_be else french_phone(rng)
            phones.append(PhoneNumber(firm=firm, contact=contact, number=number, label="Mobile"))
        if rng.random() < 0.75:
            addresses.append(
                PostalAddress(
                    firm=firm,
                    contact=contact,
                    label="Siège" if contact.kind == Contact.Kind.ORGANIZATION else "Domicile",
                    street=fake.street_address(),
                    postal_code=fake.postcode(),
                    city=fake.city(),
                    country="BE" if is_be else "FR",
                )
            )
        if contact.kind == Contact.Kind.ORGANIZATION and rng.random() < 0.3:
            handles.append(
                SocialHandle(
                    firm=firm,
                    contact=contact,
                    network=SocialHandle.Network.LINKEDIN,
                    handle=f"company/{_slug(contact.display_name)[:40]}",
                )
            )
    EmailAddress.objects.bulk_create(emails, batch_size=500)
    PhoneNumber.objects.bulk_create(phones, batch_size=500)
    PostalAddress.objects.bulk_create(addresses, batch_size=500)
    SocialHandle.objects.bulk_create(handles, batch_size=500)

    # Client teams: role holders and members, so "Mes contacts" means something to everyone.
    roles: list[RoleAssignment] = []
    members: list[ClientMember] = []
    for contact in people + organizations:
        for slot in titled_slots:
            if rng.random() < 0.2:
                roles.append(
                    RoleAssignment(
                        firm=firm, client=contact, slot=slot, colleague=_zipf_pick(rng, staff)
                    )
                )
        if rng.random() < 0.3:
            members.append(ClientMember(firm=firm, client=contact, colleague=rng.choice(staff)))
        elif rng.random() < 0.1:
            members.append(ClientMember(firm=firm, client=contact, team=rng.choice(context.teams)))
    # The limited colleague is on about 40 client teams: those, and the persons with a card
    # at those of them that are organizations, are all they see (docs/access-rules.md).
    for contact in rng.sample(people + organizations, 40):
        for colleague in limited:
            members.append(ClientMember(firm=firm, client=contact, colleague=colleague))
    RoleAssignment.objects.bulk_create(roles, batch_size=500, ignore_conflicts=True)
    ClientMember.objects.bulk_create(members, batch_size=500, ignore_conflicts=True)

    # Portfolios: staffed by a team or a few colleagues; about a third of clients in one.
    portfolios = Portfolio.objects.bulk_create(
        [
            Portfolio(firm=firm, name=name, email=f"{_slug(name)}@cabinet-demo.fr")
            for name in PORTFOLIO_NAMES
        ]
    )
    staffing: list[PortfolioStaff] = []
    for index, portfolio in enumerate(portfolios):
        if index % 3 == 0:
            staffing.append(
                PortfolioStaff(firm=firm, portfolio=portfolio, team=context.teams[index % 5])
            )
        for colleague in rng.sample(staff, 2):
            staffing.append(PortfolioStaff(firm=firm, portfolio=portfolio, colleague=colleague))
    PortfolioStaff.objects.bulk_create(staffing, ignore_conflicts=True)
    in_portfolio = rng.sample(people + organizations, len(contacts) // 3)
    for contact in in_portfolio:
        contact.portfolio = rng.choice(portfolios)
    Contact.objects.bulk_update(in_portfolio, ["portfolio"], batch_size=500)

    # Timelines: a few hundred notes, and a letter of engagement on some organizations.
    notes = [
        TimelineItem(
            firm=firm,
            client=contact,
            kind=TimelineItem.Kind.NOTE,
            author=rng.choice(staff),
            body=rng.choice(NOTES),
            occurred_at=now - timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 600)),
        )
        for contact in rng.sample(people + organizations, 350)
    ]
    for note in notes:
        note.created_at = note.updated_at = note.occurred_at
        note.search_text = normalise_for_search(note.body)
    TimelineItem.objects.bulk_create(notes, batch_size=500)
    documents = []
    for contact in rng.sample(organizations, 30):
        name = f"Lettre de mission {contact.display_name}.pdf"
        stored = default_storage.save(
            f"documents/demo/{contact.pk}/lettre-de-mission.pdf", ContentFile(PDF)
        )
        documents.append(
            Document(
                firm=firm,
                client=contact,
                name=name[:255],
                file=stored,
                size=len(PDF),
                content_type="application/pdf",
                uploaded_by=rng.choice(staff),
            )
        )
    Document.objects.bulk_create(documents)
