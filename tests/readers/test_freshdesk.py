"""Freshdesk reader: the real samples in ../shared, invented files for shapes they lack, errors."""

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

DATA = Path(__file__).parent / "data" / "freshdesk"
OTHER_JSON_SAMPLES = ("aws_transcribe", "contact_lens", "deepgram", "whisperx")
READER = get_reader("freshdesk")


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
    return shared_path("samples", "freshdesk", name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the real samples -----------------------------------------------------------------------------


def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files("freshdesk", ".json"):
        assert detect(Source.from_path(path)).name == "freshdesk", path.name
        conversations, issues = _read(path)
        assert len(conversations) == 1 and not issues, path.name


def test_ticket_description_is_the_first_customer_turn() -> None:
    [conversation], _ = _read(_sample("python-freshdesk_v2_ticket_1.json"))
    assert conversation.id == "1"
    assert conversation.channel is Channel.EMAIL  # source 2, the portal
    assert (conversation.agent_id, conversation.customer_id) == ("6010396333", "6012691534")
    assert conversation.team_id is None
    assert conversation.started_at == _utc("2016-05-18T04:36:04")
    [turn] = conversation.turns
    assert (turn.id, turn.role) == ("description", Role.CUSTOMER)
    assert turn.text == "This is a sample ticket, feel free to delete it."
    assert turn.time == _utc("2016-05-18T04:36:04")
    # The embedded requester object has another id than requester_id: its name is not used.
    assert turn.speaker == "6012691534"
    metadata = conversation.metadata
    assert (metadata["subject"], metadata["status"], metadata["priority"]) == (
        "This is a sample ticket",
        "open",
        "low",
    )
    assert metadata["tags"] == ["foo", "bar"] and metadata["type"] == "Question"
    assert metadata["private_notes"] == 0


def test_conversations_listing_drops_the_private_note() -> None:
    [conversation], _ = _read(_sample("python-freshdesk_v2_conversations.json"))
    assert conversation.id == "1"  # the entries' ticket_id
    assert conversation.metadata["private_notes"] == 1
    [turn] = conversation.turns
    assert (turn.id, turn.role, turn.text, turn.speaker) == (
        "2",
        Role.AGENT,
        "This is a reply",
        "1",
    )
    assert turn.time == _utc("2016-05-19T05:36:14")
    assert conversation.agent_id is None  # the listing does not name the assignee


def test_user_mapping_overrides_incoming() -> None:
    path = _sample("python-freshdesk_v2_conversations.json")
    [conversation], _ = _read(path, ReadOptions(customer=frozenset({"1"})))
    assert conversation.turns[0].role is Role.CUSTOMER


def test_no_other_json_sample_is_claimed() -> None:
    for folder in OTHER_JSON_SAMPLES:
        for path in sample_files(folder, ".json"):
            assert READER.sniff(Source.from_path(path)) < 0.3, path.name


# -- invented files for documented shapes the samples lack --------------------------------------


def test_ticket_with_embedded_conversations() -> None:
    [conversation], issues = _read(DATA / "ticket_include_conversations.json")
    assert not issues
    assert conversation.id == "2041"
    assert conversation.channel is Channel.CHAT  # source 7
    assert (conversation.agent_id, conversation.team_id, conversation.customer_id) == (
        "4001",
        "5001",
        "3001",
    )
    assert [turn.id for turn in conversation.turns] == ["description", "9002", "9003", "9004"]
    roles = [turn.role for turn in conversation.turns]
    assert roles == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert conversation.turns[2].text == "80 gsm, the normal kind."  # empty body_text: HTML body
    assert all("Warranty" not in turn.text for turn in conversation.turns)
    assert conversation.metadata["private_notes"] == 1
    assert conversation.metadata["status"] == "resolved"
    assert conversation.metadata["priority"] == "high"


def test_several_tickets_in_a_list() -> None:
    conversations, [issue] = _read(DATA / "tickets_list.json")
    assert (issue.location, issue.problem) == ("record 3", "expected a ticket object")
    address, callback = conversations
    assert (address.id, address.channel, address.agent_id) == ("2101", Channel.EMAIL, None)
    assert address.turns[0].text == "Please send order 77 to my office instead."
    assert (callback.id, callback.channel, callback.agent_id) == ("2102", Channel.VOICE, "4102")
    assert callback.metadata["status"] == "closed"


def test_invented_files_are_detected() -> None:
    for path in sorted(DATA.glob("*.json")):
        assert detect(Source.from_path(path)).name == "freshdesk", path.name


def test_entries_without_incoming_use_the_requester() -> None:
    ticket = {
        "id": 5,
        "requester_id": 10,
        "responder_id": 20,
        "description_text": "My card was declined.",
        "conversations": [
            {
                "id": 1,
                "body_text": "Which card?",
                "user_id": 20,
                "private": False,
                "incoming": None,
            },
            {
                "id": 2,
                "body_text": "The blue one.",
                "user_id": 10,
                "private": False,
                "incoming": None,
            },
        ],
    }
    [conversation], _ = _read(json.dumps(ticket).encode())
    roles = [turn.role for turn in conversation.turns]
    assert roles == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'{"foo": 1}', b"[1, 2, 3]", b'"text"', b'{"id": 1}', b"[" + b"1" * 5000 + b"]"],
)
def test_unreadable_sources_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_entries_without_a_ticket_id() -> None:
    entries = [{"id": 1, "body_text": "Hi", "incoming": True, "private": False, "user_id": 3}]
    [conversation], _ = _read(json.dumps(entries).encode(), name="ticket-88-conversations.json")
    assert conversation.id == "88" and conversation.customer_id == "3"
    conversations, [issue] = _read(json.dumps(entries).encode(), name="conversations.json")
    assert conversations == [] and issue.location == "entry 1" and "no ticket" in issue.problem


