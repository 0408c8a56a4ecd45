"""A pytest plugin that prints the proof figures (worlds run, decisions compared,
disagreements, ...) in the terminal summary of every run, `make test` included.

Tests call `add("differential", {"worlds": 1, "decisions compared": 192})`. Under
pytest-xdist each worker hands its figures to the controller through `workeroutput`
(`pytest_sessionfinish` on the worker, `pytest_testnodedown` on the controller), and the
controller prints the sums. Loaded with `-p portefeuille.access.tests.figures` (pyproject's
addopts), so the controller has it even though it collects no test module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

WORKER_KEY = "portefeuille_proof_figures"

# section -> figure name -> value (int, or float for seconds), in the order first added.
_figures: dict[str, dict[str, float]] = {}


def add(section: str, counts: Mapping[str, float]) -> None:
    bucket = _figures.setdefault(section, {})
    for name, value in counts.items():
        bucket[name] = bucket.get(name, 0) + value


def figures() -> dict[str, dict[str, float]]:
    return {section: dict(counts) for section, counts in _figures.items()}


def _merge(data: Mapping[str, Mapping[str, float]]) -> None:
    for section, counts in data.items():
        add(section, counts)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = json.dumps(_figures)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    data = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if data:
        _merge(json.loads(data))


def _format(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}".replace(",", " ")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput") or not _figures:
        return
    terminalreporter.section("access proof figures")
    for section, counts in _figures.items():
        text = ", ".join(f"{_format(value)} {name}" for name, value in counts.items())
        terminalreporter.write_line(f"{section}: {text}")
