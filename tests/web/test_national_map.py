"""National maps (issue 12): a level asked without a gemeente is every area of that level the
store holds, drawn from coarse overview geometry, with each gemeente's detail on zoom."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import shapely
from builders import gemeente_buurten
from flask import Flask
from flask.testing import FlaskClient

from geoinsight.demo import load_demo_for
from geoinsight.ingest import ingest_boundaries
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.web import create_app

DELFT, DEN_HAAG = "GM0503", "GM0518"
DELFT_BUURTEN = 91


def with_den_haag(settings: Settings, year: int) -> Flask:
    """The demo (Delft's 91 buurten of 2023) and four buurten of Den Haag of ``year``."""
    source = settings.data_dir / "den_haag.gpkg"
    gemeente_buurten(DEN_HAAG, "'s-Gravenhage", 4, 78000.0, 452000.0).to_file(source)
    ingest_boundaries(open_store(settings), source, year=year)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def map_config(page: str) -> dict[str, Any]:
    found = re.search(r"geoinsightChoropleth\([^,]+, (\{.*?\})\);", page)
    assert found is not None, "no map config in the page"
    return json.loads(found.group(1))


@pytest.fixture
def national(demo_settings: Settings) -> FlaskClient:
    return with_den_haag(demo_settings, 2023).test_client()


def test_a_level_without_a_gemeente_is_every_area_of_it(national: FlaskClient) -> None:
    page = national.get("/map/population?level=buurt").get_data(as_text=True)
    config = map_config(page)
    assert "detail=overview" in config["areas_url"]
    assert "municipality" not in config["areas_url"]
    assert config["refine_url"].endswith("&municipality={gemeente}")
    assert "municipality" not in config["values_url"]
    # the picker says so: "all gemeenten" is chosen, and offered at the buurt level
    assert re.search(r'<option value="" data-levels="[a-z ]*\bbuurt\b[a-z ]*" selected', page)
    features = national.get(config["areas_url"]).get_json()["features"]
    gemeenten = [f["properties"]["gemeente_code"] for f in features]
    assert gemeenten.count(DELFT) == DELFT_BUURTEN and gemeenten.count(DEN_HAAG) == 4
    values = national.get(config["values_url"].replace("{layer}", "population")).get_json()
    assert {v["code"] for v in values["values"]} == {f["properties"]["code"] for f in features}
    # one legend for the country: the classes count every area shown
    assert sum(c["count"] for c in values["classes"]) + sum(
        n["count"] for n in values["nodata"]) == DELFT_BUURTEN + 4


def test_a_gemeente_map_is_as_before(national: FlaskClient) -> None:
    config = map_config(national.get(f"/map/population?level=buurt&municipality={DELFT}")
                        .get_data(as_text=True))
    assert config["refine_url"] is None
    assert "detail" not in config["areas_url"] and f"municipality={DELFT}" in config["areas_url"]


def test_the_front_page_still_opens_on_one_gemeente(national: FlaskClient) -> None:
    config = map_config(national.get("/").get_data(as_text=True))
    assert config["refine_url"] is None and "municipality=GM" in config["areas_url"]


def test_overview_geometry_is_the_same_areas_with_fewer_vertices(national: FlaskClient) -> None:
    full = national.get("/api/areas?level=buurt&year=2023").get_json()["features"]
    coarse = national.get("/api/areas?level=buurt&year=2023&detail=overview").get_json()[
        "features"]
    assert [f["properties"] for f in coarse] == [f["properties"] for f in full]

    def vertices(features: list[dict[str, Any]]) -> int:
        return int(sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
                       for f in features))

    assert vertices(coarse) < 0.7 * vertices(full)
    # still a coverage: the coarse buurten tile what the full ones do (no slivers or gaps
    # beyond the tolerance)
    area = shapely.union_all([shapely.from_geojson(json.dumps(f["geometry"])) for f in full])
    assert all(shapely.is_valid(shapely.from_geojson(json.dumps(f["geometry"]))) for f in coarse)
    assert area.area > 0


def test_an_unknown_detail_is_a_clear_error(national: FlaskClient) -> None:
    answer = national.get("/api/areas?level=buurt&detail=fine")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_detail"


