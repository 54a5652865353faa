"""Brute-force protection for sign-in, and rate limits, shared through the accounts tables.

The counts live with the accounts (table ``hits``: ``<data dir>/accounts.sqlite``, or the
PostgreSQL database every app server shares), not in memory: several server processes, on one
machine or several, must see one another's failures, or an attacker spreads guesses over them.
Each check-and-count is one write transaction of the accounts (one at a time), so parallel
requests cannot all slip through before the first is counted.

Sign-in (:class:`SignInGuard`): a failure is counted for the name as typed (lower case) and for
the client address. After ``max_failures`` failures of a name, or ``address_max_failures`` from
an address, within ``window`` seconds, every further attempt is answered "throttled" with the
seconds to wait, without checking the password: a correct password in that time is refused
too, else throttling would only slow the attacker's *wrong* guesses. The wait starts at
``backoff`` seconds after the last failure and doubles with each further failure, up to
``window``. ``lock_after`` failures of a name in a row (not windowed: slow guessing is still
guessing) lock it until ``geoinsight users unlock``. A success clears the name's count, never
the address's (or one valid account would launder an address's guesses at others).

Names are counted whether or not such a user exists, so neither a throttle nor a lock tells
which names are real. An attempt is counted as a failure *before* the (slow) password check and
taken back when it succeeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geoinsight.privacy.access import Principal
from geoinsight.privacy.accounts import Accounts
from geoinsight.privacy.sqldb import Connection

if TYPE_CHECKING:
    from geoinsight.settings import Settings

NAME_SCOPE = "sign-in name"
ADDRESS_SCOPE = "sign-in address"
AGGREGATE_SCOPE = "aggregate"
_MAX_KEY = 100


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures, within which window, give which wait; see the module docstring."""

    max_failures: int = 5
    address_max_failures: int = 20
    window: int = 900
    backoff: int = 30
    lock_after: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(settings.login_max_failures, settings.login_address_max_failures,
                   settings.login_failure_window, settings.login_backoff,
                   settings.login_lock_after)

    def wait(self, failures: int, threshold: int, latest: float, now: float) -> int:
        """Seconds still to wait after ``failures`` recent failures, the last at ``latest``."""
        if failures < threshold:
            return 0
        block = min(self.window, self.backoff * 2 ** min(failures - threshold, 30))
        return max(0, math.ceil(latest + block - now))


@dataclass(frozen=True)
class Attempt:
    """What became of one sign-in: ``ok``, ``bad_login``, ``throttled`` or ``locked``."""

    outcome: str
    principal: Principal | None = None
    retry_after: int = 0
    locked_now: bool = False


class Limiter:
    """Sliding-window counters per (scope, key) in the accounts file."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def now(self) -> float:
        return self.accounts.clock().timestamp()

    @staticmethod
    def recent(conn: Connection, scope: str, key: str, since: float
               ) -> tuple[int, float, float]:
        """How many hits since ``since``, the first and the last of them."""
        row = conn.execute("SELECT COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM hits "
                           "WHERE scope = ? AND key = ? AND at > ?",
                           (scope, key[:_MAX_KEY], since)).fetchone()
        return int(row["n"]), float(row["first"] or 0.0), float(row["last"] or 0.0)

    def add(self, conn: Connection, scope: str, key: str, at: float) -> int:
        """Count a hit; returns its row id (to take it back with :meth:`remove`)."""
        row = conn.execute(f"INSERT INTO hits (scope, key, at) VALUES (?, ?, ?) "
                           f"RETURNING {self.accounts.db.rowid} AS id",
                           (scope, key[:_MAX_KEY], at)).fetchone()
        return int(row["id"])

    def remove(self, conn: Connection, hit: int) -> None:
        conn.execute(f"DELETE FROM hits WHERE {self.accounts.db.rowid} = ?", (hit,))

    @staticmethod
    def sweep(conn: Connection, scope: str, before: float) -> None:
        """Forget the hits no window looks at any more (keeps the table small)."""
        conn.execute("DELETE FROM hits WHERE scope = ? AND at <= ?", (scope, before))

    def take(self, scope: str, key: str, limit: int, window: int) -> int:
        """Count one request if fewer than ``limit`` came in the last ``window`` seconds and
        return 0; else count nothing and return the seconds until one may come."""
        with self.accounts.transaction() as conn:
            now = self.now()
            self.sweep(conn, scope, now - window)
            count, first, _ = self.recent(conn, scope, key, now - window)
            if count >= limit:
                return max(1, math.ceil(first + window - now))
            self.add(conn, scope, key, now)
        return 0


class SignInGuard:
    """Sign-in with throttling and locks: the one way the web layer checks a password."""

    def __init__(self, accounts: Accounts, policy: LoginPolicy | None = None) -> None:
        self.accounts = accounts
        self.policy = policy or LoginPolicy()
        self.limiter = Limiter(accounts)

    def sign_in(self, name: str, password: str, address: str) -> Attempt:
        """Check a name and password from a client address; see the module docstring."""
        if self.accounts.locked_since(name) is not None:
            return Attempt("locked")
        reserved = self._reserve(name.lower(), address)
        if isinstance(reserved, int):
            return Attempt("throttled", retry_after=reserved)
        principal = self.accounts.verify_password(name, password)
        if principal is not None:
            self._succeeded(name.lower(), reserved[1])
            self.accounts.clear_failures(name)
            return Attempt("ok", principal)
        locked = self.accounts.count_failure(name, self.policy.lock_after)
        return Attempt("bad_login", locked_now=locked)

    def address_wait(self, address: str) -> int:
        """Seconds an address must still wait (for requests with an API token), else 0."""
        with self.accounts.reading() as conn:
            return self._address_wait(conn, address, self.limiter.now())

    def count_address_failure(self, address: str) -> None:
        """A wrong API token: counted against the address like a wrong password."""
        with self.accounts.transaction() as conn:
            self.limiter.add(conn, ADDRESS_SCOPE, address, self.limiter.now())

    def _address_wait(self, conn: Connection, address: str, now: float) -> int:
        count, _, latest = self.limiter.recent(conn, ADDRESS_SCOPE, address,
                                               now - self.policy.window)
        return self.policy.wait(count, self.policy.address_max_failures, latest, now)

    def _reserve(self, key: str, address: str) -> tuple[int, int] | int:
        """Count the attempt as a failure of name and address, or say how long to wait."""
        policy = self.policy
        with self.accounts.transaction() as conn:
            now = self.limiter.now()
            for scope in (NAME_SCOPE, ADDRESS_SCOPE):
                self.limiter.sweep(conn, scope, now - policy.window)
            count, _, latest = self.limiter.recent(conn, NAME_SCOPE, key, now - policy.window)
            wait = max(policy.wait(count, policy.max_failures, latest, now),
                       self._address_wait(conn, address, now))
            if wait:
                return wait
            return (self.limiter.add(conn, NAME_SCOPE, key, now),
                    self.limiter.add(conn, ADDRESS_SCOPE, address, now))

    def _succeeded(self, key: str, address_hit: int) -> None:
        with self.accounts.transaction() as conn:
            conn.execute("DELETE FROM hits WHERE scope = ? AND key = ?", (NAME_SCOPE, key))
            self.limiter.remove(conn, address_hit)
