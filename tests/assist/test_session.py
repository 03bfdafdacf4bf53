"""AssistSession: final turns are committed, partials and drafts never are, nudges are
announced once per situation, and updates travel as JSON."""

from __future__ import annotations

import pytest

from heard.assist import AssistSession, AssistUpdate, NudgeCode, UpdateKind
from heard.conversation import Channel, Conversation, Role, Turn
from heard.listening import default_pipeline

from .conftest import codes, example, make_turn, replay, session_for


def test_final_turns_are_committed_with_their_annotations() -> None:
    session, updates = session_for(
        [("customer", "My order hasn't arrived."), ("agent", "I'm sorry, let me check.")]
    )
    assert [t.id for t in session.conversation.turns] == ["t1", "t2"]
    assert updates[1].turn_id == "t2" and updates[1].kind is UpdateKind.FINAL
    assert updates[1].annotations[-1] == session.annotations[-1]
    assert updates[1].elapsed_ms > 0
    assert session.pipeline is default_pipeline()


def test_existing_conversation_is_analysed_first() -> None:
    conversation = example("chat-1002")
    session = AssistSession(conversation.model_copy(update={"turns": conversation.turns[:3]}))
    update = session.add_turn(conversation.turns[3])
    assert update.turn_id == "t4"
    assert "repeat_unaddressed" in codes(update)


def test_partials_are_never_committed_and_replace_each_other() -> None:
    session, _ = session_for([("customer", "My refund still hasn't arrived.")])
    first = session.partial(Turn(role=Role.AGENT, text="I'm sorry"))
    second = session.partial(Turn(role=Role.AGENT, text="I'm sorry your refund is late"))
    assert first.kind is UpdateKind.DRAFT and second.kind is UpdateKind.DRAFT
    assert first.turn_id == second.turn_id == "t2"  # the id the final turn will get
    assert len(session.conversation.turns) == 1
    assert len(session.annotations) == 1
    # The second draft replaced the first: the session holds one pending turn per speaker.
    assert session._partials[Role.AGENT].text == "I'm sorry your refund is late"
    final = session.add_turn(Turn(role=Role.AGENT, text="I'm sorry your refund is late."))
    assert final.turn_id == "t2" and Role.AGENT not in session._partials
    assert [t.text for t in session.conversation.turns][-1] == "I'm sorry your refund is late."


def test_a_draft_update_carries_its_check_and_a_partial_annotation() -> None:
    session, _ = session_for([("customer", "When will I get my refund?")])
    update = session.partial(Turn(role=Role.AGENT, text="Thanks for waiting."))
    assert update.draft is not None
    assert update.draft.issues[0].code == "unanswered_question"
    assert update.annotations[-1].id == "t2"
    interim = session.partial(Turn(role=Role.CUSTOMER, text="and also", start=3.0, end=3.5))
    assert interim.kind is UpdateKind.PARTIAL and interim.draft is None
    with pytest.raises(ValueError, match="add_turn"):
        session.partial(Turn(role=Role.AGENT, text="x"), kind=UpdateKind.FINAL)


def test_a_partial_does_not_disturb_earlier_annotations() -> None:
    session, _ = session_for(
        [
            ("customer", "I've been waiting for a call back for two days and", 0.0, 4.0),
            ("agent", "Right, can I take your account number?", 4.5, 6.0),
        ],
        channel=Channel.VOICE,
    )
    before = session.annotations[-1].model_copy(deep=True)
    update = session.partial(make_turn(("customer", "Let me finish, please.", 6.2, 7.0)))
    # The protest marks the agent's turn as an interruption, in the update only.
    assert any(a.id == "t2" and a.has("interruption") for a in update.annotations)
    assert session.annotations[-1] == before
    session.discard_partial(Role.CUSTOMER)
    assert Role.CUSTOMER not in session._partials


def test_check_draft_leaves_the_conversation_alone() -> None:
    session, _ = session_for([("customer", "When will I get my refund?")])
    check = session.check_draft("Refunds take up to 5 working days.")
    assert len(session.conversation.turns) == 1
    assert check.annotation.role is Role.AGENT
    assert check.elapsed_ms > 0


def test_nudges_are_announced_once_per_situation() -> None:
    updates = replay(example("chat-1004"))
    seen: dict[str, int] = {}
    for update in updates:
        for nudge in update.nudges:
            if nudge.new:
                assert nudge.id not in seen, f"{nudge.id} announced twice"
                seen[nudge.id] = 1
            else:
                assert nudge.id in seen
    emotion = [
        [n.new for n in u.nudges if n.code is NudgeCode.UNACKNOWLEDGED_EMOTION] for u in updates
    ]
    # Announced where the agent first replies past the clear feeling (t3), then only kept.
    assert emotion[2:7] == [[True], [False], [False], [False], [False]]


def test_a_situation_that_changes_is_announced_again() -> None:
    # Escalation (a third unacknowledged feeling) is a new situation: a new id, announced.
    updates = replay(example("chat-1004"))
    ids = [n.id for n in updates[7].nudges if n.code is NudgeCode.UNACKNOWLEDGED_EMOTION]
    assert ids == ["unacknowledged_emotion:t1:urgent"]
    assert next(n for n in updates[7].nudges if n.id == ids[0]).new
    assert "unacknowledged_emotion:t1:warning" in updates[7].resolved_nudges


def test_a_nudge_seen_on_a_draft_is_not_announced_again_when_sent() -> None:
    session, _ = session_for([("customer", "I need my prescription today, it never arrived.")])
    draft = session.partial(Turn(role=Role.AGENT, text="Calm down, it will come."))
    assert "dismissive_language" in codes(draft, new_only=True)
    final = session.add_turn(Turn(id="t2", role=Role.AGENT, text="Calm down, it will come."))
    assert "dismissive_language" in codes(final)
    assert "dismissive_language" not in codes(final, new_only=True)


def test_updates_round_trip_as_json() -> None:
    for update in replay(example("chat-1002")):
        again = AssistUpdate.model_validate_json(update.model_dump_json())
        assert again == update
    session, _ = session_for([("customer", "When will I get my refund?")])
    draft = session.partial(Turn(role=Role.AGENT, text="Soon."))
    assert AssistUpdate.model_validate_json(draft.model_dump_json()) == draft


def test_sessions_are_independent() -> None:
    one, _ = session_for([("customer", "My order hasn't arrived.")], conversation_id="a")
    two = AssistSession(Conversation(id="b"))
    two.add_turn(Turn(role=Role.CUSTOMER, text="Hello"))
    assert len(one.conversation.turns) == 1 and len(two.conversation.turns) == 1
