"""Corpus-level listening signals: what only shows across many conversations.

Scripted empathy: the brief asks for empathy that is personal, not robotic. When the same agent
uses the same empathy line in many conversations, that line is marked ``detail.scripted``. The
ledger is a plain mergeable count, so a distributed run can build one per partition and add
them together (the reduce step).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from heard.listening.model import TurnAnnotation
from heard.listening.text import normalise_quote


def empathy_lines(turns: Iterable[TurnAnnotation]) -> list[str]:
    """The normalised empathy lines of a conversation: all the ledger needs from it."""
    lines = []
    for turn in turns:
        hit = turn.hit("empathy")
        if hit is not None:
            lines.append(normalise_quote(hit.quote))
    return lines


@dataclass
class EmpathyLedger:
    """agent → normalised empathy line → conversation ids that used it."""

    # Plain dicts rather than nested defaultdicts of lambdas, so a ledger pickles (it is
    # handed to worker processes).
    lines: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def add(
        self, agent_id: str | None, conversation_id: str, turns: Iterable[TurnAnnotation]
    ) -> None:
        self.add_lines(agent_id, conversation_id, empathy_lines(turns))

    def add_lines(self, agent_id: str | None, conversation_id: str, lines: Iterable[str]) -> None:
        """Record normalised empathy lines (from ``empathy_lines``) of one conversation."""
        if not agent_id:
            return
        mine = self.lines.setdefault(agent_id, {})
        for line in lines:
            mine.setdefault(line, set()).add(conversation_id)

    def merge(self, other: EmpathyLedger) -> EmpathyLedger:
        for agent, lines in other.lines.items():
            mine = self.lines.setdefault(agent, {})
            for line, conversations in lines.items():
                mine.setdefault(line, set()).update(conversations)
        return self

    def scripted(self, agent_id: str | None, quote: str, min_conversations: int) -> bool:
        return self.scripted_line(agent_id, normalise_quote(quote), min_conversations)

    def scripted_line(self, agent_id: str | None, line: str, min_conversations: int) -> bool:
        """Whether a normalised line (from ``empathy_lines``) is this agent's stock line."""
        if not agent_id:
            return False
        return len(self.lines.get(agent_id, {}).get(line, ())) >= min_conversations

    def mark(
        self, agent_id: str | None, turns: list[TurnAnnotation], min_conversations: int
    ) -> bool:
        """Set ``detail.scripted`` on this conversation's empathy lines; True if any changed."""
        changed = False
        for turn in turns:
            hit = turn.hit("empathy")
            if hit is None or not self.scripted(agent_id, hit.quote, min_conversations):
                continue
            detail = {**hit.detail, "scripted": True}
            turn.hits = [
                h.model_copy(update={"detail": detail}) if h is hit else h for h in turn.hits
            ]
            turn.detail["empathy"] = detail
            changed = True
        return changed
