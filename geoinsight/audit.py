"""The audit log: every read of internal or restricted data, append only.

Kept in its own SQLite file, ``<data dir>/audit.sqlite``: the GeoPackage store is replaced on
each ingest, and the log must outlive that. Triggers refuse every UPDATE and DELETE, so not even
SQL run through the application can change what was recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

COLUMNS = ["at", "who", "what", "tier", "area", "route", "from_addr"]
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit (
         id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
         what TEXT NOT NULL, tier TEXT NOT NULL, area TEXT NOT NULL DEFAULT '',
         route TEXT NOT NULL, from_addr TEXT NOT NULL DEFAULT '')""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)


@dataclass(frozen=True)
class Read:
    """One read of protected data within a request."""

    what: str  # e.g. "layer values zz_internal_layer", "profile", "planning export"
    tier: str
    area: str = ""


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")  # readers never block the appending writers
        for statement in _SCHEMA:
            con.execute(statement)
        return con

    def record(self, who: str, route: str, from_addr: str, reads: Iterable[Read]) -> None:
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = [(at, who, r.what, r.tier, r.area, route, from_addr) for r in reads]
        if not rows:
            return
        con = self._connect()
        try:
            with con:
                con.execute("BEGIN IMMEDIATE")
                con.executemany(f"INSERT INTO audit ({', '.join(COLUMNS)}) VALUES "
                                f"({', '.join('?' * len(COLUMNS))})", rows)
        finally:
            con.close()

    def entries(self, limit: int | None = None) -> pd.DataFrame:
        """Newest first."""
        if not self.path.exists():
            return pd.DataFrame(columns=["id", *COLUMNS])
        con = self._connect()
        try:
            sql = f"SELECT id, {', '.join(COLUMNS)} FROM audit ORDER BY id DESC"
            return pd.read_sql_query(sql + (f" LIMIT {int(limit)}" if limit else ""), con)
        finally:
            con.close()
