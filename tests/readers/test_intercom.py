"""Intercom reader: the real samples in ../shared, invented files for shapes they lack, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_mutation import json_values, mutate

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, get_reader

DATA = Path(__file__).parent / "data" / "intercom"
OTHER_JSON_SAMPLES = ("aws_transcribe", "contact_lens", "deepgram", "whisperx")
READER = get_reader("intercom")


def _read(
    source: Path | bytes, options: ReadOptions | None = None, name: str = "x.json"
) -> tuple[list[Conversation], list[ReadIssue]]:
    src = Source.from_path(source) if isinstance(source, Path) else Source.from_bytes(source, name)
    items = list(READER.read(src, options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _sample(name: str) -> Path:
    return shared_path("samples", "intercom", name)


def _epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# -- the real samples -----------------------------------------------------------------------------


def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files("intercom", ".json"):
        assert detect(Source.from_path(path)).name == "intercom", path.name
        conversations, issues = _read(path)
        assert len(conversations) == 1 and not issues, path.name


def test_single_conversation_with_conversation_message() -> None:
    [conversation], _ = _read(_sample("intercom-java_conversation.json"))
    assert conversation.id == "5143511111"
    assert conversation.channel is Channel.CHAT
    assert (conversation.agent_id, conversation.customer_id) == (
        "358111",
        "576c1a139d0baad1010001111",
    )
    assert conversation.started_at == _epoch(1466703132)
    assert [turn.id for turn in conversation.turns] == ["33954111", "142533411", "142533511"]
    # The opening message's author is a lead: a customer.
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.CUSTOMER, Role.AGENT]
    assert conversation.turns[0].text == "test"  # <p>test</p>
    assert conversation.turns[1].text.startswith("dm-")
    assert conversation.turns[2].time == _epoch(1468031171)
    assert conversation.turns[2].speaker == "358111"
    metadata = conversation.metadata
    assert metadata["subject"] == "Email subject"
    assert metadata["status"] == "open"
    assert metadata["tags"] == ["Tag 1", "Tag 2"]
    assert metadata["private_notes"] == 0


def test_conversation_list_sample() -> None:
    [conversation], _ = _read(_sample("intercom-go_conversations_list.json"))
    assert conversation.id == "147"
    assert (conversation.agent_id, conversation.customer_id) == ("25", "536e564f316c83104c000020")
    opening, reply = conversation.turns
    assert opening.role is Role.AGENT  # an admin-initiated conversation
    assert "do you have any questions?" in opening.text and "<p>" not in opening.text
    assert opening.time == _epoch(1400850973)
    assert (reply.id, reply.role) == ("4412", Role.CUSTOMER)
    assert reply.text.endswith("it's all great thanks!")
    assert reply.time == _epoch(1400857494)


def test_user_mapping_overrides_the_author_type() -> None:
    path = _sample("intercom-java_conversation.json")
    [conversation], _ = _read(path, ReadOptions(agent=frozenset({"576c1a139d0baad1010001111"})))
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT, Role.AGENT]


def test_no_other_json_sample_is_claimed() -> None:
    for folder in OTHER_JSON_SAMPLES:
        for path in sample_files(folder, ".json"):
            assert READER.sniff(Source.from_path(path)) < 0.3, path.name


# -- invented files for documented shapes the samples lack --------------------------------------


def test_newer_source_shape_with_notes_bots_and_replies_on_close() -> None:
    [conversation], issues = _read(DATA / "conversation_source_v2.json")
    assert not issues
    assert conversation.id == "880001"
    assert conversation.channel is Channel.EMAIL  # source.type
    assert (conversation.agent_id, conversation.team_id, conversation.customer_id) == (
        "620",
        "31",
        "c-9001",
    )
    assert [turn.id for turn in conversation.turns] == ["4100", "50001", "50004", "50005", "50007"]
    roles = [turn.role for turn in conversation.turns]
    assert roles == [Role.CUSTOMER, Role.BOT, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert conversation.turns[0].speaker == "Lee Example"
    assert all(
        "EXP-12" not in turn.text and "Reopened" not in turn.text for turn in conversation.turns
    )
    metadata = conversation.metadata
    assert metadata["private_notes"] == 2
    assert metadata["status"] == "closed" and metadata["priority"] == "priority"
    assert metadata["csat_rating"] == 5
    assert metadata["tags"] == ["exports"]


def test_list_items_without_parts() -> None:
    conversations, [issue] = _read(DATA / "conversation_list_v2.json")
    assert (issue.location, issue.problem) == ("record 3", "conversation has no id")
    first, second = conversations
    assert (first.id, first.customer_id, len(first.turns)) == ("880010", "l-1", 1)
    assert first.turns[0].role is Role.CUSTOMER
    assert second.agent_id is None  # admin_assignee_id 0: nobody
    assert second.turns[0].role is Role.AGENT
    assert second.metadata["status"] == "snoozed"


def test_invented_files_are_detected() -> None:
    for path in sorted(DATA.glob("*.json")):
        assert detect(Source.from_path(path)).name == "intercom", path.name


def test_team_assignee_in_the_old_shape() -> None:
    document = {
        "type": "conversation",
        "id": 12,
        "assignee": {"type": "team", "id": 4},
        "conversation_parts": [
            {
                "id": 1,
                "part_type": "comment",
                "body": "Hello",
                "author": {"type": "contact", "id": 9},
            }
        ],
    }
    [conversation], _ = _read(json.dumps(document).encode())
    assert (conversation.id, conversation.team_id, conversation.agent_id) == ("12", "4", None)
    assert conversation.customer_id is None
    assert conversation.turns[0].role is Role.CUSTOMER


def test_webhook_notification_carries_a_conversation() -> None:
    conversation = json.loads((DATA / "conversation_source_v2.json").read_text())
    event = {
        "type": "notification_event",
        "topic": "conversation.admin.closed",
        "data": {"item": conversation},
    }
    [read], _ = _read(json.dumps(event).encode())
    assert read.id == "880001" and len(read.turns) == 5


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'{"foo": 1}', b"[1, 2, 3]", b'"text"', b"[" + b"1" * 5000 + b"]"],
)
def test_unreadable_sources_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_empty_list_reads_nothing() -> None:
    assert _read(b'{"type": "conversation.list", "conversations": []}') == ([], [])


def test_bad_parts_become_issues() -> None:
    document: dict[str, Any] = {
        "type": "conversation",
        "id": "c1",
        "created_at": "not a time",
        "source": {"body": None, "author": None},
        "conversation_parts": {
            "conversation_parts": [
                None,
                {
                    "id": "p1",
                    "part_type": "comment",
                    "body": "<p>Hi</p>",
                    "author": {"type": "user"},
                },
                {"id": "p1", "part_type": "comment", "body": "again", "author": {"type": "admin"}},
                {"id": "p2", "part_type": "comment", "body": ["x"], "author": "me"},
                {
                    "id": "p3",
                    "part_type": "comment",
                    "body": "Anyone?",
                    "author": {"type": "martian"},
                },
            ]
        },
    }
    [conversation], issues = _read(json.dumps(document).encode())
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("conversation c1, part 1", "conversation part is not an object"),
        ("conversation c1, part 3", "part id p1 appears twice; kept the first"),
    ]
    assert [turn.text for turn in conversation.turns] == ["Hi", "Anyone?"]
    assert conversation.turns[0].role is Role.CUSTOMER
    assert conversation.started_at is None


# -- fuzz: the samples and invented files with parts replaced by arbitrary JSON -------------------

_VALUES = json_values(
    ["<p>x</p>", "note", "comment", "admin", "user", "team", "bot", "conversation"]
)


def _documents() -> list[Path]:
    return [*sample_files("intercom", ".json"), *sorted(DATA.glob("*.json"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_raise_anything_but_read_error(data: st.DataObject) -> None:
    document = json.loads(data.draw(st.sampled_from(_documents())).read_text())
    document = mutate(data, document, _VALUES)
    try:
        options = ReadOptions(agent=frozenset({"25"}))
        conversations, _ = _read(json.dumps(document).encode(), options)
        for conversation in conversations:
            conversation.to_json()
    except ReadError:
        pass
