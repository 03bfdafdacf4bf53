"""Scripted empathy: the same agent using the same empathy line across conversations.

heard.analysis.analyze_many counts each agent's empathy lines over the corpus; a line used in
at least ``scripted_empathy.min_conversations`` (3 by default) conversations is marked
``detail.scripted`` wherever it appears.
"""

from __future__ import annotations

from heard.analysis import analyze_many
from heard.conversation import Conversation
from heard.listening import annotate
from heard.listening.corpus import EmpathyLedger

from .conftest import make_conversation

LINE = "I completely understand how frustrating that must be."
ISSUES = [
    "My order hasn't arrived and it's been ten days.",
    "I was charged twice for the same delivery.",
    "The app keeps logging me out every few minutes.",
    "My replacement headphones are faulty too.",
]


def conversation(number: int, agent_id: str | None, line: str = LINE) -> Conversation:
    return make_conversation(
        [
            ("customer", ISSUES[number % len(ISSUES)]),
            ("agent", line),
            ("customer", "Okay."),
            ("agent", "I'll sort it out for you today."),
        ],
        id=f"conv-{number}",
        agent_id=agent_id,
    )


def empathy_detail(analysis) -> dict:
    turn = analysis.turns[1]
    assert turn.has("empathy"), turn.labels
    hit = turn.hit("empathy")
    assert hit.detail == turn.detail["empathy"]
    return turn.detail["empathy"]


def test_a_single_conversation_is_never_scripted() -> None:
    annotated = annotate(conversation(0, "agent-lena"))
    assert annotated.turns[1].detail["empathy"]["scripted"] is False


def test_same_line_same_agent_in_three_conversations_is_scripted() -> None:
    analyses = analyze_many([conversation(n, "agent-lena") for n in range(3)])
    assert [empathy_detail(a)["scripted"] for a in analyses] == [True, True, True]


def test_two_conversations_are_not_enough() -> None:
    analyses = analyze_many([conversation(n, "agent-lena") for n in range(2)])
    assert [empathy_detail(a)["scripted"] for a in analyses] == [False, False]


def test_different_agents_each_using_the_line_once() -> None:
    analyses = analyze_many(
        [
            conversation(n, agent)
            for n, agent in enumerate(["agent-lena", "agent-omar", "agent-ines"])
        ]
    )
    assert [empathy_detail(a)["scripted"] for a in analyses] == [False, False, False]


def test_only_the_repeated_agent_is_marked() -> None:
    conversations = [conversation(n, "agent-lena") for n in range(3)]
    conversations.append(conversation(3, "agent-omar"))
    analyses = analyze_many(conversations)
    assert [empathy_detail(a)["scripted"] for a in analyses] == [True, True, True, False]


def test_case_punctuation_and_numbers_do_not_hide_a_script() -> None:
    lines = [
        "I completely understand how frustrating that must be.",
        "I completely understand how frustrating that must be!",
        "i completely understand how frustrating that must be",
    ]
    analyses = analyze_many([conversation(n, "agent-lena", line) for n, line in enumerate(lines)])
    assert [empathy_detail(a)["scripted"] for a in analyses] == [True, True, True]


def test_different_lines_are_not_a_script() -> None:
    lines = [
        "That must be so frustrating when you've waited ten days.",
        "Being charged twice is really stressful, I'm sorry.",
        "I'm sorry, being logged out over and over sounds exhausting.",
    ]
    analyses = analyze_many([conversation(n, "agent-lena", line) for n, line in enumerate(lines)])
    assert [empathy_detail(a)["scripted"] for a in analyses] == [False, False, False]


def test_no_agent_id_is_never_scripted() -> None:
    analyses = analyze_many([conversation(n, None) for n in range(3)])
    assert [empathy_detail(a)["scripted"] for a in analyses] == [False, False, False]


def test_ledgers_built_per_partition_merge_to_the_same_answer() -> None:
    annotated = [annotate(conversation(n, "agent-lena")) for n in range(3)]
    left, right = EmpathyLedger(), EmpathyLedger()
    left.add("agent-lena", "conv-0", annotated[0].turns)
    right.add("agent-lena", "conv-1", annotated[1].turns)
    right.add("agent-lena", "conv-2", annotated[2].turns)
    assert not left.scripted("agent-lena", LINE, 3)
    merged = left.merge(right)
    assert merged.scripted("agent-lena", LINE, 3)
    turns = annotated[0].turns
    assert merged.mark("agent-lena", turns, 3) is True
    assert turns[1].detail["empathy"]["scripted"] is True
    assert turns[1].hit("empathy").detail["scripted"] is True
