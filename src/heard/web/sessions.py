"""Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, and the
session itself in the database, so that every worker of ``heard serve --workers N`` shares it
and a restart signs nobody out.

A session is a ``live_sessions`` row of kind ``web``. The cookie never holds the API key, and
the row never holds the cookie: its id is the SHA-256 of the cookie's id, so someone who can
read the database cannot turn a row back into a cookie. Its ``state`` holds the SHA-256 of the
key the session was opened with (the same hash the users table stores) and a CSRF token for the
session's forms; ``created_at`` and ``last_seen`` give its lifetime and idle timeout. Every
request looks the key hash up again, so a revoked or re-issued key ends its sessions at once and
a changed role or team applies on the next click.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from heard.service.auth import Principal, principal_of
from heard.store import live
from heard.store.models import LiveSession, User
from heard.store.repository import now

SESSION_COOKIE = "heard_session"
LOGIN_COOKIE = "heard_login"  # the login form's own CSRF token (double submit), before a session
SESSION_TTL_SECONDS = 8 * 3600  # a working day; idle sessions end sooner
IDLE_TIMEOUT_SECONDS = 2 * 3600
# last_seen is written only once it is this stale, so reading a page is not a database write;
# the price is that an idle session may end up to this much sooner than IDLE_TIMEOUT_SECONDS.
TOUCH_SECONDS = 60
# Expired rows are swept at every sign-in, so the table holds only sessions opened within the
# last SESSION_TTL_SECONDS. What a sweep cannot bound is one key holder signing in in a loop:
# a cap per key bounds that (their oldest sessions go first) without letting them sign anyone
# else out, which a cap on the whole table would.
MAX_SESSIONS_PER_KEY = 50
KIND = "web"


def row_id_of(cookie_id: str) -> str:
    return hashlib.sha256(cookie_id.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    id: str  # the row's id: the SHA-256 of the cookie's session id, never the cookie's
    key_hash: str
    csrf_token: str
    created: datetime
    last_seen: datetime


@dataclass(frozen=True)
class WebUser:
    """The signed-in person on one request: who they are now, and their session's CSRF token."""

    principal: Principal
    session_id: str  # the row's id, to sign out with
    csrf_token: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> str:
        return self.principal.role


def _from_row(row: live.Row) -> WebSession | None:
    """The session a row holds, or None for a state this code does not recognise."""
    key_hash, csrf_token = row.state.get("key_hash"), row.state.get("csrf_token")
    if not isinstance(key_hash, str) or not isinstance(csrf_token, str):
        return None
    return WebSession(row.id, key_hash, csrf_token, row.created_at, row.last_seen)


class SessionStore:
    """Web sessions in the ``live_sessions`` table, with an absolute lifetime, an idle timeout
    and a cap per key. It holds only settings: every call works in the caller's database
    session, whose commit (before the response is sent) makes the change visible to every
    worker. A web session's state never changes after sign-in, so its version stays 1."""

    def __init__(
        self,
        *,
        ttl_seconds: float = SESSION_TTL_SECONDS,
        idle_seconds: float = IDLE_TIMEOUT_SECONDS,
        touch_seconds: float = TOUCH_SECONDS,
        max_per_key: int = MAX_SESSIONS_PER_KEY,
        clock: Callable[[], datetime] = now,
    ) -> None:
        if touch_seconds >= idle_seconds:
            raise ValueError("touch_seconds must be well below idle_seconds")
        self.ttl = timedelta(seconds=ttl_seconds)
        self.idle = timedelta(seconds=idle_seconds)
        self.touch = timedelta(seconds=touch_seconds)
        self.max_per_key = max_per_key
        self._clock = clock

    def open(self, db: Session, key_hash: str) -> tuple[str, WebSession]:
        """A new session for ``key_hash``: the id for the browser's cookie, and the session."""
        moment = self._clock()
        cookie_id = secrets.token_urlsafe(32)
        opened = WebSession(
            row_id_of(cookie_id), key_hash, secrets.token_urlsafe(32), moment, moment
        )
        self.sweep(db)
        db.add(
            LiveSession(
                id=opened.id,
                kind=KIND,
                state={"key_hash": key_hash, "csrf_token": opened.csrf_token},
                version=1,
                created_at=moment,
                last_seen=moment,
            )
        )
        db.flush()
        self._cap(db, key_hash)
        return cookie_id, opened

    def get(self, db: Session, cookie_id: str | None) -> WebSession | None:
        """The live session of a cookie's id, or None (unknown, expired, or signed out)."""
        if not cookie_id:
            return None
        moment = self._clock()
        row = live.load(db, KIND, row_id_of(cookie_id), idle=self.idle, now=moment)
        session = None if row is None else _from_row(row)
        if row is None or session is None:
            return None  # an idle row is left to the sweep at the next sign-in
        if moment - session.created > self.ttl:
            self.close(db, row.id)  # removed where the request commits; the sweep gets the rest
            return None
        if moment - session.last_seen > self.touch:
            live.touch(db, row, now=moment)
            session = replace(session, last_seen=moment)
        return session

    def close(self, db: Session, row_id: str) -> None:
        live.remove(db, KIND, row_id)

    def sweep(self, db: Session) -> int:
        """Delete every expired web session; how many there were."""
        return live.sweep(db, KIND, idle=self.idle, max_age=self.ttl, now=self._clock())

    def _cap(self, db: Session, key_hash: str) -> None:
        surplus = db.scalars(
            select(LiveSession.id)
            .where(LiveSession.kind == KIND, LiveSession.state["key_hash"].as_string() == key_hash)
            .order_by(LiveSession.last_seen.desc(), LiveSession.created_at.desc())
            .offset(self.max_per_key)
        ).all()
        if surplus:
            db.execute(
                delete(LiveSession).where(LiveSession.id.in_(surplus)),
                execution_options={"synchronize_session": False},
            )


def store_of(connection: HTTPConnection) -> SessionStore:
    """The app's session settings, made on first use (the app factory knows nothing about
    them; tests put their own here)."""
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
    web_session = store.get(session, connection.cookies.get(SESSION_COOKIE))
    if web_session is None:
        return None
    principal = principal_for(session, web_session.key_hash)
    if principal is None:
        store.close(session, web_session.id)
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
