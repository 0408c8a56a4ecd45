"""The differential proof of docs/access-rules.md (docs/access-proofs.md).

Hypothesis draws random worlds (two firms, colleagues of every profile, scope and state,
teams, an owner roster, portfolios, clients of every kind and privacy with their client
team and grants; see worlds.py). Each is written to the database, and for every
(colleague, client) pair each surface must show exactly the level the reference model
(reference.py, §6 in plain Python) gives:

- 500 worlds: `rules.level` for every pair, `rules.visible_clients` at both min levels
  for every colleague, and `rules.explain` for every client (colleagues, levels, reasons);
- 200 more: `rules.annotate_level` (the padlocks of lists), `rules.visible` on records
  hanging off a client, and the client monitor (docs/exchange.md: its rows with every
  column, a name-only row carrying nothing but its name; sorted on a column beyond the name,
  rows seen in full only) and a bulk edit's preview (it names the clients seen in full);
- 100 more, work (docs/work.md): each work item at the level of its client, through the
  work door and `work_items()` with no filter, under the filters of the work view (owner,
  manager, titled and untitled role slots, member, "mes clients", portfolio, assignee:
  each keeps items seen in full only) and for each client group (its Work tab's rule),
  and the contacts list's « Travail » counts per status; and the opportunities, projects,
  invoices and tickets of those worlds (docs/access-rules.md, "their own people": seen in
  full by whoever sees their client in full, and by their own people whatever their level
  on it, then showing the client's name only; a ticket with no client by every colleague
  with full scope): the doors (`visible_to` with `with_client_level`) and the sales lists
  filtered by a client (a record of one's own on a client not seen in full is not listed);
- HTTP_WORLDS more, through HTTP as each colleague: the API list and the client list page
  (every client of the world), the API detail and the client page (every client of the
  colleague's firm; the cross-firm sweep covers the other firm's ids); and work: the API
  list of work items, the board, the list (unfiltered, and by a client owner and a client
  manager), the contacts page's « Travail » counts and each client group's Work tab (both
  halves), every card and row at its client's level, a name-only one showing its title,
  status and client's name and nothing else; and the lists of opportunities, projects,
  invoices and tickets (pages and API, every page) and two telling records' pages and API
  details per colleague (one seen, through a
  place on it if possible, one not: the 404 of an unknown id), each showing its client by
  a link (full) or by its name alone, with no path to the client (seen through a place on
  the record). A request costs some 30 to 90 ms, so these worlds are fewer.

The run is derandomised: `make test` draws the same worlds every time, in shards
(parametrized cases: Hypothesis gives each its own seed, so shards draw different worlds)
that `pytest -n 2` runs side by side. The figures are printed at the end of the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from . import figures
from .reference import World
from .surfaces import (
    EXTRA_RULE_SURFACES,
    HTTP_SURFACES,
    RECORD_HTTP_SURFACES,
    RECORD_RULE_SURFACES,
    SURFACES,
    WORK_HTTP_SURFACES,
    WORK_RULE_SURFACES,
    Comparison,
    check_world,
)
from .worlds import worlds

WORLDS, SHARDS = 500, 4
EXTRA_WORLDS, EXTRA_SHARDS = 200, 2
WORK_WORLDS, WORK_SHARDS = 100, 2
HTTP_WORLDS, HTTP_SHARDS = 40, 4
SECTION = "differential (§6 against the reference model), rules"
EXTRA_SECTION = "differential, annotate_level, visible() records, client monitor and bulk preview"
WORK_SECTION = (
    "differential, work items, work filters, group tabs and work counts, "
    "opportunities, projects, invoices and tickets (doors, sales lists by client)"
)
HTTP_SECTION = (
    "differential, API list, search and detail, contacts page, search, pickers, "
    "suggestions, contact page and its team tab, work API, board, list, counts, group tabs, "
    "sales and inbox lists and pages"
)

HYPOTHESIS = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}


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
    section = {
        "shard": SECTION,
        "extra_shard": EXTRA_SECTION,
        "work_shard": WORK_SECTION,
        "http_shard": HTTP_SECTION,
    }
    name = next(n for n in section if n in request.fixturenames)
    figures.add(section[name], {"seconds (sum over shards)": time.perf_counter() - started})


@pytest.mark.django_db
@pytest.mark.usefixtures("timed")
@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=WORLDS // SHARDS, **HYPOTHESIS)  # type: ignore[arg-type]
@given(world=worlds())
def test_the_rules_give_each_colleague_exactly_the_reference_level(
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


@pytest.mark.django_db
@pytest.mark.usefixtures("timed")
@pytest.mark.parametrize("work_shard", range(WORK_SHARDS))
@settings(max_examples=WORK_WORLDS // WORK_SHARDS, **HYPOTHESIS)  # type: ignore[arg-type]
@given(world=worlds(records=True))
def test_work_items_and_sales_records_follow_the_reference(work_shard: int, world: World) -> None:
    record(
        WORK_SECTION,
        world,
        check_world(world, [], explain=False, work=WORK_RULE_SURFACES + RECORD_RULE_SURFACES),
    )


@pytest.mark.django_db
@pytest.mark.full_on_postgresql
@pytest.mark.usefixtures("timed")
@pytest.mark.parametrize("http_shard", range(HTTP_SHARDS))
@settings(max_examples=HTTP_WORLDS // HTTP_SHARDS, **HYPOTHESIS)  # type: ignore[arg-type]
@given(world=worlds(records=True))
def test_the_api_and_the_pages_show_each_colleague_exactly_the_reference_level(
    http_shard: int, world: World
) -> None:
    record(
        HTTP_SECTION,
        world,
        check_world(
            world, HTTP_SURFACES, explain=False, work=WORK_HTTP_SURFACES + RECORD_HTTP_SURFACES
        ),
    )
