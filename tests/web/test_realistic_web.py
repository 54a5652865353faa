"""Every route on a store as a municipality builds it (tests/realistic.py): no area ever shows
the figure of another area that happens to carry its code in a newer indeling."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from realistic import REUSED, figures_2024, realistic_app


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield realistic_app(tmp_path_factory.mktemp("realistic-web"))


@pytest.fixture
def real_client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


WRONG = figures_2024()


def numbers(doc: Any) -> list[float]:
    """Every number anywhere in a JSON document."""
    if isinstance(doc, dict):
        return [n for v in doc.values() for n in numbers(v)]
    if isinstance(doc, list):
        return [n for v in doc for n in numbers(v)]
    if isinstance(doc, (int, float)) and not isinstance(doc, bool):
        return [float(doc)]
    return []


def test_profiles_show_no_figure_of_the_new_buurt(real_client: FlaskClient) -> None:
    for code in REUSED:
        doc = real_client.get(f"/api/areas/{code}").get_json()
        assert doc["boundary_year"] == 2021
        assert WRONG[code] not in numbers(doc["indicators"]), code
        page = real_client.get(f"/areas/{code}")
        assert page.status_code == 200
        assert f"{int(WRONG[code]):,}".replace(",", ".") not in page.get_data(as_text=True)


def test_maps_planning_exports_and_ogc_show_none_of_them(real_client: FlaskClient) -> None:
    values = real_client.get("/api/layers/population/values?level=buurt&municipality=GM0233")
    if values.status_code == 200:
        rows = {r["code"]: r for r in values.get_json()["values"]}
        assert all(rows[c]["value"] != WRONG[c] for c in REUSED)
    else:
        assert values.get_json()["error"]["code"] == "no_values"
    plan = real_client.get("/api/planning?level=buurt&municipality=GM0233").get_json()
    for row in plan.get("rows", []):
        if row["code"] in REUSED:
            assert WRONG[row["code"]] not in numbers(row["inputs"])
    export = real_client.get("/api/export/population?level=buurt&municipality=GM0233"
                             "&format=csv&year=2024")
    if export.status_code == 200:
        for row in csv.DictReader(io.StringIO(export.get_data(as_text=True))):
            assert row["code"] not in REUSED or row["population"] in ("", None)
    items = real_client.get("/ogc/collections/buurt_2021/items?limit=100").get_json()
    for feature in items["features"]:
        code = feature["properties"]["code"]
        if code in REUSED:
            assert WRONG[code] not in numbers(feature["properties"]), code


def test_a_drawn_area_over_a_reused_buurt_reads_no_2024_figure(real_client: FlaskClient,
                                                               real_app: Flask) -> None:
    from geoinsight.web.context import state

    with real_app.app_context():
        areas = state().gates.published.areas(codes=["BU02330001"]).to_crs(4326)
    ring = shapely.geometry.mapping(areas.geometry.iloc[0].buffer(0))
    answer = real_client.post("/api/aggregate", json={"type": "Feature", "properties": {},
                                                     "geometry": ring}).get_json()
    population = [lay for lay in answer["layers"] if lay["layer"] == "population"]
    assert all(p["value"] != WRONG["BU02330001"] for p in population)
    assert all(p["year"] != 2024 for p in population)


def test_the_gemeente_level_shows_the_2024_gemeente_figures(real_client: FlaskClient) -> None:
    doc = real_client.get("/api/layers/population/values?level=gemeente").get_json()
    assert doc["year"] == 2024 and doc["boundary_year"] == 2023
    ermelo = next(r for r in doc["values"] if r["code"] == "GM0233")
    assert ermelo["status"] == "ok"




def test_a_drawn_area_without_stated_inhabitants_keeps_its_published_means(
        real_client: FlaskClient, real_app: Flask) -> None:
    """The 2021 buurtkaart of Ermelo states no inhabitants. A drawn area over its buurten is
    then no less safe than those buurten, whose own address density is published: it gets the
    area-weighted mean of their figures, not "geheim" (the last review's drawn area)."""
    from geoinsight.web.context import state

    density = real_client.get("/api/layers/address_density/values?level=buurt"
                              "&municipality=GM0233").get_json()
    published = [r["value"] for r in density["values"] if r["status"] == "ok"]
    people = real_client.get("/api/layers/population/values?level=buurt&municipality=GM0233")
    assert people.status_code != 200 or all(
        r["status"] == "missing" for r in people.get_json()["values"])  # precondition
    with real_app.app_context():
        areas = state().gates.published.areas(level="buurt", municipality="GM0233",
                                              year=2021).to_crs(4326)
    box = shapely.geometry.box(*areas.geometry.iloc[:4].union_all().bounds)
    answer = real_client.post("/api/aggregate", json={
        "type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(box)}).get_json()
    row = next(lay for lay in answer["layers"] if lay["layer"] == "address_density")
    assert row["status"] in ("ok", "estimated"), row
    assert min(published) <= row["value"] <= max(published)


def test_the_national_buurt_map_shows_the_buurten_held_with_their_own_figures(
        real_client: FlaskClient) -> None:
    """National gemeenten, Ermelo's buurten of 2021, the national 2024 table: the national buurt
    map is Ermelo's buurten (the only ones held), and the re-coded ones carry no 2024 figure."""
    page = real_client.get("/map/population?level=buurt")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "detail=overview" in html
    areas = real_client.get("/api/areas?level=buurt&detail=overview").get_json()["features"]
    assert areas and {f["properties"]["gemeente_code"] for f in areas} == {"GM0233"}
    assert {f["properties"]["year"] for f in areas} == {2021}
    values = real_client.get("/api/layers/population/values?level=buurt&format=json").get_json()
    shown = {v["code"]: v for v in values["values"]}
    assert set(shown) == {f["properties"]["code"] for f in areas}
    for code in REUSED:
        assert shown[code]["value"] is None and shown[code]["reason"] == "other_boundaries"
