"""Accounts: users with roles and passwords, and API tokens for scripts.

They live in their own SQLite file, ``<data dir>/accounts.sqlite``, never in the GeoPackage: it
is replaced on every ingest and accounts must survive that. With ``GEOINSIGHT_DATABASE_URL`` set
they live in tables of that PostgreSQL database instead (:mod:`geoinsight.privacy.sqldb`), which
every app server on every machine shares. Neither holds a secret in
the clear: passwords are stored as werkzeug scrypt hashes, API tokens as their SHA-256 (a token is
256 random bits, so a fast hash suffices; it cannot be guessed back from the hash).

Names are ASCII, compared without regard to case (``Jan`` and ``jan`` are one user). Every change
is one transaction. A connection is opened per call, so one ``Accounts`` may be shared by the
threads of the web server.

The same tables keep what several server processes must share: sign-in sessions
(so logging out, a new password or removing a user ends them server-side), the failed sign-ins
per name and the lock after too many (see :mod:`geoinsight.privacy.throttle`), and the
sliding-window hits of the rate limits. Time comes from an injectable clock, so tests never wait.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.security import check_password_hash, generate_password_hash

from geoinsight.errors import GeoInsightError, NotFound
from geoinsight.privacy.access import ROLES, Principal
from geoinsight.privacy.passwords import DEFAULT_MIN_SCORE, MAX_LENGTH, MIN_LENGTH, check_password
from geoinsight.privacy.sqldb import Connection, open_database

if TYPE_CHECKING:
    from geoinsight.settings import Settings

FILENAME = "accounts.sqlite"
MIN_PASSWORD = MIN_LENGTH
MAX_PASSWORD = MAX_LENGTH
TOKEN_PREFIX = "gi_"
#: ``last_used`` of a token is written at most this often (not on every API request).
_LAST_USED_STEP = timedelta(minutes=1)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_SCHEMA_VERSION = 2
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
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE,
    created TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_name);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    failures INTEGER NOT NULL,
    locked TEXT
);
CREATE TABLE IF NOT EXISTS hits (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_key ON hits(scope, key, at);
CREATE INDEX IF NOT EXISTS hits_at ON hits(scope, at);
"""
#: Clocks return an aware UTC datetime; tests pass one they can move.
Clock = Callable[[], datetime]


_TIME = "%Y-%m-%dT%H:%M:%SZ"


def _format_time(moment: datetime) -> str:
    return moment.strftime(_TIME)


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


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


def _principal(row: Any) -> Principal:
    return Principal(row["name"], frozenset(row["roles"].split()))


