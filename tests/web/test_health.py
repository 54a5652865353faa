"""GET /healthz: 200 while the store reads and the files the app writes are usable, else 503
with the one JSON error body naming what failed, never how (no paths, no error texts)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from store_sql import execute_in_store

from geoinsight.privacy.accounts import FILENAME
from geoinsight.privacy.audit import open_audit_log
from geoinsight.settings import Settings
from geoinsight.web import create_app


def _client(settings: Settings) -> FlaskClient:
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def _unhealthy(client: FlaskClient, settings: Settings) -> str:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["code"] == "unhealthy"
    assert str(settings.data_dir) not in response.get_data(as_text=True)
    return str(error["message"])


def test_healthy_answer_is_not_cached_and_not_audited(demo_settings: Settings) -> None:
    client = _client(demo_settings)
    response = client.get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["store"]["empty"] is False and body["store"]["version"] != "empty"
    assert response.headers["Cache-Control"] == "no-store"
    assert "healthz" not in set(open_audit_log(demo_settings).entries()["route"])


def test_a_store_that_does_not_read_is_503(demo_settings: Settings) -> None:
    client = _client(demo_settings)
    if demo_settings.database_url:
        execute_in_store(demo_settings, "ALTER TABLE areas RENAME TO areas_gone", ())
    else:
        demo_settings.store_path.write_bytes(b"not a GeoPackage" * 100)
    assert _unhealthy(client, demo_settings) == "unhealthy: store"


@pytest.mark.gpkg_file
def test_an_accounts_file_that_does_not_open_is_503(demo_settings: Settings) -> None:
    client = _client(demo_settings)
    (demo_settings.data_dir / FILENAME).write_bytes(b"not SQLite" * 100)
    assert _unhealthy(client, demo_settings) == f"unhealthy: {FILENAME}"


def test_a_data_dir_that_is_gone_is_503(demo_settings: Settings) -> None:
    client = _client(demo_settings)
    shutil.rmtree(demo_settings.data_dir)
    message = _unhealthy(client, demo_settings)
    assert message.startswith("unhealthy: ") and "data_dir" in message


def test_an_empty_store_is_healthy(settings: Settings) -> None:
    """A fresh data dir is a working server (its pages say what to load), not a failing one."""
    client = _client(replace(settings))
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["store"] == {"version": "empty", "empty": True}


def test_healthz_says_what_the_process_holds(demo_settings: Settings) -> None:
    from geoinsight.web.warm import warm

    warm(create_app(demo_settings))  # another process (geoinsight warm) fills the answer cache
    app = create_app(demo_settings)
    client = app.test_client()
    assert client.get("/healthz").get_json()["process"] == {"ogc_tables": 0,
                                                            "page_summaries": 0}
    warm(app)  # every answer is a hit in the shared cache: nothing built in this process
    assert client.get("/healthz").get_json()["process"]["ogc_tables"] == 0
    warm(app, in_process=True)  # what a server does at start
    collections = client.get("/ogc/collections?f=json").get_json()["collections"]
    held = client.get("/healthz").get_json()["process"]
    assert held["ogc_tables"] == len(collections) > 0 and held["page_summaries"] > 0
