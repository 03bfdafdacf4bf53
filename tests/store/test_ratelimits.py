"""Rate limits counted in the database: two ``Database`` objects on one database stand in for
two workers of ``heard serve --workers 2``; every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from heard.service.ratelimit import RateLimiter
from heard.store import Database
from heard.store.live import utc
from heard.store.models import RateLimitHit
from heard.store.ratelimits import digest

from .conftest import ManualClock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADDRESS = "203.0.113.7"


@pytest.fixture
def other(database: Database) -> Iterator[Database]:
    """A second worker's connection to the same database."""
    opened = Database(database.url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def limiters(
    clock: Callable[[], datetime], *databases: Database, limit: int = 3, scope: str = "bot"
) -> list[RateLimiter]:
    return [RateLimiter(limit, 60.0, database=db, scope=scope, clock=clock) for db in databases]


def hits(database: Database) -> list[tuple[str, str, datetime]]:
    with database.session() as session:
        rows = session.execute(select(RateLimitHit.scope, RateLimitHit.key, RateLimitHit.at))
        return [(scope, key, at) for scope, key, at in rows]


def test_two_workers_share_one_budget(
    database: Database, other: Database, clock: ManualClock
) -> None:
    first, second = limiters(clock, database, other)
    assert first.check(ADDRESS) is None
    clock.advance(10)
    assert second.check(ADDRESS) is None
    clock.advance(10)
    assert first.check(ADDRESS) is None
    clock.advance(5)
    # The oldest hit (at 0 s) leaves the window at 60 s; it is now 25 s.
    assert second.check(ADDRESS) == pytest.approx(35.0)
    assert first.check(ADDRESS) == pytest.approx(35.0)
    assert second.check("198.51.100.1") is None  # another client has its own budget
    clock.advance(35)
    assert second.check(ADDRESS) is None
    assert first.check(ADDRESS) == pytest.approx(10.0)  # now the hit at 10 s must leave
    clock.advance(60)
    assert [first.check(ADDRESS), second.check(ADDRESS), first.check(ADDRESS)] == [None] * 3


def test_scopes_are_counted_apart(database: Database, clock: ManualClock) -> None:
    (bot,) = limiters(clock, database, limit=1, scope="bot")
    (survey,) = limiters(clock, database, limit=1, scope="survey")
    assert bot.check(ADDRESS) is None
    assert survey.check(ADDRESS) is None
    assert bot.check(ADDRESS) is not None and survey.check(ADDRESS) is not None


def test_a_lowered_limit_waits_for_enough_hits_to_leave(
    database: Database, clock: ManualClock
) -> None:
    (generous,) = limiters(clock, database, limit=3)
    for _ in range(3):
        assert generous.check(ADDRESS) is None
        clock.advance(10)
    (strict,) = limiters(clock, database, limit=2)  # restarted with a lower limit, at 30 s
    # Under 2 again only once the hits at 0 s and 10 s have both left: at 70 s.
    assert strict.check(ADDRESS) == pytest.approx(40.0)


def test_keys_are_stored_hashed_never_raw(database: Database, clock: ManualClock) -> None:
    (limiter,) = limiters(clock, database)
    limiter.check(ADDRESS)
    (stored,) = hits(database)
    assert stored[1] == digest(ADDRESS) and ADDRESS not in stored[1]
    assert ADDRESS not in repr(stored)
    assert len(stored[1]) == 32 and int(stored[1], 16) >= 0


def test_old_hits_are_swept(database: Database, other: Database, clock: ManualClock) -> None:
    first, second = limiters(clock, database, other)
    for number in range(20):
        assert first.check(f"10.0.0.{number}") is None  # the first check also swept (nothing)
    assert len(hits(database)) == 20
    clock.advance(30)
    second.check("10.0.0.99")  # this worker's first check sweeps, but nothing is old yet
    assert len(hits(database)) == 21
    clock.advance(31)
    first.check("10.0.0.0")  # the key's own old hit goes, and a window since the last sweep
    assert sorted(key for _, key, _ in hits(database)) == sorted(
        [digest("10.0.0.99"), digest("10.0.0.0")]
    )
    assert [utc(at) for *_, at in hits(other)] == [
        START + timedelta(seconds=30),
        START + timedelta(seconds=61),
    ]
    clock.advance(60)
    assert second.sweep() == 2 and hits(database) == []


def test_old_hits_of_other_scopes_are_left_to_their_limiter(
    database: Database, clock: ManualClock
) -> None:
    (bot,) = limiters(clock, database, scope="bot")
    bot.check(ADDRESS)
    clock.advance(61)
    (survey,) = limiters(clock, database, scope="survey")
    assert survey.sweep() == 0
    assert bot.sweep() == 1


def test_concurrent_workers_never_exceed_the_limit(database: Database, other: Database) -> None:
    # The real clock: every attempt falls within one window.
    workers = [RateLimiter(5, 60.0, database=db, scope="bot") for db in (database, other)]

    def attempt(number: int) -> bool:
        return workers[number % 2].check(ADDRESS) is None

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(attempt, range(40)))
    assert allowed == 5
    assert len(hits(database)) == 5
