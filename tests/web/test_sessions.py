"""Web sessions live in the database: every worker of ``heard serve --workers N`` (here, apps
made by ``create_app`` on the same database) serves the same signed-in browser, a restart
signs nobody out, the stored row cannot be turned back into a cookie, and expired rows go."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from heard.service import create_app
from heard.service.auth import hash_key, revoke_key
from heard.store import Database
from heard.store.models import LiveSession
from heard.web.sessions import SESSION_COOKIE, SessionStore
from service.conftest import make_settings
from store.conftest import ManualClock

from .conftest import Site, _build, csrf_of

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Workers:
    """Apps on one database, each with its own engine and memory, as separate processes."""

    def __init__(self, site: Site, stack: ExitStack) -> None:
        self.site = site
        self._stack = stack

    def start(self) -> TestClient:
        """A new worker (or the same server restarted): its first client enters its lifespan."""
        database = Database(self.site.database.url)
        self._stack.callback(database.dispose)
        app = create_app(make_settings(), database, background=False)
        return self._stack.enter_context(TestClient(app, follow_redirects=False))

    def browser(self, worker: TestClient, cookie: str) -> TestClient:
        """The same browser (its session cookie) with its next request landing on ``worker``."""
        worker.cookies.clear()
        worker.cookies.set(SESSION_COOKIE, cookie)
        return worker


@pytest.fixture
def workers(database_url: str) -> Iterator[Workers]:
    """A seeded site on SQLite, then on PostgreSQL, and a way to start more workers on it."""
    site = _build(database_url)
    with ExitStack() as stack:
        stack.callback(site.database.dispose)
        stack.enter_context(TestClient(site.app))
        stack.callback(lambda: [client.close() for client in site._clients])
        yield Workers(site, stack)


def _cookie(browser: TestClient) -> str:
    value = browser.cookies.get(SESSION_COOKIE)
    assert value
    return value


def _web_rows(database: Database) -> list[LiveSession]:
    with database.session() as session:
        return list(session.scalars(select(LiveSession).where(LiveSession.kind == "web")))


def test_every_worker_serves_a_browser_signed_in_on_one(workers: Workers) -> None:
    first = workers.site.signed_in("supervisor")
    csrf = csrf_of(first.get("/followups").text)
    second = workers.browser(workers.start(), _cookie(first))
    queue = second.get("/followups")
    assert queue.status_code == 200 and "sup-orders" in queue.text
    assert csrf_of(queue.text) == csrf  # one session, whichever worker answers
    assert second.post("/logout", data={"csrf": "forged"}).status_code == 403
    out = second.post("/logout", data={"csrf": csrf})  # the token the first worker gave
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # Signed out through the second worker: the first refuses the same cookie at once.
    assert first.get("/followups").status_code == 303
    assert not _web_rows(workers.site.database)


def test_a_session_survives_a_restart(workers: Workers) -> None:
    cookie = _cookie(workers.site.signed_in("agent"))
    restarted = workers.browser(workers.start(), cookie)
    page = restarted.get("/me")
    assert page.status_code == 200 and "My listening scores" in page.text


def test_the_stored_row_holds_neither_the_cookie_nor_the_key(workers: Workers) -> None:
    key = workers.site.keys["admin"]
    browser = workers.site.signed_in("admin")
    cookie = _cookie(browser)
    csrf = csrf_of(browser.get("/followups").text)
    with workers.site.database.session() as session:
        raw = session.execute(text("SELECT * FROM live_sessions")).all()
    assert len(raw) == 1
    dumped = repr(tuple(raw[0]))
    assert cookie not in dumped and key not in dumped and "hk_" not in dumped
    [row] = _web_rows(workers.site.database)
    assert row.id == hashlib.sha256(cookie.encode()).hexdigest()
    assert row.state == {"key_hash": hash_key(key), "csrf_token": csrf}
    # A reader of the table who sends a row's id as a cookie is not signed in.
    assert workers.browser(workers.start(), row.id).get("/followups").status_code == 303


def test_a_revoked_key_deletes_its_session_row(workers: Workers) -> None:
    browser = workers.site.signed_in("agent")
    with workers.site.database.session() as session:
        revoke_key(session, "mia")
    assert browser.get("/").headers["location"] == "/login"
    assert not _web_rows(workers.site.database)


def test_a_page_signs_out_a_browser_idle_too_long(workers: Workers) -> None:
    now = [START]
    settings = SessionStore(idle_seconds=600, touch_seconds=60, clock=lambda: now[0])
    workers.site.app.state.web_sessions = settings
    browser = workers.site.signed_in("supervisor")
    now[0] += timedelta(seconds=590)
    assert browser.get("/followups").status_code == 200  # and last_seen moves on
    now[0] += timedelta(seconds=590)
    assert browser.get("/followups").status_code == 200
    now[0] += timedelta(seconds=610)
    assert browser.get("/followups").status_code == 303


# -- the store itself, on SQLite and PostgreSQL -------------------------------------------------


def _last_seen(database: Database, row_id: str) -> datetime:
    with database.session() as session:
        seen = session.scalar(select(LiveSession.last_seen).where(LiveSession.id == row_id))
    assert seen is not None
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


def test_last_seen_is_written_only_once_stale(database: Database) -> None:
    clock = ManualClock(START)
    store = SessionStore(idle_seconds=600, touch_seconds=60, clock=clock)
    with database.session() as session:
        cookie, opened = store.open(session, "hash")
    for _ in range(5):  # five clicks within the minute: no writes
        clock.advance(10)
        with database.session() as session:
            assert store.get(session, cookie) is not None
        assert _last_seen(database, opened.id) == START
    clock.advance(15)  # 65 s since the last write
    with database.session() as session:
        seen = store.get(session, cookie)
        assert seen is not None and seen.last_seen == clock.now
    assert _last_seen(database, opened.id) == clock.now


def _count(database: Database, kind: str = "web") -> int:
    with database.session() as session:
        counted = session.scalar(
            select(func.count()).select_from(LiveSession).where(LiveSession.kind == kind)
        )
    return int(counted or 0)


def test_signing_in_sweeps_expired_sessions_and_nothing_else(database: Database) -> None:
    clock = ManualClock(START)
    store = SessionStore(ttl_seconds=1000, idle_seconds=100, touch_seconds=10, clock=clock)
    with database.session() as session:
        session.add(  # another kind's row, as old as can be: not the web's to sweep
            LiveSession(
                id="bot-1", kind="bot", state={}, version=1, created_at=START, last_seen=START
            )
        )
        long_lived, _ = store.open(session, "a")
        store.open(session, "b")  # will go idle
    for _ in range(11):  # long_lived is used every 90 s: never idle, up to 990 s old
        clock.advance(90)
        with database.session() as session:
            assert store.get(session, long_lived) is not None
    clock.advance(90)
    with database.session() as session:
        fresh, _ = store.open(session, "c")  # 1080 s on: b idle, long_lived past its lifetime
    assert _count(database) == 1 and _count(database, "bot") == 1
    with database.session() as session:
        assert store.get(session, fresh) is not None and store.get(session, long_lived) is None
    clock.advance(101)
    with database.session() as session:
        assert store.sweep(session) == 1
    assert _count(database) == 0 and _count(database, "bot") == 1


def test_one_key_keeps_only_its_newest_sessions(database: Database) -> None:
    clock = ManualClock(START)
    store = SessionStore(max_per_key=3, clock=clock)
    with database.session() as session:
        other, _ = store.open(session, "other")
    opened = []
    for _ in range(5):
        clock.advance(1)
        with database.session() as session:
            opened.append(store.open(session, "looping")[0])
    with database.session() as session:
        kept = [store.get(session, cookie) is not None for cookie in opened]
        assert kept == [False, False, True, True, True]
        assert store.get(session, other) is not None  # no one else is signed out
