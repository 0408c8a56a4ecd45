"""The differential proof of PRODUCT.md §6 (issue 3, "Proof" 2).

Hypothesis draws 500 random worlds (two firms, colleagues of every profile, scope and
state, teams, an owner roster, portfolios, clients of every kind and privacy with their
client team and grants; see worlds.py). Each is written to the database, and for every
(colleague, client) pair every surface in surfaces.SURFACES must show exactly the level
the reference model (reference.py, §6 in plain Python) gives, and `explain` must list
exactly the model's colleagues, levels and reasons. The run is derandomised: `make test`
draws the same worlds every time. The figures are printed at the end of the run.

The 500 worlds come in shards (parametrized cases: Hypothesis gives each its own seed,
so the shards draw different worlds) so that `pytest -n 2` runs them side by side.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from . import figures
from .reference import World
from .surfaces import EXTRA_RULE_SURFACES, SURFACES, Comparison, check_world
from .worlds import worlds

WORLDS = 500
SHARDS = 4
EXTRA_WORLDS = 200
EXTRA_SHARDS = 2
SECTION = "differential (§6 against the reference model)"
EXTRA_SECTION = "differential, annotate_level and visible() records"


def record(section: str, world: World, result: Comparison) -> None:
    figures.add(
        section,
        {
            "worlds": 1,
            "decisions compared": result.total,
            "disagreements": len(result.disagreements),
        },
    )
    assert not result.disagreements, (
        f"{len(result.disagreements)} disagreements in a world of {world.size()}:\n"
        f"{result.report(world)}\nworld = {world!r}"
    )


@pytest.fixture
def timed(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.perf_counter()
    yield
    section = SECTION if "shard" in request.fixturenames else EXTRA_SECTION
    figures.add(section, {"seconds": time.perf_counter() - started})


HYPOTHESIS = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}


@pytest.mark.django_db
@pytest.mark.usefixtures("timed")
@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=WORLDS // SHARDS, **HYPOTHESIS)  # type: ignore[arg-type]
@given(world=worlds())
def test_every_surface_shows_each_colleague_exactly_the_reference_level(
    shard: int, world: World
) -> None:
    record(SECTION, world, check_world(world, SURFACES, explain=True))


@pytest.mark.django_db
@pytest.mark.usefixtures("timed")
@pytest.mark.parametrize("extra_shard", range(EXTRA_SHARDS))
@settings(max_examples=EXTRA_WORLDS // EXTRA_SHARDS, **HYPOTHESIS)  # type: ignore[arg-type]
@given(world=worlds())
def test_level_annotations_and_client_records_follow_the_reference_level(
    extra_shard: int, world: World
) -> None:
    record(EXTRA_SECTION, world, check_world(world, EXTRA_RULE_SURFACES, explain=False))
