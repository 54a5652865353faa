"""A small, bounded, thread-safe memo for what the OGC API builds once per store version.

Collection lists, area sets and value tables are expensive (every layer evaluated over every
area of a level) but change only when the store does, so each is built once per store version
and the least recently used ones are dropped. Keys always start with the store version.
Building happens outside the lock: two threads may build the same entry once each, but neither
waits for the other's slow work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class BoundedCache:
    def __init__(self, size: int = 24) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def held(self) -> list[Hashable]:
        """The keys held now, least recently used first."""
        with self._lock:
            return list(self._entries)
