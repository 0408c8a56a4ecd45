"""Property-based run of the whole API against its own OpenAPI document, in-process.

Schemathesis generates valid and invalid requests for every operation; whatever it sends,
the API must never answer 5xx, and every answer (status, content type, headers, body) must be
one the document declares.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portefeuille.firms.models import PersonalAccessToken
from portefeuille.firms.services import create_api_token
from portefeuille.testing.factories import (
    AdminFactory,
    ColleagueFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION_AND_MODE = 12
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def requests_keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes "old" connections around each request; on PostgreSQL that
    would close the connection holding the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_answer_conforms_to_the_openapi_document(
    requests_keep_the_test_connection: None,
) -> None:
    admin = AdminFactory.create()
    for _i in range(3):
        team = TeamFactory.create(firm=admin.firm)
        TeamMembershipFactory.create(team=team, colleague=ColleagueFactory.create(firm=admin.firm))
    ColleagueFactory.create()  # someone of another firm
    auth: dict[str, str] = {}

    def admin_token() -> dict[str, str]:
        # A generated DELETE /auth/tokens/{id} may revoke the token in use: take a new one.
        token_id = auth.get("id")
        if (
            not token_id
            or PersonalAccessToken.objects.filter(pk=token_id, revoked_at__isnull=False).exists()
        ):
            token, secret = create_api_token(actor=admin, name="schemathesis")
            auth.update(id=str(token.pk), header=f"Bearer {secret}")
        return {"Authorization": auth["header"]}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself must be valid
        operations.append(result.ok())
    assert len(operations) >= 15

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(
                    headers=admin_token(),
                    checks=CHECKS,
                    # As a real server would; allauth's rate limits need the client address.
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                )

            call()
