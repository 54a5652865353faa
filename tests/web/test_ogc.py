"""OGC API – Features under /ogc, with the Flask test client on the demo store.

The demo holds Delft's 2023 gemeente, 13 wijken and 91 buurten with KWB 2024 figures, and 14
buurten of 2022 in Den Haag and Leidschendam-Voorburg with synthetic 2026 energy labels: four
collections, the last one a gemeente mosaic whose figures are read per gemeente.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer
from shapely.geometry import shape
from web.tiers import HIDDEN

from geoinsight.ogc import CONFORMANCE, MAX_LIMIT
from geoinsight.ogc.crs import CRS84, RD
from geoinsight.web.context import state

COLLECTIONS = {"gemeente_2023": 1, "wijk_2023": 13, "buurt_2023": 91, "buurt_2022": 14}
CODE = "BU05031102"
RD_PARAM = "http://www.opengis.net/def/crs/EPSG/0/28992"


def error_of(response: Any) -> dict[str, Any]:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def rels(doc: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for link in doc["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def local(href: str) -> str:
    """An absolute link of the test server as a path the test client can follow."""
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def all_features(client: FlaskClient, url: str, **headers: str) -> list[dict[str, Any]]:
    """Follow ``next`` links from ``url`` to the end."""
    features: list[dict[str, Any]] = []
    seen = set()
    while url:
        assert url not in seen, "a next link points back"
        seen.add(url)
        page = client.get(url, headers=headers).get_json()
        assert page["numberReturned"] == len(page["features"])
        features += page["features"]
        nexts = rels(page).get("next", [])
        url = local(nexts[0]["href"]) if nexts else ""
    return features


# --- landing, conformance, collections ------------------------------------------------------


def test_landing_page_links(client: FlaskClient) -> None:
    for url in ("/ogc", "/ogc/"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json"
    doc = client.get("/ogc").get_json()
    links = rels(doc)
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["service-desc"][0]["type"].startswith("application/vnd.oai.openapi+json")
    for rel in ("service-desc", "conformance", "data"):
        assert client.get(local(links[rel][0]["href"])).status_code == 200
    assert links["data"][0]["href"].startswith("http://localhost/ogc/collections")


def test_conformance(client: FlaskClient) -> None:
    doc = client.get("/ogc/conformance").get_json()
    assert doc["conformsTo"] == CONFORMANCE
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in doc["conformsTo"]


def test_collections_one_per_level_and_boundary_year(client: FlaskClient) -> None:
    doc = client.get("/ogc/collections").get_json()
    found = {c["id"]: c for c in doc["collections"]}
    assert list(found) == list(COLLECTIONS)
    for cid, c in found.items():
        assert c["itemType"] == "feature"
        assert c["crs"] == [CRS84, RD] and c["storageCrs"] == RD
        minx, miny, maxx, maxy = c["extent"]["spatial"]["bbox"][0]
        assert 4.2 < minx < maxx < 4.5 and 51.9 < miny < maxy < 52.2
        assert {"items", "self"} <= set(rels(c))
        assert c["layers"], cid
        for layer in c["layers"]:
            assert layer["id"] in c["description"]
            assert {"unit", "source", "licence", "synthetic", "year"} <= set(layer)
    buurt = {layer["id"]: layer for layer in found["buurt_2023"]["layers"]}
    assert buurt["population"]["year"] == 2024
    assert buurt["population"]["figures_on_boundaries_of"] == 2023
    assert "income_per_inhabitant" not in buurt  # a gemeente/wijk layer
    den_haag = {layer["id"]: layer for layer in found["buurt_2022"]["layers"]}
    assert den_haag["energy_label_share_efg"]["year"] == 2026
    assert den_haag["energy_label_share_efg"]["synthetic"] is True
    assert found["buurt_2022"]["synthetic"] is True
    # Delft has no energy labels: left out of its collections, not shown as empty
    assert "energy_label_share_efg" not in buurt


def test_collection_and_its_schema(client: FlaskClient) -> None:
    doc = client.get("/ogc/collections/buurt_2023").get_json()
    assert doc["id"] == "buurt_2023" and rels(doc)["self"][0]["type"] == "application/json"
    schema = client.get("/ogc/collections/buurt_2023/schema")
    assert schema.mimetype == "application/schema+json"
    props = schema.get_json()["properties"]
    for layer in doc["layers"]:
        assert props[layer["id"]]["type"] == ["number", "null"]
        assert "ok" in props[layer["id"] + "_status"]["enum"]
    queryables = client.get("/ogc/collections/buurt_2023/queryables").get_json()
    assert set(queryables["properties"]) == {"gemeente_code"}


# --- items --------------------------------------------------------------------------------


@pytest.mark.parametrize(("cid", "count"), sorted(COLLECTIONS.items()))
def test_paging_with_next_links_reaches_every_feature(client: FlaskClient, cid: str,
                                                      count: int) -> None:
    first = client.get(f"/ogc/collections/{cid}/items?limit=4")
    assert first.status_code == 200 and first.mimetype == "application/geo+json"
    assert first.headers["Content-Crs"] == f"<{CRS84}>"
    page = first.get_json()
    assert page["type"] == "FeatureCollection" and page["numberMatched"] == count
    assert page["numberReturned"] == min(4, count) and page["timeStamp"].endswith("Z")
    assert "prev" not in rels(page)
    features = all_features(client, f"/ogc/collections/{cid}/items?limit=4")
    ids = [f["id"] for f in features]
    assert len(ids) == count == len(set(ids)) and ids == sorted(ids)
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in features)


def test_default_limit_offset_and_prev(client: FlaskClient) -> None:
    page = client.get("/ogc/collections/buurt_2023/items").get_json()
    assert page["numberReturned"] == 10
    second = client.get(local(rels(page)["next"][0]["href"])).get_json()
    assert parse_qs(urlsplit(rels(second)["prev"][0]["href"]).query).get("offset") is None
    assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in page["features"])
    past_end = client.get("/ogc/collections/buurt_2023/items?offset=500").get_json()
    assert past_end["numberReturned"] == 0 and past_end["numberMatched"] == 91
    big = client.get(f"/ogc/collections/buurt_2023/items?limit={MAX_LIMIT * 5}").get_json()
    assert big["numberReturned"] == 91 and "next" not in rels(big)


def _rd_point(app: Flask, code: str) -> tuple[float, float]:
    with app.app_context():
        areas = state().gates.published.areas(codes=[code])
    point = areas.geometry.iloc[-1].representative_point()
    return point.x, point.y


def test_bbox_in_crs84_and_rd_give_the_same_ids(app: Flask, client: FlaskClient) -> None:
    to_lonlat = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)
    for code in (CODE, "BU05031100", "BU05032902"):
        x, y = _rd_point(app, code)
        lon, lat = to_lonlat.transform(x, y)
        rd = client.get(f"/ogc/collections/buurt_2023/items?bbox={x - 1},{y - 1},{x + 1},{y + 1}"
                        f"&bbox-crs={RD_PARAM}").get_json()
        deg = client.get(f"/ogc/collections/buurt_2023/items?bbox={lon - 1e-5},{lat - 1e-5},"
                         f"{lon + 1e-5},{lat + 1e-5}").get_json()
        assert [f["id"] for f in rd["features"]] == [f["id"] for f in deg["features"]] == [code]
    whole = client.get("/ogc/collections/buurt_2023/items?bbox=70000,430000,100000,460000"
                       "&bbox-crs=EPSG:28992&limit=1000").get_json()
    assert whole["numberMatched"] == 91
    nowhere = client.get("/ogc/collections/buurt_2023/items?bbox=5.5,53.0,5.6,53.1").get_json()
    assert nowhere["numberMatched"] == 0
    # next links keep the filter
    page = client.get("/ogc/collections/buurt_2023/items?bbox=4.0,51.0,5.0,53.0&limit=50")
    assert "bbox=4.0,51.0,5.0,53.0" in rels(page.get_json())["next"][0]["href"]


def test_crs_rd_returns_the_stored_coordinates(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        stored = state().gates.published.areas(codes=[CODE], year=2023).geometry.iloc[0]
    response = client.get(f"/ogc/collections/buurt_2023/items/{CODE}?crs={RD_PARAM}")
    assert response.headers["Content-Crs"] == f"<{RD}>"
    served = shape(response.get_json()["geometry"])
    assert shapely.hausdorff_distance(served, stored) < 0.01
    assert shapely.get_num_coordinates(served) == shapely.get_num_coordinates(stored)
    lonlat = shape(client.get(f"/ogc/collections/buurt_2023/items/{CODE}").get_json()["geometry"])
    to_lonlat = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)
    expected = shapely.transform(stored, lambda xy: list(zip(*to_lonlat.transform(*xy.T),
                                                              strict=True)))
    assert shapely.hausdorff_distance(lonlat, expected) < 2e-6


def test_single_item(client: FlaskClient) -> None:
    response = client.get(f"/ogc/collections/buurt_2023/items/{CODE}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    feature = response.get_json()
    assert feature["type"] == "Feature" and feature["id"] == CODE
    props = feature["properties"]
    assert props["code"] == CODE and props["level"] == "buurt"
    assert props["gemeente_code"] == "GM0503"
    assert props["population_status"] in ("ok", "secret")
    assert {"self", "alternate", "collection"} <= set(rels(feature))
    listed = client.get("/ogc/collections/buurt_2023/items?limit=1000").get_json()["features"]
    assert next(f for f in listed if f["id"] == CODE)["properties"] == props


@pytest.mark.parametrize(("cid", "query"), [
    ("buurt_2023", "level=buurt&municipality=GM0503"),
    ("wijk_2023", "level=wijk&municipality=GM0503"),
    ("gemeente_2023", "level=gemeente&municipality=GM0503"),
    ("buurt_2022", "level=buurt&municipality=GM0518"),
    ("buurt_2022", "level=buurt&municipality=GM1916"),
])
def test_values_equal_the_values_api(client: FlaskClient, cid: str, query: str) -> None:
    collection = client.get(f"/ogc/collections/{cid}").get_json()
    features = {f["id"]: f["properties"]
                for f in client.get(f"/ogc/collections/{cid}/items?limit=1000").get_json()[
                    "features"]}
    for layer in collection["layers"]:
        api = client.get(f"/api/layers/{layer['id']}/values?{query}&year={layer['year']}")
        assert api.status_code == 200, (layer["id"], api.get_data(as_text=True))
        body = api.get_json()
        assert body["boundary_year"] == int(cid.split("_")[1])
        for row in body["values"]:
            props = features[row["code"]]
            assert props[layer["id"]] == row["value"], (layer["id"], row["code"])
            assert props[layer["id"] + "_status"] == row["status"], (layer["id"], row["code"])


def test_year_and_gemeente_parameters(client: FlaskClient) -> None:
    url = "/ogc/collections/buurt_2022/items?limit=100"
    latest = client.get(url).get_json()
    assert latest["figureYears"]["energy_label_share_efg"] == 2026
    older = client.get(url + "&year=2022").get_json()
    assert older["figureYears"]["dwellings"] == 2022
    assert "energy_label_share_efg" not in older["figureYears"]
    assert max(older["figureYears"].values()) == 2022
    props = older["features"][0]["properties"]
    assert props["energy_label_share_efg"] is None
    assert props["energy_label_share_efg_status"] == "missing"
    assert set(props) == set(latest["features"][0]["properties"])  # same schema
    gm = client.get(url + "&gemeente_code=GM1916").get_json()
    assert gm["numberMatched"] == 10
    assert {f["properties"]["gemeente_code"] for f in gm["features"]} == {"GM1916"}


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/buurt_2022",
    "/ogc/collections/buurt_2022/items", f"/ogc/collections/buurt_2023/items/{CODE}",
    "/ogc/collections/buurt_2023/schema", "/ogc/collections/buurt_2023/queryables"])
def test_html_renders(client: FlaskClient, path: str) -> None:
    for response in (client.get(path + "?f=html"),
                     client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Content-Security-Policy" in response.headers
        text = response.get_data(as_text=True)
        assert "<script" not in text and 'href="/ogc' in text


def test_html_items_show_values_and_paging(client: FlaskClient) -> None:
    text = client.get("/ogc/collections/buurt_2022/items?f=html&limit=5").get_data(as_text=True)
    assert text.count('data-code="') == 5 and 'rel="next"' in text
    assert "f=html" in text.split('rel="next"')[0].rsplit("href=", 1)[1]


def test_accept_header_chooses_json(client: FlaskClient) -> None:
    for accept in ("application/geo+json", "application/json", "*/*"):
        response = client.get("/ogc/collections/buurt_2023/items", headers={"Accept": accept})
        assert response.mimetype == "application/geo+json", accept


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/ogc/api")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    doc = response.get_json()
    assert doc["openapi"].startswith("3.0")
    for cid in COLLECTIONS:
        items = doc["paths"][f"/collections/{cid}/items"]["get"]
        params = {p["name"]: p for p in items["parameters"]}
        assert {"limit", "offset", "bbox", "bbox-crs", "crs", "f"} <= set(params)
        assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
        assert f"/collections/{cid}/items/{{featureId}}" in doc["paths"]
    assert "population" in doc["components"]["schemas"]["buurt_2023"]["properties"]


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "code"), [
    ("crs=EPSG:4326", "bad_crs"), ("bbox-crs=urn:nope", "bad_crs"),
    ("bbox=1,2,3", "bad_bbox"), ("bbox=a,b,c,d", "bad_bbox"), ("bbox=5,53,4,52", "bad_bbox"),
    ("bbox=84000,447000,85000,448000", "bad_bbox"),  # RD metres without bbox-crs
    ("limit=0", "bad_limit"), ("limit=ten", "bad_limit"), ("offset=-1", "bad_offset"),
    ("year=20x", "bad_year"), ("gemeente_code=Delft", "bad_municipality"), ("f=xml", "bad_format"),
])
def test_bad_parameters_are_400_json(client: FlaskClient, query: str, code: str) -> None:
    for accept in ("*/*", "application/geo+json"):
        response = client.get(f"/ogc/collections/buurt_2023/items?{query}",
                              headers={"Accept": accept})
        assert response.status_code == 400
        assert error_of(response)["code"] == code


@pytest.mark.parametrize(("url", "code"), [
    ("/ogc/collections/nope", "unknown_collection"),
    ("/ogc/collections/buurt_1999", "unknown_collection"),
    ("/ogc/collections/buurt_1999/items", "unknown_collection"),
    ("/ogc/collections/wijk_2022/schema", "unknown_collection"),
    ("/ogc/collections/buurt_2023/items/BU99999999", "unknown_item"),
    ("/ogc/collections/buurt_2022/items/" + CODE, "unknown_item"),
])
def test_unknown_collection_or_item_is_404_json(client: FlaskClient, url: str, code: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == code
    html = client.get(url + "?f=html")
    assert html.status_code == 404 and html.mimetype == "text/html"


# --- access tiers -------------------------------------------------------------------------


def _everything(client: FlaskClient, headers: dict[str, str]) -> str:
    texts = []
    for path in ("/ogc/collections", "/ogc/api", "/ogc/collections/buurt_2023",
                 "/ogc/collections/buurt_2023/schema",
                 "/ogc/collections/buurt_2023/items?limit=1000",
                 f"/ogc/collections/buurt_2023/items/{CODE}"):
        for fmt in ("json", "html"):
            response = client.get(f"{path}{'&' if '?' in path else '?'}f={fmt}", headers=headers)
            assert response.status_code == 200, path
            texts.append(response.get_data(as_text=True))
    return "\n".join(texts)


def test_hidden_layers_are_absent_for_anonymous(tiered_app: Flask) -> None:
    text = _everything(tiered_app.test_client(), {})
    for layer_id, (_tier, title) in HIDDEN.items():
        assert layer_id not in text and title not in text
    assert "events_total" not in text  # restricted in the real catalogue too


@pytest.mark.parametrize(("role", "sees"), [
    ("staff", {"zz_internal_layer"}),
    ("ondermijning", {"zz_internal_layer", "zz_restricted_layer", "events_total"}),
])
def test_roles_see_their_layers_and_reads_are_audited(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]], role: str,
        sees: set[str]) -> None:
    client = tiered_app.test_client()
    auth = token_for(f"ogc-{role}", role)
    text = _everything(client, auth)
    for layer_id in {"zz_internal_layer", "zz_restricted_layer", "events_total"}:
        assert (layer_id in text) == (layer_id in sees), (role, layer_id)
    feature = client.get(f"/ogc/collections/buurt_2023/items/{CODE}", headers=auth).get_json()
    assert feature["properties"]["zz_internal_layer"] == feature["properties"]["population"]
    with tiered_app.app_context():
        audited = state().audit.entries()
    ogc_reads = audited[audited["route"].str.startswith("/ogc/")]
    assert set(ogc_reads["tier"]) == ({"internal", "restricted"} if "events_total" in sees
                                      else {"internal"})
    # anonymous callers still get nothing of it, and cached tables are per audience
    anonymous = client.get(f"/ogc/collections/buurt_2023/items/{CODE}").get_json()
    assert not set(sees) & set(anonymous["properties"])


def test_a_bbox_of_no_width_is_a_line_that_finds_what_it_crosses(client: FlaskClient) -> None:
    url = "/ogc/collections/buurt_2023/items?f=json&limit=1000&bbox="
    line = client.get(url + "4.357,51.99,4.357,52.02")
    box = client.get(url + "4.3569,51.99,4.3571,52.02")
    assert line.status_code == 200 and box.status_code == 200
    ids = {f["id"] for f in line.get_json()["features"]}
    assert ids and ids <= {f["id"] for f in box.get_json()["features"]}
    point = client.get(url + "4.357,52.01,4.357,52.01")
    assert point.status_code == 200 and point.get_json()["numberMatched"] <= 2
