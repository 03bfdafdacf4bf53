"""Conversations: ingest in any supported format, list, read one with its analysis."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from heard.conversation import Conversation
from heard.readers import ReadOptions
from heard.service.deps import Caller, Context, DbSession, Manager
from heard.service.ingest import IngestResult, UploadError, ingest, known_format, read_upload
from heard.service.paging import Limit, Offset, Page, Since, Until, page_of, period, visible
from heard.service.problems import FieldError, ProblemError, responses, unreadable
from heard.service.upload import read_body
from heard.store.models import StoredAnalysis, StoredConversation, StoredTurn
from heard.store.repository import latest_analyses, to_conversation

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

# Extensions that tell the readers what a body is when no file name comes with it.
_BY_MEDIA_TYPE = {
    "application/json": "upload.json",
    "application/x-ndjson": "upload.jsonl",
    "application/jsonl": "upload.jsonl",
    "text/csv": "upload.csv",
    "text/tab-separated-values": "upload.tsv",
    "text/vtt": "upload.vtt",
    "application/x-subrip": "upload.srt",
    "message/rfc822": "upload.eml",
    "application/mbox": "upload.mbox",
    "text/plain": "upload.txt",
}

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One file's content in any supported format (`heard formats`): native "
        "JSON or JSONL, a help-desk export or webhook payload, a speech-to-text result, CSV, "
        "VTT/SRT, e-mail. Say the format with `format`, or give `filename` and let heard detect "
        "it.",
        "content": {
            "application/json": {"schema": {}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/vtt": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class ConversationSummary(BaseModel):
    id: str
    channel: str
    agent_id: str | None
    team_id: str | None
    customer_id: str | None
    started_at: datetime | None
    turns: int
    listening_score: float | None = Field(description="From the latest analysis; null if none.")


class ConversationDetail(BaseModel):
    conversation: Conversation
    analysis: dict[str, Any] | None = Field(
        description="The latest analysis record (docs/analysis.md), with its evidence."
    )


def _filename(request: Request, given: str | None) -> str:
    if given:
        return given[:200]
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return _BY_MEDIA_TYPE.get(media, "upload")


@router.post(
    "",
    status_code=201,
    response_model=IngestResult,
    summary="Add conversations (any supported format)",
    openapi_extra=_UPLOAD_BODY,
    responses=responses(401, 403, 413, 422),
)
async def add_conversations(
    request: Request,
    response: Response,
    context: Context,
    principal: Manager,
    format: Annotated[str, Query(description="A format name from `heard formats`, or auto.")] = (
        "auto"
    ),
    filename: Annotated[
        str | None, Query(max_length=200, description="The file's name, for detection.")
    ] = None,
    agent: Annotated[
        list[str] | None, Query(description="Speaker labels that are the agent.")
    ] = None,
    customer: Annotated[
        list[str] | None, Query(description="Speaker labels that are the customer.")
    ] = None,
) -> IngestResult:
    if not known_format(format):
        raise ProblemError(
            422,
            "invalid_input",
            f"unknown format {format!r}; GET /v1/formats lists them",
            errors=[FieldError(location="query.format", problem="unknown format")],
        )
    data = await read_body(request, context.settings.max_upload_bytes)
    if not data.strip():
        raise ProblemError(422, "invalid_input", "the request body is empty")
    name = _filename(request, filename)
    options = ReadOptions(agent=frozenset(agent or ()), customer=frozenset(customer or ()))
    try:
        upload = await run_in_threadpool(read_upload, data, name, format, options)
    except UploadError as error:
        raise unreadable("the upload", [error.issue]) from None
    if not upload.conversations:
        raise unreadable("no conversation in the upload", upload.issues)
    result = await run_in_threadpool(ingest, context, upload, principal, f"api:{principal.name}")
    if not result.stored:
        raise ProblemError(
            422,
            "nothing_stored",
            "no conversation in the upload could be stored",
            errors=[FieldError(location=s.location, problem=s.problem) for s in result.skipped],
        )
    if all(item.outcome == "unchanged" for item in result.stored):
        response.status_code = 200
    return result


@router.get(
    "",
    response_model=Page[ConversationSummary],
    summary="List conversations",
    responses=responses(401, 422),
)
def list_conversations(
    session: DbSession,
    context: Context,
    principal: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    team: Annotated[str | None, Query(max_length=200)] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    since: Since = None,
    until: Until = None,
) -> Page[ConversationSummary]:
    limit = min(limit, context.settings.max_page_size)
    start, stop = period(since, until)
    c = StoredConversation
    conditions = visible(principal)
    if agent:
        conditions.append(c.agent_id == agent)
    if team:
        conditions.append(c.team_id == team)
    if channel:
        conditions.append(c.channel == channel)
    if start is not None:
        conditions.append(c.started_at >= start)
    if stop is not None:
        conditions.append(c.started_at < stop)
    total = session.scalar(select(func.count()).select_from(c).where(*conditions)) or 0
    rows = session.scalars(
        select(c)
        .where(*conditions)
        .order_by(c.started_at.desc().nulls_last(), c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [row.id for row in rows]
    scores = {
        stored.id: analysis.listening_score for stored, analysis in latest_analyses(session, ids)
    }
    counts = dict(
        session.execute(
            select(StoredTurn.conversation_id, func.count())
            .where(StoredTurn.conversation_id.in_(ids))
            .group_by(StoredTurn.conversation_id)
        ).all()
    )
    items = [
        ConversationSummary(
            id=row.id,
            channel=row.channel,
            agent_id=row.agent_id,
            team_id=row.team_id,
            customer_id=row.customer_id,
            started_at=row.started_at,
            turns=int(counts.get(row.id, 0)),
            listening_score=scores.get(row.id),
        )
        for row in rows
    ]
    return page_of(items, total, limit, offset)


@router.get(
    "/{conversation_id}",
    response_model=ConversationDetail,
    summary="One conversation with its latest analysis",
    responses=responses(401, 404),
)
def get_conversation(
    conversation_id: str, session: DbSession, principal: Caller
) -> ConversationDetail:
    stored = session.get(StoredConversation, conversation_id)
    if stored is None or not principal.can_see_conversation(stored):
        raise ProblemError(404, "not_found", f"no conversation {conversation_id!r} you can see")
    analysis = next(iter(latest_analyses(session, [conversation_id])), None)
    record = None
    if analysis is not None:
        latest: StoredAnalysis = analysis[1]
        record = dict(latest.record or {})
        record["engine_version"] = latest.engine_version
        record["rubric_version"] = latest.rubric_version
        record["analysed_at"] = latest.created_at.isoformat()
    return ConversationDetail(conversation=to_conversation(stored), analysis=record)
