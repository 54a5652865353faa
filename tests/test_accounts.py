"""Accounts: no secret at rest, roles checked, tokens that die with their user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from geoinsight.access import Principal
from geoinsight.accounts import Accounts
from geoinsight.errors import GeoInsightError, NotFound

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(tmp_path / "instance" / "accounts.sqlite")


def _file_bytes(accounts: Accounts) -> bytes:
    return b"".join(p.read_bytes() for p in accounts.path.parent.glob(accounts.path.name + "*"))


def test_password_is_never_stored(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    assert PASSWORD.encode() not in _file_bytes(accounts)
    with sqlite3.connect(accounts.path) as conn:
        stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
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
    assert all(set(u) == {"name", "roles", "created", "disabled", "tokens"} for u in users)


def test_tokens_are_hashed_and_work(accounts: Accounts) -> None:
    accounts.add_user("jan", ["analist"], PASSWORD)
    token = accounts.new_token("jan")
    assert token.startswith("gi_") and len(token) > 40
    assert token.encode() not in _file_bytes(accounts)
    assert token[3:].encode() not in _file_bytes(accounts)
    assert accounts.principal_for_token(token) == Principal("jan", frozenset({"analist"}))
    assert accounts.new_token("jan") != token
    with sqlite3.connect(accounts.path) as conn:
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
    with sqlite3.connect(accounts.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM api_tokens").fetchone()[0] == 0
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


def test_a_failed_change_changes_nothing(accounts: Accounts) -> None:
    accounts.add_user("jan", ["staff"], PASSWORD)
    accounts.new_token("jan")
    with sqlite3.connect(accounts.path) as conn:  # fail after the tokens are deleted
        conn.execute("CREATE TRIGGER no_delete BEFORE DELETE ON users "
                     "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(sqlite3.DatabaseError):
        accounts.remove_user("jan")
    assert accounts.list_users()[0]["tokens"] == 1
