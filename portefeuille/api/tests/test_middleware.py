"""Errors Django answers itself under /api/v1 (e.g. a crash: 500) become problem details."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.test import RequestFactory

from portefeuille.api.middleware import ProblemDetailsMiddleware


def answer_with(response: HttpResponse) -> ProblemDetailsMiddleware:
    def get_response(request: HttpRequest) -> HttpResponse:
        return response

    return ProblemDetailsMiddleware(get_response)


@pytest.fixture
def api_request(rf: RequestFactory) -> HttpRequest:
    request = rf.get("/api/v1/colleagues", headers={"Accept-Language": "en"})
    request.user = AnonymousUser()
    return request


def test_a_server_error_page_becomes_a_problem_without_internals(api_request: HttpRequest) -> None:
    crash = HttpResponseServerError("<h1>Traceback: secret internals</h1>")

    response = answer_with(crash)(api_request)

    assert isinstance(response, HttpResponse)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["title"] == "Internal error"
    assert "secret" not in response.content.decode()


def test_answers_outside_the_api_are_left_alone(rf: RequestFactory) -> None:
    page = HttpResponseServerError("<h1>Erreur</h1>")
    request = rf.get("/contacts/")
    request.user = AnonymousUser()

    assert answer_with(page)(request) is page


def test_problem_details_from_operations_are_left_alone(api_request: HttpRequest) -> None:
    problem = HttpResponse("{}", status=404, content_type="application/problem+json")

    assert answer_with(problem)(api_request) is problem
