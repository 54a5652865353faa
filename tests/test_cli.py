"""The CLI as a user meets it: one summary line, or one error line and exit 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TEST_DATA = Path(__file__).parent / "data"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
    return subprocess.run([sys.executable, "-m", "geoinsight.cli", "--data-dir",
                           str(tmp_path / "inst"), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_ingest_prints_one_summary_line(tmp_path: Path) -> None:
    source = TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg"
    done = run(tmp_path, "ingest", "boundaries", str(source))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "read 17, stored 16, repaired 0, rejected 0, skipped 1" in lines[0]


def test_bad_file_one_error_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    done = run(tmp_path, "ingest", "boundaries", str(bad))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: ") and done.stderr.rstrip().endswith(f"({bad})")
    assert "Traceback" not in done.stderr


def test_missing_file(tmp_path: Path) -> None:
    done = run(tmp_path, "ingest", "indicators", str(tmp_path / "nope.csv"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: file not found ({tmp_path / 'nope.csv'})"


def test_rejects_go_to_a_report(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("code;inwoners\nBU05030000;10\nBU0503;5\n")
    report = tmp_path / "rejects.csv"
    done = run(tmp_path, "ingest", "indicators", str(table), "--year", "2024",
               "--rejects", str(report))
    assert done.returncode == 0, done.stderr
    assert "rejected 1" in done.stdout
    assert report.read_text().splitlines() == ["row,code,reason",
                                               "line 3,BU0503,no valid CBS area code"]


def test_layers_validate_and_list(tmp_path: Path) -> None:
    done = run(tmp_path, "layers", "validate")
    assert done.returncode == 0, done.stderr
    listed = run(tmp_path, "layers", "list")
    assert "population_density" in listed.stdout
    broken = tmp_path / "layers"
    broken.mkdir()
    (broken / "oops.yaml").write_text("id: oops\ntitle: {nl: x}\n")
    bad = run(tmp_path, "layers", "validate", str(broken))
    assert bad.returncode == 1
    assert "oops.yaml" in bad.stderr and "title" in bad.stderr


def run_stdin(tmp_path: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Like run(), with standard input from a pipe (never the terminal running the tests)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
    return subprocess.run([sys.executable, "-m", "geoinsight.cli", "--data-dir",
                           str(tmp_path / "inst"), *args], capture_output=True, text=True,
                          env=env, timeout=300, input=stdin)


def test_users_add_list_token_remove(tmp_path: Path) -> None:
    from geoinsight.accounts import Accounts

    password = "correct horse battery"
    added = run_stdin(tmp_path, password + "\n", "users", "add", "jan", "--role", "staff",
                      "--role", "analist")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "user jan added (analist, staff)"
    assert password not in added.stdout + added.stderr
    listed = run_stdin(tmp_path, "", "users", "list")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 1
    assert listed.stdout.startswith("jan ") and "analist,staff" in listed.stdout
    made = run_stdin(tmp_path, "", "users", "token", "jan")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert made.stdout.count("\n") == 1 and token.startswith("gi_")
    accounts_file = tmp_path / "inst" / "accounts.sqlite"
    accounts = Accounts(accounts_file)
    assert accounts.verify_password("jan", password) is not None
    principal = accounts.principal_for_token(token)
    assert principal is not None and principal.name == "jan"
    stored = accounts_file.read_bytes()
    assert password.encode() not in stored and token.encode() not in stored
    assert "tokens: 1" in run_stdin(tmp_path, "", "users", "list").stdout
    removed = run_stdin(tmp_path, "", "users", "remove", "jan")
    assert removed.returncode == 0, removed.stderr
    assert accounts.principal_for_token(token) is None
    assert run_stdin(tmp_path, "", "users", "list").stdout.strip() == "no users"


def test_users_errors_are_one_line(tmp_path: Path) -> None:
    cases = [
        ("short\n", ("add", "jan", "--role", "staff"), "at least 12 characters"),
        ("", ("add", "jan", "--role", "staff"), "no password on standard input"),
        ("correct horse battery\n", ("add", "jan", "--role", "admin"), "admin"),
        ("correct horse battery\n", ("add", "jan"), "at least one role"),
        ("correct horse battery\n", ("add", "jan smit", "--role", "staff"), "user name"),
        ("", ("remove", "piet"), "no user 'piet'"),
        ("", ("token", "piet"), "no user 'piet'"),
    ]
    for stdin, args, expected in cases:
        done = run_stdin(tmp_path, stdin, "users", *args)
        assert done.returncode == 1, args
        assert done.stdout == "" and done.stderr.count("\n") == 1, (args, done.stderr)
        assert done.stderr.startswith("error: ") and expected in done.stderr, done.stderr
    ok = run_stdin(tmp_path, "correct horse battery\n", "users", "add", "jan", "--role", "staff")
    assert ok.returncode == 0, ok.stderr
    again = run_stdin(tmp_path, "another good password\n", "users", "add", "JAN", "--role",
                      "beheerder")
    assert again.returncode == 1 and "exists already" in again.stderr
