"""Suggestions are grounded in the customer's words: paraphrases add no fact, questions ask
for what is missing, openers vary across turns and conversations."""

from __future__ import annotations

import itertools
import re

import pytest

from heard.assist import (
    AssistSession,
    OpenerBank,
    OpenerMemory,
    SlotTable,
    SuggestionKind,
    default_opener_bank,
)
from heard.assist.slots import SlotTableError
from heard.assist.suggestions import FRAME_WORDS
from heard.assist.wording import to_second_person
from heard.conversation import Conversation, Role, Turn
from heard.listening.features import STOPWORDS
from heard.listening.text import words

from .conftest import example, example_conversations, kinds, replay, session_for

# Forms the person switch produces ("I was" → "you were", "you charged me" → "we charged us").
SWITCHED = frozenset(
    "you you're you've you'd you'll your yours yourself yourselves we we're we've we'd we'll our "
    "ours ourselves us were weren't are".split()
)


def test_person_is_switched_without_adding_words() -> None:
    assert to_second_person("my order hasn't arrived") == "your order hasn't arrived"
    assert to_second_person("I need it for Saturday") == "you need it for Saturday"
    assert to_second_person("I was charged twice") == "you were charged twice"
    assert to_second_person("I'm worried and I've waited") == "you're worried and you've waited"
    assert to_second_person("you charged me twice") == "we charged you twice"
    assert to_second_person("I told you already") == "you told us already"
    assert to_second_person("we ordered it for our son") == "you ordered it for your son"


def test_paraphrase_from_the_customers_words() -> None:
    _, updates = session_for(
        [
            (
                "customer",
                "Hi, my order #48213 still hasn't arrived. It was supposed to come on Tuesday.",
            ),
            (
                "customer",
                "I need the decorations for my daughter's birthday party this Saturday and I'm "
                "getting really worried.",
            ),
        ]
    )
    paraphrase = kinds(updates[-1])["paraphrase"]
    assert paraphrase == (
        "Just to confirm: your order #48213 still hasn't arrived, it was supposed to come on "
        "Tuesday and you need the decorations for your daughter's birthday party this Saturday "
        "— is that right?"
    )
    grounded = next(s for s in updates[-1].suggestions if s.kind is SuggestionKind.PARAPHRASE)
    assert [g.turn_id for g in grounded.grounded_in] == ["t1", "t1", "t2"]


def test_every_paraphrase_is_grounded_in_the_customers_words() -> None:
    checked = 0
    for conversation in example_conversations():
        for update in replay(conversation):
            said = conversation.turns[
                : [t.id for t in conversation.turns].index(update.turn_id) + 1
            ]
            customer = " ".join(t.text for t in said if t.role is Role.CUSTOMER)
            customer_words = set(words(customer))
            for suggestion in update.suggestions:
                if suggestion.kind is not SuggestionKind.PARAPHRASE:
                    continue
                checked += 1
                for word in words(suggestion.text):
                    assert (
                        word in customer_words
                        or word in FRAME_WORDS
                        or word in SWITCHED
                        or word in STOPWORDS
                    ), f"{conversation.id} {update.turn_id}: “{word}” in {suggestion.text!r}"
                numbers = set(re.findall(r"\d+", suggestion.text))
                assert numbers <= set(re.findall(r"\d+", customer))
    assert checked >= 20


def test_the_suggested_paraphrase_reads_as_one() -> None:
    session, updates = session_for(
        [("customer", "My internet has been dropping out every evening since Thursday.")]
    )
    text = kinds(updates[-1])["paraphrase"]
    sent = session.add_turn(Turn(role=Role.AGENT, text=text))
    assert sent.annotations[-1].has("paraphrase")
    assert "paraphrase" not in kinds(sent)  # confirmed: nothing left to restate


def test_no_paraphrase_without_a_concern() -> None:
    _, updates = session_for([("customer", "Hello there!")])
    assert "paraphrase" not in kinds(updates[-1])


