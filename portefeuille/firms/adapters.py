"""allauth adapter: colleagues are invited by their firm's admins, never sign themselves up;
a new password ends the colleague's other sessions, and a reset their API tokens too
(docs/security.md, "Sessions")."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .services import revoke_all_api_tokens
from .sessions import end_sessions


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def set_password(self, user: Any, password: str) -> None:
        """Every password change, reset or first choice (invitation) goes through here.

        Keeps only the session making the change when it is the colleague's own (changing
        it from the profile keeps them signed in); a reset from an e-mail link comes from a
        session signed in as nobody, so every session of theirs ends.
        """
        super().set_password(user, password)
        request = self.request
        current = getattr(request, "user", None) if request is not None else None
        keep = None
        if request is not None and current is not None and current.pk == user.pk:
            keep = request.session.session_key
        end_sessions(user, keep=keep)
        if keep is None:
            # A reset from an e-mail link: whoever knew the old password may have made API
            # tokens with it; they stop now too (docs/security.md).
            revoke_all_api_tokens(user)
