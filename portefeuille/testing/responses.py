"""The type of what Django's test client answers, for annotating test helpers.

django-stubs types `Client.get/post/...` as a response with `.json()`, `.wsgi_request` and the
rest of the test client's additions; that class exists for mypy only, so at run time the name
stands for HttpResponse (annotations are not evaluated).

    from portefeuille.testing.responses import ClientResponse

    def create(client: Client, **body: Any) -> ClientResponse: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse
else:
    from django.http import HttpResponse as ClientResponse

__all__ = ["ClientResponse"]
