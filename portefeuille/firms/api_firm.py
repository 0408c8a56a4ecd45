"""API of the firm's settings (/api/v1/firm/settings) and of the titles of its custom role
slots (/api/v1/firm/role-slots): readable by every colleague, writable by admins (the
services check). Thin adapters over firms/services/firm.py.

Both carry a version (firms/versions.py) in their body and their ETag; a write sent with a
stale If-Match is refused (412) and nothing changes, like the other PATCH and PUT.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from portefeuille.api.auth import api_colleague
from portefeuille.api.concurrency import IfMatch, etag_openapi, set_etag
from portefeuille.api.errors import problem_responses

from . import services
from .api import expected
from .models import Colleague, Firm, RoleSlot
from .schemas import FirmSettingsOut, FirmSettingsUpdate, RoleSlotsIn, RoleSlotsOut
from .versions import FIRM_SETTINGS_FIELDS, firm_settings_version, role_slots_version

router = Router(tags=["firm"])


def _settings(firm: Firm, response: HttpResponse) -> dict[str, Any]:
    version = firm_settings_version(firm)
    set_etag(response, version)
    return {**{field: getattr(firm, field) for field in FIRM_SETTINGS_FIELDS}, "version": version}


def _slots(actor: Colleague) -> list[RoleSlot]:
    return list(RoleSlot.objects.filter(firm_id=actor.firm_id).order_by("number"))


def _slots_answer(slots: list[RoleSlot], response: HttpResponse) -> dict[str, Any]:
    version = role_slots_version(slots)
    set_etag(response, version)
    return {
        "slots": [{"number": slot.number, "title": slot.title} for slot in slots],
        "version": version,
    }


@router.get(
    "/settings",
    response=FirmSettingsOut,
    openapi_extra=etag_openapi(200),
    summary="The firm's settings",
)
def get_settings(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    actor = api_colleague(request)
    return _settings(Firm.objects.get(pk=actor.firm_id), response)


@router.patch(
    "/settings",
    response={200: FirmSettingsOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Change the firm's settings (admins)",
)
def update_settings(
    request: HttpRequest,
    payload: FirmSettingsUpdate,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Only the fields sent change. Send the ETag in If-Match to refuse a stale change."""
    actor = api_colleague(request)
    current = Firm.objects.get(pk=actor.firm_id)
    firm = services.update_firm_settings(
        actor=actor,
        expected_version=expected(if_match, firm_settings_version(current)),
        **payload.model_dump(exclude_none=True),
    )
    return _settings(firm, response)


@router.get(
    "/role-slots",
    response=RoleSlotsOut,
    openapi_extra=etag_openapi(200),
    summary="The titles of the custom role slots",
)
def get_role_slots(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    return _slots_answer(_slots(api_colleague(request)), response)


@router.put(
    "/role-slots",
    response={200: RoleSlotsOut, **problem_responses(403, 412)},
    openapi_extra=etag_openapi(200),
    summary="Set the titles of the custom role slots (admins)",
)
def set_role_slots(
    request: HttpRequest, payload: RoleSlotsIn, response: HttpResponse, if_match: IfMatch = None
) -> dict[str, Any]:
    """Renaming a title renames it everywhere; an empty title hides the slot. Slots left
    out keep their title; a slot number given twice is refused."""
    actor = api_colleague(request)
    index: dict[int, int] = {}
    repeated: dict[str, Any] = {}
    for i, slot in enumerate(payload.slots):
        if slot.number in index:
            repeated[f"slots.{i}.number"] = ValidationError(
                _("Le poste n°%(number)s est déjà donné plus haut dans la liste.")
                % {"number": slot.number},
                code="duplicate_slot",
            )
        else:
            index[slot.number] = i
    if repeated:
        raise ValidationError(repeated)
    try:
        slots = services.set_role_slot_titles(
            actor=actor,
            titles={slot.number: slot.title for slot in payload.slots},
            expected_version=expected(if_match, role_slots_version(_slots(actor))),
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        # The service keys its refusals `title_<number>`; the body names `slots.<i>.title`.
        located: dict[str, Any] = {}
        for field, messages in error.error_dict.items():
            number = field.removeprefix("title_")
            if number.isascii() and number.isdigit() and int(number) in index:
                field = f"slots.{index[int(number)]}.title"
            located.setdefault(field, []).extend(messages)
        raise ValidationError(located) from None
    return _slots_answer(slots, response)
