"""Customer `urgency`: a deadline, an event or time pressure, with the sentence that says so."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("I need this fixed before my flight on Friday.", None),
        ("The wedding is this Saturday and the dress still hasn't arrived!", None),
        ("I need it today, it's urgent.", None),
        ("Please can someone call me back as soon as possible.", None),
        (
            "My mum's medication hasn't arrived. She has only two tablets left.",
            "She has only two tablets left.",
        ),
        (
            "Hi. My rent goes out tomorrow and my account is frozen. Can you help?",
            "My rent goes out tomorrow and my account is frozen.",
        ),
    ],
)
def test_urgent(said, text: str, quote: str | None) -> None:
    turn = said(text)
    assert turn.urgency is True
    assert turn.urgency_quote == (quote or text)


@pytest.mark.parametrize(
    "text",
    [
        "It's been like this since Monday.",
        "I ordered it last Tuesday.",
        "I've been waiting for a call back for two days.",
        "Could you send it to my work address instead?",
        "Thank you so much, that's a huge relief!",
    ],
)
def test_not_urgent(said, text: str) -> None:
    turn = said(text)
    assert turn.urgency is False
    assert turn.urgency_quote is None


def test_agent_turns_carry_no_urgency(talk) -> None:
    annotated = talk(
        [
            ("customer", "I need it today, it's urgent."),
            ("agent", "I'll send it by courier right away, it will be with you today."),
        ]
    )
    assert annotated.turns[0].urgency is True
    assert annotated.turns[1].urgency is None
