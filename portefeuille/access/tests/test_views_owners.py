"""The owner roster page (/settings/owners/), the colleague page's roster button, the
portfolio move announced, and owners hidden when the ownership switch is off."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from portefeuille.access.models import OwnerEntry
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague
from portefeuille.notifications.models import Notification
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Admin")


@pytest.fixture
def signed_in(client: Client, admin: Colleague) -> Client:
    client.force_login(admin)
    return client


def _messages(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_the_roster_lists_owners_with_their_clients_and_offers_the_others(
    signed_in: Client, admin: Colleague
) -> None:
    olivier = ColleagueFactory.create(firm=admin.firm, first_name="Olivier", last_name="Roux")
    ColleagueFactory.create(firm=admin.firm, first_name="Inès", last_name="Partie", is_active=False)
    candidate = ColleagueFactory.create(firm=admin.firm, first_name="Chloé", last_name="Nouvelle")
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=olivier)
    OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Maître Durand")
    for _ in range(3):
        ClientFactory.create(firm=admin.firm, owner=entry)

    page = signed_in.get(reverse("owners:owner_list"))

    assert page.status_code == 200
    rows = {row.pk: row for row in page.context["entries"]}
    assert rows[entry.pk].client_count == 3
    assert "Maître Durand" in page.content.decode()
    candidates = page.context["candidates"]
    assert candidate in candidates
    assert admin in candidates
    assert olivier not in candidates
    assert all(person.is_active for person in candidates)


def test_staff_get_403_on_the_roster(client: Client, admin: Colleague) -> None:
    client.force_login(ColleagueFactory.create(firm=admin.firm))
    assert client.get(reverse("owners:owner_list")).status_code == 403


def test_a_manual_name_matching_a_colleague_offers_that_colleague(
    signed_in: Client, admin: Colleague
) -> None:
    elodie = ColleagueFactory.create(firm=admin.firm, first_name="Élodie", last_name="Lefèvre")

    offered = signed_in.post(reverse("owners:owner_add"), {"name": "Elodie Lefevre"})

    assert offered.status_code == 200
    assert offered.context["offer"]["colleague"] == elodie
    assert "comme responsable manuel quand même" in offered.content.decode()
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()
    signed_in.post(reverse("owners:owner_add"), {"name": "Elodie Lefevre", "allow_manual": "1"})
    manual = OwnerEntry.objects.get(firm=admin.firm)
    assert (manual.colleague_id, manual.name) == (None, "Elodie Lefevre")


def test_an_empty_manual_name_is_refused(signed_in: Client, admin: Colleague) -> None:
    refused = signed_in.post(reverse("owners:owner_add"), {"name": "   "})
    assert refused.status_code == 422
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_manual_name_is_said_to_be_required_under_the_name(
    signed_in: Client, admin: Colleague, name: str
) -> None:
    refused = signed_in.post(reverse("owners:owner_add"), {"name": name})
    assert refused.status_code == 422
    assert refused.context["errors"] == {"name": "Ce champ est obligatoire."}
    assert "Choisissez soit un collaborateur" not in refused.content.decode()
    assert not OwnerEntry.objects.filter(firm=admin.firm).exists()


def test_the_colleague_page_adds_them_to_the_roster(signed_in: Client, admin: Colleague) -> None:
    olivier = ColleagueFactory.create(firm=admin.firm)
    page_url = reverse("firms:colleague_edit", args=[olivier.pk])
    assert "Ajouter à la liste des responsables clients" in signed_in.get(page_url).content.decode()

    done = signed_in.post(reverse("owners:owner_add"), {"colleague": olivier.pk, "next": page_url})

    assert done.status_code == 302
    assert done["Location"] == page_url
    assert OwnerEntry.objects.filter(firm=admin.firm, colleague=olivier).exists()
    assert (
        "Retirer de la liste des responsables clients" in signed_in.get(page_url).content.decode()
    )


def test_removing_an_owner_asks_where_their_clients_go(signed_in: Client, admin: Colleague) -> None:
    olivier = ColleagueFactory.create(firm=admin.firm, first_name="Olivier", last_name="Roux")
    heir = ColleagueFactory.create(firm=admin.firm, first_name="Hélène", last_name="Suite")
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=olivier)
    target = OwnerEntryFactory.create(firm=admin.firm, colleague=heir)
    clients = [ClientFactory.create(firm=admin.firm, owner=entry) for _ in range(2)]
    url = reverse("owners:owner_remove", args=[entry.pk])

    confirm = signed_in.get(url)
    assert "Ne pas transférer les clients" in confirm.content.decode()
    refused = signed_in.post(url, {"transfer_to": ""})
    assert refused.status_code == 422
    assert OwnerEntry.objects.filter(pk=entry.pk).exists()

    done = signed_in.post(url, {"transfer_to": target.pk})

    assert done.status_code == 302
    assert not OwnerEntry.objects.filter(pk=entry.pk).exists()
    assert set(Contact.objects.filter(owner=target)) == set(clients)
    assert Notification.objects.filter(recipient=heir, kind="clients.transferred_to").exists()


def test_removing_an_owner_without_transfer_leaves_clients_unowned(
    signed_in: Client, admin: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Maître Durand")
    contact = ClientFactory.create(firm=admin.firm, owner=entry)

    signed_in.post(reverse("owners:owner_remove", args=[entry.pk]), {"transfer_to": "none"})

    contact.refresh_from_db()
    assert contact.owner_id is None
    assert not OwnerEntry.objects.filter(pk=entry.pk).exists()


def test_the_transfer_page_moves_every_client(signed_in: Client, admin: Colleague) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=None, name="Maître Durand")
    target = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    for _ in range(3):
        ClientFactory.create(firm=admin.firm, owner=entry)
    url = reverse("owners:owner_transfer", args=[entry.pk])

    assert signed_in.post(url, {"to_owner": entry.pk}).status_code == 422  # to itself
    done = signed_in.post(url, {"to_owner": target.pk}, follow=True)

    assert Contact.objects.filter(owner=target).count() == 3
    assert "3 clients de Maître Durand sont transférés" in " ".join(_messages(done))


def test_another_firms_owner_is_a_404(signed_in: Client) -> None:
    foreign = OwnerEntryFactory.create()
    assert signed_in.get(reverse("owners:owner_remove", args=[foreign.pk])).status_code == 404
    assert signed_in.get(reverse("owners:owner_transfer", args=[foreign.pk])).status_code == 404


def test_moving_a_client_between_portfolios_is_announced(
    signed_in: Client, admin: Colleague
) -> None:
    north = PortfolioFactory.create(firm=admin.firm, name="Nord")
    south = PortfolioFactory.create(firm=admin.firm, name="Sud")
    contact = ClientFactory.create(firm=admin.firm, portfolio=north, display_name="Dupont SARL")

    done = signed_in.post(
        reverse("access:portfolio_change", args=[south.pk, "add_client"]),
        {"client": contact.pk},
        follow=True,
    )

    assert (
        "Le client a quitté le portefeuille « Nord » et rejoint le portefeuille « Sud » "
        "(Dupont SARL)." in _messages(done)
    )
    left = signed_in.post(
        reverse("access:portfolio_change", args=[south.pk, "remove_client"]),
        {"client": contact.pk},
        follow=True,
    )
    assert "Le client a quitté le portefeuille « Sud » (Dupont SARL)." in _messages(left)


def test_with_the_ownership_switch_off_the_owner_filter_is_ignored(
    signed_in: Client, admin: Colleague
) -> None:
    entry = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    owned = ClientFactory.create(firm=admin.firm, owner=entry)
    other = ClientFactory.create(firm=admin.firm)
    admin.firm.ownership_enabled = False
    admin.firm.save()

    page = signed_in.get(reverse("contacts:list"), {"view": "all", "owner": str(entry.pk)})

    shown = {row.contact.pk for row in page.context["page"].rows}
    assert {owned.pk, other.pk} <= shown
    assert 'id="filter-owner"' not in page.content.decode()
    assert Contact.objects.get(pk=owned.pk).owner_id == entry.pk  # the data is kept
