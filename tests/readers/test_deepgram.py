"""Deepgram /v1/listen pre-recorded responses: utterances, diarized words, multichannel."""

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

DATA = Path(__file__).parent / "data" / "deepgram"
SAMPLES = "deepgram"


def _read(
    source: Path | dict[str, Any] | bytes, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    if isinstance(source, Path):
        src = Source.from_path(source)
    elif isinstance(source, bytes):
        src = Source.from_bytes(source, "response.json")
    else:
        src = Source.from_bytes(json.dumps(source).encode(), "response.json")
    items = list(read_source(src, "deepgram", options))
    return (
        [item for item in items if isinstance(item, Conversation)],
        [item for item in items if isinstance(item, ReadIssue)],
    )


def _one(source: Path | dict[str, Any], options: ReadOptions | None = None) -> Conversation:
    conversations, issues = _read(source, options)
    assert not issues, issues
    [conversation] = conversations
    return conversation


def _sample(name: str) -> Path:
    return shared_path("samples", SAMPLES, name)


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


# --- the real samples ---------------------------------------------------------------------------


@pytest.mark.shared
def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files(SAMPLES, ".json"):
        assert detect(Source.from_path(path)).name == "deepgram", path.name
        conversation = _one(path)
        assert conversation.channel is Channel.VOICE
        assert conversation.id == _load(path)["metadata"]["request_id"]


@pytest.mark.shared
def test_diarized_utterances_sample() -> None:
    conversation = _one(_sample("dg_speakers_diarized_utterances.json"))
    assert conversation.id == "e4ac910d-2bd6-4e54-b656-4cb971284bad"
    # 22 utterances; consecutive utterances of one speaker merge.
    speakers = [turn.speaker for turn in conversation.turns]
    assert speakers == ["0", "1", "0", "1", "2", "1", "2", "1"]
    first = conversation.turns[0]
    assert first.text.startswith("And, Jessica, Christina, we are so proud of you.")
    assert first.text.endswith("Have a great, great EVA.")
    assert (first.start, first.end) == (3.04, 17.28)  # 17.279999 to the millisecond
    third = conversation.turns[2]
    assert (third.text, third.start, third.end) == (
        "report it's opened and stowed.",
        24.875,
        27.055,
    )
    last = conversation.turns[-1]
    assert last.text.endswith("Copy.") and last.end == 163.105
    metadata = conversation.metadata
    assert metadata["speakers"] == ["0", "1", "2"]
    assert metadata["speaker_source"] == "diarized"
    assert metadata["duration_seconds"] == 169.802
    assert metadata["models"] == ["2-ea-nova"]
    assert metadata["roles_inferred"] is True


@pytest.mark.shared
def test_diarized_sample_with_user_labels() -> None:
    options = ReadOptions(agent=frozenset({"1"}))
    conversation = _one(_sample("dg_speakers_diarized_utterances.json"), options)
    roles = {turn.speaker: turn.role for turn in conversation.turns}
    assert roles == {"0": Role.CUSTOMER, "1": Role.AGENT, "2": Role.CUSTOMER}
    assert conversation.metadata["speaker_roles"] == {"0": "customer", "2": "customer"}


@pytest.mark.shared
def test_diarized_words_without_utterances() -> None:
    document = _load(_sample("dg_speakers_diarized_utterances.json"))
    del document["results"]["utterances"]
    conversation = _one(document)
    # Word speakers are finer than utterance speakers (an utterance takes its majority).
    speakers = [turn.speaker for turn in conversation.turns]
    assert speakers == ["0", "1", "0", "1", "2", "1", "2", "1", "2", "1"]
    assert (conversation.turns[5].text, conversation.turns[5].start) == (
        "Copy. Check display switch functional.",
        65.98,
    )
    first = conversation.turns[0]
    assert first.text.startswith("And, Jessica, Christina,")  # punctuated_word used
    assert (first.start, first.end) == (3.04, 17.28)


@pytest.mark.shared
def test_utterances_without_diarization_sample() -> None:
    conversation = _one(_sample("dg_utterances_no_diarize.json"))
    assert conversation.id == "686278aa-d315-4aeb-b2a9-713615544366"
    # No speakers: the six utterances stay six turns of one unlabelled speaker.
    assert len(conversation.turns) == 6
    assert {turn.speaker for turn in conversation.turns} == {None}
    assert len({turn.role for turn in conversation.turns}) == 1
    first, last = conversation.turns[0], conversation.turns[-1]
    assert (first.text, first.start, first.end) == (
        "Yeah. As as much as, it's worth celebrating,",
        0.08,
        3.22,
    )
    assert last.text == "and didn't get the same opportunities that we have today."
    assert (last.start, last.end) == (22.3, 25.44)
    assert conversation.metadata["diarized"] is False
    assert conversation.metadata["roles_inferred"] is True


@pytest.mark.shared
def test_plain_transcript_sample() -> None:
    conversation = _one(_sample("dg_sdk_nova3_smartformat_preamble.json"))
    assert conversation.id == "e33264a5-a72f-486f-99a1-85c630fa0191"
    [turn] = conversation.turns
    assert turn.text.startswith("We, the people of The United States, in order to form")
    assert turn.text.endswith("for The United States Of America.")
    assert (turn.start, turn.end) == (0.32, 18.593)
    assert conversation.metadata["models"] == ["general-nova-3"]
    assert conversation.metadata["speaker_source"] == "none"


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["chatwoot", "zendesk", "freshdesk", "intercom"])
def test_other_json_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("deepgram")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name
        assert detect(Source.from_path(path)).name != "deepgram"


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["aws_transcribe", "contact_lens", "whisperx"])
def test_other_speech_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("deepgram")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name