def test_the_wijk_level_is_national_too(national: FlaskClient) -> None:
    config = map_config(national.get("/map/population?level=wijk").get_data(as_text=True))
    assert config["refine_url"] is not None
    features = national.get(config["areas_url"]).get_json()["features"]
    # Den Haag's file held buurten only: the wijken shown are every wijk the store holds
    assert {f["properties"]["gemeente_code"] for f in features} == {DELFT}


def test_gemeenten_with_areas_of_other_years_only_are_named(demo_settings: Settings) -> None:
    """Rotterdam's buurten of 2021 (and the demo's Den Haag and Leidschendam-Voorburg buurten of
    2022) are not on a map of the 2023 indeling, and the page names them."""
    source = demo_settings.data_dir / "rotterdam.gpkg"
    gemeente_buurten("GM0599", "Rotterdam", 4, 92000.0, 437000.0).to_file(source)
    ingest_boundaries(open_store(demo_settings), source, year=2021)
    client = create_app(demo_settings).test_client()
    page = client.get("/map/population?level=buurt").get_data(as_text=True)
    notice = re.search(r'gi-map-notice[^>]*>([^<]*)<', page)
    assert notice is not None
    assert notice.group(1).startswith("Niet op deze kaart (geen buurtgrenzen van 2023 in de "
                                      "opslag): &#39;s-Gravenhage, Leidschendam-Voorburg, "
                                      "Rotterdam.")
    config = map_config(page)
    codes = {f["properties"]["gemeente_code"]
             for f in client.get(config["areas_url"]).get_json()["features"]}
    assert codes == {DELFT}
    english = client.get("/map/population?level=buurt&lang=en").get_data(as_text=True)
    assert "Not on this map (no neighbourhood boundaries of 2023 in the store): " \
           "&#39;s-Gravenhage, Leidschendam-Voorburg, Rotterdam." in english


def test_a_restricted_finding_is_not_remembered_for_anonymous(tiered_app: Flask,
                                                              token_for: Any) -> None:
    signed = tiered_app.test_client().get("/map/population?level=buurt",
                                          headers=token_for("ot", "ondermijning"))
    assert "zz_restricted_layer" in signed.get_data(as_text=True)
    anonymous = tiered_app.test_client().get("/map/population?level=buurt")
    assert anonymous.status_code == 200
    assert "zz_restricted_layer" not in anonymous.get_data(as_text=True)
    assert "Verborgen beperkte laag" not in anonymous.get_data(as_text=True)


def test_bounds_of_a_gemeente_map_hold_its_areas(national: FlaskClient, tmp_path: Path) -> None:
    page = national.get(f"/map/population?level=buurt&municipality={DEN_HAAG}").get_data(
        as_text=True)
    fitted = re.search(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\], \[([\d.]+), ([\d.]+)\]\]", page)
    assert fitted is not None
    south, west, north, east = map(float, fitted.groups())
    features = national.get(f"/api/areas?level=buurt&municipality={DEN_HAAG}").get_json()
    minx, miny, maxx, maxy = features["bbox"]
    assert south <= miny + 1e-4 and west <= minx + 1e-4
    assert north >= maxy - 1e-4 and east >= maxx - 1e-4
    assert north - south < 0.1  # the gemeente, not the country


# -- provinces -----------------------------------------------------------------------------------

GRONINGEN_GM = "GM0014"


@pytest.fixture(params=["gpkg", "postgis"])
def province_settings(request: pytest.FixtureRequest, demo_settings: Settings) -> Settings:
    """The demo in the GeoPackage store, or loaded into a PostGIS store of its own."""
    if request.param == "gpkg":
        return demo_settings
    settings = replace(demo_settings, database_url=request.getfixturevalue("pg_url"))
    load_demo_for(settings)
    return settings


@pytest.fixture
def two_provinces(province_settings: Settings) -> FlaskClient:
    """Delft (demo) and Den Haag in Zuid-Holland, and four buurten of Groningen in Groningen,
    on both stores."""
    demo_settings = province_settings
    app = with_den_haag(demo_settings, 2023)
    source = demo_settings.data_dir / "groningen.gpkg"
    gemeente_buurten(GRONINGEN_GM, "Groningen", 4, 233000.0, 582000.0).to_file(source)
    ingest_boundaries(open_store(demo_settings), source, year=2023)
    return app.test_client()


