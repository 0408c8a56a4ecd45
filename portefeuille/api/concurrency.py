"""Optimistic concurrency for updates: a stale write is refused (412), never silently lost.

Every representation of an editable resource carries a `version`, and its responses an
`ETag: "<version>"` header. A client sends the tag back in `If-Match` with its PATCH/PUT/DELETE;
if the resource changed since, the answer is 412 and the other person's change stays. Without
`If-Match` the write is accepted as is (last write wins, the client chose not to ask).

Where the version comes from:
- a model with an integer `version` field (Contact, ...): that field, which its services bump
  on every write (`version=F("version") + 1`); the tag is `"7"`;
- a model without one (Colleague, Team): `representation_version(...)`, a short hash of the
  JSON representation the API returns (without `version` itself). Whatever a client can see
  changes the tag; what it cannot see cannot make its edit stale.

The tag is checked under the row lock, or two writers could both pass the check. Where the
service takes an `expected_version` (contacts: update_contact, delete_client), the service
checks it under its own lock and raises `firms.guards.StaleVersionError`, which
`on_stale_version` (installed in api/api.py) answers with this 412; the adapter only
translates the header:

    contact = rules.get_client(actor, id)        # the scoped read: 404 before any 412
    contact = update_contact(
        actor=..., contact=contact, expected_version=expected_version(if_match, contact.version)
    )
    set_etag(response, contact.version)

Where it does not, the adapter checks under a lock it takes itself:

    with transaction.atomic():
        colleague = get_object_or_404(scoped.select_for_update(), pk=id)
        check_if_match(if_match, colleague_version(colleague))
        ...

Declare the header in the view's signature with `if_match: IfMatch = None`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja.params.functions import Header
from pydantic import BaseModel

from .errors import ApiProblem, problem_response

IfMatch = Annotated[
    str | None,
    Header(
        None,
        alias="If-Match",
        description=(
            "The ETag of the version you loaded. If the resource changed since, the write is "
            "refused with 412 and nothing is changed."
        ),
    ),
]

ETAG_HEADER_SPEC = {
    "ETag": {
        "description": 'The version of the resource, to send back in If-Match: "<version>".',
        "schema": {"type": "string"},
    }
}


class StaleWrite(ApiProblem):
    """412: the resource changed since the client loaded it (its If-Match no longer matches)."""

    status = 412
    slug = "stale-write"


def representation_version(data: BaseModel | Mapping[str, Any]) -> str:
    """A short, stable hash of a representation (its `version` key left out)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", exclude={"version"})
    else:
        data = {key: value for key, value in data.items() if key != "version"}
    canonical = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def etag(version: int | str) -> str:
    return f'"{version}"'


def _opaque_tags(if_match: str) -> list[str]:
    # Proxies that compress may weaken a tag (W/"..."); the version inside is still ours,
    # so weak and strong forms are compared by their opaque part.
    tags = []
    for raw in if_match.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


def check_if_match(if_match: str | None, current_version: int | str) -> None:
    """Raises StaleWrite unless If-Match is absent, `*`, or names the current version."""
    if if_match is None or not if_match.strip():
        return
    tags = _opaque_tags(if_match)
    if "*" in tags or str(current_version) in tags:
        return
    raise StaleWrite


def expected_version(
    if_match: str | None, current_version: int, *, sent_version: int | None = None
) -> int | None:
    """The `expected_version` to give a service for this request's If-Match (and the
    `version` a body may carry): None when the caller asked for no check (no If-Match or
    `*`, no `version`), else a version the service compares with the row's under its lock.

    `current_version` is the version the adapter read before calling the service; it only
    decides which tag of a list (`"3", "7"`) is meant: the current one when the list names
    it (the service still refuses if the row changed in between), else a tag that does not
    match, so the service refuses. A tag that is not a version can never match: -1."""
    from_header: int | None = None
    if if_match is not None and if_match.strip():
        tags = _opaque_tags(if_match)
        if "*" not in tags:
            if str(current_version) in tags:
                from_header = current_version
            else:
                from_header = next(
                    (int(tag) for tag in tags if tag.isascii() and tag.isdigit()), -1
                )
    asked = [version for version in (sent_version, from_header) if version is not None]
    stale = [version for version in asked if version != current_version]
    if stale:
        return stale[0]
    return asked[0] if asked else None


def on_stale_version(request: HttpRequest, exc: Any) -> HttpResponse:
    """The API's answer to a service's StaleVersionError: the same 412 as StaleWrite."""
    return problem_response(request, StaleWrite.status, slug=StaleWrite.slug)


def set_etag(response: HttpResponseBase | HttpResponse, version: int | str) -> None:
    response["ETag"] = etag(version)


def etag_openapi(*statuses: int) -> dict[str, Any]:
    """`openapi_extra=` documenting the ETag header of these response statuses."""
    return {"responses": {status: {"headers": ETAG_HEADER_SPEC} for status in statuses}}
