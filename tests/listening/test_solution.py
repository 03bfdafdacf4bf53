"""`solution`: concrete steps, information, or what the agent has done about it."""

from __future__ import annotations

import pytest

LOCKED_OUT = "I can't log in to the app, it keeps saying my password is wrong."


@pytest.mark.parametrize(
    "agent",
    [
        "Go to Settings, then tap 'Forgot password' and follow the link we email you.",
        "I've reset your password and sent a temporary one to your email.",
        "You can reset it from the login screen by tapping 'Forgot password'.",
        "The problem is a known bug in version 4.2, and the fix is to update the app.",
        "Have you tried clearing the app's cache?",
        "Would you like me to send you a reset link?",
        "I'd recommend updating the app first.",
    ],
)
def test_gives_a_solution(reply, agent: str) -> None:
    assert reply(LOCKED_OUT, agent).has("solution")


@pytest.mark.parametrize(
    "agent",
    [
        # Holding is not a remedy ("hold the power button" is).
        "Please hold.",
        "Please hold for a moment while I check.",
        "Thanks for your patience.",
        "I'm sorry to hear that.",
        "What does the error message say exactly?",
    ],
)
def test_no_solution(reply, agent: str) -> None:
    turn = reply(LOCKED_OUT, agent)
    assert not turn.has("solution"), turn.hit("solution")


def test_hold_the_button_is_a_step(reply) -> None:
    turn = reply("My router won't turn on.", "Hold down the reset button for ten seconds.")
    assert turn.has("solution")


def test_numbered_steps_are_counted_and_a_step_is_quoted(reply) -> None:
    agent = "Here's what to do:\n1. Open the app\n2. Tap Forgot password\n3. Check your email"
    hit = reply(LOCKED_OUT, agent).hit("solution")
    assert hit is not None
    assert hit.detail["steps"] == 3
    assert agent[hit.start : hit.end] == hit.quote
    assert any(ch.isalpha() for ch in hit.quote)  # not the bare list number "1."


def test_numbered_list_on_its_own(reply) -> None:
    agent = "1. Open the app\n2. Tap Forgot password\n3. Check your email"
    hit = reply(LOCKED_OUT, agent).hit("solution")
    assert hit is not None
    assert hit.quote == "Open the app"
    assert hit.detail["steps"] == 3


def test_bulleted_steps_are_counted(reply) -> None:
    agent = "Try this:\n- Sign out of the app\n- Sign back in with your email address"
    hit = reply(LOCKED_OUT, agent).hit("solution")
    assert hit is not None
    assert hit.detail["steps"] == 2


def test_quote_is_the_sentence_with_the_remedy(reply) -> None:
    agent = "Thanks for bearing with me. I've reset your password. You'll get a text shortly."
    hit = reply(LOCKED_OUT, agent).hit("solution")
    assert hit is not None
    assert hit.quote == "I've reset your password."
    assert agent[hit.start : hit.end] == hit.quote
