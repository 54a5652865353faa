"""``geoinsight serve --production``: gunicorn workers, the demo loaded once before they fork,
JSON access lines from every worker, SIGHUP replaces the workers, SIGTERM stops cleanly."""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator

import pytest
from live_server import Server, clean_env, free_port, start

WORKERS = 2
BOOTED = "Booting worker with pid"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("production")
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(folder / "data"),
               "serve", "--production", "--workers", str(WORKERS), "--threads", "2",
               "--port", str(free_port()), "--basemap", "none"]
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
    assert server.stop(signal.SIGTERM) == 0
    assert "Shutting down" in server.output()


def test_the_store_is_not_loaded_in_a_worker(server: Server) -> None:
    """The command loads the demo before gunicorn starts, so before any worker forks: once,
    never several workers racing to fill one store."""
    text = server.output()
    assert text.index("loading the demo data") < text.index("Starting gunicorn")
