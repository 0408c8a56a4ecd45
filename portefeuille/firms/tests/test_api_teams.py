"""/api/v1/teams: admins manage teams and members; unknown members are named, nothing written."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    fresh_rate_limits,
    token_headers,
)
from portefeuille.firms.models import Colleague, Team
from portefeuille.testing.factories import (
    AdminFactory,
    ColleagueFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from portefeuille.testing.responses import ClientResponse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "fresh_rate_limits"),
]

URL = "/api/v1/teams"


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


@pytest.fixture
def team(admin: Colleague, staff: Colleague) -> Team:
    team = TeamFactory.create(firm=admin.firm, name="Audit")
    TeamMembershipFactory.create(team=team, colleague=staff)
    return team


def send(
    client: Client,
    method: str,
    url: str,
    actor: Colleague,
    body: dict[str, Any] | None = None,
    **headers: str,
) -> ClientResponse:
    response: ClientResponse = getattr(client, method)(
        url, data=body, content_type="application/json", headers={**token_headers(actor), **headers}
    )
    return response


def member_ids(team: Team) -> set[int]:
    return set(team.members.values_list("pk", flat=True))


def test_admin_creates_a_team_with_members(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    response = send(client, "post", URL, admin, {"name": "Paie", "members": [staff.pk, admin.pk]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Paie"
    assert {member["id"] for member in body["members"]} == {staff.pk, admin.pk}
    assert response["ETag"] == f'"{body["version"]}"'


def test_everyone_lists_the_firms_teams_with_members(
    client: Client, staff: Colleague, team: Team
) -> None:
    TeamFactory.create(name="Another firm's team")

    body = send(client, "get", URL, staff).json()

    assert [t["name"] for t in body["items"]] == ["Audit"]
    assert [m["id"] for m in body["items"][0]["members"]] == [staff.pk]
    assert body["next_cursor"] is None


def test_staff_cannot_create_rename_or_delete_teams(
    client: Client, staff: Colleague, team: Team
) -> None:
    assert_problem(send(client, "post", URL, staff, {"name": "X"}), 403)
    assert_problem(send(client, "patch", f"{URL}/{team.pk}", staff, {"name": "X"}), 403)
    assert_problem(send(client, "put", f"{URL}/{team.pk}/members", staff, {"members": []}), 403)
    assert_problem(send(client, "delete", f"{URL}/{team.pk}", staff), 403)
    team.refresh_from_db()
    assert team.name == "Audit"
    assert member_ids(team) == {staff.pk}


def test_setting_members_replaces_them(
    client: Client, admin: Colleague, staff: Colleague, team: Team
) -> None:
    newcomer = ColleagueFactory.create(firm=admin.firm)

    response = send(client, "put", f"{URL}/{team.pk}/members", admin, {"members": [newcomer.pk]})

    assert response.status_code == 200, response.content
    assert member_ids(team) == {newcomer.pk}


def test_an_unknown_member_id_is_named_and_nothing_changes(
    client: Client, admin: Colleague, staff: Colleague, team: Team
) -> None:
    newcomer = ColleagueFactory.create(firm=admin.firm)

    response = send(
        client, "put", f"{URL}/{team.pk}/members", admin, {"members": [newcomer.pk, 987654]}
    )

    body = assert_problem(response, 422)
    assert body["errors"] == [{"loc": ["body", "members"], "msg": "Identifiant inconnu : 987654."}]
    assert member_ids(team) == {staff.pk}


def test_a_colleague_of_another_firm_is_an_unknown_member(
    client: Client, admin: Colleague, team: Team
) -> None:
    outsider = ColleagueFactory.create()

    response = send(
        client,
        "put",
        f"{URL}/{team.pk}/members",
        admin,
        {"members": [outsider.pk]},
        **{"Accept-Language": "en"},
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["msg"] == f"Unknown id: {outsider.pk}."
    assert outsider.pk not in member_ids(team)


def test_creating_with_an_unknown_member_creates_nothing(client: Client, admin: Colleague) -> None:
    response = send(client, "post", URL, admin, {"name": "Fantôme", "members": [123456]})

    assert_problem(response, 422)
    assert not Team.objects.filter(name="Fantôme").exists()


def test_duplicate_team_name_is_located_on_name(
    client: Client, admin: Colleague, team: Team
) -> None:
    response = send(client, "post", URL, admin, {"name": "audit"})

    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "name"]


def test_rename_with_a_stale_version_is_refused(
    client: Client, admin: Colleague, team: Team
) -> None:
    etag = send(client, "get", f"{URL}/{team.pk}", admin)["ETag"]
    renamed = send(
        client, "patch", f"{URL}/{team.pk}", admin, {"name": "Révision"}, **{"If-Match": etag}
    )
    assert renamed.status_code == 200

    stale = send(
        client, "patch", f"{URL}/{team.pk}", admin, {"name": "Conseil"}, **{"If-Match": etag}
    )

    assert_problem(stale, 412)
    team.refresh_from_db()
    assert team.name == "Révision"


def test_a_membership_change_makes_an_earlier_version_stale(
    client: Client, admin: Colleague, staff: Colleague, team: Team
) -> None:
    etag = send(client, "get", f"{URL}/{team.pk}", admin)["ETag"]
    send(client, "put", f"{URL}/{team.pk}/members", admin, {"members": [admin.pk]})

    stale = send(client, "patch", f"{URL}/{team.pk}", admin, {"name": "X"}, **{"If-Match": etag})

    assert_problem(stale, 412)


def test_admin_deletes_a_team(client: Client, admin: Colleague, team: Team) -> None:
    assert send(client, "delete", f"{URL}/{team.pk}", admin).status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "X"}),
        ("put", "/members", {"members": []}),
        ("delete", "", None),
    ],
)
def test_another_firms_team_is_exactly_like_an_unknown_one(
    client: Client, admin: Colleague, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    foreign_team = TeamFactory.create(name="Leur équipe")

    foreign = send(client, method, f"{URL}/{foreign_team.pk}{suffix}", admin, body)
    unknown = send(client, method, f"{URL}/{10**9}{suffix}", admin, body)

    assert {**assert_problem(foreign, 404), "instance": ""} == {
        **assert_problem(unknown, 404),
        "instance": "",
    }
    foreign_team.refresh_from_db()
    assert foreign_team.name == "Leur équipe"


def test_listing_teams_costs_the_same_queries_for_more_teams(
    client: Client, admin: Colleague
) -> None:
    headers = token_headers(admin)
    client.get("/api/v1/me", headers=headers)  # the token's first use is recorded once

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, headers=headers).status_code == 200
        return len(queries)

    for _i in range(2):
        TeamMembershipFactory.create(team=TeamFactory.create(firm=admin.firm))
    with_two = count_queries()
    for _i in range(4):
        TeamMembershipFactory.create(team=TeamFactory.create(firm=admin.firm))

    assert count_queries() == with_two
