"""LiveSession: turns fed one at a time give the same annotations as annotate() on the whole
conversation, with look-ahead labels (interruption) revised when the next turn arrives."""

from __future__ import annotations

import pytest

from heard.conversation import Conversation, Role, Turn
from heard.listening import TurnAnnotation, annotate, default_pipeline

from .conftest import assert_evidence, make_conversation, make_turn

CHAT = [
    ("customer", "Hi, my order arrived damaged and", 0),
    ("agent", "Hello! What's your order number?", 6),
    ("customer", "the box was soaked through and the lamp inside is cracked", 14),
    (
        "agent",
        "Oh no, I'm so sorry the lamp arrived cracked. So the parcel got soaked and the lamp "
        "is broken?",
        50,
    ),
    ("customer", "Yes. And I need it before my sister's party on Saturday, please.", 70),
    ("agent", "I've sent a replacement by express delivery, it will arrive by Friday.", 95),
    ("customer", "As I said, the party is on Saturday. Will it definitely be there?", 120),
    (
        "agent",
        "Don't worry, it will be with you on Friday. I'll email you the tracking link today.",
        140,
    ),
    ("customer", "Thank you so much, that's a relief!", 160),
]
CALL = [
    (
        "customer",
        "So the engineer came on Tuesday and said the line was fine, but the internet still "
        "drops every evening",
        0.0,
        8.0,
    ),
    ("agent", "Mm-hm.", 6.5, 7.0),
    ("customer", "and I work from home, so it's a real problem for me.", 8.2, 11.0),
    ("agent", "Okay, I'll book a second engineer visit for you.", 9.5, 13.0),
    ("customer", "Let me finish. It has to be a weekend, I can't take time off.", 13.2, 17.0),
    (
        "agent",
        "Understood, I'll book Saturday morning and call you to confirm tomorrow.",
        17.6,
        22.0,
    ),
]
TRANSCRIPT = [
    ("customer", "I've been waiting for a call back for two days and"),
    ("agent", "Right, can I take your account number?"),
    ("customer", "Let me finish, please. Two days, and nobody called."),
    ("agent", "I'm sorry, go on."),
]


def comparable(turn: TurnAnnotation) -> dict:
    """Everything but the floating-point confidences and intensity, which the two paths compute
    from separately batched (hence last-bit-different) vectors."""
    data = turn.model_dump(mode="json", exclude={"intensity"})
    for hit in data["hits"]:
        hit.pop("confidence")
    return data


@pytest.mark.parametrize("lines", [CHAT, CALL, TRANSCRIPT], ids=["chat", "call", "transcript"])
def test_turn_by_turn_equals_whole_conversation(lines) -> None:
    conversation = make_conversation(lines)
    whole = annotate(conversation)
    session = default_pipeline().live(Conversation(id="live", channel=conversation.channel))
    for turn in conversation.turns:
        session.add(turn.model_copy())
    assert len(session.annotations) == len(whole.turns)
    for live, batch in zip(session.annotations, whole.turns, strict=True):
        assert comparable(live) == comparable(batch), live.id
        if batch.intensity is not None:
            assert live.intensity == pytest.approx(batch.intensity, abs=0.02)
        for live_hit, batch_hit in zip(live.hits, batch.hits, strict=True):
            assert live_hit.confidence == pytest.approx(batch_hit.confidence, abs=0.02)
    assert_evidence(session.conversation, session.annotations)
    live_signals, batch_signals = session.signals(), whole.signals
    assert live_signals.timing == batch_signals.timing
    assert [c.id for c in live_signals.unaddressed_concerns] == [
        c.id for c in batch_signals.unaddressed_concerns
    ]
    assert live_signals.language == batch_signals.language


def test_the_whole_conversations_exercise_the_labels_compared() -> None:
    # Guard for the test above: the fixtures really contain the behaviours being compared.
    chat = annotate(make_conversation(CHAT))
    labels = {label for turn in chat.turns for label in turn.labels}
    assert {"interruption", "empathy", "paraphrase", "solution", "timeline"} <= labels
    assert any(turn.repeated_concern for turn in chat.turns)
    call = annotate(make_conversation(CALL))
    assert [t.has("interruption") for t in call.turns] == [False, False, False, True, False, False]


def test_chat_burst_interruption_is_revised_when_the_customer_carries_on() -> None:
    session = default_pipeline().live()
    session.add(make_turn(CHAT[0]))
    (reply,) = session.add(make_turn(CHAT[1]))
    # Nothing yet says the customer had more to say.
    assert reply.id == "t2"
    assert not reply.has("interruption")
    changed = session.add(make_turn(CHAT[2]))
    # The agent turn comes back revised, before the new customer turn.
    assert [a.id for a in changed] == ["t2", "t3"]
    revised = changed[0]
    assert revised is session.annotations[1]
    assert revised.has("interruption")
    assert revised.hit("interruption").detail["customer_continued_after_seconds"] == 8
    # Its other labels are untouched by the revision.
    assert revised.has("clarifying_question")


def test_let_me_finish_revises_the_previous_agent_turn() -> None:
    session = default_pipeline().live()
    session.add(make_turn(TRANSCRIPT[0]))
    session.add(make_turn(TRANSCRIPT[1]))
    assert not session.annotations[1].has("interruption")
    changed = session.add(make_turn(TRANSCRIPT[2]))
    assert [a.id for a in changed] == ["t2", "t3"]
    assert session.annotations[1].has("interruption")


def test_an_ordinary_reply_revises_nothing() -> None:
    session = default_pipeline().live()
    session.add(make_turn(("customer", "Hi, my order arrived damaged.", 0)))
    session.add(make_turn(("agent", "Hello! What's your order number?", 30)))
    changed = session.add(make_turn(("customer", "It's 55120.", 60)))
    assert [a.id for a in changed] == ["t3"]
    assert not session.annotations[1].has("interruption")


def test_timed_overlap_is_known_at_once() -> None:
    session = default_pipeline().live()
    session.add(make_turn(CALL[0]))
    session.add(make_turn(CALL[1]))
    session.add(make_turn(CALL[2]))
    (agent,) = session.add(make_turn(CALL[3]))
    assert agent.has("interruption")


def test_live_from_a_conversation_in_progress() -> None:
    conversation = make_conversation(CHAT[:3])
    session = default_pipeline().live(conversation)
    assert [a.id for a in session.annotations] == ["t1", "t2", "t3"]
    assert session.annotations[1].has("interruption")
    session.add(make_turn(CHAT[3]))
    assert session.annotations[-1].id == "t4"
    assert session.annotations[-1].has("empathy")


def test_turn_ids_are_given_and_must_be_unique() -> None:
    session = default_pipeline().live()
    (first,) = session.add(Turn(role=Role.CUSTOMER, text="Hello, is anyone there?"))
    assert first.id == "t1"
    session.add(Turn(id="a-9", role=Role.AGENT, text="Hi, I'm here. How can I help?"))
    with pytest.raises(ValueError, match="already"):
        session.add(Turn(id="a-9", role=Role.AGENT, text="Sorry, how can I help?"))
