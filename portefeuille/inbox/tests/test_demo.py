"""The demo firm's shared inbox (docs/inbox.md): some 800 tickets, most matched to the
client whose address wrote them, each holding only values the services would write."""

from __future__ import annotations

import pytest
from django.db.models import F

from portefeuille.contacts.models import EmailAddress
from portefeuille.firms.demo import build_demo
from portefeuille.inbox.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db


def test_the_demo_inbox_holds_threads_the_services_could_have_written() -> None:
    firm = build_demo().firm
    tickets = Ticket.objects.filter(firm=firm)
    assert tickets.count() == 800
    matched = tickets.filter(client__isnull=False)
    assert 0.75 * 800 < matched.count() < 0.95 * 800
    # A matched ticket's client is the contact whose address wrote it.
    owners = dict(EmailAddress.objects.filter(firm=firm).values_list("address", "contact_id"))
    assert all(
        owners[t.requester_email] == t.client_id
        for t in matched.only("requester_email", "client_id")
    )
    assert not tickets.filter(client__isnull=True, requester_email__in=list(owners)).exists()
    # Closed exactly when closed; a first response exactly when a reply was sent.
    assert not tickets.filter(status=Ticket.Status.CLOSED, closed_at__isnull=True).exists()
    assert not tickets.filter(status=Ticket.Status.OPEN, closed_at__isnull=False).exists()
    replied = set(
        TicketMessage.objects.filter(firm=firm, kind=TicketMessage.Kind.REPLY).values_list(
            "ticket_id", flat=True
        )
    )
    assert replied == set(
        tickets.filter(first_response_at__isnull=False).values_list("pk", flat=True)
    )
    assert not tickets.filter(first_response_at__lt=F("created_at")).exists()
    assert not tickets.filter(assignee__is_active=False).exists()
    assert tickets.filter(assignee__isnull=True).exists()
