"""Accounts: users with roles and passwords, and API tokens for scripts.

They live in their own SQLite file, ``<data dir>/accounts.sqlite``, never in the store: the
GeoPackage is replaced on every ingest and accounts must survive that. The file holds no secret in
the clear: passwords are stored as werkzeug scrypt hashes, API tokens as their SHA-256 (a token is
256 random bits, so a fast hash suffices; it cannot be guessed back from the hash).

Names are ASCII, compared without regard to case (``Jan`` and ``jan`` are one user). Every change
is one SQLite transaction. A connection is opened per call, so one ``Accounts`` may be shared by
the threads of the web server.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.security import check_password_hash, generate_password_hash

from geoinsight.access import ROLES, Principal
from geoinsight.errors import GeoInsightError, NotFound

if TYPE_CHECKING:
    from geoinsight.settings import Settings

FILENAME = "accounts.sqlite"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
TOKEN_PREFIX = "gi_"
#: ``last_used`` of a token is written at most this often (not on every API request).
_LAST_USED_STEP = timedelta(minutes=1)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE,
    created TEXT NOT NULL,
    last_used TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_name);
"""


_TIME = "%Y-%m-%dT%H:%M:%SZ"


def _format_time(moment: datetime) -> str:
    return moment.strftime(_TIME)


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def _now() -> str:
    return _format_time(datetime.now(UTC))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@cache
def _dummy_hash() -> str:
    """A hash made like a real one, checked for unknown users so they cost the same time."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _roles_text(roles: Iterable[str]) -> str:
    wanted = sorted({str(r).strip() for r in roles})
    if not wanted:
        raise GeoInsightError(f"give at least one role ({', '.join(ROLES)})", code="bad_role",
                              status=400)
    unknown = [r for r in wanted if r not in ROLES]
    if unknown:
        raise GeoInsightError(f"unknown role {unknown[0]!r}: use one of {', '.join(ROLES)}",
                              code="bad_role", status=400)
    return " ".join(wanted)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise GeoInsightError(
            "a user name is 1-64 characters: letters, digits and . _ @ -, starting with a letter "
            "or digit", code="bad_name", status=400)


def _check_password(name: str, password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise GeoInsightError(f"a password needs at least {MIN_PASSWORD} characters",
                              code="weak_password", status=400)
    if len(password) > MAX_PASSWORD:
        raise GeoInsightError(f"a password has at most {MAX_PASSWORD} characters",
                              code="weak_password", status=400)
    if password.strip().lower() == name.lower():
        raise GeoInsightError("a password must not be the user name", code="weak_password",
                              status=400)


def _principal(row: sqlite3.Row) -> Principal:
    return Principal(row["name"], frozenset(row["roles"].split()))


class Accounts:
    """Users and API tokens in one SQLite file (created, with its folder, when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600, exist_ok=True)  # hashes only, but still nobody else's business
        with self._transaction() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] < _SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    @classmethod
    def for_settings(cls, settings: Settings) -> Accounts:
        """The accounts of a data dir: ``<data dir>/accounts.sqlite``."""
        return cls(settings.data_dir / FILENAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in it is stored, or nothing."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _user(self, conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT name, roles, password_hash, disabled FROM users WHERE name = ?",
            (name,)).fetchone()
        return row

    # -- users ------------------------------------------------------------------------------

    def check_new_user(self, name: str, roles: Iterable[str]) -> None:
        """Raise what ``add_user`` would for this name and roles (ask for a password after)."""
        _check_name(name)
        _roles_text(roles)
        with self._connect() as conn:
            if self._user(conn, name) is not None:
                raise GeoInsightError(f"user {name!r} exists already", code="user_exists",
                                      status=409)

    def add_user(self, name: str, roles: Iterable[str], password: str) -> None:
        """Add a user; codes ``bad_name``, ``bad_role``, ``weak_password``, ``user_exists``."""
        _check_name(name)
        roles_text = _roles_text(roles)
        _check_password(name, password)
        password_hash = generate_password_hash(password)  # before the transaction: it is slow
        with self._transaction() as conn:
            if self._user(conn, name) is not None:
                raise GeoInsightError(f"user {name!r} exists already", code="user_exists",
                                      status=409)
            conn.execute("INSERT INTO users (name, roles, password_hash, created, disabled) "
                         "VALUES (?, ?, ?, ?, 0)", (name, roles_text, password_hash, _now()))

    def remove_user(self, name: str) -> None:
        """Remove a user and every API token of theirs; ``NotFound`` if there is no such user."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM api_tokens WHERE user_name = ?", (name,))
            if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        """Block (or unblock) a user: no sign-in, no token, sessions become anonymous."""
        with self._transaction() as conn:
            if conn.execute("UPDATE users SET disabled = ? WHERE name = ?",
                            (int(disabled), name)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user: name, roles, created, disabled and their number of tokens; no hashes."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT u.name, u.roles, u.created, u.disabled, COUNT(t.token_hash) AS tokens "
                "FROM users u LEFT JOIN api_tokens t ON t.user_name = u.name "
                "GROUP BY u.name ORDER BY u.name").fetchall()
        return [{"name": r["name"], "roles": r["roles"].split(), "created": r["created"],
                 "disabled": bool(r["disabled"]), "tokens": r["tokens"]} for r in rows]

    def principal_for_user(self, name: str) -> Principal | None:
        """The principal of an existing, enabled user (for a session), else None."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return None
        with self._connect() as conn:
            row = self._user(conn, name)
        return None if row is None or row["disabled"] else _principal(row)

    def verify_password(self, name: str, password: str) -> Principal | None:
        """The principal if name and password match an enabled user, else None.

        Takes as long for an unknown name as for a wrong password (a dummy hash is checked), so
        the time taken does not tell which names exist.
        """
        row = None
        if isinstance(name, str) and _NAME.fullmatch(name):
            with self._connect() as conn:
                row = self._user(conn, name)
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            password = ""
        stored = row["password_hash"] if row is not None else _dummy_hash()
        matches = check_password_hash(stored, password)
        if row is None or not matches or row["disabled"]:
            return None
        return _principal(row)

    # -- API tokens -------------------------------------------------------------------------

    def new_token(self, name: str) -> str:
        """A new API token for a user, returned once; only its SHA-256 is stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as conn:
            row = self._user(conn, name)
            if row is None:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("INSERT INTO api_tokens (token_hash, user_name, created, last_used) "
                         "VALUES (?, ?, ?, NULL)", (_token_hash(token), row["name"], _now()))
        return token

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal a token belongs to (an enabled user), else None."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = _token_hash(token)
        with self._connect() as conn:
            row = conn.execute(
                "SELECT u.name, u.roles, u.disabled, t.last_used FROM api_tokens t "
                "JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?",
                (digest,)).fetchone()
            if row is None or row["disabled"]:
                return None
            now = datetime.now(UTC)
            last = row["last_used"]
            if last is None or now - _parse_time(last) >= _LAST_USED_STEP:
                with suppress(sqlite3.OperationalError):  # busy or read-only: still let them in
                    conn.execute("UPDATE api_tokens SET last_used = ? WHERE token_hash = ?",
                                 (_format_time(now), digest))
        return _principal(row)
