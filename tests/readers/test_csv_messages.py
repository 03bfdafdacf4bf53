"""The CSV reader: one row per message, grouped into conversations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.conversation import Channel, Conversation, Role
from heard.readers import (
    ReadError,
    ReadIssue,
    ReadOptions,
    Source,
    detect,
    get_reader,
    read_source,
)

DATA = Path(__file__).parent / "data" / "csv"


def _read(
    source: Source, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    items = list(read_source(source, "csv", options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _file(
    name: str, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_path(DATA / name), options)


def _text(
    text: str, options: ReadOptions | None = None, name: str = "export.csv"
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_bytes(text.encode(), name), options)


def _by_id(conversations: list[Conversation]) -> dict[str, Conversation]:
    return {conversation.id: conversation for conversation in conversations}


# --- the test files ---------------------------------------------------------------------------


def test_own_column_names_and_scattered_rows() -> None:
    conversations, issues = _file("messages.csv")
    assert issues == []
    assert [c.id for c in conversations] == ["chat-3002", "chat-3001"]  # in order of completion
    chat = _by_id(conversations)["chat-3001"]
    assert [turn.id for turn in chat.turns] == ["m1", "m2", "m3", "m4"]
    assert [turn.role for turn in chat.turns] == [Role.CUSTOMER, Role.AGENT] * 2
    assert chat.turns[0].speaker == "Daniel"
    assert chat.turns[0].text == "Hi, my parcel for order 5521 says delivered but it isn't here"
    assert chat.turns[-1].text.endswith("I've sent a replacement that arrives tomorrow.")
    assert chat.turns[0].time == datetime(2026, 2, 10, 9, 0, 5, tzinfo=UTC)
    assert chat.started_at == chat.turns[0].time
    assert (chat.agent_id, chat.team_id, chat.customer_id, chat.language) == (
        "agent-mia",
        "returns",
        "cust-881",
        "en",
    )
    assert chat.channel is Channel.CHAT
    assert chat.metadata == {"source_format": "csv", "fields": {"csat": "4"}}
    other = _by_id(conversations)["chat-3002"]
    assert [turn.text for turn in other.turns][-1] == "No."
    assert other.metadata["fields"] == {"csat": "2"}


def test_bom_crlf_and_aliases() -> None:
    conversations, issues = _file("bom_crlf.csv")
    assert issues == []
    (ticket,) = conversations
    assert ticket.id == "T-118"  # "Ticket ID" column, despite the BOM before it
    assert [(turn.role, turn.speaker) for turn in ticket.turns] == [
        (Role.CUSTOMER, "Lena Ortiz"),
        (Role.AGENT, "Agent Noor"),
        (Role.CUSTOMER, "Lena Ortiz"),
    ]
    assert ticket.turns[1].text.startswith("Thanks for flagging that, Lena.")
    assert not any("\r" in turn.text for turn in ticket.turns)
    assert ticket.turns[2].time == datetime(2026, 3, 2, 14, 7, 30, tzinfo=UTC)


def test_semicolon_delimiter_decimal_commas_make_a_voice_call() -> None:
    conversations, issues = _file("semicolon.csv")
    assert issues == []
    (call,) = conversations
    assert call.channel is Channel.VOICE
    assert [(turn.role, turn.start, turn.end) for turn in call.turns] == [
        (Role.AGENT, 0.5, 4.2),
        (Role.CUSTOMER, 4.8, 8.1),
        (Role.AGENT, 8.6, 11.0),
    ]
    assert call.turns[1].text == (
        "My internet keeps dropping out since yesterday; can you check the line?"
    )


def test_quoted_multiline_cells() -> None:
    conversations, issues = _file("multiline.csv")
    assert issues == []
    (chat,) = conversations
    assert chat.id == "C-9"
    assert chat.turns[0].text == (
        'Hello,\nI ordered the "Deluxe" blender (order 4410)\nand it arrived cracked.'
    )
    assert chat.turns[1].text.splitlines() == [
        "So sorry about that! Two options:",
        "1) a replacement, or",
        "2) a full refund.",
        "Which would you prefer?",
    ]
    # the sender column says "customer"/"agent": a role, stated
    assert [turn.role for turn in chat.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert "roles_inferred" not in chat.metadata


def test_missing_role_column_roles_are_inferred() -> None:
    conversations, issues = _file("no_role.csv")
    assert issues == []
    (chat,) = conversations
    assert [turn.role for turn in chat.turns] == [Role.CUSTOMER, Role.AGENT] * 2
    assert chat.metadata["roles_inferred"] is True
    assert chat.metadata["speaker_roles"] == {"Jordan": "customer", "Mia": "agent"}
    assert chat.turns[0].time == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # epoch seconds


def test_agent_option_overrides_inference() -> None:
    options = ReadOptions(agent=frozenset({"Jordan"}))
    conversations, _ = _file("no_role.csv", options)
    assert [turn.role for turn in conversations[0].turns] == [Role.AGENT, Role.CUSTOMER] * 2


def test_malformed_rows_are_reported_by_row_and_skipped() -> None:
    conversations, issues = _file("malformed.csv")
    assert [(issue.location, issue.problem.split(";")[0]) for issue in issues] == [
        ("row 3", "5 cells but the header has 4 (an unquoted delimiter in a cell?)"),
        ("row 4", "no text"),
        ("row 5", "no conversation id"),
        ("row 6", "time 'last Tuesday' is not a date and time"),
    ]
    assert all(issue.source.endswith("malformed.csv") for issue in issues)
    (conversation,) = conversations
    assert [turn.text for turn in conversation.turns] == [
        "Where is my refund for order 3390?",
        "Thanks!",  # kept, without its unreadable time
        "You're welcome.",
    ]
    assert conversation.turns[1].time is None


def test_numbers_as_text() -> None:
    conversations, issues = _file("numbers.csv")
    assert issues == []
    first, second = conversations
    assert (first.id, first.agent_id) == ("1001", "42")
    assert [turn.id for turn in first.turns] == ["1", "2"]
    assert first.turns[1].time == datetime(2026, 1, 1, 10, 1, tzinfo=UTC)  # epoch milliseconds
    assert second.turns[1].role is Role.BOT


def test_tsv_call_with_clock_offsets() -> None:
    conversations, issues = _file("call.tsv")
    assert issues == []
    (call,) = conversations
    assert call.id == "CALL-5" and call.channel is Channel.VOICE  # "phone"
    assert [(turn.speaker, turn.role, turn.start, turn.end) for turn in call.turns] == [
        ("spk_0", Role.AGENT, 1.0, 4.5),
        ("spk_1", Role.CUSTOMER, 5.0, 11.0),
        ("spk_0", Role.AGENT, 12.0, 15.0),
    ]


def test_map_option_names_columns() -> None:
    with pytest.raises(ReadError, match="no text column"):
        _file("custom_columns.csv")
    options = ReadOptions(
        columns={
            "conversation_id": "Case Ref",
            "speaker": "who",
            "text": "Note Body",
            "time": "Logged",
        }
    )
    conversations, issues = _file("custom_columns.csv", options)
    assert issues == []
    (case,) = conversations
    assert case.id == "K-12"
    assert [(turn.role, turn.text) for turn in case.turns] == [
        (Role.AGENT, "Your replacement router has been dispatched."),  # "Support"
        (Role.CUSTOMER, "Thank you - when will it arrive?"),  # "Requester"
    ]


def test_map_option_mistakes_are_read_errors() -> None:
    with pytest.raises(ReadError, match="no column 'Body'"):
        _file("messages.csv", ReadOptions(columns={"text": "Body"}))
    with pytest.raises(ReadError, match="unknown field 'words'"):
        _file("messages.csv", ReadOptions(columns={"words": "text"}))


def test_map_overrides_an_alias() -> None:
    options = ReadOptions(columns={"text": "speaker", "speaker": "text"})
    conversations, _ = _file("messages.csv", options)
    assert conversations[0].turns[0].text == "Priya"


def test_yes_no_role_column() -> None:
    conversations, issues = _file("yes_no_role.csv")
    assert issues == []
    assert [turn.role for turn in conversations[0].turns] == [
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
    ]


def test_excel_sep_line_windows_1252_and_blank_lines() -> None:
    conversations, issues = _file("excel_sep.csv")
    assert issues == []
    (conversation,) = conversations
    assert conversation.id == "X-1"
    assert conversation.turns[0].text == "Le colis est arrivé abîmé."
    assert conversation.turns[1].text.startswith("Désolé !")
    assert conversation.team_id == "SAV-FR"


def test_not_message_data_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="no text column"):
        _file("products.csv")


# --- made-up shapes ---------------------------------------------------------------------------


def test_no_conversation_column_makes_one_conversation_named_after_the_file() -> None:
    conversations, _ = _text("role,text\nagent,Hello\ncustomer,Hi\n", name="exports/week 9.csv")
    (conversation,) = conversations
    assert conversation.id == "week 9"
    assert len(conversation.turns) == 2


def test_rows_out_of_time_order_are_sorted() -> None:
    conversations, _ = _text(
        "conversation_id,role,text,time\n"
        "a,agent,second,2026-01-01T10:05:00Z\n"
        "a,customer,first,2026-01-01T10:00:00Z\n"
    )
    assert [turn.text for turn in conversations[0].turns] == ["first", "second"]
    assert conversations[0].metadata["sorted_by"] == "time"


def test_separate_date_and_time_columns_make_one_timestamp() -> None:
    conversations, issues = _text(
        "Date,Time,Sender,Message\n01/03/2026,10:32,Agent,Hello\n2026-03-01,10:33:05,Customer,Hi\n"
    )
    assert issues == []
    assert [turn.time for turn in conversations[0].turns] == [
        datetime(2026, 3, 1, 10, 32, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 33, 5, tzinfo=UTC),
    ]
    assert conversations[0].channel is Channel.CHAT


def test_small_numeric_times_are_call_offsets() -> None:
    conversations, _ = _text("role,text,time\nagent,Hello,0.5\ncustomer,Hi,3\n")
    turns = conversations[0].turns
    assert [(turn.start, turn.time) for turn in turns] == [(0.5, None), (3.0, None)]
    assert conversations[0].channel is Channel.VOICE


def test_milliseconds_columns_and_backwards_times() -> None:
    conversations, issues = _text(
        "role,text,start_ms,end_ms\nagent,Hello,500,1500\ncustomer,Hi,4000,2000\nagent,Bye,x,\n"
    )
    turns = conversations[0].turns
    assert [(turn.start, turn.end) for turn in turns] == [(0.5, 1.5), (4.0, None), (None, None)]
    assert [issue.location for issue in issues] == ["row 3", "row 4"]
    assert "before start" in issues[0].problem and "'x'" in issues[1].problem


def test_duplicate_message_ids_are_renumbered() -> None:
    conversations, issues = _text(
        "conversation_id,message_id,role,text\nc,1,customer,Hi\nc,1,agent,Hello\n"
    )
    assert [turn.id for turn in conversations[0].turns] == ["1", "t2"]
    assert issues[0].location == "row 3" and "used twice" in issues[0].problem


def test_html_bodies_become_text() -> None:
    conversations, _ = _text('role,body\nagent,"<p>Hello <b>Lena</b>,</p><p>Refund sent.</p>"\n')
    assert conversations[0].turns[0].text == "Hello Lena,\nRefund sent."


def test_unknown_role_value_is_a_speaker_label() -> None:
    conversations, _ = _text(
        'role,text\nspk_1,"Good morning, how can I help you?"\nspk_2,My card was declined\n'
    )
    (conversation,) = conversations
    assert [turn.speaker for turn in conversation.turns] == ["spk_1", "spk_2"]
    assert [turn.role for turn in conversation.turns] == [Role.AGENT, Role.CUSTOMER]
    assert conversation.metadata["roles_inferred"] is True


def test_conversation_whose_rows_all_fail_is_reported() -> None:
    conversations, issues = _text("conversation_id,role,text\nq,agent,\nr,agent,Hello\n")
    assert [c.id for c in conversations] == ["r"]
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("row 2", "no text; skipped"),
        ("conversation q", "no row with text; conversation skipped"),
    ]


def test_unterminated_quote_is_reported() -> None:
    conversations, issues = _text('role,text\nagent,Hello\ncustomer,"never closed\n')
    assert len(conversations) == 1
    assert conversations[0].turns[0].text == "Hello"
    assert [turn.text for turn in conversations[0].turns][-1] == "never closed"
    assert issues == []


def test_utf16_and_old_mac_line_ends() -> None:
    data = "conversation_id\tspeaker\ttext\nz\tAgent\tGrüß Gott\n".encode("utf-16")
    conversations, _ = _read(Source.from_bytes(data, "export.tsv"))
    assert conversations[0].turns[0].text == "Grüß Gott"
    conversations, _ = _read(Source.from_bytes(b"role,text\ragent,Hi\rcustomer,Yo\r", "mac.csv"))
    assert [turn.text for turn in conversations[0].turns] == ["Hi", "Yo"]


def test_empty_and_binary_sources_are_read_errors() -> None:
    for data in (b"", b"\n\n", b"\x00\x01\x02text,role\n"):
        with pytest.raises(ReadError):
            _read(Source.from_bytes(data, "x.csv"))


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "messages.csv",
        "bom_crlf.csv",
        "semicolon.csv",
        "multiline.csv",
        "no_role.csv",
        "malformed.csv",
        "numbers.csv",
        "call.tsv",
        "yes_no_role.csv",
        "excel_sep.csv",
        "custom_columns.csv",  # claimed by extension, so --map can name its columns
    ],
)
def test_detects_csv_files(name: str) -> None:
    assert detect(Source.from_path(DATA / name)).name == "csv"


def test_sniff_confidence() -> None:
    reader = get_reader("csv")
    assert reader.sniff(Source.from_path(DATA / "messages.csv")) >= 0.9
    assert reader.sniff(Source.from_path(DATA / "twcs_like.csv")) == 0.0
    assert reader.sniff(Source.from_path(DATA / "products.csv")) < 0.5
    # without a .csv name, only a header that names messages counts
    assert reader.sniff(Source.from_bytes(b"sku,name,price\n", "data")) == 0.0
    assert reader.sniff(Source.from_bytes(b"chat_id,sender,message\n", "data")) >= 0.8
    assert reader.sniff(Source.from_bytes(b"Agent: hello, how can I help?\n", "x.txt")) == 0.0
    assert reader.sniff(Source.from_bytes(b'{"id": "c1", "turns": []}\n', "x.jsonl")) == 0.0


def test_twcs_file_goes_to_the_twcs_reader() -> None:
    assert detect(Source.from_path(DATA / "twcs_like.csv")).name != "csv"


# --- never anything but ReadError -------------------------------------------------------------

_CELLS = st.sampled_from(
    [
        "conversation_id", "role", "text", "time", "start", "end", "speaker", "message_id",
        "channel", "is_agent", "start_ms", "agent", "customer", "bot", "yes", "no", "1", "1.5",
        "-3", "nan", "1e400", "00:01:02", "2026-01-01T10:00:00Z", "hello", "", '"', '""', "é",
        "\x00", "sep=;", "<p>hi</p>", "phone", "c1", "c2", "9" * 40,
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_CELLS, max_size=6), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    mapped=st.booleans(),
)
def test_structured_fuzz(rows: list[list[str]], delimiter: str, newline: str, mapped: bool) -> None:
    data = newline.join(delimiter.join(row) for row in rows).encode()
    options = ReadOptions(columns={"text": "role"} if mapped else {})
    try:
        conversations, _ = _read(Source.from_bytes(data, "f.csv"), options)
    except ReadError:
        return
    for conversation in conversations:
        Conversation.model_validate(conversation.model_dump())
