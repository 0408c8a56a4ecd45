"""Schemas shared by every router: problem details (RFC 9457) and the base of input bodies."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict, Field


class InputSchema(Schema):
    """Base of every request body: an unknown field is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ProblemError(Schema):
    """One thing wrong with the request: where (`loc`) and what (`msg`)."""

    loc: list[str | int] = Field(
        description='Where: the part of the request, then the field, e.g. ["body", "email"].'
    )
    msg: str = Field(description="What is wrong, in the caller's language.")


class Problem(Schema):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(description="A URI naming the kind of problem; stable, for programs.")
    title: str = Field(description="A short summary of the kind of problem, translated.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, translated.")
    instance: str = Field(description="The path of the request that failed.")


class ValidationProblem(Problem):
    """A request the server understood but refused as invalid: every error with its place."""

    errors: list[ProblemError]


class HoldsProblem(ValidationProblem):
    """A colleague who still holds clients cannot be deactivated or deleted without a choice
    (docs/offboarding.md): what they hold, counted per kind."""

    holds: dict[str, int] | None = Field(
        default=None,
        description=(
            "When the colleague holds clients: how many places of each kind "
            "(owner, manager, role, member, portfolio_staff, team_member)."
        ),
    )
