"""Cutting input into partitions: byte ranges hold whole lines, tile the file, lose nothing."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from heard.distributed.partition import (
    RangeSource,
    byte_ranges,
    partition_size,
    plan_partitions,
    shift_line_numbers,
    splittable,
)
from heard.readers import Source


def lines_of_ranges(path: Path, target: int) -> list[bytes]:
    lines: list[bytes] = []
    for start, end in byte_ranges(path, target):
        with RangeSource(path, start, end).open() as stream:
            lines.extend(stream)
    return lines


def check_tiling(path: Path, target: int) -> list[tuple[int, int]]:
    data = path.read_bytes()
    ranges = byte_ranges(path, target)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start, "ranges must tile the file: no gap, no overlap"
        assert data[start - 1 : start] == b"\n", "every range starts at the start of a line"
    assert lines_of_ranges(path, target) == data.splitlines(keepends=True)
    return ranges


CASES = {
    "tiny lines": b"{}\n" * 200,
    "one huge line among small ones": b"a\n" * 10 + b"x" * 5000 + b"\n" + b"b\n" * 10,
    "a huge first line": b"x" * 3000 + b"\n" + b"y\n" * 50,
    "unterminated last line": b"line one\nline two\n" + b"z" * 700,
    "unterminated tiny last line": b"abc\n" * 100 + b"q",
    "CRLF line ends": b'{"a": 1}\r\n' * 120,
    "blank lines": b"\n\n{}\n\n\n" * 60,
    "no newline at all": b"w" * 2000,
    "multi-byte characters": ("héllo wörld – ✓\n" * 80).encode(),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("target", [1, 7, 64, 256, 10_000])
def test_ranges_hold_whole_lines_and_lose_none(tmp_path: Path, name: str, target: int) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(CASES[name])
    check_tiling(path, target)


def test_random_files_are_tiled_exactly(tmp_path: Path) -> None:
    rng = random.Random(3)
    for round_ in range(40):
        lines = [b"x" * rng.choice([0, 1, 5, 80, 900, 4000]) for _ in range(rng.randint(1, 60))]
        data = b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
        path = tmp_path / f"random-{round_}.jsonl"
        path.write_bytes(data)
        check_tiling(path, rng.choice([1, 50, 333, 2048]))


def test_a_small_file_is_one_range(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    path.write_bytes(b"{}\n{}\n")
    assert byte_ranges(path, 1000) == [(0, 6)]


def test_range_lines_are_numbered_from_one_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\xef\xbb\xbffirst\nsecond\nthird\nfourth")
    whole = list(Source.from_path(path).lines())
    (first, second) = byte_ranges(path, 15)
    head, tail = RangeSource(path, *first), RangeSource(path, *second)
    head_lines, tail_lines = list(head.lines()), list(tail.lines())
    assert head_lines[0] == (1, "first\n"), "the BOM is taken off where the file starts"
    assert [text for _, text in head_lines + tail_lines] == [text for _, text in whole]
    assert tail_lines[0][0] == 1
    assert head.lines_read + tail.lines_read == len(whole)


def test_line_numbers_are_shifted_by_the_lines_before() -> None:
    assert shift_line_numbers("line 3", 1000) == "line 1003"
    assert shift_line_numbers("line 2, conversation x", 10) == "line 12, conversation x"
    assert shift_line_numbers("record 2", 10) == "record 2"
    assert shift_line_numbers(None, 10) is None
    assert shift_line_numbers("line 2", 0) == "line 2"


def test_plan_groups_small_files_and_cuts_large_jsonl(tmp_path: Path) -> None:
    small = []
    for number in range(5):
        path = tmp_path / f"small-{number}.csv"
        path.write_text("conversation_id,role,text\n1,customer,hi\n")
        small.append(path)
    big = tmp_path / "big.jsonl"
    big.write_text('{"id": "a", "turns": [{"role": "customer", "text": "hi"}]}\n' * 400)
    files = [*small[:3], big, *small[3:]]
    partitions = plan_partitions(files, target_bytes=4096)
    assert [p.index for p in partitions] == list(range(len(partitions)))
    assert partitions[0].files == tuple(str(p) for p in small[:3]) and not partitions[0].is_range
    ranges = [p for p in partitions if p.is_range]
    assert len(ranges) > 3 and all(p.files == (str(big),) for p in ranges)
    assert ranges[0].start == 0 and ranges[-1].end == big.stat().st_size
    assert partitions[-1].files == tuple(str(p) for p in small[3:])
    assert "bytes" in ranges[1].describe()


def test_only_line_oriented_native_jsonl_is_cut(tmp_path: Path) -> None:
    array = tmp_path / "array.jsonl"
    array.write_text('[{"id": "a", "turns": []}]\n')
    document = tmp_path / "one.json"
    document.write_text('{"id": "a", "turns": [{"role": "agent", "text": "hi"}]}\n')
    native = tmp_path / "lines.jsonl"
    native.write_text('{"id": "a", "turns": [{"role": "agent", "text": "hi"}]}\n')
    assert not splittable(array, "auto")
    assert not splittable(document, "auto")
    assert splittable(native, "auto")
    assert not splittable(native, "csv")


def test_partition_size_keeps_workers_busy_within_bounds() -> None:
    assert partition_size(0, 2) == 256 * 1024
    assert partition_size(10**12, 2) == 64 * 1024 * 1024
    assert partition_size(320 * 1024 * 1024, 2) == 10 * 1024 * 1024
