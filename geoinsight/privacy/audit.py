"""The audit log: every read of internal or restricted data, append only.

Kept in its own SQLite file, ``<data dir>/audit.sqlite``: the GeoPackage store is replaced on
each ingest, and the log must outlive that. Triggers refuse every UPDATE and DELETE, so not even
SQL run through the application can change what was recorded.

A read of a custom area (a drawn or uploaded polygon) has no CBS code to name, so its row says
which area it was: bounding box in RD New, area in m², vertices as sent and the SHA-256 of the
normalised geometry's WKB (:class:`CustomArea`). The hash lets a beheerder tell whether two
reads were of the same polygon, and check a polygon someone hands over against the log, without
the log holding the geometry itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

#: columns of a custom area's read; added to a log written before they existed
_CUSTOM_COLUMNS = {"area_bbox": "TEXT NOT NULL DEFAULT ''", "area_m2": "REAL",
                   "area_vertices": "INTEGER", "area_sha256": "TEXT NOT NULL DEFAULT ''"}
COLUMNS = ["at", "who", "what", "tier", "area", "route", "from_addr", *_CUSTOM_COLUMNS]
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
class CustomArea:
    """Which drawn or uploaded area was read (see the module docstring)."""

    bbox: tuple[float, float, float, float]  # minx, miny, maxx, maxy in EPSG:28992 metres
    area_m2: float
    vertices: int
    sha256: str

    def bbox_text(self) -> str:
        """``minx,miny,maxx,maxy`` to the centimetre, as the log stores it."""
        return ",".join(f"{v:.2f}" for v in self.bbox)


@dataclass(frozen=True)
class Read:
    """One read of protected data within a request."""

    what: str  # e.g. "layer values zz_internal_layer", "profile", "planning export"
    tier: str
    area: str = ""
    custom: CustomArea | None = None

    def row(self, at: str, who: str, route: str, from_addr: str) -> tuple[object, ...]:
        """The values of :data:`COLUMNS`."""
        c = self.custom
        custom = (c.bbox_text(), round(c.area_m2, 1), c.vertices, c.sha256) if c else (
            "", None, None, "")
        return (at, who, self.what, self.tier, self.area, route, from_addr, *custom)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")  # readers never block the appending writers
        for statement in _SCHEMA:
            con.execute(statement)
        _add_custom_columns(con)
        return con

    def record(self, who: str, route: str, from_addr: str, reads: Iterable[Read]) -> None:
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = [r.row(at, who, route, from_addr) for r in reads]
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
            frame = pd.read_sql_query(sql + (f" LIMIT {int(limit)}" if limit else ""), con)
        finally:
            con.close()
        # rows of other reads have no area figures: None (JSON null, an empty CSV cell), not NaN
        frame["area_vertices"] = frame["area_vertices"].astype("Int64")
        return frame.astype(object).where(frame.notna(), None)


def _add_custom_columns(con: sqlite3.Connection) -> None:
    """Give a log from before the custom-area columns those columns. Adding a column changes
    no recorded row (they read the default), so the append-only promise holds."""
    present = {str(row[1]) for row in con.execute("PRAGMA table_info(audit)")}
    for name, kind in _CUSTOM_COLUMNS.items():
        if name not in present:
            try:
                con.execute(f"ALTER TABLE audit ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as exc:  # another process added it just now
                if "duplicate column" not in str(exc):
                    raise
