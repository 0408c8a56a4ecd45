"""Reading notifications: written for the reader now, at their current level on the client;
the centre, the header count and the API (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from portefeuille.access import services as access_services
from portefeuille.access.models import ClientMember
from portefeuille.api.testing import assert_problem, token_headers
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification, NotificationPreference
from portefeuille.notifications.reading import readable, show, unread_count, with_level
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


@pytest.fixture
def lea(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm, first_name="Léa", last_name="Bernard")


def given(admin: Colleague, colleague: Colleague, privacy: str, name: str) -> Contact:
    """A client `colleague` was made a member of (a notification), with this privacy."""
    client = ClientFactory.create(firm=admin.firm, privacy=privacy, display_name=name)
    access_services.add_client_member(actor=admin, client=client, colleague=colleague)
    return client


def leave(client: Contact, colleague: Colleague) -> None:
    ClientMember.objects.filter(client=client, colleague=colleague).delete()


def signed_in(colleague: Colleague) -> HttpClient:
    browser = HttpClient()
    browser.force_login(colleague)
    return browser


def test_a_notification_of_a_client_hidden_since_leaves_list_count_and_api(
    admin: Colleague, lea: Colleague
) -> None:
    secret = given(admin, lea, Privacy.HIDDEN, "Secret Ondine")
    given(admin, lea, Privacy.PUBLIC, "Boulangerie Dupain")
    assert unread_count(lea) == 2
    leave(secret, lea)

    assert unread_count(lea) == 1
    shown = show(lea, with_level(lea, readable(lea)))
    assert [item.client_name for item in shown] == ["Boulangerie Dupain"]
    page = signed_in(lea).get("/notifications/")
    text = page.content.decode()
    assert "Boulangerie Dupain" in text
    assert "Secret Ondine" not in text
    assert 'data-unread-count="1"' in text
    api = HttpClient().get("/api/v1/notifications", headers=token_headers(lea))
    assert "Secret Ondine" not in api.content.decode()
    assert [item["client"]["name"] for item in api.json()["items"]] == ["Boulangerie Dupain"]
    hidden_id = Notification.objects.get(client=secret).pk
    assert_problem(
        HttpClient().post(f"/api/v1/notifications/{hidden_id}/read", headers=token_headers(lea)),
        404,
    )


def test_a_client_seen_by_name_only_now_is_named_without_a_link(
    admin: Colleague, lea: Colleague
) -> None:
    private = given(admin, lea, Privacy.PRIVATE, "Privé Ondine")
    (full,) = show(lea, with_level(lea, readable(lea)))
    assert full.client_url == f"/contacts/{private.pk}/"
    assert f'href="/contacts/{private.pk}/"' in full.html
    leave(private, lea)

    (item,) = show(lea, with_level(lea, readable(lea)))
    assert item.text == "Vous faites désormais partie de l'équipe de Privé Ondine."
    assert (item.client_level, item.client_url, item.url) == ("name", None, None)
    assert "href" not in item.html
    page = signed_in(lea).get("/notifications/").content.decode()
    assert "Privé Ondine" in page
    assert f"/contacts/{private.pk}/" not in page
    api = HttpClient().get("/api/v1/notifications", headers=token_headers(lea)).json()
    assert api["items"][0]["client"] == {"id": private.pk, "name": "Privé Ondine", "level": "name"}


def test_sentences_are_written_at_read_time_from_current_names(
    admin: Colleague, lea: Colleague
) -> None:
    portfolio = PortfolioFactory.create(firm=admin.firm, name="Paie Nord")
    access_services.staff_portfolio(actor=admin, portfolio=portfolio, colleague=lea)
    portfolio.name = "Paie Sud"
    portfolio.save()
    (item,) = show(lea, with_level(lea, readable(lea)))
    assert item.text == "Le portefeuille « Paie Sud » vous est confié."
    assert item.url == f"/contacts/?portfolio={portfolio.pk}"
    assert item.actor_name == "Alice Martin"
    # Nothing of it is stored as a sentence.
    assert Notification.objects.get().params == {"portfolio_id": portfolio.pk, "team_id": None}


def test_only_the_recipient_marks_a_notification_read(admin: Colleague, lea: Colleague) -> None:
    other = ColleagueFactory.create(firm=admin.firm)
    given(admin, lea, Privacy.PUBLIC, "Boulangerie Dupain")
    mine = Notification.objects.get(recipient=lea)

    assert signed_in(other).post(f"/notifications/{mine.pk}/read/").status_code == 404
    assert_problem(
        HttpClient().post(f"/api/v1/notifications/{mine.pk}/read", headers=token_headers(other)),
        404,
    )
    assert HttpClient().post(
        "/api/v1/notifications/read-all", headers=token_headers(other)
    ).json() == {"marked": 0}
    mine.refresh_from_db()
    assert mine.read_at is None

    answer = HttpClient().post(f"/api/v1/notifications/{mine.pk}/read", headers=token_headers(lea))
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    assert unread_count(lea) == 0


def test_mark_all_read_and_the_unread_filter(admin: Colleague, lea: Colleague) -> None:
    for name in ("Un", "Deux", "Trois"):
        given(admin, lea, Privacy.PUBLIC, name)
    headers = token_headers(lea)
    first = Notification.objects.filter(recipient=lea).order_by("pk").first()
    assert first is not None
    browser = signed_in(lea)
    response = browser.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{first.client_id}/"
    unread = HttpClient().get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [item["client"]["name"] for item in unread["items"]] == ["Trois", "Deux"]
    assert browser.post("/notifications/read-all/").status_code == 302
    assert unread_count(lea) == 0
    listed = HttpClient().get("/api/v1/notifications?limit=2", headers=headers).json()
    assert [item["client"]["name"] for item in listed["items"]] == ["Trois", "Deux"]
    more = (
        HttpClient()
        .get(f"/api/v1/notifications?limit=2&cursor={listed['next_cursor']}", headers=headers)
        .json()
    )
    assert [item["client"]["name"] for item in more["items"]] == ["Un"]
    assert more["next_cursor"] is None


def test_preferences_page_and_api(lea: Colleague) -> None:
    browser = signed_in(lea)
    assert "Préférences de notification" in browser.get("/settings/profile/").content.decode()
    page = browser.get("/notifications/preferences/")
    assert page.status_code == 200
    assert "Vous êtes désigné gestionnaire d&#x27;un client" in page.content.decode()
    everything_on = {
        f"{code}.{channel}": "on" for code in kinds.KINDS for channel in ("in_app", "email")
    }
    del everything_on[f"{kinds.MANAGER_GIVEN}.email"]
    assert browser.post("/notifications/preferences/", everything_on).status_code == 302
    pref = NotificationPreference.objects.get(colleague=lea, kind=kinds.MANAGER_GIVEN)
    assert (pref.in_app, pref.email) == (True, False)

    headers = token_headers(lea)
    got = HttpClient().get("/api/v1/notifications/preferences", headers=headers).json()
    by_kind = {item["kind"]: item for item in got["items"]}
    assert set(by_kind) == set(kinds.KINDS)
    assert (by_kind[kinds.MANAGER_GIVEN]["in_app"], by_kind[kinds.MANAGER_GIVEN]["email"]) == (
        True,
        False,
    )
    put: Any = HttpClient().put(
        "/api/v1/notifications/preferences",
        {"items": [{"kind": kinds.OWNER_GIVEN, "in_app": False, "email": False}]},
        content_type="application/json",
        headers=headers,
    )
    assert put.status_code == 200
    assert {item["kind"]: item["in_app"] for item in put.json()["items"]}[
        kinds.OWNER_GIVEN
    ] is False
    refused = HttpClient().put(
        "/api/v1/notifications/preferences",
        {
            "items": [
                {"kind": kinds.MEMBER_GIVEN, "in_app": False, "email": False},
                {"kind": "client.renamed", "in_app": False, "email": False},
            ]
        },
        content_type="application/json",
        headers=headers,
    )
    assert_problem(refused, 422)
    kept = NotificationPreference.objects.get(colleague=lea, kind=kinds.MEMBER_GIVEN)
    assert (kept.in_app, kept.email) == (True, True)  # nothing written


def test_the_header_count_is_one_query(
    admin: Colleague, lea: Colleague, django_assert_num_queries: Any
) -> None:
    given(admin, lea, Privacy.PUBLIC, "Boulangerie Dupain")
    given(admin, lea, Privacy.PRIVATE, "Privé Ondine")
    with django_assert_num_queries(1):
        assert unread_count(lea) == 2
