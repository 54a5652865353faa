"""The data page's use cases: ingests with what they still hold, removing a source and the point
figures computed again from what is left; the job log's view of a job whose server stopped."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from geoinsight.errors import GeoInsightError, InputError
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.usecases.data_admin import ingest_entries, remove_source
from geoinsight.usecases.ingest_file import parse_options, run_ingest
from geoinsight.usecases.ingest_jobs import JobLog, remove_stale_uploads


def _ingest_of(settings: Settings, kind: str) -> int:
    entries = ingest_entries(open_store(settings))
    return next(e.id for e in entries if e.kind == kind and e.removable)


def test_removing_the_labels_keeps_the_dwelling_figures(demo_settings: Settings) -> None:
    store = open_store(demo_settings)
    before = store.values(indicators=["dwellings", "energy_label_share_efg"])
    assert set(before["indicator"]) == {"dwellings", "energy_label_share_efg"}
    outcome = remove_source(demo_settings, _ingest_of(demo_settings, "energy_labels"))
    after = open_store(demo_settings).values(indicators=["dwellings", "energy_label_share_efg"])
    # the labels' figures go with them; the dwellings are counted again from the addresses
    assert set(after["indicator"]) == {"dwellings"}
    dwellings = before[before["indicator"] == "dwellings"].set_index(["code", "year"])["value"]
    again = after.set_index(["code", "year"])["value"]
    assert again.sort_index().equals(dwellings.sort_index())
    assert outcome.recomputed is not None and outcome.recomputed.kind == "recompute"
    assert open_store(demo_settings).labels().empty
    entries = ingest_entries(open_store(demo_settings))
    removed = next(e for e in entries if e.id == outcome.removal.ingest_id)
    assert removed.removed_by == outcome.removal.log_id and not removed.removable
    recompute = next(e for e in entries if e.kind == "recompute")
    assert recompute.holds and not recompute.removable
    with pytest.raises(GeoInsightError, match="is a recomputation"):
        remove_source(demo_settings, recompute.id)
    # and now the addresses may go too, taking the dwellings with them, whichever ingest
    # computed them last (here: the recomputation)
    remove_source(demo_settings, _ingest_of(demo_settings, "addresses"))
    assert open_store(demo_settings).values(indicators=["dwellings"]).empty


def test_a_refused_removal_changes_nothing(demo_settings: Settings) -> None:
    version = open_store(demo_settings).version()
    with pytest.raises(GeoInsightError, match="remove the energy labels first"):
        remove_source(demo_settings, _ingest_of(demo_settings, "addresses"))
    with pytest.raises(GeoInsightError, match="no ingest 999"):
        remove_source(demo_settings, 999)
    assert open_store(demo_settings).version() == version


def test_form_fields_are_checked_as_the_cli_checks_options() -> None:
    assert parse_options("raster", {"name": ["heat"], "above": ["25 30", "35"],
                                    "year": ["2024"]})["above"] == (25.0, 30.0, 35.0)
    assert parse_options("events", {})["tier"] == "restricted"
    assert parse_options("boundaries", {"values-year": ["2022"]})["values_year"] == 2022
    for kind, fields, message in [
            ("boundaries", {"year": ["2024", "2025"]}, "option year given 2 times"),
            ("indicators", {"year": ["1800"]}, "not a year in 1900–2100"),
            ("raster", {"name": ["x"], "band": ["one"]}, "'one' is not a whole number"),
            ("raster", {}, "raster needs option name"),
            ("energy-labels", {"year": ["2024"]}, "has no option 'year'")]:
        with pytest.raises(InputError, match=message):
            parse_options(kind, fields)


def test_the_cli_and_the_web_share_one_ingest(settings: Settings, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("gwb_code,jaar,aantal_inwoners\nGM0503,2024,1\nXX,2024,2\n")
    outcome = run_ingest(open_store(settings), settings.data_dir, "indicators", table,
                         parse_options("indicators", {}))
    assert outcome.lines[0].startswith("indicators t.csv: read 2, stored 1")
    assert outcome.rejects_file == settings.data_dir / "reports" / (
        f"ingest-{outcome.result.ingest_id}-t.csv-rejects.csv")
    assert outcome.lines[-1] == f"rejected rows: {outcome.rejects_file}"


def test_a_job_whose_server_stopped_reads_as_failed(tmp_path: Path) -> None:
    log = JobLog(tmp_path / "jobs.sqlite")
    job = log.create("indicators", "t.csv", 10, "bea", {"year": 2024})
    log.update(job, state="running", stage="reading")
    assert log.get(job).state == "running"  # type: ignore[union-attr]
    with log.db.transaction() as conn:
        conn.execute("UPDATE ingest_jobs SET heartbeat = ? WHERE id = ?",
                     (time.time() - 3600, job))
    stale = log.get(job)
    assert stale is not None and stale.state == "failed"
    assert "the store is unchanged" in stale.error
    assert log.get("nope") is None
    assert [j.id for j in log.recent()] == [job]


def test_uploads_left_by_a_stopped_process_are_removed(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
        (folder / "file.csv").write_text("x")
    day_ago = time.time() - 2 * 86_400
    os.utime(old, (day_ago, day_ago))
    assert remove_stale_uploads(tmp_path) == 1
    assert not old.exists() and (new / "file.csv").exists()
    assert remove_stale_uploads(tmp_path / "missing") == 0
