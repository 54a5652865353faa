"""The audit log: every read of internal or restricted data, append only.

Kept in its own SQLite file, ``<data dir>/audit.sqlite``: the GeoPackage store is replaced on
each ingest, and the log must outlive that. With ``GEOINSIGHT_DATABASE_URL`` set it is the table
``audit`` of that PostgreSQL database instead, which every app server shares
(:mod:`geoinsight.privacy.sqldb`). On both, triggers refuse every UPDATE and DELETE, so not even
SQL run through the application can change what was recorded.

A read of a custom area (a drawn or uploaded polygon) has no CBS code to name, so its row says
which area it was: bounding box in RD New, area in m², vertices as sent and the SHA-256 of the
normalised geometry's WKB (:class:`CustomArea`). The hash lets a beheerder tell whether two
reads were of the same polygon, and check a polygon someone hands over against the log, without
the log holding the geometry itself.

A map draws a raster overlay from dozens of tiles per view. Those reads are recorded once per
person, raster and :data:`TILE_WINDOW` on each server (``record(..., coalesce=True)``): the
log says who looked at the raster and when, without a row per tile.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geoinsight.privacy.sqldb import Connection, open_database

if TYPE_CHECKING:
    from geoinsight.settings import Settings

FILENAME = "audit.sqlite"
#: seconds in which repeated coalesced reads (a raster's tiles) of one person are one row
TILE_WINDOW = 600.0

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
    """The log in a SQLite file (made on the first record) or in the PostgreSQL database a
    ``postgresql://`` URL names (its table made by the store's migrations)."""

    def __init__(self, location: Path | str) -> None:
        self.db = open_database(location, timeout=30, wal=True)
        #: the SQLite file, None on PostgreSQL
        self.path = self.db.path
        self._ready = False
        self._recent: dict[tuple[str, str, str, str], float] = {}
        self._lock = threading.Lock()

    def _setup(self) -> None:
        if not self._ready:
            self.db.setup(_create_sqlite_schema)
            self._ready = True

    def record(self, who: str, route: str, from_addr: str, reads: Iterable[Read],
               coalesce: bool = False) -> None:
        """Append ``reads``; with ``coalesce``, only those not recorded for ``who`` in the last
        :data:`TILE_WINDOW` seconds (module docstring)."""
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        reads = [r for r in reads if not coalesce or self._first_in_window(who, r)]
        rows = [r.row(at, who, route, from_addr) for r in reads]
        if not rows:
            return
        self._setup()
        with self.db.transaction() as conn:
            conn.executemany(f"INSERT INTO audit ({', '.join(COLUMNS)}) VALUES "
                             f"({', '.join('?' * len(COLUMNS))})", rows)

    def _first_in_window(self, who: str, read: Read) -> bool:
        key = (who, read.what, read.tier, read.area)
        now = time.monotonic()
        with self._lock:
            if now - self._recent.get(key, -TILE_WINDOW) < TILE_WINDOW:
                return False
            if len(self._recent) > 10_000:  # forget the stale ones
                self._recent = {k: t for k, t in self._recent.items()
                                if now - t < TILE_WINDOW}
            self._recent[key] = now
            return True

    def entries(self, limit: int | None = None) -> pd.DataFrame:
        """Newest first."""
        if self.path is not None and not self.path.exists():
            return pd.DataFrame(columns=["id", *COLUMNS])
        self._setup()
        query = f"SELECT id, {', '.join(COLUMNS)} FROM audit ORDER BY id DESC"
        with self.db.connect() as conn:
            cursor = conn.execute(query + (f" LIMIT {int(limit)}" if limit else ""))
            names = [column[0] for column in cursor.description]
            frame = pd.DataFrame([dict(row) for row in cursor.fetchall()], columns=names)
        # rows of other reads have no area figures: None (JSON null, an empty CSV cell), not NaN
        frame["area_vertices"] = frame["area_vertices"].astype("Int64")
        return frame.astype(object).where(frame.notna(), None)


def open_audit_log(settings: Settings) -> AuditLog:
    """The audit log the settings name: in the database of ``database_url`` when set (shared
    by every app server), else ``<data dir>/audit.sqlite``."""
    return AuditLog(settings.database_url or settings.data_dir / FILENAME)


def _create_sqlite_schema(con: Connection) -> None:
    for statement in _SCHEMA:
        con.execute(statement)
    _add_custom_columns(con)


def _add_custom_columns(con: Connection) -> None:
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
