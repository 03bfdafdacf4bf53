"""Where knowledge bases live: imported ones under ``$XDG_DATA_HOME/heard/kb/NAME``, and the
bundled example (``shop``), built on first use and cached under ``$XDG_CACHE_HOME``."""

from __future__ import annotations

import contextlib
import os
import threading
from importlib import resources
from pathlib import Path

from heard.bot.index import INDEX_FILE, KB_FILE, KBIndex
from heard.bot.kb import KnowledgeBaseError, load_knowledge_base

BUNDLED = ("shop",)
_lock = threading.Lock()
_loaded: dict[str, KBIndex] = {}


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "heard" / "kb"


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "heard" / "kb"


def bundled_source(name: str) -> Path:
    return Path(str(resources.files("heard.bot").joinpath("kb", name)))


def is_index(folder: Path) -> bool:
    return (folder / INDEX_FILE).is_file() and (folder / KB_FILE).is_file()


def imported() -> list[Path]:
    """Folders of the KBs imported into the default place."""
    home = data_home()
    if not home.is_dir():
        return []
    return sorted(folder for folder in home.iterdir() if is_index(folder))


def bundled_index(name: str = "shop") -> KBIndex:
    """The bundled example KB's index: built once, then read from the cache (rebuilt when the
    KB's content changes, since the cache folder is named after its digest)."""
    if name not in BUNDLED:
        raise KnowledgeBaseError(
            f"no bundled knowledge base {name!r}; there is {', '.join(BUNDLED)}"
        )
    kb = load_knowledge_base(bundled_source(name), name=name)
    folder = cache_home() / f"{name}-{kb.digest()}"
    if is_index(folder):
        try:
            return KBIndex.load(folder)
        except KnowledgeBaseError:
            pass  # a damaged cache is rebuilt below
    index = KBIndex.build(kb)
    # A read-only home still gets the index, only without the cache.
    with contextlib.suppress(OSError):
        index.save(folder)
    return index


def open_index(reference: str | Path | None = None) -> KBIndex:
    """A KB index from a reference: None or a bundled name ('shop'); an imported KB's name; a
    folder holding an index; or KB source files (built in memory, not saved). Cached per
    process."""
    key = str(reference or "shop")
    with _lock:
        if key in _loaded:
            return _loaded[key]
    index = _open(key)
    with _lock:
        _loaded[key] = index
    return index


def _open(reference: str) -> KBIndex:
    path = Path(reference).expanduser()
    if path.exists():
        if path.is_dir() and is_index(path):
            return KBIndex.load(path)
        return KBIndex.build(load_knowledge_base(path))
    named = data_home() / reference
    if is_index(named):
        return KBIndex.load(named)
    if reference in BUNDLED:
        return bundled_index(reference)
    raise KnowledgeBaseError(
        f"no knowledge base {reference!r}: not a file or folder, not imported into {data_home()} "
        f"(`heard kb import PATH --kb {reference}`), and not bundled ({', '.join(BUNDLED)})"
    )


def forget() -> None:
    """Drop the per-process cache (tests, or after an import)."""
    with _lock:
        _loaded.clear()
