"""FastAPI dependencies: the shared context, a database session, the caller and their role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from heard.service.auth import Principal, Role, authenticate
from heard.service.context import ServiceContext
from heard.service.problems import ProblemError

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_…`.")
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key, as an alternative header."
)


def get_context(request: Request) -> ServiceContext:
    context = request.app.state.context
    assert isinstance(context, ServiceContext)
    return context


Context = Annotated[ServiceContext, Depends(get_context)]


def get_session(context: Context) -> Iterator[Session]:
    with context.database.session() as session:
        yield session


# Scope "function": the request's work is committed (or rolled back) before its response is
# sent. Under the default scope FastAPI commits only after sending, so a client that follows a
# redirect, or reads back what it just wrote, could be served the state from before its write,
# and a failed commit would follow a success response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    key = credentials.credentials if credentials is not None else header_key
    if not key:
        raise ProblemError(
            401,
            "unauthenticated",
            "an API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # The request's own session (FastAPI shares one dependency per request): no second one.
    principal = authenticate(session, key)
    if principal is None:
        raise ProblemError(
            401,
            "unauthenticated",
            "this API key is not valid (unknown or revoked)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


Caller = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only callers with one of ``roles``."""

    def check(principal: Caller) -> Principal:
        if principal.role not in roles:
            raise ProblemError(
                403,
                "forbidden",
                f"this needs the role {' or '.join(roles)}; the key's role is {principal.role}",
            )
        return principal

    return check


Manager = Annotated[Principal, Depends(require("admin", "supervisor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
