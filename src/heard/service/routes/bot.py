"""The self-service bot over HTTP, its embeddable chat widget, hand-off packets and metrics.

The widget is public-facing, like survey links: ``POST /v1/bot/sessions`` needs no key and
returns a session token (shown once; only its hash is kept), which every later call of that
session sends as ``X-Bot-Token``. Public calls are rate limited per client address
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
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from heard.bot.handoff import HandoffPacket
from heard.bot.policy import Bot, BotReply, BotSession
from heard.service.auth import Principal
from heard.service.deps import Caller, Context, Manager
from heard.service.ingest import Stored, store_one
from heard.service.problems import ProblemError, responses
from heard.service.ratelimit import RateLimiter, refuse_when_limited

router = APIRouter()
api = APIRouter(prefix="/v1/bot", tags=["bot"])
pages = APIRouter(include_in_schema=False)

DEFAULT_RATE = 60
MAX_SESSIONS = 10_000
IDLE_SECONDS = 2 * 60 * 60
SURVEY_TTL = timedelta(days=14)


@dataclass
class _Live:
    session: BotSession
    token_hash: str
    last_seen: float
    ended: bool = False


@dataclass
class BotService:
    """The bot and its sessions in this process (bounded, least recently used dropped)."""

    bot: Bot
    limiter: RateLimiter
    max_sessions: int = MAX_SESSIONS
    idle_seconds: float = IDLE_SECONDS
    sessions: OrderedDict[str, _Live] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_env(cls) -> BotService:
        from heard.bot.library import open_index
        from heard.bot.routing import RoutingConfig

        index = open_index(os.environ.get("HEARD_BOT_KB") or None)
        routing_file = os.environ.get("HEARD_BOT_ROUTING")
        routing = RoutingConfig.from_yaml(routing_file) if routing_file else None
        rate = int(os.environ.get("HEARD_BOT_RATE") or DEFAULT_RATE)
        return cls(Bot(index, routing=routing), RateLimiter(rate, 60.0))

    def open(self, customer_id: str | None) -> tuple[_Live, str]:
        token = secrets.token_urlsafe(24)
        session = self.bot.session(customer_id=customer_id)
        live = _Live(session, _hash(token), time.monotonic())
        with self.lock:
            self._expire()
            self.sessions[session.id] = live
            while len(self.sessions) > self.max_sessions:
                self.sessions.popitem(last=False)
        return live, token

    def find(self, session_id: str) -> _Live | None:
        with self.lock:
            self._expire()
            live = self.sessions.get(session_id)
            if live is not None:
                live.last_seen = time.monotonic()
                self.sessions.move_to_end(session_id)
            return live

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        for key in [k for k, v in self.sessions.items() if v.last_seen < cutoff]:
            del self.sessions[key]


_service_lock = threading.Lock()


def bot_service(request: Request) -> BotService:
    """The app's bot, made on first use (tests may put their own on ``app.state.bot``)."""
    state = request.app.state
    with _service_lock:
        service = getattr(state, "bot", None)
        if service is None:
            service = BotService.from_env()
            state.bot = service
    assert isinstance(service, BotService)
    return service


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limit(service: BotService, request: Request) -> None:
    refuse_when_limited(service.limiter, request, "bot")


def _session(service: BotService, session_id: str, token: str | None) -> _Live:
    live = service.find(session_id) if len(session_id) <= 64 else None
    # The same answer for an unknown session and a wrong token: neither says which it was.
    if live is None or not token or not hmac.compare_digest(live.token_hash, _hash(token)):
        raise ProblemError(404, "unknown_session", "no bot session with this id and token")
    return live


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
    request: Request, body: Annotated[SessionRequest | None, Body()] = None
) -> SessionCreated:
    service = bot_service(request)
    _limit(service, request)
    live, token = service.open(body.customer_id if body else None)
    greeting = live.session.greet()
    return SessionCreated(
        session_id=live.session.id, token=token, kb=service.bot.index.kb.name, reply=greeting
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
    x_bot_token: Token = None,
) -> BotReply:
    service = bot_service(request)
    _limit(service, request)
    live = _session(service, session_id, x_bot_token)
    if live.ended:
        raise ProblemError(409, "session_ended", "this bot session has ended")
    reply: BotReply = await run_in_threadpool(live.session.reply, body.text)
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
    _limit(service, request)
    live = _session(service, session_id, x_bot_token)
    if live.ended:
        raise ProblemError(409, "session_ended", "this bot session has already ended")
    live.ended = True
    conversation = live.session.transcript()
    stored = await run_in_threadpool(store_one, context, conversation, source="bot")
    survey = await run_in_threadpool(_survey, context, conversation.id)
    return SessionEnded(
        conversation_id=conversation.id,
        outcome=live.session.outcome,
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
def get_handoff(session_id: str, request: Request, principal: Caller) -> HandoffPacket:
    service = bot_service(request)
    live = service.find(session_id) if len(session_id) <= 64 else None
    packet = live.session.handoff if live is not None else None
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
    principal: Caller,
    queue: Annotated[str | None, Query(max_length=200)] = None,
) -> list[HandoffSummary]:
    service = bot_service(request)
    with service.lock:
        lives = list(service.sessions.values())
    found = [
        HandoffSummary(session_id=live.session.id, packet=live.session.handoff)
        for live in lives
        if live.session.handoff is not None
        and (queue is None or live.session.handoff.route.queue == queue)
        and _can_see(principal, live.session.handoff)
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
