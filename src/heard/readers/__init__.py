"""Readers: every supported input format in, native conversations out.

>>> from heard.readers import read
>>> for item in read("calls/"):          # files and folders, any supported format
...     ...                               # a Conversation, or a ReadIssue for a bad record

One module per format registers itself; :func:`detect` picks one by extension and content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from heard.conversation import Conversation
from heard.readers import (  # noqa: F401  (imported to register them; order sets detection ties)
    audio,
    aws_transcribe,
    chatwoot,
    contact_lens,
    csv_messages,
    deepgram,
    email_messages,
    freshdesk,
    intercom,
    native,
    subtitles,
    transcript,
    twcs,
    whisperx,
    zendesk,
)
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.registry import detect, get_reader, known_extensions, readers

__all__ = [
    "ReadError",
    "ReadIssue",
    "ReadOptions",
    "Reader",
    "Source",
    "detect",
    "expand_paths",
    "get_reader",
    "known_extensions",
    "read",
    "read_source",
    "readers",
]


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and inside folders named, the files with an extension some reader claims.

    Files named explicitly are always kept (detection will say if they cannot be read).
    """
    extensions = known_extensions()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, directories, files in os.walk(path):
                directories[:] = sorted(d for d in directories if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if not name.startswith(".") and candidate.suffix.lower()[1:] in extensions:
                        yield candidate
        else:
            yield path


def read_source(
    source: Source, format: str = "auto", options: ReadOptions | None = None
) -> Iterator[Conversation | ReadIssue]:
    """Conversations (and issues for bad records) from one source. Raises ReadError when the
    source as a whole cannot be read."""
    options = options or ReadOptions()
    reader = detect(source) if format == "auto" else get_reader(format)
    for item in reader.read(source, options):
        if options.channel is not None and isinstance(item, Conversation):
            item.channel = options.channel
        yield item


def read(
    paths: str | Path | Iterable[str | Path],
    format: str = "auto",
    options: ReadOptions | None = None,
) -> Iterator[Conversation | ReadIssue]:
    """Conversations from files and folders. A file that cannot be read at all becomes a
    ReadIssue, and reading goes on with the next file."""
    if isinstance(paths, str | Path):
        paths = [paths]
    for path in expand_paths(paths):
        source = Source.from_path(path)
        try:
            yield from read_source(source, format, options)
        except ReadError as error:
            yield error.issue