def test_odd_values_do_not_cost_the_ticket() -> None:
    ticket: dict[str, Any] = {
        "id": 6,
        "requester_id": None,
        "responder_id": {"id": 1},
        "description_text": None,
        "description": 42,
        "source": "seven",
        "status": 17,
        "priority": True,
        "created_at": "yesterday",
        "tags": [1, "vip", None],
        "conversations": [
            "junk",
            {"id": 1, "body": "<p>First</p>", "incoming": True, "user_id": 7, "created_at": 1.5e9},
            {"id": 1, "body_text": "dup", "incoming": False},
            {"id": 2, "body_text": "   ", "incoming": False},
        ],
    }
    [conversation], issues = _read(json.dumps(ticket).encode())
    assert [issue.location for issue in issues] == [
        "ticket 6, conversation 1",
        "ticket 6, conversation 3",
    ]
    assert conversation.agent_id is None and conversation.customer_id == "7"
    assert conversation.metadata["status"] == "17" and conversation.metadata["tags"] == ["vip"]
    [turn] = conversation.turns
    assert (turn.text, turn.role) == ("First", Role.CUSTOMER)
    assert turn.time == datetime.fromtimestamp(1.5e9, tz=UTC)


# -- fuzz: the samples and invented files with parts replaced by arbitrary JSON -------------------

_VALUES = json_values(["<div>x</div>", "2016-05-19T05:36:14Z", "1"])


def _documents() -> list[Path]:
    return [*sample_files("freshdesk", ".json"), *sorted(DATA.glob("*.json"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_raise_anything_but_read_error(data: st.DataObject) -> None:
    document = json.loads(data.draw(st.sampled_from(_documents())).read_text())
    document = mutate(data, document, _VALUES)
    try:
        options = ReadOptions(agent=frozenset({"1"}))
        conversations, _ = _read(json.dumps(document).encode(), options, "ticket_4.json")
        for conversation in conversations:
            conversation.to_json()
    except ReadError:
        pass
