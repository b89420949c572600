"""Errors a user can cause, mapped once to RFC 9457 problem+json answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://qise.dev/problems/"
# SQLSTATEs of a transaction PostgreSQL rolled back because another one crossed it.
CONCURRENCY_FAILURES = frozenset({"40001", "40P01"})


class DomainError(Exception):
    """Base of every error a user can cause. `code` names it for clients to branch on."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class ChangedMeanwhile(Conflict):
    """Someone else changed the record between our read and our write: reload, try again."""

    code, title = "changed-meanwhile", "Changed by someone else"


class Invalid(DomainError):
    """422 naming the fields at fault: `errors=[{"loc": [...], "msg": ...}]`."""

    status, code, title = 422, "validation-error", "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None and "errors" not in extra:
            extra["errors"] = [{"loc": ["body", *field.split(".")], "msg": detail}]
        super().__init__(detail, **extra)


class NotYetKnown(Invalid):
    """A referenced entity has not reached this service's replica yet: retry shortly."""

    status, code, title = 422, "not-yet-known", "Referenced entity not known yet"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class Unavailable(DomainError):
    """Something the service needs does not answer (e.g. the token issuer): retry shortly."""

    status, code, title = 503, "unavailable", "Service unavailable"


# How soon a client may try again after these answers, in seconds.
RETRY_AFTER = {NotYetKnown.code: "1", Unavailable.code: "2"}


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"Retry-After": RETRY_AFTER[code]} if code in RETRY_AFTER else None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for e in error.errors()
    ]


def _nul_location(request: Request) -> list[str]:
    """Where a refused value most likely was: the path, a query parameter, or else the body."""
    if "\x00" in request.url.path:
        return ["path"]
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            return ["query", name]
    return ["body"] if request.method in ("POST", "PUT", "PATCH") else ["query"]


def install_problem_handlers(app: FastAPI, *, unavailable: Callable[[BaseException], bool]) -> None:
    """`unavailable` says which errors are the infrastructure's (`shared.failures.is_transient`):
    passed in because that classification imports the errors defined here."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        return problem(error.status, error.title, error.detail, error.code, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(error)
        fields = ", ".join(".".join(map(str, e["loc"][1:] or e["loc"])) for e in errors)
        return problem(
            422, "Invalid input", f"invalid: {fields}", "validation-error", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        titles = {401: "Unauthorized", 404: "Not found", 405: "Method not allowed"}
        title = titles.get(error.status_code, "HTTP error")
        response = problem(error.status_code, title, str(error.detail), f"http-{error.status_code}")
        if error.headers:
            response.headers.update(error.headers)
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, error: DBAPIError) -> JSONResponse:
        # SQLSTATE class 22 ("data exception"): the database refused a value the caller
        # sent, e.g. a NUL character in a text or a number beyond its type. Bad input: 422.
        if str(getattr(error.orig, "sqlstate", "") or "").startswith("22"):
            log.warning("a value was refused by the database: %s", error.orig)
            where = _nul_location(request)
            msg = "a value cannot be stored (NUL characters and out-of-range numbers are refused)"
            return problem(
                422, "Invalid input", msg, "validation-error", errors=[{"loc": where, "msg": msg}]
            )
        if str(getattr(error.orig, "sqlstate", "") or "") in CONCURRENCY_FAILURES:
            # Two transactions crossed (a deadlock, or a serialization failure): ours
            # was rolled back whole, so nothing was written and the caller may retry.
            log.info("transaction lost a race: %s", error.orig)
            return problem(
                409,
                ChangedMeanwhile.title,
                "another change crossed this one; nothing was written, try again",
                ChangedMeanwhile.code,
            )
        raise error  # not the caller's fault: the 500 below, as for any other bug

    @app.exception_handler(Exception)
    async def _bug(_: Request, error: Exception) -> JSONResponse:
        if unavailable(error):
            # The database is away (restarting, failing over): nothing was written; retry.
            log.warning("database unavailable: %r", error)
            return problem(
                503,
                Unavailable.title,
                "the database is unavailable; retry shortly",
                Unavailable.code,
            )
        log.exception("unhandled error")
        return problem(500, "Internal error", "an unexpected error occurred", "internal")
