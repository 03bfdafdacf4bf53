"""Empathy openers: a bank of lines per emotion, and a memory so agents don't sound scripted.

The same "I understand your frustration" in every chat is what customers call robotic (and what
heard's scripted-empathy mark penalises), so the assistant rotates: for each agent it offers the
opener that agent was offered least recently, across all their conversations. Ties between
never-used openers are broken by a hash of the conversation id, so two agents (or two
conversations of a new agent) start at different lines. Deterministic: the same history gives
the same choice.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from heard.listening.labels import NEGATIVE_EMOTIONS

SITUATION = "{situation}"


@dataclass(frozen=True)
class Opener:
    id: str
    emotion: str
    template: str

    @property
    def needs_situation(self) -> bool:
        return SITUATION in self.template

    def render(self, situation: str | None) -> str:
        if not self.needs_situation:
            return self.template
        if not situation:
            raise ValueError(f"opener {self.id} needs the customer's situation")
        return self.template.replace(SITUATION, situation)


class OpenerBankError(ValueError):
    """The opener bank file is malformed (says where)."""


@dataclass(frozen=True)
class OpenerBank:
    specific: dict[str, tuple[Opener, ...]]
    fallback: dict[str, tuple[Opener, ...]]

    @classmethod
    def from_yaml(cls, path: str | Path) -> OpenerBank:
        text = Path(path).read_text(encoding="utf-8")
        return cls.from_data(yaml.safe_load(text), source=str(path))

    @classmethod
    def from_data(cls, data: Any, *, source: str = "opener bank") -> OpenerBank:
        if not isinstance(data, dict):
            raise OpenerBankError(f"{source}: expected a mapping of emotion → list of openers")
        fallback_data = data.get("fallback") or {}
        if not isinstance(fallback_data, dict):
            raise OpenerBankError(f"{source}: 'fallback' must map emotion → list of openers")
        specific = {
            emotion: _openers(lines, emotion, "", source, needs_situation=True)
            for emotion, lines in data.items()
            if emotion != "fallback"
        }
        fallback = {
            emotion: _openers(lines, emotion, "fallback-", source, needs_situation=False)
            for emotion, lines in fallback_data.items()
        }
        known = {emotion.value for emotion in NEGATIVE_EMOTIONS}
        unknown = (set(specific) | set(fallback)) - known
        if unknown:
            raise OpenerBankError(
                f"{source}: unknown emotion(s) {sorted(unknown)}; use {sorted(known)}"
            )
        return cls(specific, fallback)

    def candidates(self, emotion: str, *, with_situation: bool) -> tuple[Opener, ...]:
        if with_situation and self.specific.get(emotion):
            return self.specific[emotion]
        return self.fallback.get(emotion, ())


def _openers(
    lines: Any, emotion: str, prefix: str, source: str, *, needs_situation: bool
) -> tuple[Opener, ...]:
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise OpenerBankError(f"{source}: {prefix}{emotion} must be a list of lines")
    openers = tuple(
        Opener(id=f"{prefix}{emotion}-{index}", emotion=emotion, template=line.strip())
        for index, line in enumerate(lines, start=1)
    )
    for opener in openers:
        if opener.needs_situation is not needs_situation:
            where = "must contain" if needs_situation else "must not contain"
            raise OpenerBankError(f"{source}: {opener.id} {where} {SITUATION}")
    return openers


@lru_cache(maxsize=1)
def default_opener_bank() -> OpenerBank:
    text = resources.files("heard.assist").joinpath("openers.yaml").read_text(encoding="utf-8")
    return OpenerBank.from_data(yaml.safe_load(text), source="heard/assist/openers.yaml")


class OpenerMemory:
    """Which openers each agent was offered, most recent last; share one across sessions.

    Bounded: it keeps the last ``per_agent`` openers of the ``agents`` most recently active
    agents, so a long-running server does not grow without limit. Thread-safe.
    """

    def __init__(
        self, bank: OpenerBank | None = None, *, agents: int = 10_000, per_agent: int = 64
    ) -> None:
        self.bank = bank or default_opener_bank()
        self._agents = agents
        self._per_agent = per_agent
        self._used: OrderedDict[str, OrderedDict[str, int]] = OrderedDict()
        self._clock = 0
        self._lock = threading.Lock()

    def choose(
        self, agent_id: str | None, emotion: str, *, seed: str, with_situation: bool
    ) -> Opener | None:
        """The opener this agent was offered least recently (and remember it was offered)."""
        candidates = self.bank.candidates(emotion, with_situation=with_situation)
        if not candidates:
            return None
        agent = agent_id or ""
        with self._lock:
            used = self._used.get(agent)
            if used is None:
                used = self._used[agent] = OrderedDict()
            self._used.move_to_end(agent)
            choice = min(candidates, key=lambda opener: _rank(opener, used, seed))
            self._clock += 1
            used[choice.id] = self._clock
            used.move_to_end(choice.id)
            while len(used) > self._per_agent:
                used.popitem(last=False)
            while len(self._used) > self._agents:
                self._used.popitem(last=False)
        return choice

    def recent(self, agent_id: str | None) -> list[str]:
        """Ids of the openers offered to this agent, oldest first."""
        with self._lock:
            return list(self._used.get(agent_id or "", {}))


def _rank(opener: Opener, used: dict[str, int], seed: str) -> tuple[int, int]:
    # Never offered (-1) before least recently offered; among equals a per-conversation order.
    return used.get(opener.id, -1), zlib.crc32(f"{seed}\x00{opener.id}".encode())


def rotation(openers: Sequence[Opener], seed: str) -> list[Opener]:
    """The order a new agent would be offered these openers in this conversation."""
    return sorted(openers, key=lambda opener: zlib.crc32(f"{seed}\x00{opener.id}".encode()))


_default_memory: OpenerMemory | None = None
_default_lock = threading.Lock()


def default_opener_memory() -> OpenerMemory:
    """One memory per process, shared by every session that is not given its own."""
    global _default_memory
    with _default_lock:
        if _default_memory is None:
            _default_memory = OpenerMemory()
        return _default_memory
