"""`assumption`: presumes the customer's actions or the cause without checking."""

from __future__ import annotations

import pytest

NO_EMAIL = "I never got the confirmation email for my booking."


@pytest.mark.parametrize(
    "agent",
    [
        "You must have entered the wrong email address.",
        "You probably didn't check your spam folder.",
        "I bet you forgot to click confirm.",
        "I'm sure you just missed it.",
        "It must be on your end.",
        "It's probably user error.",
        "Obviously you didn't read it.",
    ],
)
def test_assumes(reply, agent: str) -> None:
    assert reply(NO_EMAIL, agent).has("assumption")


@pytest.mark.parametrize(
    "agent",
    [
        # Asking instead of presuming.
        "Could you check your spam folder for me?",
        "Is it possible it went to a different email address?",
        "Which email address did you book with?",
        "I can see the email bounced, so I'll resend it now.",
        "You must be so fed up with this.",  # "must" about feelings: empathy
    ],
)
def test_does_not_assume(reply, agent: str) -> None:
    turn = reply(NO_EMAIL, agent)
    assert not turn.has("assumption"), turn.hit("assumption")


def test_checking_the_system_is_neither_assumption_nor_dismissal(reply) -> None:
    turn = reply("My parcel hasn't arrived.", "Let me check the booking system.")
    assert not turn.has("assumption")
    assert not turn.has("dismissive")


def test_quote_is_the_presuming_sentence(reply) -> None:
    agent = "Okay. You must have entered the wrong email address. I'll update it."
    hit = reply(NO_EMAIL, agent).hit("assumption")
    assert hit is not None
    assert hit.quote == "You must have entered the wrong email address."
    assert agent[hit.start : hit.end] == hit.quote
