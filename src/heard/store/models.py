"""The database schema (SQLAlchemy 2): conversations, analyses, feedback, follow-ups, people.

Every table is created by Alembic migrations (``heard/store/migrations``), never by
``create_all``, so an existing database is upgraded in place. Ids that come from outside
(conversation, agent, team, customer ids) are kept as text, exactly as the help desk wrote them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)


class User(Base):
    """Someone who uses heard: an admin, a supervisor of teams, or an agent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | supervisor | agent
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    team_ids: Mapped[list[Any]] = mapped_column(default=list)
    api_key_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoredConversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str | None] = mapped_column(String(20))
    agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    team_id: Mapped[str | None] = mapped_column(String(200), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # SHA-256 of the conversation's canonical JSON: the same conversation imported again is a
    # no-op, a changed one is updated (never duplicated).
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    turns: Mapped[list[StoredTurn]] = relationship(
        back_populates="conversation",
        order_by="StoredTurn.position",
        cascade="all, delete-orphan",
    )


class StoredTurn(Base):
    __tablename__ = "turns"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    speaker: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[float | None] = mapped_column(Float)
    end: Mapped[float | None] = mapped_column(Float)
    time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    conversation: Mapped[StoredConversation] = relationship(back_populates="turns")


class StoredAnalysis(Base):
    """One analysis of one version of a conversation by one engine and rubric version.

    Re-analysis with another engine or rubric adds a row; it never overwrites history.
    """

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id",
            "content_hash",
            "engine_version",
            "rubric_version",
            name="uq_analysis_version",
        ),
        Index("ix_analyses_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(40))
    rubric_version: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    listening_score: Mapped[float | None] = mapped_column(Float, index=True)
    components: Mapped[dict[str, Any]] = mapped_column(default=dict)  # name -> score or None
    start_emotion: Mapped[str | None] = mapped_column(String(20))
    end_emotion: Mapped[str | None] = mapped_column(String(20))
    end_valence: Mapped[float | None] = mapped_column(Float)
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the full JSONL record


class Survey(Base):
    """A survey sent for a conversation; answered once, through an unguessable token."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # csat | nps | ces
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", name="uq_response_survey"),
        UniqueConstraint("conversation_id", "kind", "external_id", name="uq_response_external"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), index=True)  # csat | nps | ces
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_emotion: Mapped[str | None] = mapped_column(String(20))
    comment_concerns: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(20))  # link | import
    external_id: Mapped[str | None] = mapped_column(String(200))  # id in the tool it came from
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Rating(Base):
    """A live-chat rating: thumbs up/down (1 or 0) or stars (1–5)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # thumbs | stars
    value: Mapped[int] = mapped_column(Integer)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowUp(Base):
    """A task to get back to a customer; one per conversation and cause, so it never fires twice."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("conversation_id", "cause", name="uq_follow_up_cause"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    cause: Mapped[str] = mapped_column(String(50))  # which rule fired
    reason: Mapped[str] = mapped_column(Text)  # the evidence, in words
    priority: Mapped[str] = mapped_column(String(10))  # low | normal | high | urgent
    channel: Mapped[str] = mapped_column(String(10))  # email | message | call
    assignee: Mapped[str | None] = mapped_column(String(200), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | done | snoozed | cancelled
    message: Mapped[str] = mapped_column(Text)  # the drafted personal follow-up
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    # When the "follow-up due" event went out, so a restarted server does not send it again.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """A signed webhook already accepted: a second delivery with the same id is a replay."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "<source>:<delivery id>"
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutboxEvent(Base):
    """An event for the outgoing webhook, written in the same transaction as what caused it and
    delivered afterwards, so a crash or an unreachable receiver loses nothing."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(50))  # analysis.ready | followup.due | nudge
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class TrainingSession(Base):
    """One practice: a role-play with a simulated customer, or a summarising exercise.

    Kept per trainee (an agent id, or the user's name when they have none) so progress can be
    shown on the agent view and the dashboard; ``team_id`` is the trainee's team when it was
    stored, so supervisors see their teams' practice.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_trainee_started", "trainee_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trainee_id: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # roleplay | summary
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)  # or the exercise id
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))  # resolved | escalated | abandoned
    listening_score: Mapped[float | None] = mapped_column(Float)  # or the summary's score
    components: Mapped[dict[str, Any]] = mapped_column(default=dict)
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the debrief or the result
    seed: Mapped[int | None] = mapped_column(Integer)


class LiveSession(Base):
    """A session that spans several requests (a signed-in browser, a bot chat, a role-play in
    progress), kept here rather than in one process's memory so that every worker of
    ``heard serve --workers N`` sees the same sessions and a restart signs nobody out.

    ``state`` is the kind's own JSON: what rebuilds the session (for the bot and the simulator,
    the inputs so far, replayed deterministically). ``version`` rises with every change: a
    process that holds a rebuilt copy knows from it whether the copy is current, and an update
    made on a stale copy is refused rather than lost (compare-and-set on the version).
    """

    __tablename__ = "live_sessions"
    __table_args__ = (Index("ix_live_sessions_kind_seen", "kind", "last_seen"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # web | bot | training
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateLimitHit(Base):
    """One request a public endpoint allowed, counted by every worker of
    ``heard serve --workers N`` so that a client's limit holds across all of them.

    ``key`` is a SHA-256 of the client's key (its address), never the address itself, and a row
    is deleted soon after it leaves its limiter's window (:mod:`heard.store.ratelimits`).
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(20))  # survey | bot
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
