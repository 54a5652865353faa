"""``geoinsight serve --production``: gunicorn workers, the demo loaded once before they fork,
JSON access lines from every worker, SIGHUP replaces the workers, SIGTERM stops cleanly."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from live_server import Server, clean_env, free_port, start

from geoinsight.errors import ConfigError
from geoinsight.settings import default_workers, load_settings
from geoinsight.web.production import gunicorn_options

WORKERS = 2
BOOTED = "Booting worker with pid"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("production")
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(folder / "data"),
               "serve", "--production", "--workers", str(WORKERS), "--threads", "2",
               "--port", str(free_port()), "--basemap", "none", "--no-warm"]
    running = start(command, folder / "server.log", folder, clean_env())
    yield running
    running.stop(signal.SIGKILL)


def _workers(server: Server) -> list[str]:
    return re.findall(rf"{BOOTED}: (\d+)", server.output())


def test_workers_serve_the_demo_loaded_once(server: Server) -> None:
    server.wait_for(BOOTED, WORKERS)
    assert server.output().count("is empty: loading the demo data") == 1
    assert len(set(_workers(server))) == WORKERS
    for path in ("/", "/map/population", "/api/areas?level=buurt&municipality=GM0503",
                 "/api/layers/population/values?level=buurt&municipality=GM0503"):
        assert server.get(path)[0] == 200, path
    logged = [json.loads(line) for line in server.output().splitlines()
              if line.startswith("{")]
    assert {"/", "/map/population", "/api/areas"} <= {line["path"] for line in logged}
    assert all(line["status"] in (200, 304) for line in logged)


def test_sighup_replaces_the_workers_and_sigterm_stops(server: Server) -> None:
    server.wait_for(BOOTED, WORKERS)
    before = set(_workers(server))
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(BOOTED, 2 * WORKERS)
    assert len(set(_workers(server)) - before) == WORKERS
    assert server.get("/healthz")[0] == 200
    # a broken config file on reload: the previous settings stay, the server keeps serving
    (server.data_dir / "config.yaml").write_text("graceful_timeout: forever\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    server.wait_for("settings not reloaded, the previous ones stay")
    server.wait_for(BOOTED, 3 * WORKERS)
    assert server.get("/healthz")[0] == 200
    assert server.stop(signal.SIGTERM) == 0
    assert "Shutting down" in server.output()


def test_the_store_is_not_loaded_in_a_worker(server: Server) -> None:
    """The command loads the demo before gunicorn starts, so before any worker forks: once,
    never several workers racing to fill one store."""
    text = server.output()
    assert text.index("loading the demo data") < text.index("Starting gunicorn")


def test_the_master_warms_up_before_the_workers_fork(tmp_path: Path) -> None:
    """Default ``--warm``: the master fills the answer cache and builds the in-memory tables,
    then forks; a worker's very first answer already holds every OGC table."""
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(tmp_path / "data"),
               "serve", "--production", "--workers", "1", "--threads", "1",
               "--port", str(free_port()), "--basemap", "none"]
    running = start(command, tmp_path / "server.log", tmp_path, clean_env())
    try:
        text = running.output()
        assert text.index("warmed ") < text.index("Listening at") < text.index(BOOTED)
        status, body = running.get("/healthz")
        held = json.loads(body)["process"]
        collections = json.loads(running.get("/ogc/collections?f=json")[1])["collections"]
        assert status == 200 and held["ogc_tables"] == len(collections) > 0
        assert list((tmp_path / "data" / "cache").glob("*.answer"))
    finally:
        running.stop(signal.SIGKILL)


def test_worker_count_from_settings_else_by_cores(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    assert (default_workers(1), default_workers(2), default_workers(64)) == (3, 5, 17)
    monkeypatch.setenv("GEOINSIGHT_WORKERS", "3")
    monkeypatch.setenv("GEOINSIGHT_THREADS", "4")
    settings = load_settings(data_dir=tmp_path)
    options = gunicorn_options(settings, "127.0.0.1:5000")
    assert (options["workers"], options["threads"]) == (3, 4)
    assert options["worker_class"] == "gthread"
    assert options["preload_app"] is True and options["forwarded_allow_ips"] == ""
    assert gunicorn_options(replace(settings, workers=0), "x:1")["workers"] == default_workers()
    monkeypatch.setenv("GEOINSIGHT_WORKERS", "many")
    with pytest.raises(ConfigError, match="workers must be a whole number"):
        load_settings(data_dir=tmp_path)


def test_a_shared_transformer_answers_in_every_thread() -> None:
    """One Transformer per CRS pair per process (geoinsight.crs.transformer); another thread
    gets pyproj's copy of it, which answers as the first."""
    from concurrent.futures import ThreadPoolExecutor

    import geopandas as gpd
    import shapely

    from geoinsight.crs import CRS84, STORE_CRS, transformer

    assert transformer(STORE_CRS, CRS84) is transformer(STORE_CRS, CRS84)
    here = transformer(STORE_CRS, CRS84).transform(85_000.0, 447_000.0)
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(transformer(STORE_CRS, CRS84).transform, 85_000.0, 447_000.0)
        frame = gpd.GeoSeries([shapely.Point(85_000, 447_000)], crs=STORE_CRS)
        moved = pool.submit(frame.to_crs, CRS84).result()
    assert there.result() == here and (moved.x[0], moved.y[0]) == pytest.approx(here)
    assert 4.3 < here[0] < 4.4 and 52.0 < here[1] < 52.1  # Delft


def test_a_worker_is_replaced_after_max_requests(server: Server, tmp_path: Path) -> None:
    """Memory a long-running worker holds on to goes back: after ``max_requests`` requests
    gunicorn replaces it, and the server keeps answering (on a copy of the store the module's
    server filled, so no demo load)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(server.data_dir / "geoinsight.gpkg", data / "geoinsight.gpkg")
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data),
               "serve", "--production", "--workers", "1", "--threads", "1",
               "--port", str(free_port()), "--basemap", "none", "--no-warm"]
    env = clean_env(GEOINSIGHT_MAX_REQUESTS="4")
    recycling = start(command, tmp_path / "server.log", tmp_path, env)
    try:
        recycling.wait_for(BOOTED)
        for _ in range(12):
            assert recycling.get("/healthz")[0] == 200
        recycling.wait_for(BOOTED, 3)
        assert "is empty" not in recycling.output()
    finally:
        recycling.stop(signal.SIGKILL)


def test_max_requests_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path).max_requests == 20_000
    monkeypatch.setenv("GEOINSIGHT_MAX_REQUESTS", "1000")
    options = gunicorn_options(load_settings(data_dir=tmp_path), "127.0.0.1:5000")
    assert (options["max_requests"], options["max_requests_jitter"]) == (1000, 100)
    monkeypatch.setenv("GEOINSIGHT_MAX_REQUESTS", "0")
    assert gunicorn_options(load_settings(data_dir=tmp_path), "x:1")["max_requests"] == 0
