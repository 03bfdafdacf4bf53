"""Errors as RFC 9457 problem details: one body shape for every failure the API reports.

Every error response is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``, plus ``code`` (a stable machine-readable name) and, for invalid
input, ``errors`` (each with where and what). Unexpected exceptions become a 500 whose body
says nothing about the internals; the server log has the details.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from heard.readers import ReadIssue

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:heard:problem:"

log = logging.getLogger("heard.service")


class FieldError(BaseModel):
    location: str = Field(
        description="Where: a body path such as 'body.turns.0.role', or a record."
    )
    problem: str


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(description="A URN naming the kind of problem: urn:heard:problem:<code>.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    code: str
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised by handlers to answer with a problem; ``headers`` such as Retry-After go along."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers


def unreadable(what: str, issues: Sequence[ReadIssue]) -> ProblemError:
    """A 422 for input none of which could be read, each record's problem listed."""
    return ProblemError(
        422,
        "unreadable",
        f"{what} cannot be read: {issues[0].problem}"
        if len(issues) == 1
        else f"{what} cannot be read",
        errors=[
            FieldError(location=issue.location or "body", problem=issue.problem)
            for issue in issues[:100]
        ],
    )


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str | None,
    *,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_PREFIX + code,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=list(errors),
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


def _location(parts: Sequence[Any]) -> str:
    return ".".join(str(part) for part in parts)


def install(app: FastAPI) -> None:
    """Route every error the app can raise through :func:`problem_response`."""

    async def on_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ProblemError)
        return problem_response(
            request,
            error.status,
            error.code,
            error.detail,
            errors=error.errors,
            headers=error.headers,
        )

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = _CODES.get(error.status_code, "error")
        detail = error.detail if isinstance(error.detail, str) else None
        return problem_response(
            request, error.status_code, code, detail, headers=dict(error.headers or {})
        )

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = [
            FieldError(location=_location(item.get("loc", ())), problem=str(item.get("msg")))
            for item in error.errors()
        ]
        return problem_response(
            request, 422, "invalid_input", "the request does not match the API", errors=errors
        )

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request, 500, "internal", "the server failed; the error is in its log"
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries saying that these statuses answer with a problem body."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
