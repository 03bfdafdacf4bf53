"""Helpers for the listening-engine tests.

Conversations are written as lists of lines, one per turn:

* ``("customer", "text")`` — an untimed turn (a transcript or a chat export without times);
* ``("agent", "text", 12.5, 15.0)`` — a stretch of a call, start and end in seconds;
* ``("customer", "text", 30)`` — a chat message sent 30 s after the chat began (or pass a
  ``datetime``).

Every annotation made through the ``talk``/``reply``/``said`` fixtures is checked for honest
evidence: each hit quotes exactly ``text[start:end]`` of its own turn, and so does each concern.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from heard.conversation import Channel, Conversation, Role, Turn
from heard.listening import Annotated, TurnAnnotation, annotate

Line = tuple[Any, ...]
CHAT_STARTED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def make_turn(line: Line) -> Turn:
    role, text, *timing = line
    fields: dict[str, Any] = {"role": Role(role), "text": text}
    if len(timing) == 2:
        fields["start"], fields["end"] = timing
    elif len(timing) == 1:
        (when,) = timing
        fields["time"] = (
            when if isinstance(when, datetime) else CHAT_STARTED + timedelta(seconds=when)
        )
    elif timing:
        raise ValueError(
            f"a line is (role, text), (role, text, time) or (role, text, start, end): {line}"
        )
    return Turn(**fields)


def make_conversation(
    lines: Sequence[Line],
    *,
    id: str = "c1",
    channel: Channel | None = None,
    **fields: Any,
) -> Conversation:
    turns = [make_turn(line) for line in lines]
    if channel is None:
        channel = Channel.VOICE if any(t.start is not None for t in turns) else Channel.CHAT
    return Conversation(id=id, channel=channel, turns=turns, **fields)


def assert_evidence(conversation: Conversation, turns: Sequence[TurnAnnotation]) -> None:
    """Each label has one hit, and each hit and concern quotes its own turn exactly."""
    by_id = {turn.id: turn for turn in conversation.turns}
    for annotation in turns:
        text = by_id[annotation.id].text
        assert sorted(annotation.labels) == sorted(hit.label for hit in annotation.hits)
        for hit in annotation.hits:
            assert hit.quote.strip(), f"{annotation.id} {hit.label}: empty quote"
            assert 0 <= hit.start < hit.end <= len(text)
            assert text[hit.start : hit.end] == hit.quote, f"{annotation.id} {hit.label}"
            assert 0 <= hit.confidence <= 1
            assert hit.reason
        for concern in annotation.concerns:
            assert concern.turn_id == annotation.id
            assert text[concern.start : concern.end] == concern.quote
            assert concern.text
        if annotation.emotion_quote is not None:
            assert annotation.emotion_quote in text
        if annotation.urgency_quote is not None:
            assert annotation.urgency_quote in text
        if annotation.role is not Role.AGENT:
            assert not annotation.labels, "only agent turns get listening labels"
        if annotation.role is not Role.CUSTOMER:
            assert annotation.emotion is None and not annotation.concerns


def run(lines: Sequence[Line], **fields: Any) -> Annotated:
    conversation = make_conversation(lines, **fields)
    annotated = annotate(conversation)
    assert [t.id for t in annotated.turns] == [t.id for t in conversation.turns]
    assert_evidence(conversation, annotated.turns)
    return annotated


Talk = Callable[..., Annotated]
Reply = Callable[..., TurnAnnotation]
Said = Callable[[str], TurnAnnotation]


@pytest.fixture
def talk() -> Talk:
    """``talk([("customer", "…"), ("agent", "…")])`` → the annotated conversation."""
    return run


@pytest.fixture
def reply() -> Reply:
    """``reply("customer words", "agent words")`` → the agent turn's annotation.

    The customer side may be several turns (a list of strings), all before the agent's reply.
    """

    def answer(customer: str | Sequence[str], agent: str) -> TurnAnnotation:
        said = [customer] if isinstance(customer, str) else list(customer)
        annotated = run([*(("customer", text) for text in said), ("agent", agent)])
        return annotated.turns[-1]

    return answer


@pytest.fixture
def said() -> Said:
    """``said("customer words")`` → the annotation of a lone customer turn."""

    def customer(text: str) -> TurnAnnotation:
        return run([("customer", text)]).turns[0]

    return customer
