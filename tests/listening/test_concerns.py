"""Customer `concerns`: short phrases of what the customer raised, quoted from their words."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "I was charged twice for my gym membership in March.",
        "The app crashes every time I open it.",
        "My parcel still hasn't arrived.",
        "I've been on hold for an hour, this is the third time I'm calling about it.",
        "Nobody has called me back.",
        "I'd like to update my address please.",
        "Can you tell me when my refund will arrive?",
    ],
)
def test_raises_a_concern(said, text: str) -> None:
    turn = said(text)
    assert len(turn.concerns) == 1
    concern = turn.concerns[0]
    assert concern.id == "t1.c1"
    assert concern.quote == text
    assert (concern.start, concern.end) == (0, len(text))


@pytest.mark.parametrize(
    "text",
    ["Thanks!", "Hello?", "Okay.", "Great, cheers.", "My account number is 4471 2210.", "Yes."],
)
def test_small_talk_and_plain_facts_raise_nothing(said, text: str) -> None:
    assert said(text).concerns == []


def test_several_concerns_in_one_message(said) -> None:
    text = (
        "Hi there. I was charged twice for my March bill. There's also a late fee I shouldn't "
        "have. And the app won't let me download the invoice."
    )
    turn = said(text)
    assert [c.id for c in turn.concerns] == ["t1.c1", "t1.c2", "t1.c3"]
    assert [c.quote for c in turn.concerns] == [
        "I was charged twice for my March bill.",
        "There's also a late fee I shouldn't have.",
        "And the app won't let me download the invoice.",
    ]
    # Filler ("And") is dropped from the short phrase, and so is the full stop.
    assert turn.concerns[2].text == "the app won't let me download the invoice"


def test_at_most_three_concerns_per_turn(said) -> None:
    text = (
        "My router is broken. The engineer didn't turn up. I was charged a call-out fee. "
        "The replacement router is also faulty."
    )
    assert len(said(text).concerns) == 3


def test_a_long_concern_is_shortened_to_a_phrase(said) -> None:
    text = (
        "My parcel was supposed to arrive on Monday, but the tracking page has said out for "
        "delivery for four days and nobody can tell me where it actually is."
    )
    concern = said(text).concerns[0]
    assert concern.quote == text
    assert concern.text == "My parcel was supposed to arrive on Monday"


def test_very_long_clause_is_cut_with_an_ellipsis(said) -> None:
    text = (
        "The replacement phone that your courier delivered to my neighbour's house on the "
        "other side of the village yesterday afternoon doesn't switch on at all."
    )
    concern = said(text).concerns[0]
    assert concern.text.endswith("…")
    assert len(concern.text.split()) <= 13


def test_concerns_are_numbered_per_turn(talk) -> None:
    annotated = talk(
        [
            ("customer", "My broadband keeps dropping out every evening."),
            ("agent", "I'm sorry to hear that. How long has it been happening?"),
            ("customer", "About two weeks. And the speed is terrible during the day too."),
        ]
    )
    assert [c.id for c in annotated.turns[0].concerns] == ["t1.c1"]
    assert [c.id for c in annotated.turns[2].concerns] == ["t3.c1"]
    assert annotated.turns[2].concerns[0].turn_id == "t3"
    assert annotated.turns[1].concerns == []


def test_a_protest_is_not_a_concern(talk) -> None:
    annotated = talk(
        [
            ("customer", "The engineer didn't turn up and"),
            ("agent", "Can I take your postcode?"),
            ("customer", "I wasn't finished. He didn't turn up twice now."),
        ]
    )
    quotes = [c.quote for c in annotated.turns[2].concerns]
    assert quotes == ["He didn't turn up twice now."]
