"""The real-time listening assistant: a WebSocket per conversation, and a draft check.

WebSocket ``/v1/assist/{conversation_id}``. Authenticate with ``Authorization: Bearer <key>``
on the handshake, or (browsers cannot set headers) with ``{"type": "auth", "key": "…"}`` as the
first message. Then send, as things happen:

* ``{"type": "turn", "turn": {"role": "customer", "text": "…", …}}``: a final turn;
* ``{"type": "partial", "turn": {…}}``: an interim speech-to-text result, or the agent's
  draft (it replaces that speaker's previous partial and is never committed);
* ``{"type": "check", "text": "…"}``: score a reply before sending it;
* ``{"type": "end", "store": true}``: finish; with ``store``, the conversation is analysed
  and stored like an upload.

Each message is answered with ``{"type": "update", …}`` (:class:`heard.assist.AssistUpdate`),
``{"type": "check", …}`` (:class:`heard.assist.DraftCheck`) or ``{"type": "error", "code",
"detail"}``; a bad message is answered with an error and the session goes on. The first answer
is ``{"type": "ready", "conversation_id", "turns"}``; a stored conversation is picked up where
it is.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from heard.assist import AssistSession, DraftCheck
from heard.conversation import Channel, Conversation, Turn
from heard.service.auth import Principal, authenticate
from heard.service.context import ServiceContext
from heard.service.deps import Caller, Context, DbSession
from heard.service.ingest import store_one
from heard.service.outbox import enqueue
from heard.service.problems import ProblemError, responses
from heard.store.models import StoredConversation
from heard.store.repository import to_conversation

router = APIRouter(prefix="/v1/assist", tags=["assist"])

AUTH_TIMEOUT = 10.0
MAX_MESSAGE = 64 * 1024
# WebSocket close codes (RFC 6455 private range mirrors HTTP: 4401 unauthenticated, 4403 denied).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthMessage(_Message):
    type: Literal["auth"]
    key: str = Field(max_length=500)


class TurnMessage(_Message):
    type: Literal["turn", "partial"]
    turn: Turn


class CheckMessage(_Message):
    type: Literal["check"]
    text: str = Field(min_length=1, max_length=20_000)


class EndMessage(_Message):
    type: Literal["end"]
    store: bool = False


class StartMessage(_Message):
    """Optional, before the first turn: who the new conversation is between."""

    type: Literal["start"]
    channel: Channel = Channel.CHAT
    agent_id: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=200)
    customer_id: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)


Message = Annotated[
    AuthMessage | TurnMessage | CheckMessage | EndMessage | StartMessage,
    Field(discriminator="type"),
]
_MESSAGE = TypeAdapter(Message)


def _header_key(websocket: WebSocket) -> str | None:
    authorization = websocket.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return websocket.headers.get("x-api-key")


def _login(context: ServiceContext, key: str | None) -> Principal | None:
    with context.database.session() as session:
        return authenticate(session, key)


def _from_cookie(context: ServiceContext, websocket: WebSocket) -> Principal | None:
    from heard.web.sessions import principal_from_cookie

    with context.database.session() as session:
        return principal_from_cookie(websocket, session)


def _stored(context: ServiceContext, conversation_id: str) -> tuple[Conversation | None, bool]:
    """The stored conversation (if any) and whether it exists at all."""
    with context.database.session() as session:
        stored = session.get(StoredConversation, conversation_id)
        if stored is None:
            return None, False
        return to_conversation(stored), True


def _error(code: str, detail: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "detail": detail}


class _Connection:
    """One WebSocket client's assistant."""

    def __init__(
        self,
        context: ServiceContext,
        websocket: WebSocket,
        principal: Principal,
        conversation_id: str,
    ) -> None:
        self.context = context
        self.websocket = websocket
        self.principal = principal
        self.conversation_id = conversation_id
        self.session: AssistSession | None = None
        self.start = StartMessage(type="start")

    def _new_conversation(self) -> Conversation:
        agent_id = self.start.agent_id
        if self.principal.role == "agent":
            agent_id = self.principal.agent_id  # an agent's live conversations are their own
        return Conversation(
            id=self.conversation_id,
            channel=self.start.channel,
            agent_id=agent_id,
            team_id=self.start.team_id,
            customer_id=self.start.customer_id,
            language=self.start.language,
            turns=[],
        )

    def assistant(self) -> AssistSession:
        if self.session is None:
            self.session = AssistSession(self._existing or self._new_conversation())
        return self.session

    _existing: Conversation | None = None

    async def handle(self, message: Any) -> dict[str, Any] | None:
        """Answer one message; None ends the session."""
        if isinstance(message, StartMessage):
            if self.session is not None and self.session.conversation.turns:
                return _error("too_late", "start comes before the first turn")
            self.start = message
            self.session = None
            return {"type": "ready", "conversation_id": self.conversation_id, "turns": 0}
        if isinstance(message, AuthMessage):
            return _error("already_authenticated", "this session is already signed in")
        if isinstance(message, TurnMessage):
            assistant = self.assistant()
            if message.type == "turn":
                update = assistant.add_turn(message.turn)
            else:
                update = assistant.partial(message.turn)
            fresh = update.new_nudges
            if fresh and "nudge" in self.context.wanted_events:
                await run_in_threadpool(self._announce, [n.model_dump(mode="json") for n in fresh])
            rewriter = self.context.rewriter
            if rewriter is not None and update.suggestions:
                # The deterministic answer goes first; the rephrased suggestions follow when
                # the language model has answered (or not at all, if it fails or invents).
                await self.websocket.send_json({"type": "update", **update.model_dump(mode="json")})
                rewritten = await rewriter.arewrite_update(update)
                return {
                    "type": "rewrite",
                    "turn_id": rewritten.turn_id,
                    "suggestions": [s.model_dump(mode="json") for s in rewritten.suggestions],
                }
            return {"type": "update", **update.model_dump(mode="json")}
        if isinstance(message, CheckMessage):
            check = self.assistant().check_draft(message.text)
            return {"type": "check", **check.model_dump(mode="json")}
        assert isinstance(message, EndMessage)
        if message.store and self.session is not None and self.session.conversation.turns:
            stored = await run_in_threadpool(
                store_one, self.context, self.session.conversation, source="assist"
            )
            await self.websocket.send_json({"type": "stored", **stored.model_dump(mode="json")})
        return None

    def _announce(self, nudges: list[dict[str, Any]]) -> None:
        conversation = self.assistant().conversation
        with self.context.database.session() as session:
            for nudge in nudges:
                enqueue(
                    session,
                    "nudge",
                    {
                        "conversation_id": conversation.id,
                        "agent_id": conversation.agent_id,
                        **nudge,
                    },
                    self.context.wanted_events,
                )


