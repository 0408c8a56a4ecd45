"""« CRM limité » (docs/access-rules.md, rule 4): a colleague with limited scope sees the
companies they are on the client team of, and the persons with a contact card at those
companies, each by its own privacy — nothing more, and nothing changes for anyone else."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from portefeuille.access import rules
from portefeuille.access.rules import Level
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import Contact, ContactCard
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing import factories as f
from portefeuille.work.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def louis(firm: Firm) -> Colleague:
    """Louis, limited scope, a member of Dupont SA's client team."""
    return f.ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )


@pytest.fixture
def dupont(firm: Firm, louis: Colleague) -> Contact:
    organization = f.OrganizationFactory.create(firm=firm, display_name="Dupont SA")
    f.ClientMemberFactory.create(client=organization, colleague=louis)
    return organization


def _person(firm: Firm, name: str, privacy: str, *at: Contact) -> Contact:
    person = f.PersonFactory.create(firm=firm, first_name=name, last_name="Martin", privacy=privacy)
    for organization in at:
        f.ContactCardFactory.create(person=person, organization=organization)
    return person


def test_a_limited_colleague_reads_the_persons_of_their_companies_by_privacy(
    firm: Firm, louis: Colleague, dupont: Contact
) -> None:
    elsewhere = f.OrganizationFactory.create(firm=firm, display_name="Ailleurs SARL")
    public = _person(firm, "Paul", Privacy.PUBLIC, dupont)
    private = _person(firm, "Pia", Privacy.PRIVATE, dupont)
    hidden = _person(firm, "Hugo", Privacy.HIDDEN, dupont)
    not_carded = _person(firm, "Sam", Privacy.PUBLIC, elsewhere)

    assert rules.level(louis, dupont) == Level.FULL
    assert rules.level(louis, public) == Level.FULL
    assert rules.level(louis, private) == Level.NAME
    assert rules.level(louis, hidden) == Level.NONE
    # Public, but with a card only at a company that is not Louis's: none, like the company.
    assert rules.level(louis, not_carded) == Level.NONE
    assert rules.level(louis, elsewhere) == Level.NONE
    assert set(rules.visible_clients(louis, Level.NAME)) == {dupont, public, private}
    assert set(rules.visible_clients(louis, Level.FULL)) == {dupont, public}


def test_every_way_of_being_on_the_company_opens_its_cards(firm: Firm, louis: Colleague) -> None:
    team = f.TeamFactory.create(firm=firm)
    f.TeamMembershipFactory.create(team=team, colleague=louis)
    portfolio = f.PortfolioFactory.create(firm=firm)
    f.PortfolioStaffFactory.create(portfolio=portfolio, team=team)
    managed = f.OrganizationFactory.create(firm=firm, manager=louis)
    staffed = f.OrganizationFactory.create(firm=firm, portfolio=portfolio)
    granted = f.OrganizationFactory.create(firm=firm)
    f.AccessGrantFactory.create(client=granted, team=team)
    persons = [_person(firm, "Paul", Privacy.PUBLIC, org) for org in (managed, staffed, granted)]

    assert all(rules.level(louis, person) == Level.FULL for person in persons)


def test_losing_the_company_or_the_card_takes_the_person_away(
    firm: Firm, louis: Colleague, dupont: Contact
) -> None:
    admin = f.AdminFactory.create(firm=firm)
    paul = _person(firm, "Paul", Privacy.PUBLIC, dupont)
    second = f.OrganizationFactory.create(firm=firm)
    f.ClientMemberFactory.create(client=second, colleague=louis)
    f.ContactCardFactory.create(person=paul, organization=second)

    contacts.remove_card(
        actor=admin, card=ContactCard.objects.get(person=paul, organization=dupont)
    )
    assert rules.level(louis, paul) == Level.FULL  # still through the second company
    contacts.remove_card(
        actor=admin, card=ContactCard.objects.get(person=paul, organization=second)
    )
    assert rules.level(louis, paul) == Level.NONE


def test_a_persons_records_follow_the_level_its_card_gives(
    firm: Firm, louis: Colleague, dupont: Contact
) -> None:
    public = _person(firm, "Paul", Privacy.PUBLIC, dupont)
    private = _person(firm, "Pia", Privacy.PRIVATE, dupont)
    hidden = _person(firm, "Hugo", Privacy.HIDDEN, dupont)
    items = {p.pk: f.WorkItemFactory.create(client=p) for p in (public, private, hidden)}

    full = set(WorkItem.objects.visible_to(louis, Level.FULL))
    named = set(WorkItem.objects.visible_to(louis, Level.NAME))
    assert full == {items[public.pk]}
    assert named == {items[public.pk], items[private.pk]}


def test_who_has_access_names_the_card_for_a_limited_colleague(
    firm: Firm, louis: Colleague, dupont: Contact
) -> None:
    other = f.OrganizationFactory.create(firm=firm, display_name="Bernard et fils")
    f.ClientMemberFactory.create(client=other, colleague=louis)
    fanny = f.ColleagueFactory.create(firm=firm, first_name="Fanny")
    public = _person(firm, "Paul", Privacy.PUBLIC, dupont, other)
    private = _person(firm, "Pia", Privacy.PRIVATE, dupont)

    explained = {a.colleague.pk: a for a in rules.explain(public)}
    assert explained[louis.pk].level == Level.FULL
    assert [r.label for r in explained[louis.pk].reasons] == [
        "Fiche de contact chez « Bernard et fils »",
        "Fiche de contact chez « Dupont SA »",
    ]
    # A full-scope colleague reads a public person because it is public, cards or not.
    assert [r.kind for r in explained[fanny.pk].reasons] == ["public"]

    explained = {a.colleague.pk: a for a in rules.explain(private)}
    assert explained[louis.pk].level == Level.NAME
    assert [r.kind for r in explained[louis.pk].reasons] == ["private_name_only", "card"]


def test_cards_change_nothing_for_full_scope_colleagues(firm: Firm, dupont: Contact) -> None:
    fanny = f.ColleagueFactory.create(firm=firm)
    f.ClientMemberFactory.create(client=dupont, colleague=fanny)
    private = _person(firm, "Pia", Privacy.PRIVATE, dupont)
    hidden = _person(firm, "Hugo", Privacy.HIDDEN, dupont)

    assert rules.level(fanny, private) == Level.NAME
    assert rules.level(fanny, hidden) == Level.NONE


def test_the_pages_show_the_limited_colleague_the_persons_of_their_companies(
    firm: Firm, louis: Colleague, dupont: Contact
) -> None:
    public = _person(firm, "Paul", Privacy.PUBLIC, dupont)
    private = _person(firm, "Pia", Privacy.PRIVATE, dupont)
    hidden = _person(firm, "Hugo", Privacy.HIDDEN, dupont)
    http = Client()
    http.force_login(louis)

    assert http.get(f"/contacts/{public.pk}/").status_code == 200
    assert http.get(f"/contacts/{private.pk}/").status_code == 404  # a name, not a page
    assert http.get(f"/contacts/{hidden.pk}/").status_code == 404
    listed = http.get("/contacts/?view=all").content.decode()
    assert public.display_name in listed
    assert private.display_name in listed
    assert hidden.display_name not in listed
    # Dupont SA's page names its public and private contacts, and not the hidden one.
    page = http.get(f"/contacts/{dupont.pk}/").content.decode()
    assert f'href="/contacts/{public.pk}/"' in page
    assert f"/contacts/{private.pk}/" not in page
    assert hidden.first_name not in page
