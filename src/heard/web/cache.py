"""A small thread-safe cache of computed pages' data, each entry valid for one data stamp."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CACHE_ENTRIES = 64


class StampedCache(Generic[K, V]):
    """The latest ``entries`` values by key, each kept with the stamp of the data it was
    computed from; a value is returned only while the stamp still matches."""

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self._entries: OrderedDict[K, tuple[Any, V]] = OrderedDict()
        self._size = entries
        self._lock = threading.Lock()

    def get(self, key: K, stamp: Any) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: K, stamp: Any, value: V) -> None:
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
