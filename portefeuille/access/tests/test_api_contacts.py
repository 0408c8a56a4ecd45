"""/api/v1/contacts: what each colleague sees of a client, and who may change it."""

from typing import Any

import pytest
from django.test import Client

from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.api.testing import (  # noqa: F401
    assert_problem,
    fast_password_hashing,
    token_headers,
)
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy, RoleSlot
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientGroupFactory,
    ClientMemberFactory,
    ColleagueFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OwnerEntryFactory,
    PortfolioFactory,
    RoleAssignmentFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/contacts"
# docs/access-rules.md: the name and nothing else (not the kind, not the privacy it implies).
NAME_ONLY_KEYS = {"id", "display_name", "access_level"}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


@pytest.fixture
def limited(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm, scope=Colleague.Scope.LIMITED)


def all_items(client: Client, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"{URL}?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_list_shows_public_in_full_private_by_name_and_hides_hidden(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    public = ClientFactory.create(firm=firm, display_name="Alpha", privacy=Privacy.PUBLIC)
    private = ClientFactory.create(firm=firm, display_name="Bravo", privacy=Privacy.PRIVATE)
    ClientFactory.create(firm=firm, display_name="Charlie", privacy=Privacy.HIDDEN)
    ClientFactory.create(display_name="Delta")  # another firm

    items = all_items(client, token_headers(staff))

    assert [item["display_name"] for item in items] == ["Alpha", "Bravo"]
    full, name_only = items
    assert full["id"] == public.pk
    assert full["access_level"] == "full"
    assert {"version", "manager", "owner", "contact_type"} <= set(full)
    assert name_only["id"] == private.pk
    assert set(name_only) == NAME_ONLY_KEYS
    assert name_only["access_level"] == "name"


def test_admin_lists_every_client_of_the_firm_in_full(client: Client, admin: Colleague) -> None:
    for privacy in Privacy.values:
        ClientFactory.create(firm=admin.firm, privacy=privacy)
    ClientFactory.create()

    items = all_items(client, token_headers(admin))

    assert len(items) == 3
    assert {item["access_level"] for item in items} == {"full"}


def test_limited_colleague_sees_only_clients_whose_team_they_are_on(
    client: Client, admin: Colleague, limited: Colleague
) -> None:
    firm = admin.firm
    mine = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN, manager=limited)
    ClientFactory.create(firm=firm, privacy=Privacy.PUBLIC)
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)

    items = all_items(client, token_headers(limited))

    assert [item["id"] for item in items] == [mine.pk]
    assert_problem(client.get(f"{URL}/{private.pk}", headers=token_headers(limited)), 404)


