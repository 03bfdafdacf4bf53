"""`clarifying_question`: asks to understand, with detail.question open or closed."""

from __future__ import annotations

import pytest

LAPTOP = "My laptop keeps shutting down by itself, usually when I'm on a video call."


@pytest.mark.parametrize(
    "agent",
    [
        "What happens right before it shuts down?",
        "When did you first notice this?",
        "Could you walk me through what you were doing when it switched off?",
        "And how long has it been doing this?",
        "What exactly do you mean by shutting down?",
        "Tell me more about when it happens.",
        "What about your other laptop, does it happen there too?",
        "Could you tell me what the error message says?",
    ],
)
def test_open_questions(reply, agent: str) -> None:
    turn = reply(LAPTOP, agent)
    assert turn.has("clarifying_question"), turn.labels
    assert turn.detail["clarifying_question"]["question"] == "open"


@pytest.mark.parametrize(
    "agent",
    [
        "Is it plugged in when it happens?",
        "Does it happen on battery too?",
        "Is it the 14-inch or the 16-inch model?",
        "Right, and when it shuts down, does the fan stop too?",
        # A question word that asks for one fact is still closed.
        "What's your order number?",
        "Which model is it?",
        "Which browser are you using?",
        "Can you tell me your postcode?",
    ],
)
def test_closed_questions(reply, agent: str) -> None:
    turn = reply(LAPTOP, agent)
    assert turn.has("clarifying_question"), turn.labels
    assert turn.detail["clarifying_question"]["question"] == "closed"


@pytest.mark.parametrize(
    ("agent", "instead"),
    [
        ("How are you today?", None),  # small talk
        ("How's your day going?", None),
        ("How can I help you today?", None),
        ("Would you like a refund?", "solution"),  # an offer
        ("Would you like me to arrange a collection?", "solution"),
        ("Shall I book a repair?", "solution"),
        ("Have you tried restarting it?", "solution"),  # a suggestion
        ("Could you try holding the power button for 10 seconds?", "solution"),
        ("Did that solve it?", "follow_up"),  # checks the fix
        ("Did the reset link work?", "follow_up"),
        ("Is everything working now?", "follow_up"),
        ("Great, can you see the refund in your app now?", "follow_up"),
        ("Is there anything else I can help with?", None),  # closing
        ("Is there something else I can help you with?", None),
        ("Can I suggest running the battery report?", None),  # suggestions asked as questions
        ("What about updating the graphics driver first?", None),
        ("I wonder if you could try it on another charger?", None),
        ("Maybe you could take it to a repair shop? An authorised one?", None),
        ("Can you hold for a moment?", None),
        ("How does that sound?", None),  # agreement to a proposal
        ("Do you even read the manual?", "dismissive"),  # a jab
        ("Wow, you really can't follow simple instructions, can you?", "dismissive"),
    ],
)
def test_questions_that_are_not_clarifying(reply, agent: str, instead: str | None) -> None:
    turn = reply(LAPTOP, agent)
    assert not turn.has("clarifying_question"), turn.hit("clarifying_question")
    if instead is not None:
        assert turn.has(instead), turn.labels


def test_statement_is_not_a_question(reply) -> None:
    turn = reply(LAPTOP, "That usually points to the battery overheating.")
    assert not turn.has("clarifying_question")


def test_the_open_question_is_quoted_when_there_are_both(reply) -> None:
    agent = (
        "Is it the laptop or the charger that gets hot? "
        "And what happens just before it switches off?"
    )
    hit = reply(LAPTOP, agent).hit("clarifying_question")
    assert hit is not None
    assert hit.detail == {"question": "open", "questions": 2}
    assert hit.quote == "And what happens just before it switches off?"
    assert agent[hit.start : hit.end] == hit.quote


def test_suggestion_then_real_question(reply) -> None:
    turn = reply(LAPTOP, "Have you tried restarting it? What happens when you do?")
    assert turn.has("solution")
    hit = turn.hit("clarifying_question")
    assert hit is not None
    assert hit.quote == "What happens when you do?"
    assert hit.detail["questions"] == 1


def test_restating_with_a_question_mark_checks_understanding(reply) -> None:
    turn = reply(LAPTOP, "So it turns off even when the battery is full?")
    assert turn.has("paraphrase")


@pytest.mark.parametrize(
    "agent",
    [
        # Invitations to tell: asked what they would like to do, the answer is their own account.
        "What would you like to talk about today?",
        "Is there anything else you'd like to share about it?",
        "Is there anything else on your mind?",
    ],
)
def test_invitations_to_tell_are_clarifying(reply, agent: str) -> None:
    turn = reply("I've had a really rough week.", agent)
    assert turn.has("clarifying_question"), turn.labels
    assert not turn.has("solution"), turn.hit("solution")


def test_asking_to_confirm_a_statement_checks_understanding(reply) -> None:
    turn = reply(LAPTOP, "It switches off when you're on a call. Does that sound right?")
    assert not turn.has("clarifying_question"), turn.hit("clarifying_question")
    assert turn.has("paraphrase"), turn.labels
