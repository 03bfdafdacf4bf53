"""`interruption`: the agent started before the customer had finished.

Calls: overlapping speech (a backchannel does not count). Chat: a reply in the middle of the
customer's burst of messages. Anywhere: the customer protesting ("let me finish").
"""

from __future__ import annotations

import pytest

ENGINEER = (
    "So the engineer came on Tuesday and said the line was fine, but the internet still drops "
    "every evening around eight"
)


@pytest.mark.parametrize("backchannel", ["Mm-hm.", "Mm-hmm.", "Right.", "Okay.", "Uh-huh, yeah."])
def test_backchannel_overlap_is_not_an_interruption(talk, backchannel: str) -> None:
    annotated = talk(
        [
            ("customer", ENGINEER, 0.0, 9.0),
            ("agent", backchannel, 7.5, 8.0),
            ("customer", "and I work from home, so it's a real problem.", 9.2, 12.0),
        ]
    )
    assert not annotated.turns[1].has("interruption")
    assert annotated.signals.timing.interruptions == 0


def test_full_sentence_before_the_customer_finished(talk) -> None:
    agent = "Okay, I'll book a second engineer visit for you. They can come on Thursday."
    annotated = talk(
        [
            ("customer", ENGINEER, 0.0, 9.0),
            ("agent", agent, 7.5, 13.0),
        ]
    )
    hit = annotated.turns[1].hit("interruption")
    assert hit is not None
    assert hit.detail["overlap_seconds"] == pytest.approx(1.5)
    assert hit.quote == "Okay, I'll book a second engineer visit for you."
    assert agent[hit.start : hit.end] == hit.quote
    assert annotated.signals.timing.interruptions == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (8.7, 12.0),  # a 0.3 s overlap is ordinary turn-taking
        (9.0, 12.0),  # right on cue
        (9.6, 12.0),  # after a pause
    ],
)
def test_no_interruption_when_the_customer_had_finished(talk, start: float, end: float) -> None:
    annotated = talk(
        [
            ("customer", ENGINEER, 0.0, 9.0),
            ("agent", "Okay, I'll book a second engineer visit for you.", start, end),
        ]
    )
    assert not annotated.turns[1].has("interruption")


def test_let_me_finish_on_an_untimed_transcript(talk) -> None:
    annotated = talk(
        [
            ("customer", "I've been waiting for a call back for two days and"),
            ("agent", "Right, can I take your account number?"),
            ("customer", "Let me finish, please. Two days, and nobody called."),
        ]
    )
    hit = annotated.turns[1].hit("interruption")
    assert hit is not None
    assert "Let me finish" in hit.detail["customer_said"]
    # "Let me finish" is a protest, not a concern; the rest of the turn is.
    assert all("finish" not in c.quote for c in annotated.turns[2].concerns)


def test_untimed_transcript_without_a_protest(talk) -> None:
    annotated = talk(
        [
            ("customer", "I've been waiting for a call back for two days."),
            ("agent", "I'm sorry about that. Can I take your account number?"),
            ("customer", "Sure, it's 55102."),
        ]
    )
    assert not annotated.turns[1].has("interruption")
    assert annotated.signals.timing.interruptions is None


def test_chat_reply_in_the_middle_of_a_burst(talk) -> None:
    annotated = talk(
        [
            ("customer", "Hi, my order arrived damaged and", 0),
            ("agent", "Hello! What's your order number?", 6),
            ("customer", "the box was soaked through and the lamp inside is cracked", 14),
            ("agent", "I'm sorry about that. I'll send a replacement today.", 60),
        ]
    )
    hit = annotated.turns[1].hit("interruption")
    assert hit is not None
    assert hit.detail["reply_after_seconds"] == 6
    assert hit.detail["customer_continued_after_seconds"] == 8
    assert not annotated.turns[3].has("interruption")


def test_chat_customer_carrying_on_with_and(talk) -> None:
    annotated = talk(
        [
            ("customer", "My card was declined at the supermarket.", 0),
            ("agent", "Sorry to hear that! Is it the debit card?", 5),
            ("customer", "and then again at the petrol station an hour later", 12),
        ]
    )
    assert annotated.turns[1].has("interruption")


@pytest.mark.parametrize(
    "lines",
    [
        # Complete message, then a normal wait for the reply.
        [
            ("customer", "Hi, my order arrived damaged.", 0),
            ("agent", "Hello! What's your order number?", 30),
            ("customer", "It's 55120.", 60),
        ],
        # A quick reply, but the customer's next message is an answer a minute later.
        [
            ("customer", "Hi, my order arrived damaged and", 0),
            ("agent", "Hello! What's your order number?", 6),
            ("customer", "It's 55120.", 70),
        ],
    ],
)
def test_chat_without_interruption(talk, lines) -> None:
    assert not talk(lines).turns[1].has("interruption")


def test_agent_speaking_first_cannot_interrupt(talk) -> None:
    annotated = talk([("agent", "Thanks for calling Northgate Energy, this is Priya.", 0.0, 3.0)])
    assert not annotated.turns[0].has("interruption")


@pytest.mark.parametrize(
    "protest",
    [
        "I wasn't finished. He didn't turn up twice now.",
        "Sorry, can I just finish? He didn't turn up twice now.",
        "You cut me off. He didn't turn up twice now.",
    ],
)
def test_other_protests(talk, protest: str) -> None:
    annotated = talk(
        [
            ("customer", "The engineer didn't turn up and"),
            ("agent", "Can I take your postcode?"),
            ("customer", protest),
        ]
    )
    assert annotated.turns[1].has("interruption")
