"""The Store protocol's contract, run on every store (tests/store/conftest.py: gpkg, postgis)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from builders import RD, classic_buurten, squares
from scenario import CODES, assert_same, fill, normal, snapshot

from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.records import Indicator
from geoinsight.store import Store
from geoinsight.store.model import IngestBatch, IngestCounts, empty_values

TEST_DATA = Path(__file__).parent.parent / "data"
ERMELO = TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg"


def test_empty_store_reads_as_empty(store: Store) -> None:
    assert store.is_empty()
    assert store.areas().empty and store.values().empty and store.area_years() == []
    assert store.value_years() == [] and store.presence().empty and store.labels().empty
    assert store.addresses().empty and store.point_areas("addresses").empty
    assert store.register().empty and store.links().empty and store.event_registers() == []
    assert store.rasters() == []
    assert store.ingest_log().empty and store.indicators().empty
    assert list(store.areas(bbox=(0, 0, 1, 1)).columns) == [*store.areas().columns]
    assert store.version() == store.version()


def test_every_read_after_real_ingests(store: Store, tmp_path: Path) -> None:
    fill(store, tmp_path)
    assert not store.is_empty() and store.area_years() == [2022]
    assert store.area_years(level="buurt", municipality="GM0503") == [2022]
    assert store.area_years(level="wijk") == []
    areas = store.areas()
    assert list(areas["code"]) == CODES and areas.crs == RD
    assert list(store.areas(codes=CODES[1:], geometry=False)["code"]) == CODES[1:]
    assert "geometry" not in store.areas(geometry=False).columns
    assert len(store.areas(level="buurt", municipality="GM0503", year=2022)) == 2
    assert store.areas(year=2021).empty
    values = store.values()
    assert 2022 in store.value_years() and store.value_years() == sorted(set(values["year"]))
    one = values[values["code"] == CODES[0]]
    assert normal(store.values(codes=[CODES[0]])).equals(normal(one))
    indicator = str(values["indicator"].iloc[0])
    assert set(store.values(indicators=[indicator], year=2022)["indicator"]) == {indicator}
    assert store.values(year=2021).empty
    assert (store.presence()["status"] != "missing").all()
    assert "value" not in store.presence().columns
    assert set(values["indicator"]) <= set(store.indicators()["id"])
    log = store.ingest_log()
    assert list(log["kind"]) == ["boundaries", "indicators", "addresses", "energy_labels",
                                 "events", "raster"]
    assert log["id"].is_unique and log["id"].is_monotonic_increasing
    labels_id = int(log.loc[log["kind"] == "energy_labels", "id"].iloc[0])
    assert list(store.rejects(labels_id).columns) == ["row", "code", "reason"]
    assert len(store.rejects(labels_id)) >= 1
    addresses = store.addresses()
    assert len(addresses) == 6 and addresses.crs == RD
    assert list(store.addresses(["0503010000000002"])["huisletter"]) == ["A"]
    # by postcode (2611AA 1-3 and 2611AB 1-3), PC4 and huisnummer, in postcode order
    assert list(store.addresses_in_postcode("2611AB")["huisnummer"]) == [1, 2, 3]
    assert len(store.addresses_in_postcode("2611")) == 6
    assert list(store.addresses_in_postcode("2611AA", 2)["vbo_id"]) == ["0503010000000002"]
    assert store.addresses_in_postcode("2611AC").empty
    assert store.addresses_in_postcode("2611AA", 2).crs == RD
    labels = store.labels()
    assert len(labels) >= 3 and list(store.labels([labels["vbo_id"].iloc[0]])) == list(labels)
    points = store.point_areas("addresses", level="buurt", boundary_year=2022)
    assert set(points["area_code"]) == set(CODES)
    assert set(store.point_areas("addresses", area_codes=CODES[:1])["area_code"]) == {CODES[0]}
    assert set(CODES) <= set(store.register()["code"])
    assert list(store.register(CODES[:1])["code"]) == CODES[:1]
    assert list(store.links().columns) == ["code", "year_a", "year_b", "relation", "reason"]
    assert [r.name for r in store.event_registers()] == ["ondermijning"]
    (raster,) = store.rasters()
    assert (raster.name, raster.above, raster.year, raster.unit) == ("hitte", (21.0,), 2022, "°C")
    assert raster.detail["bounds_rd"] == [83950.0, 446950.0, 84250.0, 447150.0]
    heat = store.values(indicators=["hitte_mean"]).set_index("code")["value"]
    assert heat[CODES[0]] < heat[CODES[1]]  # warmer to the east
    inventory = store.inventory()
    assert set(inventory) == {"figures", "points"}
    points_held = dict(zip(inventory["points"]["point_set"], inventory["points"]["points"],
                           strict=True))
    assert points_held == {"addresses": 6, "energy_labels": len(labels)}


def test_ingest_log_records_file_checksum_and_counts(store: Store) -> None:
    ingest_boundaries(store, ERMELO)
    row = store.ingest_log().iloc[-1]
    assert row["file"] == str(ERMELO)
    assert row["checksum"] == hashlib.sha256(ERMELO.read_bytes()).hexdigest()
    assert (row["rows_read"], row["rows_stored"], row["rows_skipped"]) == (17, 16, 1)


def test_geometry_roundtrip_is_exact(store: Store, tmp_path: Path) -> None:
    frame = classic_buurten(2)
    frame.to_file(tmp_path / "b.gpkg")
    ingest_boundaries(store, tmp_path / "b.gpkg", year=2020)
    back = store.areas().geometry
    assert back.iloc[1].symmetric_difference(frame.geometry.iloc[1]).area == 0


def test_version_changes_with_every_write_and_only_then(store: Store, tmp_path: Path) -> None:
    before = store.version()
    ingest_boundaries(store, ERMELO)
    first = store.version()
    assert first != before
    store.values()
    store.areas(bbox=(0, 0, 1e6, 1e6))
    assert store.version() == first
    store.write(_values_batch("a", 1.0))
    assert store.version() not in (before, first)


def test_failed_batch_late_in_the_write_leaves_the_store_as_it_was(store: Store,
                                                                   tmp_path: Path) -> None:
    fill(store, tmp_path)
    before = snapshot(store)
    new_areas = gpd.GeoDataFrame({
        "code": ["BU05039999"], "year": [2022], "level": ["buurt"], "name": ["Nieuw"],
        "gemeente_code": ["GM0503"], "wijk_code": ["WK050399"], "gemeente_name": ["Delft"]},
        geometry=[shapely.MultiPolygon(squares(1, x0=90000))], crs=RD)
    values = _values_batch("a", 1.0).values
    bad = pd.concat([values, values.assign(code=CODES[1], status="not-a-status")],
                    ignore_index=True)  # violates the status check, after everything else
    batch = IngestBatch(kind="test", source=Path("bad.csv"), checksum="x", values=bad,
                        indicators=[_indicator("a")], counts=IngestCounts(read=2, stored=2),
                        areas=new_areas, labels=store.labels().iloc[:0],
                        replace_indicators=list(store.values()["indicator"].unique()),
                        point_areas=store.point_areas("addresses").iloc[:1])
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        store.write(batch)
    assert_same(snapshot(store), before)


def test_failed_ingest_of_bad_input_changes_nothing(store: Store, tmp_path: Path) -> None:
    ingest_boundaries(store, ERMELO)
    before = snapshot(store)
    bad = tmp_path / "bad.csv"
    bad.write_text("code;inwoners\nnot-a-code;1\n")
    with pytest.raises(Exception, match=r"no CBS area code|no usable rows"):
        ingest_indicators(store, bad, year=2021)
    assert_same(snapshot(store), before)


@pytest.mark.parametrize("bbox", [(84050, 447050, 84060, 447060),  # inside the first
                                  (84090, 447000, 84110, 447010),  # across the shared edge
                                  (84200, 447100, 84300, 447200),  # touching a corner
                                  (0, 0, 10, 10)])  # far away
def test_areas_in_a_bounding_box(store: Store, tmp_path: Path,
                                 bbox: tuple[float, float, float, float]) -> None:
    gpd.GeoDataFrame({"buurtcode": [*CODES, "BU05030002"], "buurtnaam": ["A", "B", "C"],
                      "jaar": 2022}, geometry=squares(3), crs=RD).to_file(tmp_path / "b.gpkg")
    ingest_boundaries(store, tmp_path / "b.gpkg")
    ingest_boundaries(store, ERMELO)
    everything = store.areas()
    expected = everything[everything.intersects(shapely.box(*bbox))]
    found = store.areas(bbox=bbox)
    assert list(found["code"]) == list(expected["code"])
    assert normal(found).equals(normal(expected.reset_index(drop=True)))
    assert list(store.areas(bbox=bbox, geometry=False)["code"]) == list(expected["code"])
    assert "geometry" not in store.areas(bbox=bbox, geometry=False).columns
    assert list(store.areas(bbox=bbox, year=2021)["code"]) == []


def test_areas_by_bounding_box_on_real_boundaries(store: Store) -> None:
    ingest_boundaries(store, ERMELO)
    everything = store.areas()
    for geom in everything.geometry.iloc[::5]:
        box = shapely.bounds(geom)
        expected = everything[everything.intersects(shapely.box(*box))]["code"]
        found = store.areas(bbox=tuple(float(b) for b in box))["code"]
        assert list(found) == list(expected) and 1 <= len(found) < len(everything)


def test_concurrent_writes_are_serialised(store: Store) -> None:
    """Two writers at once: every batch lands whole, each with its own ingest id."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for i in range(4):
                store.write(_values_batch(name, float(i), codes=[f"BU0503000{k}"
                                                                   for k in range(40)]))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    log = store.ingest_log()
    assert len(log) == 8 and log["id"].is_unique
    values = store.values()
    assert sorted(values["indicator"].unique()) == ["a", "b"]
    assert len(values) == 80 and set(values["value"]) == {3.0}  # the last batch of each


def _indicator(name: str) -> Indicator:
    return Indicator(id=name, title_nl=name, title_en=name, unit="", kind="count")


def _values_batch(name: str, value: float, codes: list[str] | None = None) -> IngestBatch:
    codes = codes or [CODES[0]]
    values = pd.concat([empty_values(), pd.DataFrame({
        "code": codes, "year": 2022, "indicator": name, "value": value, "status": "ok",
        "boundary_year": 2022})], ignore_index=True)
    return IngestBatch(kind="test", source=Path(f"{name}.csv"), checksum=name, values=values,
                       indicators=[_indicator(name)],
                       counts=IngestCounts(read=len(codes), stored=len(codes)), year=2022)
