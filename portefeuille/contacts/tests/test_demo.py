"""The demo firm's contacts are realistic: valid numbers, a real spread of access."""

from __future__ import annotations

import phonenumbers
import pytest
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren, siret

from portefeuille.access import rules
from portefeuille.access.rules import Level, visible_clients
from portefeuille.contacts.models import (
    Contact,
    ContactCard,
    Document,
    EmailAddress,
    GroupMembership,
    PhoneNumber,
)
from portefeuille.firms.demo import build_demo
from portefeuille.firms.models import Colleague, Privacy

pytestmark = pytest.mark.django_db


def test_demo_fills_the_firm_with_two_thousand_valid_french_and_belgian_contacts() -> None:
    firm = build_demo().firm
    contacts = Contact.objects.filter(firm=firm)
    assert 1900 <= contacts.count() <= 2100
    for kind in Contact.Kind.values:
        assert contacts.filter(kind=kind).exists(), kind

    organizations = contacts.filter(kind=Contact.Kind.ORGANIZATION)
    for org in organizations.filter(country="FR"):
        assert siren.is_valid(org.company_number), org.company_number
        assert siret.is_valid(org.siret), org.siret
        assert eu_vat.is_valid(org.vat_number), org.vat_number
    belgian = organizations.filter(country="BE")
    assert belgian.exists()
    for org in belgian:
        assert be_vat.is_valid(org.vat_number), org.vat_number
    for number in PhoneNumber.objects.filter(firm=firm).values_list("number", flat=True):
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number

    codes = [c for c in contacts.values_list("client_code", flat=True) if c]
    assert len(codes) == len(set(codes))
    assert EmailAddress.objects.filter(firm=firm).count() > 1000
    assert ContactCard.objects.filter(firm=firm).count() > 500
    assert GroupMembership.objects.filter(firm=firm).count() > 100
    assert Document.objects.filter(firm=firm).exists()
    assert contacts.filter(privacy=Privacy.PRIVATE).exists()
    assert contacts.filter(privacy=Privacy.HIDDEN).exists()


def test_demo_limited_colleague_sees_a_few_dozen_clients_and_staff_see_almost_all() -> None:
    firm = build_demo().firm
    total = Contact.objects.filter(firm=firm).count()
    limited = Colleague.objects.get(firm=firm, scope=Colleague.Scope.LIMITED)
    staff = Colleague.objects.filter(
        firm=firm, scope=Colleague.Scope.FULL, profile=Colleague.Profile.STAFF, is_active=True
    ).first()
    assert staff is not None
    # Their client teams (about 40), and the persons with a card at those organizations.
    seen = visible_clients(limited, Level.NAME)
    linked = seen.filter(pk__in=rules._linked_client_ids(limited))
    assert 20 <= linked.count() <= 120
    assert seen.count() <= 4 * linked.count()
    carded = seen.exclude(pk__in=linked.values("pk"))
    assert not carded.exclude(kind=Contact.Kind.PERSON).exists()
    assert not carded.exclude(cards__organization__in=linked).exists()
    seen_by_staff = visible_clients(staff, Level.NAME).count()
    assert total * 0.95 < seen_by_staff < total
