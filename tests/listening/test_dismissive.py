"""`dismissive`: dismisses or blames ("calm down", "as I already told you", sarcasm)."""

from __future__ import annotations

import pytest

REFUND = "I've asked three times now and my refund still hasn't arrived."


@pytest.mark.parametrize(
    "agent",
    [
        # Sarcasm.
        "Great, another customer who can't read the manual.",
        "Oh wonderful, another one of these.",
        "Sure, because we have nothing better to do.",
        "Wow, you really can't follow simple instructions, can you?",
        # Brushing off or blaming.
        "Calm down, sir.",
        "Just relax, it'll turn up.",
        "As I already told you, refunds take 10 days.",
        "I have explained this already.",
        "For the third time, it's been sent.",
        "That's not our problem.",
        "You'll just have to wait a few more days for it.",
        "Refunds take as long as they take.",
        "There's nothing I can do.",
        "You should have read the terms.",
        "That's just the policy.",
        "Whatever.",
        "Look, you'll just have to deal with it.",
        "You people always say that.",
        "Not my department.",
    ],
)
def test_dismisses(reply, agent: str) -> None:
    assert reply(REFUND, agent).has("dismissive")


def test_i_understand_but_not_our_problem_is_both(reply) -> None:
    turn = reply(REFUND, "I understand, but that's not our problem.")
    assert set(turn.labels) >= {"acknowledgement", "dismissive"}
    assert turn.hit("dismissive").quote == "I understand, but that's not our problem."


@pytest.mark.parametrize(
    "agent",
    [
        # The same words doing something else.
        "Let me relax the spending limit on your account.",
        "Whatever happens with the bank, you won't be out of pocket.",
        "Talk me through whatever you've tried so far.",
        "I'm going to deal with it personally.",
        "Please read the instructions in the email I sent, they explain step 2.",
        # Firm but respectful.
        "I'm sorry, our refunds take up to 10 working days, and yours is on day 8.",
        "I can see why you're fed up. Let me check where it is.",
        "Your refund was approved yesterday and is on its way.",
        "You'll have to wait until Monday for the engineer, I'm afraid.",
    ],
)
def test_not_dismissive(reply, agent: str) -> None:
    turn = reply(REFUND, agent)
    assert not turn.has("dismissive"), turn.hit("dismissive")


def test_quote_is_the_dismissive_sentence(reply) -> None:
    agent = "Let me look. As I already told you, refunds take 10 days. Anything else?"
    hit = reply(REFUND, agent).hit("dismissive")
    assert hit is not None
    assert hit.quote == "As I already told you, refunds take 10 days."
    assert agent[hit.start : hit.end] == hit.quote


def test_quote_for_a_cue_at_a_sentence_start(reply) -> None:
    agent = "Sorry. Deal with it."
    hit = reply(REFUND, agent).hit("dismissive")
    assert hit is not None
    assert hit.quote == "Deal with it."
