"""Role-plays in progress, shared by every server worker through the database.

A role-play is a ``live_sessions`` row of kind ``training`` (:mod:`heard.store.live`): what
rebuilds it (scenario, seed, trainee, the key holder who owns it, when it started) and the
agent's turns so far. The simulator is deterministic (the same seed and the same agent turns
give the same conversation), so any worker rebuilds a role-play by replaying those turns; the
empathy openers the suggestions were given, which come from a memory shared across sessions,
are recorded too (:mod:`heard.assist.replay`). Rows idle for 30 minutes count as gone and are
swept when a role-play starts.

Each process keeps the role-plays it rebuilt in an :class:`ActiveSessions` cache (bounded, least
recently used dropped), each entry with the stamp of the row it matches and its own lock, so a
double click within a process is answered one turn after the other. A turn is written with a
compare-and-set on the row's version; when another worker advanced the same role-play first,
the turn is replayed on the stored one and written again (up to ``ATTEMPTS`` times, then
:class:`SessionConflictError`): nothing is lost, and each turn sent is played once.

Replay cost, measured: about 4 ms per agent turn (the listening engine annotates the agent's
turn and the customer's reply; 12 ms for the opening and three turns), so a long role-play
rebuilds in a tenth of a second, and only on a worker whose copy is not current.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from heard.assist.openers import default_opener_memory
from heard.assist.replay import Replay
from heard.store import live
from heard.store.repository import now
from heard.training.scenario import Scenario, builtin_scenarios
from heard.training.simulator import CustomerMessage, Simulator, TurnResult

KIND = "training"
IDLE_SECONDS = 30 * 60
CAPACITY = 500
ATTEMPTS = 3

T = TypeVar("T")


class SessionGoneError(LookupError):
    """No such role-play of this key holder's (never started, ended, or idle too long)."""


class SessionConflictError(RuntimeError):
    """The role-play kept changing on other workers while this request tried to advance it."""


@dataclass
class ActiveSession:
    id: str
    owner: str  # the key holder's name: only they may play it
    trainee_id: str
    simulator: Simulator
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    touched: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    replay: Replay | None = None
    stamp: tuple[int, str] | None = None  # the stored row this copy is (None: not stored)


class ActiveSessions:
    """Role-plays held in this process's memory: bounded, dropped when idle too long."""

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
        )
        return self.put(entry)

    def put(self, entry: ActiveSession) -> ActiveSession:
        entry.touched = self._now()
        with self._lock:
            self._expire()
            self._sessions[entry.id] = entry
            self._sessions.move_to_end(entry.id)
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


