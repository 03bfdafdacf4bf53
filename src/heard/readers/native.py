"""heard's own format: JSON Lines, one conversation per line (also a JSON object or array).

Field names are exactly those of :class:`heard.conversation.Conversation`; see docs/formats.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from heard.conversation import Conversation
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import build_conversation
from heard.readers.registry import register


def _is_native(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and isinstance(candidate.get("turns"), list)
        and "id" in candidate
        and all(isinstance(turn, dict) and "role" in turn for turn in candidate["turns"][:5])
    )


@register
class NativeReader(Reader):
    name = "jsonl"
    description = "heard's native JSON Lines: one conversation per line (also .json object/array)"
    extensions = ("jsonl", "ndjson", "json")

    def sniff(self, source: Source) -> float:
        head = source.head()
        first_line = head.split(b"\n", 1)[0].strip()
        try:
            first = json.loads(first_line) if first_line.startswith(b"{") else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            first = None
        if _is_native(first):
            return 1.0
        document = source.sniff_json() if source.suffix == "json" else None
        if _is_native(document):
            return 1.0
        if isinstance(document, list) and document and all(_is_native(d) for d in document[:5]):
            return 1.0
        if isinstance(document, dict) and isinstance(document.get("conversations"), list):
            inner = document["conversations"]
            if inner and all(_is_native(d) for d in inner[:5]):
                return 0.95
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        head = source.head().lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"[") or (source.suffix == "json" and head.startswith(b"{")):
            yield from self._read_document(source)
        else:
            yield from self._read_lines(source)

    def _read_lines(self, source: Source) -> Iterator[Conversation | ReadIssue]:
        for number, line in source.lines():
            if not line.strip():
                continue
            location = f"line {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield ReadIssue(source.name, f"not valid JSON: {error.msg}", location)
                continue
            except RecursionError:
                yield ReadIssue(source.name, "JSON nested too deeply", location)
                continue
            except ValueError as error:
                yield ReadIssue(source.name, f"not valid JSON: {error}", location)
                continue
            yield self._conversation(record, source.name, location)

    def _read_document(self, source: Source) -> Iterator[Conversation | ReadIssue]:
        document = source.json_document()
        if isinstance(document, dict) and isinstance(document.get("conversations"), list):
            document = document["conversations"]
        if isinstance(document, dict):
            yield self._conversation(document, source.name, None)
        elif isinstance(document, list):
            for index, record in enumerate(document, start=1):
                yield self._conversation(record, source.name, f"record {index}")
        else:
            raise ReadError("expected a conversation object or a list of them", source=source.name)

    @staticmethod
    def _conversation(record: Any, name: str, location: str | None) -> Conversation | ReadIssue:
        if not isinstance(record, dict):
            return ReadIssue(name, "expected a JSON object (a conversation)", location)
        where = location
        if record.get("id") is not None:
            where = (
                f"{location}, conversation {record['id']}"
                if location
                else f"conversation {record['id']}"
            )
        return build_conversation(name, where, lambda: Conversation.model_validate(record))
