"""What a history event says, written when it is read: in the reader's language, and about
every other contact it names only what the reader may see of that contact.

An event stores facts (an action code, structured `before` / `after` parameters); this
package turns a batch of events into sentences for one reader, in a constant number of
queries. The rules are in docs/history.md.

One module per noun: `reader` (`show_events`, `ShownEvent`), `kinds` (the `KINDS`
registry: each action code's label and builder; `action_label`, `action_choices`),
the builders per domain in `clients`, `details`, `firm`, `work` and `sales`, and what they
share in `base`. Import from here.
"""

from __future__ import annotations

from .base import Kind, Others, Rendered
from .kinds import KINDS, action_choices, action_label
from .reader import ShownEvent, show_events

__all__ = [
    "KINDS",
    "Kind",
    "Others",
    "Rendered",
    "ShownEvent",
    "action_choices",
    "action_label",
    "show_events",
]
