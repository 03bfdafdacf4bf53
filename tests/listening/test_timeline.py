"""`timeline`: commits to when — a time tied to an action the agent promises."""

from __future__ import annotations

import pytest

LATE = "My parcel hasn't come, it was meant to be here since Monday."


@pytest.mark.parametrize(
    ("agent", "when"),
    [
        ("The courier will deliver it tomorrow before 12pm.", "tomorrow"),
        ("You'll get an email within 24 hours.", "within 24"),
        ("We'll have an update for you by the end of the week.", "end of"),
        ("I'll call you back within the hour.", "within the hour"),
        ("I'm sending a replacement today.", "today"),
        ("Refunds usually take 3-5 working days to show.", "3-5 working days"),
        ("I'll chase the courier and get back to you this afternoon.", "this afternoon"),
        # What already happened is not the commitment; what comes next is.
        ("It arrived at the depot on Tuesday and should reach you on Thursday.", "Thursday"),
    ],
)
def test_commits_to_when(reply, agent: str, when: str) -> None:
    hit = reply(LATE, agent).hit("timeline")
    assert hit is not None
    assert when in hit.detail["when"]
    assert hit.quote == agent


@pytest.mark.parametrize(
    "agent",
    [
        # The customer's own time, echoed back.
        "Since Monday, I see.",
        "So it's been missing since Monday.",
        "That was due last Tuesday.",
        # What already happened.
        "It was shipped on Tuesday.",
        "Our records show it was delivered on Friday at 2pm.",
        "It should have arrived by Monday.",
        # A time, but no action promised.
        "Monday deliveries are often delayed.",
        "Were you able to check with your neighbours on Monday?",
        "Take care of yourself tonight.",
    ],
)
def test_not_a_timeline(reply, agent: str) -> None:
    turn = reply(LATE, agent)
    assert not turn.has("timeline"), turn.hit("timeline")


def test_customer_deadline_is_not_the_agents_timeline(talk) -> None:
    annotated = talk(
        [
            ("customer", "I need the replacement by Friday, it's for my daughter's birthday."),
            ("agent", "I understand how important that is."),
        ]
    )
    assert annotated.turns[0].labels == []
    assert not annotated.turns[1].has("timeline")


def test_quote_is_the_sentence_with_the_commitment(reply) -> None:
    agent = "I'm so sorry it's late. I've booked a redelivery. It will arrive by 6pm tomorrow."
    hit = reply(LATE, agent).hit("timeline")
    assert hit is not None
    assert hit.quote == "It will arrive by 6pm tomorrow."
    assert agent[hit.start : hit.end] == hit.quote
