"""Helpers for the assist tests: conversations as lines, the bundled examples, fresh memories.

A line is ``(role, text)``, ``(role, text, start, end)`` for a stretch of a call, or
``(role, text, seconds)`` for a chat message sent that many seconds after the chat began.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from heard.assist import AssistSession, AssistUpdate, OpenerMemory
from heard.conversation import Channel, Conversation, Role, Turn
from heard.readers import read

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHAT_STARTED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
Line = tuple[Any, ...]


def make_turn(line: Line, turn_id: str = "") -> Turn:
    role, text, *timing = line
    fields: dict[str, Any] = {"role": Role(role), "text": text, "id": turn_id}
    if len(timing) == 2:
        fields["start"], fields["end"] = timing
    elif len(timing) == 1:
        fields["time"] = CHAT_STARTED + timedelta(seconds=timing[0])
    return Turn(**fields)


def session_for(
    lines: Sequence[Line] = (),
    *,
    memory: OpenerMemory | None = None,
    conversation_id: str = "c1",
    agent_id: str | None = "agent-1",
    channel: Channel = Channel.CHAT,
) -> tuple[AssistSession, list[AssistUpdate]]:
    """A session fed ``lines`` as final turns, and the update each one got."""
    session = AssistSession(
        Conversation(id=conversation_id, agent_id=agent_id, channel=channel),
        openers=memory or OpenerMemory(),
    )
    updates = [session.add_turn(make_turn(line)) for line in lines]
    return session, updates


def codes(update: AssistUpdate, *, new_only: bool = False) -> list[str]:
    return [n.code.value for n in update.nudges if n.new or not new_only]


def kinds(update: AssistUpdate) -> dict[str, str]:
    return {s.kind.value: s.text for s in update.suggestions}


def example_conversations() -> Iterator[Conversation]:
    for item in read([EXAMPLES]):
        if isinstance(item, Conversation):
            yield item


def example(conversation_id: str) -> Conversation:
    return next(c for c in example_conversations() if c.id == conversation_id)


def replay(conversation: Conversation, memory: OpenerMemory | None = None) -> list[AssistUpdate]:
    session = AssistSession(
        conversation.model_copy(update={"turns": []}), openers=memory or OpenerMemory()
    )
    return [session.add_turn(turn) for turn in conversation.turns]


def assert_quotes_verbatim(conversation: Conversation, update: AssistUpdate) -> None:
    """Every evidence and grounding quote is exactly words of the turn it names."""
    texts = {turn.id: turn.text for turn in conversation.turns}
    for nudge in update.nudges:
        for evidence in nudge.evidence:
            assert evidence.quote in texts[evidence.turn_id], (nudge.code, evidence)
    for suggestion in update.suggestions:
        for grounding in suggestion.grounded_in:
            assert grounding.quote in texts[grounding.turn_id], (suggestion.kind, grounding)
        for item in suggestion.items or []:
            for evidence in item.evidence:
                assert evidence.quote in texts[evidence.turn_id], (item.code, evidence)


@pytest.fixture
def memory() -> OpenerMemory:
    return OpenerMemory()
