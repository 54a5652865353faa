"""The same files ingested into the GeoPackage and the PostGIS store give the same answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely
from conftest import make_store
from scenario import assert_same, fill, snapshot

from geoinsight.ingest import ingest_boundaries, ingest_indicators

TEST_DATA = Path(__file__).parent.parent / "data"


def test_real_cbs_files_give_identical_rows(tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    """Ermelo's 2021 buurten with the KWB 2024 table (its refused re-used codes included)."""
    gpkg, postgis = (make_store(kind, tmp_path, request) for kind in ("gpkg", "postgis"))
    for store in (gpkg, postgis):
        ingest_boundaries(store, TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg")
        ingest_indicators(store, TEST_DATA / "kwb2024_buurten_ermelo.csv", year=2024)
    pd.testing.assert_frame_equal(gpkg.values(), postgis.values())
    a, b = gpkg.areas(), postgis.areas()
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")))
    assert len(a) == 16
    assert all(shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), 1e-6))
    assert max(shapely.hausdorff_distance(a.geometry.to_numpy(), b.geometry.to_numpy())) < 1e-6
    pd.testing.assert_frame_equal(gpkg.rejects(2), postgis.rejects(2))
    assert len(gpkg.rejects(2)) > 0


def test_every_read_is_the_same_on_both_stores(tmp_path: Path,
                                               request: pytest.FixtureRequest) -> None:
    gpkg, postgis = (make_store(kind, tmp_path, request) for kind in ("gpkg", "postgis"))
    fill(gpkg, tmp_path / "a")
    fill(postgis, tmp_path / "b")
    left, right = snapshot(gpkg), snapshot(postgis)
    # the log names the file each ingest read: the same files, in two folders (a GeoPackage
    # written twice differs in its bytes: its creation time)
    for side in (left, right):
        log = side["log"]
        log["file"] = [Path(f).name for f in log["file"]]
        log.loc[log["file"] == "b.gpkg", "checksum"] = ""
    assert_same(left, right, skip=("version",))
