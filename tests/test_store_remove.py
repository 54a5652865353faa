"""Removing one ingest from the store (Store.remove_ingest, Reader.holdings), on both stores:
exactly what it still holds goes, with what depends on it; refusals change nothing."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from builders import RD, bike_thefts, squares
from rasterio.transform import from_origin
from test_ingest_points import ADDRESSES, LABELS, PUBLISHED, write_labels

from geoinsight.errors import GeoInsightError
from geoinsight.ingest import (
    ingest_addresses,
    ingest_boundaries,
    ingest_energy_labels,
    ingest_events,
    ingest_indicators,
)
from geoinsight.ingest.rasters import ingest_raster
from geoinsight.rasters import RasterSpec
from geoinsight.store import Store
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.store.model import Removal
from geoinsight.store.postgis import PostGISStore

CODES = ["BU05030000", "BU05030001"]
POPULATION = "buurtcode;aantalInwoners\nBU05030000;120\nBU05030001;80\n"
HOUSEHOLDS = "buurtcode;aantalHuishoudens\nBU05030000;50\nBU05030001;40\n"


@pytest.fixture(params=["gpkg", "postgis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store of each kind (PostGIS on a schema of its own: ``pg_url``, which skips
    without a reachable PostgreSQL outside CI)."""
    if request.param == "gpkg":
        return GeoPackageStore(tmp_path / f"{uuid.uuid4().hex}.gpkg")
    pg = PostGISStore(request.getfixturevalue("pg_url"))
    request.addfinalizer(pg.close)
    return pg


def boundaries(store: Store, folder: Path, year: int = 2022) -> int:
    path = folder / f"buurten{year}.gpkg"
    gpd.GeoDataFrame({"buurtcode": CODES, "buurtnaam": ["A", "B"], "jaar": year},
                     geometry=squares(2), crs=RD).to_file(path)
    return ingest_boundaries(store, path).ingest_id


def table(store: Store, folder: Path, name: str, text: str, year: int = 2022) -> int:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return ingest_indicators(store, path, year=year).ingest_id


def addresses_and_labels(store: Store, folder: Path) -> tuple[int, int]:
    (folder / "bag.csv").write_text(ADDRESSES)
    addresses = ingest_addresses(store, folder / "bag.csv", year=2022).ingest_id
    labels = ingest_energy_labels(store, write_labels(folder / "ep.csv", LABELS),
                                  today=PUBLISHED).ingest_id
    return addresses, labels


def heat_raster(path: Path) -> Path:
    """10 m cells over both buurten, 20 to 22 °C."""
    values = np.tile(np.linspace(20.0, 22.0, 30, dtype="float32"), (20, 1))
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=1,
                       dtype="float32", crs=RD, nodata=-9999.0,
                       transform=from_origin(83950.0, 447150.0, 10.0, 10.0)) as out:
        out.write(values, 1)
    return path


def held(store: Store) -> dict[tuple[int, str], int]:
    frame = store.holdings()
    return {(int(i), str(t)): int(n)
            for i, t, n in zip(frame["ingest_id"], frame["table"], frame["rows"], strict=True)}


def contents(store: Store) -> dict[str, Any]:
    """What a removal may change, in a comparable form."""
    def rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
        frame = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        return sorted(map(tuple, frame.astype(str).itertuples(index=False)))

    return {"version": store.version(), "holdings": held(store),
            "areas": rows(store.areas(geometry=False)), "values": rows(store.values()),
            "indicators": rows(store.indicators()), "log": rows(store.ingest_log()),
            "addresses": rows(store.addresses()), "labels": rows(store.labels()),
            "points": rows(store.point_areas("addresses")), "register": rows(store.register()),
            "links": rows(store.links()),
            "definitions": ([r.name for r in store.event_registers()],
                            [r.name for r in store.rasters()])}


def refused(store: Store, ingest_id: int, match: str) -> None:
    """The removal is refused with ``match`` and leaves the store exactly as it was."""
    before = contents(store)
    with pytest.raises(GeoInsightError, match=match) as caught:
        store.remove_ingest(ingest_id)
    assert caught.value.code == "removal_refused"
    assert "\n" not in caught.value.message
    assert contents(store) == before


