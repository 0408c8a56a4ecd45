"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
)
from portefeuille.firms.models import Colleague, Firm, Privacy, Team, TeamMembership, WorkStatus
from portefeuille.firms.services import seed_firm_defaults
from portefeuille.work.models import Task, WorkItem

PASSWORD = "correct horse battery staple"


def _seed_defaults(obj: Firm, create: bool, extracted: object, **kwargs: object) -> None:
    if create:
        seed_firm_defaults(obj)


class FirmFactory(DjangoModelFactory[Firm]):
    """A firm with its default settings (contact types, role slots, statuses) and no colleague."""

    class Meta:
        model = Firm
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cabinet {n}")
    # What @factory.post_generation builds, without its untyped decorator.
    defaults = factory.PostGeneration(_seed_defaults)


class ColleagueFactory(DjangoModelFactory[Colleague]):
    class Meta:
        model = Colleague
        skip_postgeneration_save = True

    firm = factory.SubFactory(FirmFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.com")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    profile = Colleague.Profile.STAFF
    scope = Colleague.Scope.FULL
    password = factory.django.Password(PASSWORD)


class AdminFactory(ColleagueFactory):
    profile = Colleague.Profile.ADMIN


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Équipe {n}")


class TeamMembershipFactory(DjangoModelFactory[TeamMembership]):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    colleague = factory.SubFactory(ColleagueFactory, firm=factory.SelfAttribute("..team.firm"))
    firm = factory.SelfAttribute("team.firm")


class ClientFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    firm = factory.SubFactory(FirmFactory)
    kind = Contact.Kind.ORGANIZATION
    display_name = factory.Faker("company", locale="fr_FR")
    privacy = Privacy.PUBLIC


class OwnerEntryFactory(DjangoModelFactory[OwnerEntry]):
    class Meta:
        model = OwnerEntry

    firm = factory.SubFactory(FirmFactory)
    colleague = factory.SubFactory(ColleagueFactory, firm=factory.SelfAttribute("..firm"))


class PortfolioFactory(DjangoModelFactory[Portfolio]):
    class Meta:
        model = Portfolio

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Portefeuille {n}")


class PortfolioStaffFactory(DjangoModelFactory[PortfolioStaff]):
    class Meta:
        model = PortfolioStaff

    portfolio = factory.SubFactory(PortfolioFactory)
    firm = factory.SelfAttribute("portfolio.firm")


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")
    slot = 1
    colleague = factory.SubFactory(ColleagueFactory, firm=factory.SelfAttribute("..client.firm"))


class ClientMemberFactory(DjangoModelFactory[ClientMember]):
    class Meta:
        model = ClientMember

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")


class AccessGrantFactory(DjangoModelFactory[AccessGrant]):
    class Meta:
        model = AccessGrant

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")


class PersonFactory(DjangoModelFactory[Contact]):
    """A person client; display_name is "first last" as the services keep it."""

    class Meta:
        model = Contact

    firm = factory.SubFactory(FirmFactory)
    kind = Contact.Kind.PERSON
    privacy = Privacy.PUBLIC
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    display_name = factory.LazyAttribute(
        lambda o: " ".join(p for p in (o.first_name, o.middle_name, o.last_name) if p)
    )
    middle_name = ""


class OrganizationFactory(ClientFactory):
    kind = Contact.Kind.ORGANIZATION
    display_name = factory.Faker("company", locale="fr_FR")


class ClientGroupFactory(ClientFactory):
    kind = Contact.Kind.CLIENT_GROUP
    display_name = factory.Faker("numerify", text="Groupe ####")


class EmailAddressFactory(DjangoModelFactory[EmailAddress]):
    class Meta:
        model = EmailAddress

    contact = factory.SubFactory(PersonFactory)
    firm = factory.SelfAttribute("contact.firm")
    address = factory.Sequence(lambda n: f"contact{n}@exemple.fr")


class PhoneNumberFactory(DjangoModelFactory[PhoneNumber]):
    class Meta:
        model = PhoneNumber

    contact = factory.SubFactory(PersonFactory)
    firm = factory.SelfAttribute("contact.firm")
    number = factory.Sequence(lambda n: f"+336{n:08d}")


class ContactCardFactory(DjangoModelFactory[ContactCard]):
    """A person's card at an organization of the same firm."""

    class Meta:
        model = ContactCard

    person = factory.SubFactory(PersonFactory)
    firm = factory.SelfAttribute("person.firm")
    organization = factory.SubFactory(
        OrganizationFactory, firm=factory.SelfAttribute("..person.firm")
    )
    role = "Gérant"


class GroupMembershipFactory(DjangoModelFactory[GroupMembership]):
    """A member (a person by default) in a client group of the same firm."""

    class Meta:
        model = GroupMembership

    group = factory.SubFactory(ClientGroupFactory)
    firm = factory.SelfAttribute("group.firm")
    member = factory.SubFactory(PersonFactory, firm=factory.SelfAttribute("..group.firm"))


class WorkItemFactory(DjangoModelFactory[WorkItem]):
    """A work item on a client, in the firm's first status (written directly: tests of the
    services call the services)."""

    class Meta:
        model = WorkItem

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")
    title = factory.Sequence(lambda n: f"Mission {n}")
    status = factory.LazyAttribute(
        lambda o: WorkStatus.objects.filter(firm=o.firm).order_by("position").first()
    )


class TaskFactory(DjangoModelFactory[Task]):
    class Meta:
        model = Task

    work_item = factory.SubFactory(WorkItemFactory)
    firm = factory.SelfAttribute("work_item.firm")
    title = factory.Sequence(lambda n: f"Tâche {n}")
