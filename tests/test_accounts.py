"""Accounts: no secret at rest, roles checked, tokens that die with their user."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from manual_clock import ManualClock

from geoinsight.errors import GeoInsightError, NotFound
from geoinsight.privacy.access import Principal
from geoinsight.privacy.accounts import Accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(accounts_location: Path | str) -> Accounts:
    return Accounts(accounts_location)


def _file_bytes(accounts: Accounts) -> bytes:
    """What lies on disk: the SQLite file; on PostgreSQL every value of every account table."""
    if accounts.path is not None:
        return b"".join(p.read_bytes()
                        for p in accounts.path.parent.glob(accounts.path.name + "*"))
    with accounts.reading() as conn:
        return repr([conn.execute(f"SELECT * FROM {table}").fetchall() for table in
                     ("users", "api_tokens", "sessions", "sign_in_failures", "hits")]).encode()


def test_password_is_never_stored(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    assert PASSWORD.encode() not in _file_bytes(accounts)
    with accounts.reading() as conn:
        stored = conn.execute("SELECT password_hash FROM users").fetchone()["password_hash"]
    assert stored.startswith("scrypt:")


def test_verify_password(accounts: Accounts) -> None:
    accounts.add_user("jan", ["analist", "staff"], PASSWORD)
    assert accounts.verify_password("jan", PASSWORD) == Principal(
        "jan", frozenset({"staff", "analist"}))
    assert accounts.verify_password("JAN", PASSWORD) == Principal(
        "jan", frozenset({"staff", "analist"}))
    assert accounts.verify_password("jan", PASSWORD + "x") is None
    assert accounts.verify_password("jan", "") is None
    assert accounts.verify_password("piet", PASSWORD) is None
    assert accounts.verify_password("../etc", PASSWORD) is None
    assert accounts.verify_password("jan", "x" * 5000) is None


def test_roles_names_and_passwords_are_checked(accounts: Accounts) -> None:
    cases = [("jan", ["admin"], PASSWORD, "bad_role"),
             ("jan", [], PASSWORD, "bad_role"),
             ("jan", ["staff"], "short", "weak_password"),
             ("jan", ["staff"], "x" * 2000, "weak_password"),
             ("jan.de.vries", ["staff"], "jan.de.vries", "weak_password"),
             ("", ["staff"], PASSWORD, "bad_name"),
             ("jan smit", ["staff"], PASSWORD, "bad_name"),
             ("-rf", ["staff"], PASSWORD, "bad_name"),
             ("a" * 65, ["staff"], PASSWORD, "bad_name")]
    for name, roles, password, code in cases:
        with pytest.raises(GeoInsightError) as caught:
            accounts.add_user(name, roles, password)
        assert caught.value.code == code, (name, roles)
    assert accounts.list_users() == []


def test_user_exists_regardless_of_case(accounts: Accounts) -> None:
    accounts.add_user("Jan", ["staff"], PASSWORD)
    with pytest.raises(GeoInsightError) as caught:
        accounts.add_user("jan", ["beheerder"], PASSWORD)
    assert caught.value.code == "user_exists"
    assert accounts.verify_password("jan", PASSWORD) == Principal("Jan", frozenset({"staff"}))


def test_list_users_shows_no_hashes(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff", "staff", "ondermijning"], PASSWORD)
    accounts.add_user("anna", ["beheerder"], PASSWORD)
    accounts.new_token("jan")
    accounts.new_token("jan")
    users = accounts.list_users()
    assert [u["name"] for u in users] == ["anna", "jan"]
    assert users[1]["roles"] == ["ondermijning", "staff"] and users[1]["tokens"] == 2
    assert users[0]["tokens"] == 0 and users[0]["created"].endswith("Z")
    assert all(set(u) == {"name", "roles", "created", "disabled", "locked", "tokens"}
               for u in users)


def test_tokens_are_hashed_and_work(accounts: Accounts) -> None:
    accounts.add_user("jan", ["analist"], PASSWORD)
    token = accounts.new_token("jan")
    assert token.startswith("gi_") and len(token) > 40
    assert token.encode() not in _file_bytes(accounts)
    assert token[3:].encode() not in _file_bytes(accounts)
    assert accounts.principal_for_token(token) == Principal("jan", frozenset({"analist"}))
    assert accounts.new_token("jan") != token
    with accounts.reading() as conn:
        last_used = conn.execute("SELECT last_used FROM api_tokens WHERE last_used IS NOT NULL"
                                 ).fetchall()
    assert len(last_used) == 1


def test_unknown_tokens(accounts: Accounts) -> None:
    accounts.add_user("jan", ["analist"], PASSWORD)
    token = accounts.new_token("jan")
    for bad in ["", "gi_", token + "x", token[:-1], token[3:], "gi_" + "A" * 300]:
        assert accounts.principal_for_token(bad) is None, bad
    with pytest.raises(NotFound):
        accounts.new_token("piet")


def test_remove_user_kills_tokens(accounts: Accounts) -> None:
    accounts.add_user("jan", ["analist"], PASSWORD)
    token = accounts.new_token("jan")
    accounts.remove_user("jan")
    assert accounts.principal_for_token(token) is None
    assert accounts.verify_password("jan", PASSWORD) is None
    assert accounts.principal_for_user("jan") is None
    with accounts.reading() as conn:
        assert conn.execute("SELECT COUNT(*) AS n FROM api_tokens").fetchone()["n"] == 0
    with pytest.raises(NotFound):
        accounts.remove_user("jan")
    # a new user of the same name does not inherit the old tokens
    accounts.add_user("jan", ["beheerder"], PASSWORD)
    assert accounts.principal_for_token(token) is None


def test_disabled_user_is_locked_out(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    token = accounts.new_token("jan")
    accounts.set_disabled("jan")
    assert accounts.verify_password("jan", PASSWORD) is None
    assert accounts.principal_for_token(token) is None
    assert accounts.principal_for_user("jan") is None
    accounts.set_disabled("jan", False)
    assert accounts.principal_for_user("jan") == Principal("jan", frozenset({"staff"}))


def test_accounts_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite"
    Accounts(path).add_user("jan", ["staff"], PASSWORD)
    assert Accounts(path).verify_password("jan", PASSWORD) is not None
    assert path.stat().st_mode & 0o077 == 0


def test_a_failed_change_changes_nothing(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "accounts.sqlite")
    accounts.add_user("jan", ["staff"], PASSWORD)
    accounts.new_token("jan")
    with sqlite3.connect(accounts.path) as conn:  # fail after the tokens are deleted
        conn.execute("CREATE TRIGGER no_delete BEFORE DELETE ON users "
                     "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(sqlite3.DatabaseError):
        accounts.remove_user("jan")
    assert accounts.list_users()[0]["tokens"] == 1


# -- password policy (red team: twelve a's were accepted for a beheerder) ---------------------

@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "Password1234", "wachtwoord123",
                                  "qwertyuiop12", "passwordpassword", "abcdefghijkl",
                                  "123456789012", "anna12345678", "geoinsight2024"])
def test_weak_passwords_are_refused(accounts: Accounts, weak: str) -> None:
    with pytest.raises(GeoInsightError) as caught:
        accounts.add_user("anna", ["beheerder"], weak)
    assert caught.value.code == "weak_password"
    assert "too easy to guess" in caught.value.message
    assert "\n" not in caught.value.one_line()
    assert accounts.list_users() == []


def test_strong_passwords_pass_and_the_minimum_is_a_setting(tmp_path: Path) -> None:
    strict = Accounts(tmp_path / "a.sqlite", password_min_score=4)
    lenient = Accounts(tmp_path / "b.sqlite", password_min_score=0)
    strict.add_user("anna", ["beheerder"], "de kat krabt de krullen")
    with pytest.raises(GeoInsightError):
        strict.add_user("piet", ["staff"], "Welkom2024!!")  # score 3: enough by default only
    lenient.add_user("piet", ["staff"], "aaaaaaaaaaaa")  # length still counts, nothing else
    with pytest.raises(GeoInsightError):
        lenient.add_user("joop", ["staff"], "short")


# -- server-side sessions ---------------------------------------------------------------------

def test_sessions_end_on_logout_password_removal_and_expiry(accounts_location: Path | str
                                                            ) -> None:
    clock = ManualClock()
    accounts = Accounts(accounts_location, clock=clock)
    accounts.add_user("jan", ["staff"], PASSWORD)
    day = timedelta(hours=12)
    first, second = accounts.new_session("jan", day), accounts.new_session("jan", day)
    assert accounts.principal_for_session(first) == Principal("jan", frozenset({"staff"}))
    assert PASSWORD.encode() not in _file_bytes(accounts)
    assert first.encode() not in _file_bytes(accounts)  # only its hash is kept
    accounts.end_session(first)  # logging out
    assert accounts.principal_for_session(first) is None
    assert accounts.principal_for_session(second) is not None
    accounts.set_password("jan", "another good password")
    assert accounts.principal_for_session(second) is None
    third = accounts.new_session("jan", day)
    clock.advance(day.total_seconds() - 1)
    assert accounts.principal_for_session(third) is not None
    clock.advance(1)
    assert accounts.principal_for_session(third) is None
    fourth = accounts.new_session("jan", day)
    accounts.remove_user("jan")
    accounts.add_user("jan", ["beheerder"], PASSWORD)
    assert accounts.principal_for_session(fourth) is None
    for bad in [None, "", "x" * 500, 42]:
        assert accounts.principal_for_session(bad) is None


def test_set_password_checks_the_password_and_the_user(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    with pytest.raises(GeoInsightError) as caught:
        accounts.set_password("jan", "aaaaaaaaaaaa")
    assert caught.value.code == "weak_password"
    assert accounts.verify_password("jan", PASSWORD) is not None
    with pytest.raises(NotFound):
        accounts.set_password("piet", "another good password")
    accounts.set_password("JAN", "another good password")
    assert accounts.verify_password("jan", PASSWORD) is None
    assert accounts.verify_password("jan", "another good password") is not None


# -- locks -------------------------------------------------------------------------------------

def test_lock_after_failures_and_unlock(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    assert [accounts.count_failure("jan", 3) for _ in range(4)] == [False, False, True, False]
    assert accounts.locked_since("JAN") is not None
    assert accounts.list_users()[0]["locked"] == accounts.locked_since("jan")
    accounts.clear_failures("jan")  # a success cannot lift a lock (none can happen anyway)
    assert accounts.locked_since("jan") is not None
    assert accounts.unlock("jan") is True
    assert accounts.locked_since("jan") is None and accounts.list_users()[0]["locked"] is None
    assert accounts.unlock("jan") is False
    with pytest.raises(NotFound):
        accounts.unlock("piet")
    # names that are no user are counted and locked alike (no hint which names exist) ...
    assert [accounts.count_failure("piet", 2) for _ in range(2)] == [False, True]
    assert accounts.locked_since("piet") is not None
    # ... and a user made under such a name later starts clean
    accounts.add_user("piet", ["staff"], PASSWORD)
    assert accounts.locked_since("piet") is None


def test_a_version_1_file_gains_the_new_tables(tmp_path: Path) -> None:
    """Accounts made before sessions and throttles keep working after the upgrade."""
    path = tmp_path / "accounts.sqlite"
    Accounts(path).add_user("jan", ["staff"], PASSWORD)
    with sqlite3.connect(path) as conn:
        for table in ("sessions", "sign_in_failures", "hits"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("PRAGMA user_version = 1")
    accounts = Accounts(path)
    assert accounts.verify_password("jan", PASSWORD) is not None
    session = accounts.new_session("jan", timedelta(hours=1))
    assert accounts.principal_for_session(session) is not None
    assert accounts.count_failure("jan", 1) is True
