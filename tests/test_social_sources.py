"""Named regions (CBS StatLine RegioS), long tables by category, and own event registrations."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from builders import RD, squares
from test_cli import run

from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.ingest.events import ingest_events
from geoinsight.settings import Settings
from geoinsight.sources.events import event_class
from geoinsight.sources.regions import gemeente_names, match_names
from geoinsight.sources.statline import widen_dimensions
from geoinsight.store.gpkg import GeoPackageStore


def gemeenten(tmp_path: Path) -> Path:
    """Three gemeenten, one with a province mark, as a boundary file."""
    frame = gpd.GeoDataFrame({
        "gemeentecode": ["GM0518", "GM0888", "GM0164"],
        "gemeentenaam": ["'s-Gravenhage", "Beek", "Hengelo"], "jaar": 2023,
    }, geometry=squares(3, size=1000.0), crs=RD)
    path = tmp_path / "gemeenten.gpkg"
    frame.to_file(path)
    return path


def buurten(tmp_path: Path) -> Path:
    """Two wijken of two buurten each in GM0503, and one buurt of GM0518, 100 m squares."""
    codes = ["BU05030101", "BU05030102", "BU05030201", "BU05030202", "BU05180101"]
    frame = gpd.GeoDataFrame({"buurtcode": codes, "buurtnaam": codes, "jaar": 2023},
                             geometry=squares(5), crs=RD)
    path = tmp_path / "buurten.gpkg"
    frame.to_file(path)
    return path


def test_names_match_cbs_spellings() -> None:
    reference = gemeente_names(pd.DataFrame({
        "code": ["GM0518", "GM0888", "GM0373", "GM0893"], "level": "gemeente", "year": 2023,
        "name": ["'s-Gravenhage", "Beek", "Bergen (NH.)", "Bergen (L.)"]}))
    names = pd.Series(["'s-Gravenhage (gemeente)", "Den Haag", "Beek (L.)", "Bergen (L.)",
                       "Bergen (NH.)", "Utrecht (PV)", "Nederland", "Aalburg", "Aalburg", ""])
    found = match_names(names, reference)
    assert found.codes.tolist() == ["GM0518", "GM0518", "GM0888", "GM0893", "GM0373", "", "NL01",
                                    "", "", ""]
    assert found.unmatched == ["Aalburg"]  # reported once
    assert "not a gemeente" in found.reasons[5]
    # "Bergen" alone is ambiguous: never guessed
    assert match_names(pd.Series(["Bergen"]), reference).codes.tolist() == [""]


def test_a_long_statline_table_is_widened_per_category() -> None:
    long = pd.DataFrame({
        "SoortMisdrijf": ["Drugsmisdrijven", "Bedrog", "Drugsmisdrijven", "Misdrijven, totaal"],
        "RegioS": ["Beek", "Beek", "Hengelo", "Beek"], "Perioden": "2015",
        "GeregistreerdeMisdrijvenRelatief_2": ["1.5", "2.5", "3.5", "100"]})
    wide = widen_dimensions(long, ["RegioS", "Perioden"]).set_index("RegioS")
    assert wide.loc["Beek", "Drugsmisdrijven | GeregistreerdeMisdrijvenRelatief_2"] == "1.5"
    assert wide.loc["Hengelo", "Bedrog | GeregistreerdeMisdrijvenRelatief_2"] == ""
    assert wide.loc["Beek", "GeregistreerdeMisdrijvenRelatief_2"] == "100"  # the total: bare


def test_named_regions_ingest_with_a_report_of_the_unmatched(settings: Settings,
                                                              tmp_path: Path) -> None:
    store = GeoPackageStore(settings.store_path)
    table = tmp_path / "83648.csv"
    table.write_text(
        "SoortMisdrijf,RegioS,Perioden,GeregistreerdeMisdrijvenRelatief_2\n"
        "Drugsmisdrijven,'s-Gravenhage (gemeente),2015.0,0.84\n"
        "Drugsmisdrijven,Beek (L.),2015.0,1.25\n"
        "Drugsmisdrijven,Aalburg,2015.0,2.0\n"
        "Vuurwapenmisdrijven,'s-Gravenhage (gemeente),2015.0,1.0\n"
        "Vuurwapenmisdrijven,Beek (L.),2015.0,0.5\n"
        "Vuurwapenmisdrijven,Aalburg,2015.0,0.1\n", encoding="utf-8")
    with pytest.raises(InputError, match="ingest gemeente boundaries first"):
        ingest_indicators(store, table)
    ingest_boundaries(store, gemeenten(tmp_path))
    result = ingest_indicators(store, table)
    assert result.levels == {"gemeente": 2} and result.years == [2015]
    assert [(r.row, r.reason) for r in result.rejects] == [
        ("region Aalburg", "no gemeente named 'Aalburg' in the store")]
    assert any("unmatched: Aalburg" in note for note in result.notes)
    values = store.values(year=2015).set_index(["code", "indicator"])["value"]
    assert values[("GM0518", "crimes_drugs_share")] == pytest.approx(0.84)
    assert values[("GM0888", "crimes_firearms_share")] == pytest.approx(0.5)
    meta = store.indicators().set_index("id")
    assert meta.loc["crimes_drugs_share", "tier"] == "restricted"


def test_no_region_matches_is_refused_and_changes_nothing(settings: Settings,
                                                          tmp_path: Path) -> None:
    store = GeoPackageStore(settings.store_path)
    ingest_boundaries(store, gemeenten(tmp_path))
    before = settings.store_path.read_bytes()
    table = tmp_path / "other.csv"
    table.write_text("RegioS,Perioden,TotaalGeregistreerdeMisdrijven_1\nAalburg,2015,3\n")
    with pytest.raises(InputError, match="none of the region names"):
        ingest_indicators(store, table)
    assert settings.store_path.read_bytes() == before


@pytest.mark.parametrize(("text", "expected"), [
    ("Drugshandel", "drugs"), ("Hennepkwekerij", "drugs"), ("Vuurwapenbezit", "weapons"),
    ("Explosie woning", "explosions"), ("Brandstichting", "explosions"),
    ("Witwassen", "fraud"), ("Diefstal Fiets", "other"), (None, "other")])
def test_event_categories_map_to_classes(text: str | None, expected: str) -> None:
    assert event_class(text) == expected


def write_events(path: Path, rows: list[tuple[float, float, str, str]]) -> Path:
    lines = ["x;y;pleegdatum;categorie"] + [f"{x};{y};{d};{c}" for x, y, d, c in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_events_are_counted_per_area_year_and_class(settings: Settings, tmp_path: Path) -> None:
    store = GeoPackageStore(settings.store_path)
    ingest_boundaries(store, buurten(tmp_path))
    first = 84050.0  # x of the centre of the first square; squares are 100 m wide
    rows = [(first, 447050, "2023-03-01", "Drugshandel"),
            (first + 10, 447050, "14-03-2023", "hennep"),
            (first + 100, 447050, "2024-01-02 10:00", "Explosie"),
            (first + 200, 447050, "2024/13/40", "Fraude"),       # no such date: rejected
            (90000.0, 440000.0, "2024-05-05", "Drugs"),           # outside every area
            (first + 400, 447050, "2024-06-01", "Drugs")]          # the GM0518 buurt
    result = ingest_events(store, write_events(tmp_path / "events.csv", rows))
    assert result.counts.read == 6 and result.counts.stored == 4
    assert result.counts.rejected == 1 and result.counts.skipped == 1
    assert result.years == [2023, 2024]
    values = store.values(indicators=["events_total", "events_drugs", "events_explosions"])
    got = values.set_index(["code", "year", "indicator"])["value"]
    assert got[("BU05030101", 2023, "events_drugs")] == 2
    assert got[("BU05030102", 2024, "events_explosions")] == 1
    assert got[("BU05030202", 2024, "events_total")] == 0  # covered gemeente: a real zero
    assert got[("BU05180101", 2024, "events_drugs")] == 1
    assert store.indicators().set_index("id").loc["events_total", "tier"] == "restricted"
    # a new file replaces the old counts
    ingest_events(store, write_events(tmp_path / "again.csv",
                                      [(first, 447050, "2025-01-01", "Wapenbezit")]))
    again = store.values(indicators=["events_total", "events_weapons"])
    assert sorted(set(again["year"])) == [2025]
    assert again.set_index(["code", "indicator"])["value"][("BU05030101", "events_weapons")] == 1
    assert not again["code"].str.startswith("BU0518").any()  # not covered by the new file


def test_events_cli_errors_are_one_line(tmp_path: Path) -> None:
    path = write_events(tmp_path / "events.csv", [(84050.0, 447050.0, "2024-01-01", "Drugs")])
    done = run(tmp_path, "ingest", "events", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: no boundaries in the store to count events in: ingest boundaries first ({path})"]
    assert run(tmp_path, "ingest", "boundaries", str(buurten(tmp_path))).returncode == 0
    done = run(tmp_path, "ingest", "events", str(path), "--date-column", "when")
    assert done.returncode == 1 and done.stderr.startswith("error: no column 'when'")
    done = run(tmp_path, "ingest", "events", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("events events.csv: read 1, stored 1")


def test_points_never_reach_the_store(settings: Settings, tmp_path: Path) -> None:
    store = GeoPackageStore(settings.store_path)
    ingest_boundaries(store, buurten(tmp_path))
    ingest_events(store, write_events(tmp_path / "e.csv", [(84012.5, 447033.25, "2024-01-01",
                                                             "Drugs")]))
    import sqlite3

    with sqlite3.connect(settings.store_path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = "\n".join(str(row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"'))
    assert "84012.5" not in dump and "447033.25" not in dump
    assert shapely.Point(84012.5, 447033.25).wkt not in dump
