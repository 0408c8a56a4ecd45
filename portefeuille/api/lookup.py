"""Fetching one object by the id in a URL, from a queryset already scoped to the caller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from pydantic import Field

M = TypeVar("M", bound=Model)

# Ids are 64-bit; a larger number in a URL or a body can match nothing.
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def get_or_404(queryset: QuerySet[M], pk: int) -> M:
    """The object, or 404 — the same 404 whether the id is unknown, foreign or hidden.

    SECURITY: `queryset` must already be scoped to the caller's firm (and visibility); the id
    only picks inside it.
    """
    if not 1 <= pk <= MAX_ID:
        raise Http404
    try:
        return queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def get_all_or_422(queryset: QuerySet[M], ids: Sequence[int], *, field: str) -> list[M]:
    """The objects with these ids, in the order given (repeats dropped), or a 422 on `field`
    naming every id that is unknown, foreign or hidden. `queryset` must be scoped."""
    wanted = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)}
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationError(
            {
                field: [
                    ValidationError(
                        _("Identifiant inconnu : %(id)s."), code="unknown_id", params={"id": pk}
                    )
                    for pk in unknown
                ]
            }
        )
    return [found[pk] for pk in wanted]
