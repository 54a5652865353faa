"""The OGC API core (geoinsight.ogc) called directly on the demo store read through a gate:
collections per level and boundary year, their columns and tables, items paging, bbox
filtering and CRS, and the collection documents. Expected values come from the store's areas,
their geometry (shapely) and the published figures."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from geoinsight.ogc.cache import BoundedCache
from geoinsight.ogc.collections import levels_and_years, plan_columns
from geoinsight.ogc.crs import CRS84, RD
from geoinsight.ogc.documents import collection as collection_doc
from geoinsight.ogc.documents import schema
from geoinsight.ogc.items import items, parse_items_query
from geoinsight.ogc.links import Links
from geoinsight.ogc.tables import Source
from geoinsight.privacy.access import Principal
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.records import LEVELS

LINKS = Links("/ogc")


@pytest.fixture(scope="module")
def source(gate: Gate) -> Source:
    return Source(gate, gate.catalog, BoundedCache())


def areas_of(gate: Gate, level: str, year: int) -> pd.DataFrame:
    return gate.areas(level=level, year=year).sort_values("code").reset_index(drop=True)


def page(source: Source, collection: str, **args: str) -> dict:  # type: ignore[type-arg]
    table = source.table(source.collection(collection))
    return items(table, parse_items_query(args), LINKS, args, "json")


def test_one_collection_per_level_and_boundary_year(gate: Gate, source: Source) -> None:
    stored = gate.areas(geometry=False)[["level", "year"]].drop_duplicates()
    pairs = {(str(r.level), int(r.year)) for r in stored.itertuples()}
    expected = sorted(pairs, key=lambda p: (LEVELS.index(p[0]), -p[1]))
    assert levels_and_years(gate) == expected
    found = source.collections()
    assert [(c.level, c.boundary_year) for c in found] == expected
    assert [c.id for c in found] == [f"{lvl}_{year}" for lvl, year in expected]
    for c in found:
        areas = areas_of(gate, c.level, c.boundary_year)
        assert c.count == len(areas)
        assert c.bounds == pytest.approx(tuple(areas.total_bounds))


def test_a_collection_carries_the_layers_with_figures_on_its_boundaries(
        gate: Gate, source: Source) -> None:
    def with_figures(level: str, year: int) -> set[str]:
        codes = list(areas_of(gate, level, year)["code"])
        return {layer.id for layer in gate.catalog.for_level(level)
                if not gate.values(indicators=list(layer.inputs()), codes=codes).empty}

    delft = source.collection("buurt_2023")
    den_haag = source.collection("buurt_2022")
    assert {c.layer.id for c in delft.columns} == with_figures("buurt", 2023)
    assert {c.layer.id for c in den_haag.columns} == with_figures("buurt", 2022)
    # labels exist for the Den Haag area only, on its 2022 buurten
    assert "energy_label_share_efg" in {c.layer.id for c in den_haag.columns}
    assert "energy_label_share_efg" not in {c.layer.id for c in delft.columns}
    # each layer at its latest figure year
    years = {c.layer.id: c.year for c in delft.columns}
    assert years["crimes_registered"] == 2025 and years["population"] == 2024
    # up_to: the latest figure year up to it
    areas = areas_of(gate, "buurt", 2023)
    older = {c.layer.id: c.year for c in plan_columns(gate, gate.catalog, "buurt", 2023, areas,
                                                      up_to=2023)}
    assert older == {"crimes_registered": 2023, "health_good_pct": 2022}


def test_restricted_layers_are_in_no_collection_for_anonymous(gates: Gates,
                                                              source: Source) -> None:
    assert all("events_total" not in {c.layer.id for c in col.columns}
               for col in source.collections())
    analyst = gates.for_principal(Principal("analyst", frozenset({"ondermijning"})))
    theirs = Source(analyst, analyst.catalog, BoundedCache())
    assert "events_total" in {c.layer.id for c in theirs.collection("buurt_2023").columns}


def test_the_table_holds_the_published_figures_per_area(gate: Gate, source: Source) -> None:
    table = source.table(source.collection("buurt_2023"))
    codes = list(table.areas.frame["code"])
    assert codes == sorted(areas_of(gate, "buurt", 2023)["code"])
    for layer, year in (("population", 2024), ("crimes_registered", 2025)):
        rows = gate.values(indicators=[layer], codes=codes, year=year).set_index("code")
        expected = rows["value"].reindex(codes).to_numpy(dtype=float)
        assert table.values[layer].to_numpy() == pytest.approx(expected, nan_ok=True)
        assert list(table.values[f"{layer}_status"]) == list(
            rows["status"].reindex(codes).fillna("missing"))


def test_items_are_paged_by_limit_and_offset(gate: Gate, source: Source) -> None:
    codes = sorted(areas_of(gate, "buurt", 2023)["code"])
    first = page(source, "buurt_2023", limit="20")
    assert (first["numberMatched"], first["numberReturned"]) == (91, 20)
    assert [f["id"] for f in first["features"]] == codes[:20]
    rels = {link["rel"] for link in first["links"]}
    assert "next" in rels and "prev" not in rels

    last = page(source, "buurt_2023", limit="20", offset="80")
    assert (last["numberMatched"], last["numberReturned"]) == (91, 11)
    assert [f["id"] for f in last["features"]] == codes[80:]
    rels = {link["rel"] for link in last["links"]}
    assert "prev" in rels and "next" not in rels
    exact = page(source, "buurt_2023", limit="91")  # the last page exactly: no next page
    assert exact["numberReturned"] == 91
    assert "next" not in {link["rel"] for link in exact["links"]}
    beyond = page(source, "buurt_2023", offset="200")
    assert (beyond["numberMatched"], beyond["numberReturned"]) == (91, 0)

    people = gate.values(indicators=["population"], codes=codes[:20], year=2024)
    shown = dict(zip(people["code"], people["value"], strict=True))
    for feature in first["features"]:
        value = shown.get(feature["id"])
        assert feature["properties"]["population"] == (None if value != value else value)


def test_a_bbox_selects_the_areas_it_meets(gate: Gate, source: Source) -> None:
    areas = areas_of(gate, "buurt", 2023)
    minx, miny, maxx, maxy = areas.total_bounds
    box = (minx + 0.4 * (maxx - minx), miny + 0.4 * (maxy - miny),
           minx + 0.6 * (maxx - minx), miny + 0.6 * (maxy - miny))
    meets = sorted(areas.loc[areas.intersects(shapely.box(*box)), "code"])
    assert 3 < len(meets) < 91
    found = page(source, "buurt_2023", limit="1000", bbox=",".join(map(str, box)),
                 **{"bbox-crs": RD})
    assert found["numberMatched"] == len(meets)
    assert [f["id"] for f in found["features"]] == meets


def test_geometry_in_rd_or_crs84(gate: Gate, source: Source) -> None:
    areas = areas_of(gate, "buurt", 2023).set_index("code")
    rd = page(source, "buurt_2023", limit="5", crs=RD)
    for feature in rd["features"]:
        stored = areas.geometry[feature["id"]]
        assert shape(feature["geometry"]).area == pytest.approx(stored.area, rel=1e-4)
        assert shape(feature["geometry"]).bounds == pytest.approx(stored.bounds, abs=0.01)
    lonlat = page(source, "buurt_2023", limit="5")
    for feature in lonlat["features"]:
        minlon, minlat, maxlon, maxlat = shape(feature["geometry"]).bounds
        assert 4.3 < minlon < maxlon < 4.45 and 51.9 < minlat < maxlat < 52.1
    assert parse_items_query({}).crs == CRS84


def test_each_page_takes_its_rows_of_geometry_made_once_per_crs(gate: Gate) -> None:
    """The served geometry is made for all areas at once (by the warm-up for CRS84) and a page
    picks its rows: the same coordinates as reprojecting that page's areas on their own."""
    source = Source(gate, gate.catalog, BoundedCache())
    areas = source.table(source.collection("buurt_2023")).areas
    areas.prepare()
    made = areas.served(CRS84)
    assert areas.served(CRS84) is made and len(made) == len(areas.frame)
    later = page(source, "buurt_2023", limit="7", offset="30")
    assert areas.served(CRS84) is made  # the page made nothing new
    alone = areas.frame.iloc[30:37].geometry.to_crs("OGC:CRS84")
    for feature, own in zip(later["features"], alone, strict=True):
        assert shapely.equals_exact(shape(feature["geometry"]), own, tolerance=1.1e-6)
    rd = page(source, "buurt_2023", limit="2", crs=RD)
    assert areas.served(RD) is not None and shapely.equals_exact(
        shape(rd["features"][0]["geometry"]), areas.frame.geometry.iloc[0], tolerance=0.0051)


def test_the_collection_document_describes_each_column(source: Source) -> None:
    found = source.collection("buurt_2022")
    doc = collection_doc(found, LINKS, "json", "en")
    layers = {entry["id"]: entry for entry in doc["layers"]}
    assert set(layers) == {c.layer.id for c in found.columns}
    labels = layers["energy_label_share_efg"]
    assert (labels["year"], labels["figures_on_boundaries_of"], labels["tier"]) == (
        2026, 2022, "open")
    assert labels["synthetic"] is True and doc["synthetic"] is True
    assert layers["population"]["synthetic"] is False
    properties = schema(found, LINKS, "en")["properties"]
    for column in found.columns:
        assert column.layer.id in properties and f"{column.layer.id}_status" in properties
