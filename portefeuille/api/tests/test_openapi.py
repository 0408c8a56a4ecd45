"""The OpenAPI document and the docs page: complete error declarations, nothing from a CDN."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_docs_page_loads_no_resource_from_outside_the_site(client: Client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # No absolute URL anywhere in the page: scripts, styles, icons, fonts, and Swagger UI's
    # validator badge (validatorUrl) would all need the network.
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+", html) == []
    assert '"validatorUrl": null' in html


def test_docs_page_scripts_and_styles_are_served_by_the_site(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)

    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_every_error_answer_is_declared_as_problem_details(document: dict[str, Any]) -> None:
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM], (name, status)


def test_operations_declare_the_errors_they_can_meet(document: dict[str, Any]) -> None:
    for name, operation in operations(document):
        declared = {int(status) for status in operation["responses"]}
        parameters = operation.get("parameters", [])
        if operation.get("security"):
            assert 401 in declared, name
        if "requestBody" in operation:
            assert {400, 422} <= declared, name
        if parameters:
            assert 422 in declared, name
        if any(parameter["in"] == "path" for parameter in parameters):
            assert 404 in declared, name
        if any(parameter["name"] == "If-Match" for parameter in parameters):
            assert 412 in declared, name


def test_validation_problem_schema_says_where_and_what(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail", "instance"}
    assert "errors" in schemas["ValidationProblem"]["required"]
    assert set(schemas["ProblemError"]["properties"]) == {"loc", "msg"}


def test_token_and_session_are_the_documented_ways_to_authenticate(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]

    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["BrowserSession"]["in"] == "cookie"
    token_operation = document["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in token_operation


def test_no_two_response_schemas_share_a_name() -> None:
    # The document names each component by its class name: two classes with one name
    # would silently describe one resource with the other's fields.
    from ninja import Schema

    from portefeuille.api.api import api

    api.get_openapi_schema()
    seen: dict[str, str] = {}
    clashes: list[tuple[str, str]] = []

    def walk(cls: type) -> None:
        sub: type
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("portefeuille.") and ".tests" not in sub.__module__:
                where = f"{sub.__module__}.{sub.__qualname__}"
                if sub.__name__ in seen and seen[sub.__name__] != where:
                    clashes.append((seen[sub.__name__], where))
                seen.setdefault(sub.__name__, where)
            walk(sub)

    walk(Schema)
    assert clashes == []
