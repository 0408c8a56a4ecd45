"""The NinjaAPI object mounted at /api/v1; routers live in each app's api.py.

Adding an app's endpoints (e.g. contacts):

1. In `portefeuille/contacts/api.py` make a `router = Router(tags=["contacts"])` and write thin
   operations: get the caller with `api_colleague(request)` (portefeuille.api.auth), fetch
   objects through a queryset scoped to the caller's firm and visibility (an unknown, foreign
   or hidden id is `get_object_or_404(scoped_queryset, pk=id)`: always the same 404), call one
   service, return the object.
2. Declare what each operation can answer: `response={200: ContactOut,
   **problem_responses(403, 409, 412)}` (portefeuille.api.errors). 400 (unparsable JSON),
   401 (not signed in), 404 (operations with a path parameter) and 422 (operations with
   parameters or a body) are added to the OpenAPI document automatically.
3. Lists: `page: Query[PageQuery]` and `return paginate(queryset, page, order=(..., "id"))`
   with `response=Page[ContactOut]` (portefeuille.api.pagination).
   Updates: `if_match: IfMatch = None`, passed to the service as
   `expected_version=expected_version(if_match, ...)` (or `check_if_match(...)` under a row
   lock when the service takes none), `set_etag(...)` (portefeuille.api.concurrency, which
   explains the versions).
4. Register the router below: `api.add_router("/contacts", "portefeuille.contacts.api.router")`.

Every operation is authenticated (token or session) unless it says `auth=None`; errors are
raised, never built (see portefeuille.api.errors), and come out as problem details in the
caller's language.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger

from portefeuille.api.parser import StrictParser, refuse_nul_characters
from portefeuille.firms.guards import StaleVersionError

from .auth import bearer_token, browser_session
from .concurrency import on_stale_version
from .errors import PROBLEM_CONTENT_TYPE, install_problem_handlers
from .language import speak_callers_language
from .schemas import Problem, ValidationProblem

DESCRIPTION = """\
The JSON API of Portefeuille. It acts as a colleague of one firm and sees exactly what that
colleague sees.

**Authentication.** Create a personal access token with `POST /api/v1/auth/token` (e-mail,
password and, when two-factor authentication is on, the one-time code), then send it as
`Authorization: Bearer <token>`. A token acts as its colleague, and stops working when it is
revoked or the colleague is deactivated. Signed-in browsers may call the API with their
session (writes need the CSRF token; this page sends it).

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, `instance`, and for invalid input (422) `errors: [{loc, msg}]` saying
where and what. An id that does not exist, belongs to another firm or is hidden from you
answers the same 404. Texts follow `Accept-Language` (French or English), else your language.

**Lists** are paginated: `limit` (default 50, at most 200) and `cursor` (the `next_cursor`
of the previous page); the answer is `{items, next_cursor}`.

**Concurrent edits.** Responses carry `ETag: "<version>"` (and a `version` field). Send it back
in `If-Match` with a change: if someone changed the resource since you loaded it, the change
is refused with 412 and theirs stays.
"""

HTTP_PHRASES = {
    400: "Bad request: the body is not valid JSON",
    401: "Not authenticated: no valid token or session",
    403: "Forbidden: your profile may not do this",
    404: "Not found (unknown, of another firm, or hidden from you)",
    409: "Conflict with the current state",
    412: "Stale write: changed since you loaded it (If-Match)",
    422: "Invalid input: see errors[].loc and errors[].msg",
    413: "Too large: the body or its file is over the limit",
    429: "Too many attempts",
}


class PortefeuilleAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares the problem-details answers of each operation."""

    _schema_cache: dict[str, Any]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        key = f"{path_prefix}|{sorted((path_params or {}).items())}"
        cache = self.__dict__.setdefault("_schema_cache", {})
        if key not in cache:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            declare_problem_responses(schema)
            cache[key] = schema
        return cache[key]


def _component_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Problem, ValidationProblem):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(definition.pop("$defs", {}))
        schemas[model.__name__] = definition
    return schemas


def declare_problem_responses(schema: dict[str, Any]) -> None:
    """Adds the errors every operation can meet and marks all errors as problem details."""
    schema.setdefault("components", {}).setdefault("schemas", {}).update(_component_schemas())
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters") or []
            automatic = set()
            if "requestBody" in operation:
                automatic |= {400, 422}
            if parameters:
                automatic.add(422)
            if any(parameter.get("in") == "path" for parameter in parameters):
                automatic.add(404)
            if operation.get("security"):
                automatic.add(401)
            for status in automatic:
                if status not in responses and str(status) not in responses:
                    responses[status] = {}
            for status, response in responses.items():
                code = int(status)
                if code < 400:
                    continue
                model = ValidationProblem if code == 422 else Problem
                response["description"] = HTTP_PHRASES.get(code, response.get("description", ""))
                response["content"] = {
                    PROBLEM_CONTENT_TYPE: {
                        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                    }
                }


api = PortefeuilleAPI(
    title="Portefeuille API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[bearer_token, browser_session],
    parser=StrictParser(),
    # validatorUrl: Swagger UI would otherwise load a badge from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)
install_problem_handlers(api)
api.add_exception_handler(StaleVersionError, on_stale_version)  # a ValidationError, but a 412
api.add_decorator(speak_callers_language, mode="view")
api.add_decorator(refuse_nul_characters, mode="operation")

# Routers, one line per app (see the module docstring).
api.add_router("/auth", "portefeuille.firms.api.auth_router")
api.add_router("/me", "portefeuille.firms.api.me_router")
api.add_router("/colleagues", "portefeuille.firms.api.colleagues_router")
api.add_router("/teams", "portefeuille.firms.api.teams_router")
api.add_router("/contacts", "portefeuille.contacts.api_clients.contacts_router")
api.add_router("/contacts", "portefeuille.access.api.client_access_router")  # team, grants
api.add_router("/contacts", "portefeuille.access.api_ownership.client_history_router")
api.add_router("/coverage", "portefeuille.access.api_ownership.coverage_router")
api.add_router("/ownership", "portefeuille.access.api_ownership.ownership_router")
api.add_router("/portfolios", "portefeuille.access.api.portfolios_router")
api.add_router("/owners", "portefeuille.access.api_owners.router")
api.add_router("/firm", "portefeuille.firms.api_firm.router")
api.add_router("/audit-events", "portefeuille.audit.api.router")
api.add_router("/notifications", "portefeuille.notifications.api.router")
api.add_router("/offboarding", "portefeuille.access.api_offboarding.router")
api.add_router("/work-items", "portefeuille.work.api.work_items_router")
api.add_router("/tasks", "portefeuille.work.api.tasks_router")  # my open tasks
api.add_router("/segments", "portefeuille.work.api.segments_router")
api.add_router("/custom-fields", "portefeuille.customfields.api.router")
api.add_router("/opportunities", "portefeuille.sales.api.opportunities_router")
api.add_router("/projects", "portefeuille.sales.api.projects_router")
api.add_router("/invoices", "portefeuille.sales.api.invoices_router")
api.add_router("/opportunity-stages", "portefeuille.sales.api.stages_router")
api.add_router("/tickets", "portefeuille.inbox.api.tickets_router")
api.add_router("/inbox", "portefeuille.inbox.api.inbox_router")  # statistics

# Modules that add operations to a router above (contacts_router: details, suggestions,
# cards, members, timeline, documents).
import portefeuille.contacts.api  # noqa: E402
import portefeuille.contacts.api_links  # noqa: E402
import portefeuille.contacts.api_timeline  # noqa: E402, F401