# --- clarifying questions ----------------------------------------------------------------


def test_asks_for_the_first_missing_slot() -> None:
    _, updates = session_for([("customer", "My parcel hasn't arrived yet.")])
    question = next(
        s for s in updates[-1].suggestions if s.kind is SuggestionKind.CLARIFYING_QUESTION
    )
    assert question.detail["slot"] == "order_number"
    assert question.text.startswith("What")  # open, not yes/no
    assert question.grounded_in[0].quote == "My parcel hasn't arrived yet."


def test_skips_what_is_known_and_what_was_asked() -> None:
    _, updates = session_for(
        [
            ("customer", "My order #51877 hasn't arrived and it was due on Monday."),
            ("agent", "I'm sorry. What does the tracking page show?"),
        ]
    )
    assert "clarifying_question" not in kinds(updates[-1])
    _, updates = session_for([("customer", "My order #51877 hasn't arrived.")])
    assert kinds(updates[-1])["clarifying_question"] == "When was it due to arrive?"


@pytest.mark.parametrize(
    ("said", "slot"),
    [
        ("I was charged a cancellation fee on my account.", "amount"),
        ("The app keeps crashing on my iPhone since the update.", "what_tried"),
        ("I'm locked out of my account and the reset link never arrives.", "email_on_file"),
        ("My internet keeps dropping out.", "since_when"),
    ],
)
def test_slots_per_kind_of_issue(said: str, slot: str) -> None:
    _, updates = session_for([("customer", said)])
    question = next(
        s for s in updates[-1].suggestions if s.kind is SuggestionKind.CLARIFYING_QUESTION
    )
    assert question.detail["slot"] == slot


def test_no_question_once_the_agent_is_resolving() -> None:
    updates = replay(example("chat-1001"))
    assert "clarifying_question" in kinds(updates[0])
    assert all("clarifying_question" not in kinds(u) for u in updates[7:])


def test_the_slot_table_is_data() -> None:
    table = SlotTable.from_data(
        {
            "issues": [
                {
                    "kind": "pets",
                    "detect": r"\bdog\b",
                    "slots": [
                        {
                            "name": "breed",
                            "present": r"\b(?:labrador|poodle)\b",
                            "question": "What breed is your dog?",
                        }
                    ],
                }
            ]
        }
    )
    session = AssistSession(Conversation(id="p"), slots=table, openers=OpenerMemory())
    update = session.add_turn(Turn(role=Role.CUSTOMER, text="My dog won't eat the new food."))
    assert kinds(update)["clarifying_question"] == "What breed is your dog?"
    with pytest.raises(SlotTableError, match="not a valid regular expression"):
        SlotTable.from_data(
            {"issues": [{"kind": "x", "detect": "(", "slots": []}]}, source="mine.yaml"
        )
    with pytest.raises(SlotTableError, match="issues"):
        SlotTable.from_data([])


# --- empathy openers -------------------------------------------------------------------------

FRUSTRATED = "I'm so frustrated, my refund still hasn't arrived after three weeks!"


def opener_for(memory: OpenerMemory, conversation_id: str, agent: str = "agent-7") -> str:
    session = AssistSession(Conversation(id=conversation_id, agent_id=agent), openers=memory)
    update = session.add_turn(Turn(role=Role.CUSTOMER, text=FRUSTRATED))
    return kinds(update)["empathy_opener"]


def test_opener_names_the_customers_situation() -> None:
    text = opener_for(OpenerMemory(), "c-1")
    assert "your refund still hasn't arrived after three weeks" in text


def test_openers_vary_across_an_agents_conversations() -> None:
    memory = OpenerMemory()
    lines = [opener_for(memory, f"conversation-{n}") for n in range(20)]
    bank = len(default_opener_bank().specific["frustration"])
    for start in range(len(lines) - bank + 1):
        window = lines[start : start + bank]
        assert len(set(window)) == bank, "an opener came back before the others were used"
    assert memory.recent("agent-7")[-1].startswith("frustration-")


