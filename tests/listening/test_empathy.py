"""`empathy`: names or reacts to the customer's feelings; detail.specific vs a stock line."""

from __future__ import annotations

import pytest

STRANDED = "My flight got cancelled and I'm stuck at the airport with two small kids."


@pytest.mark.parametrize(
    "agent",
    [
        # Tied to this customer's situation: the kids, the airport, being stuck.
        "That must be so stressful with two little ones in tow.",
        "I'm so sorry you're stuck at the airport with the kids.",
        "Being stranded with two kids sounds exhausting.",
        "Ugh, poor you, stuck there with the little ones.",
    ],
)
def test_specific_empathy(reply, agent: str) -> None:
    turn = reply(STRANDED, agent)
    assert turn.has("empathy"), turn.labels
    assert turn.detail["empathy"] == {"specific": True, "scripted": False}


@pytest.mark.parametrize(
    "agent",
    [
        # Stock lines that would fit any customer.
        "I understand your frustration.",
        "I can imagine how exhausting that is.",
        "I'm sorry to hear that.",
        "Oh no, what a nightmare.",
        # Reactions people type as often as the textbook lines.
        "That sounds like a really difficult situation.",
        "I can feel how stressed you are.",
        "I can tell this is making you really anxious.",
        "Ugh, that sucks.",
        "I really sympathise.",
    ],
)
def test_generic_empathy_is_not_specific(reply, agent: str) -> None:
    turn = reply(STRANDED, agent)
    assert turn.has("empathy"), turn.labels
    assert turn.detail["empathy"]["specific"] is False


def test_contractions_do_not_make_a_stock_line_specific(reply) -> None:
    # The customer said "I'm"; so does the stock line. That is not echoing their situation.
    turn = reply(STRANDED, "I'm sorry for any inconvenience caused.")
    assert turn.has("empathy")
    assert turn.detail["empathy"]["specific"] is False


@pytest.mark.parametrize(
    "agent",
    [
        "Your new flight leaves at 6pm from gate 12.",
        "I understand.",  # acknowledgement, not a feeling
        "Sorry, I didn't catch that.",  # the agent's own hearing
        "Sorry for the wait.",
        "We apologise for the inconvenience.",
        "I understand, but that's not our problem.",
        "The new model sucks up twice as much dust.",  # a vacuum cleaner, not a reaction
    ],
)
def test_not_empathy(reply, agent: str) -> None:
    assert not reply(STRANDED, agent).has("empathy")


def test_quote_is_the_empathetic_sentence(reply) -> None:
    agent = (
        "Let me look at the next flights out. That must be so stressful with two little ones "
        "in tow. There's a seat on the 18:40."
    )
    hit = reply(STRANDED, agent).hit("empathy")
    assert hit is not None
    assert hit.quote == "That must be so stressful with two little ones in tow."
    assert agent[hit.start : hit.end] == hit.quote


def test_specific_to_a_loss(reply) -> None:
    turn = reply(
        "My husband Callum passed away in March and I need to close his account.",
        "I'm so sorry for your loss, and I'm sorry you're having to deal with Callum's "
        "accounts on top of everything.",
    )
    assert turn.has("empathy")
    assert turn.detail["empathy"]["specific"] is True


@pytest.mark.parametrize(
    "agent",
    [
        # Reflections led by what the listener senses, and feelings the situation leaves.
        "I can sense how overwhelmed you are right now.",
        "I get the sense that you feel abandoned by the airline.",
        "I am sensing that you're really on edge.",
        "Being left there like that must be making you feel powerless.",
    ],
)
def test_sensed_feelings_are_empathy(reply, agent: str) -> None:
    turn = reply(STRANDED, agent)
    assert turn.has("empathy"), turn.labels


def test_an_opinion_introduced_by_i_feel_is_not_empathy(reply) -> None:
    turn = reply(STRANDED, "I feel you should ask the desk for a hotel voucher.")
    assert not turn.has("empathy"), turn.labels


def test_stock_sympathy_before_a_question_stays_empathy(reply) -> None:
    # For a help desk the apology is the acknowledgement owed before asking for details.
    turn = reply(
        "I returned the boots two weeks ago and I still haven't got my money back.",
        "I'm sorry about that. Can you tell me the order number?",
    )
    assert turn.has("empathy") and turn.has("clarifying_question"), turn.labels


def test_specific_sympathy_before_a_question_keeps_its_empathy(reply) -> None:
    turn = reply(
        STRANDED,
        "I'm so sorry you're stuck at the airport with the kids. Which flight were you booked on?",
    )
    assert turn.has("empathy") and turn.has("clarifying_question"), turn.labels


def test_sympathy_before_a_remedy_keeps_its_empathy(reply) -> None:
    turn = reply(
        "My order still hasn't arrived and it was due on Monday.",
        "I'm so sorry about that. I've sent a replacement by express delivery today.",
    )
    assert turn.has("empathy") and turn.has("solution"), turn.labels
