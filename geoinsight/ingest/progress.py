"""How far the running ingest is, for whoever watches it (the web's ingest jobs).

An ingest reports its stage and its counts so far with :func:`report`; nothing happens unless
the caller watches (:func:`watching`), as the CLI does not. The watcher is a context variable,
so two ingests in two threads each report to their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

#: the stages an ingest passes, in order
STAGES = ("reading", "writing", "stored")


@dataclass(frozen=True)
class Progress:
    stage: str
    read: int = 0
    rejected: int = 0
    #: rows stored: known once the batch is written
    stored: int | None = None


Watcher = Callable[[Progress], None]
_watcher: ContextVar[Watcher | None] = ContextVar("ingest_progress", default=None)


def report(stage: str, *, read: int = 0, rejected: int = 0, stored: int | None = None) -> None:
    """Tell the watcher, if any, where the ingest is."""
    watcher = _watcher.get()
    if watcher is not None:
        watcher(Progress(stage, read, rejected, stored))


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    """Send the reports of the ingests run inside to ``watcher``."""
    token = _watcher.set(watcher)
    try:
        yield
    finally:
        _watcher.reset(token)
