"""The session engine (SESSION_ENGINE): Django's database sessions, each row knowing its
colleague, so that `end_sessions` can delete a colleague's sessions (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from .models import Colleague, ColleagueSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[ColleagueSession]:
        return ColleagueSession

    def create_model_instance(self, data: dict[str, Any]) -> ColleagueSession:
        session = super().create_model_instance(data)
        assert isinstance(session, ColleagueSession)
        try:
            session.colleague_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.colleague_id = None
        return session


def end_sessions(colleague: Colleague, *, keep: str | None = None) -> int:
    """Deletes every session of `colleague` but the one whose key is `keep`; returns how many.

    A request of theirs still in flight cannot write its session back (Django refuses to
    update a deleted session), and the session generation stops one being opened meanwhile.
    """
    sessions = ColleagueSession.objects.filter(colleague_id=colleague.pk)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    deleted, _by_model = sessions.delete()
    return deleted
