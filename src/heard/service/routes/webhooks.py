"""Help-desk webhooks in: Chatwoot's, and a generic signed JSON one any tool can send.

A message event stores the turn at once (redacted) and annotates the conversation live; the
nudges it raises go out as ``nudge`` events. A conversation that resolves gets its full
analysis, its follow-ups and an ``analysis.ready`` event. Each delivery is accepted once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heard.conversation import Channel, Conversation, Turn
from heard.feedback.followups import generate_followups
from heard.readers import ReadError
from heard.readers.chatwoot import conversation_from_payload
from heard.service.context import ServiceContext
from heard.service.deps import Context
from heard.service.merge import merge
from heard.service.outbox import enqueue
from heard.service.problems import FieldError, ProblemError, responses, unreadable
from heard.service.signatures import claim_delivery, verify
from heard.service.upload import read_body
from heard.store.repository import (
    content_hash,
    load_conversation,
    save_analysis,
    save_conversation,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

RESOLVED = frozenset({"resolved", "closed", "solved"})
_CHATWOOT_MESSAGE = frozenset({"message_created", "message_updated"})
_CHATWOOT_STATUS = frozenset(
    {"conversation_status_changed", "conversation_resolved", "conversation_updated"}
)


class WebhookResult(BaseModel):
    status: Literal["annotated", "analysed", "stored", "ignored"]
    conversation_id: str | None = None
    turns: int | None = None
    listening_score: float | None = None
    nudges: list[dict[str, Any]] = Field(default_factory=list)
    followups: int | None = None
    reason: str | None = None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProblemError(422, "invalid_json", f"the webhook body is not JSON: {error}") from None


def _secret(value: Any, name: str) -> str:
    if value is None:
        raise ProblemError(
            503,
            "not_configured",
            f"this webhook is off: set {name} to the signing secret to turn it on",
        )
    secret: str = value.get_secret_value()
    return secret


def record_message(
    context: ServiceContext, source: str, delivery: str, incoming: Conversation
) -> WebhookResult:
    """Store new turns now; annotate the conversation live and queue its new nudges."""
    clean = context.redact(incoming)
    with context.database.session() as session:
        claim_delivery(session, source, delivery)
        stored = load_conversation(session, clean.id)
        merged = merge(stored, clean)
        if merged.turns:
            save_conversation(session, merged, source=f"webhook:{source}")
    if not merged.turns:
        return WebhookResult(status="ignored", conversation_id=merged.id, reason="no turns")
    before = {turn.id for turn in stored.turns} if stored is not None else set()
    nudges = context.live.observe(merged, announced=before)
    if nudges and context.wanted_events:
        with context.database.session() as session:
            for nudge in nudges:
                enqueue(
                    session,
                    "nudge",
                    {"conversation_id": merged.id, "agent_id": merged.agent_id, **nudge},
                    context.wanted_events,
                )
    return WebhookResult(
        status="annotated", conversation_id=merged.id, turns=len(merged.turns), nudges=nudges
    )


def resolve(
    context: ServiceContext, source: str, delivery: str, incoming: Conversation
) -> WebhookResult:
    """The conversation is over: full analysis, follow-up rules, ``analysis.ready``."""
    clean = context.redact(incoming)
    # Analysed outside the write transaction (pure CPU work); if another message lands in
    # between, the merge inside the transaction differs and is analysed again there.
    with context.database.session() as session:
        merged = merge(load_conversation(session, clean.id), clean)
    result = context.analyze(merged) if merged.turns else None
    with context.database.session() as session:
        claim_delivery(session, source, delivery)
        current = merge(load_conversation(session, clean.id), clean)
        if not current.turns:
            return WebhookResult(
                status="ignored", conversation_id=current.id, reason="no turns to analyse"
            )
        if result is None or content_hash(current) != content_hash(merged):
            result = context.analyze(current)
        save_conversation(session, current, source=f"webhook:{source}")
        save_analysis(session, current, result)
        session.flush()
        created = generate_followups(session, [current.id], context.followup_rules)
        enqueue(
            session,
            "analysis.ready",
            {
                "conversation_id": current.id,
                "agent_id": current.agent_id,
                "team_id": current.team_id,
                "listening_score": result.listening_score,
                "components": {name: c.score for name, c in result.components.items()},
                "followups": [task.id for task in created],
            },
            context.wanted_events,
        )
    context.live.forget(current.id)
    return WebhookResult(
        status="analysed",
        conversation_id=current.id,
        turns=len(current.turns),
        listening_score=result.listening_score,
        followups=len(created),
    )


def _chatwoot_status(payload: dict[str, Any]) -> str | None:
    status = payload.get("status")
    if status is None and isinstance(payload.get("conversation"), dict):
        status = payload["conversation"].get("status")
    if payload.get("event") == "conversation_resolved":
        status = "resolved"
    return str(status).lower() if status is not None else None


@router.post(
    "/chatwoot",
    response_model=WebhookResult,
    summary="Chatwoot webhook (message_created, conversation_status_changed…)",
    responses=responses(401, 409, 413, 422, 503),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}
    },
)
async def chatwoot(
    request: Request,
    context: Context,
    x_chatwoot_signature: Annotated[str | None, Header()] = None,
    x_chatwoot_timestamp: Annotated[str | None, Header()] = None,
    x_chatwoot_delivery: Annotated[str | None, Header()] = None,
) -> WebhookResult:
    secret = _secret(context.settings.chatwoot_secret, "HEARD_CHATWOOT_SECRET")
    body = await read_body(request, context.settings.max_upload_bytes)
    verify(
        secret,
        body,
        x_chatwoot_signature,
        x_chatwoot_timestamp,
        tolerance=context.settings.webhook_tolerance_seconds,
    )
    payload = _json(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise ProblemError(422, "invalid_input", "a Chatwoot webhook is an object with an event")
    event = payload["event"]
    if event not in _CHATWOOT_MESSAGE | _CHATWOOT_STATUS:
        return WebhookResult(status="ignored", reason=f"event {event!r} is not used")
    try:
        incoming = conversation_from_payload(payload, source="chatwoot webhook")
    except ReadError as error:
        raise unreadable("the Chatwoot payload", [error.issue]) from None
    # Without a delivery id the signature names the delivery: the same body at the same second.
    delivery = x_chatwoot_delivery or (x_chatwoot_signature or "")[-64:]
    if event in _CHATWOOT_MESSAGE:
        return await run_in_threadpool(record_message, context, "chatwoot", delivery, incoming)
    if _chatwoot_status(payload) in RESOLVED:
        return await run_in_threadpool(resolve, context, "chatwoot", delivery, incoming)
    return WebhookResult(
        status="ignored", conversation_id=incoming.id, reason="status is not resolved"
    )


class GenericConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    channel: Channel = Channel.CHAT
    agent_id: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=200)
    customer_id: str | None = Field(default=None, max_length=200)
    started_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class GenericEvent(BaseModel):
    """heard's own webhook: send each turn as it happens, then ``resolved`` when it is over."""

    model_config = ConfigDict(extra="forbid")

    event: Literal["turn", "resolved"]
    delivery_id: str = Field(min_length=1, max_length=200, description="Unique per delivery.")
    conversation: GenericConversation
    turns: list[Turn] = Field(
        default_factory=list, max_length=5000, description="New turns (or edits of known ids)."
    )


