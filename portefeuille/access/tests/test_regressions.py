"""Named worlds for the differential proof: each shrunk failure Hypothesis ever finds
becomes one of these (with the world it printed), next to the corner cases of §6 that
the random worlds reach only by luck.

Each test writes its world and holds every surface, `explain` included, against the
reference model, exactly as test_differential.py does.
"""

from __future__ import annotations

import pytest

from . import reference as ref
from .surfaces import EXTRA_RULE_SURFACES, SURFACES, check_world

pytestmark = pytest.mark.django_db

A, B = 0, 1


def assert_agrees(world: ref.World) -> None:
    result = check_world(world, SURFACES + EXTRA_RULE_SURFACES, explain=True)
    assert result.total > 0
    assert not result.disagreements, result.report(world)


def test_an_inactive_owner_manager_and_member_see_nothing() -> None:
    assert_agrees(
        ref.World(
            colleagues={
                0: ref.Colleague(A, active=False),
                1: ref.Colleague(A, admin=True, active=False),
            },
            owners={0: ref.OwnerEntry(A, colleague=0)},
            clients={
                0: ref.Client(A, privacy=ref.PUBLIC, owner=0, manager=0, members={0, 1}),
                1: ref.Client(A, privacy=ref.PRIVATE, grants={0}),
            },
        )
    )


def test_a_manual_owner_gives_nobody_access() -> None:
    assert_agrees(
        ref.World(
            colleagues={0: ref.Colleague(A), 1: ref.Colleague(A, limited=True)},
            owners={0: ref.OwnerEntry(A, name="Maître Dupont")},
            clients={0: ref.Client(A, privacy=ref.HIDDEN, owner=0)},
        )
    )


def test_the_ownership_switch_off_keeps_the_owner_s_access() -> None:
    assert_agrees(
        ref.World(
            firms=[ref.FirmSettings(ownership_enabled=False), ref.FirmSettings()],
            colleagues={0: ref.Colleague(A, limited=True)},
            owners={0: ref.OwnerEntry(A, colleague=0)},
            clients={0: ref.Client(A, privacy=ref.HIDDEN, owner=0)},
        )
    )


def test_the_holder_of_a_slot_whose_title_was_removed_keeps_access() -> None:
    # docs/access-rules.md: an untitled slot shows nowhere, but its holders keep access.
    assert_agrees(
        ref.World(
            firms=[ref.FirmSettings(role_titles={}), ref.FirmSettings()],
            colleagues={0: ref.Colleague(A, limited=True), 1: ref.Colleague(A)},
            clients={0: ref.Client(A, privacy=ref.HIDDEN, roles={7: 0, 3: 1})},
        )
    )


def test_a_limited_colleague_sees_only_what_links_them() -> None:
    assert_agrees(
        ref.World(
            colleagues={0: ref.Colleague(A, limited=True), 1: ref.Colleague(A)},
            teams={0: ref.Team(A, {0})},
            portfolios={0: ref.Portfolio(A, staff_teams={0})},
            clients={
                0: ref.Client(A, privacy=ref.PUBLIC),
                1: ref.Client(A, privacy=ref.PRIVATE),
                2: ref.Client(A, privacy=ref.HIDDEN, portfolio=0),
                3: ref.Client(A, privacy=ref.HIDDEN, grant_teams={0}),
                4: ref.Client(A, privacy=ref.PRIVATE, member_teams={0}),
            },
        )
    )


def test_every_link_counts_once_as_a_reason() -> None:
    # One colleague linked to one client in every way: two teams on the client team, the
    # portfolio directly and through a team, a grant directly and through a team.
    assert_agrees(
        ref.World(
            firms=[ref.FirmSettings(role_titles={1: "Associé", 2: "Second"}), ref.FirmSettings()],
            colleagues={0: ref.Colleague(A), 1: ref.Colleague(A, admin=True)},
            teams={0: ref.Team(A, {0, 1}), 1: ref.Team(A, {0})},
            owners={0: ref.OwnerEntry(A, colleague=0)},
            portfolios={0: ref.Portfolio(A, staff={0}, staff_teams={0, 1})},
            clients={
                0: ref.Client(
                    A,
                    privacy=ref.PUBLIC,
                    owner=0,
                    manager=0,
                    roles={1: 0, 2: 0},
                    members={0},
                    member_teams={0, 1},
                    portfolio=0,
                    grants={0},
                    grant_teams={0, 1},
                )
            },
        )
    )


def test_nothing_crosses_firms_even_for_admins() -> None:
    assert_agrees(
        ref.World(
            colleagues={
                0: ref.Colleague(A, admin=True),
                1: ref.Colleague(B, admin=True),
                2: ref.Colleague(B),
            },
            clients={
                0: ref.Client(A, privacy=ref.PUBLIC),
                1: ref.Client(B, privacy=ref.PRIVATE),
                2: ref.Client(B, privacy=ref.HIDDEN),
            },
        )
    )
