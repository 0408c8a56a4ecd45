"""Plain-text tables of benchmark results (one database, and both side by side)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RATIO_LABELS = {"admin": "admin query", "raw": "hand-written SQL"}


def _ratios(ratios: Mapping[str, float]) -> str:
    return "  ".join(f"x{value:.2f} {key}" for key, value in ratios.items())


def table(results: Sequence[Mapping[str, Any]]) -> str:
    """One line per scenario: rows, queries, median and p90 (ms), ratios to its baselines."""
    title_width = max(len(r["title"]) for r in results)
    header = (
        f"{'scenario':<{title_width}}  {'rows':>7}  {'q':>2}  {'median ms':>10}  "
        f"{'p90 ms':>9}  ratio of medians"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r['title']:<{title_width}}  {r['rows']:>7}  {r['queries']:>2}  "
            f"{r['median_ms']:>10.2f}  {r['p90_ms']:>9.2f}  {_ratios(r['ratios'])}"
        )
    lines.append("")
    lines.append(
        "ratios: xN admin = median / the same operation as the admin's query "
        "(Contact.objects.filter(firm=...)), or the baseline named in the scenario;"
    )
    lines.append(
        "        xN raw = median / the hand-written SQL for the same colleague "
        "(cursor, no model instances);"
    )
    lines.append(
        "        xN sql = median / the same SQL statement run through a cursor "
        "(the rest is Python: building the queryset, compiling, model instances)."
    )
    return "\n".join(lines)


def side_by_side(runs: Mapping[str, Mapping[str, Any]]) -> str:
    """The access scenarios of several databases in one table (medians and ratios)."""
    names = list(runs)
    keys: list[str] = []
    titles: dict[str, str] = {}
    for run in runs.values():
        for r in run["scenarios"]:
            if r["ratios"] and r["key"] not in titles:
                keys.append(r["key"])
                titles[r["key"]] = r["title"]
    title_width = max(len(t) for t in titles.values())
    cells: dict[str, list[str]] = {}
    for name in names:
        by_key = {r["key"]: r for r in runs[name]["scenarios"]}
        cells[name] = [
            f"{by_key[key]['median_ms']:.2f} ms  {_ratios(by_key[key]['ratios'])}"
            if key in by_key
            else "-"
            for key in keys
        ]
    width = {name: max(len(name), *(len(c) for c in cells[name])) for name in names}
    lines = [(f"{'':<{title_width}}  " + "  ".join(f"{n:<{width[n]}}" for n in names)).rstrip()]
    lines.append("-" * len(lines[0]))
    for i, key in enumerate(keys):
        row = "  ".join(f"{cells[name][i]:<{width[name]}}" for name in names)
        lines.append(f"{titles[key]:<{title_width}}  {row}".rstrip())
    return "\n".join(lines)
