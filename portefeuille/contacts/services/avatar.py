"""A contact's avatar: the image is checked by its content, never by its name."""

from __future__ import annotations

import io
import struct
import uuid
import warnings
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from portefeuille.access.guards import lock_client
from portefeuille.audit.services import record_event
from portefeuille.firms.guards import (
    field_error,
)
from portefeuille.firms.models import Colleague
from portefeuille.web.uploads import avatar_max_bytes

from ..models import (
    Contact,
)
from .cleaning import _bump, _sync

AVATAR_MAX_BYTES: int = avatar_max_bytes()
AVATAR_MAX_PIXELS = 4096
AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


# ---------------------------------------------------------------------------------------
# Avatar.
# ---------------------------------------------------------------------------------------


def _checked_image(image: File[Any]) -> tuple[bytes, str]:
    size = image.size or 0
    if size > AVATAR_MAX_BYTES:
        raise field_error(
            "avatar",
            _("Image trop lourde : %(max)s Mo au plus.")
            % {"max": AVATAR_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    image.seek(0)
    data = image.read(AVATAR_MAX_BYTES + 1)
    if len(data) > AVATAR_MAX_BYTES:
        raise field_error(
            "avatar",
            _("Image trop lourde : %(max)s Mo au plus.")
            % {"max": AVATAR_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    not_an_image = field_error(
        "avatar",
        _("Ce fichier n'est pas une image JPEG, PNG, GIF ou WebP lisible."),
        "not_an_image",
    )
    too_many_pixels = field_error(
        "avatar",
        _("Image trop grande : %(max)s pixels de côté au plus.") % {"max": AVATAR_MAX_PIXELS},
        "too_many_pixels",
    )
    # Pixels are never decoded: open() reads the header, verify() checks the structure. An
    # image whose header declares more pixels than Pillow's bomb limit is refused by its size.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                fmt = opened.format or ""
                width, height = opened.size
                if width > AVATAR_MAX_PIXELS or height > AVATAR_MAX_PIXELS:
                    raise too_many_pixels
                opened.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error):
        raise not_an_image from None
    if fmt not in AVATAR_FORMATS:
        raise not_an_image
    return data, AVATAR_FORMATS[fmt]


@transaction.atomic
def set_avatar(*, actor: Colleague, contact: Contact, image: File[Any] | None) -> Contact:
    """Replaces the contact's avatar (None removes it). The image is checked by its content
    (Pillow), never by its name, and the old file is deleted once the change is committed."""
    locked = lock_client(actor, contact)
    old = locked.avatar.name if locked.avatar else ""
    if image is None:
        if not old:
            return locked
        locked.avatar = ""  # FileField stores "" for no file (the column is NOT NULL)
    else:
        data, extension = _checked_image(image)
        locked.avatar.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    _bump(locked, "avatar")
    record_event(
        actor=actor,
        action="contact.avatar_changed",
        client=locked,
        before={"avatar": bool(old)},
        after={"avatar": image is not None},
    )
    if old:
        storage = locked.avatar.storage
        transaction.on_commit(lambda: storage.delete(old))
    _sync(contact, locked)
    return locked