async def _receive(websocket: WebSocket) -> Any:
    """The next message, parsed; an error dict for one that cannot be used."""
    raw = await websocket.receive_text()
    if len(raw) > MAX_MESSAGE:
        return _error("too_large", f"a message is at most {MAX_MESSAGE} bytes")
    try:
        return _MESSAGE.validate_python(json.loads(raw))
    except json.JSONDecodeError as error:
        return _error("invalid_json", f"not JSON: {error}")
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _error("invalid_message", f"{where}: {first['msg']}" if where else first["msg"])


@router.websocket("/{conversation_id}")
async def assist(websocket: WebSocket, conversation_id: str) -> None:
    context: ServiceContext = websocket.app.state.context
    await websocket.accept()
    try:
        principal = await run_in_threadpool(_login, context, _header_key(websocket))
        if principal is None:
            # The web app's assist panel signs in with its session cookie (same site only).
            principal = await run_in_threadpool(_from_cookie, context, websocket)
        if principal is None:
            try:
                first = await asyncio.wait_for(_receive(websocket), AUTH_TIMEOUT)
            except TimeoutError:
                first = None
            key = first.key if isinstance(first, AuthMessage) else None
            principal = await run_in_threadpool(_login, context, key)
        if principal is None:
            await websocket.send_json(_error("unauthenticated", "an API key is required"))
            await websocket.close(CLOSE_UNAUTHENTICATED)
            return
        if len(conversation_id) > 200:
            await websocket.send_json(
                _error("invalid_input", "conversation ids are at most 200 characters")
            )
            await websocket.close(CLOSE_FORBIDDEN)
            return
        existing, found = await run_in_threadpool(_stored, context, conversation_id)
        if found and (
            existing is None or not principal.can_see(existing.agent_id, existing.team_id)
        ):
            await websocket.send_json(
                _error("forbidden", f"no conversation {conversation_id!r} you can see")
            )
            await websocket.close(CLOSE_FORBIDDEN)
            return
        connection = _Connection(context, websocket, principal, conversation_id)
        connection._existing = existing
        await websocket.send_json(
            {
                "type": "ready",
                "conversation_id": conversation_id,
                "turns": len(existing.turns) if existing else 0,
            }
        )
        while True:
            message = await _receive(websocket)
            if isinstance(message, dict):
                await websocket.send_json(message)
                continue
            answer = await connection.handle(message)
            if answer is None:
                await websocket.close()
                return
            await websocket.send_json(answer)
    except WebSocketDisconnect:
        return


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000, description="The reply about to be sent.")
    conversation_id: str | None = Field(
        default=None, max_length=200, description="A stored conversation the reply answers."
    )
    conversation: Conversation | None = Field(
        default=None, description="Or the conversation so far, inline."
    )


@router.post(
    "/check",
    response_model=DraftCheck,
    summary="Score an agent's draft reply before it is sent",
    responses=responses(401, 404, 422),
)
def check_draft(
    body: Annotated[DraftRequest, Body()], session: DbSession, principal: Caller
) -> DraftCheck:
    if (body.conversation_id is None) == (body.conversation is None):
        raise ProblemError(422, "invalid_input", "give conversation_id or conversation, not both")
    if body.conversation_id is not None:
        stored = session.get(StoredConversation, body.conversation_id)
        if stored is None or not principal.can_see_conversation(stored):
            raise ProblemError(
                404, "not_found", f"no conversation {body.conversation_id!r} you can see"
            )
        conversation = to_conversation(stored)
    else:
        assert body.conversation is not None
        conversation = body.conversation
    return AssistSession(conversation).check_draft(body.text)


__all__ = ["Context", "router"]
