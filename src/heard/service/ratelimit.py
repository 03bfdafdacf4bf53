"""Rate limits for the public (unauthenticated) endpoints, counted in the database so that
every worker of ``heard serve --workers N`` shares one budget per client."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.requests import Request

from heard.service.problems import ProblemError
from heard.store import Database, ratelimits
from heard.store.repository import now


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (a sliding window), across every
    process that uses the same database and ``scope``.

    Events are rows of ``rate_limit_hits`` (:mod:`heard.store.ratelimits`, which says what is
    guaranteed under concurrency); keys are stored hashed. Each check deletes the key's expired
    events, and once per window this process also sweeps everyone's, so the table holds little
    more than one window's events.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        database: Database,
        scope: str,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.limit = limit
        self.window = window
        self.database = database
        self.scope = scope
        self._clock = clock
        self._swept_at: datetime | None = None
        self._sweep_lock = threading.Lock()

    @property
    def _span(self) -> timedelta:
        return timedelta(seconds=self.window)

    def check(self, key: str) -> float | None:
        """Record one event for ``key``; None when allowed, else the seconds to wait.

        Blocks on the database: call it from a worker thread, not the event loop."""
        now = self._clock()
        with self.database.session() as session:
            wait = ratelimits.hit(
                session, self.scope, key, limit=self.limit, window=self._span, now=now
            )
        if self._sweep_due(now):
            self.sweep(now)
        return wait

    def sweep(self, now: datetime | None = None) -> int:
        """Delete this scope's events that have left the window (every client's); how many."""
        with self.database.session() as session:
            return ratelimits.sweep(
                session, self.scope, window=self._span, now=now or self._clock()
            )

    def _sweep_due(self, now: datetime) -> bool:
        # Once per window per process is enough to bound the table, and keeps the sweep (a scan
        # of the scope's rows) off nearly every request.
        with self._sweep_lock:
            if self._swept_at is not None and now - self._swept_at < self._span:
                return False
            self._swept_at = now
            return True


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def refuse_when_limited(limiter: RateLimiter, request: Request, what: str) -> None:
    """Refuse with 429 and Retry-After when this client has made too many ``what`` requests."""
    client = request.client.host if request.client else "unknown"
    wait = limiter.check(client)
    if wait is not None:
        raise ProblemError(
            429,
            "rate_limited",
            f"too many {what} requests from this address; try again shortly",
            headers={"Retry-After": retry_after(wait)},
        )
