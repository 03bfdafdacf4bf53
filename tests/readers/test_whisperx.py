"""WhisperX JSON (diarized or not) and plain openai-whisper JSON."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, get_reader, read_source

DATA = Path(__file__).parent / "data" / "whisperx"
SAMPLES = "whisperx"


def _read(
    source: Path | dict[str, Any] | list[Any] | bytes, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    if isinstance(source, Path):
        src = Source.from_path(source)
    elif isinstance(source, bytes):
        src = Source.from_bytes(source, "call.json")
    else:
        src = Source.from_bytes(json.dumps(source).encode(), "call.json")
    items = list(read_source(src, "whisperx", options))
    return (
        [item for item in items if isinstance(item, Conversation)],
        [item for item in items if isinstance(item, ReadIssue)],
    )


def _one(
    source: Path | dict[str, Any] | list[Any], options: ReadOptions | None = None
) -> Conversation:
    conversations, issues = _read(source, options)
    assert not issues, issues
    [conversation] = conversations
    return conversation


def _sample(name: str) -> Path:
    return shared_path("samples", SAMPLES, name)


# --- the real samples ---------------------------------------------------------------------------


@pytest.mark.shared
def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files(SAMPLES, ".json"):
        assert detect(Source.from_path(path)).name == "whisperx", path.name
        conversation = _one(path)
        assert conversation.id == path.stem
        assert conversation.channel is Channel.VOICE
        assert conversation.metadata["source_format"] == "whisperx"


@pytest.mark.shared
def test_french_call_diarized() -> None:
    conversation = _one(_sample("whisperx_pr1191_French_call_diarized.json"))
    assert conversation.language == "en"  # as WhisperX detected it (wrongly), not guessed
    assert conversation.metadata["speakers"] == ["SPEAKER_02", "SPEAKER_00", "SPEAKER_01"]
    assert len(conversation.turns) == 20  # 54 segments, consecutive ones of a speaker merged
    first, second, third = conversation.turns[:3]
    assert (first.speaker, first.text, first.start, first.end) == (
        "SPEAKER_02",
        "Bonjour.",
        6.578,
        28.747,
    )
    assert second.speaker == "SPEAKER_00"
    assert second.text == "Allô? Bonjour, est-ce que je parle à Denise?"
    assert (second.start, second.end) == (28.767, 31.431)
    assert (third.speaker, third.text) == ("SPEAKER_01", "Oui, c'est moi-même.")
    last = conversation.turns[-1]
    assert last.speaker == "SPEAKER_00"
    assert last.text.endswith("Excellent. Bonne soirée à vous. Bye-bye.")
    assert last.end == 193.658
    assert conversation.metadata["diarized"] is True
    assert conversation.metadata["roles_inferred"] is True


@pytest.mark.shared
def test_french_call_with_user_labels() -> None:
    options = ReadOptions(agent=frozenset({"SPEAKER_00"}))
    conversation = _one(_sample("whisperx_pr1191_French_call_diarized.json"), options)
    roles = {turn.speaker: turn.role for turn in conversation.turns}
    assert roles == {
        "SPEAKER_00": Role.AGENT,
        "SPEAKER_01": Role.CUSTOMER,
        "SPEAKER_02": Role.CUSTOMER,
    }


@pytest.mark.shared
def test_english_call_without_diarization() -> None:
    conversation = _one(_sample("whisperx_pr1191_English_call_nodiarize.json"))
    # No speakers: one turn per segment (129), one unlabelled speaker, never merged.
    assert len(conversation.turns) == 129
    assert {turn.speaker for turn in conversation.turns} == {None}
    assert len({turn.role for turn in conversation.turns}) == 1
    first, last = conversation.turns[0], conversation.turns[-1]
    assert (first.text, first.start, first.end) == ("Hey, Manpreet.", 3.828, 4.809)
    assert (last.text, last.start, last.end) == ("Bye-bye.", 548.14, 548.623)
    assert conversation.metadata["diarized"] is False
    assert conversation.metadata["speaker_roles"] == {"(unlabelled)": first.role.value}


@pytest.mark.shared
def test_numerals_without_times() -> None:
    conversation = _one(_sample("whisperx_pr832_test_numerals_missing_times.json"))
    assert len(conversation.turns) == 9
    first = conversation.turns[0]
    assert first.text.startswith("Street has for this year, next three years, so 60 billion, 66")
    assert (first.start, first.end) == (0.61, 10.897)
    assert conversation.turns[-1].text.endswith("it just seems about in the zone for me.")
    assert conversation.turns[-1].end == 44.641
    assert conversation.metadata["untimed_words"] == 16


@pytest.mark.shared
def test_wrapped_diarized_transcript() -> None:
    conversation = _one(_sample("trimit_15557970_raw_transcript_diarized.json"))
    assert conversation.id == "trimit_15557970_raw_transcript_diarized"
    assert conversation.metadata["speakers"] == ["SPEAKER_01", "SPEAKER_00"]
    assert len(conversation.turns) == 37
    first, second = conversation.turns[:2]
    assert first.speaker == "SPEAKER_01"
    assert first.text.startswith("We're rolling over here. Alright, then we can do this.")
    assert (first.start, first.end) == (1.674, 6.468)
    assert (second.speaker, second.text, second.start, second.end) == (
        "SPEAKER_00",
        "Okay.",
        6.709,
        6.889,
    )
    last = conversation.turns[-1]
    assert last.text.endswith("Just going to get a shot of you looking right")
    assert last.end == 919.804


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["chatwoot", "zendesk", "freshdesk", "intercom"])
def test_other_json_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("whisperx")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name
        assert detect(Source.from_path(path)).name != "whisperx"


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["aws_transcribe", "contact_lens", "deepgram"])
def test_other_speech_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("whisperx")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name


# --- shapes the samples lack -----------------------------------------------------------------


def test_plain_openai_whisper() -> None:
    path = DATA / "openai_whisper.json"
    assert detect(Source.from_path(path)).name == "whisperx"
    conversation = _one(path)
    assert conversation.metadata["source_format"] == "whisper"
    assert [turn.text for turn in conversation.turns] == [
        "Good morning, thanks for calling the help desk.",
        "Hi, my laptop will not turn on since yesterday.",
        "Okay, let me take a look at your ticket.",
    ]
    assert (conversation.turns[1].start, conversation.turns[1].end) == (2.4, 5.1)
    assert conversation.language == "en"


def test_word_speakers_decide_a_segment_without_one() -> None:
    conversation = _one(DATA / "word_speakers_only.json")
    summary = [(t.speaker, t.role, t.text, t.start, t.end) for t in conversation.turns]
    assert summary == [
        ("SPEAKER_01", Role.AGENT, "Billing team, how can I help?", 0.5, 2.9),
        # majority of word speakers (4 of 5 labelled words); "40" has no times at all
        ("SPEAKER_00", Role.CUSTOMER, "I was billed 40 pounds twice.", 3.2, 6.0),
        # a segment without start/end takes them from its words, then merges with the next
        ("SPEAKER_01", Role.AGENT, "Sorry about that. I'll refund one.", 6.4, 8.4),
    ]
    assert conversation.metadata["untimed_words"] == 1


def test_a_list_of_transcripts_gives_one_conversation_each() -> None:
    plain = json.loads((DATA / "openai_whisper.json").read_text())
    wrapped = {"transcription": json.loads((DATA / "word_speakers_only.json").read_text())}
    conversations, issues = _read([plain, wrapped, {"other": 1}])
    assert [c.id for c in conversations] == ["call-1", "call-2"]
    [issue] = issues
    assert issue.location == "record 3"


def test_user_labels_apply_to_pyannote_speakers() -> None:
    options = ReadOptions(agent=frozenset({"SPEAKER_00"}), customer=frozenset({"SPEAKER_01"}))
    conversation = _one(DATA / "word_speakers_only.json", options)
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert "roles_inferred" not in conversation.metadata


# --- errors ------------------------------------------------------------------------------------


def test_malformed_segments_are_skipped_and_reported() -> None:
    document = json.loads((DATA / "word_speakers_only.json").read_text())
    document["segments"].insert(1, ["not", "a", "segment"])
    document["segments"][2]["start"] = "whenever"  # falls back to the words' times
    conversations, issues = _read(document)
    [conversation] = conversations
    assert len(conversation.turns) == 3
    assert conversation.turns[1].start == 3.2
    [issue] = issues
    assert issue.problem == "skipped 1 malformed segment: segment 2 (not an object)"


@pytest.mark.parametrize(
    "data", [b"", b"{]", b"[]", b'{"segments": {}}', b'[{"transcription": 1}]', b"3.5"]
)
def test_wrong_shapes_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_empty_segments_are_an_issue() -> None:
    conversations, issues = _read({"segments": [], "language": "en"})
    assert conversations == []
    assert "no speech" in issues[0].problem


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_word = st.fixed_dictionaries(
    {},
    optional={
        "word": st.text(max_size=5) | _json,
        "start": st.floats(0, 30) | _json,
        "end": st.floats(0, 30) | _json,
        "speaker": st.sampled_from(["SPEAKER_00", "SPEAKER_01"]) | _json,
    },
)
_segment = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=8) | _json,
        "start": st.floats(0, 30) | _json,
        "end": st.floats(0, 30) | _json,
        "speaker": st.sampled_from(["SPEAKER_00", "SPEAKER_01"]) | _json,
        "words": st.lists(_word | _json, max_size=3) | _json,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    segments=st.lists(_segment | _json, max_size=5),
    word_segments=st.lists(_word | _json, max_size=3) | _json,
    language=_json,
    wrap=st.booleans(),
)
def test_whisperx_shaped_junk_never_raises(
    segments: list[Any], word_segments: Any, language: Any, wrap: bool
) -> None:
    document: Any = {"segments": segments, "word_segments": word_segments, "language": language}
    if wrap:
        document = [{"transcription": document}, document]
    conversations, _ = _read(copy.deepcopy(document))
    for conversation in conversations:
        json.dumps(conversation.metadata)
        for turn in conversation.turns:
            assert turn.start is None or turn.end is None or turn.end >= turn.start
