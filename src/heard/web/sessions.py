"""Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, and the
session itself on the server.

The cookie never holds the API key. The server keeps, per session, the SHA-256 of the key it
was opened with (the same hash the users table stores), a CSRF token for the session's forms
and an expiry. Every request looks the key hash up again, so a revoked or re-issued key ends
its sessions at once and a changed role or team applies on the next click. Sessions live in
memory: a restart signs everyone out, which is acceptable for a tool served by one process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from heard.service.auth import Principal, principal_of
from heard.store.models import User

SESSION_COOKIE = "heard_session"
LOGIN_COOKIE = "heard_login"  # the login form's own CSRF token (double submit), before a session
SESSION_TTL_SECONDS = 8 * 3600  # a working day; idle sessions end sooner
IDLE_TIMEOUT_SECONDS = 2 * 3600
MAX_SESSIONS = 10_000


@dataclass
class WebSession:
    id: str
    key_hash: str
    csrf_token: str
    created: float
    last_seen: float


@dataclass(frozen=True)
class WebUser:
    """The signed-in person on one request: who they are now, and their session's CSRF token."""

    principal: Principal
    session_id: str
    csrf_token: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> str:
        return self.principal.role


class SessionStore:
    """Sessions in memory, with an absolute lifetime, an idle timeout and a size cap (the
    oldest go first), safe to use from the server's worker threads."""

    def __init__(
        self,
        *,
        ttl_seconds: float = SESSION_TTL_SECONDS,
        idle_seconds: float = IDLE_TIMEOUT_SECONDS,
        max_sessions: int = MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self._clock = clock
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def open(self, key_hash: str) -> WebSession:
        moment = self._clock()
        session = WebSession(
            id=secrets.token_urlsafe(32),
            key_hash=key_hash,
            csrf_token=secrets.token_urlsafe(32),
            created=moment,
            last_seen=moment,
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> WebSession | None:
        if not session_id:
            return None
        moment = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if (
                moment - session.created > self.ttl_seconds
                or moment - session.last_seen > self.idle_seconds
            ):
                del self._sessions[session_id]
                return None
            session.last_seen = moment
            return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)


def store_of(connection: HTTPConnection) -> SessionStore:
    """The app's session store, made on first use (the app factory knows nothing about it)."""
    state = connection.app.state
    store = getattr(state, "web_sessions", None)
    if store is None:
        store = SessionStore()
        state.web_sessions = store
    assert isinstance(store, SessionStore)
    return store


def principal_for(session: Session, key_hash: str) -> Principal | None:
    user = session.scalar(select(User).where(User.api_key_hash == key_hash))
    return None if user is None else principal_of(user)


def web_user(connection: HTTPConnection, session: Session) -> WebUser | None:
    """The signed-in user of a request or WebSocket, or None (no cookie, an expired session, or
    a key revoked since sign-in, which also closes the session)."""
    store = store_of(connection)
    web_session = store.get(connection.cookies.get(SESSION_COOKIE))
    if web_session is None:
        return None
    principal = principal_for(session, web_session.key_hash)
    if principal is None:
        store.close(web_session.id)
        return None
    return WebUser(principal, web_session.id, web_session.csrf_token)


def same_origin(connection: HTTPConnection) -> bool:
    """Whether a browser's Origin header, when it sends one, names this site. A WebSocket
    handshake carries cookies whatever page opened it, so the origin must be checked."""
    origin = connection.headers.get("origin")
    if not origin:
        return True
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


def principal_from_cookie(connection: HTTPConnection, session: Session) -> Principal | None:
    """For the API's WebSocket: the principal of the browser's session cookie, if any (and
    only when the page that opened it is one of this site's)."""
    if not same_origin(connection):
        return None
    user = web_user(connection, session)
    return None if user is None else user.principal


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(str(given), expected)
