from __future__ import annotations

import json
from pathlib import Path

import pytest

from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, Source, detect, read, read_source


def _items(data: str, name: str = "x.jsonl") -> list[Conversation | ReadIssue]:
    return list(read_source(Source.from_bytes(data.encode(), name)))


def test_reads_the_documented_example_and_numbers_missing_turn_ids() -> None:
    line = (
        '{"id":"c1","channel":"chat","agent_id":"a7","turns":[{"id":"t1","role":"customer",'
        '"text":"My order is late","time":"2026-03-01T10:00:00Z"},'
        '{"role":"agent","text":"I\'m sorry..."}]}'
    )
    [conversation] = _items(line)
    assert isinstance(conversation, Conversation)
    assert conversation.agent_id == "a7"
    assert [turn.id for turn in conversation.turns] == ["t1", "t2"]
    assert conversation.turns[1].role is Role.AGENT
    assert conversation.started_at is not None and conversation.started_at.hour == 10


def test_bad_lines_are_reported_and_good_lines_kept() -> None:
    data = "\n".join(
        [
            json.dumps({"id": "ok1", "turns": [{"role": "customer", "text": "hi"}]}),
            "{not json",
            json.dumps({"id": "bad", "turns": [{"role": "wizard", "text": "hi"}]}),
            "",
            json.dumps([1, 2]),
            json.dumps({"id": "ok2", "channel": "email", "turns": []}),
        ]
    )
    items = _items(data)
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert [c.id for c in conversations] == ["ok1", "ok2"]
    assert conversations[1].channel is Channel.EMAIL
    assert [issue.location for issue in issues] == ["line 2", "line 3, conversation bad", "line 5"]
    assert "not valid JSON" in issues[0].problem
    assert "role" in issues[1].problem


def test_a_json_array_and_a_wrapped_list_are_read() -> None:
    records = [{"id": f"c{i}", "turns": [{"role": "agent", "text": "hello"}]} for i in range(3)]
    assert len(_items(json.dumps(records), "x.json")) == 3
    assert len(_items(json.dumps({"conversations": records}), "x.json")) == 3


def test_duplicate_turn_ids_and_reversed_times_are_errors() -> None:
    dup = {
        "id": "c",
        "turns": [
            {"id": "a", "role": "agent", "text": "x"},
            {"id": "a", "role": "customer", "text": "y"},
        ],
    }
    rev = {"id": "d", "turns": [{"role": "agent", "text": "x", "start": 5, "end": 2}]}
    issues = _items(json.dumps(dup) + "\n" + json.dumps(rev))
    assert all(isinstance(item, ReadIssue) for item in issues)
    assert "used twice" in str(issues[0]) and "before it starts" in str(issues[1])


def test_numbers_as_ids_become_text() -> None:
    [conversation] = _items(
        json.dumps({"id": 42, "agent_id": 7, "turns": [{"id": 1, "role": "agent", "text": "x"}]})
    )
    assert isinstance(conversation, Conversation)
    assert (conversation.id, conversation.agent_id, conversation.turns[0].id) == ("42", "7", "1")


def test_detection_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"id": "c", "turns": [{"role": "agent", "text": "x"}]}))
    assert detect(Source.from_path(path)).name == "jsonl"


def test_wrong_shape_document_is_a_read_error() -> None:
    with pytest.raises(ReadError):
        _items('"just a string"', "x.json")


def test_round_trip_is_lossless(examples_dir: Path) -> None:
    originals = [
        item for item in read(examples_dir / "chats.jsonl") if isinstance(item, Conversation)
    ]
    assert len(originals) == 4
    again = _items("\n".join(c.to_json() for c in originals))
    assert again == originals


def test_large_files_stream_line_by_line(tmp_path: Path) -> None:
    """Reading yields the first conversation before the rest of the file is read."""
    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "c", "turns": [{"role": "customer", "text": "x" * 1000}]})
    with path.open("w") as stream:
        for index in range(2000):
            stream.write(line.replace('"c"', f'"c{index}"') + "\n")
    iterator = read_source(Source.from_path(path))
    first = next(iterator)
    assert isinstance(first, Conversation) and first.id == "c0"
    # The source object never holds the file's bytes: only lines are read as needed.
    assert sum(1 for _ in iterator) == 1999


def test_reading_a_large_file_keeps_memory_flat(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "c", "turns": [{"role": "customer", "text": "word " * 400}] * 5})
    with path.open("w") as stream:
        for _ in range(3000):  # about 30 MB
            stream.write(line + "\n")
    assert path.stat().st_size > 25_000_000
    tracemalloc.start()
    count = sum(1 for _ in read_source(Source.from_path(path)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 3000
    assert peak < 2_000_000, (
        f"peak {peak:,} bytes while streaming a {path.stat().st_size:,}-byte file"
    )
