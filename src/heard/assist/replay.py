"""What an assisted session takes from outside its own inputs, recorded so a replay agrees.

A bot chat and a role-play are rebuilt on any server worker by replaying their inputs. Two
things would differ on a replay: the wall-clock times of the turns, and the empathy openers,
which rotate through a memory shared by every session of a process (so they depend on the other
conversations that process had). :class:`Replay` records both while the session runs live and,
given the recording back, returns the same readings in the same order; past the end of the
recording it reads the real clock and the shared memory again, and records those.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from heard.assist.openers import Opener, OpenerMemory


class _Openers(OpenerMemory):
    """The shared memory, with the choices already recorded handed back first."""

    def __init__(self, shared: OpenerMemory, chosen: list[str | None]) -> None:
        super().__init__(shared.bank, agents=1, per_agent=1)
        self.shared = shared
        self.chosen = chosen
        self.position = 0

    def choose(
        self, agent_id: str | None, emotion: str, *, seed: str, with_situation: bool
    ) -> Opener | None:
        if self.position < len(self.chosen):
            recorded = self.chosen[self.position]
            self.position += 1
            candidates = self.bank.candidates(emotion, with_situation=with_situation)
            found = next((o for o in candidates if o.id == recorded), None)
            if found is not None or recorded is None:
                return found
            # The bank changed since (a new release): choose again rather than fail.
            return self.shared.choose(agent_id, emotion, seed=seed, with_situation=with_situation)
        choice = self.shared.choose(agent_id, emotion, seed=seed, with_situation=with_situation)
        self.chosen.append(choice.id if choice is not None else None)
        self.position += 1
        return choice

    def recent(self, agent_id: str | None) -> list[str]:
        return self.shared.recent(agent_id)


class Replay:
    """Clock readings and opener choices: recorded live, handed back in order on a replay."""

    def __init__(
        self,
        shared: OpenerMemory,
        *,
        times: list[str] | None = None,
        openers: list[str | None] | None = None,
    ) -> None:
        self.times = list(times or [])
        self._time_position = 0
        self.openers: OpenerMemory = _Openers(shared, list(openers or []))

    @classmethod
    def from_json(cls, shared: OpenerMemory, data: dict[str, Any] | None) -> Replay:
        data = data or {}
        return cls(shared, times=data.get("times"), openers=data.get("openers"))

    def now(self) -> datetime:
        if self._time_position < len(self.times):
            moment = datetime.fromisoformat(self.times[self._time_position])
        else:
            moment = datetime.now(UTC)
            self.times.append(moment.isoformat())
        self._time_position += 1
        return moment

    def as_json(self) -> dict[str, Any]:
        assert isinstance(self.openers, _Openers)
        return {"times": list(self.times), "openers": list(self.openers.chosen)}
