"""record_event: the audit trail every service writes in its own transaction."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.utils.translation import gettext_lazy
from pytest_django import Settings

from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import json_safe, record_event
from portefeuille.firms.models import Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_event_keeps_the_names_after_the_people_and_client_are_gone() -> None:
    actor = f.AdminFactory.create(first_name="Alice", last_name="Martin")
    client = f.ClientFactory.create(firm=actor.firm, display_name="Dupont SA")
    event = record_event(
        actor=actor,
        action="client.privacy_changed",
        client=client,
        before={"privacy": Privacy.PUBLIC},
        after={"privacy": Privacy.HIDDEN},
    )
    client_id = client.pk
    client.delete()
    actor.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.firm_id == actor.firm_id
    assert (event.actor_id, event.actor_name) == (None, "Alice Martin")
    assert (event.client_id, event.client_name) == (client_id, "Dupont SA")
    assert (event.before, event.after) == ({"privacy": "public"}, {"privacy": "hidden"})


def test_before_and_after_are_stored_as_plain_json() -> None:
    actor = f.AdminFactory.create()
    team = f.TeamFactory.create(firm=actor.firm, name="Paie")
    value = {
        "team": team,
        "label": gettext_lazy("Public"),
        "when": datetime.date(2025, 3, 31),
        "amount": decimal.Decimal("12.50"),
        "ids": {3, 1, 2},
        "pair": (1, None),
    }
    event = record_event(actor=actor, action="test", after=value)
    event.refresh_from_db()
    assert event.after == {
        "team": {"id": team.pk, "name": "Paie"},
        "label": "Public",
        "when": "2025-03-31",
        "amount": "12.50",
        "ids": [1, 2, 3],
        "pair": [1, None],
    }
    with pytest.raises(TypeError):
        json_safe(object())


def test_a_client_of_another_firm_is_refused() -> None:
    actor = f.AdminFactory.create()
    foreign = f.ClientFactory.create()
    with pytest.raises(ValueError, match="firm"):
        record_event(actor=actor, action="test", client=foreign)
    assert not AuditEvent.objects.exists()


def test_system_work_without_an_actor_takes_the_clients_firm() -> None:
    client = f.ClientFactory.create()
    event = record_event(actor=None, action="system.import", client=client)
    assert (event.firm_id, event.actor_name) == (client.firm_id, "")
    with pytest.raises(ValueError, match="needs"):
        record_event(actor=None, action="system.nothing")
