"""Chatwoot reader: the real samples in ../shared, invented files for shapes they lack, errors."""

from __future__ import annotations

import contextlib
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
from heard.readers.chatwoot import conversation_from_payload

DATA = Path(__file__).parent / "data" / "chatwoot"
OTHER_JSON_SAMPLES = ("aws_transcribe", "contact_lens", "deepgram", "whisperx")
READER = get_reader("chatwoot")


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
    return shared_path("samples", "chatwoot", name)


def _epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# -- the real samples -----------------------------------------------------------------------------


def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files("chatwoot", ".json"):
        assert detect(Source.from_path(path)).name == "chatwoot", path.name
        conversations, issues = _read(path)
        assert len(conversations) == 1 and not issues, path.name


def test_dashboard_app_context_conversation() -> None:
    path = _sample("chatwoot_docs_dashboard_app_context_conversation.json")
    raw = json.loads(path.read_text())["data"]["conversation"]
    [conversation], issues = _read(path)
    assert not issues
    assert conversation.id == "65"
    assert conversation.channel is Channel.CHAT  # Channel::WebWidget
    assert (conversation.agent_id, conversation.customer_id) == ("1", "113")
    # The template message (message_type 3, "Give the team a way to reach you.") is dropped.
    [turn] = conversation.turns
    assert (turn.id, turn.role, turn.text) == ("630", Role.CUSTOMER, "Hello")
    assert turn.speaker == raw["messages"][0]["sender"]["name"]
    assert turn.time == _epoch(1653400547)
    assert conversation.started_at == turn.time
    assert conversation.metadata["status"] == "open"
    assert conversation.metadata["chatwoot_event"] == "appContext"
    assert conversation.metadata["template_messages"] == 1
    assert conversation.metadata["private_notes"] == 0


def test_webhook_message_created_sample() -> None:
    path = _sample("chatwoot_docs_webhook_message_created_api_channel.json")
    [conversation], _ = _read(path)
    assert conversation.id == "0"  # the documentation's placeholder id
    assert conversation.channel is Channel.CHAT  # Channel::Api
    assert conversation.metadata["chatwoot_event"] == "message_created"
    assert conversation.metadata["status"] == "open"
    [turn] = conversation.turns
    assert turn.role is Role.CUSTOMER  # message_type "incoming", sender.type contact
    assert "incoming message from API Channel" in turn.text
    assert turn.time == datetime(2020, 8, 30, 15, 43, 4, tzinfo=UTC)
    assert conversation.customer_id == "0"


def test_websocket_message_created_sample() -> None:
    path = _sample("chatwoot_docs_websocket_message_created.json")
    [conversation], _ = _read(path)
    assert conversation.id == "7"  # data.conversation_id
    assert conversation.metadata["chatwoot_event"] == "message.created"
    assert "status" not in conversation.metadata  # a message event does not say
    [turn] = conversation.turns
    assert (turn.id, turn.role, turn.text) == ("106", Role.CUSTOMER, "hi")
    assert turn.time == _epoch(1627060394)
    assert conversation.customer_id == "10"


def test_payload_function_takes_a_parsed_webhook() -> None:
    payload = json.loads(
        _sample("chatwoot_docs_webhook_message_created_api_channel.json").read_text()
    )
    conversation = conversation_from_payload(payload)
    assert conversation.id == "0" and len(conversation.turns) == 1
    frame = json.loads(_sample("chatwoot_docs_websocket_message_created.json").read_text())
    assert conversation_from_payload(frame).turns[0].text == "hi"
    assert conversation_from_payload(frame["message"]).id == "7"  # the event without its frame


def test_user_mapping_overrides_the_platform_role() -> None:
    path = _sample("chatwoot_docs_dashboard_app_context_conversation.json")
    [conversation], _ = _read(path, ReadOptions(agent=frozenset({"113"})))
    assert conversation.turns[0].role is Role.AGENT


def test_no_other_json_sample_is_claimed() -> None:
    for folder in OTHER_JSON_SAMPLES:
        for path in sample_files(folder, ".json"):
            assert READER.sniff(Source.from_path(path)) < 0.3, path.name


# -- invented files for documented shapes the samples lack --------------------------------------


def test_conversation_status_changed_webhook() -> None:
    [conversation], issues = _read(DATA / "webhook_conversation_status_changed.json")
    assert not issues
    assert conversation.id == "1207"
    assert (conversation.agent_id, conversation.team_id, conversation.customer_id) == (
        "12",
        "3",
        "501",
    )
    assert conversation.started_at == _epoch(1718000000)  # the conversation's created_at
    assert conversation.metadata["chatwoot_event"] == "conversation_status_changed"
    assert conversation.metadata["status"] == "resolved"
    assert conversation.metadata["tags"] == ["delivery", "replacement"]
    assert conversation.metadata["priority"] == "medium"
    [turn] = conversation.turns
    assert turn.role is Role.CUSTOMER and "replacement arrived" in turn.text


def test_csat_survey_message_is_dropped_and_its_rating_kept() -> None:
    [conversation], _ = _read(DATA / "webhook_message_updated_csat.json")
    assert conversation.id == "1207"
    assert conversation.turns == []
    assert conversation.metadata["csat_rating"] == 4
    assert conversation.metadata["csat_feedback"] == "Quick and kind."
    assert conversation.metadata["chatwoot_event"] == "message_updated"


