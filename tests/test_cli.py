"""The CLI as a user meets it: one summary line, or one error line and exit 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import Done, run_cli

TEST_DATA = Path(__file__).parent / "data"


def run(tmp_path: Path, *args: str, stdin: str = "") -> Done:
    return run_cli(tmp_path / "inst", *args, stdin=stdin)


def test_the_installed_command_prints_one_error_line(tmp_path: Path) -> None:
    """Once through a real process (``python -m geoinsight.cli``): exit 1, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
    done = subprocess.run([sys.executable, "-m", "geoinsight.cli", "--data-dir",
                           str(tmp_path / "inst"), "ingest", "boundaries",
                           str(tmp_path / "nope.gpkg")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1


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


def test_a_table_with_its_own_year_and_level_columns(tmp_path: Path) -> None:
    """Once crashed after writing (the summary read the file's ``year`` column twice)."""
    table = tmp_path / "t.csv"
    table.write_text("code,year,level,aantal_inwoners\nBU05030000,2024,buurt,10\n")
    done = run(tmp_path, "ingest", "indicators", str(table))
    assert done.returncode == 0, done.stderr
    assert "stored 1" in done.stdout and "(1 buurt; 2024)" in done.stdout


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


def run_stdin(tmp_path: Path, stdin: str, *args: str) -> Done:
    """Like run(), with standard input from a pipe (never the terminal running the tests)."""
    return run(tmp_path, *args, stdin=stdin)


def test_users_add_list_token_remove(tmp_path: Path) -> None:
    from geoinsight.privacy.accounts import Accounts

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
        ("aaaaaaaaaaaa\n", ("add", "anna", "--role", "beheerder"), "too easy to guess"),
        ("Password1234\n", ("add", "anna", "--role", "beheerder"), "too easy to guess"),
        ("correct horse battery\n", ("passwd", "piet"), "no user 'piet'"),
        ("", ("unlock", "piet"), "no user 'piet'"),
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


def test_users_passwd_unlock_and_lock_state(tmp_path: Path) -> None:
    from datetime import timedelta

    from geoinsight.privacy.accounts import Accounts
    from geoinsight.privacy.audit import AuditLog

    assert run_stdin(tmp_path, "correct horse battery\n", "users", "add", "jan", "--role",
                     "staff").returncode == 0
    accounts = Accounts(tmp_path / "inst" / "accounts.sqlite")
    session = accounts.new_session("jan", timedelta(hours=1))
    weak = run_stdin(tmp_path, "aaaaaaaaaaaa\n", "users", "passwd", "jan")
    assert weak.returncode == 1 and weak.stderr.count("\n") == 1
    assert weak.stderr.startswith("error: this password is too easy to guess")
    assert accounts.principal_for_session(session) is not None  # nothing changed
    done = run_stdin(tmp_path, "another good password\n", "users", "passwd", "jan")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "password of jan changed; every session of theirs has ended"
    assert accounts.principal_for_session(session) is None
    assert accounts.verify_password("jan", "another good password") is not None
    for _ in range(20):
        accounts.count_failure("jan", 20)
    listed = run_stdin(tmp_path, "", "users", "list").stdout
    assert "(locked since " in listed and "geoinsight users unlock jan" in listed
    unlocked = run_stdin(tmp_path, "", "users", "unlock", "jan")
    assert unlocked.returncode == 0 and unlocked.stdout.strip() == "jan unlocked"
    assert "locked" not in run_stdin(tmp_path, "", "users", "list").stdout
    again = run_stdin(tmp_path, "", "users", "unlock", "jan")
    assert again.returncode == 0 and "was not locked" in again.stdout
    audit = AuditLog(tmp_path / "inst" / "audit.sqlite").entries()
    assert list(audit["what"])[::-1] == ["password set, sessions ended: jan",
                                         "name unlocked: jan"]
    assert set(audit["route"]) == {"geoinsight users passwd", "geoinsight users unlock"}
    assert all(who.startswith("cli") for who in audit["who"])


def squares_with_events(tmp_path: Path) -> tuple[Path, Path]:
    """Two buurten of GM0503 (100 m squares) and a register of five events in them."""
    import geopandas as gpd
    from builders import RD, squares

    boundaries = tmp_path / "buurten.gpkg"
    gpd.GeoDataFrame({"buurtcode": ["BU05030101", "BU05030102"], "jaar": 2023},
                     geometry=squares(2), crs=RD).to_file(boundaries)
    events = tmp_path / "fietsen.csv"
    rows = [("84050", "Diefstal Fiets"), ("84060", "Diefstal Fiets"), ("84150", "Poging"),
            ("84150", ""), ("84160", "Drugshandel")]
    events.write_text("x;y;datum;soort\n" + "".join(f"{x};447050;2024-03-01;{kind}\n"
                                                    for x, kind in rows), encoding="utf-8")
    return boundaries, events


def test_ingest_events_into_named_registers(tmp_path: Path) -> None:
    boundaries, events = squares_with_events(tmp_path)
    assert run(tmp_path, "ingest", "boundaries", str(boundaries)).returncode == 0
    default = run(tmp_path, "ingest", "events", str(events))
    assert default.returncode == 0, default.stderr
    assert "register ondermijning" in default.stdout and "Drugshandel → events_drugs (1)" \
        in default.stdout
    done = run(tmp_path, "ingest", "events", str(events), "--name", "fietsdiefstal",
               "--title", "Fietsdiefstallen", "--theme", "safety", "--tier", "open")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("events fietsen.csv: read 5, stored 5")
    assert lines[1] == ('  register fietsdiefstal "Fietsdiefstallen": layer '
                        "fietsdiefstal_total, theme safety, tier open")
    # the complete mapping: every category value of the file, its class and its events
    assert [line.strip() for line in lines if line.startswith("    ")] == [
        "Diefstal Fiets → fietsdiefstal_diefstal_fiets (2)",
        "(none) → fietsdiefstal_other (1)", "Drugshandel → fietsdiefstal_drugshandel (1)",
        "Poging → fietsdiefstal_poging (1)"]
    listed = run(tmp_path, "layers", "list").stdout.splitlines()
    bikes = next(line for line in listed if line.startswith("fietsdiefstal_total "))
    assert "open" in bikes and bikes.endswith("Fietsdiefstallen")
    assert "restricted" in next(line for line in listed if line.startswith("events_total "))
    out = tmp_path / "fietsen_export.csv"
    exported = run(tmp_path, "export", "fietsdiefstal_total", "events_total", "--municipality",
                   "GM0503", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_text().splitlines()[0].endswith(
        "fietsdiefstal_total,fietsdiefstal_total_status,events_total,events_total_status")


def test_bad_events_register_options_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    import hashlib

    boundaries, events = squares_with_events(tmp_path)
    assert run(tmp_path, "ingest", "boundaries", str(boundaries)).returncode == 0
    assert run(tmp_path, "ingest", "events", str(events)).returncode == 0
    store = tmp_path / "inst" / "geoinsight.gpkg"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    cases = [(("--name", "Fiets-Diefstal"), "register name 'Fiets-Diefstal' is not allowed"),
             (("--name", "events"), "is reserved"),
             (("--tier", "secret"), "'secret' is not one of 'open', 'internal', 'restricted'"),
             (("--theme", "crime"), "'crime' is not one of"),
             (("--title", " "), "--title must be 1 to")]
    for args, expected in cases:
        done = run(tmp_path, "ingest", "events", str(events), *args)
        assert done.returncode == 1, args
        assert done.stdout == "" and done.stderr.count("\n") == 1, (args, done.stderr)
        assert done.stderr.startswith("error: ") and expected in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before, args


AHN = Path(__file__).parents[2] / "shared" / "data" / "real" / "ahn_5m_sample_zeeland_rd.tif"


def sluis_buurten(tmp_path: Path) -> Path:
    """Two buurten on the real AHN sample (Sluis, GM1714): one wholly on it, cell-aligned, and
    one that reaches beyond its edge."""
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame({"buurtcode": ["BU17140001", "BU17140002"],
                              "buurtnaam": ["Binnen", "Rand"], "jaar": 2022},
                             geometry=[box(32500, 370000, 33000, 370500),
                                       box(34000, 370000, 34800, 370500)], crs="EPSG:28992")
    path = tmp_path / "sluis.gpkg"
    frame.to_file(path)
    return path


def test_ingest_raster_on_the_real_ahn_sample(tmp_path: Path) -> None:
    import rasterio
    from rasterio.windows import from_bounds

    from geoinsight.store.gpkg import GeoPackageStore

    assert run(tmp_path, "ingest", "boundaries", str(sluis_buurten(tmp_path))).returncode == 0
    done = run(tmp_path, "ingest", "raster", str(AHN), "--name", "ahn", "--year", "2022",
               "--unit", "m NAP", "--below", "0", "--title", "Hoogte (AHN)", "--licence", "CC0")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("raster ahn_5m_sample_zeeland_rd.tif: areas 2, with statistics "
                               "1, coverage only 1 (2 buurt; 2022)")
    assert "nodata 3.40282e+38" in lines[1] and "EPSG:28992" in lines[1]
    figures = GeoPackageStore(tmp_path / "inst" / "geoinsight.gpkg").values().set_index(
        ["code", "indicator"])["value"]
    with rasterio.open(AHN) as dataset:  # the cells under each buurt, read directly
        inner = dataset.read(1, window=from_bounds(32500, 370000, 33000, 370500,
                                                   dataset.transform))
        edge = dataset.read(1, window=from_bounds(34000, 370000, 34300, 370500,
                                                  dataset.transform))
    cells = inner[inner < 1e30].astype("float64")
    assert figures[("BU17140001", "ahn_mean")] == pytest.approx(cells.mean(), rel=1e-6)
    assert figures[("BU17140001", "ahn_min")] == pytest.approx(cells.min(), rel=1e-6)
    assert figures[("BU17140001", "ahn_share_below_0")] == pytest.approx(
        (cells < 0).mean() * 100, rel=1e-9)
    assert figures[("BU17140001", "ahn_coverage")] == pytest.approx(cells.size / 100 / 100 * 100)
    # 300 of its 800 m lie on the raster: the coverage counts the cells with data there
    assert figures[("BU17140002", "ahn_coverage")] == pytest.approx(
        (edge < 1e30).sum() * 25 / (800 * 500) * 100, rel=1e-9)
    assert figures[("BU17140002", "ahn_mean")] != figures[("BU17140002", "ahn_mean")]  # NaN
    # a later boundary ingest recomputes the raster's figures for the areas held then
    again = run(tmp_path, "ingest", "boundaries", str(sluis_buurten(tmp_path)))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[1].startswith(
        "raster ahn_5m_sample_zeeland_rd.tif: areas 2, with statistics 1") and \
        again.stdout.rstrip().endswith("(recomputed)")


def test_bad_rasters_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    import hashlib

    assert run(tmp_path, "ingest", "boundaries", str(sluis_buurten(tmp_path))).returncode == 0
    store = tmp_path / "inst" / "geoinsight.gpkg"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    table = TEST_DATA / "kwb2024_buurten_extract.csv"
    cases = [((str(AHN), "--name", "ahn"), f"give --year: the year the raster describes (the "
              f"file has no TIFFTAG_DATETIME) ({AHN})"),
             ((str(table), "--name", "ahn", "--year", "2022"),
              f"not a raster GDAL can read (expected a GeoTIFF or COG) ({table})"),
             ((str(AHN), "--name", "AHN", "--year", "2022"), "raster name 'AHN' is not allowed"),
             ((str(AHN), "--name", "ahn", "--year", "2022", "--band", "2"),
              "the raster has 1 band(s); there is no band 2"),
             ((str(AHN), "--year", "2022"), None)]
    for args, expected in cases:
        done = run(tmp_path, "ingest", "raster", *args)
        assert done.returncode != 0 and done.stdout == "", args
        assert "Traceback" not in done.stderr
        if expected is not None:
            assert done.stderr == f"error: {expected}\n" or (
                done.stderr.startswith("error: ") and expected in done.stderr
                and done.stderr.count("\n") == 1), (args, done.stderr)
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before, args
    assert not (tmp_path / "inst" / "rasters").exists()
