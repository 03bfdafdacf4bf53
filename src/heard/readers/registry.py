"""The registry of readers, and format detection by extension and content."""

from __future__ import annotations

from typing import TypeVar

from heard.readers.base import Reader, ReadError, Source

_READERS: dict[str, Reader] = {}
R = TypeVar("R", bound=type[Reader])

# Below this a content match is a guess too weak to act on.
_MIN_CONFIDENCE = 0.3


def register(reader_class: R) -> R:
    """Class decorator: make a reader available under its ``name``."""
    reader = reader_class()
    if reader.name in _READERS:
        raise ValueError(f"two readers are named {reader.name!r}")
    _READERS[reader.name] = reader
    return reader_class


def readers() -> list[Reader]:
    """Every registered reader, in registration order."""
    return list(_READERS.values())


def get_reader(name: str) -> Reader:
    try:
        return _READERS[name]
    except KeyError:
        known = ", ".join(sorted(_READERS))
        raise ReadError(f"unknown format {name!r}; supported formats: {known}") from None


def known_extensions() -> set[str]:
    return {extension for reader in _READERS.values() for extension in reader.extensions}


def detect(source: Source) -> Reader:
    """The reader for ``source``: content decides among readers that claim its extension, and
    among all readers when none claims it (or none of them recognises the content)."""
    by_extension = [reader for reader in _READERS.values() if source.suffix in reader.extensions]
    for candidates in (by_extension, [r for r in _READERS.values() if r not in by_extension]):
        scored = [(reader.sniff(source), index, reader) for index, reader in enumerate(candidates)]
        scored = [entry for entry in scored if entry[0] >= _MIN_CONFIDENCE]
        if scored:
            # Highest confidence wins; ties go to the reader registered first (more specific
            # formats are registered before the generic ones they resemble).
            return max(scored, key=lambda entry: (entry[0], -entry[1]))[2]
    if not source.head().strip():
        raise ReadError("file is empty", source=source.name)
    hint = f" (extension .{source.suffix})" if source.suffix else ""
    raise ReadError(
        f"format not recognised{hint}; name it with --format (see `heard formats`)",
        source=source.name,
    )
