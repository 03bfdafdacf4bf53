"""What every reader shares: the source it reads, the options it takes, the problems it reports.

A reader turns one source (a file, an upload, a webhook body) into conversations. It never stops
at the first bad record: it yields a :class:`ReadIssue` for that record and goes on, so one broken
line in a million-line export costs one conversation, not the whole file. :class:`ReadError` is
raised only when nothing in the source can be read at all (not this format, not text, not JSON).
"""

from __future__ import annotations

import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from heard.conversation import Channel, Conversation

HEAD_BYTES = 64 * 1024
# Whole-document formats (one JSON object per file) are read into memory; past this size a file
# is almost certainly not one of them, and refusing is kinder than exhausting memory.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ReadIssue:
    """A record that could not be read, and why. The rest of the source is still read."""

    source: str
    problem: str
    location: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}, {self.location}" if self.location else self.source
        return f"{where}: {self.problem}"


class ReadError(Exception):
    """A source that cannot be read at all: the one error type readers raise for bad input."""

    def __init__(self, problem: str, *, source: str = "<input>", location: str | None = None):
        self.issue = ReadIssue(source=source, problem=problem, location=location)
        super().__init__(str(self.issue))


@dataclass(frozen=True)
class ReadOptions:
    """How to interpret a source where the file itself does not say.

    ``agent``/``customer`` name speaker labels (``spk_0``, ``SPEAKER_01``, ``ch_0``, an author
    id) that belong to each side; speakers named in neither are inferred and the conversation's
    metadata says so. ``columns`` maps heard's field names to other column names (CSV).
    """

    agent: frozenset[str] = frozenset()
    customer: frozenset[str] = frozenset()
    columns: Mapping[str, str] = field(default_factory=dict)
    channel: Channel | None = None


class Source:
    """Bytes with a name: a file on disk, or data handed over in memory (uploads, tests)."""

    def __init__(self, name: str, *, path: Path | None = None, data: bytes | None = None):
        if (path is None) == (data is None):
            raise ValueError("a Source needs exactly one of path or data")
        self.name = name
        self.path = path
        self._data = data
        self._head: bytes | None = None
        self._document: Any = _UNSET
        self._document_error: ReadError | None = None

    @classmethod
    def from_path(cls, path: str | Path) -> Source:
        path = Path(path)
        return cls(str(path), path=path)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<input>") -> Source:
        return cls(name, data=data)

    @property
    def suffix(self) -> str:
        """The lower-case file extension without the dot ('' when there is none)."""
        suffix = Path(self.name).suffix.lower()
        return suffix[1:] if suffix else ""

    def open(self) -> BinaryIO:
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self.path is not None
        try:
            return self.path.open("rb")
        except OSError as error:
            raise ReadError(f"cannot open: {error.strerror or error}", source=self.name) from error

    def head(self) -> bytes:
        """The first bytes of the source, for format detection."""
        if self._head is None:
            with self.open() as stream:
                self._head = stream.read(HEAD_BYTES)
        return self._head

    def size(self) -> int:
        if self._data is not None:
            return len(self._data)
        assert self.path is not None
        try:
            return self.path.stat().st_size
        except OSError as error:
            raise ReadError(f"cannot open: {error.strerror or error}", source=self.name) from error

    def read_bytes(self) -> bytes:
        if self._data is not None:
            return self._data
        if self.size() > MAX_DOCUMENT_BYTES:
            raise ReadError(
                f"file is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; this format is read "
                "whole, so split it or convert it to JSONL first",
                source=self.name,
            )
        with self.open() as stream:
            return stream.read()

    def text(self) -> str:
        """The whole source as text (UTF-8, with or without BOM; Windows-1252 as a fallback)."""
        return decode_text(self.read_bytes(), self.name)

    def lines(self) -> Iterator[tuple[int, str]]:
        """Numbered text lines, streamed: a 1 GB file is never held in memory."""
        with self.open() as stream:
            for number, raw in enumerate(stream, start=1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield number, decode_text(raw, self.name, location=f"line {number}")
                except ReadError:
                    # One binary line must not end a streamed file: the line's own reader
                    # reports it as a bad record when it cannot make sense of the text.
                    yield number, raw.decode("cp1252", errors="replace")

    def json_document(self) -> Any:
        """The source parsed as one JSON document, cached; ReadError when it is not JSON."""
        if self._document is _UNSET and self._document_error is None:
            try:
                self._document = json.loads(self.text())
            except json.JSONDecodeError as error:
                self._document_error = ReadError(
                    f"not valid JSON: {error.msg}",
                    source=self.name,
                    location=f"line {error.lineno}, column {error.colno}",
                )
            except RecursionError:
                self._document_error = ReadError("JSON nested too deeply", source=self.name)
            except ValueError as error:  # e.g. an integer literal too long to convert
                self._document_error = ReadError(f"not valid JSON: {error}", source=self.name)
            except ReadError as error:
                self._document_error = error
        if self._document_error is not None:
            raise self._document_error
        return self._document

    def sniff_json(self) -> Any:
        """Like :meth:`json_document` but ``None`` instead of an error: for detection only."""
        head = self.head().lstrip()
        if not head.startswith((b"{", b"[", b"\xef\xbb\xbf")):
            return None
        try:
            return self.json_document()
        except ReadError:
            return None

    def __repr__(self) -> str:
        return f"Source({self.name!r})"


_UNSET: Any = object()


def decode_text(data: bytes, source: str, location: str | None = None) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ReadError("binary data, not text", source=source, location=location)
    # Old help-desk exports and Outlook mail are often Windows-1252; every byte decodes, so
    # this never fails, and the few undefined bytes become replacement characters.
    return data.decode("cp1252", errors="replace")


class Reader(ABC):
    """One input format. Subclasses set the class attributes and implement :meth:`read`."""

    name: ClassVar[str]
    description: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()

    def sniff(self, source: Source) -> float:
        """How sure (0–1) this reader is that ``source`` is in its format, from its content."""
        return 0.0

    @abstractmethod
    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        """Yield every conversation in ``source``, and an issue for each record that is bad."""
