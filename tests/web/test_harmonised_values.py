"""GET /api/layers/<id>/values?boundaries=<year>: figures on another year's boundaries."""

from __future__ import annotations

from flask.testing import FlaskClient

VALUES = "/api/layers/population/values?level=buurt&municipality=GM0518"


def test_figures_on_their_own_boundaries_are_identical(client: FlaskClient) -> None:
    plain = client.get(VALUES).get_json()
    harmonised = client.get(VALUES + "&boundaries=2022").get_json()
    assert harmonised["harmonised"] == {"boundary_year": 2022, "source_year": 2024}
    assert [r["value"] for r in harmonised["values"]] == [r["value"] for r in plain["values"]]
    assert {r["method"] for r in harmonised["values"]} == {"identical"}
    assert {r["source_year"] for r in harmonised["values"]} == {2024}


def test_harmonised_csv_says_where_figures_came_from(client: FlaskClient) -> None:
    response = client.get(VALUES + "&boundaries=2022&format=csv")
    assert response.status_code == 200
    assert "_on2022" in response.headers["Content-Disposition"]
    header = response.get_data(as_text=True).splitlines()[0]
    assert header == "code,name,level,year,value,status,source_year,method"


def test_bad_or_unknown_boundaries(client: FlaskClient) -> None:
    bad = client.get(VALUES + "&boundaries=soon")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_boundaries"
    unknown = client.get(VALUES + "&boundaries=2019")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "no_areas"


def test_hidden_layers_stay_hidden(client: FlaskClient) -> None:
    response = client.get("/api/layers/events_total/values?level=buurt&municipality=GM0503"
                          "&boundaries=2023")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_layer"