def test_removing_a_table_removes_exactly_its_values(store: Store, tmp_path: Path) -> None:
    areas = boundaries(store, tmp_path)
    population = table(store, tmp_path, "kwb-2022.csv", POPULATION)
    households = table(store, tmp_path, "huishoudens.csv", HOUSEHOLDS)
    before = held(store)
    assert before[(areas, "areas")] == 2
    assert before[(population, "indicator_values")] == 2
    assert before[(households, "indicator_values")] == 2
    assert {i for i, _ in before} == {areas, population, households}
    others = store.values(indicators=["households"])
    version = store.version()

    removal = store.remove_ingest(population)

    assert isinstance(removal, Removal)
    assert (removal.ingest_id, removal.kind, Path(removal.file).name) == (
        population, "indicators", "kwb-2022.csv")
    assert removal.rows["indicator_values"] == 2 and removal.files == []
    assert store.values(indicators=["population"]).empty
    pd.testing.assert_frame_equal(store.values(indicators=["households"]), others)
    assert "population" not in set(store.indicators()["id"])  # no value left anywhere
    assert "households" in set(store.indicators()["id"])
    assert store.version() != version
    after = held(store)
    assert population not in {i for i, _ in after}
    assert {k: v for k, v in before.items() if k[0] != population} == after
    # the log row: kind removal, the removed ingest's file, checksum and year, no counts
    log = store.ingest_log().set_index("id")
    row, removed = log.loc[removal.log_id], log.loc[population]
    assert removal.log_id == int(log.index.max())
    assert row["kind"] == "removal"
    assert (row["file"], row["checksum"], int(row["year"])) == (
        removed["file"], removed["checksum"], 2022)
    assert [int(row[c]) for c in ("rows_read", "rows_stored", "rows_repaired", "rows_rejected",
                                  "rows_skipped")] == [0] * 5
    assert removal.summary() in row["notes"]
    assert removal.summary().startswith(f"removed ingest {population} (indicators "
                                        "kwb-2022.csv): 2 indicator_values")
    assert removal.log_id not in {i for i, _ in after}  # a removal holds nothing


def test_an_overwritten_ingest_holds_nothing_and_is_refused(store: Store,
                                                            tmp_path: Path) -> None:
    boundaries(store, tmp_path)
    first = table(store, tmp_path, "kwb-a.csv", POPULATION)
    second = table(store, tmp_path, "kwb-b.csv", POPULATION.replace("120", "121"))
    assert first not in {i for i, _ in held(store)}
    assert held(store)[(second, "indicator_values")] == 2
    refused(store, first, rf"^ingest {first} \(indicators kwb-a.csv\) holds nothing any more: "
                          "later ingests replaced what it stored$")


def test_unknown_ids_and_removals_are_refused(store: Store, tmp_path: Path) -> None:
    refused(store, 12, "^no ingest 12 in the store$")  # on an empty store too
    boundaries(store, tmp_path)
    ingest = table(store, tmp_path, "kwb.csv", POPULATION)
    refused(store, 999, "^no ingest 999 in the store$")
    removal = store.remove_ingest(ingest)
    refused(store, removal.log_id, "removal")
    refused(store, ingest, "holds nothing any more")  # removed once is enough


def test_removing_boundaries_drops_their_areas_and_points_left_without_areas(
        store: Store, tmp_path: Path) -> None:
    current = boundaries(store, tmp_path, 2022)
    older = boundaries(store, tmp_path, 2021)
    addresses, _labels = addresses_and_labels(store, tmp_path)
    points = store.point_areas("addresses")
    assert sorted(set(points["boundary_year"].astype(int))) == [2021, 2022]
    assert held(store)[(older, "areas")] == 2
    version = store.version()

    removal = store.remove_ingest(older)

    assert removal.rows["areas"] == 2 and removal.rows["point_areas"] == 6
    assert store.area_years() == [2022]
    assert set(store.point_areas("addresses")["boundary_year"].astype(int)) == {2022}
    assert len(store.point_areas("addresses", boundary_year=2022)) == 6
    assert len(store.addresses()) == 6 and held(store)[(addresses, "addresses")] == 6
    assert store.version() != version
    # the other year's boundaries keep their points until they go as well
    assert store.remove_ingest(current).rows["point_areas"] == 6
    assert store.areas().empty and store.point_areas("addresses").empty


