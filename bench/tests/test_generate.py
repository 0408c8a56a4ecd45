"""The benchmark generator at a small scale: the declared shape, the named actors, and the
same data for the same seed (nothing is timed here)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bench.generate import OTHER_FIRM_SHAPE, POWER_PORTFOLIOS, POWER_TEAMS, Shape, generate
from portefeuille.access.models import (
    AccessGrant,
    ClientMember,
    OwnerEntry,
    Portfolio,
    PortfolioStaff,
    RoleAssignment,
)
from portefeuille.access.rules import explain, visible_clients
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, Team, TeamMembership

pytestmark = pytest.mark.django_db

SCALE = 1 / 200


def shape_in_database(firm_id: int) -> dict[str, int]:
    colleagues = Colleague.objects.filter(firm_id=firm_id)
    roster = OwnerEntry.objects.filter(firm_id=firm_id)
    return {
        "colleagues": colleagues.count(),
        "admins": colleagues.filter(profile=Colleague.Profile.ADMIN).count(),
        "limited": colleagues.filter(scope=Colleague.Scope.LIMITED).count(),
        "inactive": colleagues.filter(is_active=False).count(),
        "teams": Team.objects.filter(firm_id=firm_id).count(),
        "portfolios": Portfolio.objects.filter(firm_id=firm_id).count(),
        "roster_linked": roster.filter(colleague__isnull=False).count(),
        "roster_manual": roster.filter(colleague__isnull=True).count(),
        "clients": Contact.objects.filter(firm_id=firm_id).count(),
    }


def declared(shape: Shape) -> dict[str, int]:
    values = dict(shape.__dict__)
    values.pop("limited_visible")
    return values


def fingerprint(firm_id: int) -> list[Any]:
    """The firm's content by natural keys (names, e-mails), independent of row ids."""
    email = dict(Colleague.objects.filter(firm_id=firm_id).values_list("pk", "email"))
    team = dict(Team.objects.filter(firm_id=firm_id).values_list("pk", "name"))
    portfolio = dict(Portfolio.objects.filter(firm_id=firm_id).values_list("pk", "name"))
    owner = {
        pk: email.get(colleague_id) or name
        for pk, colleague_id, name in OwnerEntry.objects.filter(firm_id=firm_id).values_list(
            "pk", "colleague_id", "name"
        )
    }
    client = dict(Contact.objects.filter(firm_id=firm_id).values_list("pk", "display_name"))

    def who(colleague_id: int | None, team_id: int | None) -> str:
        return email[colleague_id] if colleague_id else team[team_id]  # type: ignore[index]

    return [
        sorted(
            Colleague.objects.filter(firm_id=firm_id).values_list(
                "email", "first_name", "last_name", "profile", "scope", "is_active"
            )
        ),
        sorted(
            (team[t], email[c])
            for t, c in TeamMembership.objects.filter(firm_id=firm_id).values_list(
                "team_id", "colleague_id"
            )
        ),
        sorted(
            (portfolio[p], who(c, t))
            for p, c, t in PortfolioStaff.objects.filter(firm_id=firm_id).values_list(
                "portfolio_id", "colleague_id", "team_id"
            )
        ),
        [
            (name, kind, privacy, type_name, owner.get(o), email.get(m), portfolio.get(p))
            for name, kind, privacy, type_name, o, m, p in Contact.objects.filter(firm_id=firm_id)
            .order_by("pk")
            .values_list(
                "display_name",
                "kind",
                "privacy",
                "contact_type__name",
                "owner_id",
                "manager_id",
                "portfolio_id",
            )
        ],
        sorted(
            (client[c], slot, email[h])
            for c, slot, h in RoleAssignment.objects.filter(firm_id=firm_id).values_list(
                "client_id", "slot", "colleague_id"
            )
        ),
        sorted(
            (client[c], who(h, t))
            for c, h, t in ClientMember.objects.filter(firm_id=firm_id).values_list(
                "client_id", "colleague_id", "team_id"
            )
        ),
        sorted(
            (client[c], who(h, t))
            for c, h, t in AccessGrant.objects.filter(firm_id=firm_id).values_list(
                "client_id", "colleague_id", "team_id"
            )
        ),
    ]


def test_generator_builds_the_declared_shape_in_both_firms() -> None:
    world = generate(scale=SCALE)
    shape = Shape.for_scale(SCALE)

    assert world.shape == shape
    assert shape_in_database(world.firm_id) == declared(shape)
    assert shape_in_database(world.other_firm_id) == declared(OTHER_FIRM_SHAPE)
    assert world.rows["Contact"] == shape.clients
    assert (
        world.rows["RoleAssignment"] == RoleAssignment.objects.filter(firm_id=world.firm_id).count()
    )


def test_named_actors_have_the_access_the_scenarios_rely_on() -> None:
    world = generate(scale=SCALE)
    shape = world.shape
    actors = Colleague.objects.in_bulk(list(world.actors.values()))
    admin, staff, power, limited = (
        actors[world.actors[name]] for name in ("admin", "staff", "power", "limited")
    )

    assert admin.is_admin
    assert visible_clients(admin).count() == shape.clients
    assert limited.is_limited
    assert visible_clients(limited).count() == shape.limited_visible
    assert not staff.is_admin
    assert not staff.is_limited
    assert OwnerEntry.objects.filter(colleague=staff).exists()
    assert power.team_memberships.count() == POWER_TEAMS
    assert power.portfolio_staffings.count() == POWER_PORTFOLIOS
    assert visible_clients(power).count() > visible_clients(limited).count()

    well_staffed = Contact.objects.get(pk=world.well_staffed_client_id)
    kinds = {reason.kind for access in explain(well_staffed) for reason in access.reasons}
    assert {"role", "member", "team", "portfolio_team", "grant", "grant_team"} <= kinds


def test_client_population_follows_the_declared_mix() -> None:
    world = generate(scale=SCALE)
    clients = Contact.objects.filter(firm_id=world.firm_id)
    total = clients.count()
    privacy = Counter(clients.values_list("privacy", flat=True))
    assert 0.75 < privacy[Privacy.PUBLIC] / total < 0.93
    assert privacy[Privacy.PRIVATE] > 0
    assert privacy[Privacy.HIDDEN] > 0
    assert set(clients.values_list("kind", flat=True)) == set(Contact.Kind.values)
    assert 0.55 < clients.filter(portfolio__isnull=False).count() / total < 0.85

    # Zipf-skewed owners: the busiest owner has several times the clients of the median one.
    per_owner = sorted(
        Counter(clients.filter(owner__isnull=False).values_list("owner_id", flat=True)).values(),
        reverse=True,
    )
    assert per_owner[0] >= 4 * per_owner[len(per_owner) // 2]


def delete_firms(*firm_ids: int) -> None:
    # Contacts first: their contact type is a protected reference.
    Contact.objects.filter(firm_id__in=firm_ids).delete()
    Firm.objects.filter(pk__in=firm_ids).delete()


def test_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    first = generate(scale=SCALE, seed=7)
    expected = fingerprint(first.firm_id), fingerprint(first.other_firm_id)
    delete_firms(first.firm_id, first.other_firm_id)

    again = generate(scale=SCALE, seed=7)
    assert (fingerprint(again.firm_id), fingerprint(again.other_firm_id)) == expected
    delete_firms(again.firm_id, again.other_firm_id)

    other = generate(scale=SCALE, seed=8)
    assert fingerprint(other.firm_id) != expected[0]
