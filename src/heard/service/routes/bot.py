"""The self-service bot over HTTP, its embeddable chat widget, hand-off packets and metrics.

The widget is public-facing, like survey links: ``POST /v1/bot/sessions`` needs no key and
returns a session token (shown once; only its hash is kept), which every later call of that
session sends as ``X-Bot-Token``. Chats are kept in the database (:class:`BotService`), so any
worker of ``heard serve --workers N`` continues them and a restart keeps them; they are gone
after two idle hours. Public calls are rate limited per client address
(``HEARD_BOT_RATE`` per minute, 60 by default). Hand-off packets are for staff: any API key
(agent, supervisor or admin; a supervisor sees the packets routed to their teams and those
routed to no team). Metrics need a supervisor or admin key.

Configuration (environment): ``HEARD_BOT_KB`` — the knowledge base (an imported KB's name, a
folder or KB files; the bundled ``shop`` example by default); ``HEARD_BOT_ROUTING`` — a routing
YAML file; ``HEARD_BOT_RATE`` — public requests per client per minute.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from heard.assist.replay import Replay
from heard.bot.handoff import HandoffPacket
from heard.bot.policy import Bot, BotReply, BotSession
from heard.conversation import Channel
from heard.service.auth import Principal
from heard.service.deps import Caller, Context, Manager
from heard.service.ingest import Stored, store_one
from heard.service.problems import ProblemError, responses
from heard.service.ratelimit import RateLimiter, refuse_when_limited
from heard.store import Database, live
from heard.store.repository import now

router = APIRouter()
api = APIRouter(prefix="/v1/bot", tags=["bot"])
pages = APIRouter(include_in_schema=False)

DEFAULT_RATE = 60
MAX_SESSIONS = 10_000
IDLE_SECONDS = 2 * 60 * 60
KIND = "bot"
ATTEMPTS = 3
SURVEY_TTL = timedelta(days=14)


_T = TypeVar("_T")


@dataclass
class _Live:
    """A chat rebuilt in this process, and the stored row it matches."""

    session: BotSession
    replay: Replay
    stamp: tuple[int, str]
    used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class BotService:
    """The bot, its chats in ``live_sessions`` (kind ``bot``) and this process's rebuilt copies.

    A chat's row holds what rebuilds it — the customer id, the token's hash, whether it ended,
    every input so far (the greeting, the customer's messages) and the clock readings and
    empathy openers the bot used (:mod:`heard.assist.replay`) — and its hand-off packet, so
    staff read packets without rebuilding anything. The bot is deterministic given those, so
    any worker continues a chat by replaying it. Replaying costs about 4–5 ms per customer
    message (the listening engine annotates each message and each reply; measured: 35 ms for
    an 8-message chat), and happens only on a worker whose copy is not current.

    A message is written with a compare-and-set on the row's version; if the same chat moved on
    another worker meanwhile (a double click), the message is replayed onto the stored chat and
    written again, up to ``ATTEMPTS`` times, then refused with 409 ``conflict``: each message
    sent is answered once, and none is lost.
    """

    bot: Bot
    limiter: RateLimiter
    max_sessions: int = MAX_SESSIONS
    idle_seconds: float = IDLE_SECONDS
    clock: Callable[[], datetime] = now
    sessions: OrderedDict[str, _Live] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_env(cls, database: Database) -> BotService:
        from heard.bot.library import open_index
        from heard.bot.routing import RoutingConfig

        index = open_index(os.environ.get("HEARD_BOT_KB") or None)
        routing_file = os.environ.get("HEARD_BOT_ROUTING")
        routing = RoutingConfig.from_yaml(routing_file) if routing_file else None
        rate = int(os.environ.get("HEARD_BOT_RATE") or DEFAULT_RATE)
        return cls(
            Bot(index, routing=routing), RateLimiter(rate, 60.0, database=database, scope="bot")
        )

    @property
    def idle(self) -> timedelta:
        return timedelta(seconds=self.idle_seconds)

    def open(self, database: Database, customer_id: str | None) -> tuple[BotSession, str, BotReply]:
        """A new chat, greeted: its session, its token (shown once) and the greeting."""
        token = secrets.token_urlsafe(24)
        replay = Replay(self.bot.openers)
        session = self.bot.session(
            customer_id=customer_id, clock=replay.now, openers=replay.openers
        )
        greeting = session.greet()
        state = {
            "customer_id": customer_id,
            "channel": session.channel.value,
            "token_hash": _hash(token),
            "ended": False,
            "inputs": [{"op": "greet"}],
            "replay": replay.as_json(),
            "handoff": None,
        }
        now = self.clock()
        with database.session() as db:
            live.sweep(db, KIND, idle=self.idle, capacity=self.max_sessions - 1, now=now)
            row = live.create(db, KIND, session.id, state, now=now)
        self._keep(_Live(session, replay, row.stamp))
        return session, token, greeting

    def message(
        self, database: Database, session_id: str, token: str | None, text: str
    ) -> BotReply:
        """The customer's message, answered."""

        def answer(row: live.Row, current: _Live) -> BotReply | None:
            try:
                reply = current.session.reply(text)
                inputs = [*row.state["inputs"], {"op": "message", "text": text}]
                saved = self._save(database, row, current, {"inputs": inputs})
            except BaseException:
                self._drop(session_id)  # the copy may be ahead of the stored row
                raise
            return reply if saved else None

        return self._advance(database, session_id, token, "this bot session has ended", answer)

    def end(self, database: Database, session_id: str, token: str | None) -> BotSession:
        """Mark the chat ended (once: a second end, on any worker, is refused)."""

        def close(row: live.Row, current: _Live) -> BotSession | None:
            return current.session if self._save(database, row, current, {"ended": True}) else None

        return self._advance(
            database, session_id, token, "this bot session has already ended", close
        )

    def _advance(
        self,
        database: Database,
        session_id: str,
        token: str | None,
        ended: str,
        step: Callable[[live.Row, _Live], _T | None],
    ) -> _T:
        """Run ``step`` on a current copy of the chat; ``step`` answers None when its write lost
        the compare-and-set, and the chat is read again, up to ``ATTEMPTS`` times."""
        for _ in range(ATTEMPTS):
            row = self._authorised(database, session_id, token)
            if row.state["ended"]:
                raise ProblemError(409, "session_ended", ended)
            current = self._current(row)
            with current.lock:
                if current.stamp != row.stamp:
                    continue  # it moved on while this request waited: read it again
                result = step(row, current)
                if result is not None:
                    return result
        raise _conflict()

    def handoff(self, database: Database, session_id: str) -> HandoffPacket | None:
        with database.session() as db:
            row = live.load(db, KIND, session_id, idle=self.idle, now=self.clock())
        return _packet(row) if row is not None else None

    def handoffs(self, database: Database) -> list[tuple[str, HandoffPacket]]:
        """Every live chat's hand-off packet (chats not handed off have none)."""
        with database.session() as db:
            rows = live.live_rows(db, KIND, idle=self.idle, now=self.clock())
        found = [(row.id, _packet(row)) for row in rows]
        return [(row_id, packet) for row_id, packet in found if packet is not None]

    def _authorised(self, database: Database, session_id: str, token: str | None) -> live.Row:
        row = None
        if len(session_id) <= 64 and token:
            with database.session() as db:
                row = live.load(db, KIND, session_id, idle=self.idle, now=self.clock())
        # The same answer for an unknown session and a wrong token: neither says which it was.
        if row is None or not hmac.compare_digest(row.state["token_hash"], _hash(token or "")):
            raise ProblemError(404, "unknown_session", "no bot session with this id and token")
        return row

    def _save(
        self, database: Database, row: live.Row, current: _Live, change: dict[str, Any]
    ) -> bool:
        """Write the chat as ``current`` now is (compare-and-set); False if it moved on."""
        packet = current.session.handoff
        state = {
            **row.state,
            **change,
            "replay": current.replay.as_json(),
            "handoff": packet.model_dump(mode="json") if packet is not None else None,
        }
        with database.session() as db:
            saved = live.save(db, row, state, now=self.clock())
        if saved is None:
            # Another worker wrote it first: this copy is ahead of nothing stored.
            self._drop(row.id)
            return False
        current.stamp = saved.stamp
        return True

    def _current(self, row: live.Row) -> _Live:
        """A copy of the chat matching the stored row: this process's, or rebuilt."""
        with self.lock:
            self._expire()
            cached = self.sessions.get(row.id)
            if cached is not None:
                cached.used = time.monotonic()
                self.sessions.move_to_end(row.id)
        if cached is not None and cached.stamp == row.stamp:
            return cached
        return self._keep(self.rebuild(row))

    def rebuild(self, row: live.Row) -> _Live:
        """The chat a stored row describes, its inputs replayed."""
        state = row.state
        replay = Replay.from_json(self.bot.openers, state.get("replay"))
        session = self.bot.session(
            row.id,
            channel=Channel(state["channel"]),
            customer_id=state["customer_id"],
            clock=replay.now,
            openers=replay.openers,
        )
        for step in state["inputs"]:
            if step["op"] == "greet":
                session.greet()
            else:
                session.reply(step["text"])
        return _Live(session, replay, row.stamp)

    def _keep(self, current: _Live) -> _Live:
        with self.lock:
            self._expire()
            self.sessions[current.session.id] = current
            self.sessions.move_to_end(current.session.id)
            while len(self.sessions) > self.max_sessions:
                self.sessions.popitem(last=False)
        return current

    def _drop(self, session_id: str) -> None:
        with self.lock:
            self.sessions.pop(session_id, None)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        for key in [k for k, v in self.sessions.items() if v.used < cutoff]:
            del self.sessions[key]


def _packet(row: live.Row) -> HandoffPacket | None:
    data = row.state.get("handoff")
    return HandoffPacket.model_validate(data) if data is not None else None


def _conflict() -> ProblemError:
    return ProblemError(
        409, "conflict", "this bot session changed at the same time elsewhere: send it again"
    )


_service_lock = threading.Lock()


def bot_service(request: Request) -> BotService:
    """The app's bot, made on first use (tests may put their own on ``app.state.bot``)."""
    state = request.app.state
    with _service_lock:
        service = getattr(state, "bot", None)
        if service is None:
            service = BotService.from_env(request.app.state.context.database)
            state.bot = service
    assert isinstance(service, BotService)
    return service


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limit(service: BotService, request: Request) -> None:
    # Counted in the database: async handlers call this in a worker thread.
    refuse_when_limited(service.limiter, request, "bot")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionRequest(_Strict):
    customer_id: str | None = Field(default=None, max_length=200)


class SessionCreated(BaseModel):
    session_id: str
    token: str = Field(description="Send as X-Bot-Token on every call of this session; shown once.")
    kb: str
    reply: BotReply = Field(description="The bot's greeting.")


class MessageRequest(_Strict):
    text: str = Field(min_length=1, max_length=4000)


class SurveyLink(BaseModel):
    token: str
    path: str


class SessionEnded(BaseModel):
    conversation_id: str
    outcome: str = Field(description="contained (bot only) or handed_off")
    stored: Stored
    survey: SurveyLink | None = Field(
        default=None, description="A CSAT survey for the customer (answer it at /v1/public)."
    )


class HandoffSummary(BaseModel):
    session_id: str
    packet: HandoffPacket


Token = Annotated[str | None, Header(alias="X-Bot-Token", max_length=200)]


@api.post(
    "/sessions",
    status_code=201,
    response_model=SessionCreated,
    summary="Start a conversation with the bot (no key needed)",
    responses=responses(422, 429),
)
def start_session(
    request: Request, context: Context, body: Annotated[SessionRequest | None, Body()] = None
) -> SessionCreated:
    service = bot_service(request)
    _limit(service, request)
    session, token, greeting = service.open(context.database, body.customer_id if body else None)
    return SessionCreated(
        session_id=session.id, token=token, kb=service.bot.index.kb.name, reply=greeting
    )


@api.post(
    "/sessions/{session_id}/messages",
    response_model=BotReply,
    summary="Send the customer's message; the bot's reply says what it decided and why",
    responses=responses(404, 409, 422, 429),
)
async def send_message(
    session_id: str,
    body: Annotated[MessageRequest, Body()],
    request: Request,
    context: Context,
    x_bot_token: Token = None,
) -> BotReply:
    service = bot_service(request)
    await run_in_threadpool(_limit, service, request)
    reply: BotReply = await run_in_threadpool(
        service.message, context.database, session_id, x_bot_token, body.text
    )
    return reply


@api.post(
    "/sessions/{session_id}/end",
    response_model=SessionEnded,
    summary="End the conversation: it is stored and analysed, and a CSAT survey is made",
    responses=responses(404, 409, 429),
)
async def end_session(
    session_id: str, request: Request, context: Context, x_bot_token: Token = None
) -> SessionEnded:
    service = bot_service(request)
    await run_in_threadpool(_limit, service, request)
    session = await run_in_threadpool(service.end, context.database, session_id, x_bot_token)
    conversation = session.transcript()
    stored = await run_in_threadpool(store_one, context, conversation, source="bot")
    survey = await run_in_threadpool(_survey, context, conversation.id)
    return SessionEnded(
        conversation_id=conversation.id,
        outcome=session.outcome,
        stored=stored,
        survey=survey,
    )


def _survey(context: Any, conversation_id: str) -> SurveyLink | None:
    from heard.feedback.surveys import FeedbackError, create_survey, survey_path

    try:
        with context.database.session() as session:
            token = create_survey(session, conversation_id, "csat", ttl=SURVEY_TTL)
    except FeedbackError:
        return None
    return SurveyLink(token=token, path=survey_path(token))


def _can_see(principal: Principal, packet: HandoffPacket) -> bool:
    if principal.role != "supervisor":
        return True
    return packet.route.team is None or packet.route.team in principal.team_ids


@api.get(
    "/sessions/{session_id}/handoff",
    response_model=HandoffPacket,
    summary="The hand-off packet of a session (staff keys)",
    responses=responses(401, 404),
)
def get_handoff(
    session_id: str, request: Request, context: Context, principal: Caller
) -> HandoffPacket:
    service = bot_service(request)
    packet = service.handoff(context.database, session_id) if len(session_id) <= 64 else None
    if packet is None or not _can_see(principal, packet):
        raise ProblemError(404, "not_found", f"no hand-off for bot session {session_id!r}")
    return packet


@api.get(
    "/handoffs",
    response_model=list[HandoffSummary],
    summary="Conversations the bot handed off, newest first (staff keys)",
    responses=responses(401),
)
def list_handoffs(
    request: Request,
    context: Context,
    principal: Caller,
    queue: Annotated[str | None, Query(max_length=200)] = None,
) -> list[HandoffSummary]:
    service = bot_service(request)
    found = [
        HandoffSummary(session_id=session_id, packet=packet)
        for session_id, packet in service.handoffs(context.database)
        if (queue is None or packet.route.queue == queue) and _can_see(principal, packet)
    ]
    found.sort(key=lambda item: item.packet.created_at, reverse=True)
    return found


@api.get(
    "/metrics",
    summary="Containment and hand-off rates, and CSAT after bot-only vs handed-off chats",
    responses=responses(401, 403),
)
async def metrics(context: Context, principal: Manager) -> dict[str, Any]:
    from heard.bot.metrics import bot_metrics

    def compute() -> dict[str, Any]:
        with context.database.session() as session:
            return bot_metrics(session, team_ids=None if principal.is_admin else principal.team_ids)

    return await run_in_threadpool(compute)


# -- the widget ---------------------------------------------------------------------------------


def _widget_file(name: str) -> str:
    return resources.files("heard.bot").joinpath("widget", name).read_text(encoding="utf-8")


@pages.get("/bot/widget", response_class=HTMLResponse)
def widget_page() -> HTMLResponse:
    return HTMLResponse(
        _widget_file("index.html"),
        headers={"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"},
    )


@pages.get("/bot/widget.js")
def widget_script() -> Response:
    return Response(
        _widget_file("widget.js"),
        media_type="text/javascript",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=300"},
    )


# Everything the page needs comes from this server: no CDN, no inline script.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors *"
)

router.include_router(api)
router.include_router(pages)
