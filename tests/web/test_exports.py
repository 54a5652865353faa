"""``/api/export/<layers>``: the same content as ``geoinsight export``, streamed, tier-aware."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyogrio
from cli_runner import Done, run_cli
from flask import Flask
from flask.testing import FlaskClient
from web.tiers import QUERY

from geoinsight.settings import Settings

Token = Callable[[str, str], dict[str, str]]
URL = "/api/export/population,woz_mean?level=buurt&municipality=GM0503"


def cli(settings: Settings, *args: str) -> Done:
    return run_cli(settings.data_dir, "export", *args, database_url=settings.database_url)


def test_api_and_cli_give_the_same_csv(client: FlaskClient, demo_settings: Settings,
                                       tmp_path: Path) -> None:
    response = client.get(URL + "&format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert 'filename="population_and_1_more_buurt_GM0503_2024.csv"' in \
        response.headers["Content-Disposition"]
    target = tmp_path / "out.csv"
    done = cli(demo_settings, "population", "woz_mean", "--level", "buurt", "--municipality",
               "GM0503", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "91 buurt areas, 2 layer(s), 2024, csv" in done.stdout
    assert target.read_bytes() == response.get_data()
    # the CSV's metadata: beside the file (CLI) and behind the Link header (web)
    beside = json.loads((tmp_path / "out.csv-metadata.json").read_text())
    linked = client.get(response.headers["Link"].split(">")[0].lstrip("<")).get_json()
    assert beside["url"] == "out.csv" and linked["@context"] == "http://www.w3.org/ns/csvw"
    assert beside["tableSchema"] == linked["tableSchema"]
    assert linked["geoinsight"]["layers"][0]["licence"] == "CC BY 4.0"


def test_api_and_cli_give_the_same_geopackage(client: FlaskClient, demo_settings: Settings,
                                              tmp_path: Path) -> None:
    response = client.get(URL + "&format=gpkg")
    assert response.status_code == 200
    (tmp_path / "web.gpkg").write_bytes(response.get_data())
    done = cli(demo_settings, "population", "woz_mean", "--level", "buurt", "--municipality",
               "GM0503", "-o", str(tmp_path / "cli.gpkg"))
    assert done.returncode == 0, done.stderr
    web = pyogrio.read_dataframe(tmp_path / "web.gpkg")
    local = pyogrio.read_dataframe(tmp_path / "cli.gpkg")
    pd.testing.assert_frame_equal(pd.DataFrame(web.drop(columns="geometry")),
                                  pd.DataFrame(local.drop(columns="geometry")))
    assert web.geometry.geom_equals_exact(local.geometry, 1e-6).all()


def test_every_format_is_served(client: FlaskClient) -> None:
    for fmt, mimetype in (("geojson", "application/geo+json"), ("xlsx", "application/vnd."
                          "openxmlformats-officedocument.spreadsheetml.sheet"),
                          ("parquet", "application/vnd.apache.parquet"),
                          ("shp", "application/zip"), ("tif", "image/tiff")):
        response = client.get(URL + f"&format={fmt}")
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:200])
        assert response.mimetype == mimetype and len(response.get_data()) > 1000, fmt


def test_figures_equal_the_values_api(client: FlaskClient, token_for: Token) -> None:
    """Disclosure control is the same: the restricted events, as the ondermijning role."""
    auth = token_for("omar", "ondermijning")
    query = "?level=buurt&municipality=GM0503&year=2024"
    values = client.get("/api/layers/events_total/values" + query, headers=auth).get_json()
    csv = client.get("/api/export/events_total" + query, headers=auth)
    assert csv.status_code == 200 and csv.headers["X-GeoInsight-Synthetic"]
    frame = pd.read_csv(io.BytesIO(csv.get_data()), dtype={"code": str}).set_index("code")
    statuses = {v["status"] for v in values["values"]}
    assert "secret" in statuses
    for row in values["values"]:
        assert frame.loc[row["code"], "events_total_status"] == row["status"]
        if row["value"] is None:
            assert pd.isna(frame.loc[row["code"], "events_total"])
        else:
            assert frame.loc[row["code"], "events_total"] == row["value"]


def test_hidden_layers_cannot_be_exported(client: FlaskClient) -> None:
    for url in ("/api/export/events_total" + QUERY, "/api/export/population,events_total"
                + QUERY + "&format=gpkg", URL + "&layers=events_total"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "unknown_layer"


def test_protected_exports_are_audited(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    staff = token_for("els", "staff")
    response = client.get("/api/export/zz_internal_layer" + QUERY + "&format=xlsx",
                          headers=staff)
    assert response.status_code == 200
    entry = tiered_app.extensions["geoinsight"].audit.entries().iloc[0]
    assert (entry["who"], entry["tier"]) == ("els", "internal")
    assert "export zz_internal_layer (xlsx)" in entry["what"]


def test_bad_requests_get_the_json_error(client: FlaskClient) -> None:
    for url, status, code in (
            (URL + "&format=pdf", 400, "bad_format"),
            (URL + "&year=19x", 400, "bad_year"),
            (URL + "&format=tif&cell=big", 400, "bad_cell"),
            (URL + "&format=tif&cell=1", 400, "bad_cell"),
            ("/api/export/population?level=buurt&municipality=GM0503&year=2019", 404,
             "no_values"),
            ("/api/export/population,energy_labels_valid?level=buurt", 404, "no_common_year"),
            ("/api/export/nope", 404, "unknown_layer")):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.get_json()["error"]["code"] == code, url


def test_cli_errors_are_one_line(demo_settings: Settings, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    for args, message in (
            (["population", "-o", str(tmp_path / "x.txt")], "cannot tell the format"),
            (["population", "--format", "shp", "-o", str(tmp_path / "x.shp")], "ending in .zip"),
            (["population", "-o", str(tmp_path / "no" / "x.csv")], "does not exist"),
            (["nope", "-o", str(tmp_path / "x.csv")], "nope")):
        done = cli(demo_settings, *args)
        assert done.returncode == 1 and done.stderr.startswith("error: "), done.stderr
        assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())  # nothing half-written was left behind


def test_no_temporary_file_outlives_its_response(client: FlaskClient) -> None:
    """A binary export is written to a temporary folder first: read to the end, or never read
    (a HEAD request, a dropped download), the folder goes when the response is closed."""
    folders = lambda: set(Path(tempfile.gettempdir()).glob("geoinsight-export-*"))  # noqa: E731
    before = folders()
    for fmt in ("gpkg", "xlsx", "parquet", "shp", "tif"):
        # the WSGI server closes every response body; the test client leaves that to us
        with client.head(URL + f"&format={fmt}") as unread:
            assert unread.status_code == 200 and folders() != before
        with client.get(URL + f"&format={fmt}", buffered=False) as read:
            assert len(b"".join(read.response)) > 1000
    assert folders() == before