@router.post(
    "/generic",
    response_model=WebhookResult,
    summary="Generic signed webhook: turns as they happen, then resolved",
    responses=responses(401, 409, 413, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/GenericEvent"}}
            },
        }
    },
)
async def generic(
    request: Request,
    context: Context,
    x_heard_signature: Annotated[str | None, Header()] = None,
    x_heard_timestamp: Annotated[str | None, Header()] = None,
) -> WebhookResult:
    secret = _secret(context.settings.webhook_secret, "HEARD_WEBHOOK_SECRET")
    body = await read_body(request, context.settings.max_upload_bytes)
    verify(
        secret,
        body,
        x_heard_signature,
        x_heard_timestamp,
        tolerance=context.settings.webhook_tolerance_seconds,
    )
    try:
        event = GenericEvent.model_validate(_json(body))
    except ValidationError as error:
        raise ProblemError(
            422,
            "invalid_input",
            "the webhook body does not match GenericEvent",
            errors=[
                FieldError(location="body." + ".".join(str(p) for p in e["loc"]), problem=e["msg"])
                for e in error.errors()
            ],
        ) from None
    try:
        incoming = Conversation(**event.conversation.model_dump(), turns=event.turns)
    except ValidationError as error:
        raise ProblemError(
            422, "invalid_input", f"the conversation is not valid: {error.errors()[0]['msg']}"
        ) from None
    if event.event == "turn":
        if not event.turns:
            raise ProblemError(422, "invalid_input", "a turn event carries at least one turn")
        return await run_in_threadpool(
            record_message, context, "generic", event.delivery_id, incoming
        )
    return await run_in_threadpool(resolve, context, "generic", event.delivery_id, incoming)
