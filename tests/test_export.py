"""Every export format opens in its own reader with the same figures as the CSV.

The demo store is read through disclosure control (as the web and the CLI do), so suppressed
figures are in the files as status ``secret`` with no value, the same in every format.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import rasterio
import shapely

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import Catalog, load_catalog
from geoinsight.errors import BadRequest, NotFound
from geoinsight.export import Export, build_export
from geoinsight.export.formats import FORMATS, format_for_path, get_format
from geoinsight.export.raster import NODATA, grid
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.service import Selection

LAYERS = ["population", "woz_mean", "share_65_plus"]
DELFT = Selection("buurt", "GM0503", None)


@pytest.fixture(scope="module")
def published(demo_file: Path) -> PublishedStore:
    return PublishedStore(GeoPackageStore(demo_file), DisclosureRules())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT / "layers")


def export(published: PublishedStore, catalog: Catalog, fmt: str, layers: list[str] = LAYERS,
           selection: Selection = DELFT, **options: object) -> Export:
    return build_export(published, catalog, layers, selection, get_format(fmt),
                        DisclosureRules(), "nl", **options)  # type: ignore[arg-type]


def written(result: Export, folder: Path) -> Path:
    path = folder / result.filename
    path.write_bytes(b"".join(result.chunks))
    return path


def as_csv(published: PublishedStore, catalog: Catalog, tmp_path: Path) -> pd.DataFrame:
    path = written(export(published, catalog, "csv"), tmp_path)
    return pd.read_csv(path, dtype={"code": str}, keep_default_na=False,
                       na_values={c: [""] for c in LAYERS})


def same_as_csv(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Each CSV column, in the same order of areas, with equal figures and statuses."""
    frame = frame.sort_values("code").reset_index(drop=True)
    expected = expected.sort_values("code").reset_index(drop=True)
    assert list(frame["code"]) == list(expected["code"])
    for column in expected.columns:
        if column in LAYERS:
            np.testing.assert_allclose(frame[column].astype(float), expected[column].astype(float),
                                       rtol=1e-6, equal_nan=True, err_msg=column)
        else:
            assert [str(v) for v in frame[column]] == [str(v) for v in expected[column]], column


def test_csv_holds_published_figures(published: PublishedStore, catalog: Catalog,
                                     tmp_path: Path) -> None:
    frame = as_csv(published, catalog, tmp_path)
    assert list(frame.columns[:6]) == ["code", "name", "level", "gemeente_code", "year",
                                       "boundary_year"]
    assert len(frame) == 91 and set(frame["year"]) == {2024}
    raw = published.values(indicators=["population"], codes=list(frame["code"]), year=2024)
    raw = raw.set_index("code")
    shown = frame.set_index("code")
    for code, row in raw.iterrows():
        assert row["status"] == shown.loc[code, "population_status"]
        if row["status"] == "ok":
            assert row["value"] == shown.loc[code, "population"]
    # suppression reaches the file: a secret figure has no value
    secret = shown[shown["share_65_plus_status"] == "secret"]
    assert len(secret) and secret["share_65_plus"].isna().all()


def test_geopackage(published: PublishedStore, catalog: Catalog, tmp_path: Path) -> None:
    path = written(export(published, catalog, "gpkg"), tmp_path)
    frame = pyogrio.read_dataframe(path)
    same_as_csv(pd.DataFrame(frame.drop(columns="geometry")), as_csv(published, catalog, tmp_path))
    assert frame.crs.to_epsg() == 28992
    stored = published.areas(level="buurt", municipality="GM0503", year=2023).set_index("code")
    areas = frame.set_index("code").geometry.area
    np.testing.assert_allclose(areas, stored.geometry.area.loc[areas.index], rtol=1e-9)
    meta = json.loads(pyogrio.read_info(path)["layer_metadata"]["geoinsight"])
    check_metadata(meta)


def check_metadata(meta: dict) -> None:
    assert meta["year"] == 2024 and meta["level"] == "buurt" and meta["generated_at"]
    assert meta["synthetic"] is False
    assert [m["id"] for m in meta["layers"]] == LAYERS
    population = meta["layers"][0]
    assert population["unit"] == "inwoners" and population["licence"] == "CC BY 4.0"
    assert "CBS" in population["source"] and population["year"] == 2024
    assert meta["disclosure_control"]["parameters"]["min_count"] == 5
    assert any("rounded to 5" in rule for rule in meta["disclosure_control"]["rules"])


