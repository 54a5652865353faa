"""Where the accounts and the audit log keep their rows: a SQLite file in the data dir, or the
PostgreSQL database of the PostGIS store (``GEOINSIGHT_DATABASE_URL``), which several app
servers on several machines share.

The accounts and the audit log hold their logic and SQL once; a :class:`Database` gives them
connections that speak the same SQL on both: ``?`` placeholders, rows read by column name, one
write transaction at a time (SQLite's ``BEGIN IMMEDIATE``; on PostgreSQL an advisory lock
taken at the start of each write transaction, so a check-and-count cannot interleave with
another server's). What differs is named here: the row id column and the errors that mean
"busy". The SQLite schema belongs to its caller; the PostgreSQL schema is a migration of the
store (:mod:`geoinsight.store.postgis_schema`), applied once per process.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path
from typing import Any

#: the advisory lock key of account and audit writes on PostgreSQL ("GIAC")
ACCOUNTS_LOCK = 0x47494143


class Connection:
    """One connection: ``execute`` takes ``?`` placeholders and returns a DB-API cursor whose
    rows are read by column name (``row["name"]``)."""

    def __init__(self, raw: Any, *, percent: bool) -> None:
        self.raw = raw
        self._percent = percent

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self._percent else query

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self._sql(query), tuple(params))

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._percent:
            with self.raw.cursor() as cur:
                cur.executemany(self._sql(query), rows)
        else:
            self.raw.executemany(query, rows)


class Database:
    """Connections to where the rows live; see the module docstring."""

    #: the column that identifies a row of a table without a key of its own
    rowid = "rowid"
    #: errors of a write that may be skipped when it is only bookkeeping (busy, read-only)
    busy: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    #: the SQLite file, None on PostgreSQL
    path: Path | None = None

    def beside(self, filename: str) -> Path | str:
        """Where a neighbour lives: the file ``filename`` in this file's folder; on PostgreSQL
        the same database."""
        raise NotImplementedError

    def setup(self, sqlite_schema: Callable[[Connection], None]) -> None:
        """Create the tables when missing (``sqlite_schema`` runs in one write transaction)."""
        raise NotImplementedError

    def connect(self) -> AbstractContextManager[Connection]:
        """A connection in autocommit: every statement sees the latest writes."""
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction, one at a time: everything in it is stored, or nothing."""
        raise NotImplementedError


class SQLiteDatabase(Database):
    """A SQLite file (readable and writable by its owner only)."""

    def __init__(self, path: Path, *, timeout: float = 10, wal: bool = False) -> None:
        self.file = Path(path)
        self.path = self.file
        self.timeout = timeout
        self.wal = wal

    def beside(self, filename: str) -> Path:
        return self.file.parent / filename

    def setup(self, sqlite_schema: Callable[[Connection], None]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.touch(mode=0o600, exist_ok=True)  # nobody else's business
        with self.transaction() as conn:
            sqlite_schema(conn)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with closing(sqlite3.connect(self.file, timeout=self.timeout,
                                     isolation_level=None)) as raw:
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA foreign_keys = ON")
            if self.wal:
                raw.execute("PRAGMA journal_mode=WAL")  # readers never block the writers
            yield Connection(raw, percent=False)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


class PostgresDatabase(Database):
    """The PostgreSQL database of the PostGIS store (tables of migrations 2 and 3)."""

    rowid = "id"

    def __init__(self, url: str) -> None:
        import psycopg

        from geoinsight.store.postgis import check_url

        self.url = check_url(url)
        self.busy = (psycopg.OperationalError,)
        self._ready = False
        self._lock = threading.Lock()

    def beside(self, filename: str) -> str:
        return self.url

    def setup(self, sqlite_schema: Callable[[Connection], None]) -> None:
        from psycopg.rows import tuple_row

        from geoinsight.store.postgis_schema import migrate

        with self._lock:
            if not self._ready:
                with self._raw() as raw:
                    raw.row_factory = tuple_row  # as the store's migrations read their rows
                    migrate(raw)
                self._ready = True

    def _raw(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        from geoinsight.errors import ConfigError

        try:
            return psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
        except psycopg.OperationalError as exc:
            raise ConfigError(f"cannot connect to the database: {exc}") from exc

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._raw() as raw:
            yield Connection(raw, percent=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._raw() as raw, raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (ACCOUNTS_LOCK,))
            yield Connection(raw, percent=True)


def open_database(location: Path | str, *, timeout: float = 10, wal: bool = False) -> Database:
    """PostgreSQL for a ``postgresql://`` URL, else the SQLite file at ``location``."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(location)
    return SQLiteDatabase(Path(location), timeout=timeout, wal=wal)
