"""Reading history events in tests as a colleague reads them."""

from __future__ import annotations

from django.utils import translation

from portefeuille.audit.models import AuditEvent
from portefeuille.audit.sentences import show_events
from portefeuille.firms.models import Colleague


def sentence(event: AuditEvent, reader: Colleague, language: str = "fr") -> str | None:
    """What `reader` reads of `event` in `language`; None when it is left out for them."""
    with translation.override(language):
        shown = show_events(reader, [event])
    return shown[0].summary if shown else None