def test_geojson_is_lonlat_with_metadata(published: PublishedStore, catalog: Catalog,
                                         tmp_path: Path) -> None:
    path = written(export(published, catalog, "geojson"), tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    check_metadata(doc["metadata"])
    frame = pd.DataFrame([f["properties"] for f in doc["features"]])
    same_as_csv(frame, as_csv(published, catalog, tmp_path))
    lon, lat = shapely.geometry.shape(doc["features"][0]["geometry"]).centroid.coords[0]
    assert 4.2 < lon < 4.5 and 51.9 < lat < 52.1  # Delft, lon/lat order
    assert len(pyogrio.read_dataframe(path)) == 91  # and GDAL reads it


def test_xlsx(published: PublishedStore, catalog: Catalog, tmp_path: Path) -> None:
    path = written(export(published, catalog, "xlsx"), tmp_path)
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    same_as_csv(frame, as_csv(published, catalog, tmp_path))
    about = {r[0]: r[1] for r in book["metadata"].iter_rows(values_only=True)
             if len(r) > 1 and r[0]}
    assert about["year"] == 2024 and about["generated_at"]
    assert any(r and r[0] == "population" and r[3] == "inwoners"
               for r in book["metadata"].iter_rows(values_only=True))


def test_geoparquet(published: PublishedStore, catalog: Catalog, tmp_path: Path) -> None:
    path = written(export(published, catalog, "parquet"), tmp_path)
    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    check_metadata(json.loads(table.schema.metadata[b"geoinsight"]))
    frame = table.drop(["geometry"]).to_pandas()
    same_as_csv(frame, as_csv(published, catalog, tmp_path))


def test_zipped_shapefile(published: PublishedStore, catalog: Catalog, tmp_path: Path) -> None:
    path = written(export(published, catalog, "shp"), tmp_path)
    names = zipfile.ZipFile(path).namelist()
    assert {"geoinsight_export.shp", "geoinsight_export.dbf", "geoinsight_export.prj",
            "geoinsight_export.cpg", "fields.csv", "metadata.json"} <= set(names)
    fields = pd.read_csv(io.BytesIO(zipfile.ZipFile(path).read("fields.csv")))
    frame = pyogrio.read_dataframe(f"/vsizip/{path}/geoinsight_export.shp")
    frame = frame.rename(columns=dict(zip(fields["field"], fields["column"], strict=True)))
    same_as_csv(pd.DataFrame(frame.drop(columns="geometry")),
                as_csv(published, catalog, tmp_path))
    assert frame.crs.to_epsg() == 28992
    check_metadata(json.loads(zipfile.ZipFile(path).read("metadata.json")))


def test_geotiff_cells_carry_their_areas_figures(published: PublishedStore, catalog: Catalog,
                                                 tmp_path: Path) -> None:
    path = written(export(published, catalog, "tif", cell_m=100.0), tmp_path)
    expected = as_csv(published, catalog, tmp_path).set_index("code")
    areas = published.areas(level="buurt", municipality="GM0503", year=2023).set_index("code")
    with rasterio.open(path) as raster:
        assert raster.crs.to_epsg() == 28992 and raster.res == (100.0, 100.0)
        # aligned to RD New: the origin is a multiple of the cell size
        assert raster.transform.c % 100 == 0 and raster.transform.f % 100 == 0
        assert list(raster.descriptions) == LAYERS and raster.nodata == NODATA
        check_metadata(json.loads(raster.tags()["GEOINSIGHT_METADATA"]))
        bands = raster.read()
        rows, cols = np.mgrid[0:raster.height, 0:raster.width]
        xs, ys = rasterio.transform.xy(raster.transform, rows.ravel(), cols.ravel())
        centres = shapely.points(np.asarray(xs), np.asarray(ys))
    checked = 0
    for code, geometry in areas.geometry.items():
        inside = shapely.contains_xy(geometry, shapely.get_x(centres), shapely.get_y(centres))
        if not inside.any():
            continue  # an area smaller than a cell: no cell centre falls in it
        for band, layer in enumerate(LAYERS):
            cells = bands[band].ravel()[inside]
            if expected.loc[code, f"{layer}_status"] == "ok":
                np.testing.assert_allclose(cells, expected.loc[code, layer], rtol=1e-6)
                checked += 1
            else:
                assert (cells == NODATA).all(), (code, layer)
    assert checked > 150


def test_grid_snaps_outward_to_the_cell_size() -> None:
    transform, width, height = grid((81_710.0, 442_450.0, 87_790.0, 449_820.0), 100.0)
    assert (transform.c, transform.f, width, height) == (81_700.0, 449_900.0, 61, 75)
    with pytest.raises(BadRequest, match="cells"):
        grid((0.0, 300_000.0, 280_000.0, 620_000.0), 10.0)


def test_synthetic_figures_are_flagged(published: PublishedStore, catalog: Catalog) -> None:
    result = export(published, catalog, "csv", ["energy_labels_valid"],
                    Selection("buurt", None, None))
    assert "_SYNTHETIC" in result.filename
    assert result.metadata["synthetic"] is True and "SYNTHETIC" in result.metadata["warning"]
    assert result.sidecar()["geoinsight"]["layers"][0]["synthetic"] is True  # type: ignore[index]


def test_layers_without_a_shared_year_are_refused(published: PublishedStore,
                                                  catalog: Catalog) -> None:
    with pytest.raises(NotFound, match="share no year"):
        export(published, catalog, "csv", ["population", "energy_labels_valid"],
               Selection("buurt", None, None))
    with pytest.raises(NotFound, match="no figures for 2019"):
        export(published, catalog, "csv", ["population"], Selection("buurt", "GM0503", 2019))


def test_formats_by_name_and_file_name() -> None:
    assert set(FORMATS) == {"gpkg", "geojson", "csv", "xlsx", "parquet", "shp", "tif"}
    assert get_format("GeoTIFF").name == "tif" and get_format("shapefile").name == "shp"
    assert format_for_path(Path("a.shp.zip")).name == "shp"
    assert format_for_path(Path("b.GPKG")).name == "gpkg"
    with pytest.raises(BadRequest, match="format must be one of"):
        get_format("pdf")
    with pytest.raises(BadRequest, match="cannot tell the format"):
        format_for_path(Path("c.txt"))
