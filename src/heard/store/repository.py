"""Reading and writing heard's objects: the one place that maps them to rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from heard.conversation import Channel, Conversation, Role, Turn
from heard.store.models import Agent, StoredAnalysis, StoredConversation, StoredTurn, Team

if TYPE_CHECKING:
    from heard.analysis import Analysis


def now() -> datetime:
    return datetime.now(UTC)


def content_hash(conversation: Conversation) -> str:
    """SHA-256 of the conversation's canonical JSON (sorted keys): equal content, equal hash."""
    canonical = json.dumps(conversation.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_people(session: Session, conversation: Conversation) -> None:
    """Agents and teams exist as rows as soon as a conversation names them."""
    if conversation.team_id and session.get(Team, conversation.team_id) is None:
        session.add(Team(id=conversation.team_id))
        session.flush()
    if conversation.agent_id:
        agent = session.get(Agent, conversation.agent_id)
        if agent is None:
            session.add(Agent(id=conversation.agent_id, team_id=conversation.team_id))
            session.flush()
        elif conversation.team_id and agent.team_id != conversation.team_id:
            agent.team_id = conversation.team_id


def save_conversation(
    session: Session, conversation: Conversation, source: str | None = None
) -> str:
    """Insert or update one conversation with its turns. Returns "added", "updated" or
    "unchanged" (same id and same content: nothing is written)."""
    digest = content_hash(conversation)
    stored = session.get(StoredConversation, conversation.id)
    if stored is not None and stored.content_hash == digest:
        return "unchanged"
    ensure_people(session, conversation)
    moment = now()
    if stored is None:
        stored = StoredConversation(id=conversation.id, imported_at=moment)
        session.add(stored)
        outcome = "added"
    else:
        session.execute(delete(StoredTurn).where(StoredTurn.conversation_id == conversation.id))
        session.expire(stored, ["turns"])
        outcome = "updated"
    stored.channel = conversation.channel.value
    stored.language = conversation.language
    stored.agent_id = conversation.agent_id
    stored.team_id = conversation.team_id
    stored.customer_id = conversation.customer_id
    stored.started_at = _utc(conversation.started_at)
    stored.meta = conversation.metadata
    stored.content_hash = digest
    stored.source = source
    stored.updated_at = moment
    session.flush()
    session.add_all(
        StoredTurn(
            conversation_id=conversation.id,
            position=position,
            turn_id=turn.id,
            role=turn.role.value,
            speaker=turn.speaker,
            text=turn.text,
            start=turn.start,
            end=turn.end,
            time=_utc(turn.time),
        )
        for position, turn in enumerate(conversation.turns)
    )
    return outcome


def load_conversation(session: Session, conversation_id: str) -> Conversation | None:
    stored = session.get(StoredConversation, conversation_id)
    return None if stored is None else to_conversation(stored)


def to_conversation(stored: StoredConversation) -> Conversation:
    return Conversation(
        id=stored.id,
        channel=Channel(stored.channel),
        language=stored.language,
        agent_id=stored.agent_id,
        team_id=stored.team_id,
        customer_id=stored.customer_id,
        started_at=_aware(stored.started_at),
        metadata=dict(stored.meta or {}),
        turns=[
            Turn(
                id=t.turn_id,
                role=Role(t.role),
                speaker=t.speaker,
                text=t.text,
                start=t.start,
                end=t.end,
                time=_aware(t.time),
            )
            for t in stored.turns
        ],
    )


def _utc(moment: datetime | None) -> datetime | None:
    """Store every time in UTC: SQLite keeps wall-clock time and would drop the offset."""
    return None if moment is None else moment.astimezone(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything heard stores is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def has_analysis(
    session: Session, conversation_id: str, digest: str, engine: str, rubric: str
) -> bool:
    return (
        session.scalar(
            select(StoredAnalysis.id).where(
                StoredAnalysis.conversation_id == conversation_id,
                StoredAnalysis.content_hash == digest,
                StoredAnalysis.engine_version == engine,
                StoredAnalysis.rubric_version == rubric,
            )
        )
        is not None
    )


def up_to_date(
    session: Session, conversations: Sequence[Conversation], engine: str, rubric: str
) -> set[str]:
    """The ids of those conversations stored with this very content and already analysed by
    this engine and rubric version: nothing to do for them (``heard import`` skips them)."""
    ids = list({conversation.id for conversation in conversations})
    stored = {
        conversation_id: digest
        for conversation_id, digest in session.execute(
            select(StoredConversation.id, StoredConversation.content_hash).where(
                StoredConversation.id.in_(ids)
            )
        )
    }
    analysed = {
        (conversation_id, digest)
        for conversation_id, digest in session.execute(
            select(StoredAnalysis.conversation_id, StoredAnalysis.content_hash).where(
                StoredAnalysis.conversation_id.in_(ids),
                StoredAnalysis.engine_version == engine,
                StoredAnalysis.rubric_version == rubric,
            )
        )
    }
    current = set()
    for conversation in conversations:
        digest = content_hash(conversation)
        if stored.get(conversation.id) == digest and (conversation.id, digest) in analysed:
            current.add(conversation.id)
    return current


def save_analysis(session: Session, conversation: Conversation, analysis: Analysis) -> bool:
    """Store an analysis unless this version of the conversation already has one from the same
    engine and rubric versions. Returns whether a row was added."""
    digest = content_hash(conversation)
    if has_analysis(
        session, conversation.id, digest, analysis.engine_version, analysis.rubric_version
    ):
        return False
    trajectory = analysis.signals.emotion_trajectory
    session.add(
        StoredAnalysis(
            conversation_id=conversation.id,
            content_hash=digest,
            engine_version=analysis.engine_version,
            rubric_version=analysis.rubric_version,
            created_at=now(),
            listening_score=analysis.listening_score,
            components={name: c.score for name, c in analysis.components.items()},
            start_emotion=trajectory.start.emotion.value if trajectory.start else None,
            end_emotion=trajectory.end.emotion.value if trajectory.end else None,
            end_valence=trajectory.end.valence if trajectory.end else None,
            record=analysis.record(),
        )
    )
    return True


def latest_analyses(
    session: Session, conversation_ids: Sequence[str] | None = None
) -> Iterator[tuple[StoredConversation, StoredAnalysis]]:
    """Each conversation with its most recent analysis (of its current content)."""
    query = (
        select(StoredConversation, StoredAnalysis)
        .join(
            StoredAnalysis,
            (StoredAnalysis.conversation_id == StoredConversation.id)
            & (StoredAnalysis.content_hash == StoredConversation.content_hash),
        )
        .order_by(StoredConversation.id, StoredAnalysis.created_at.desc(), StoredAnalysis.id.desc())
    )
    if conversation_ids is not None:
        query = query.where(StoredConversation.id.in_(conversation_ids))
    previous = None
    for conversation, analysis in session.execute(query):
        if conversation.id != previous:
            previous = conversation.id
            yield conversation, analysis
