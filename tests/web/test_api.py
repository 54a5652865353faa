"""Every API route and its errors, against the demo store (Delft)."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoinsight.errors import GeoInsightError

DELFT = "GM0503"


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    body = response.get_json()
    assert body["status"] == "ok" and body["store"]["empty"] is False and body["layers"] >= 10
    assert response.headers["Cache-Control"] == "no-store"


def test_layers_list_and_detail(client: FlaskClient) -> None:
    layers = client.get("/api/layers").get_json()["layers"]
    ids = [layer["id"] for layer in layers]
    assert len(ids) >= 10 and "population_density" in ids
    detail = client.get("/api/layers/population_density").get_json()
    assert detail["years"] == [2024]
    assert detail["title"] == "Bevolkingsdichtheid" or detail["title"].startswith("Bevolking")
    english = client.get("/api/layers/population_density?lang=en").get_json()
    assert english["title"] != detail["title"]


def test_unknown_layer_is_404_json(client: FlaskClient) -> None:
    for url in ("/api/layers/nope", "/api/layers/nope/values?level=buurt"):
        response = client.get(url)
        assert response.status_code == 404
        assert error_of(response)["code"] == "unknown_layer"


@pytest.mark.parametrize(("query", "code"), [
    ("level=street", "bad_level"), ("year=twenty", "bad_year"), ("year=1700", "bad_year"),
    ("municipality=Delft", "bad_municipality"), ("format=xml", "bad_format")])
def test_bad_parameters_are_400_json(client: FlaskClient, query: str, code: str) -> None:
    response = client.get(f"/api/layers/population_density/values?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == code


def test_values_json(client: FlaskClient) -> None:
    body = client.get(f"/api/layers/population_density/values?level=buurt&municipality={DELFT}"
                      ).get_json()
    assert body["year"] == 2024 and body["boundary_year"] == 2023
    assert len(body["values"]) == 91
    by_code = {v["code"]: v for v in body["values"]}
    centrum_west = by_code["BU05031102"]
    assert centrum_west["value"] == 10150.0 and centrum_west["status"] == "ok"
    assert by_code["BU05031100"]["value"] is None  # industrial estate: CBS publishes no figure
    assert by_code["BU05031100"]["status"] == "missing" and by_code["BU05031100"]["class"] is None
    assert [n["status"] for n in body["nodata"]] == ["missing", "secret"]
    ok = [v for v in body["values"] if v["status"] == "ok"]
    assert all(v["class"] is not None for v in ok)
    for v in ok:
        klass = body["classes"][v["class"]]
        assert klass["lower"] <= v["value"] <= klass["upper"]


def test_values_expression_layer(client: FlaskClient) -> None:
    """share 65+ = population_65_plus / population * 100, from the figures CBS published."""
    body = client.get(f"/api/layers/share_65_plus/values?level=gemeente&municipality={DELFT}"
                      ).get_json()
    assert body["values"][0]["value"] == pytest.approx(17787 / 109577 * 100)


def test_values_csv(client: FlaskClient) -> None:
    response = client.get(f"/api/layers/woz_mean/values?level=wijk&municipality={DELFT}"
                          "&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["code", "name", "level", "year", "value", "status"]
    assert len(rows) == 13 and {r["level"] for r in rows} == {"wijk"}
    binnenstad = next(r for r in rows if r["code"] == "WK050311")
    assert float(binnenstad["value"]) == 418.0 and binnenstad["status"] == "ok"


def test_values_year_without_data_is_404(client: FlaskClient) -> None:
    response = client.get(f"/api/layers/population_density/values?level=buurt"
                          f"&municipality={DELFT}&year=2030")
    assert response.status_code == 404
    assert error_of(response)["code"] == "no_values"
    assert "2024" in error_of(response)["message"]  # says which years there are


def test_multi_year_layer(client: FlaskClient) -> None:
    years = client.get("/api/layers/crimes_registered").get_json()["years"]
    assert years == [2021, 2022, 2023, 2024, 2025]
    body = client.get(f"/api/layers/crimes_registered/values?level=gemeente&municipality={DELFT}"
                      "&year=2021").get_json()
    assert body["values"][0]["value"] == 5077.0  # misdrijven_2021 of GM0503


def test_areas_geojson_simplified_rounded_with_etag(client: FlaskClient) -> None:
    response = client.get(f"/api/areas?level=buurt&municipality={DELFT}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = json.loads(response.get_data())
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 91
    props = body["features"][0]["properties"]
    assert set(props) == {"code", "name", "level", "gemeente_code", "wijk_code", "year"}
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 4.2 < lon < 4.5 and 51.9 < lat < 52.1
    assert len(str(lon).split(".")[1]) <= 5  # rounded to about a metre
    etag = response.headers["ETag"]
    again = client.get(f"/api/areas?level=buurt&municipality={DELFT}",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_areas_errors(client: FlaskClient) -> None:
    assert error_of(client.get("/api/areas?level=province"))["code"] == "bad_level"
    response = client.get("/api/areas?level=buurt&municipality=GM0014")
    assert response.status_code == 404 and error_of(response)["code"] == "no_areas"


def test_area_profile_json(client: FlaskClient) -> None:
    body = client.get("/api/areas/BU05031102").get_json()
    assert body["name"] == "Centrum-West" and body["level"] == "buurt"
    assert [c["role"] for c in body["compare"]] == ["area", "wijk", "gemeente"]
    density = next(r for r in body["indicators"] if r["layer"] == "population_density")
    assert density["values"]["area"] == {"value": 10150.0, "status": "ok"}
    assert density["values"]["gemeente"]["value"] == 4835.0


def test_area_profile_errors(client: FlaskClient) -> None:
    assert error_of(client.get("/api/areas/BU99999999"))["code"] == "unknown_area"
    assert client.get("/api/areas/not-a-code").status_code == 404


def test_unknown_api_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert error_of(client.post("/api/layers"))["code"] == "method_not_allowed"


def test_areas_gzip_when_accepted(client: FlaskClient) -> None:
    import gzip

    plain = client.get(f"/api/areas?level=buurt&municipality={DELFT}")
    zipped = client.get(f"/api/areas?level=buurt&municipality={DELFT}",
                        headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) * 3 < len(plain.get_data())
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(f"/api/areas?level=buurt&municipality={DELFT}",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_share_on_a_small_base_is_suppressed(client: FlaskClient) -> None:
    """Kerkpolder has 5 inhabitants (rounded): '100 % aged 65+' would say nothing and point at
    people, so the share is secret; a buurt with thousands of inhabitants keeps its figure."""
    body = client.get(f"/api/layers/share_65_plus/values?level=buurt&municipality={DELFT}"
                      ).get_json()
    by_code = {v["code"]: v for v in body["values"]}
    assert by_code["BU05032510"]["status"] == "secret"
    assert by_code["BU05032510"]["value"] is None
    assert by_code["BU05031102"]["status"] == "ok"
    assert by_code["BU05031102"]["value"] == pytest.approx(265 / 2550 * 100)
    assert body["classes"][-1]["upper"] < 100


def test_label_share_uses_bag_dwellings_of_an_earlier_year(client: FlaskClient) -> None:
    """Coverage 2026 = labelled dwellings (labels 2026) / dwellings (BAG 2022): the base comes
    from its latest year, and the figure is shown, not suppressed."""
    body = client.get("/api/layers/energy_label_coverage/values?level=buurt"
                      "&municipality=GM0518").get_json()
    assert body["year"] == 2026 and body["boundary_year"] == 2022
    assert len(body["values"]) == 4
    assert {v["status"] for v in body["values"]} == {"ok"}
    profile = client.get("/api/areas/BU05182666").get_json()
    coverage = next(r for r in profile["indicators"] if r["layer"] == "energy_label_coverage")
    valid = next(r for r in profile["indicators"] if r["layer"] == "energy_labels_valid")
    dwellings = next(r for r in profile["indicators"] if r["layer"] == "dwellings")
    assert coverage["values"]["area"]["value"] == pytest.approx(
        valid["values"]["area"]["value"] / dwellings["values"]["area"]["value"] * 100)
    assert profile["labels"]["synthetic"] is True
    assert sum(c["count"] for c in profile["labels"]["classes"]) == valid["values"]["area"]["value"]


def test_median_label_layer_in_official_colours(client: FlaskClient) -> None:
    body = client.get("/api/layers/energy_label_median/values?level=buurt"
                      "&municipality=GM1916").get_json()
    assert body["categorical"] is True
    assert [c["label"] for c in body["classes"]] == ["A of beter", "B", "C", "D", "E", "F", "G"]
    assert body["classes"][0]["color"] == "#009037" and body["classes"][-1]["color"] == "#e2001a"
    ranks = {v["code"]: v["value"] for v in body["values"] if v["status"] == "ok"}
    assert ranks and all(float(r).is_integer() and 0 <= r <= 11 for r in ranks.values())
    for v in body["values"]:
        if v["status"] == "ok":  # rank 9 is E: its class is E
            assert body["classes"][v["class"]]["label"] == (
                "A of beter" if v["value"] <= 5 else "ABCDEFG"[int(v["value"]) - 5])


def test_synthetic_labels_are_flagged_everywhere(client: FlaskClient) -> None:
    assert client.get("/api/layers/energy_label_share_efg").get_json()["synthetic"] is True
    assert client.get("/api/layers/population_density").get_json()["synthetic"] is False
    body = client.get("/api/layers/energy_label_share_efg/values?level=buurt"
                      "&municipality=GM1916").get_json()
    assert body["synthetic"] is True and "synthetische demodata" in body["source"]
    export = client.get("/api/layers/energy_label_share_efg/values?level=buurt"
                        "&municipality=GM1916&format=csv")
    assert "_SYNTHETIC.csv" in export.headers["Content-Disposition"]
    assert export.headers["X-GeoInsight-Synthetic"] == "synthetic demo data"
    html = client.get("/map/energy_label_share_efg?level=buurt&municipality=GM1916"
                      ).get_data(as_text=True)
    assert "synthetische demodata" in html
    assert "synthetische demodata" not in client.get(
        "/map/population_density?level=buurt&municipality=GM0503").get_data(as_text=True)


def test_a_failure_of_ours_is_a_500_in_the_log_not_in_the_answer(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A GeoInsightError that is the server's fault (status 500) answers the JSON error body
    and leaves its traceback in the server log; a request's own mistake (4xx) logs nothing."""
    def broken() -> str:
        raise GeoInsightError("map config: something inside is wrong", code="bad_map_config")

    app.add_url_rule("/api/broken", view_func=broken)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        answer = app.test_client().get("/api/broken")
        assert answer.status_code == 500
        assert answer.get_json()["error"]["code"] == "bad_map_config"
        assert any(r.exc_info and "something inside" in str(r.exc_info[1])
                   and "/api/broken" in r.getMessage() for r in caplog.records)
        caplog.clear()
        assert app.test_client().get("/api/layers/no_such_layer/values").status_code == 404
        assert not caplog.records
