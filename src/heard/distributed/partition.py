"""Cutting the input into partitions: whole files, grouped, and byte ranges of large JSONL files.

A partition is the unit of work a cluster schedules, retries and reports. Small files are
grouped (in input order) until a group reaches the target size; a native JSONL file larger than
the target is cut into byte ranges. Every range boundary is moved forward to the start of a
line when the plan is made, so a range holds whole lines only: no line is ever split between two
partitions, and none falls between them (the ranges of a file tile it exactly).

Ranges know nothing of line numbers (counting them would mean reading the whole file on the
client); a range numbers its lines from 1 and says how many it read, and the client shifts the
line numbers of the problems it reports by the lines of the ranges before it
(:func:`shift_line_numbers`).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from heard.readers import ReadError, Source, detect
from heard.readers.base import decode_text
from heard.readers.native import NativeReader

MIB = 1024 * 1024
# Dask's own advice: a task should take well over 100 ms, and a scheduler is happiest with
# thousands of tasks, not millions. 256 KiB is about 100 conversations (half a second of work).
MIN_PARTITION_BYTES = 256 * 1024
MAX_PARTITION_BYTES = 64 * MIB
# Partitions per worker when the size is chosen for the cluster: enough that the last, slowest
# partition leaves the other workers idle only briefly, few enough that scheduling is noise.
PARTITIONS_PER_WORKER = 16
# A group of many tiny files is still one task; past this many files it is split anyway so one
# partition's failure report names a manageable number of files.
MAX_FILES_PER_PARTITION = 256
# How far the planner reads past a boundary looking for the end of the line it falls in.
_ALIGN_READ = 64 * 1024
# Only these extensions are read line by line by the native reader; a .json file starting with
# "{" is read as one document, so it cannot be cut.
SPLITTABLE_SUFFIXES = ("jsonl", "ndjson")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Partition:
    """One unit of work: whole files (``start == 0``, ``end is None``) or one file's byte range
    ``[start, end)``, which starts at the beginning of a line and ends after one."""

    index: int
    files: tuple[str, ...]
    start: int = 0
    end: int | None = None

    @property
    def is_range(self) -> bool:
        return self.end is not None

    def describe(self) -> str:
        """Where the partition's data is, for messages: a file's byte range, or its files."""
        if self.is_range:
            return f"{self.files[0]}, bytes {self.start:,}–{self.end:,}"
        if len(self.files) == 1:
            return self.files[0]
        return f"{len(self.files)} files, {self.files[0]} … {self.files[-1]}"


def partition_size(total_bytes: int, workers: int) -> int:
    """A partition size that keeps every worker busy to the end without drowning the
    scheduler in tiny tasks."""
    wanted = total_bytes // max(1, workers * PARTITIONS_PER_WORKER)
    return max(MIN_PARTITION_BYTES, min(MAX_PARTITION_BYTES, wanted))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the task that reads it reports why it cannot be read


def splittable(path: Path, input_format: str) -> bool:
    """Whether ``path`` is native JSONL read line by line, so byte ranges of it can be read on
    their own."""
    if path.suffix.lower()[1:] not in SPLITTABLE_SUFFIXES or input_format not in ("auto", "jsonl"):
        return False
    source = Source.from_path(path)
    try:
        head = source.head().lstrip(_BOM + b" \t\r\n")
        if head.startswith(b"["):
            return False  # a JSON array in a .jsonl file: one document, read whole
        return input_format == "jsonl" or isinstance(detect(source), NativeReader)
    except ReadError:
        return False


def align_to_line(stream: BinaryIO, offset: int, size: int) -> int:
    """The first line start at or after ``offset``: ``offset`` itself when the byte before it
    ends a line, else just after the next newline (``size`` when there is none)."""
    if offset <= 0:
        return 0
    position = offset - 1
    stream.seek(position)
    while position < size:
        chunk = stream.read(_ALIGN_READ)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            return min(size, position + newline + 1)
        position += len(chunk)
    return size


def byte_ranges(path: Path, target_bytes: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges that tile ``path`` exactly, each about ``target_bytes`` and made
    of whole lines. A line longer than the target makes its range longer, never splits."""
    size = _size(path)
    if size <= target_bytes:
        return [(0, size)]
    boundaries = [0]
    with path.open("rb") as stream:
        candidate = target_bytes
        while candidate < size:
            aligned = align_to_line(stream, candidate, size)
            if aligned >= size:
                break
            if aligned > boundaries[-1]:
                boundaries.append(aligned)
            candidate = max(candidate + target_bytes, aligned + 1)
    boundaries.append(size)
    return list(itertools.pairwise(boundaries))


def plan_partitions(
    files: Iterable[Path], target_bytes: int, input_format: str = "auto"
) -> list[Partition]:
    """Partitions of ``files`` in input order: small files grouped, large JSONL files cut."""
    partitions: list[Partition] = []
    group: list[str] = []
    group_bytes = 0

    def flush() -> None:
        nonlocal group, group_bytes
        if group:
            partitions.append(Partition(len(partitions), tuple(group)))
        group, group_bytes = [], 0

    for path in files:
        size = _size(path)
        if size > target_bytes and splittable(path, input_format):
            flush()
            for start, end in byte_ranges(path, target_bytes):
                partitions.append(Partition(len(partitions), (str(path),), start, end))
            continue
        if group and (group_bytes + size > target_bytes or len(group) >= MAX_FILES_PER_PARTITION):
            flush()
        group.append(str(path))
        group_bytes += size
    flush()
    return partitions


class _ByteRange(io.RawIOBase):
    """A file seen through a window: reading stops at the end of the range."""

    def __init__(self, raw: BinaryIO, remaining: int) -> None:
        super().__init__()
        self._raw = raw
        self._remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._remaining <= 0:
            return 0
        view = memoryview(buffer).cast("B")[: self._remaining]
        count = self._raw.readinto(view)  # type: ignore[attr-defined]
        if not count:
            return 0
        self._remaining -= count
        return int(count)

    def close(self) -> None:
        self._raw.close()
        super().close()


class RangeSource(Source):
    """A byte range of a file, read as a source of its own (lines numbered from 1)."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__(str(path), path=path)
        self.start = start
        self.end = end
        self.lines_read = 0

    def open(self) -> BinaryIO:
        raw = super().open()
        raw.seek(self.start)
        return io.BufferedReader(_ByteRange(raw, self.end - self.start), MIB)

    def size(self) -> int:
        return self.end - self.start

    def lines(self) -> Iterator[tuple[int, str]]:
        """As :meth:`Source.lines`, counting the lines, and taking a byte-order mark off the
        first line only where the file starts (mid-file it is part of the line, as when the
        whole file is read)."""
        with self.open() as stream:
            for number, raw in enumerate(stream, start=1):
                self.lines_read = number
                if number == 1 and self.start == 0 and raw.startswith(_BOM):
                    raw = raw[3:]
                try:
                    yield number, decode_text(raw, self.name, location=f"line {number}")
                except ReadError:
                    yield number, raw.decode("cp1252", errors="replace")


_LINE_LOCATION = re.compile(r"^line (\d+)")


def shift_line_numbers(location: str | None, lines_before: int) -> str | None:
    """``line 3, conversation x`` of a range that starts after 1000 lines of its file →
    ``line 1003, conversation x``: what reading the whole file would have said."""
    if location is None or not lines_before:
        return location
    return _LINE_LOCATION.sub(lambda match: f"line {int(match[1]) + lines_before}", location)