def test_addresses_wait_for_the_labels_located_on_them(store: Store, tmp_path: Path) -> None:
    boundaries(store, tmp_path)
    addresses, labels = addresses_and_labels(store, tmp_path)
    assert held(store)[(labels, "energy_labels")] == len(store.labels()) > 0
    refused(store, addresses, rf"^remove the energy labels first \(ingest {labels}\): they "
                              "are located on these addresses$")

    gone = store.remove_ingest(labels)
    assert gone.rows["energy_labels"] > 0 and store.labels().empty
    assert len(store.addresses()) == 6 and len(store.point_areas("addresses")) == 6
    assert not any(i.startswith("energy_label") for i in store.indicators()["id"])

    removal = store.remove_ingest(addresses)
    assert removal.rows["addresses"] == 6 and removal.rows["point_areas"] == 6
    assert store.addresses().empty and store.point_areas("addresses").empty
    assert len(store.areas()) == 2  # the boundaries stay


def test_removing_an_event_register_drops_its_indicator_records(store: Store,
                                                                tmp_path: Path) -> None:
    boundaries(store, tmp_path)
    population = table(store, tmp_path, "kwb.csv", POPULATION)
    events = ingest_events(store, bike_thefts(store.areas(), tmp_path / "fiets.csv",
                                              year=2022)).ingest_id
    (register,) = store.event_registers()
    ids = set(register.indicator_ids())
    assert ids <= set(store.indicators()["id"])
    assert held(store)[(events, "event_registers")] == 1
    values = held(store)[(events, "indicator_values")]

    removal = store.remove_ingest(events)

    assert removal.rows["event_registers"] == 1
    assert removal.rows["indicators"] == len(ids)
    assert removal.rows["indicator_values"] == values
    assert store.event_registers() == []
    assert not ids & set(store.indicators()["id"])
    assert not ids & set(store.values()["indicator"])
    assert held(store)[(population, "indicator_values")] == 2  # others untouched


def test_removing_a_raster_names_its_kept_file_and_leaves_it(store: Store,
                                                             tmp_path: Path) -> None:
    boundaries(store, tmp_path)
    data = tmp_path / "data"
    ingest = ingest_raster(store, heat_raster(tmp_path / "heat.tif"),
                           RasterSpec("hitte", unit="°C", above=(21.0,), year=2022), data)
    (raster,) = store.rasters()
    values = held(store)[(ingest.ingest_id, "indicator_values")]

    removal = store.remove_ingest(ingest.ingest_id)

    assert removal.files == [raster.file]
    assert (data / raster.file).is_file()  # the caller deletes it, after the commit
    assert removal.rows == {"indicator_values": values, "rasters": 1,
                            "indicators": len(raster.indicator_ids())}
    assert store.rasters() == [] and store.values().empty
    assert not set(raster.indicator_ids()) & set(store.indicators()["id"])


def test_a_failed_removal_changes_nothing(store: Store, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the deletes (writing the log row) rolls every one of them back."""
    from geoinsight.store import rows

    boundaries(store, tmp_path)
    addresses_and_labels(store, tmp_path)
    labels = int(store.ingest_log()["id"].max())
    before = contents(store)

    def fail(*args: object) -> tuple[Any, ...]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rows, "removal_log_row", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.remove_ingest(labels)
    assert contents(store) == before


def test_holdings_of_an_empty_store_and_of_an_old_store_without_tables(
        tmp_path: Path) -> None:
    store = GeoPackageStore(tmp_path / "old.gpkg")
    assert store.holdings().empty
    assert list(store.holdings().columns) == ["ingest_id", "table", "rows"]
    ingest = boundaries(store, tmp_path)
    with sqlite3.connect(store.path) as con:
        for name in ("rasters", "event_registers", "energy_labels"):
            con.execute(f"DROP TABLE {name}")
            con.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))
    frame = store.holdings()
    assert held(store) == {(ingest, "areas"): 2, (ingest, "area_register"): 2}
    assert frame["ingest_id"].dtype == "int64" and frame["rows"].dtype == "int64"
    # the removal's write adds the tables the file lacks, as every write does
    assert store.remove_ingest(ingest).rows == {"areas": 2, "area_register": 2}
    assert store.holdings().empty