# --- multichannel (not in the samples) ---------------------------------------------------------

_EXPECTED_MULTICHANNEL = [
    ("ch_0", "Thanks for calling Acme support. How can I help?", 0.4, 3.6),
    ("ch_1", "Hi. My internet keeps dropping. It drops every evening around eight.", 4.0, 8.4),
    ("ch_0", "Okay.", 7.0, 7.3),  # a backchannel during the customer's words: overlap
    ("ch_0", "Let me run a line test.", 9.0, 10.6),
    ("ch_1", "Sure.", 9.8, 10.1),
]


def test_multichannel_uses_each_channels_words() -> None:
    path = DATA / "multichannel_utterances.json"
    assert detect(Source.from_path(path)).name == "deepgram"
    conversation = _one(path)
    assert conversation.id == "3f1c2b9e-0000-4000-8000-00000000abcd"
    summary = [(t.speaker, t.text, t.start, t.end) for t in conversation.turns]
    assert summary == _EXPECTED_MULTICHANNEL
    assert [turn.role for turn in conversation.turns[:2]] == [Role.AGENT, Role.CUSTOMER]
    assert conversation.metadata["speaker_source"] == "multichannel"
    assert conversation.metadata["channels"] == 2


def test_multichannel_from_utterance_words_and_from_bare_utterances() -> None:
    document = _load(DATA / "multichannel_utterances.json")
    for channel in document["results"]["channels"]:
        channel["alternatives"][0]["words"] = []
    conversation = _one(document)
    assert [
        (t.speaker, t.text, t.start, t.end) for t in conversation.turns
    ] == _EXPECTED_MULTICHANNEL
    for utterance in document["results"]["utterances"]:
        del utterance["words"]
    conversation = _one(document)
    # Without any word times, the utterances are the turns, labelled by channel.
    assert [turn.speaker for turn in conversation.turns] == [
        "ch_0",
        "ch_1",
        "ch_1",
        "ch_0",
        "ch_0",
        "ch_1",
    ]


def test_multichannel_labels_can_be_mapped() -> None:
    options = ReadOptions(agent=frozenset({"ch_1"}), customer=frozenset({"ch_0"}))
    conversation = _one(DATA / "multichannel_utterances.json", options)
    assert conversation.turns[0].role is Role.CUSTOMER
    assert "roles_inferred" not in conversation.metadata


# --- errors ------------------------------------------------------------------------------------


def test_malformed_words_are_skipped_and_reported() -> None:
    document = _load(DATA / "multichannel_utterances.json")
    words = document["results"]["channels"][0]["alternatives"][0]["words"]
    words.insert(2, 17)
    words[5]["punctuated_word"] = None
    words[5]["word"] = ["x"]
    conversations, issues = _read(document)
    [conversation] = conversations
    assert conversation.turns[0].text == "Thanks for calling Acme How can I help?"
    [issue] = issues
    assert issue.location == "request 3f1c2b9e-0000-4000-8000-00000000abcd"
    assert "skipped 2 malformed items" in issue.problem and "ch_0 word 3" in issue.problem


@pytest.mark.parametrize(
    "data", [b"\x00\x01binary", b"[]", b'{"metadata": {}}', b'{"results": "x"}', b"null"]
)
def test_wrong_shapes_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_empty_results_are_an_issue() -> None:
    conversations, issues = _read({"metadata": {"request_id": "r1"}, "results": {"channels": []}})
    assert conversations == []
    assert issues[0].location == "request r1" and "no speech" in issues[0].problem


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
        "punctuated_word": st.text(max_size=5) | _json,
        "start": st.floats(0, 30) | _json,
        "end": st.floats(0, 30) | _json,
        "speaker": st.integers(0, 2) | _json,
    },
)
_utterance = st.fixed_dictionaries(
    {},
    optional={
        "transcript": st.text(max_size=8) | _json,
        "start": st.floats(0, 30) | _json,
        "end": st.floats(0, 30) | _json,
        "speaker": st.integers(0, 2) | _json,
        "channel": st.integers(0, 2) | _json,
        "words": st.lists(_word | _json, max_size=3) | _json,
    },
)
_channel = st.fixed_dictionaries(
    {},
    optional={
        "alternatives": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "transcript": st.text(max_size=8) | _json,
                    "words": st.lists(_word | _json, max_size=4),
                },
            )
            | _json,
            max_size=2,
        )
        | _json
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channels=st.lists(_channel | _json, max_size=3),
    utterances=st.lists(_utterance | _json, max_size=4) | _json,
    metadata=_json,
)
def test_deepgram_shaped_junk_never_raises(channels: Any, utterances: Any, metadata: Any) -> None:
    document = {"metadata": metadata, "results": {"channels": channels, "utterances": utterances}}
    conversations, _ = _read(copy.deepcopy(document))
    for conversation in conversations:
        json.dumps(conversation.metadata)
        for turn in conversation.turns:
            assert turn.start is None or turn.end is None or turn.end >= turn.start
