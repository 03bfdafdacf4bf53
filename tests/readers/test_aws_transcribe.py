"""AWS Transcribe batch JSON: speaker labels, channel identification, audio segments."""

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

DATA = Path(__file__).parent / "data" / "aws_transcribe"
SAMPLES = "aws_transcribe"


def _read(
    source: Path | dict[str, Any] | list[Any] | bytes, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    if isinstance(source, Path):
        src = Source.from_path(source)
    elif isinstance(source, bytes):
        src = Source.from_bytes(source, "job.json")
    else:
        src = Source.from_bytes(json.dumps(source).encode(), "job.json")
    items = list(read_source(src, "aws-transcribe", options))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    return conversations, issues


def _one(source: Path | dict[str, Any], options: ReadOptions | None = None) -> Conversation:
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
        assert detect(Source.from_path(path)).name == "aws-transcribe", path.name
        conversation = _one(path)
        assert conversation.channel is Channel.VOICE
        assert conversation.turns, path.name
        assert all(turn.start is not None and turn.end is not None for turn in conversation.turns)


@pytest.mark.shared
def test_docs_channel_identification_example() -> None:
    conversation = _one(_sample("awsdocs_channel-id-output-batch.json"))
    assert conversation.id == "my-first-transcription-job"
    assert conversation.language == "en-US"  # from the punctuation items' language_code
    assert [turn.speaker for turn in conversation.turns] == ["ch_0", "ch_1"]
    first, second = conversation.turns
    assert first.text == "I've been on hold for an hour."  # punctuation joined to the word
    assert (first.start, first.end) == (4.86, 6.87)
    assert second.text == "Sorry about that."
    assert (second.start, second.end) == (8.5, 9.25)
    assert conversation.metadata["speaker_source"] == "channel_labels"
    assert conversation.metadata["number_of_channels"] == 2
    assert conversation.metadata["roles_inferred"] is True


@pytest.mark.shared
def test_docs_example_with_user_mapped_channels() -> None:
    options = ReadOptions(agent=frozenset({"ch_1"}), customer=frozenset({"ch_0"}))
    conversation = _one(_sample("awsdocs_channel-id-output-batch.json"), options)
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT]
    assert "roles_inferred" not in conversation.metadata


@pytest.mark.shared
def test_channel_identification_sample() -> None:
    conversation = _one(_sample("tscribe_02-channel-identification.json"))
    assert conversation.id == "02-channel-identification"
    assert len(conversation.turns) == 7
    assert [turn.speaker for turn in conversation.turns] == ["ch_1", "ch_0"] * 3 + ["ch_1"]
    first, last = conversation.turns[0], conversation.turns[-1]
    assert first.text.startswith("She was gone out into the village on some errand when,")
    assert (first.start, first.end) == (0.49, 13.75)
    assert conversation.turns[1].text.startswith("it will be well for you if you join")
    assert (conversation.turns[1].start, conversation.turns[1].end) == (15.09, 32.68)
    assert last.text.endswith("connected with tabbies fractured leg")
    assert (last.start, last.end) == (116.74, 141.54)
    assert conversation.metadata["duration_seconds"] == 141.54
    # Inferred: nobody greets, so the first speaker is taken as the agent.
    assert conversation.metadata["speaker_roles"] == {"ch_1": "agent", "ch_0": "customer"}
    assert first.role is Role.AGENT


@pytest.mark.shared
def test_speaker_identification_sample() -> None:
    conversation = _one(_sample("tscribe_03-speaker-identification.json"))
    assert conversation.id == "03-speaker-identification"
    speakers = [turn.speaker for turn in conversation.turns]
    # 24 AWS segments; consecutive segments of one speaker merge into one turn.
    assert speakers == ["spk_0", "spk_1", "spk_0", "spk_2", "spk_0", "spk_1", "spk_0"]
    assert conversation.metadata["speakers"] == ["spk_0", "spk_1", "spk_2"]
    assert conversation.metadata["speaker_source"] == "speaker_labels"
    fourth = conversation.turns[3]
    assert fourth.text.startswith("From the under surface of the clouds,")
    assert (fourth.start, fourth.end) == (58.04, 78.25)
    assert conversation.turns[0].text.startswith("She was gone out into the village")
    assert (conversation.turns[0].start, conversation.turns[0].end) == (0.49, 13.75)
    assert conversation.turns[-1].text.endswith("tabbies fractured leg")
    assert conversation.turns[-1].end == 141.54
    roles = {turn.speaker: turn.role for turn in conversation.turns}
    assert roles == {"spk_0": Role.AGENT, "spk_1": Role.CUSTOMER, "spk_2": Role.CUSTOMER}


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["chatwoot", "zendesk", "freshdesk", "intercom"])
def test_other_json_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("aws-transcribe")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name
        assert detect(Source.from_path(path)).name != "aws-transcribe"


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["contact_lens", "deepgram", "whisperx"])
def test_other_speech_formats_are_not_claimed(folder: str) -> None:
    reader = get_reader("aws-transcribe")
    for path in sample_files(folder, ".json"):
        assert reader.sniff(Source.from_path(path)) == 0.0, path.name


