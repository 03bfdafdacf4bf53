"""A small in-process rate limiter for the public (unauthenticated) endpoints."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.requests import Request

from heard.service.problems import ProblemError


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (a sliding window).

    Keys are bounded (least recently seen dropped first) so a flood of distinct clients cannot
    grow memory without limit.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float | None:
        """Record one event for ``key``; None when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                events = deque()
                self._events[key] = events
                if len(self._events) > self.max_keys:
                    self._events.popitem(last=False)
            else:
                self._events.move_to_end(key)
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(events[0] + self.window - now, 0.0)
            events.append(now)
            return None


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
