"""`reassurance`: affirms and reassures ("You did the right thing calling us")."""

from __future__ import annotations

import pytest

FRAUD = "I think someone has used my card, there are payments I don't recognise and I'm panicking."


@pytest.mark.parametrize(
    "agent",
    [
        "Don't worry, your money is protected.",
        "You did the right thing calling us straight away.",
        "Rest assured, we'll get this sorted today.",
        "It's not your fault at all.",
        "You're in good hands.",
        "Everything is going to be okay.",
        "It'll be fine, this happens more often than you'd think.",
        "The good news is the card is already frozen.",
        "Your money is safe, the card is blocked now.",
        "You're not the first person this has happened to, and we sort it out every day.",
    ],
)
def test_reassures(reply, agent: str) -> None:
    assert reply(FRAUD, agent).has("reassurance")


@pytest.mark.parametrize(
    "agent",
    [
        # "it'll be" + a time or place is information, not reassurance.
        "It'll be back on your card in 3-5 working days.",
        "It will be delivered on Friday.",
        "This will be charged to your account.",
        "Your card ends in 4471, is that right?",
        "Can I take your full name, please?",
        "Please hold.",
    ],
)
def test_does_not_reassure(reply, agent: str) -> None:
    turn = reply(FRAUD, agent)
    assert not turn.has("reassurance"), turn.hit("reassurance")


def test_a_shrug_is_not_reassurance(reply) -> None:
    turn = reply(FRAUD, "It is what it is.")
    assert turn.has("dismissive")
    assert not turn.has("reassurance")


def test_quote_is_the_reassuring_sentence(reply) -> None:
    agent = (
        "I've frozen the card now. Don't worry, you won't be liable for payments you didn't make."
    )
    hit = reply(FRAUD, agent).hit("reassurance")
    assert hit is not None
    assert hit.quote == "Don't worry, you won't be liable for payments you didn't make."
    assert agent[hit.start : hit.end] == hit.quote


def test_a_good_idea_to_do_something_is_a_suggestion(reply) -> None:
    turn = reply(
        "I've felt so low for months and I can't shake it.",
        "I think it might be a good idea to talk to your doctor about it.",
    )
    assert not turn.has("reassurance"), turn.hit("reassurance")
    assert turn.has("solution"), turn.labels
