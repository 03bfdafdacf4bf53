"""The WebVTT and SubRip readers: real caption files from several tools, and tricky cues."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, read_source

FOLDER = "webvtt_srt"


def _read(
    source: Source, fmt: str = "auto", options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    items = list(read_source(source, fmt, options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _sample(name: str, options: ReadOptions | None = None) -> Conversation:
    conversations, issues = _read(
        Source.from_path(shared_path("samples", FOLDER, name)), options=options
    )
    assert issues == []
    assert len(conversations) == 1
    return conversations[0]


def _vtt(
    text: str, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_bytes(text.encode(), "call.vtt"), "vtt", options)


def _srt(
    text: str, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_bytes(text.encode(), "call.srt"), "srt", options)


# --- every sample file ------------------------------------------------------------------------


@pytest.mark.shared
def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files(FOLDER, ".vtt", ".srt"):
        source = Source.from_path(path)
        assert detect(source).name == path.suffix[1:], path.name
        conversation = _sample(path.name)
        assert conversation.id == path.stem
        assert conversation.channel is Channel.VOICE
        assert conversation.metadata["source_format"] == path.suffix[1:]
        assert conversation.turns
        for turn in conversation.turns:
            assert turn.start is not None and turn.end is not None and turn.end >= turn.start
            assert "<" not in turn.text and "&" not in turn.text


@pytest.mark.shared
def test_deepgram_vtt_unclosed_voice_tags() -> None:
    conversation = _sample("deepgram-captions_readme_speakers.vtt")
    assert [turn.speaker for turn in conversation.turns] == ["Speaker 0", "Speaker 1", "Speaker 0"]
    assert conversation.turns[0].text == "Yeah. As as much as, it's worth celebrating,"
    assert (conversation.turns[0].start, conversation.turns[0].end) == (0.08, 4.12)
    assert conversation.turns[-1].text == "I think many of us are looking forward to it"
    assert (conversation.turns[-1].start, conversation.turns[-1].end) == (8.475, 12.34)
    # No greeting anywhere: the first speaker is taken as the agent, and metadata says so.
    assert [turn.role for turn in conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert conversation.metadata["roles_inferred"] is True
    assert conversation.metadata["speaker_roles"] == {"Speaker 0": "agent", "Speaker 1": "customer"}


@pytest.mark.shared
def test_deepgram_srt_label_lines() -> None:
    conversation = _sample("deepgram-captions_readme_speakers.srt")
    assert [turn.speaker for turn in conversation.turns] == ["speaker 0", "speaker 1", "speaker 0"]
    assert [turn.text for turn in conversation.turns] == [
        "Yeah. As as much as, it's worth celebrating,",
        "the first, spacewalk, with an all female team,",
        "I think many of us are looking forward to it",
    ]
    assert (conversation.turns[1].start, conversation.turns[1].end) == (4.4, 8.2)
    assert conversation.metadata["cues"] == 3


@pytest.mark.shared
def test_msgraph_single_cue_with_teams_timestamps() -> None:
    conversation = _sample("msgraph_calltranscript_content_example.vtt")
    assert len(conversation.turns) == 1
    turn = conversation.turns[0]
    assert (turn.speaker, turn.text, turn.start, turn.end) == (
        "User Name",
        "This is a transcript test.",
        0.0,
        5.32,
    )
    # "User Name" is a placeholder person, not the role word "user" followed by a name.
    assert conversation.metadata["roles_inferred"] is True
    assert turn.role is Role.CUSTOMER


@pytest.mark.shared
def test_teams_overlapping_cues() -> None:
    conversation = _sample("teams_timeframe.vtt")
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in conversation.turns] == [
        ("Yuri Bakulin", "There you go.", 0.0, 0.57),
        ("Adrian Petrescu", "Why hello there, Yuri.", 0.21, 1.13),
    ]


@pytest.mark.shared
def test_w3c_example_merges_cues_and_strips_markup() -> None:
    conversation = _sample("vttjs_w3c-spec-example.vtt")
    assert conversation.metadata["cues"] == 13
    assert [turn.speaker for turn in conversation.turns] == [
        "Roger Bingham",
        "Neil deGrasse Tyson",
        "Roger Bingham",
        "Neil deGrasse Tyson",
        "Roger Bingham",
    ]
    first = conversation.turns[0]
    assert first.text.startswith("We are in New York City We're actually at the Lucern Hotel")
    assert first.text.endswith("the last conversation we did. When we e-mailed—")
    assert (first.start, first.end) == (11.0, 31.5)  # nine cues, settings like align:end ignored
    assert conversation.turns[1].text == "Didn't we talk about enough in that conversation?"
    assert conversation.turns[3].text == "Laughs"  # <i>Laughs</i>
    last = conversation.turns[-1]
    assert last.text == "You know I'm so excited my glasses are falling off here."
    assert (last.start, last.end) == (35.5, 38.0)


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_whisperx_french_call(suffix: str) -> None:
    conversation = _sample(f"whisperx_pr1191_French_call_speakers{suffix}")
    assert conversation.metadata["cues"] == 54
    assert len(conversation.turns) == 20
    assert {turn.speaker for turn in conversation.turns} == {
        "SPEAKER_00",
        "SPEAKER_01",
        "SPEAKER_02",
    }
    first, second, last = conversation.turns[0], conversation.turns[1], conversation.turns[-1]
    assert (first.speaker, first.text, first.start, first.end) == (
        "SPEAKER_02",
        "Bonjour.",
        6.578,
        28.747,
    )
    # Two consecutive SPEAKER_00 cues become one turn.
    assert second.speaker == "SPEAKER_00"
    assert second.text == "Allô? Bonjour, est-ce que je parle à Denise?"
    assert (second.start, second.end) == (28.767, 31.431)
    assert last.speaker == "SPEAKER_00"
    assert last.text.startswith("5-5-8. 2-2-7-3. Excellent.")
    assert last.text.endswith("Bonne soirée à vous. Bye-bye.")
    assert (last.start, last.end) == (188.648, 193.658)
    assert "[SPEAKER" not in " ".join(turn.text for turn in conversation.turns)


@pytest.mark.shared
def test_whisperx_vtt_and_srt_agree() -> None:
    vtt = _sample("whisperx_pr1191_French_call_speakers.vtt")
    srt = _sample("whisperx_pr1191_French_call_speakers.srt")
    assert [(t.speaker, t.text, t.start, t.end) for t in vtt.turns] == [
        (t.speaker, t.text, t.start, t.end) for t in srt.turns
    ]


@pytest.mark.shared
def test_agent_label_from_options() -> None:
    options = ReadOptions(agent=frozenset({"SPEAKER_00"}))
    conversation = _sample("whisperx_pr1191_French_call_speakers.srt", options)
    for turn in conversation.turns:
        assert turn.role is (Role.AGENT if turn.speaker == "SPEAKER_00" else Role.CUSTOMER)


def test_example_call_role_named_by_voice() -> None:
    path = Path(__file__).parents[2] / "examples" / "call-internet-outage.vtt"
    conversations, issues = _read(Source.from_path(path))
    assert issues == []
    (conversation,) = conversations
    assert conversation.metadata["title"].startswith("Call 2026-03-05 internet outage")
    assert len(conversation.turns) == 12
    caller = [turn for turn in conversation.turns if turn.speaker == "Caller"]
    assert caller and all(turn.role is Role.CUSTOMER for turn in caller)
    assert conversation.turns[0].role is Role.AGENT and conversation.turns[0].speaker == "Priya"


# --- WebVTT syntax ----------------------------------------------------------------------------


def test_voice_classes_several_spans_and_markup() -> None:
    conversations, issues = _vtt(
        "WEBVTT Kind: captions\nLanguage: en-GB\n\n"
        "NOTE this block is a comment\nwith two lines -> not a cue\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "REGION\nid:left width:40%\n\n"
        "intro\n"
        "00:00:01.000 --> 00:00:03.500 line:0 position:20%\n"
        "<v.loud Esme>Welcome to <b>Contoso</b> support &amp; billing,</v>\n"
        "<v Mary>hi</v> <v Esme>how can I help?</v>\n\n"
        "00:00:04.000 --> 00:00:06.000\n"
        "<v Mary><c.yellow>My</c> <00:00:04.500>router&nbsp;&lt;R7&gt; is <i>down</i>\n"
    )
    assert issues == []
    (conversation,) = conversations
    assert conversation.language == "en-GB"
    assert [(turn.speaker, turn.text) for turn in conversation.turns] == [
        ("Esme", "Welcome to Contoso support & billing,"),
        ("Mary", "hi"),
        ("Esme", "how can I help?"),
        ("Mary", "My router <R7> is down"),
    ]
    assert [turn.start for turn in conversation.turns] == [1.0, 1.0, 1.0, 4.0]
    assert conversation.turns[0].role is Role.AGENT  # "Welcome to" is an agent's greeting


def test_name_prefixes_dashes_and_role_names() -> None:
    conversations, issues = _vtt(
        "WEBVTT\n\n"
        "00:01.000 --> 00:03.000\n- Agent Mia: Thanks for calling!\n- Customer: Hi there.\n\n"
        "00:03.500 --> 00:05.000\nMy parcel is late.\n\n"
        "00:05.500 --> 00:07.000\n>> Agent Mia: Let me check.\n"
    )
    assert issues == []
    (conversation,) = conversations
    assert [(turn.role, turn.speaker, turn.text) for turn in conversation.turns] == [
        (Role.AGENT, "Agent Mia", "Thanks for calling!"),
        # a cue with no speaker continues the previous speaker's turn
        (Role.CUSTOMER, "Customer", "Hi there. My parcel is late."),
        (Role.AGENT, "Agent Mia", "Let me check."),
    ]
    assert conversation.turns[1].end == 5.0
    assert "roles_inferred" not in conversation.metadata


def test_stray_colon_in_a_caption_stays_text() -> None:
    conversations, _ = _vtt(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Sam (Agent)>Your reference is below.\n\n"
        "00:00:02.000 --> 00:00:04.000\nReference: QX7Y2P\n\n"
        "00:00:04.000 --> 00:00:05.000\n<v Lee>Thanks.\n"
    )
    (conversation,) = conversations
    assert [(turn.speaker, turn.role, turn.text) for turn in conversation.turns] == [
        ("Sam", Role.AGENT, "Your reference is below. Reference: QX7Y2P"),
        ("Lee", Role.CUSTOMER, "Thanks."),
    ]


def test_note_prefix_in_a_caption_stays_text() -> None:
    conversations, _ = _vtt(
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Bring your card.\n\n"
        "00:02.000 --> 00:03.000\nNote: an ID works too\n"
    )
    assert [turn.text for turn in conversations[0].turns] == [
        "Bring your card. Note: an ID works too"
    ]


def test_plain_name_prefixes_count_when_every_cue_has_one() -> None:
    # Zoom's transcript .vtt: numbered cues, "Name: text", hh:mm:ss.mmm
    conversations, _ = _vtt(
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nDana Reyes: Hello, Contoso help desk.\n\n"
        "2\n00:00:02.500 --> 00:00:04.000\nKim Park: My laptop won't start.\n"
    )
    (conversation,) = conversations
    assert [turn.speaker for turn in conversation.turns] == ["Dana Reyes", "Kim Park"]


def test_missing_header_and_unreadable_and_backwards_cues() -> None:
    conversations, issues = _vtt(
        "00:00:01.000 --> 00:00:02.000\n<v A>One\n\n"
        "00:00:xx.000 --> 00:00:03.000\n<v B>lost\n\n"
        "00:00:09.000 --> 00:00:05.000\n<v B>Two\n"
    )
    (conversation,) = conversations
    assert [turn.text for turn in conversation.turns] == ["One", "Two"]
    assert conversation.turns[1].end is None
    assert [issue.location for issue in issues] == ["line 4", "line 7"]
    assert "timing" in issues[0].problem and "ends before it starts" in issues[1].problem


def test_no_cues_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="no cues"):
        _vtt("WEBVTT\n\nNOTE nothing here\n")
    with pytest.raises(ReadError):
        _vtt("just some words\n")


def test_cues_without_text_give_an_issue() -> None:
    conversations, issues = _vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:02.000 --> 00:03.000\n")
    assert conversations == []
    assert len(issues) == 1 and "no cue has any text" in issues[0].problem


# --- SubRip syntax ----------------------------------------------------------------------------


def test_srt_tolerates_missing_blank_lines_dot_millis_and_formatting() -> None:
    conversations, issues = _srt(
        '\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n[SPEAKER_01]: <font color="red">Hello</font>'
        "\r\n2\r\n00:00:03.000 --> 00:00:04.000 X1:10 X2:20\r\n"
        "{\\an8}[SPEAKER_00]: Hi, how can I help?"
        "\r\n\r\n3\r\n00:00:05,000 --> 00:00:06,000\r\n[SPEAKER_01]: My bill\r\n\r\nis wrong.\r\n"
    )
    assert issues == []
    (conversation,) = conversations
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in conversation.turns] == [
        ("SPEAKER_01", "Hello", 1.0, 2.5),
        ("SPEAKER_00", "Hi, how can I help?", 3.0, 4.0),
        ("SPEAKER_01", "My bill is wrong.", 5.0, 6.0),
    ]
    assert conversation.turns[1].role is Role.AGENT


def test_srt_text_before_the_first_cue_is_an_issue() -> None:
    conversations, issues = _srt("Title card\n\n1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    assert len(conversations) == 1
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("line 1", "text before the first cue, skipped")
    ]


def test_utf16_file() -> None:
    data = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Zoë>Grüß Gott\n".encode("utf-16")
    conversations, _ = _read(Source.from_bytes(data, "call.vtt"))
    assert conversations[0].turns[0].text == "Grüß Gott"
    assert conversations[0].turns[0].speaker == "Zoë"


# --- detection --------------------------------------------------------------------------------


def test_detection_by_content() -> None:
    vtt = Source.from_bytes(b"WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n", "captions")
    srt = Source.from_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "captions")
    assert detect(vtt).name == "vtt"
    assert detect(srt).name == "srt"
    from heard.readers import get_reader

    assert get_reader("srt").sniff(vtt) == 0.0
    assert get_reader("vtt").sniff(srt) == 0.0
    prose = Source.from_bytes(b"Agent: hello\nCustomer: hi\n", "notes.txt")
    assert get_reader("vtt").sniff(prose) == 0.0 and get_reader("srt").sniff(prose) == 0.0


# --- never anything but ReadError -------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "WEBVTT", "\n", "\r\n", "\n\n", "1", "00:00:01.000 --> 00:00:02.000", "0:0:0.0 --> 0:0:5.3",
        "00:05,000 --> 00:01,000", "99999:00:00.0 --> 1:00", "<v Ann>", "<v.loud Bo Li>", "</v>",
        "<v>", "[SPEAKER_00]: ", "[speaker 1]", "- Agent: ", ">> ", "Name:", "NOTE", "STYLE",
        "REGION", "&amp;", "&#0;", "&#99999999;", "<i>", "<00:00:01.000>", "{\\an8}", "hello",
        " ", "-->", "\x00", "\ufeff", "é", ":", "[", "(Agent)",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECES, max_size=40), fmt=st.sampled_from(["vtt", "srt"]))
def test_structured_fuzz(pieces: list[str], fmt: str) -> None:
    data = "".join(pieces).encode("utf-8", errors="replace")
    try:
        conversations, _ = _read(Source.from_bytes(data, f"f.{fmt}"), fmt)
    except ReadError:
        return
    for conversation in conversations:
        Conversation.model_validate(conversation.model_dump())