# --- documented shapes the samples lack -----------------------------------------------------------


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "speakers_audio_segments.json").read_text())
    return document


def test_items_with_speaker_labels_and_audio_segments() -> None:
    conversation = _one(DATA / "speakers_audio_segments.json")
    assert detect(Source.from_path(DATA / "speakers_audio_segments.json")).name == "aws-transcribe"
    assert conversation.id == "demo-speakers-audio-segments"
    assert [(turn.speaker, turn.role) for turn in conversation.turns] == [
        ("spk_0", Role.AGENT),  # greets: "How can I help?"
        ("spk_1", Role.CUSTOMER),
        ("spk_0", Role.AGENT),
    ]
    assert conversation.turns[0].text == "Thank you for calling. How can I help?"
    merged = conversation.turns[1]
    assert merged.text == "Hi, my order is late. It was due Monday."
    assert (merged.start, merged.end) == (4.0, 7.95)
    assert conversation.metadata["roles_reason"] == "speaker 'spk_0' greeted or offered help"


def test_speakers_found_through_audio_segment_item_ids() -> None:
    document = _document()
    del document["results"]["speaker_labels"]
    for item in document["results"]["items"]:
        del item["speaker_label"]
    conversation = _one(document)
    assert [turn.speaker for turn in conversation.turns] == ["spk_0", "spk_1", "spk_0"]
    assert conversation.turns[1].text == "Hi, my order is late. It was due Monday."


def test_speakers_found_by_time_in_speaker_label_segments() -> None:
    document = _document()
    del document["results"]["audio_segments"]
    for item in document["results"]["items"]:
        del item["speaker_label"]
    conversation = _one(document)
    assert [turn.speaker for turn in conversation.turns] == ["spk_0", "spk_1", "spk_0"]


def test_audio_segments_alone() -> None:
    document = _document()
    del document["results"]["items"]
    del document["results"]["speaker_labels"]
    conversation = _one(document)
    assert conversation.metadata["speaker_source"] == "audio_segments"
    assert [turn.text for turn in conversation.turns] == [
        "Thank you for calling. How can I help?",
        "Hi, my order is late. It was due Monday.",
        "Let me check that for you.",
    ]
    assert (conversation.turns[2].start, conversation.turns[2].end) == (8.9, 10.95)


def test_no_speaker_information_keeps_segments_apart_and_infers_one_role() -> None:
    document = _document()
    del document["results"]["speaker_labels"]
    for item in document["results"]["items"]:
        del item["speaker_label"]
    for segment in document["results"]["audio_segments"]:
        del segment["speaker_label"]
    conversation = _one(document)
    assert len(conversation.turns) == 4  # not merged: nobody knows where speakers change
    assert {turn.speaker for turn in conversation.turns} == {None}
    assert {turn.role for turn in conversation.turns} == {Role.AGENT}  # it greets
    assert conversation.metadata["diarized"] is False
    assert conversation.metadata["roles_inferred"] is True


def test_only_a_transcript_gives_one_turn_with_the_times_of_the_words() -> None:
    document = _document()
    results = document["results"]
    del results["speaker_labels"], results["audio_segments"]
    for item in results["items"]:
        del item["speaker_label"]
    conversation = _one(document)
    [turn] = conversation.turns
    assert turn.text.startswith("Thank you for calling.") and turn.text.endswith("for you.")
    assert (turn.start, turn.end) == (0.52, 10.95)
    del results["items"]
    [turn] = _one(document).turns
    assert turn.start is None and turn.end is None


