"""Arbitrary bytes given to any reader yield conversations or issues, or raise ReadError: nothing
else. This is the promise that lets every command say "file X, record Y: problem" instead of
printing a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.conversation import Conversation
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, read_source, readers

READER_NAMES = [reader.name for reader in readers()]

# JSON-ish values: the readers most often meet valid JSON of the wrong shape, so fuzz that too.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "turns",
                    "role",
                    "text",
                    "results",
                    "items",
                    "segments",
                    "speaker",
                    "messages",
                    "ticket",
                    "comments",
                    "conversation_parts",
                    "body",
                    "start",
                    "end",
                    "Transcript",
                    "Participants",
                    "utterances",
                    "channels",
                    "alternatives",
                    "words",
                    "conversations",
                    "created_at",
                    "author",
                    "type",
                    "content",
                    "message_type",
                    "speaker_labels",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _drain(name: str, data: bytes, filename: str) -> None:
    try:
        for item in read_source(Source.from_bytes(data, filename), name, ReadOptions()):
            assert isinstance(item, Conversation | ReadIssue)
    except ReadError:
        pass


@pytest.mark.parametrize("name", READER_NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    _drain(name, data, "fuzz.bin")


@pytest.mark.parametrize("name", READER_NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_json_of_any_shape(name: str, value: object) -> None:
    _drain(name, json.dumps(value).encode(), "fuzz.json")


@pytest.mark.parametrize("name", READER_NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.text(max_size=60), max_size=12))
def test_text_lines(name: str, lines: list[str]) -> None:
    _drain(name, "\n".join(lines).encode(), "fuzz.txt")


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=1024))
def test_detection_never_fails_unexpectedly(data: bytes) -> None:
    _drain("auto", data, "fuzz.json")
