"""One answer everywhere: a client the actor cannot see is a 404 like an unknown id, a
client seen by name only is a 403, for every service that starts from the guard kit."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from portefeuille.access import services as access
from portefeuille.access.guards import lock_client
from portefeuille.contacts import documents, timeline
from portefeuille.contacts import services as contacts
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import ClientFactory, ColleagueFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

WRITES: dict[str, Callable[[Colleague, Contact], Any]] = {
    "note": lambda actor, client: timeline.add_note(actor=actor, client=client, body="Bonjour"),
    "document": lambda actor, client: documents.upload_document(
        actor=actor, client=client, file=io.BytesIO(PDF), name="bilan.pdf", size=len(PDF)
    ),
    "e-mail address": lambda actor, client: contacts.add_email(
        actor=actor, contact=client, address="nouveau@exemple.fr"
    ),
    "details": lambda actor, client: contacts.update_contact(
        actor=actor, contact=client, description="Nouveau"
    ),
    "privacy": lambda actor, client: access.set_privacy(
        actor=actor, client=client, privacy=Privacy.PUBLIC
    ),
}


@pytest.fixture
def staff() -> Colleague:
    return ColleagueFactory.create()


@pytest.mark.parametrize("write", list(WRITES))
def test_a_hidden_client_is_a_404_and_a_private_one_a_403_for_every_write(
    staff: Colleague, write: str
) -> None:
    hidden = ClientFactory.create(firm=staff.firm, privacy=Privacy.HIDDEN)
    private = ClientFactory.create(firm=staff.firm, privacy=Privacy.PRIVATE)
    foreign = ClientFactory.create(privacy=Privacy.PUBLIC)
    for client, refusal in ((hidden, Http404), (foreign, Http404), (private, PermissionDenied)):
        with pytest.raises(refusal), transaction.atomic():
            WRITES[write](staff, client)


def test_lock_client_returns_the_fresh_row_of_a_client_seen_in_full(staff: Colleague) -> None:
    client = ClientFactory.create(firm=staff.firm, privacy=Privacy.PUBLIC, display_name="Avant")
    Contact.objects.filter(pk=client.pk).update(display_name="Après")
    with transaction.atomic():
        assert lock_client(staff, client).display_name == "Après"
