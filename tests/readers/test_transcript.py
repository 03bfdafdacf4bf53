"""The plain-text transcript reader: 'Speaker: text' lines, times, several conversations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, get_reader, read_source

DATA = Path(__file__).parent / "data" / "transcript"


def _read(
    source: Source, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    items = list(read_source(source, "transcript", options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _file(
    name: str, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_path(DATA / name), options)


def _text(
    text: str, options: ReadOptions | None = None, name: str = "chat.txt"
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_bytes(text.encode(), name), options)


def _one(name: str) -> Conversation:
    conversations, issues = _file(name)
    assert issues == []
    assert len(conversations) == 1
    return conversations[0]


# --- the test files ---------------------------------------------------------------------------


def test_role_labels_and_continuation_lines() -> None:
    chat = _one("chat_roles.txt")
    assert chat.id == "chat_roles"
    assert chat.channel is Channel.CHAT
    assert [turn.role for turn in chat.turns] == [Role.AGENT, Role.CUSTOMER] * 3
    assert chat.turns[1].text == (
        "Hello. My order 5521 was meant to arrive on Monday\n"
        "and the tracking hasn't changed since Friday."
    )
    assert chat.turns[-1].text == "Great, thanks for your help!"
    assert all(turn.start is None for turn in chat.turns)
    assert "roles_inferred" not in chat.metadata
    assert chat.metadata["source_format"] == "transcript"


def test_timed_call() -> None:
    call = _one("call_timed.txt")
    assert call.channel is Channel.VOICE
    assert [turn.start for turn in call.turns] == [2.0, 7.0, 13.0, 18.0, 24.0, 65.0]
    assert [(turn.speaker, turn.role) for turn in call.turns[:2]] == [
        ("Agent Ravi", Role.AGENT),  # "Agent …": the role word leads the name
        ("Caller", Role.CUSTOMER),
    ]
    assert call.turns[3].text == "It's 4471 2093."
    assert call.turns[-1].text == "Okay, I'll send a photo of the meter tonight."


def test_minutes_seconds_names_with_roles_and_a_line_with_a_colon() -> None:
    call = _one("names_mmss.txt")
    assert [turn.start for turn in call.turns] == [1.0, 5.0, 14.0, 18.0, 25.0, 31.0]
    assert [turn.speaker for turn in call.turns] == ["Sarah", "John"] * 3
    assert call.turns[0].role is Role.AGENT  # "Sarah (Agent)"
    assert call.turns[1].role is Role.CUSTOMER
    # "Booking reference: QX7Y2P" is part of John's message, not a third speaker
    assert call.turns[1].text == (
        "Hi, I need to change the date of my flight.\n"
        "Booking reference: QX7Y2P\n"
        "It's for next Friday."
    )


def test_several_conversations_in_one_file() -> None:
    conversations, issues = _file("several.txt")
    assert issues == []
    assert [c.id for c in conversations] == ["4821", "several#2", "several#3"]
    assert [len(c.turns) for c in conversations] == [3, 3, 2]
    assert conversations[1].turns[0].text == "Hi, you're chatting with Mia. How can I help?"
    assert conversations[2].turns[-1].text == "I'd like to cancel my gym membership."
    assert conversations[2].metadata["source_lines"] == "lines 10-11"


def test_bom_crlf_and_inferred_roles() -> None:
    chat = _one("speakers_bom_crlf.txt")
    assert chat.turns[0].speaker == "Speaker 1"  # no BOM glued to the first label
    assert [turn.role for turn in chat.turns] == [
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
    ]
    assert chat.metadata["roles_inferred"] is True
    assert chat.metadata["speaker_roles"] == {"Speaker 1": "customer", "Speaker 2": "agent"}
    assert not any("\r" in turn.text for turn in chat.turns)


def test_agent_option_names_a_speaker() -> None:
    conversations, _ = _file("speakers_bom_crlf.txt", ReadOptions(agent=frozenset({"Speaker 1"})))
    assert conversations[0].turns[0].role is Role.AGENT


def test_chat_log_with_times_of_day_and_events() -> None:
    chat = _one("chat_clock.log")
    assert chat.channel is Channel.CHAT
    assert chat.metadata["clock_start"] == "14:05:02"
    assert [(turn.role, turn.start) for turn in chat.turns] == [
        (Role.SYSTEM, 0.0),
        (Role.CUSTOMER, 8.0),
        (Role.SYSTEM, 29.0),
        (Role.AGENT, 38.0),
        (Role.AGENT, 73.0),
        (Role.CUSTOMER, 102.0),
        (Role.SYSTEM, 120.0),
    ]
    assert chat.turns[-1].text == "Jordan left the chat"


def test_otter_style_label_lines() -> None:
    call = _one("otter.txt")
    assert [(turn.speaker, turn.start) for turn in call.turns] == [
        ("Speaker 1", 0.0),
        ("Speaker 2", 5.0),
        ("Speaker 1", 11.0),
    ]
    assert call.turns[1].text == "Hi, there's a leak in the pavement outside number 12."
    assert call.turns[0].role is Role.AGENT


def test_details_before_the_first_turn() -> None:
    chat = _one("details.txt")
    assert chat.id == "CHAT-20260301-17"
    assert chat.language == "en-GB"
    assert chat.started_at == datetime(2026, 3, 1, 16, 20, tzinfo=UTC)
    assert chat.metadata["preamble"] == "Transcript exported from the help centre."
    assert [turn.role for turn in chat.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]


def test_bad_time_range_is_reported_by_line() -> None:
    conversations, issues = _file("bad_times.txt")
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("line 2", "turn ends before it starts; end dropped")
    ]
    turns = conversations[0].turns
    assert [(turn.start, turn.end) for turn in turns] == [(1.0, 4.0), (9.0, None), (10.0, 14.0)]


def test_prose_is_not_a_transcript() -> None:
    reader = get_reader("transcript")
    for name in ("memo.txt", "email.txt"):
        assert reader.sniff(Source.from_path(DATA / name)) < 0.3, name
    assert detect(Source.from_path(DATA / "email.txt")).name != "transcript"
    with pytest.raises(ReadError, match="not recognised"):
        detect(Source.from_path(DATA / "memo.txt"))
    with pytest.raises(ReadError, match="not a transcript"):
        _text("Thanks for your letter of 2 March.\nWe will reply within five days.\n")


# --- made-up shapes ---------------------------------------------------------------------------


def test_note_line_in_a_message_is_text() -> None:
    conversations, _ = _text(
        "Agent: Hello, how can I help?\nCustomer: Hi\nNote: my order is 55\n"
        "Agent: Thanks.\nCustomer: Bye\n"
    )
    turns = conversations[0].turns
    assert [turn.speaker for turn in turns] == ["Agent", "Customer", "Agent", "Customer"]
    assert turns[1].text == "Hi\nNote: my order is 55"


def test_text_only_block_after_a_conversation_is_an_issue() -> None:
    conversations, issues = _text(
        "Agent: Hello, how can I help?\nCustomer: My bill is wrong.\n"
        "---\nThis part lost its speaker labels.\nSo it cannot be read.\n"
    )
    assert len(conversations) == 1
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("lines 4-5", "no 'Speaker: text' line; skipped")
    ]


def test_title_page_before_the_first_conversation_is_skipped() -> None:
    conversations, issues = _text(
        "Northwind support transcripts, March\n=====\nAgent: Hi!\nCustomer: Hello.\n",
        name="march.txt",
    )
    assert issues == []
    assert [c.id for c in conversations] == ["march"]


def test_dashes_around_an_event_do_not_split_the_conversation() -> None:
    conversations, _ = _text(
        "Agent: Hello, how can I help?\n--- Customer was put on hold ---\nCustomer: Thanks.\n"
    )
    (chat,) = conversations
    assert [turn.role for turn in chat.turns] == [Role.AGENT, Role.SYSTEM, Role.CUSTOMER]


def test_ranges_bare_times_dates_and_times_after_the_name() -> None:
    conversations, _ = _text(
        "[00:00:01.5 --> 00:00:03] Agent: Hi\n"
        "00:04 Customer: Hello\n"
        "Agent (00:00:09): How can I help?\n"
        "2026-03-02 09:00:30 Customer: Done\n"
    )
    turns = conversations[0].turns
    assert [(turn.start, turn.end) for turn in turns[:3]] == [(1.5, 3.0), (4.0, None), (9.0, None)]
    assert turns[3].time == datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


def test_am_pm_times_are_times_of_day() -> None:
    conversations, _ = _text("[11:59 PM] Agent: Hi\n[12:01 AM] Customer: Hello\n")
    chat = conversations[0]
    assert [turn.start for turn in chat.turns] == [0.0, 120.0]  # across midnight
    assert chat.metadata["clock_start"] == "23:59:00"
    assert chat.channel is Channel.CHAT


def test_bracketed_and_unicode_labels() -> None:
    conversations, _ = _text(
        "[SPEAKER_00]: Bonjour, service client, je vous écoute.\n"
        "[SPEAKER_01]: J'ai un problème avec ma commande.\n"
        "José Müller：Gracias\n"
    )
    turns = conversations[0].turns
    assert [turn.speaker for turn in turns] == ["SPEAKER_00", "SPEAKER_01", "José Müller"]
    assert turns[0].role is Role.AGENT


def test_urls_and_clock_times_in_text_are_not_labels() -> None:
    conversations, _ = _text(
        "Agent: See https://example.org/help for details\n"
        "Customer: ok\nmeet at 10:30 tomorrow\nAgent: Great.\n"
    )
    turns = conversations[0].turns
    assert len(turns) == 3
    assert turns[1].text == "ok\nmeet at 10:30 tomorrow"


def test_utf16_text() -> None:
    data = "Agent: Grüß Gott, wie kann ich helfen?\nKunde: Hallo\n".encode("utf-16")
    conversations, _ = _read(Source.from_bytes(data, "anruf.txt"))
    assert conversations[0].turns[0].text == "Grüß Gott, wie kann ich helfen?"


def test_empty_and_binary_sources_are_read_errors() -> None:
    for data in (b"", b"\n\n", b"\x00\x01binary", b"just one line of prose"):
        with pytest.raises(ReadError):
            _read(Source.from_bytes(data, "x.txt"))


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "chat_roles.txt",
        "call_timed.txt",
        "names_mmss.txt",
        "several.txt",
        "speakers_bom_crlf.txt",
        "chat_clock.log",
        "otter.txt",
        "details.txt",
        "bad_times.txt",
    ],
)
def test_detects_transcripts(name: str) -> None:
    assert detect(Source.from_path(DATA / name)).name == "transcript"


def test_example_transcript_is_detected() -> None:
    path = Path(__file__).parents[2] / "examples" / "call-billing-dispute.txt"
    assert detect(Source.from_path(path)).name == "transcript"


@pytest.mark.parametrize(
    "text",
    [
        "name: heard\nversion: 1\nname: other\nversion: 2\n",  # configuration
        "2026-03-01 10:00:00 INFO: started\n2026-03-01 10:00:01 INFO: ready\n",  # a log
        "Note: read this first.\nWarning: it is long.\nTip: skim it.\n",  # prose
        "Ingredients: flour, eggs.\nMethod: mix and bake.\nServes: four.\n",
    ],
)
def test_sniff_rejects_look_alikes(text: str) -> None:
    assert get_reader("transcript").sniff(Source.from_bytes(text.encode(), "x.txt")) < 0.3


def test_sniff_accepts_two_role_lines() -> None:
    source = Source.from_bytes(b"Agent: Hello\nCustomer: Hi\n", "x.txt")
    assert get_reader("transcript").sniff(source) >= 0.3


# --- never anything but ReadError -------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "Agent: ", "Customer: ", "Sarah (Agent): ", "[SPEAKER_00]: ", "Speaker 1  0:05", "John:",
        "[00:01] ", "[00:00:09 - 00:00:06] ", "[11:59 PM] ", "2026-03-02 09:00:30 ", "99999:99 ",
        "(00:01:02)", "---", "===", "=== Call 7 ===", "--- Chat ended ---", "Date: ", "ID: ",
        "Language: ", "joined the chat", "hello", "\n", "\r\n", "\r", " ", ":", "：", "[", "(",
        "\x00", "\ufeff", "é", "9" * 30,
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECES, max_size=40))
def test_structured_fuzz(pieces: list[str]) -> None:
    data = "".join(pieces).encode("utf-8", errors="replace")
    source = Source.from_bytes(data, "f.txt")
    get_reader("transcript").sniff(source)
    try:
        conversations, _ = _read(source)
    except ReadError:
        return
    for conversation in conversations:
        Conversation.model_validate(conversation.model_dump())
