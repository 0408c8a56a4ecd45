"""The access rules (docs/access-rules.md) held against a named cast of colleagues.

The cast works at "Cabinet Lambert". Three clients (one public, one private, one hidden)
have the whole client team below; three more of each privacy have nobody on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries, Settings

from portefeuille.access import rules
from portefeuille.access.models import ClientMember, OwnerEntry
from portefeuille.access.rules import Level
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, RoleSlot, Team, TeamMembership
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    # The cast signs in nowhere here; hashing 15 passwords with PBKDF2 per test is waste.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CAST = {
    "alice": "Alice, associée gérante et administratrice : voit tout le cabinet.",
    "olivier": "Olivier, responsable client des dossiers suivis (via la liste des responsables).",
    "marc": "Marc, gestionnaire de ces dossiers.",
    "rose": "Rose, titulaire du poste « Associé signataire ».",
    "mehdi": "Mehdi, membre direct de l'équipe client.",
    "theo": "Théo, de l'équipe « Paie », placée sur l'équipe client.",
    "paula": "Paula, affectée directement au portefeuille « Grands comptes ».",
    "pierre": "Pierre, de l'équipe « Audit », affectée au portefeuille « Grands comptes ».",
    "gina": "Gina, à qui l'accès a été accordé personnellement.",
    "gaston": "Gaston, de l'équipe « Fiscalité », à qui l'accès a été accordé.",
    "lea": "Léa, en périmètre limité, mais membre directe de l'équipe client.",
    "fanny": "Fanny, périmètre complet, sans lien avec ces dossiers.",
    "louis": "Louis, périmètre limité, sans lien avec ces dossiers.",
    "ines": "Inès, désactivée, autrefois membre directe de l'équipe client.",
    "zoe": "Zoé, administratrice d'un autre cabinet.",
}
LINKED = ["olivier", "marc", "rose", "mehdi", "theo", "paula", "pierre", "gina", "gaston", "lea"]

# Columns: followed public, private, hidden | unfollowed public, private, hidden | other firm.
# F = full, N = name only, - = none.
MATRIX = {
    "alice": "FFF FFF -",
    **dict.fromkeys(
        ["olivier", "marc", "rose", "mehdi", "theo", "paula", "pierre", "gina", "gaston"],
        "FFF FN- -",
    ),
    "lea": "FFF --- -",
    "fanny": "FN- FN- -",
    "louis": "--- --- -",
    "ines": "--- --- -",
    "zoe": "--- --- F",
}
CLIENT_ORDER = [
    "followed_public",
    "followed_private",
    "followed_hidden",
    "public",
    "private",
    "hidden",
    "foreign",
]
SYMBOL = {Level.FULL: "F", Level.NAME: "N", Level.NONE: "-"}


@dataclass
class World:
    firm: Firm
    people: dict[str, Colleague]
    clients: dict[str, Contact]
    teams: dict[str, Team] = field(default_factory=dict)

    def row(self, levels: list[Level]) -> str:
        symbols = "".join(SYMBOL[lv] for lv in levels)
        return f"{symbols[0:3]} {symbols[3:6]} {symbols[6]}"


def build_world() -> World:
    firm = f.FirmFactory.create(name="Cabinet Lambert")
    other_firm = f.FirmFactory.create(name="Cabinet Voisin")
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé signataire")

    def colleague(first: str, **kwargs: object) -> Colleague:
        return f.ColleagueFactory.create(firm=firm, first_name=first, last_name="Test", **kwargs)

    people = {
        "alice": colleague("Alice", profile=Colleague.Profile.ADMIN),
        **{
            name: colleague(name.capitalize())
            for name in ["olivier", "marc", "rose", "mehdi", "theo", "paula", "pierre"]
        },
        "gina": colleague("Gina"),
        "gaston": colleague("Gaston"),
        "lea": colleague("Léa", scope=Colleague.Scope.LIMITED),
        "fanny": colleague("Fanny"),
        "louis": colleague("Louis", scope=Colleague.Scope.LIMITED),
        "ines": colleague("Inès", is_active=False),
        "zoe": f.AdminFactory.create(firm=other_firm, first_name="Zoé"),
    }
    teams = {
        name: f.TeamFactory.create(firm=firm, name=name) for name in ["Paie", "Audit", "Fiscalité"]
    }
    for team, who in [("Paie", "theo"), ("Audit", "pierre"), ("Fiscalité", "gaston")]:
        f.TeamMembershipFactory.create(team=teams[team], colleague=people[who])
    portfolio = f.PortfolioFactory.create(firm=firm, name="Grands comptes")
    f.PortfolioStaffFactory.create(portfolio=portfolio, colleague=people["paula"])
    f.PortfolioStaffFactory.create(portfolio=portfolio, team=teams["Audit"])
    olivier_entry = f.OwnerEntryFactory.create(firm=firm, colleague=people["olivier"])

    clients: dict[str, Contact] = {}
    for privacy in Privacy.values:
        client = f.ClientFactory.create(
            firm=firm,
            display_name=f"Suivi {privacy}",
            privacy=privacy,
            owner=olivier_entry,
            manager=people["marc"],
            portfolio=portfolio,
        )
        f.RoleAssignmentFactory.create(client=client, slot=1, colleague=people["rose"])
        for who in ["mehdi", "lea", "ines"]:
            f.ClientMemberFactory.create(client=client, colleague=people[who])
        f.ClientMemberFactory.create(client=client, team=teams["Paie"])
        f.AccessGrantFactory.create(client=client, colleague=people["gina"])
        f.AccessGrantFactory.create(client=client, team=teams["Fiscalité"])
        clients[f"followed_{privacy}"] = client
    for privacy in Privacy.values:
        clients[privacy] = f.ClientFactory.create(
            firm=firm, display_name=f"Libre {privacy}", privacy=privacy
        )
    clients["foreign"] = f.ClientFactory.create(firm=other_firm, display_name="Voisin SA")
    return World(firm=firm, people=people, clients=clients, teams=teams)


@pytest.fixture
def world() -> World:
    return build_world()


def test_every_cast_member_has_a_matrix_row() -> None:
    assert set(CAST) == set(MATRIX)


@pytest.mark.parametrize("who", list(MATRIX))
def test_level_follows_the_matrix(world: World, who: str) -> None:
    colleague = world.people[who]
    levels = [rules.level(colleague, world.clients[key]) for key in CLIENT_ORDER]
    assert world.row(levels) == MATRIX[who], CAST[who]


@pytest.mark.parametrize("who", list(MATRIX))
def test_visible_clients_follows_the_matrix(world: World, who: str) -> None:
    colleague = world.people[who]
    at_name = set(rules.visible_clients(colleague, Level.NAME))
    at_full = set(rules.visible_clients(colleague, Level.FULL))
    levels = [
        Level.FULL if c in at_full else Level.NAME if c in at_name else Level.NONE
        for c in (world.clients[key] for key in CLIENT_ORDER)
    ]
    assert world.row(levels) == MATRIX[who], CAST[who]
    assert at_full <= at_name


@pytest.mark.parametrize("who", list(MATRIX))
def test_annotate_level_follows_the_matrix(world: World, who: str) -> None:
    colleague = world.people[who]
    annotated = dict(
        rules.annotate_level(colleague, Contact.objects.all()).values_list("pk", "access_level")
    )
    levels = [Level(annotated[world.clients[key].pk]) for key in CLIENT_ORDER]
    assert world.row(levels) == MATRIX[who], CAST[who]


@pytest.mark.parametrize("who", ["louis", "lea", "fanny", "olivier", "alice", "ines"])
def test_visible_clients_is_one_query(
    world: World, who: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    colleague = world.people[who]
    # One statement, or none at all for an inactive colleague (an empty queryset).
    expected = 1 if colleague.is_active else 0
    with django_assert_num_queries(expected):
        list(rules.visible_clients(colleague, Level.NAME))
    with django_assert_num_queries(expected):
        list(rules.annotate_level(colleague, rules.visible_clients(colleague, Level.FULL)))


def test_a_colleague_linked_in_every_way_sees_each_client_once(world: World) -> None:
    # Olivier owns, manages, holds a role, is a member, in a team on the client team,
    # staffs the portfolio and holds grants, all on the same client.
    olivier = world.people["olivier"]
    client = world.clients["followed_hidden"]
    client.manager = olivier
    client.save()
    f.RoleAssignmentFactory.create(client=client, slot=2, colleague=olivier)
    f.ClientMemberFactory.create(client=client, colleague=olivier)
    f.TeamMembershipFactory.create(team=world.teams["Paie"], colleague=olivier)
    f.TeamMembershipFactory.create(team=world.teams["Audit"], colleague=olivier)
    f.TeamMembershipFactory.create(team=world.teams["Fiscalité"], colleague=olivier)
    f.PortfolioStaffFactory.create(portfolio=client.portfolio, colleague=olivier)
    f.AccessGrantFactory.create(client=client, colleague=olivier)

    seen = list(rules.visible_clients(olivier, Level.FULL).values_list("pk", flat=True))
    assert len(seen) == len(set(seen))
    assert seen.count(client.pk) == 1
    assert rules.visible_clients(olivier, Level.NAME).count() == 5


def test_min_level_none_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="min_level"):
        rules.visible_clients(world.people["fanny"], Level.NONE)
    with pytest.raises(ValueError, match="min_level"):
        rules.visible(world.people["alice"], AuditEvent.objects.all(), min_level=Level.NONE)


def test_lists_are_scoped_to_the_colleagues_firm(world: World) -> None:
    assert list(rules.visible_clients(world.people["zoe"])) == [world.clients["foreign"]]
    assert world.clients["foreign"] not in rules.visible_clients(world.people["alice"])


def test_get_client_hides_what_the_colleague_may_not_see_like_a_missing_id(world: World) -> None:
    fanny = world.people["fanny"]
    for client_id in [
        world.clients["hidden"].pk,
        world.clients["foreign"].pk,
        999_999,
        "abc",
        None,
    ]:
        with pytest.raises(Http404):
            rules.get_client(fanny, client_id)
    with pytest.raises(Http404):
        rules.get_client(fanny, world.clients["private"].pk, Level.FULL)

    private = rules.get_client(fanny, str(world.clients["private"].pk))
    assert private == world.clients["private"]
    assert private.access_level == Level.NAME
    assert rules.get_client(fanny, world.clients["public"].pk).access_level == Level.FULL


def test_visible_filters_records_hanging_off_clients(world: World) -> None:
    alice = world.people["alice"]
    for client in world.clients.values():
        if client.firm_id == world.firm.pk:
            record_event(actor=alice, action="test.touched", client=client)
    record_event(actor=alice, action="test.firm_wide")
    events = AuditEvent.objects.all()

    fanny = world.people["fanny"]
    full = {e.client_id for e in rules.visible(fanny, events)}
    assert full == {world.clients["followed_public"].pk, world.clients["public"].pk}
    named = {e.client_id for e in rules.visible(fanny, events, min_level=Level.NAME)}
    assert named == {
        world.clients[key].pk
        for key in ["followed_public", "followed_private", "public", "private"]
    }
    assert not rules.visible(world.people["ines"], events).exists()
    assert not rules.visible(world.people["louis"], events).exists()
    # An admin sees every client's records, but records without a client are not "of a client".
    assert rules.visible(alice, events).count() == 6


def test_explain_gives_every_reason_for_a_followed_public_client(world: World) -> None:
    explained = {a.colleague.first_name: a for a in rules.explain(world.clients["followed_public"])}
    assert set(explained) == {
        "Alice", "Olivier", "Marc", "Rose", "Mehdi", "Theo", "Paula", "Pierre", "Gina",
        "Gaston", "Léa", "Fanny",
    }  # fmt: skip
    labels = {name: [r.label for r in a.reasons] for name, a in explained.items()}
    kinds = {name: [r.kind for r in a.reasons] for name, a in explained.items()}
    assert kinds["Alice"] == ["admin", "public"]
    assert kinds["Olivier"] == ["owner", "public"]
    assert kinds["Marc"] == ["manager", "public"]
    assert labels["Rose"] == ["Rôle « Associé signataire »", "Client public"]
    assert kinds["Mehdi"] == ["member", "public"]
    assert labels["Theo"] == ["Équipe « Paie »", "Client public"]
    assert labels["Paula"] == ["Portefeuille « Grands comptes »", "Client public"]
    assert labels["Pierre"] == [
        "Portefeuille « Grands comptes » par l'équipe « Audit »",
        "Client public",
    ]
    assert kinds["Gina"] == ["grant", "public"]
    assert labels["Gaston"] == ["Accès accordé à l'équipe « Fiscalité »", "Client public"]
    # Léa is limited: being public gives her nothing, her membership does.
    assert kinds["Léa"] == ["member"]
    assert kinds["Fanny"] == ["public"]
    assert all(a.level == Level.FULL for a in explained.values())


def test_explain_of_an_unfollowed_private_client_shows_names_only(world: World) -> None:
    explained = rules.explain(world.clients["private"])
    by_name = {a.colleague.first_name: a for a in explained}
    assert by_name["Alice"].level == Level.FULL
    assert [r.kind for r in by_name["Alice"].reasons] == ["admin"]
    assert by_name["Fanny"].level == Level.NAME
    assert [r.kind for r in by_name["Fanny"].reasons] == ["private_name_only"]
    assert not {"Louis", "Léa", "Inès", "Zoé"} & set(by_name)


def test_explain_of_a_hidden_client_lists_only_its_team_and_admins(world: World) -> None:
    names = {a.colleague.first_name for a in rules.explain(world.clients["followed_hidden"])}
    assert names == {
        "Alice", "Olivier", "Marc", "Rose", "Mehdi", "Theo", "Paula", "Pierre", "Gina",
        "Gaston", "Léa",
    }  # fmt: skip
    assert {a.colleague.first_name for a in rules.explain(world.clients["hidden"])} == {"Alice"}


@pytest.mark.parametrize("who", list(MATRIX))
def test_explain_agrees_with_level(world: World, who: str) -> None:
    colleague = world.people[who]
    for client in world.clients.values():
        explained = {a.colleague.pk: a.level for a in rules.explain(client)}
        assert explained.get(colleague.pk, Level.NONE) == rules.level(colleague, client)


def test_explain_is_ordered_by_colleague_name(world: World) -> None:
    explained = rules.explain(world.clients["public"])
    keys = [(a.colleague.last_name, a.colleague.first_name, a.colleague.email) for a in explained]
    assert keys == sorted(keys)


def _client_followed_by(count: int) -> Contact:
    firm = f.FirmFactory.create()
    RoleSlot.objects.filter(firm=firm, number=2).update(title="Second")
    team = f.TeamFactory.create(firm=firm)
    grant_team = f.TeamFactory.create(firm=firm)
    portfolio = f.PortfolioFactory.create(firm=firm)
    client = f.ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE, portfolio=portfolio)
    f.ClientMemberFactory.create(client=client, team=team)
    f.AccessGrantFactory.create(client=client, team=grant_team)
    f.PortfolioStaffFactory.create(portfolio=portfolio, team=team)
    for i in range(count):
        colleague = f.ColleagueFactory.create(firm=firm)
        f.ClientMemberFactory.create(client=client, colleague=colleague)
        f.AccessGrantFactory.create(client=client, colleague=colleague)
        f.PortfolioStaffFactory.create(portfolio=portfolio, colleague=colleague)
        f.TeamMembershipFactory.create(team=team, colleague=colleague)
        f.TeamMembershipFactory.create(team=grant_team, colleague=colleague)
        f.ColleagueFactory.create(firm=firm)  # an outsider who sees the name only
        if i == 0:
            f.RoleAssignmentFactory.create(client=client, slot=2, colleague=colleague)
            client.manager = colleague
            client.owner = f.OwnerEntryFactory.create(firm=firm, colleague=colleague)
            client.save()
    return client


def test_explain_uses_a_constant_number_of_queries() -> None:
    small, large = _client_followed_by(3), _client_followed_by(30)
    counts = []
    for client in (small, large):
        with CaptureQueriesContext(connection) as captured:
            explained = rules.explain(client)
        counts.append(len(captured))
        assert len(explained) == 2 * (3 if client is small else 30)
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_can_edit_team_is_for_admins_owners_and_managers(world: World) -> None:
    client = world.clients["followed_private"]
    allowed = {who for who, c in world.people.items() if rules.can_edit_team(c, client)}
    assert allowed == {"alice", "olivier", "marc"}


def test_an_inactive_owner_or_manager_may_not_edit_the_team(world: World) -> None:
    client = world.clients["followed_public"]
    for who in ["olivier", "marc"]:
        world.people[who].is_active = False
        assert not rules.can_edit_team(world.people[who], client)


def test_a_manual_owner_gives_nobody_access(world: World) -> None:
    client = world.clients["hidden"]
    client.owner = OwnerEntry.objects.create(firm=world.firm, name="Maître Girard")
    client.save()
    assert [a.colleague.first_name for a in rules.explain(client)] == ["Alice"]
    assert all(
        rules.level(c, client) == Level.NONE for w, c in world.people.items() if w != "alice"
    )


def test_ownership_switch_off_keeps_the_owners_access(world: World) -> None:
    Firm.objects.filter(pk=world.firm.pk).update(ownership_enabled=False)
    olivier = world.people["olivier"]
    assert rules.level(olivier, world.clients["followed_hidden"]) == Level.FULL
    assert rules.can_edit_team(olivier, world.clients["followed_hidden"])


def test_an_untitled_role_keeps_its_holder_and_is_explained(world: World) -> None:
    RoleSlot.objects.filter(firm=world.firm, number=1).update(title="")
    client = world.clients["followed_hidden"]
    assert rules.level(world.people["rose"], client) == Level.FULL
    rose = next(a for a in rules.explain(client) if a.colleague == world.people["rose"])
    assert [r.label for r in rose.reasons] == ["Poste nº 1 (sans intitulé)"]


def test_inactive_colleague_sees_nothing_even_on_the_team(world: World) -> None:
    ines = world.people["ines"]
    assert ClientMember.objects.filter(colleague=ines).count() == 3
    assert not rules.visible_clients(ines).exists()
    assert rules.level(ines, world.clients["followed_public"]) == Level.NONE
    assert ines.pk not in {a.colleague.pk for a in rules.explain(world.clients["followed_public"])}


def test_leaving_a_team_takes_effect_on_the_very_next_query(world: World) -> None:
    theo = world.people["theo"]
    hidden = world.clients["followed_hidden"]
    assert rules.level(theo, hidden) == Level.FULL
    TeamMembership.objects.filter(colleague=theo).delete()
    assert rules.level(theo, hidden) == Level.NONE
    assert hidden not in rules.visible_clients(theo)


def test_a_team_of_another_firm_with_the_same_link_gives_nothing(world: World) -> None:
    # Even a corrupted row pointing a foreign team at our client does not cross firms.
    zoe = world.people["zoe"]
    foreign_team = f.TeamFactory.create(firm=zoe.firm)
    f.TeamMembershipFactory.create(team=foreign_team, colleague=zoe)
    zoe.profile = Colleague.Profile.STAFF
    ClientMember.objects.create(
        firm=world.firm, client=world.clients["followed_hidden"], team=foreign_team
    )
    assert rules.level(zoe, world.clients["followed_hidden"]) == Level.NONE
    assert world.clients["followed_hidden"] not in rules.visible_clients(zoe)
