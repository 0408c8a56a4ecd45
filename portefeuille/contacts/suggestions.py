"""Similar existing contacts offered while a new contact's name is typed (avoid duplicates).

Accent- and case-insensitive, fuzzy ("elodie lefevre" finds "Élodie Lefèvre", "lefebvre"
finds "Lefèvre"), and only among the contacts the colleague may see: a private contact seen
by name only comes back with `name_only=True` and no kind (the page shows a padlock and
nothing else), a hidden one never.

Bounded work whatever the size of the firm: the database pre-selects candidates on the
normalised `search_name` column (each typed word as a word prefix, then each word's first
letters anywhere — the trigram index serves `contains` on PostgreSQL), at most
`CANDIDATES` rows, and only those are scored in Python with rapidfuzz.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from rapidfuzz import fuzz, process, utils

from portefeuille.access.rules import Level, annotate_level, visible_clients
from portefeuille.firms.models import Colleague

from .models import normalise_for_search

CANDIDATES = 300
MIN_QUERY = 2
MIN_SCORE = 75.0
DEFAULT_LIMIT = 8
MAX_WORDS = 5
PREFIX = 3


@dataclass(frozen=True)
class Suggestion:
    id: int
    kind: str  # "" when name_only: the name and nothing else (docs/access-rules.md)
    display_name: str
    name_only: bool
    score: float


def _word_prefix(word: str) -> Q:
    """`word` starts the name or one of its words."""
    return Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")


def _candidates(
    actor: Colleague, words: list[str], kind: str | None, exclude: int | None
) -> list[dict[str, Any]]:
    # SECURITY: the only source of rows is visible_clients; hidden contacts never come back.
    base = annotate_level(actor, visible_clients(actor, Level.NAME))
    if kind:
        # SECURITY: a name-only contact is never filtered by its kind, which it may not show.
        base = base.filter(Q(kind=kind, access_level=Level.FULL) | Q(access_level=Level.NAME))
    if exclude is not None:
        base = base.exclude(pk=exclude)
    fields = ("id", "kind", "display_name", "search_name", "access_level")
    strict = Q()
    for word in words:
        strict &= _word_prefix(word)
    found: dict[int, dict[str, Any]] = {
        row["id"]: row for row in base.filter(strict).order_by().values(*fields)[:CANDIDATES]
    }
    room = CANDIDATES - len(found)
    if room > 0:
        # Typos after the first letters: any word's start anywhere in the name.
        loose = Q()
        for word in words:
            loose |= Q(search_name__contains=word[:PREFIX])
        for row in base.filter(loose).exclude(pk__in=list(found)).order_by().values(*fields)[:room]:
            found[row["id"]] = row
    return list(found.values())


def similar_contacts(
    actor: Colleague,
    name: str,
    *,
    kind: str | None = None,
    limit: int = DEFAULT_LIMIT,
    exclude: int | None = None,
) -> list[Suggestion]:
    """Up to `limit` visible contacts whose name resembles `name`, best first."""
    query = normalise_for_search(name)
    words = [word for word in query.split() if len(word) >= MIN_QUERY][:MAX_WORDS]
    if len(query) < MIN_QUERY or not words:
        return []
    rows = _candidates(actor, words, kind, exclude)
    if not rows:
        return []
    matches = process.extract(
        query,
        [row["search_name"] for row in rows],
        scorer=fuzz.WRatio,  # word order, partial names and typos
        processor=utils.default_process,
        score_cutoff=MIN_SCORE,
        limit=None,
    )
    ranked = sorted(matches, key=lambda match: (-match[1], rows[match[2]]["search_name"]))
    return [_suggestion(rows[index], score) for _name, score, index in ranked[:limit]]


def _suggestion(row: dict[str, Any], score: float) -> Suggestion:
    name_only = row["access_level"] < Level.FULL
    return Suggestion(
        id=row["id"],
        # SECURITY: a name-only contact's kind is not its name: not shown (the padlock is).
        kind="" if name_only else row["kind"],
        display_name=row["display_name"],
        name_only=name_only,
        score=round(float(score), 1),
    )
