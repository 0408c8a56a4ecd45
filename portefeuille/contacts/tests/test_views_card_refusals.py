"""Changing a contact card from the contact page: a card to a contact the colleague may not
see at all is as unknown as any other id, and its refusal names nothing of that contact
(found by the canary sweep, docs/access-proofs.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from portefeuille.contacts.models import ContactCard
from portefeuille.firms.models import Privacy
from portefeuille.testing.factories import (
    ColleagueFactory,
    ContactCardFactory,
    FirmFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["update_card", "remove_card"])
def test_a_card_to_a_hidden_person_is_unknown_and_its_refusal_names_nobody(action: str) -> None:
    firm = FirmFactory.create()
    organization = OrganizationFactory.create(firm=firm, privacy=Privacy.PUBLIC)
    hidden = PersonFactory.create(firm=firm, privacy=Privacy.HIDDEN, last_name="Masqué")
    card = ContactCardFactory.create(person=hidden, organization=organization, role="DAF")
    browser = Client()
    browser.force_login(ColleagueFactory.create(firm=firm))

    answer = browser.post(
        f"/contacts/{organization.pk}/change/{action}/", {"id": card.pk, "role": "Directeur"}
    )

    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Fiche de contact introuvable." in page
    assert "Identifiant inconnu" not in page  # the refusal that named the hidden person's id
    assert "Masqué" not in page
    assert ContactCard.objects.get(pk=card.pk).role == "DAF"
