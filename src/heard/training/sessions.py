"""Role-plays in progress, in memory: keyed by an unguessable id, dropped when idle too long.

A server keeps one :class:`ActiveSessions`; each entry has its own lock so two requests for
the same session (a double click) are answered one after the other, never interleaved.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from heard.training.simulator import Simulator

IDLE_SECONDS = 30 * 60
CAPACITY = 500


@dataclass
class ActiveSession:
    id: str
    owner: str  # the key holder's name: only they may play it
    trainee_id: str
    simulator: Simulator
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    touched: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ActiveSessions:
    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.capacity = capacity
        self._now = clock
        self._sessions: OrderedDict[str, ActiveSession] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, owner: str, trainee_id: str, simulator: Simulator) -> ActiveSession:
        entry = ActiveSession(
            id="tr_" + secrets.token_urlsafe(16),
            owner=owner,
            trainee_id=trainee_id,
            simulator=simulator,
            touched=self._now(),
        )
        with self._lock:
            self._expire()
            self._sessions[entry.id] = entry
            while len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)  # the least recently used goes first
        return entry

    def get(self, session_id: str, owner: str) -> ActiveSession | None:
        with self._lock:
            self._expire()
            entry = self._sessions.get(session_id)
            if entry is None or entry.owner != owner:
                return None
            entry.touched = self._now()
            self._sessions.move_to_end(session_id)
            return entry

    def remove(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def _expire(self) -> None:
        limit = self._now() - self.idle_seconds
        for session_id in [s for s, e in self._sessions.items() if e.touched < limit]:
            del self._sessions[session_id]

    def __len__(self) -> int:
        return len(self._sessions)