def test_hidden_client_is_the_same_404_as_an_unknown_id(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    foreign = ClientFactory.create(privacy=Privacy.PUBLIC)
    unknown = max(hidden.pk, foreign.pk) + 1000
    headers = token_headers(staff)

    bodies = []
    for pk in (hidden.pk, foreign.pk, unknown):
        body = assert_problem(client.get(f"{URL}/{pk}", headers=headers), 404)
        bodies.append({k: v for k, v in body.items() if k != "instance"})
        for sub in ("team", "grants", "access"):
            assert_problem(client.get(f"{URL}/{pk}/{sub}", headers=headers), 404)
    assert bodies[0] == bodies[1] == bodies[2]


def test_private_client_detail_is_name_only_for_a_full_scope_outsider(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    owner = OwnerEntryFactory.create(firm=admin.firm, colleague=admin)
    private = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE, owner=owner)

    response = client.get(f"{URL}/{private.pk}", headers=token_headers(staff))

    assert response.status_code == 200
    assert set(response.json()) == NAME_ONLY_KEYS
    assert "ETag" not in response
    # Its team, grants and access explanation are not there for a name-only reader.
    for sub in ("team", "grants", "access"):
        assert_problem(client.get(f"{URL}/{private.pk}/{sub}", headers=token_headers(staff)), 404)


def test_a_name_only_client_shows_its_name_and_nothing_else_wherever_it_is_listed(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    # docs/access-rules.md: by name only, "the name and nothing else" — its kind neither (the
    # padlock, here access_level "name", is enough).
    firm = admin.firm
    private = OrganizationFactory.create(
        firm=firm, display_name="Cabinet Secret", privacy=Privacy.PRIVATE
    )
    group = ClientGroupFactory.create(firm=firm, display_name="Famille")
    GroupMembershipFactory.create(group=group, member=private)
    expected = {"id": private.pk, "display_name": "Cabinet Secret", "access_level": "name"}
    headers = token_headers(staff)

    assert client.get(f"{URL}/{private.pk}", headers=headers).json() == expected
    for query in ("", "&q=secret", "&privacy=private", f"&group={group.pk}"):
        items = all_items(client, headers, query)
        assert [i for i in items if i["id"] == private.pk] == [expected], query


def test_create_client_returns_it_in_full_with_its_etag(client: Client, staff: Colleague) -> None:
    response = client.post(
        URL,
        {"kind": "person", "display_name": "Élodie Lefèvre", "privacy": "private"},
        content_type="application/json",
        headers=token_headers(staff),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["access_level"] == "full"
    assert body["manager"]["id"] == staff.pk  # private: the creator manages it
    assert response["ETag"] == f'"{body["version"]}"'
    assert Contact.objects.get(pk=body["id"]).display_name == "Élodie Lefèvre"


def test_create_client_with_an_empty_name_is_refused_in_the_callers_language(
    client: Client, staff: Colleague
) -> None:
    response = client.post(
        URL,
        {"kind": "person", "display_name": " "},
        content_type="application/json",
        headers=token_headers(staff, language="en"),
    )

    body = assert_problem(response, 422)
    assert ["body", "display_name"] in [error["loc"] for error in body["errors"]]
    assert not Contact.objects.exists()


def test_search_ignores_accents_and_case(client: Client, admin: Colleague) -> None:
    ClientFactory.create(firm=admin.firm, display_name="Élodie Lefèvre")
    ClientFactory.create(firm=admin.firm, display_name="Bernard Martin")

    items = all_items(client, token_headers(admin), "&q=lefevre")

    assert [item["display_name"] for item in items] == ["Élodie Lefèvre"]


def test_team_filters_never_match_name_only_clients(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    other = ColleagueFactory.create(firm=firm)
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, manager=other)
    public = ClientFactory.create(firm=firm, privacy=Privacy.PUBLIC, manager=other)
    headers = token_headers(staff)

    assert [i["id"] for i in all_items(client, headers, f"&manager={other.pk}")] == [public.pk]
    # The admin, who sees both in full, gets both.
    found = {i["id"] for i in all_items(client, token_headers(admin), f"&manager={other.pk}")}
    assert found == {private.pk, public.pk}


def test_role_member_and_mine_filters(client: Client, admin: Colleague, staff: Colleague) -> None:
    firm = admin.firm
    RoleSlot.objects.filter(firm=firm, number=2).update(title="Associé")
    by_role = ClientFactory.create(firm=firm, display_name="A role")
    RoleAssignmentFactory.create(client=by_role, slot=2, colleague=staff)
    team = TeamFactory.create(firm=firm)
    TeamMembershipFactory.create(team=team, colleague=staff)
    by_team = ClientFactory.create(firm=firm, display_name="B team")
    ClientMemberFactory.create(client=by_team, team=team)
    ClientFactory.create(firm=firm, display_name="C nobody")
    headers = token_headers(admin)

    assert [i["id"] for i in all_items(client, headers, f"&role=2:{staff.pk}")] == [by_role.pk]
    RoleSlot.objects.filter(firm=firm, number=3).update(title="Expert")
    assert [i["id"] for i in all_items(client, headers, f"&role=3:{staff.pk}")] == []
    assert [i["id"] for i in all_items(client, headers, f"&role={staff.pk}")] == [by_role.pk]
    assert [i["id"] for i in all_items(client, headers, f"&member={staff.pk}")] == [by_team.pk]
    mine = [i["id"] for i in all_items(client, token_headers(staff), "&mine=true")]
    assert mine == [by_role.pk, by_team.pk]
    assert_problem(client.get(f"{URL}?role=x:y", headers=headers), 422)


def test_an_untitled_role_slot_filters_nothing_but_keeps_its_holders_access(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    # docs/access-rules.md: an untitled slot shows nowhere, not in filters; rule 3: its holder
    # keeps full access, and "who has access" still says why.
    firm = admin.firm
    set_role_slot_titles(actor=admin, titles={3: "Expert-comptable", 4: "Juriste"})
    held = ClientFactory.create(firm=firm, display_name="Tenu", privacy=Privacy.PRIVATE)
    RoleAssignmentFactory.create(client=held, slot=3, colleague=staff)
    ClientFactory.create(firm=firm, display_name="Autre", privacy=Privacy.PUBLIC)
    set_role_slot_titles(actor=admin, titles={3: ""})
    headers = token_headers(admin)

    body = assert_problem(client.get(f"{URL}?role=3:{staff.pk}", headers=headers), 422)
    assert [(e["loc"], e["msg"]) for e in body["errors"]] == [
        (
            ["query", "role"],
            "Le poste nº 3 n'a pas d'intitulé : il n'apparaît nulle part et ne peut pas "
            "servir de filtre.",
        )
    ]
    english = client.get(f"{URL}?role=3:{staff.pk}", headers=token_headers(admin, language="en"))
    assert assert_problem(english, 422)["errors"][0]["msg"] == (
        "Role no. 3 has no title: it is shown nowhere and cannot be used as a filter."
    )
    # Nor does the holder of "any slot", nor "mine" for the holder, count the untitled one.
    assert all_items(client, headers, f"&role={staff.pk}") == []
    assert all_items(client, headers, f"&role=4:{staff.pk}") == []
    assert all_items(client, token_headers(staff), "&mine=true") == []
    # /team does not show it either...
    team = client.get(f"{URL}/{held.pk}/team", headers=headers).json()
    assert team["roles"] == []
    # ...but the holder keeps full access, and /access names the reason.
    mine = client.get(f"{URL}/{held.pk}", headers=token_headers(staff)).json()
    assert mine["access_level"] == "full"
    for language, label in (("fr", "Poste nº 3 (sans intitulé)"), ("en", "Role no. 3 (untitled)")):
        access = client.get(
            f"{URL}/{held.pk}/access", headers=token_headers(admin, language=language)
        ).json()
        reasons = {a["colleague"]["id"]: a["reasons"] for a in access}
        assert reasons[staff.pk] == [{"kind": "role", "label": label}]


def test_stale_patch_is_refused_with_412_and_changes_nothing(
    client: Client, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=staff.firm, display_name="Avant")
    headers = token_headers(staff)
    etag = client.get(f"{URL}/{contact.pk}", headers=headers)["ETag"]
    first = client.patch(
        f"{URL}/{contact.pk}",
        {"display_name": "Premier"},
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag

    stale = client.patch(
        f"{URL}/{contact.pk}",
        {"display_name": "Second"},
        content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert_problem(stale, 412)
    stale_version = client.patch(
        f"{URL}/{contact.pk}",
        {"display_name": "Second", "version": int(etag.strip('"'))},
        content_type="application/json",
        headers=headers,
    )
    assert_problem(stale_version, 412)
    contact.refresh_from_db()
    assert contact.display_name == "Premier"


def test_privacy_change_needs_the_right_to_edit_the_team(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)

    refused = client.patch(
        f"{URL}/{contact.pk}",
        {"privacy": "hidden"},
        content_type="application/json",
        headers=token_headers(staff),
    )
    assert_problem(refused, 403)
    contact.refresh_from_db()
    assert contact.privacy == Privacy.PUBLIC

    done = client.patch(
        f"{URL}/{contact.pk}",
        {"privacy": "hidden"},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert done.status_code == 200
    assert done.json()["privacy"] == "hidden"


def test_name_only_reader_cannot_patch(client: Client, admin: Colleague, staff: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PRIVATE, display_name="Nom")

    response = client.patch(
        f"{URL}/{contact.pk}",
        {"display_name": "Autre"},
        content_type="application/json",
        headers=token_headers(staff),
    )

    assert_problem(response, 403)
    contact.refresh_from_db()
    assert contact.display_name == "Nom"


def test_only_admins_delete_clients(client: Client, admin: Colleague, staff: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm)

    assert_problem(client.delete(f"{URL}/{contact.pk}", headers=token_headers(staff)), 403)
    assert Contact.objects.filter(pk=contact.pk).exists()

    response = client.delete(f"{URL}/{contact.pk}", headers=token_headers(admin))
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEvent.objects.filter(action="client.deleted", client_id=contact.pk).exists()


# --- /team --------------------------------------------------------------------------------


def test_team_shows_titled_roles_members_and_whether_you_may_edit(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    firm = admin.firm
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé")
    RoleSlot.objects.filter(firm=firm, number=5).update(title="")
    contact = ClientFactory.create(firm=firm, manager=staff)
    RoleAssignmentFactory.create(client=contact, slot=1, colleague=admin)
    RoleAssignmentFactory.create(client=contact, slot=5, colleague=admin)
    team = TeamFactory.create(firm=firm, name="Paie")
    ClientMemberFactory.create(client=contact, team=team)

    body = client.get(f"{URL}/{contact.pk}/team", headers=token_headers(staff)).json()

    assert body["manager"]["id"] == staff.pk
    assert body["roles"] == [
        {"slot": 1, "title": "Associé", "colleague": body["roles"][0]["colleague"]}
    ]
    assert body["member_teams"] == [{"id": team.pk, "name": "Paie"}]
    assert body["can_edit"] is True


def test_non_editor_cannot_change_the_team_and_nothing_changes(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)

    response = client.patch(
        f"{URL}/{contact.pk}/team",
        {"manager_id": staff.pk, "add_members": {"colleague_ids": [staff.pk]}},
        content_type="application/json",
        headers=token_headers(staff),
    )

    assert_problem(response, 403)
    contact.refresh_from_db()
    assert contact.manager_id is None
    assert not ClientMember.objects.filter(client=contact).exists()


def test_team_change_is_all_or_nothing(client: Client, admin: Colleague, staff: Colleague) -> None:
    RoleSlot.objects.filter(firm=admin.firm, number=1).update(title="Associé")
    RoleSlot.objects.filter(firm=admin.firm, number=2).update(title="")
    contact = ClientFactory.create(firm=admin.firm)

    response = client.patch(
        f"{URL}/{contact.pk}/team",
        {
            "manager_id": staff.pk,
            "roles": [{"slot": 1, "colleague_id": staff.pk}, {"slot": 2, "colleague_id": admin.pk}],
        },
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert_problem(response, 422)
    contact.refresh_from_db()
    assert contact.manager_id is None
    assert not RoleAssignment.objects.filter(client=contact).exists()


def test_editor_changes_the_team(client: Client, admin: Colleague, staff: Colleague) -> None:
    RoleSlot.objects.filter(firm=admin.firm, number=1).update(title="Associé")
    team = TeamFactory.create(firm=admin.firm)
    contact = ClientFactory.create(firm=admin.firm)

    response = client.patch(
        f"{URL}/{contact.pk}/team",
        {
            "manager_id": staff.pk,
            "roles": [{"slot": 1, "colleague_id": staff.pk}],
            "add_members": {"colleague_ids": [admin.pk], "team_ids": [team.pk]},
        },
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["manager"]["id"] == staff.pk
    assert [r["colleague"]["id"] for r in body["roles"]] == [staff.pk]
    assert [m["id"] for m in body["member_colleagues"]] == [admin.pk]
    assert [t["id"] for t in body["member_teams"]] == [team.pk]


def test_team_member_of_another_firm_is_an_unknown_id(client: Client, admin: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm)
    stranger = ColleagueFactory.create()

    response = client.patch(
        f"{URL}/{contact.pk}/team",
        {"add_members": {"colleague_ids": [stranger.pk]}},
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert_problem(response, 422)
    assert not ClientMember.objects.exists()


# --- /grants and /access ----------------------------------------------------------------------


def test_grant_then_revoke_access(client: Client, admin: Colleague, staff: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    detail = f"{URL}/{contact.pk}"
    assert_problem(client.get(detail, headers=token_headers(staff)), 404)

    granted = client.post(
        f"{detail}/grants",
        {"colleague_id": staff.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert granted.status_code == 201, granted.content
    assert client.get(detail, headers=token_headers(staff)).json()["access_level"] == "full"
    grants = client.get(f"{detail}/grants", headers=token_headers(admin)).json()
    assert [g["colleague"]["id"] for g in grants] == [staff.pk]

    revoked = client.delete(f"{detail}/grants/{granted.json()['id']}", headers=token_headers(admin))
    assert revoked.status_code == 204
    assert_problem(client.get(detail, headers=token_headers(staff)), 404)


def test_non_editor_cannot_grant(client: Client, admin: Colleague, staff: Colleague) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)
    other = ColleagueFactory.create(firm=admin.firm)

    response = client.post(
        f"{URL}/{contact.pk}/grants",
        {"colleague_id": other.pk},
        content_type="application/json",
        headers=token_headers(staff),
    )

    assert_problem(response, 403)
    assert not contact.grants.exists()


def test_access_explanation_is_for_team_editors_only(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.PUBLIC)
    url = f"{URL}/{contact.pk}/access"

    assert_problem(client.get(url, headers=token_headers(staff)), 403)

    body = client.get(url, headers=token_headers(admin)).json()
    by_id = {row["colleague"]["id"]: row for row in body}
    assert by_id[admin.pk]["level"] == "full"
    assert "admin" in [r["kind"] for r in by_id[admin.pk]["reasons"]]
    assert [r["kind"] for r in by_id[staff.pk]["reasons"]] == ["public"]


# --- /portfolios --------------------------------------------------------------------------


def test_portfolios_admins_write_everyone_reads(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    created = client.post(
        "/api/v1/portfolios",
        {"name": "Nord", "email": "nord@example.com"},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = client.post(
        "/api/v1/portfolios",
        {"name": "Sud"},
        content_type="application/json",
        headers=token_headers(staff),
    )
    assert_problem(refused, 403)
    names = [
        p["name"]
        for p in client.get("/api/v1/portfolios", headers=token_headers(staff)).json()["items"]
    ]
    assert names == ["Nord"]
    other_firm = PortfolioFactory.create()
    assert_problem(
        client.get(f"/api/v1/portfolios/{other_firm.pk}", headers=token_headers(admin)), 404
    )
    assert client.get(f"/api/v1/portfolios/{pk}", headers=token_headers(staff)).status_code == 200


def test_moving_a_client_into_a_portfolio_gives_its_staff_access(
    client: Client, admin: Colleague, staff: Colleague
) -> None:
    portfolio = PortfolioFactory.create(firm=admin.firm)
    contact = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    base = f"/api/v1/portfolios/{portfolio.pk}"

    staffed = client.post(
        f"{base}/staff",
        {"colleague_id": staff.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert staffed.status_code == 200, staffed.content
    refused = client.post(
        f"{base}/clients",
        {"client_id": contact.pk},
        content_type="application/json",
        headers=token_headers(staff),
    )
    assert_problem(refused, 404)  # the staff member cannot see the hidden client yet
    moved = client.post(
        f"{base}/clients",
        {"client_id": contact.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )
    assert moved.status_code == 200, moved.content
    assert moved.json() == {
        "client_id": contact.pk,
        "left": None,
        "joined": {"id": portfolio.pk, "name": portfolio.name, "email": portfolio.email},
    }
    listed = client.get(f"{base}/clients", headers=token_headers(staff)).json()["items"]
    assert [c["id"] for c in listed] == [contact.pk]

    out = client.delete(f"{base}/clients/{contact.pk}", headers=token_headers(admin))
    assert out.status_code == 204
    assert_problem(client.get(f"{URL}/{contact.pk}", headers=token_headers(staff)), 404)


def test_moving_a_client_between_portfolios_answers_with_the_one_it_left(
    client: Client, admin: Colleague
) -> None:
    north = PortfolioFactory.create(firm=admin.firm, name="Nord", email="nord@example.test")
    south = PortfolioFactory.create(firm=admin.firm, name="Sud")
    contact = ClientFactory.create(firm=admin.firm, portfolio=north)

    moved = client.post(
        f"/api/v1/portfolios/{south.pk}/clients",
        {"client_id": contact.pk},
        content_type="application/json",
        headers=token_headers(admin),
    )

    assert moved.status_code == 200, moved.content
    assert moved.json()["left"] == {"id": north.pk, "name": "Nord", "email": "nord@example.test"}
    assert moved.json()["joined"]["id"] == south.pk
    contact.refresh_from_db()
    assert contact.portfolio_id == south.pk


@pytest.mark.parametrize(
    "query",
    [
        "owner=99999999999999999999999",
        "portfolio=-5",
        "kind=robot",
        "privacy=secret",
        "role=3:99999999999999999999999",
        "role=11:1",
    ],
)
def test_filter_values_out_of_range_get_a_problem_not_a_crash(
    client: Client, admin: Colleague, query: str
) -> None:
    response = client.get(f"{URL}?{query}", headers=token_headers(admin))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
