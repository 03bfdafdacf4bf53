"""`acknowledgement`: verbal signs the customer was heard ("I see", "got it", "go on")."""

from __future__ import annotations

import pytest

CUSTOMER = "I was charged twice for my broadband this month, once on the 2nd and again on the 5th."


@pytest.mark.parametrize(
    "agent",
    [
        "I see.",
        "Got it, thanks for letting me know.",
        "Mm-hmm, go on.",
        "Okay, I see what you mean.",
        "Understood.",
        "That makes sense.",
        "Thanks for explaining that.",
        "I hear you.",
        "Noted, I'll pass that on.",
        "Right, okay, two payments in the same week.",
    ],
)
def test_acknowledges(reply, agent: str) -> None:
    turn = reply(CUSTOMER, agent)
    assert turn.has("acknowledgement"), turn.labels


@pytest.mark.parametrize(
    "agent",
    [
        # Literal seeing on a screen, not a sign of having heard.
        "I see your order here.",
        "I see the charge on your statement.",
        "I see two payments from the 2nd and the 5th.",
        "I see there are two payments on your account.",
        "Please see the attached invoice.",
        "Your next invoice is due on the 1st.",
        "Most customers who go on to upgrade keep the same price.",
    ],
)
def test_does_not_acknowledge(reply, agent: str) -> None:
    turn = reply(CUSTOMER, agent)
    assert not turn.has("acknowledgement"), turn.hit("acknowledgement")


def test_i_see_your_order_is_not_overruled_by_the_model(reply) -> None:
    # The cue is vetoed as literal seeing; the model, which keys on the same "I see", must not
    # bring the label back on that sentence.
    turn = reply("Where is my order? It was meant to come on Monday.", "I see your order here.")
    assert turn.labels == []


def test_i_understand_then_dismissal_is_both(reply) -> None:
    turn = reply(
        "The courier left my parcel in the rain and the book inside is ruined.",
        "I understand, but that's not our problem once it leaves the depot.",
    )
    assert turn.has("acknowledgement")
    assert turn.has("dismissive")
    assert turn.hit("acknowledgement").quote.startswith("I understand")


def test_quote_is_the_acknowledging_sentence(reply) -> None:
    agent = "Let me pull up your account.\nOkay, got it. The second payment is a duplicate."
    turn = reply(CUSTOMER, agent)
    hit = turn.hit("acknowledgement")
    assert hit is not None
    assert hit.quote == "Okay, got it."
    assert agent[hit.start : hit.end] == hit.quote


def test_customer_turns_are_never_acknowledgements(talk) -> None:
    annotated = talk(
        [
            ("agent", "Your refund went out this morning."),
            ("customer", "I see, got it, thanks for letting me know."),
        ]
    )
    assert annotated.turns[1].labels == []
