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