class SharedSessions:
    """Role-plays stored in ``live_sessions``, with this process's rebuilt copies cached.

    Every method takes the request's database session; the caller commits it."""

    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        capacity: int = CAPACITY,
        clock: Callable[[], datetime] = now,
        scenarios: Callable[[], tuple[Scenario, ...]] = builtin_scenarios,
    ) -> None:
        self.idle = timedelta(seconds=idle_seconds)
        self.capacity = capacity
        self._now = clock
        self._scenarios = scenarios
        self.cache = ActiveSessions(idle_seconds=idle_seconds, capacity=capacity)

    def start(
        self, session: Session, owner: str, trainee_id: str, scenario: Scenario, seed: int
    ) -> tuple[ActiveSession, list[CustomerMessage]]:
        now = self._now()
        live.sweep(session, KIND, idle=self.idle, capacity=self.capacity - 1, now=now)
        replay = Replay(default_opener_memory())
        simulator = Simulator(scenario, seed=seed, trainee_id=trainee_id, openers=replay.openers)
        opening = simulator.start()
        entry = ActiveSession(
            id="tr_" + secrets.token_urlsafe(16),
            owner=owner,
            trainee_id=trainee_id,
            simulator=simulator,
            started_at=now,
            replay=replay,
        )
        state = {
            "owner": owner,
            "trainee_id": trainee_id,
            "scenario_id": scenario.id,
            "seed": seed,
            "started_at": now.isoformat(),
            "turns": [],
            "replay": replay.as_json(),
        }
        entry.stamp = live.create(session, KIND, entry.id, state, now=now).stamp
        self.cache.put(entry)
        return entry, opening

    def turn(
        self, session: Session, session_id: str, owner: str, text: str, *, interrupted: bool
    ) -> TurnResult:
        """Play one agent turn; SessionOverError or ValueError as :meth:`Simulator.agent_turn`."""
        for _ in range(ATTEMPTS):
            row, entry = self._current(session, session_id, owner)
            with entry.lock:
                if entry.stamp != row.stamp:
                    continue  # advanced while this request waited for the lock: read again
                try:
                    result = entry.simulator.agent_turn(text, interrupted=interrupted)
                    assert entry.replay is not None
                    turns = [*row.state["turns"], {"text": text, "interrupted": interrupted}]
                    state = {**row.state, "turns": turns, "replay": entry.replay.as_json()}
                    saved = live.save(session, row, state, now=self._now())
                except BaseException:
                    self.cache.remove(session_id)  # the copy may be ahead of the stored row
                    raise
                if saved is None:
                    # Another worker played a turn first: replay onto the stored session.
                    self.cache.remove(session_id)
                    continue
                entry.stamp = saved.stamp
                return result
        raise SessionConflictError(session_id)

    def read(
        self, session: Session, session_id: str, owner: str, look: Callable[[Simulator], T]
    ) -> T:
        """Something read from the role-play (its hints); it counts as activity."""
        for _ in range(ATTEMPTS):
            row, entry = self._current(session, session_id, owner)
            with entry.lock:
                if entry.stamp != row.stamp:
                    continue
                found = look(entry.simulator)
            live.touch(session, row, now=self._now())
            return found
        raise SessionConflictError(session_id)

    def end(
        self,
        session: Session,
        session_id: str,
        owner: str,
        finish: Callable[[ActiveSession], T],
    ) -> T:
        """Remove the role-play and ``finish`` it (debrief, store) in the same transaction: of
        two requests ending it at once, only one finishes it."""
        for _ in range(ATTEMPTS):
            row, entry = self._current(session, session_id, owner)
            with entry.lock:
                if entry.stamp != row.stamp:
                    continue
                removed = live.delete_row(session, row)
                self.cache.remove(session_id)
                if removed:
                    return finish(entry)
        raise SessionConflictError(session_id)

    def _current(
        self, session: Session, session_id: str, owner: str
    ) -> tuple[live.Row, ActiveSession]:
        """The stored row and a copy of the role-play that matches it (cached or rebuilt)."""
        row = live.load(session, KIND, session_id, idle=self.idle, now=self._now())
        # The same answer for someone else's role-play as for none at all.
        if row is None or row.state.get("owner") != owner:
            raise SessionGoneError(session_id)
        entry = self.cache.get(session_id, owner)
        if entry is None or entry.stamp != row.stamp:
            entry = self.cache.put(self.rebuild(row))
        return row, entry

    def rebuild(self, row: live.Row) -> ActiveSession:
        """The role-play a stored row describes, its turns replayed."""
        state: dict[str, Any] = row.state
        scenario = next((s for s in self._scenarios() if s.id == state["scenario_id"]), None)
        if scenario is None:  # no longer shipped: nothing to continue
            raise SessionGoneError(row.id)
        replay = Replay.from_json(default_opener_memory(), state.get("replay"))
        simulator = Simulator(
            scenario, seed=state["seed"], trainee_id=state["trainee_id"], openers=replay.openers
        )
        simulator.start()
        for turn in state["turns"]:
            simulator.agent_turn(turn["text"], interrupted=turn["interrupted"])
        return ActiveSession(
            id=row.id,
            owner=state["owner"],
            trainee_id=state["trainee_id"],
            simulator=simulator,
            started_at=datetime.fromisoformat(state["started_at"]),
            replay=replay,
            stamp=row.stamp,
        )
