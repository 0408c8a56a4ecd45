"""Why a request body is refused, as every layer names it: the refusal (413 or 411, with
its limit), and the error raised while a multipart body streams past the limit. Kept apart
from web/uploads.py, which answers the refusal with the API's problem details, so that
api/errors.py can handle BodyTooLarge without importing the module that imports it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http.multipartparser import MultiPartParserError
from django.utils.formats import number_format
from django.utils.translation import gettext as _


def human_size(size: int) -> str:
    """ "25 Mo", "2,5 Mo", "340 ko", "12 octets" ("25 MB", "2.5 MB"... in English)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        places = 0 if value >= 10 or value.is_integer() else 1
        return _("%(size)s Mo") % {"size": number_format(round(value, places), places)}
    if size >= 1024:
        return _("%(size)s ko") % {"size": number_format(round(size / 1024), 0)}
    return _("%(size)s octets") % {"size": size}


@dataclass(frozen=True)
class Refusal:
    """Why a request body was refused: too large (413) or of unknown length (411)."""

    status: int
    limit: int
    upload: bool  # a multipart body: the limit is the files' limit

    def message(self) -> str:
        if self.status == 411:
            return _(
                "Indiquez la taille de l'envoi (en-tête Content-Length) : un envoi sans "
                "taille annoncée n'est pas accepté."
            )
        if self.upload:
            return _("Le fichier dépasse la limite de %(limit)s.") % {
                "limit": human_size(self.limit)
            }
        return _("La requête dépasse la limite de %(limit)s.") % {"limit": human_size(self.limit)}


class BodyTooLarge(MultiPartParserError):
    """Raised while a multipart body is parsed, once its files pass the limit. A
    MultiPartParserError, so Django marks the body unreadable (POST and FILES stay empty)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"request body over {refusal.limit} bytes")
        self.refusal = refusal
