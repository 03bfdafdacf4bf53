"""`follow_up`: commits to come back, or checks that the fix worked."""

from __future__ import annotations

import pytest

BROADBAND = "My broadband keeps dropping out every evening around eight."


@pytest.mark.parametrize(
    "agent",
    [
        "I'll check back with you tomorrow to make sure it's working.",
        "I'll call you on Thursday to see how the new router is doing.",
        "We'll follow up by email once the engineer has been.",
        "I'll chase the network team myself and ring you back by 4pm.",
        "You'll hear from me by Friday either way.",
        "I'll drop you a message tomorrow evening to check the line is holding up.",
        "Let me know if that works.",
        # Checks that the fix worked.
        "Did that solve it?",
        "Did the reset work?",
        "Is everything working now?",
        "Great, is the light on the router green now?",
        "Are you able to get online now?",
    ],
)
def test_follows_up(reply, agent: str) -> None:
    turn = reply(BROADBAND, agent)
    assert turn.has("follow_up"), turn.labels
    assert not turn.has("clarifying_question")


@pytest.mark.parametrize(
    "agent",
    [
        "Is there anything else I can help you with?",
        "Thanks for calling, have a great evening.",
        "What time does it usually drop?",
        # Questions about the situation, not about the fix.
        "Are you at home right now?",
        "Is it still dropping out now?",
        "The engineer will look at the line on Thursday.",
    ],
)
def test_no_follow_up(reply, agent: str) -> None:
    turn = reply(BROADBAND, agent)
    assert not turn.has("follow_up"), turn.hit("follow_up")


def test_fix_check_after_a_step(talk) -> None:
    annotated = talk(
        [
            ("customer", BROADBAND),
            ("agent", "Please unplug the router for thirty seconds and plug it back in."),
            ("customer", "Okay, done, it's rebooting."),
            ("agent", "Thanks. Is it connecting now?"),
        ]
    )
    assert annotated.turns[1].has("solution")
    last = annotated.turns[3]
    assert last.has("follow_up")
    assert last.hit("follow_up").quote == "Is it connecting now?"


def test_quote_is_the_promise(reply) -> None:
    agent = "I've logged a fault on the line. I'll ring you back by 4pm with what they find."
    hit = reply(BROADBAND, agent).hit("follow_up")
    assert hit is not None
    assert hit.quote == "I'll ring you back by 4pm with what they find."
    assert agent[hit.start : hit.end] == hit.quote