def gemeenten_of(client: FlaskClient, url: str) -> set[str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return {f["properties"]["gemeente_code"] for f in answer.get_json()["features"]}


def test_a_province_is_the_areas_of_its_gemeenten(two_provinces: FlaskClient) -> None:
    base = "/api/areas?level=buurt&detail=overview"
    assert gemeenten_of(two_provinces, base) == {DELFT, DEN_HAAG, GRONINGEN_GM}
    assert gemeenten_of(two_provinces, base + "&province=PV28") == {DELFT, DEN_HAAG}
    # by name too, any case, with or without accents
    assert gemeenten_of(two_provinces, base + "&province=zuid-holland") == {DELFT, DEN_HAAG}
    assert gemeenten_of(two_provinces, base + "&province=Groningen") == {GRONINGEN_GM}
    values = two_provinces.get("/api/layers/population/values?level=buurt&province=PV20"
                               "&format=json").get_json()
    assert {v["code"][:6] for v in values["values"]} == {"BU0014"}
    # a gemeente wins over a province
    assert gemeenten_of(two_provinces, f"/api/areas?level=buurt&province=PV20"
                        f"&municipality={DELFT}") == {DELFT}


def test_an_empty_province_says_so(two_provinces: FlaskClient) -> None:
    answer = two_provinces.get("/api/layers/population/values?level=buurt&province=PV29"
                               "&format=json")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "no_areas"
    assert "PV29" in answer.get_json()["error"]["message"]


def test_an_unknown_province_is_a_clear_error(two_provinces: FlaskClient) -> None:
    answer = two_provinces.get("/api/areas?level=buurt&province=Atlantis")
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "bad_province" and "PV26 (Utrecht)" in error["message"]


def test_the_province_map_page(two_provinces: FlaskClient) -> None:
    page = two_provinces.get("/map/population?level=buurt&province=PV28").get_data(as_text=True)
    config = map_config(page)
    assert "province=PV28" in config["areas_url"] and "province=PV28" in config["values_url"]
    assert re.search(r'<option value="PV28" selected>Zuid-Holland</option>', page)
    assert "buurt · Zuid-Holland · " in page
    assert gemeenten_of(two_provinces, config["areas_url"]) == {DELFT, DEN_HAAG}
    english = two_provinces.get("/map/population?level=buurt&lang=en").get_data(as_text=True)
    assert '<option value="">Whole country</option>' in english


def test_what_a_page_remembers_is_forgotten_after_an_ingest(demo_settings: Settings) -> None:
    app = create_app(demo_settings)
    client = app.test_client()
    before = re.search(r'gi-map-notice[^>]*>([^<]*)<',
                       client.get("/map/population?level=buurt").get_data(as_text=True))
    assert before is not None and "Rotterdam" not in before.group(1)
    source = demo_settings.data_dir / "rotterdam.gpkg"
    gemeente_buurten("GM0599", "Rotterdam", 4, 92000.0, 437000.0).to_file(source)
    ingest_boundaries(open_store(demo_settings), source, year=2021)
    after = client.get("/map/population?level=buurt").get_data(as_text=True)
    notice = re.search(r'gi-map-notice[^>]*>([^<]*)<', after)
    assert notice is not None and "Rotterdam" in notice.group(1)


def test_a_province_map_downloads_the_province(two_provinces: FlaskClient) -> None:
    page = two_provinces.get("/map/population?level=buurt&province=PV28").get_data(as_text=True)
    csv_link = re.search(r'data-format="csv" data-href="([^"]+)"', page)
    assert csv_link is not None and "province=PV28" in csv_link.group(1)
    answer = two_provinces.get(csv_link.group(1).replace("{layer}", "population")
                               .replace("&amp;", "&"))
    assert answer.status_code == 200
    rows = answer.get_data(as_text=True).splitlines()[1:]
    assert {row.split(",")[0][:6] for row in rows} == {"BU0503", "BU0518"}
    assert "PV28" in answer.headers["Content-Disposition"]
