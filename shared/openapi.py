"""The OpenAPI document of a service says every error it can answer, as problem+json.

One `Problem` schema (RFC 9457: `type`, `title`, `status`, `detail`; `errors: [{loc,
msg}]` on a 422; `current_status` on a 409 that refuses a move) is published once per
service, and each operation lists the statuses its kind of route can answer:

- every operation behind a token: 401 (no token, a bad one), 403 (a role or a write
  outside scope), 404 (unknown, or outside scope), 429 (the anonymous rate limit counts
  requests before their token is read), 503 (the database is away);
- every operation that takes input: 422 (FastAPI's default `HTTPValidationError` is
  replaced: the answer is problem+json);
- every write behind a token: 409 (a move the state forbids, or a crossed transaction);
- every operation with a body: 400 (it cannot be parsed), 413 (`shared.limits.BodyLimit`).

Routes add their own success media types (HTML, PDF, text) with `responses=`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from shared.errors import PROBLEM_JSON

REF = "#/components/schemas/{model}"

DESCRIPTIONS = {
    400: "The body cannot be parsed (not JSON, or a broken multipart form)",
    401: "No token, or a bad one",
    403: "The caller's role or scope does not allow it",
    404: "Not found, or outside the caller's scope",
    409: "The current state forbids it (`current_status`), or another change crossed it",
    413: "The body is too large",
    422: "Invalid input: `errors` names each field at fault",
    429: "Too many requests without a valid token",
    503: "The database is unavailable; retry shortly",
}
SECURED = (401, 403, 404, 429, 503)
PUBLIC = (429,)


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`/`query`/`path`, then the field path")
    msg: str


class Problem(BaseModel):
    """An error answer (RFC 9457), media type `application/problem+json`."""

    type: str = Field(description="A URI naming the kind of error; its last segment is a code")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, description="On a 422: each field at fault")
    current_status: str | None = Field(
        None, description="On a 409 that refuses a move: the status the resource is in"
    )


def problem_response(status: int) -> dict[str, Any]:
    schema = {"$ref": REF.format(model="Problem")}
    return {"description": DESCRIPTIONS[status], "content": {PROBLEM_JSON: {"schema": schema}}}


def too_many_response() -> dict[str, Any]:
    """A 429 with the `Retry-After` it carries: for routes with a limit of their own."""
    return problem_response(429) | {"headers": {"Retry-After": {"schema": {"type": "integer"}}}}


def problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation of this kind can answer."""
    secured = bool(operation.get("security"))
    statuses = set(SECURED if secured else PUBLIC)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses |= {422, 404, 503}
    if secured and method != "get":
        statuses.add(409)
    if operation.get("requestBody"):
        statuses |= {400, 413}
    return sorted(statuses)


def describe_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the `Problem` schema and each operation's error answers to an OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    problem = Problem.model_json_schema(ref_template=REF)
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                current = responses.get(str(status))
                # FastAPI's own 422 (HTTPValidationError as application/json) is replaced.
                if current is None or str(status) == "422" or "content" not in current:
                    responses[str(status)] = problem_response(status)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the app's OpenAPI document with its problem+json answers described."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_problems(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
