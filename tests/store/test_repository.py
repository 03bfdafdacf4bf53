"""The repository on both databases: idempotent saves, versioned analyses, people, round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from heard.analysis import analyze
from heard.conversation import Channel, Conversation, Role, Turn
from heard.scoring import default_rubric
from heard.store import Database
from heard.store.models import Agent, StoredAnalysis, StoredConversation, StoredTurn, Team
from heard.store.repository import (
    content_hash,
    latest_analyses,
    load_conversation,
    save_analysis,
    save_conversation,
)

STARTED = datetime(2026, 3, 2, 9, 15, 30, 250000, tzinfo=UTC)


def chat(
    conversation_id: str = "c-1",
    *,
    agent: str | None = "ana",
    team: str | None = "north",
    turns: list[tuple[str, str]] | None = None,
) -> Conversation:
    lines = turns or [
        ("customer", "Hi, my router keeps disconnecting every evening. I'm really frustrated."),
        ("agent", "I'm sorry, that sounds frustrating. When did it start?"),
        ("customer", "About three days ago, after the update."),
        ("agent", "I've reset your line; I'll email you tomorrow to confirm it held."),
    ]
    return Conversation(
        id=conversation_id,
        channel=Channel.CHAT,
        language="en",
        agent_id=agent,
        team_id=team,
        customer_id="cust-9",
        started_at=STARTED,
        metadata={"subject": "Router", "tags": ["wifi", "évening"], "priority": 2},
        turns=[
            Turn(
                id=f"m{index}",
                role=Role(role),
                speaker="Ana" if role == "agent" else "Sam",
                text=text,
                time=STARTED + timedelta(seconds=40 * index),
            )
            for index, (role, text) in enumerate(lines, start=1)
        ],
    )


def call() -> Conversation:
    return Conversation(
        id="call-7",
        channel=Channel.VOICE,
        turns=[
            Turn(id="s1", role=Role.CUSTOMER, speaker="spk_1", text="My bill.", start=0, end=2.75),
            Turn(
                id="s2", role=Role.AGENT, speaker="spk_0", text="Let me look.", start=2.9, end=4.1
            ),
        ],
    )


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_save_is_idempotent_and_updates_replace_the_turns(database: Database) -> None:
    original = chat()
    with database.session() as session:
        assert save_conversation(session, original, "chats.jsonl") == "added"
    with database.session() as session:
        assert save_conversation(session, original, "chats.jsonl") == "unchanged"
    assert count(database, StoredConversation) == 1
    assert count(database, StoredTurn) == 4

    shorter = chat(turns=[("customer", "Hi, it's fixed now, thanks."), ("agent", "Great!")])
    with database.session() as session:
        assert save_conversation(session, shorter, "chats-2.jsonl") == "updated"
    assert count(database, StoredConversation) == 1
    assert count(database, StoredTurn) == 2
    with database.session() as session:
        stored = session.get(StoredConversation, "c-1")
        assert stored is not None
        assert stored.content_hash == content_hash(shorter)
        assert stored.source == "chats-2.jsonl"
        assert [turn.text for turn in stored.turns] == [t.text for t in shorter.turns]
        assert load_conversation(session, "c-1") == shorter


def test_round_trip_keeps_every_field(database: Database) -> None:
    for conversation in (chat(), call()):
        with database.session() as session:
            save_conversation(session, conversation)
        with database.session() as session:
            loaded = load_conversation(session, conversation.id)
        assert loaded == conversation
        assert loaded is not None and content_hash(loaded) == content_hash(conversation)
    with database.session() as session:
        assert load_conversation(session, "nope") is None


def test_round_trip_of_times_with_an_offset(database: Database) -> None:
    """Times are stored in UTC, so an offset survives SQLite (which would drop it) too."""
    paris = timezone(timedelta(hours=1))
    conversation = chat().model_copy(update={"started_at": datetime(2026, 3, 2, 10, tzinfo=paris)})
    with database.session() as session:
        save_conversation(session, conversation)
    with database.session() as session:
        loaded = load_conversation(session, conversation.id)
    assert loaded is not None and loaded.started_at == conversation.started_at


def test_agents_and_teams_become_rows(database: Database) -> None:
    with database.session() as session:
        save_conversation(session, chat("c-1", agent="ana", team="north"))
        save_conversation(session, chat("c-2", agent="ben", team=None))
        save_conversation(session, chat("c-3", agent=None, team=None))
    with database.session() as session:
        assert {(a.id, a.team_id) for a in session.scalars(select(Agent))} == {
            ("ana", "north"),
            ("ben", None),
        }
        assert {t.id for t in session.scalars(select(Team))} == {"north"}
    # Ana moved team: her row follows the newest conversation that says so.
    with database.session() as session:
        save_conversation(session, chat("c-4", agent="ana", team="south"))
    with database.session() as session:
        agent = session.get(Agent, "ana")
        assert agent is not None and agent.team_id == "south"
        assert {t.id for t in session.scalars(select(Team))} == {"north", "south"}


def test_analyses_are_versioned_never_overwritten(database: Database) -> None:
    conversation = chat()
    first = analyze(conversation)
    other_rubric = default_rubric().model_copy(update={"version": "ours-2"})
    second = analyze(conversation, rubric=other_rubric)
    assert second.rubric_version == "ours-2" != first.rubric_version
    with database.session() as session:
        save_conversation(session, conversation)
        assert save_analysis(session, conversation, first) is True
    with database.session() as session:
        assert save_analysis(session, conversation, first) is False  # same version: no new row
        assert save_analysis(session, conversation, second) is True
    with database.session() as session:
        rows = session.scalars(select(StoredAnalysis).order_by(StoredAnalysis.id)).all()
        assert [row.rubric_version for row in rows] == [first.rubric_version, "ours-2"]
        assert rows[0].record == first.record()
        assert rows[0].listening_score == first.listening_score
        assert rows[0].components == {name: c.score for name, c in first.components.items()}
        [(stored, latest)] = list(latest_analyses(session))
        assert stored.id == "c-1" and latest.rubric_version == "ours-2"


def test_latest_analyses_follow_the_current_content(database: Database) -> None:
    before = chat()
    after = chat(turns=[("customer", "It works again."), ("agent", "Glad to hear it!")])
    with database.session() as session:
        save_conversation(session, before)
        save_analysis(session, before, analyze(before))
        save_conversation(session, chat("c-2"))  # never analysed: not listed
    with database.session() as session:
        assert save_conversation(session, after) == "updated"
        assert list(latest_analyses(session)) == []  # the old analysis is of the old content
        save_analysis(session, after, analyze(after))
    assert count(database, StoredAnalysis) == 2  # history kept
    with database.session() as session:
        [(stored, latest)] = list(latest_analyses(session, ["c-1", "c-2"]))
        assert latest.content_hash == content_hash(after) == stored.content_hash


def test_a_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        save_conversation(session, chat("c-1"))
        session.flush()
        raise RuntimeError("killed mid-batch")
    assert count(database, StoredConversation) == 0
    assert count(database, StoredTurn) == 0
    assert count(database, Agent) == 0
