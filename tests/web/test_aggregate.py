"""POST /api/aggregate: custom areas over the demo (Delft buurten 2023; the Den Haag test area's
14 buurten 2022 with their BAG address points and synthetic labels), checked against numbers
computed here from the published buurt figures and the points themselves."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from store_sql import execute_in_store
from web.tiers import HIDDEN

from geoinsight.catalog.energy_indicators import EXISTING
from geoinsight.settings import Settings

URL = "/api/aggregate"
RD = "EPSG:28992"
DELFT = ["BU05031101", "BU05031102"]  # two neighbouring Delft buurten, both published
#: a Delft buurt given a population of 3 here, so that its population is suppressed (the real
#: demo figures have no buurt that small)
SMALL = "BU05032504"


@pytest.fixture
def demo_settings(demo_settings: Settings) -> Settings:
    """The demo with one buurt of 3 inhabitants (of every year): small counts are suppressed."""
    assert execute_in_store(demo_settings, "UPDATE indicator_values SET value = 3, status = 'ok'"
                            " WHERE area_code = ? AND indicator = 'population'", (SMALL,))
    return demo_settings


def store_of(app: Flask) -> Any:
    return app.extensions["geoinsight"].gates.published


def buurt(app: Flask, code: str) -> shapely.Geometry:
    areas = store_of(app).areas(codes=[code])
    return areas.sort_values("year").geometry.iloc[-1]


def post(client: FlaskClient, geometry: shapely.Geometry | dict, crs: str | None = RD,
         **kwargs: Any) -> Any:
    doc = geometry if isinstance(geometry, dict) else json.loads(shapely.to_geojson(geometry))
    query = f"?crs={crs}" if crs else ""
    return client.post(URL + query, json=doc, **kwargs)


def layers(response: Any) -> dict[str, dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["layer"]: row for row in response.get_json()["layers"]}


def published(client: FlaskClient, layer: str, municipality: str) -> dict[str, Any]:
    body = client.get(f"/api/layers/{layer}/values?level=buurt&municipality={municipality}")
    return {r["code"]: r for r in body.get_json()["values"]}


def den_haag_box(app: Flask) -> shapely.Geometry:
    """A box over the middle of the Den Haag test area: parts of several buurten."""
    areas = store_of(app).areas(level="buurt", year=2022)
    minx, miny, maxx, maxy = areas.total_bounds
    return shapely.box(minx + 0.3 * (maxx - minx), miny + 0.3 * (maxy - miny),
                       minx + 0.6 * (maxx - minx), miny + 0.6 * (maxy - miny))


def test_two_whole_buurten_sum_their_published_figures(client: FlaskClient, app: Flask) -> None:
    union = shapely.union_all([buurt(app, c) for c in DELFT])
    response = post(client, union)
    body = response.get_json()
    assert body["level"] == "buurt" and body["boundary_year"] == 2023
    assert body["overlapping_areas"] == 2
    assert body["area"]["area_m2"] == pytest.approx(union.area, abs=0.1)
    minlon, minlat, maxlon, maxlat = body["area"]["bbox"]
    assert 4.3 < minlon < maxlon < 4.4 and 51.9 < minlat < maxlat < 52.1
    found = layers(response)
    people = published(client, "population", "GM0503")
    assert found["population"]["value"] == sum(people[c]["value"] for c in DELFT)
    # whole published buurten: their published sum, exactly
    assert found["population"]["status"] == "ok"
    assert found["population"]["method"] == "whole_areas"
    assert found["population"]["coverage"] == pytest.approx(1.0)
    assert found["population"]["year"] == 2024 and found["population"]["synthetic"] is False
    for row in found.values():
        assert set(row) - {"reason"} == {"layer", "title", "unit", "kind", "year", "value",
                                         "status", "method", "coverage", "synthetic"}


def test_part_of_a_buurt_is_weighted_by_its_area(client: FlaskClient, app: Flask) -> None:
    whole = buurt(app, DELFT[0])
    minx, miny, maxx, maxy = whole.bounds
    half = shapely.intersection(whole, shapely.box(minx, miny, (minx + maxx) / 2, maxy))
    share = half.area / whole.area
    found = layers(post(client, half))
    crimes = published(client, "crimes_registered", "GM0503")[DELFT[0]]
    assert found["crimes_registered"]["value"] == pytest.approx(crimes["value"] * share)
    density = published(client, "population_density", "GM0503")[DELFT[0]]
    assert found["population_density"]["value"] == pytest.approx(density["value"])


def test_one_whole_buurt_is_that_buurt(client: FlaskClient, app: Flask) -> None:
    found = layers(post(client, buurt(app, DELFT[0])))
    for layer in ("population", "woz_mean", "share_65_plus"):
        shown = published(client, layer, "GM0503")[DELFT[0]]
        assert (found[layer]["value"], found[layer]["status"]) == (shown["value"],
                                                                    shown["status"]), layer
        assert found[layer]["method"] == "identical"


def test_points_are_counted_exactly(client: FlaskClient, app: Flask) -> None:
    box = den_haag_box(app)
    found = layers(post(client, box))
    addresses = store_of(app).addresses()
    inside = addresses[addresses.geometry.within(box)]
    homes = inside[inside["gebruiksdoel"].fillna("").str.contains("woonfunctie")
                   & inside["status"].fillna("").str.lower().isin(EXISTING)]
    assert len(homes) > 100  # a real test: many points, several buurten
    assert found["dwellings"] == {**found["dwellings"], "value": float(len(homes)),
                                  "status": "ok", "method": "points", "year": 2022}
    labels = store_of(app).labels()
    valid = labels[labels["vbo_id"].isin(homes["vbo_id"])
                   & (labels["building_class"].fillna("W") == "W")
                   & (pd.to_datetime(labels["valid_until"]) >= pd.Timestamp(2026, 12, 31))]
    assert found["energy_labels_valid"]["value"] == float(len(valid))
    assert found["energy_labels_valid"]["synthetic"] is True
    poor = valid["energy_class"].isin(["E", "F", "G"]).sum()
    assert found["energy_label_share_efg"]["value"] == pytest.approx(100 * poor / len(valid))
    assert found["energy_label_share_efg"]["method"] == "points"


def test_methods_per_kind(client: FlaskClient, app: Flask) -> None:
    found = layers(post(client, den_haag_box(app)))
    assert found["population"]["method"] == "address_weighted"  # BAG points weigh the buurten
    assert found["household_size"]["method"] == "denominator_weighted"  # per household
    assert found["share_65_plus"]["method"] == "address_weighted"  # a ratio of two counts
    assert found["population_density"]["method"] == "address_weighted"
    assert found["population"]["status"] == "estimated"
    assert found["population"]["value"] % 5 == 0  # person counts rounded like a buurt's


def test_nothing_is_computed_around_a_suppressed_buurt(client: FlaskClient,
                                                      app: Flask) -> None:
    """An area that is mostly one suppressed buurt gets no figure: its neighbours' published
    slivers speak for too little of it."""
    people = published(client, "population", "GM0503")
    secret = next(c for c, r in people.items() if r["status"] == "secret")
    area = buurt(app, secret).buffer(30)  # the hidden buurt and slivers of its neighbours
    found = layers(post(client, area))
    assert found["population"]["value"] is None
    assert found["population"]["status"] in ("secret", "missing")
    assert found["share_65_plus"]["value"] is None


def whole_buurten(client: FlaskClient, layer: str) -> tuple[list[str], list[str]]:
    """Delft buurten (2023) whose ``layer`` figure is published, and those where it is not."""
    rows = published(client, layer, "GM0503")
    shown = sorted(c for c, r in rows.items() if r["status"] == "ok")
    hidden = sorted(c for c, r in rows.items() if r["status"] == "secret")
    return shown, hidden


def test_three_whole_buurten_return_their_published_sum(client: FlaskClient,
                                                       app: Flask) -> None:
    shown, _ = whole_buurten(client, "population")
    three = shown[:3]
    people = published(client, "population", "GM0503")
    exact = sum(people[c]["value"] for c in three)
    # drawn by hand: a metre over the edges into every neighbour (slivers are ignored)
    for area in (shapely.union_all([buurt(app, c) for c in three]),
                 shapely.union_all([buurt(app, c) for c in three]).buffer(1.0)):
        found = layers(post(client, area))["population"]
        assert (found["value"], found["status"], found["method"]) == (exact, "ok",
                                                                      "whole_areas")


def test_a_suppressed_neighbour_lowers_coverage_not_the_answer(client: FlaskClient,
                                                             app: Flask) -> None:
    """Thirty whole buurten, one of them suppressed: the published 29 answer, estimated, with
    the coverage saying how much of the area they stand for."""
    shown, hidden = whole_buurten(client, "population")
    assert hidden, "the demo has a buurt with a suppressed population"
    chosen = [*shown[:29], hidden[0]]
    area = shapely.union_all([buurt(app, c) for c in chosen])
    found = layers(post(client, area))
    people = published(client, "population", "GM0503")
    row = found["population"]
    assert row["status"] == "estimated"
    assert row["value"] == sum(people[c]["value"] for c in shown[:29])
    secret_share = buurt(app, hidden[0]).area / area.area
    assert row["coverage"] == pytest.approx(1 - secret_share, abs=0.01)
    statuses = {r["status"] for r in found.values() if r["method"] != "not_aggregable"}
    assert "secret" not in statuses  # no CBS layer reads "geheim" for the whole area


def test_differencing_two_areas_reveals_no_suppressed_figure(client: FlaskClient,
                                                            app: Flask) -> None:
    """Area B is area A plus one suppressed buurt: B - A would be that buurt's figure if it
    went in. Only published figures go in, so B and A give the same sum (docs/methods.md)."""
    shown, hidden = whole_buurten(client, "population")
    # enough published buurten around it that it is a small part of B
    secret = buurt(app, hidden[0])
    nearby = sorted(shown, key=lambda c: buurt(app, c).distance(secret))[:12]
    a = shapely.union_all([buurt(app, c) for c in nearby])
    b = shapely.union_all([a, secret])
    assert secret.area / b.area < 0.1
    found_a, found_b = layers(post(client, a)), layers(post(client, b))
    compared = 0
    for layer in ("population", "households", "crimes_registered"):
        own = published(client, layer, "GM0503")[hidden[0]]
        in_a, in_b = found_a[layer]["value"], found_b[layer]["value"]
        if in_a is None or in_b is None:
            continue
        compared += 1
        if own["status"] == "ok":  # a published figure: the difference is that figure
            assert in_b - in_a == pytest.approx(own["value"]), layer
        else:  # a hidden one: no difference at all
            assert in_b == pytest.approx(in_a), layer
    assert compared >= 2


def test_composite_index_is_not_aggregable(app: Flask, token_for: Callable) -> None:
    client = app.test_client()
    found = layers(post(client, buurt(app, DELFT[0]),
                        headers=token_for("els", "staff")))
    index = found["social_vulnerability_index"]
    assert (index["value"], index["status"], index["method"]) == (None, "missing",
                                                                  "not_aggregable")


def test_bow_tie_is_refused_with_the_reason(client: FlaskClient) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[4.35, 52.0], [4.36, 52.01], [4.36, 52.0],
                                                   [4.35, 52.01], [4.35, 52.0]]]}
    response = post(client, bow_tie, crs=None)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_geometry" and "Self-intersection" in error["message"]


def test_not_a_polygon_and_not_geojson(client: FlaskClient) -> None:
    point = post(client, {"type": "Point", "coordinates": [4.35, 52.0]}, crs=None)
    assert point.status_code == 400 and point.get_json()["error"]["code"] == "not_a_polygon"
    garbage = client.post(URL, data="not json", content_type="application/json")
    assert garbage.status_code == 400 and garbage.get_json()["error"]["code"] == "bad_geojson"
    bad_crs = post(client, shapely.box(4.35, 52.0, 4.36, 52.01), crs="EPSG:3857")
    assert bad_crs.get_json()["error"]["code"] == "bad_crs"
    rd_as_lonlat = post(client, shapely.box(84000, 447000, 84100, 447100), crs=None)
    assert rd_as_lonlat.status_code == 400 and "EPSG:28992" in \
        rd_as_lonlat.get_json()["error"]["message"]


def test_malformed_input_is_a_400_never_a_500(client: FlaskClient) -> None:
    box = {"type": "Polygon", "coordinates": [[[4.35, 52.0], [4.36, 52.0], [4.36, 52.01],
                                               [4.35, 52.01], [4.35, 52.0]]]}
    deep = "[" * 5000 + "]" * 5000
    nested = ('{"type": "GeometryCollection", "geometries": [' * 900 + json.dumps(box)
              + "]}" * 900)  # parses, then the walk through it recurses
    for body, code in (
            ({"type": "FeatureCollection", "features": [1]}, "bad_geojson"),
            ({**box, "crs": {"properties": "x"}}, None),  # a broken legacy member: ignored
            ({**box, "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}, None),
            (deep, "bad_geojson"), (nested, "bad_geojson")):
        data = body if isinstance(body, str) else json.dumps(body)
        response = client.post(URL, data=data, content_type="application/json")
        assert response.status_code == (400 if code else 200), (str(body)[:60], response.data)
        if code:
            assert response.get_json()["error"]["code"] == code
    # the query parameter must say CRS84 for longitude, latitude (EPSG:4326 is lat, lon)
    latlon = post(client, shapely.box(4.35, 52.0, 4.36, 52.01), crs="EPSG:4326")
    assert latlon.status_code == 400 and "CRS84" in latlon.get_json()["error"]["message"]


def test_a_broken_zip_is_a_bad_upload(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(geometry=[buurt(app, DELFT[0])], crs=RD)
    data = bytearray(_zipped_shapefile(frame, tmp_path / "shp"))
    start = data.find(b"area.shp") + 40  # inside the first member's compressed data
    data[start:start + 8] = b"\xff" * 8
    response = client.post(URL, data={"file": (io.BytesIO(bytes(data)), "area.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_upload"
    assert "/tmp" not in response.get_json()["error"]["message"]


def test_too_many_vertices(client: FlaskClient, app: Flask) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_vertices
    circle = shapely.Point(85000, 446000).buffer(500, quad_segs=limit // 4 + 1)
    response = post(client, circle)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "too_many_vertices"


def test_too_large_is_413(client: FlaskClient, app: Flask) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_upload_bytes
    big = b"{" + b" " * limit + b"}"
    response = client.post(URL, data={"file": (io.BytesIO(big), "area.geojson")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    as_json = client.post(URL, data=big, content_type="application/json")
    assert as_json.status_code == 413


def test_outside_the_data_is_an_empty_answer(client: FlaskClient) -> None:
    response = post(client, shapely.box(10.0, 50.0, 10.01, 50.01), crs=None)  # Germany
    assert response.status_code == 200
    body = response.get_json()
    assert body["layers"] == [] and body["overlapping_areas"] == 0
    assert body["area"]["vertices"] == 5


def _zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path) -> bytes:
    folder.mkdir()
    frame.to_file(folder / "area.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, f"gebied/{part.name}")  # in a folder, as zips often are
    return buffer.getvalue()


def test_uploads_give_the_json_answer(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    box = den_haag_box(app)
    expected = post(client, box).get_json()
    frame = gpd.GeoDataFrame({"name": ["mijn gebied"]}, geometry=[box], crs=RD)
    frame.to_file(tmp_path / "area.gpkg")
    frame.to_crs("EPSG:4326").to_file(tmp_path / "area.geojson")
    files = {"area.gpkg": (tmp_path / "area.gpkg").read_bytes(),
             "area.zip": _zipped_shapefile(frame, tmp_path / "shp"),
             "area.geojson": json.dumps(json.loads(shapely.to_geojson(box)) | {
                 "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}}).encode()}
    for name, data in files.items():
        response = client.post(URL, data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        assert response.get_json()["layers"] == expected["layers"], name
    lonlat = client.post(URL, data={"file": (io.BytesIO((tmp_path / "area.geojson")
                                                        .read_bytes()), "area.geojson")},
                         content_type="multipart/form-data")
    assert layers(lonlat)["dwellings"]["value"] == layers(
        client.post(URL + f"?crs={RD}", json=json.loads(shapely.to_geojson(box))))[
        "dwellings"]["value"]
    nothing = client.post(URL, data={"other": "x"}, content_type="multipart/form-data")
    assert nothing.get_json()["error"]["code"] == "no_file"
    text = client.post(URL, data={"file": (io.BytesIO(b"hello"), "a.txt")},
                       content_type="multipart/form-data")
    assert text.get_json()["error"]["code"] == "bad_upload"


def test_restricted_layers_only_for_their_role(tiered_app: Flask, token_for: Callable) -> None:
    client = tiered_app.test_client()
    area = buurt(tiered_app, DELFT[0]).buffer(-20)
    anonymous = layers(post(client, area))
    assert not set(HIDDEN) & set(anonymous) and "events_total" not in anonymous
    staff = layers(post(client, area, headers=token_for("els", "staff")))
    assert "zz_internal_layer" in staff and "zz_restricted_layer" not in staff
    role = layers(post(client, area, headers=token_for("piet", "ondermijning")))
    assert {"zz_restricted_layer", "events_total"} <= set(role)
    assert role["events_total"]["synthetic"] is True
    entries = tiered_app.extensions["geoinsight"].audit.entries()
    assert "piet" in set(entries["who"]) and "anonymous" not in set(entries["who"])


def test_browser_posts_need_the_csrf_token(app: Flask, demo_settings: Any) -> None:
    from geoinsight.privacy.accounts import open_accounts

    open_accounts(demo_settings).add_user("jan", ["staff"], "a long enough password")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)  # type: ignore
    client.post("/login", data={"name": "jan", "password": "a long enough password",
                                "csrf_token": token})
    area = buurt(app, DELFT[0])
    refused = post(client, area)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_csrf"
    page = client.get("/login").get_data(as_text=True)
    session_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore
    accepted = post(client, area, headers={"X-CSRF-Token": session_token})
    assert accepted.status_code == 200
    assert "social_vulnerability_index" in layers(accepted)  # staff see internal layers


def test_year_means_as_of(client: FlaskClient, app: Flask) -> None:
    box = den_haag_box(app)
    found = layers(client.post(f"{URL}?crs={RD}&year=2024", json=json.loads(
        shapely.to_geojson(box))))
    assert (found["dwellings"]["year"], found["dwellings"]["method"]) == (2022, "points")
    assert found["population"]["year"] == 2024
    labels = found["energy_labels_valid"]  # the labels are of 2026: nothing up to 2024
    assert (labels["year"], labels["value"], labels["status"]) == (2024, None, "missing")
    bad = client.post(f"{URL}?year=soon", json=json.loads(shapely.to_geojson(box)))
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_year"


def test_rates_fail_closed_where_the_population_cannot_be_told(client: FlaskClient,
                                                              app: Flask) -> None:
    """Inside a buurt whose population is suppressed, the area's inhabitants are unknown: its
    means and rates are suppressed, as for an area below the minimum population."""
    population = published(client, "population", "GM0503")
    hidden = sorted(code for code, row in population.items() if row["status"] == "secret")
    assert hidden, "the demo has a buurt with a suppressed population"
    spot = buurt(app, hidden[0]).representative_point().buffer(5)
    answer = layers(post(client, spot))
    assert answer["woz_mean"]["status"] == "secret" and answer["woz_mean"]["value"] is None, \
        answer["woz_mean"]
    assert answer["household_size"]["status"] == "secret"


def test_anonymous_custom_areas_are_rate_limited(
        demo_settings: Any, token_for: Callable[[str, str], dict[str, str]]) -> None:
    """A big polygon costs seconds of CPU: anonymous clients get a few a minute, then 429."""
    from dataclasses import replace

    from manual_clock import ManualClock

    from geoinsight.web import create_app
    from geoinsight.web.auth import accounts_of

    assert demo_settings.aggregate_rate_per_minute == 30  # the default
    app = create_app(replace(demo_settings, aggregate_rate_per_minute=3))
    app.config["TESTING"] = True
    clock = ManualClock()
    accounts_of(app).clock = clock
    client = app.test_client()
    area = buurt(app, DELFT[0])
    assert [post(client, area).status_code for _ in range(3)] == [200] * 3
    clock.advance(10)
    refused = post(client, area)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "50"
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert refused.get_json()["error"]["status"] == 429
    assert post(client, {"type": "Point"}).status_code == 429  # refused before it is read
    assert post(client, area, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    assert post(client, area, headers=token_for("jan", "staff")).status_code == 200
    clock.advance(50)
    assert post(client, area).status_code == 200
    whats = list(app.extensions["geoinsight"].audit.entries()["what"])
    assert whats.count("custom area aggregate: rate limited, retry after 50 s") == 2