def test_openers_vary_across_turns_of_one_conversation() -> None:
    memory = OpenerMemory()
    session = AssistSession(Conversation(id="long", agent_id="agent-3"), openers=memory)
    offered: list[str] = []
    for n in range(20):
        update = session.add_turn(
            Turn(
                role=Role.CUSTOMER, text=f"I'm so frustrated, my refund still hasn't arrived ({n})!"
            )
        )
        offered.append(next(s.detail["opener"] for s in update.suggestions if s.detail))
        session.add_turn(Turn(role=Role.AGENT, text="Let me look at the account."))
    bank = len(default_opener_bank().specific["frustration"])
    assert len(set(offered[:bank])) == bank
    assert all(a != b for a, b in itertools.pairwise(offered))


def test_openers_start_differently_for_different_agents() -> None:
    # A new agent's first opener depends on the conversation, so a team does not all open with
    # the same line.
    firsts = {opener_for(OpenerMemory(), f"conversation-{n}", agent=f"agent-{n}") for n in range(8)}
    assert len(firsts) >= 3


def test_opener_stays_put_while_the_agent_types() -> None:
    memory = OpenerMemory()
    session = AssistSession(Conversation(id="typing", agent_id="agent-9"), openers=memory)
    first = kinds(session.add_turn(Turn(role=Role.CUSTOMER, text=FRUSTRATED)))["empathy_opener"]
    for draft in ("I", "I'm", "I'm looking"):
        assert kinds(session.partial(Turn(role=Role.AGENT, text=draft)))["empathy_opener"] == first
    assert len(memory.recent("agent-9")) == 1


def test_opener_bank_is_data() -> None:
    bank = OpenerBank.from_data(
        {
            "anger": ["I hear you: {situation}."],
            "fallback": {"anger": ["I hear you."]},
        }
    )
    memory = OpenerMemory(bank)
    session = AssistSession(Conversation(id="b"), openers=memory)
    update = session.add_turn(
        Turn(role=Role.CUSTOMER, text="This is ridiculous and unacceptable, you charged me twice!")
    )
    assert kinds(update)["empathy_opener"] == "I hear you: we charged you twice."
    with pytest.raises(ValueError, match="must contain"):
        OpenerBank.from_data({"anger": ["No situation here."]})
    with pytest.raises(ValueError, match="unknown emotion"):
        OpenerBank.from_data({"joy": ["{situation}!"]})


def test_no_opener_without_a_feeling() -> None:
    _, updates = session_for([("customer", "Can I change my delivery day to Wednesday?")])
    assert "empathy_opener" not in kinds(updates[-1])


# --- closing checklist -----------------------------------------------------------------------


def test_closing_checklist_items_with_evidence() -> None:
    updates = replay(example("chat-1001"))
    checklist = next(
        s for s in updates[-1].suggestions if s.kind is SuggestionKind.CLOSING_CHECKLIST
    )
    assert checklist.items is not None
    assert {item.code: item.done for item in checklist.items} == {
        "issue_confirmed": True,
        "solution_given": True,
        "timeline_given": True,
        "follow_up_committed": True,
        "concerns_answered": True,
        "anything_else_asked": True,
    }
    assert checklist.text.startswith("Closing checklist complete")
    timeline = next(i for i in checklist.items if i.code == "timeline_given")
    assert timeline.evidence[0].turn_id == "t9"


def test_checklist_lists_what_is_missing() -> None:
    updates = replay(example("chat-1002"))
    checklist = next(
        s for s in updates[-1].suggestions if s.kind is SuggestionKind.CLOSING_CHECKLIST
    )
    missing = {item.code for item in checklist.items or [] if not item.done}
    assert {"issue_confirmed", "follow_up_committed", "concerns_answered"} <= missing
    open_concern = next(i for i in checklist.items or [] if i.code == "concerns_answered")
    assert open_concern.evidence and all(
        e.reason == "not answered yet" for e in open_concern.evidence
    )
