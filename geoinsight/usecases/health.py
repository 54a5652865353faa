"""Can this server answer? The store reads, and the files it writes can be written.

Plain data for ``GET /healthz``: what failed is named, never how (paths and error texts go to the
server's log only, the answer is public).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoinsight.store import Reader


@dataclass(frozen=True)
class Health:
    #: the store's version and whether it is empty ({} when it cannot be read)
    store_state: dict[str, Any]
    #: what failed, by name ("store", "data_dir", "accounts.sqlite", …), with the reason
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(reader: Callable[[], Reader], data_dir: Path, sqlite_files: Sequence[Path]) -> Health:
    """Read the store (its version and one query), check ``data_dir`` is a writable folder and
    each SQLite file opens for writing and reads (a missing one: its folder is writable)."""
    problems: dict[str, str] = {}
    store: dict[str, Any] = {}
    try:
        opened = reader()
        store = {"version": opened.version(), "empty": opened.is_empty()}
    except Exception as exc:  # any failure of the store is the answer here, not a crash
        problems["store"] = f"{type(exc).__name__}: {exc}"
    if not writable_folder(data_dir):
        problems["data_dir"] = f"{data_dir} is not a writable folder"
    for path in sqlite_files:
        reason = sqlite_problem(path)
        if reason:
            problems[path.name] = reason
    return Health(store, problems)


def writable_folder(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def sqlite_problem(path: Path) -> str:
    """Why the SQLite file at ``path`` cannot be used ('' when it can)."""
    if not path.exists():
        return "" if writable_folder(path.parent) else f"{path.parent} is not writable"
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, timeout=5)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""
