"""Amazon Connect Contact Lens analysis output (voice and chat) and Call Analytics output."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, get_reader, read_source

DATA = Path(__file__).parent / "data" / "contact_lens"
SAMPLES = "contact_lens"


def _read(
    source: Path | dict[str, Any] | bytes, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    if isinstance(source, Path):
        src = Source.from_path(source)
    elif isinstance(source, bytes):
        src = Source.from_bytes(source, "analysis.json")
    else:
        src = Source.from_bytes(json.dumps(source).encode(), "analysis.json")
    items = list(read_source(src, "contact-lens", options))
    return (
        [item for item in items if isinstance(item, Conversation)],
        [item for item in items if isinstance(item, ReadIssue)],
    )


def _one(source: Path | dict[str, Any], options: ReadOptions | None = None) -> Conversation:
    conversations, issues = _read(source, options)
    assert not issues, issues
    [conversation] = conversations
    return conversation


# --- the real samples ---------------------------------------------------------------------------


@pytest.mark.shared
def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files(SAMPLES, ".json"):
        assert detect(Source.from_path(path)).name == "contact-lens", path.name
        conversation = _one(path)
        assert conversation.turns
        assert "roles_inferred" not in conversation.metadata  # Contact Lens states every role


@pytest.mark.shared
def test_voice_redacted_sample() -> None:
    conversation = _one(shared_path("samples", SAMPLES, "awsdocs_voice_redacted_v1.1.0.json"))
    assert conversation.id == "awsdocs_voice_redacted_v1.1.0"  # no ContactId: the file stem
    assert conversation.channel is Channel.VOICE
    assert conversation.language == "en-US"
    assert len(conversation.turns) == 10
    assert [turn.role for turn in conversation.turns] == [Role.AGENT, Role.CUSTOMER] * 5
    first, second = conversation.turns[:2]
    assert (first.text, first.start, first.end) == ("Okay.", 0.0, 0.09)
    assert second.text == "Just hello. My name is [PII] and help."  # redaction kept as given
    assert (second.start, second.end) == (0.16, 4.64)
    last = conversation.turns[-1]
    assert (last.text, last.start, last.end) == (
        "Thank you. Sir. Have a nice evening.",
        30.58,
        32.11,
    )
    # The sample's Ids are all the same placeholder, so heard numbers the turns itself.
    assert [turn.id for turn in conversation.turns][:2] == ["t1", "t2"]
    # Overlap kept: the agent starts (24.12) before the customer stops (24.14).
    assert conversation.turns[8].start == 24.12 and conversation.turns[7].end == 24.14
    metadata = conversation.metadata
    assert metadata["redacted"] is True and metadata["redaction_types"] == ["PII"]
    assert metadata["duration_seconds"] == 32.11
    summary = metadata["vendor_summary"]
    assert summary["talk_time_seconds"] == {"agent": 15.079, "customer": 13.619, "total": 28.698}
    assert summary["interruptions"] == {"count": 0, "seconds": 0.0}
    assert summary["non_talk_time"] == {"seconds": 0.0, "instances": []}
    assert summary["talk_speed_wpm"] == {"agent": 239.0, "customer": 163.0}
    assert summary["overall_sentiment"] == {"agent": 0.0, "customer": 3.1}
    assert metadata["turn_sentiment"]["t4"] == "NEGATIVE"
    assert metadata["detected"]["issues"] == [
        {"turn": "t4", "text": "I need to cancel. I want to cancel my plan subscription"}
    ]
    assert metadata["detected"]["action_items"][0]["turn"] == "t9"
    json.dumps(metadata)


@pytest.mark.shared
def test_chat_sample() -> None:
    conversation = _one(shared_path("samples", SAMPLES, "awsdocs_chat_original.json"))
    assert conversation.id == "b49644f6-672f-445c-b209-f76b36482830"  # CustomerMetadata.ContactId
    assert conversation.channel is Channel.CHAT
    # 35 entries, of which 4 are events (joined, joined, left, ended): 31 messages, none merged.
    assert len(conversation.turns) == 31
    system = conversation.turns[:3]
    assert {turn.role for turn in system} == {Role.SYSTEM}
    assert system[0].speaker == "SYSTEM_MESSAGE"
    greeting = conversation.turns[3]
    assert greeting.id == "e4949dd1-aaa1-4fbd-84e7-65c95b2d3d9a"  # the source's own turn Id
    assert greeting.role is Role.AGENT and greeting.speaker == "Jane"
    assert greeting.text.startswith("Hello, thanks for reaching Example Corp.")
    assert greeting.time == datetime(2022, 10, 27, 3, 32, 3, 462000, tzinfo=UTC)
    assert greeting.start is None and greeting.end is None
    assert conversation.turns[4].role is Role.CUSTOMER and conversation.turns[4].speaker == "John"
    last = conversation.turns[-1]
    assert (last.role, last.text) == (Role.AGENT, "Ok great! Have a great day.")
    assert conversation.started_at == datetime(2022, 10, 27, 3, 31, 53, 390000, tzinfo=UTC)
    summary = conversation.metadata["vendor_summary"]
    assert summary["response_time_seconds"]["agent_greeting"] == 2.511
    assert summary["response_time_seconds"]["customer_maximum"] == 11.366
    assert summary["matched_categories"] == ["agent-intro"]
    # ContactSummary items point at turns by Id and character offsets (widened to whole words).
    [issue] = conversation.metadata["detected"]["issues"]
    assert issue["turn"] == "2b8ba020-53ee-4053-b5b7-35364ac1c7df"
    assert issue["text"].startswith("How can you guys be sending out defective seeds?")


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["chatwoot", "zendesk", "freshdesk", "intercom"])
def test_other_json_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("contact-lens")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name
        assert detect(Source.from_path(path)).name != "contact-lens"


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["aws_transcribe", "deepgram", "whisperx"])
def test_other_speech_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("contact-lens")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name


# --- documented shapes the samples lack -----------------------------------------------------------


def test_voice_with_interruptions_non_talk_time_and_merged_entries() -> None:
    path = DATA / "voice_interruptions.json"
    assert detect(Source.from_path(path)).name == "contact-lens"
    conversation = _one(path)
    assert conversation.id == "0c6d2f4e-1111-4222-8333-444455556666"
    assert conversation.language == "en-GB"
    summary = [(turn.role, turn.start, turn.end) for turn in conversation.turns]
    assert summary == [
        (Role.AGENT, 0.0, 3.2),
        (Role.CUSTOMER, 3.5, 7.8),
        (Role.AGENT, 6.9, 10.9),  # two consecutive agent entries, merged; starts mid-customer
        (Role.CUSTOMER, 14.9, 16.0),
        (Role.AGENT, 16.2, 19.8),
        (Role.CUSTOMER, 20.0, 21.0),
    ]
    merged = conversation.turns[2]
    assert merged.text == "I see, let me check your account."
    assert merged.id == "5e1f0c3a-0000-4000-8000-000000000003"
    vendor = conversation.metadata["vendor_summary"]
    assert vendor["interruptions"] == {
        "count": 1,
        "seconds": 0.9,
        "by_interrupter": {"agent": [{"start": 6.9, "end": 7.8, "duration": 0.9}]},
    }
    assert vendor["non_talk_time"] == {
        "seconds": 4.0,
        "instances": [{"start": 10.9, "end": 14.9, "duration": 4.0}],
    }
    assert vendor["matched_categories"] == ["fee-dispute"]
    assert conversation.metadata["detected"]["outcomes"] == [
        {"turn": "5e1f0c3a-0000-4000-8000-000000000006", "text": "I've removed the fee"}
    ]


def test_call_analytics_roles_on_the_turns() -> None:
    path = DATA / "call_analytics.json"
    assert detect(Source.from_path(path)).name == "contact-lens"
    conversation = _one(path)
    assert conversation.id == "call-analytics-demo"
    assert [(turn.id, turn.role, turn.speaker) for turn in conversation.turns] == [
        ("ca-1", Role.AGENT, "AGENT"),
        ("ca-2", Role.CUSTOMER, "CUSTOMER"),
        ("ca-3", Role.AGENT, "AGENT"),
    ]
    assert conversation.turns[1].start == 2.6


def test_user_labels_win_over_stated_roles() -> None:
    """One rule for every reader: what the user says explicitly beats what the file implies."""
    options = ReadOptions(agent=frozenset({"CUSTOMER"}))
    conversation = _one(DATA / "call_analytics.json", options)
    assert conversation.turns[1].role is Role.AGENT


def test_participants_without_a_role_are_inferred() -> None:
    document = json.loads((DATA / "call_analytics.json").read_text())
    for entry in document["Transcript"]:
        entry["ParticipantId"] = entry.pop("ParticipantRole").lower() + "-leg"
    conversation = _one(document)
    assert [turn.role for turn in conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert conversation.metadata["roles_inferred"] is True
    mapped = _one(document, ReadOptions(agent=frozenset({"customer-leg"})))
    assert mapped.turns[1].role is Role.AGENT


def test_contact_id_from_the_s3_file_name() -> None:
    document = json.loads((DATA / "call_analytics.json").read_text())
    del document["JobName"]
    name = "0c6d2f4e-1111-4222-8333-444455556666_analysis_2026-01-01T10:00:00Z.json"
    [item] = [
        item
        for item in read_source(
            Source.from_bytes(json.dumps(document).encode(), name), "contact-lens"
        )
        if isinstance(item, Conversation)
    ]
    assert item.id == "0c6d2f4e-1111-4222-8333-444455556666"


# --- errors ------------------------------------------------------------------------------------


def test_malformed_entries_are_skipped_and_reported() -> None:
    document = json.loads((DATA / "voice_interruptions.json").read_text())
    transcript = document["Transcript"]
    transcript.insert(1, "not an entry")
    transcript[2]["Content"] = {"text": "wrong type"}
    transcript[5]["BeginOffsetMillis"] = "later"
    conversations, issues = _read(document)
    [conversation] = conversations
    # The skipped customer entries still separate the agent's turns (no merging across them).
    assert [turn.role for turn in conversation.turns] == [Role.AGENT] * 3 + [Role.CUSTOMER]
    assert conversation.turns[1].text == "I see, let me check your account."
    [issue] = issues
    assert issue.location == "conversation 0c6d2f4e-1111-4222-8333-444455556666"
    assert issue.problem.startswith("skipped 3 malformed transcript entries")
    assert "entry 2 (not an object)" in issue.problem


@pytest.mark.parametrize(
    "data", [b"{", b"[]", b'{"Transcript": {}}', b'{"Participants": []}', b'"text"']
)
def test_wrong_shapes_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_only_events_is_an_issue() -> None:
    document = {
        "Channel": "CHAT",
        "Participants": [],
        "Transcript": [
            {"Type": "EVENT", "ContentType": "application/vnd.amazonaws.connect.event.chat.ended"}
        ],
    }
    conversations, issues = _read(document)
    assert conversations == []
    assert "no messages" in issues[0].problem


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_entry = st.fixed_dictionaries(
    {},
    optional={
        "Content": st.text(max_size=8) | _json,
        "ParticipantId": st.sampled_from(["AGENT", "CUSTOMER", "x"]) | _json,
        "ParticipantRole": st.sampled_from(["AGENT", "CUSTOMER", "SYSTEM"]) | _json,
        "BeginOffsetMillis": st.integers(-5, 10**5) | _json,
        "EndOffsetMillis": st.integers(-5, 10**5) | _json,
        "AbsoluteTime": st.sampled_from(["2022-10-27T03:31:53.390Z", "soon"]) | _json,
        "Id": st.sampled_from(["a", "b"]) | _json,
        "Type": st.sampled_from(["MESSAGE", "EVENT"]) | _json,
        "Sentiment": _json,
        "IssuesDetected": _json,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(_entry | _json, max_size=6),
    channel=st.sampled_from(["VOICE", "CHAT"]) | _json,
    characteristics=_json
    | st.fixed_dictionaries(
        {},
        optional={
            "Interruptions": _json,
            "TalkTime": _json,
            "NonTalkTime": _json,
            "Sentiment": _json,
            "ResponseTime": _json,
            "ContactSummary": st.fixed_dictionaries(
                {}, optional={"SummaryItemsDetected": st.lists(_json, max_size=2)}
            ),
        },
    ),
)
def test_contact_lens_shaped_junk_never_raises(
    entries: list[Any], channel: Any, characteristics: Any
) -> None:
    document = {
        "Channel": channel,
        "Participants": [{"ParticipantId": "AGENT", "ParticipantRole": "AGENT"}, 3],
        "ConversationCharacteristics": characteristics,
        "Transcript": entries,
    }
    conversations, _ = _read(copy.deepcopy(document))
    for conversation in conversations:
        json.dumps(conversation.metadata)
