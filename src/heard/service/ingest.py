"""Conversations in: read an upload in any supported format, redact, analyse, store.

Each conversation is committed on its own with its analysis and its ``analysis.ready`` event,
so one the database refuses does not cost the others, and none is ever half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from heard.analysis import ENGINE_VERSION, Analysis
from heard.conversation import Conversation
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, get_reader, read_source
from heard.service.auth import Principal
from heard.service.context import ServiceContext
from heard.service.outbox import enqueue
from heard.store.models import StoredConversation
from heard.store.repository import content_hash, has_analysis, save_analysis, save_conversation


class Stored(BaseModel):
    id: str
    outcome: str = Field(description="added, updated or unchanged")
    listening_score: float | None = None


class Skipped(BaseModel):
    location: str = Field(description="The record in the upload (or the conversation id).")
    problem: str


class IngestResult(BaseModel):
    stored: list[Stored] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)


@dataclass
class Upload:
    conversations: list[Conversation] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)


class UploadError(ValueError):
    """An upload none of which can be read (wrong format, not text, not JSON…)."""

    def __init__(self, issue: ReadIssue) -> None:
        super().__init__(issue.problem)
        self.issue = issue


def known_format(name: str) -> bool:
    if name == "auto":
        return True
    try:
        get_reader(name)
    except ReadError:
        return False
    return True


def read_upload(data: bytes, filename: str, format: str, options: ReadOptions) -> Upload:
    upload = Upload()
    source = Source.from_bytes(data, name=filename)
    try:
        for item in read_source(source, format, options):
            if isinstance(item, Conversation):
                upload.conversations.append(item)
            else:
                upload.issues.append(item)
    except ReadError as error:
        raise UploadError(error.issue) from None
    return upload


def _where(issue: ReadIssue) -> str:
    return f"{issue.source}, {issue.location}" if issue.location else issue.source


# Concurrent requests can race to add the same agent or team, or deadlock on PostgreSQL: the
# loser's transaction is rolled back whole and simply tried again.
ATTEMPTS = 3


def store_one(
    context: ServiceContext,
    conversation: Conversation,
    *,
    source: str | None = None,
    analysis: Analysis | None = None,
) -> Stored:
    """Redact, analyse and store one conversation in one transaction."""
    clean = context.redact(conversation)
    result = analysis
    for attempt in range(ATTEMPTS):
        try:
            stored, result = _store(context, clean, source, result)
            return stored
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _already_analysed(context: ServiceContext, clean: Conversation, digest: str) -> bool:
    with context.database.session() as session:
        stored = session.get(StoredConversation, clean.id)
        return (
            stored is not None
            and stored.content_hash == digest
            and has_analysis(session, clean.id, digest, ENGINE_VERSION, context.rubric.version)
        )


def _store(
    context: ServiceContext, clean: Conversation, source: str | None, analysis: Analysis | None
) -> tuple[Stored, Analysis | None]:
    # Analysis is pure and takes milliseconds of CPU: it runs before the write transaction so
    # the database (SQLite has one writer) is locked only for the writes themselves.
    digest = content_hash(clean)
    if analysis is None:
        if _already_analysed(context, clean, digest):
            return Stored(id=clean.id, outcome="unchanged"), None
        analysis = context.analyze(clean)
    with context.database.session() as session:
        outcome = save_conversation(session, clean, source=source)
        if outcome == "unchanged" and has_analysis(
            session, clean.id, digest, ENGINE_VERSION, context.rubric.version
        ):
            return Stored(id=clean.id, outcome=outcome), analysis
        save_analysis(session, clean, analysis)
        enqueue(
            session,
            "analysis.ready",
            {
                "conversation_id": clean.id,
                "agent_id": clean.agent_id,
                "team_id": clean.team_id,
                "listening_score": analysis.listening_score,
                "components": {name: c.score for name, c in analysis.components.items()},
            },
            context.wanted_events,
        )
    return Stored(id=clean.id, outcome=outcome, listening_score=analysis.listening_score), analysis


def ingest(
    context: ServiceContext, upload: Upload, principal: Principal, source: str
) -> IngestResult:
    result = IngestResult(
        skipped=[Skipped(location=_where(issue), problem=issue.problem) for issue in upload.issues]
    )
    for conversation in upload.conversations:
        if not principal.can_see(conversation.agent_id, conversation.team_id):
            result.skipped.append(
                Skipped(
                    location=f"conversation {conversation.id}",
                    problem="outside your teams: a supervisor key may add only its teams' "
                    "conversations (set team_id)",
                )
            )
            continue
        try:
            result.stored.append(store_one(context, conversation, source=source))
        except SQLAlchemyError as error:
            result.skipped.append(
                Skipped(
                    location=f"conversation {conversation.id}",
                    problem=f"the database refused it: {type(error).__name__}",
                )
            )
    return result