def test_conversation_list_drops_notes_and_activity_and_knows_bots() -> None:
    conversations, issues = _read(DATA / "conversations_list.json")
    assert not issues
    email, whatsapp = conversations
    assert (email.id, email.channel, email.agent_id, email.customer_id) == (
        "301",
        Channel.EMAIL,
        "5",
        "77",
    )
    assert email.metadata["subject"] == "Invoice shows the wrong address"
    assert email.metadata["private_notes"] == 1
    assert email.metadata["activity_messages"] == 1
    assert [turn.role for turn in email.turns] == [Role.CUSTOMER, Role.AGENT]
    assert email.turns[0].text == "Hello,\nmy invoice shows my old address."  # HTML → text
    assert all("CRM" not in turn.text for turn in email.turns)
    assert whatsapp.channel is Channel.CHAT
    assert [turn.role for turn in whatsapp.turns] == [Role.CUSTOMER, Role.BOT]
    assert whatsapp.agent_id is None


def test_messages_listing_is_one_conversation() -> None:
    [conversation], _ = _read(DATA / "messages_listing.json")
    assert (conversation.id, conversation.agent_id, conversation.customer_id) == ("55", "6", "88")
    assert [turn.id for turn in conversation.turns] == ["7001", "7002"]
    assert conversation.metadata["tags"] == ["returns"]


def test_a_stream_of_webhooks_merges_by_conversation_and_message_id() -> None:
    conversations, issues = _read(DATA / "webhook_stream.json")
    [conversation] = conversations
    [issue] = issues
    assert issue.location == "record 4" and "contact_created" in issue.problem
    assert conversation.id == "900" and conversation.agent_id == "9"
    assert [turn.id for turn in conversation.turns] == ["501", "502"]
    assert conversation.turns[0].text == "My parcel has not arrived yet."  # the edit wins
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT]
    assert conversation.metadata["chatwoot_event"] == "message_updated"


def test_invented_files_are_detected() -> None:
    for path in sorted(DATA.glob("*.json")):
        assert detect(Source.from_path(path)).name == "chatwoot", path.name


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'{"foo": 1}', b"[1, 2, 3]", b'"text"', b"[" + b"1" * 5000 + b"]", b"\x00\xff"],
)
def test_unreadable_sources_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_unsupported_event_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="contact_created"):
        _read(b'{"event": "contact_created", "id": 3}')
    with pytest.raises(ReadError, match="contact_created"):
        conversation_from_payload({"event": "contact_created", "id": 3})


def test_bad_records_become_issues_and_reading_goes_on() -> None:
    good = {"id": 1, "inbox_id": 1, "messages": [{"id": 1, "message_type": 0, "content": "hello"}]}
    records: list[Any] = [
        good,
        "nonsense",
        {"meta": {"sender": {"id": 4}}, "inbox_id": 2, "messages": []},  # no id
        {"event": "message_created", "id": 9, "message_type": "incoming", "content": "x"},
        {
            "id": 2,
            "inbox_id": 1,
            "messages": [
                7,
                {
                    "id": 5,
                    "message_type": 1,
                    "content": "<p>Hi <b>there</b></p>",
                    "created_at": "soon",
                },
                {"id": 6, "message_type": 0, "content": None},
                {"id": 7, "message_type": 0, "content": {"nested": True}},
            ],
        },
    ]
    conversations, issues = _read(json.dumps(records).encode())
    assert [c.id for c in conversations] == ["1", "2"]
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("record 2", "expected a Chatwoot conversation, webhook payload or websocket event"),
        ("record 3", "conversation has no id"),
        ("record 4", "message names no conversation"),
        ("record 5, conversation 2, message 1", "message is not an object"),
    ]
    [turn] = conversations[1].turns
    assert (turn.text, turn.role, turn.time) == ("Hi there", Role.AGENT, None)


def test_roles_without_message_type_come_from_the_sender() -> None:
    conversation = conversation_from_payload(
        {
            "id": 3,
            "inbox_id": 1,
            "messages": [
                {"id": 1, "content": "Need help", "message_type": None, "sender_type": "Contact"},
                {
                    "id": 2,
                    "content": "On it",
                    "message_type": "x",
                    "sender": {"id": 2, "type": "user"},
                },
                {
                    "id": 3,
                    "content": "Answer",
                    "message_type": 1,
                    "sender_type": "Captain::Assistant",
                },
            ],
        }
    )
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT, Role.BOT]


def test_empty_list_reads_nothing() -> None:
    assert _read(b"[]") == ([], [])


# -- fuzz: the samples and invented files with parts replaced by arbitrary JSON -------------------

_VALUES = json_values(["<p>x</p>", "incoming", "outgoing", "agent_bot", "input_csat", "1", "9"])


def _documents() -> list[Path]:
    return [*sample_files("chatwoot", ".json"), *sorted(DATA.glob("*.json"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_raise_anything_but_read_error(data: st.DataObject) -> None:
    document = json.loads(data.draw(st.sampled_from(_documents())).read_text())
    document = mutate(data, document, _VALUES)
    try:
        conversations, _ = _read(json.dumps(document).encode(), ReadOptions(agent=frozenset({"5"})))
        for conversation in conversations:
            conversation.to_json()
    except ReadError:
        pass
    if isinstance(document, dict):
        with contextlib.suppress(ReadError):
            conversation_from_payload(document)
