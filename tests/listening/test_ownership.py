"""`ownership`: the agent takes personal responsibility ("Leave it with me")."""

from __future__ import annotations

import pytest

LOST_PARCEL = (
    "My parcel says delivered but it's not here, and the courier keeps telling me to contact you."
)


@pytest.mark.parametrize(
    "agent",
    [
        "I'll take care of this personally.",
        "Leave it with me.",
        "Leave this with me, I'll get to the bottom of it.",
        "I've escalated this to our delivery team.",
        "I'll chase the courier myself and find out where it went.",
        "I'll speak to the depot manager personally this afternoon.",
        "I'm taking this on from here.",
        "I'm going to make sure you get either the parcel or your money back.",
        "Let me look into that for you.",
        "That was our mistake, and I'm sorry.",
        "I'll be your point of contact until this is resolved.",
    ],
)
def test_takes_ownership(reply, agent: str) -> None:
    assert reply(LOST_PARCEL, agent).has("ownership")


@pytest.mark.parametrize(
    "agent",
    [
        # Passing it on, or no commitment from the agent.
        "The courier will handle it.",
        "Someone from the claims team will handle it.",
        "You'll need to contact the courier directly.",
        "I'll be honest, I don't know where it is.",
        "Our claims team deals with missing parcels.",
        # "I've got this right" checks understanding; it is not "I've got this".
        "Let me make sure I've got this right: it shows as delivered but nothing arrived?",
    ],
)
def test_no_ownership(reply, agent: str) -> None:
    turn = reply(LOST_PARCEL, agent)
    assert not turn.has("ownership"), turn.hit("ownership")


def test_quote_is_the_committing_sentence(reply) -> None:
    agent = "Thanks for waiting. I'll chase the courier myself and find out where it went."
    hit = reply(LOST_PARCEL, agent).hit("ownership")
    assert hit is not None
    assert hit.quote == "I'll chase the courier myself and find out where it went."
    assert agent[hit.start : hit.end] == hit.quote
