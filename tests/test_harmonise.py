"""Boundary harmonisation: a small made-up case worked out by hand, and the real 2022 → 2023
gemeenten (Voorne aan Zee, Amsterdam + Weesp) from the workplace's shared/data/real."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from builders import RD

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.ingest import ingest_boundaries
from geoinsight.ingest.points import ingest_addresses
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.harmonise import harmonise_indicators, harmonised_layer_values
from geoinsight.usecases.service import Selection

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
X0, Y0 = 84000.0, 447000.0


def box(x1: float, x2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0, X0 + x2, Y0 + 100)


def write_buurten(path: Path, year: int, rows: list[tuple]) -> Path:
    gpd.GeoDataFrame({
        "buurtcode": [r[0] for r in rows], "buurtnaam": [r[0][-4:] for r in rows],
        "jaar": year, "aantalInwoners": [r[2] for r in rows],
        "percentagePersonen65JaarEnOuder": [r[3] for r in rows]},
        geometry=[r[1] for r in rows], crs=RD).to_file(path)
    return path


@pytest.fixture
def changed(store: GeoPackageStore, tmp_path: Path) -> PublishedStore:
    """2022: A, B, C of 100 m. 2023: A and B merged (AB), C split at 30 m (C1, C2).
    C holds 10 addresses: 8 in the part that becomes C1, 2 in C2's."""
    ingest_boundaries(store, write_buurten(tmp_path / "b2022.gpkg", 2022, [
        ("BU05030000", box(0, 100), 1000, 10.0), ("BU05030001", box(100, 200), 2000, 20.0),
        ("BU05030102", box(200, 300), 3000, 30.0)]))
    ingest_boundaries(store, write_buurten(tmp_path / "b2023.gpkg", 2023, [
        ("BU05030003", box(0, 200), 3005, 17.0), ("BU05030104", box(200, 230), 2500, 31.0),
        ("BU05030105", box(230, 300), 500, 25.0)]))
    xs = [210, 215, 220, 225, 212, 218, 222, 228, 250, 280]
    lines = ["vbo_id;postcode;huisnummer;huisletter;huisnummertoevoeging;gebruiksdoel;bouwjaar;"
             "status;x;y"]
    lines += [f"05030100000000{i:02d};2611AA;{i + 1};;;woonfunctie;1960;"
              f"Verblijfsobject in gebruik;{X0 + x};{Y0 + 50}" for i, x in enumerate(xs)]
    (tmp_path / "bag.csv").write_text("\n".join(lines) + "\n")
    ingest_addresses(store, tmp_path / "bag.csv", year=2022)
    return PublishedStore(store, DisclosureRules())


def by_code(frame: pd.DataFrame, indicator: str) -> dict[str, tuple]:
    rows = frame[frame["indicator"] == indicator]
    return {r.code: (None if pd.isna(r.value) else round(float(r.value), 6), r.status, r.method)
            for r in rows.itertuples()}


def test_merged_parts_sum_and_a_split_follows_the_addresses(changed: PublishedStore) -> None:
    result = harmonise_indicators(changed, ["population", "pct_age_65_plus"], "buurt", 2022,
                                  2023)
    assert set(result["source_year"]) == {2022}
    people = by_code(result, "population")
    assert people["BU05030003"] == (3000, "estimated", "area_weighted")  # 1000 + 2000
    assert people["BU05030104"] == (2400, "estimated", "address_weighted")  # 8 of 10
    assert people["BU05030105"] == (600, "estimated", "address_weighted")
    old = by_code(result, "pct_age_65_plus")
    assert old["BU05030003"] == (round((10 * 1000 + 20 * 2000) / 3000, 6), "estimated",
                                 "population_weighted")
    assert old["BU05030104"] == (30.0, "estimated", "population_weighted")


def test_harmonised_layer_values_have_the_shape_of_layer_values(changed: PublishedStore) -> None:
    catalog = load_catalog(PROJECT_ROOT / "layers")
    result = harmonised_layer_values(changed, catalog, "population",
                                     Selection("buurt", None, 2022), 2023)
    assert list(result.rows.columns) == ["code", "name", "level", "year", "value", "status",
                                         "source_year", "method"]
    assert result.year == 2022 and result.boundary_year == 2023
    rows = result.rows.set_index("code")
    assert rows.loc["BU05030003", "value"] == 3000
    assert rows.loc["BU05030104", "method"] == "address_weighted"
    assert len(result.classification.class_of) == 3
    same = harmonised_layer_values(changed, catalog, "population",
                                   Selection("buurt", None, 2022), 2022)
    assert set(same.rows["method"]) == {"identical"}
    assert list(same.rows["value"]) == [1000, 2000, 3000]


def test_a_suppressed_part_hides_the_merged_area(store: GeoPackageStore, tmp_path: Path) -> None:
    ingest_boundaries(store, write_buurten(tmp_path / "b2022.gpkg", 2022, [
        ("BU05030000", box(0, 100), 3, 10.0), ("BU05030001", box(100, 200), 2000, 20.0)]))
    ingest_boundaries(store, write_buurten(tmp_path / "b2023.gpkg", 2023, [
        ("BU05030003", box(0, 200), 2000, 17.0)]))
    published = PublishedStore(store, DisclosureRules())
    result = by_code(harmonise_indicators(published, ["population"], "buurt", 2022, 2023),
                     "population")
    # 3 inhabitants are suppressed; 2000 + "something" would give them away
    assert result["BU05030003"] == (None, "secret", "area_weighted")


@pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real not beside the repo")
def test_real_gemeenten_2022_on_2023_boundaries(store: GeoPackageStore) -> None:
    ingest_boundaries(store, REAL / "gemeenten_2022_v1_pdok_kwb_wgs84.geojson")
    ingest_boundaries(store, REAL / "gemeenten_2023_pdok_kwb_wgs84.geojson")
    published = PublishedStore(store, DisclosureRules())
    catalog = load_catalog(PROJECT_ROOT / "layers")
    result = harmonised_layer_values(published, catalog, "population",
                                     Selection("gemeente", None, 2022), 2023)
    rows = result.rows.set_index("code")
    before = published.values(indicators=["population"], year=2022).set_index("code")
    # 343 areas of 2023: 342 gemeenten and GM0998 "Buitenland" (no 2022 land area reaches it)
    assert len(rows) == 343 and rows["value"].notna().sum() == 342
    assert rows.loc["GM0998", "status"] == "missing"
    assert set(rows["source_year"]) == {2022}
    voorne = before.loc[["GM0501", "GM0530", "GM0614"], "value"].sum()  # Brielle, Hellevoetsluis,
    assert rows.loc["GM1992", "value"] == voorne == 73238  # Westvoorne
    assert rows.loc["GM1992", "status"] == "estimated"
    amsterdam = before.loc["GM0363", "value"] + before.loc["GM0457", "value"]  # + Weesp
    assert rows.loc["GM0363", "value"] == amsterdam
    unchanged = sorted((set(before.index) & set(rows.index)) - {"GM0363"})
    assert len(unchanged) == 340
    kept = rows.loc[unchanged]
    assert (kept["method"] == "identical").all()
    assert (kept["value"] == before.loc[unchanged, "value"]).all()
    assert (kept["status"] == before.loc[unchanged, "status"]).all()
    sizes = harmonise_indicators(published, ["household_size"], "gemeente", 2022, 2023)
    size = sizes.set_index("code").loc["GM1992"]
    parts = published.values(indicators=["household_size"], codes=["GM0501", "GM0530", "GM0614"],
                             year=2022).set_index("code")["value"]
    households = published.values(indicators=["households"], codes=list(parts.index),
                                  year=2022).set_index("code")["value"]
    assert size["method"] == "denominator_weighted"  # a mean per household, by households
    assert size["value"] == pytest.approx((parts * households).sum() / households.sum())


def test_an_export_on_other_boundaries_is_marked_estimated(changed: PublishedStore) -> None:
    from geoinsight.export import build_export
    from geoinsight.export.formats import get_format

    catalog = load_catalog(PROJECT_ROOT / "layers")
    result = build_export(changed, catalog, ["population"], Selection("buurt", None, 2022),
                          get_format("csv"), DisclosureRules(), boundaries=2023)
    frame = pd.read_csv(pd.io.common.BytesIO(b"".join(result.chunks)), dtype={"code": str})
    assert list(frame["code"]) == ["BU05030003", "BU05030104", "BU05030105"]
    assert set(frame["boundary_year"]) == {2023} and set(frame["year"]) == {2022}
    assert frame.set_index("code").loc["BU05030003", "population"] == 3000
    assert set(frame["population_status"]) == {"estimated"}
    layer = result.metadata["layers"][0]
    assert layer["harmonised_from_boundaries_of"] == 2022
    assert layer["figures_on_boundaries_of"] == 2023


def test_estimates_pass_disclosure_control(store: GeoPackageStore, tmp_path: Path) -> None:
    """A re-expressed person count is rounded like a published one (1005 split 30/70 by area
    is 301.5 and 703.5: published as 300 and 705), and a small estimate is suppressed."""
    ingest_boundaries(store, write_buurten(tmp_path / "b2022.gpkg", 2022, [
        ("BU05030000", box(0, 100), 1003, 10.0), ("BU05030001", box(100, 200), 60, 20.0)]))
    ingest_boundaries(store, write_buurten(tmp_path / "b2023.gpkg", 2023, [
        ("BU05030002", box(0, 30), 1, 1.0), ("BU05030003", box(30, 100), 1, 1.0),
        ("BU05030004", box(100, 105), 1, 1.0), ("BU05030005", box(105, 200), 1, 1.0)]))
    published = PublishedStore(store, DisclosureRules())
    result = harmonised_layer_values(published, load_catalog(PROJECT_ROOT / "layers"),
                                     "population", Selection("buurt", None, 2022), 2023)
    rows = result.rows.set_index("code")
    assert rows.loc["BU05030002", ["value", "status"]].tolist() == [300, "estimated"]
    assert rows.loc["BU05030003", ["value", "status"]].tolist() == [705, "estimated"]
    # 5 % of 60 is 3 people: too few to publish
    assert rows.loc["BU05030004", "status"] == "secret"
    assert pd.isna(rows.loc["BU05030004", "value"])
