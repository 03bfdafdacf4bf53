"""Every nudge fires when it should, and not when it shouldn't, on the bundled examples and on
small hand-made conversations."""

from __future__ import annotations

import re

from heard.assist import NudgeCode, Severity, UpdateKind
from heard.conversation import Channel

from .conftest import (
    assert_quotes_verbatim,
    codes,
    example,
    example_conversations,
    make_turn,
    replay,
    session_for,
)


def standing(updates, turn_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return next(codes(u) for u in updates if u.turn_id == turn_id)


def fresh(updates, turn_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return next(codes(u, new_only=True) for u in updates if u.turn_id == turn_id)


def test_every_quote_is_verbatim_on_every_example() -> None:
    for conversation in example_conversations():
        for update in replay(conversation):
            assert_quotes_verbatim(conversation, update)


# --- unacknowledged emotion -------------------------------------------------------------


def test_unacknowledged_emotion_counts_feelings_across_customer_turns() -> None:
    updates = replay(example("chat-1004"))
    assert "unacknowledged_emotion" not in standing(updates, "t1")  # not before any reply
    # The burning blender reads as a clear feeling (intensity >= CLEAR_FEELING), and the agent
    # replied past it ("I understand. Did you read the manual?"): announced there, once.
    assert "unacknowledged_emotion" in fresh(updates, "t3")
    first = next(n for n in updates[2].nudges if n.code is NudgeCode.UNACKNOWLEDGED_EMOTION)
    assert re.fullmatch(
        r"The customer expressed (frustration|anger) and it has not been acknowledged",
        first.message,
    ), first.message
    # The customer's next turn is counted into the same nudge, which now says twice.
    assert "unacknowledged_emotion" in standing(updates, "t4")
    nudge = next(n for n in updates[3].nudges if n.code is NudgeCode.UNACKNOWLEDGED_EMOTION)
    assert nudge.id == first.id
    # Which negative emotion each turn reads as is the emotion model's call (frustration or
    # anger here); the nudge names what it counted.
    assert re.fullmatch(
        r"The customer has expressed (frustration|anger)( and (frustration|anger))? twice "
        r"and it has not been acknowledged",
        nudge.message,
    ), nudge.message
    assert [e.turn_id for e in nudge.evidence] == ["t1", "t4"]


def test_unacknowledged_emotion_not_raised_when_the_agent_responds_to_feelings() -> None:
    for conversation_id in ("chat-1001", "sms-2001", "sms-2002"):
        for update in replay(example(conversation_id)):
            assert "unacknowledged_emotion" not in codes(update), conversation_id


def test_a_single_strong_feeling_ignored_by_the_reply_is_nudged() -> None:
    _, updates = session_for(
        [
            ("customer", "This is absolutely ridiculous, I was charged twice and nobody cares!"),
            ("agent", "What is your account number?"),
        ]
    )
    nudge = next(n for n in updates[-1].nudges if n.code is NudgeCode.UNACKNOWLEDGED_EMOTION)
    assert nudge.message.startswith("The customer expressed")
    assert nudge.evidence[0].turn_id == "t1"


def test_feelings_stop_counting_after_empathy() -> None:
    _, updates = session_for(
        [
            ("customer", "I'm so frustrated, my internet keeps dropping every evening."),
            ("agent", "When did it start?"),
            ("customer", "Since Monday, and I'm really fed up with it now."),
            ("agent", "That sounds really frustrating, I'm sorry. Let me check the line."),
        ]
    )
    assert "unacknowledged_emotion" in codes(updates[2])
    assert "unacknowledged_emotion" not in codes(updates[3])
    assert updates[3].resolved_nudges and updates[3].resolved_nudges[0].startswith(
        "unacknowledged_emotion:"
    )


# --- issue not confirmed ----------------------------------------------------------------


def test_issue_not_confirmed_after_two_replies_without_restating() -> None:
    updates = replay(example("chat-1002"))
    assert "issue_not_confirmed" not in standing(updates, "t2")
    assert "issue_not_confirmed" in fresh(updates, "t4")


def test_issue_not_confirmed_never_raised_when_the_agent_restates() -> None:
    for conversation_id in ("chat-1001", "call-internet-outage"):
        for update in replay(example(conversation_id)):
            assert "issue_not_confirmed" not in codes(update), conversation_id


def test_solving_before_confirming_is_a_warning() -> None:
    _, updates = session_for(
        [
            (
                "customer",
                "My washing machine has been leaking water all over the kitchen floor since the "
                "engineer visited on Friday.",
            ),
            ("agent", "I've booked another engineer visit for Thursday morning."),
        ]
    )
    nudge = next(n for n in updates[-1].nudges if n.code is NudgeCode.ISSUE_NOT_CONFIRMED)
    assert nudge.severity is Severity.WARNING
    assert nudge.evidence[0].turn_id == "t1"


def test_a_short_request_needs_no_confirming() -> None:
    _, updates = session_for(
        [
            ("customer", "Can I change my delivery day to Wednesday?"),
            ("agent", "Yes, I've moved it to Wednesday."),
            ("customer", "Great."),
            ("agent", "Your next delivery is on Wednesday."),
        ]
    )
    assert all("issue_not_confirmed" not in codes(u) for u in updates)


# --- talking over -----------------------------------------------------------------------


def test_agent_partial_over_the_customers_speech() -> None:
    session, _ = session_for(
        [("agent", "Northwind Broadband, how can I help?", 0.0, 2.0)], channel=Channel.VOICE
    )
    session.partial(
        make_turn(("customer", "My internet keeps dropping out every evening and", 2.5, 6.0))
    )
    update = session.partial(make_turn(("agent", "Have you restarted the router", 5.0, 6.2)))
    assert update.kind is UpdateKind.PARTIAL
    nudge = next(n for n in update.nudges if n.code is NudgeCode.TALKING_OVER)
    assert nudge.message == "You started speaking over the customer"
    assert nudge.new


def test_no_talking_over_when_the_customer_had_finished_or_for_a_backchannel() -> None:
    session, _ = session_for(
        [
            ("agent", "Northwind Broadband, how can I help?", 0.0, 2.0),
            ("customer", "My internet keeps dropping out every evening.", 2.5, 6.0),
        ],
        channel=Channel.VOICE,
    )
    after = session.partial(make_turn(("agent", "I'm sorry to hear that", 6.4, 7.5)))
    assert "talking_over" not in codes(after)
    session.partial(make_turn(("customer", "and I work from home so", 7.6, 9.0)))
    backchannel = session.partial(make_turn(("agent", "Mm-hm.", 8.0, 8.3)))
    assert "talking_over" not in codes(backchannel)


def test_cutting_in_shown_by_the_transcript() -> None:
    updates = replay(example("call-billing-dispute"))
    assert "talking_over" in fresh(updates, "t5")
    assert "talking_over" not in standing(updates, "t3")


# --- closing ------------------------------------------------------------------------------


def test_closing_without_a_follow_up_or_timeline() -> None:
    updates = replay(example("chat-1002"))
    nudge = next(n for n in updates[-1].nudges if n.code is NudgeCode.CLOSING_CHECKLIST)
    assert "say how you'll follow up" in nudge.message
    assert nudge.message.startswith("Before closing: ")
    assert nudge.evidence[0].quote == "Anything else?"


def test_closing_checklist_names_timeline_and_follow_up() -> None:
    _, updates = session_for(
        [
            ("customer", "My refund for the jacket still hasn't arrived after three weeks."),
            ("agent", "Just to confirm, your jacket refund hasn't come through yet?"),
            ("customer", "Yes."),
            ("agent", "I've asked the finance team to release the refund now."),
            ("customer", "OK thanks."),
        ]
    )
    nudge = next(n for n in updates[-1].nudges if n.code is NudgeCode.CLOSING_CHECKLIST)
    assert nudge.message == "Before closing: give a timeline and say how you'll follow up"


def test_no_closing_nudge_when_the_close_is_complete_or_not_started() -> None:
    for update in replay(example("chat-1001")):
        assert "closing_checklist" not in codes(update)
    updates = replay(example("call-internet-outage"))
    # The greeting "Thank you for calling" is not a close.
    assert "closing_checklist" not in standing(updates, "t1")
    assert "closing_checklist" in fresh(updates, "t8")  # thanks before the follow-up…
    assert updates[8].resolved_nudges == ["closing_checklist:t8"]  # …which t9 gives


# --- interrogation --------------------------------------------------------------------------


def test_closed_questions_in_a_row() -> None:
    updates = replay(example("chat-1004"))
    assert "interrogation" in fresh(updates, "t7")
    nudge = next(n for n in updates[6].nudges if n.code is NudgeCode.INTERROGATION)
    assert nudge.message.startswith("You've asked three closed questions in a row")
    assert "interrogation" not in standing(updates, "t9")


def test_four_closed_questions_are_counted() -> None:
    _, updates = session_for(
        [
            ("customer", "My blender stopped working."),
            ("agent", "Did you overfill it?"),
            ("agent", "Did you use it for ice?"),
            ("agent", "Is it plugged into an extension lead?"),
            ("agent", "Is the lid locked?"),
        ]
    )
    assert "You've asked four closed questions" in next(
        n.message for n in updates[-1].nudges if n.code is NudgeCode.INTERROGATION
    )
    # The same run keeps its id: announced at the third question, not again at the fourth.
    third, fourth = (
        next(n for n in u.nudges if n.code is NudgeCode.INTERROGATION) for u in updates[3:5]
    )
    assert third.new and not fourth.new and third.id == fourth.id


def test_questions_with_acknowledgement_between_are_not_an_interrogation() -> None:
    _, updates = session_for(
        [
            ("customer", "My blender stopped working."),
            ("agent", "Did you overfill it?"),
            ("customer", "No."),
            ("agent", "I see, thanks. Did you use it for ice?"),
            ("customer", "No."),
            ("agent", "Got it. Is it plugged into an extension lead?"),
        ]
    )
    assert all("interrogation" not in codes(u) for u in updates)


# --- repetition -------------------------------------------------------------------------------


def test_customer_repeating_themselves_unaddressed() -> None:
    updates = replay(example("chat-1002"))
    assert "repeat_unaddressed" in fresh(updates, "t3")
    nudge = next(n for n in updates[2].nudges if n.code is NudgeCode.REPEAT_UNADDRESSED)
    assert nudge.evidence[0].turn_id == "t3"


def test_repetition_acknowledged_is_resolved() -> None:
    _, updates = session_for(
        [
            ("customer", "My order 51877 hasn't arrived."),
            ("agent", "Order number?"),
            ("customer", "I just gave it to you. 51877."),
            ("agent", "Sorry, you did, I see it now. Let me check where it is."),
        ]
    )
    assert "repeat_unaddressed" in codes(updates[2])
    assert "repeat_unaddressed" not in codes(updates[3])


# --- language ---------------------------------------------------------------------------------


def test_language_mismatch() -> None:
    _, updates = session_for(
        [
            (
                "customer",
                "Bonjour, ma commande n'est toujours pas arrivée et j'en ai besoin pour samedi.",
            ),
            ("agent", "Hello, I am sorry to hear that your order has not arrived yet."),
        ]
    )
    nudge = next(n for n in updates[-1].nudges if n.code is NudgeCode.LANGUAGE_MISMATCH)
    assert nudge.message == "The customer is using French but your replies are in English"
    assert {e.reason for e in nudge.evidence} == {"fr", "en"}


def test_no_language_mismatch_in_one_language() -> None:
    for conversation in example_conversations():
        for update in replay(conversation):
            assert "language_mismatch" not in codes(update)


# --- dismissive ---------------------------------------------------------------------------


def test_dismissive_wording_is_flagged_on_the_turn() -> None:
    updates = replay(example("chat-1002"))
    assert "dismissive_language" in fresh(updates, "t6")
    assert "dismissive_language" not in standing(updates, "t7")
    assert all("dismissive_language" not in codes(u) for u in replay(example("chat-1001")))
