"""Health, readiness, the formats heard reads, and API keys (admins only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from heard import __version__
from heard.readers import readers
from heard.service.auth import ApiKeyError, create_key, list_keys, revoke_key
from heard.service.deps import Admin, Context, DbSession
from heard.service.problems import ProblemError, responses

router = APIRouter(prefix="/v1", tags=["system"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = __version__


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    database: str
    models: Literal["loaded"] = "loaded"


@router.get("/health", response_model=Health, summary="The process is up")
def health() -> Health:
    return Health()


@router.get(
    "/ready",
    response_model=Readiness,
    summary="The database answers and the models are loaded",
    responses=responses(503),
)
async def ready(context: Context) -> Readiness:
    def ping() -> None:
        with context.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception:  # any failure to reach the database means "not ready", not a 500
        raise ProblemError(503, "unavailable", "the database does not answer") from None
    if not context.ready:
        raise ProblemError(503, "unavailable", "the models are still loading")
    return Readiness(database="sqlite" if context.database.is_sqlite else "postgresql")


class Format(BaseModel):
    name: str
    description: str
    extensions: list[str]


@router.get("/formats", response_model=list[Format], summary="The input formats heard reads")
def formats() -> list[Format]:
    return [
        Format(name=r.name, description=r.description, extensions=sorted(r.extensions))
        for r in readers()
    ]


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "supervisor", "agent"]
    agent_id: str | None = Field(default=None, max_length=200)
    team_ids: list[str] = Field(default_factory=list, max_length=100)
    replace: bool = Field(default=False, description="Re-issue the key of an existing name.")


class KeyCreated(BaseModel):
    name: str
    role: str
    key: str = Field(description="Shown once: only its hash is stored.")


class KeyInfo(BaseModel):
    name: str
    role: str
    agent_id: str | None
    team_ids: list[str]
    active: bool
    created_at: str


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyCreated,
    tags=["keys"],
    summary="Create an API key",
    responses=responses(401, 403, 409, 422),
)
def new_key(body: Annotated[KeyRequest, Body()], session: DbSession, _: Admin) -> KeyCreated:
    try:
        key = create_key(
            session,
            body.name,
            body.role,
            agent_id=body.agent_id,
            team_ids=body.team_ids,
            replace=body.replace,
        )
    except ApiKeyError as error:
        status = 409 if "exists" in str(error) else 422
        raise ProblemError(status, "key_refused", str(error)) from None
    return KeyCreated(name=body.name.strip(), role=body.role, key=key)


@router.get(
    "/keys",
    response_model=list[KeyInfo],
    tags=["keys"],
    summary="API keys (never the keys)",
    responses=responses(401, 403),
)
def keys(session: DbSession, _: Admin) -> list[KeyInfo]:
    return [KeyInfo.model_validate(item) for item in list_keys(session)]


@router.delete(
    "/keys/{name}",
    status_code=204,
    tags=["keys"],
    summary="Revoke an API key",
    responses=responses(401, 403, 404),
)
def delete_key(name: str, session: DbSession, _: Admin) -> None:
    try:
        revoke_key(session, name)
    except ApiKeyError as error:
        raise ProblemError(404, "not_found", str(error)) from None