class Accounts:
    """Users and API tokens in a SQLite file (created, with its folder, when missing) or in
    the PostgreSQL database a ``postgresql://`` URL names (tables made by its migrations)."""

    def __init__(self, location: Path | str, *, clock: Clock = utc_now,
                 password_min_score: int = DEFAULT_MIN_SCORE) -> None:
        self.db = open_database(location)
        #: the SQLite file, None on PostgreSQL
        self.path = self.db.path
        self.clock = clock
        self.password_min_score = password_min_score
        self.db.setup(_create_sqlite_schema)

    def _now(self) -> str:
        return _format_time(self.clock())

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection that only reads: takes no write lock (the throttle's per-request check)."""
        return self.db.connect()

    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction: everything in it is stored, or nothing."""
        return self.db.transaction()

    def _user(self, conn: Connection, name: str) -> Any:
        row = conn.execute(
            "SELECT name, roles, password_hash, disabled FROM users WHERE name = ?",
            (name,)).fetchone()
        return row

    # -- users ------------------------------------------------------------------------------

    def check_new_user(self, name: str, roles: Iterable[str]) -> None:
        """Raise what ``add_user`` would for this name and roles (ask for a password after)."""
        _check_name(name)
        _roles_text(roles)
        with self.reading() as conn:
            if self._user(conn, name) is not None:
                raise GeoInsightError(f"user {name!r} exists already", code="user_exists",
                                      status=409)

    def add_user(self, name: str, roles: Iterable[str], password: str) -> None:
        """Add a user; codes ``bad_name``, ``bad_role``, ``weak_password``, ``user_exists``."""
        _check_name(name)
        roles_text = _roles_text(roles)
        check_password(name, password, self.password_min_score)
        password_hash = generate_password_hash(password)  # before the transaction: it is slow
        with self.transaction() as conn:
            if self._user(conn, name) is not None:
                raise GeoInsightError(f"user {name!r} exists already", code="user_exists",
                                      status=409)
            conn.execute("INSERT INTO users (name, roles, password_hash, created, disabled) "
                         "VALUES (?, ?, ?, ?, 0)", (name, roles_text, password_hash, self._now()))
            # a name locked (or counted) before the user existed starts clean
            conn.execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))

    def remove_user(self, name: str) -> None:
        """Remove a user, every API token and session of theirs; ``NotFound`` if unknown."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM api_tokens WHERE user_name = ?", (name,))
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))
            conn.execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))
            if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")

    def set_roles(self, name: str, roles: Iterable[str]) -> None:
        """Give a user these roles (at least one) and end their sessions, so the change holds
        at once; codes ``bad_role``, ``unknown_user``."""
        roles_text = _roles_text(roles)
        with self.transaction() as conn:
            if conn.execute("UPDATE users SET roles = ? WHERE name = ?",
                            (roles_text, name)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))

    def revoke_tokens(self, name: str) -> int:
        """Withdraw every API token of a user; returns how many there were."""
        with self.transaction() as conn:
            if self._user(conn, name) is None:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            return int(conn.execute("DELETE FROM api_tokens WHERE user_name = ?",
                                    (name,)).rowcount)

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        """Block (or unblock) a user: no sign-in, no token, sessions become anonymous."""
        with self.transaction() as conn:
            if conn.execute("UPDATE users SET disabled = ? WHERE name = ?",
                            (int(disabled), name)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")

    def set_password(self, name: str, password: str) -> None:
        """Give a user a new password and end every session of theirs (tokens stay).

        A password is changed because it may be known to someone else: whoever signed in with
        the old one must not stay signed in. Codes ``weak_password``, ``unknown_user``.
        """
        with self.reading() as conn:
            row = self._user(conn, name)
        if row is None:
            raise NotFound(f"no user {name!r}", code="unknown_user")
        check_password(row["name"], password, self.password_min_score)
        password_hash = generate_password_hash(password)
        with self.transaction() as conn:
            if conn.execute("UPDATE users SET password_hash = ? WHERE name = ?",
                            (password_hash, name)).rowcount == 0:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))

    def list_users(self) -> list[dict[str, Any]]:
        """Every user: name, roles, created, disabled, locked (when, or None) and their number
        of tokens; no hashes."""
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT u.name, u.roles, u.created, u.disabled, f.locked, "
                "(SELECT COUNT(*) FROM api_tokens t WHERE t.user_name = u.name) AS tokens "
                "FROM users u LEFT JOIN sign_in_failures f ON f.name = u.name "
                "ORDER BY u.name").fetchall()
        return [{"name": r["name"], "roles": r["roles"].split(), "created": r["created"],
                 "disabled": bool(r["disabled"]), "locked": r["locked"], "tokens": r["tokens"]}
                for r in rows]

    def principal_for_user(self, name: str) -> Principal | None:
        """The principal of an existing, enabled user (for a session), else None."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return None
        with self.reading() as conn:
            row = self._user(conn, name)
        return None if row is None or row["disabled"] else _principal(row)

    def verify_password(self, name: str, password: str) -> Principal | None:
        """The principal if name and password match an enabled user, else None.

        Takes as long for an unknown name as for a wrong password (a dummy hash is checked), so
        the time taken does not tell which names exist.
        """
        row = None
        if isinstance(name, str) and _NAME.fullmatch(name):
            with self.reading() as conn:
                row = self._user(conn, name)
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            password = ""
        stored = row["password_hash"] if row is not None else _dummy_hash()
        matches = check_password_hash(stored, password)
        if row is None or not matches or row["disabled"]:
            return None
        return _principal(row)

    # -- sessions ---------------------------------------------------------------------------

    def new_session(self, name: str, lifetime: timedelta) -> str:
        """A new server-side session of a user; returns its id, of which only a hash is kept.

        The browser's signed cookie carries the id. A cookie is a bearer credential that a
        copy keeps alive; with the session here, logging out, a new password or removing the
        user ends it for every copy. Expired sessions are swept out on the way.
        """
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.transaction() as conn:
            row = self._user(conn, name)
            if row is None:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("DELETE FROM sessions WHERE expires <= ?", (now.timestamp(),))
            conn.execute("INSERT INTO sessions (id_hash, user_name, created, expires) "
                         "VALUES (?, ?, ?, ?)", (_token_hash(session_id), row["name"],
                                                 _format_time(now),
                                                 (now + lifetime).timestamp()))
        return session_id

    def principal_for_session(self, session_id: object) -> Principal | None:
        """The principal of a live session (not ended, not expired, user enabled), else None."""
        if not isinstance(session_id, str) or not 0 < len(session_id) <= 100:
            return None
        with self.reading() as conn:
            row = conn.execute(
                "SELECT u.name, u.roles, u.disabled FROM sessions s "
                "JOIN users u ON u.name = s.user_name WHERE s.id_hash = ? AND s.expires > ?",
                (_token_hash(session_id), self.clock().timestamp())).fetchone()
        return None if row is None or row["disabled"] else _principal(row)

    def end_session(self, session_id: object) -> None:
        """End one session (logging out); an unknown or ended one is no error."""
        if isinstance(session_id, str):
            with self.transaction() as conn:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_token_hash(session_id),))

    def end_sessions(self, name: str) -> int:
        """End every session of a user (signed in elsewhere, stolen cookie); how many ended."""
        with self.transaction() as conn:
            ended: int = conn.execute("DELETE FROM sessions WHERE user_name = ?",
                                      (name,)).rowcount
        return ended

    # -- failed sign-ins and locks ----------------------------------------------------------
    # Counted per name as typed, whether or not such a user exists: a lock must not tell an
    # attacker which names are real.

    def locked_since(self, name: str) -> str | None:
        """When the name was locked after too many failed sign-ins, else None."""
        with self.reading() as conn:
            row = conn.execute("SELECT locked FROM sign_in_failures WHERE name = ?",
                               (name,)).fetchone()
        return None if row is None else row["locked"]

    def count_failure(self, name: str, lock_after: int) -> bool:
        """Count a failed sign-in for ``name``; True when this one locks the name."""
        if not _NAME.fullmatch(name):
            return False  # no user can have it; the throttle still counts it
        with self.transaction() as conn:
            conn.execute("INSERT INTO sign_in_failures (name, failures, locked) VALUES (?, 1, "
                         "NULL) ON CONFLICT(name) DO UPDATE "
                         "SET failures = sign_in_failures.failures + 1", (name,))
            row = conn.execute("SELECT failures, locked FROM sign_in_failures WHERE name = ?",
                               (name,)).fetchone()
            if row["locked"] is None and row["failures"] >= lock_after:
                conn.execute("UPDATE sign_in_failures SET locked = ? WHERE name = ?",
                             (self._now(), name))
                return True
        return False

    def clear_failures(self, name: str) -> None:
        """A successful sign-in: the name's count starts again."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sign_in_failures WHERE name = ? AND locked IS NULL",
                         (name,))

    def unlock(self, name: str) -> bool:
        """Lift the lock of a name (and its count); False if it was not locked.

        ``NotFound`` when the name is neither a user nor counted, so a typo is noticed.
        """
        with self.transaction() as conn:
            row = conn.execute("SELECT locked FROM sign_in_failures WHERE name = ?",
                               (name,)).fetchone()
            if row is None and self._user(conn, name) is None:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))
        return row is not None and row["locked"] is not None

    # -- API tokens -------------------------------------------------------------------------

    def new_token(self, name: str) -> str:
        """A new API token for a user, returned once; only its SHA-256 is stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.transaction() as conn:
            row = self._user(conn, name)
            if row is None:
                raise NotFound(f"no user {name!r}", code="unknown_user")
            conn.execute("INSERT INTO api_tokens (token_hash, user_name, created, last_used) "
                         "VALUES (?, ?, ?, NULL)", (_token_hash(token), row["name"], self._now()))
        return token

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal a token belongs to (an enabled user), else None."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = _token_hash(token)
        with self.reading() as conn:
            row = conn.execute(
                "SELECT u.name, u.roles, u.disabled, t.last_used FROM api_tokens t "
                "JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?",
                (digest,)).fetchone()
            if row is None or row["disabled"]:
                return None
            now = self.clock()
            last = row["last_used"]
            if last is None or now - _parse_time(last) >= _LAST_USED_STEP:
                with suppress(*self.db.busy):  # busy or read-only: still let them in
                    conn.execute("UPDATE api_tokens SET last_used = ? WHERE token_hash = ?",
                                 (_format_time(now), digest))
        return _principal(row)


def open_accounts(settings: Settings, *, clock: Clock = utc_now) -> Accounts:
    """The accounts the settings name: in the database of ``database_url`` when set (shared
    by every app server), else ``<data dir>/accounts.sqlite``."""
    return Accounts(settings.database_url or settings.data_dir / FILENAME, clock=clock,
                    password_min_score=settings.password_min_score)


def _create_sqlite_schema(conn: Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] < _SCHEMA_VERSION:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