def test_channel_overlap_keeps_a_backchannel_as_an_overlapping_turn() -> None:
    conversation = _one(DATA / "channel_overlap.json")
    summary = [(t.speaker, t.text, t.start, t.end) for t in conversation.turns]
    assert summary == [
        ("ch_0", "I was charged twice for the same order.", 1.0, 3.7),
        # said during ch_0's words: overlap, and ch_0's turn goes on past it
        ("ch_1", "Mm-hmm.", 2.1, 2.4),
        # said after ch_0 stopped: a new turn, not merged with the backchannel
        ("ch_1", "I see, twice?", 4.2, 5.1),
        ("ch_0", "Yes. Twice.", 6.0, 6.9),
    ]


# --- errors ------------------------------------------------------------------------------------


def test_malformed_items_are_skipped_and_reported_without_losing_the_rest() -> None:
    document = _document()
    items = document["results"]["items"]
    items.insert(1, "garbage")
    items[3]["alternatives"] = "not a list"  # the word "for"
    items[6]["start_time"] = "soon"  # "How": untimed, so its text joins the previous word
    conversations, issues = _read(document)
    [conversation] = conversations
    assert [turn.speaker for turn in conversation.turns] == ["spk_0", "spk_1", "spk_0"]
    assert conversation.turns[0].text == "Thank you calling. How can I help?"
    [issue] = issues
    assert "skipped 2 malformed items" in issue.problem
    assert "item 2 (not an object)" in issue.problem
    assert issue.location == "job demo-speakers-audio-segments"


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[1, 2, 3]", b'{"results": []}', b'{"jobName": "x"}', b"12"],
)
def test_wrong_shapes_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_a_job_without_speech_is_an_issue() -> None:
    conversations, issues = _read(
        {
            "jobName": "silent",
            "status": "COMPLETED",
            "results": {"transcripts": [{"transcript": ""}], "items": []},
        }
    )
    assert conversations == []
    [issue] = issues
    assert issue.location == "job silent" and "no speech" in issue.problem


def test_hostile_values_never_raise() -> None:
    document = {
        "jobName": 10**400,
        "results": {
            "transcripts": [{"transcript": 5}],
            "speaker_labels": {
                "segments": [{"start_time": 10**400, "items": [None, {"start_time": "nan"}]}]
            },
            "channel_labels": {
                "channels": [
                    {"items": [{"start_time": "1e999", "alternatives": [{"content": "hi"}]}]}
                ]
            },
            "items": [{"start_time": 10**400, "end_time": -1, "alternatives": [{"content": "x"}]}],
            "audio_segments": [{"items": [[]], "transcript": None}],
        },
    }
    conversations, _ = _read(document)
    assert [turn.text for turn in conversations[0].turns] == ["hi"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_item = st.fixed_dictionaries(
    {},
    optional={
        "start_time": _json | st.decimals(0, 50).map(str),
        "end_time": _json | st.decimals(0, 50).map(str),
        "type": st.sampled_from(["pronunciation", "punctuation"]) | _json,
        "alternatives": st.lists(
            st.fixed_dictionaries({}, optional={"content": st.text(max_size=5) | _json}), max_size=2
        )
        | _json,
        "speaker_label": st.sampled_from(["spk_0", "spk_1"]) | _json,
        "channel_label": st.sampled_from(["ch_0", "ch_1"]) | _json,
        "id": _json,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(_item | _json, max_size=6),
    segments=st.lists(
        st.fixed_dictionaries({}, optional={"speaker_label": _json, "items": st.lists(_item)})
        | _json,
        max_size=3,
    ),
    channels=st.lists(
        st.fixed_dictionaries(
            {}, optional={"channel_label": _json, "items": st.lists(_item | _json, max_size=4)}
        )
        | _json,
        max_size=3,
    ),
    audio=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "transcript": _json,
                "speaker_label": _json,
                "items": _json,
                "start_time": _json,
            },
        )
        | _json,
        max_size=3,
    ),
)
def test_transcribe_shaped_junk_never_raises(
    items: list[Any], segments: list[Any], channels: list[Any], audio: list[Any]
) -> None:
    document = {
        "jobName": "fuzz",
        "results": {
            "transcripts": [{"transcript": "x"}],
            "items": items,
            "speaker_labels": {"segments": segments},
            "channel_labels": {"channels": channels},
            "audio_segments": audio,
        },
    }
    for variant in (
        document,
        {**document, "results": {**document["results"], "channel_labels": None}},
    ):
        conversations, _ = _read(copy.deepcopy(variant))
        for conversation in conversations:
            json.dumps(conversation.metadata)
            for turn in conversation.turns:
                assert turn.start is None or turn.end is None or turn.end >= turn.start
