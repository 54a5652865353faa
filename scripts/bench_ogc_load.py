"""OGC API – Features under load: GeoInsight's ``serve --production`` against pygeoapi, both under
gunicorn with the same worker class, workers and threads, on the same buurten.

The store is the demo's (as the load targets of issue 12 say), or with ``--buurten N`` the
synthetic national buurten of ``bench_export.synthetic_buurten``. pygeoapi (from PyPI, its OGR
provider) serves a GeoPackage that ``bench_ogc.export_collection`` writes from the same store:
the same buurten with the figures an anonymous caller sees. Checked before measuring: both answer
the same feature ids for each route.

Measured per server:

- **cold**: the first answer of each route after a start, the server's own state empty
  (GeoInsight's answer cache removed before each start; ``serve --production`` begins warming
  it at start, so the first request may race that warm-up, as a first visitor would). Started
  ``--starts`` times; the median and the worst are printed. For GeoInsight also the first answer
  after a restart that keeps its file cache (the usual restart).
- **warm**: ``wrk -t2`` for ``--duration`` seconds at 16 and 64 connections per route after a
  3-second warm-up run, ``Accept-Encoding: gzip`` (pygeoapi does not compress: its ``gzip`` option
  is left off, as it is by default).

Routes: a page of 10 (``limit=10&offset=40``), all buurten of a collection in one page
(``limit=100``, the demo has 91) and a bbox query around Delft's centre.

pygeoapi is not a project dependency; install it in a throwaway virtualenv that sees Debian's
GDAL bindings, with the same gunicorn as this project's:

    /usr/bin/python3 -m venv --system-site-packages /tmp/pygeoapi-venv
    /tmp/pygeoapi-venv/bin/pip install pygeoapi gunicorn==<this venv's version>

Needs the Debian package ``wrk``.

Usage: python scripts/bench_ogc_load.py [--workers N] [--threads 8] [--duration 10]
       [--starts 3] [--buurten 0] [--pygeoapi-python /tmp/pygeoapi-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import buurt_store
from bench_ogc import (
    export_collection,
    free_port,
    pygeoapi_under_gunicorn,
    stop_server,
    wait_for_port,
)
from bench_serve import REPORT_LUA, WARM_UP_S, _wrk

from geoinsight.settings import default_workers

HOST = "127.0.0.1"
CONNECTIONS = (16, 64)
DELFT_RD = (84_000, 446_000, 86_000, 448_000)  # a box around Delft's centre, RD New
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"


def routes(collection: str) -> dict[str, str]:
    """The measured routes' paths after the server's collection prefix."""
    box = ",".join(str(v) for v in DELFT_RD)
    return {
        "page of 10": f"{collection}/items?f=json&limit=10&offset=40",
        "page of 100": f"{collection}/items?f=json&limit=100",
        "bbox": f"{collection}/items?f=json&limit=100&bbox={box}&bbox-crs={RD_URI}",
    }


class Server:
    """How to start one of the two servers on a port."""

    def __init__(self, name: str, prefix: str, command: list[str], env: dict[str, str],
                 reset: Path | None) -> None:
        self.name, self.prefix, self.command, self.env = name, prefix, command, env
        self.reset = reset  # a folder removed before a cold start

    def start(self, port: int, log: Path, cold: bool = True) -> subprocess.Popen[bytes]:
        if cold and self.reset is not None:
            shutil.rmtree(self.reset, ignore_errors=True)
        with open(log, "ab") as out:
            process = subprocess.Popen(self.command, env=self.env, stdout=out,
                                       stderr=subprocess.STDOUT)
        wait_for_port(port, process)
        return process


def _get(url: str) -> tuple[float, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/geo+json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as answer:
        body = answer.read()
    return time.perf_counter() - start, body


def first_answers(server: Server, paths: dict[str, str], port: int, log: Path,
                  cold: bool) -> dict[str, float]:
    """Seconds of each route's first answer after one start (routes asked one after another,
    each the first of its kind)."""
    process = server.start(port, log, cold=cold)
    try:
        return {route: _get(f"http://{HOST}:{port}{server.prefix}{path}")[0]
                for route, path in paths.items()}
    finally:
        stop_server(process)


def ids(server: Server, paths: dict[str, str], port: int, log: Path) -> dict[str, list[str]]:
    process = server.start(port, log, cold=False)
    try:
        return {route: sorted(str(f["id"]) for f in json.loads(
                    _get(f"http://{HOST}:{port}{server.prefix}{path}")[1])["features"])
                for route, path in paths.items()}
    finally:
        stop_server(process)


def under_load(server: Server, paths: dict[str, str], port: int, log: Path, seconds: int,
               script: Path) -> dict[tuple[str, int], dict[str, float]]:
    process = server.start(port, log, cold=False)
    out = {}
    try:
        for route, path in paths.items():
            url = f"http://{HOST}:{port}{server.prefix}{path}"
            _wrk(url, max(CONNECTIONS), WARM_UP_S, script)  # every worker fills its caches
            for connections in CONNECTIONS:
                r = _wrk(url, connections, seconds, script)
                out[(route, connections)] = {
                    "rps": r["requests"] / (r["duration_us"] / 1e6),
                    "p50": r["p50_us"] / 1000, "p99": r["p99_us"] / 1000,
                    "errors": r["socket_errors"] + r["non_2xx_3xx"]}
    finally:
        stop_server(process)
    return out


def _ratio(ours: float, theirs: float) -> str:
    """``ours / theirs`` as a factor, or a dash when pygeoapi answered nothing in the run."""
    return f"{ours / theirs:.2f}×" if theirs else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--starts", type=int, default=3, help="cold starts per server")
    parser.add_argument("--buurten", type=int, default=0,
                        help="synthetic national buurten instead of the demo store")
    parser.add_argument("--pygeoapi-python", type=Path,
                        default=Path("/tmp/pygeoapi-venv/bin/python"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: it is the Debian package wrk")
    if not args.pygeoapi_python.exists():
        sys.exit(f"no pygeoapi interpreter at {args.pygeoapi_python}: see the docstring")
    versions = subprocess.run(
        [str(args.pygeoapi_python), "-c", "import pygeoapi, gunicorn; "
         "print(pygeoapi.__version__, gunicorn.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    import gunicorn

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-ogc-load-") as folder:
        tmp = Path(folder)
        if args.buurten:
            data_dir, collection = tmp / "data", "buurt_2024"
            shutil.copytree(buurt_store(args.buurten), data_dir)
        else:
            data_dir, collection = tmp / "data", "buurt_2023"
            subprocess.run([sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir),
                            "demo"], check=True, capture_output=True)
        gpkg = tmp / f"{collection}.gpkg"
        info = export_collection(data_dir, collection, gpkg)
        paths = routes(collection)
        port = free_port()
        ours_env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
        ours_env["GEOINSIGHT_ACCESS_LOG"] = "off"  # pygeoapi keeps none either
        ours = Server("GeoInsight", "/ogc/collections/",
                      [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir),
                       "serve", "--port", str(port), "--basemap", "none", "--production",
                       "--workers", str(args.workers), "--threads", str(args.threads)],
                      ours_env, reset=data_dir / "cache")
        command, theirs_env = pygeoapi_under_gunicorn(tmp, collection, gpkg, port,
                                                      args.pygeoapi_python, args.workers,
                                                      args.threads)
        theirs = Server("pygeoapi", "/collections/",
                        command, theirs_env, reset=None)
        log = tmp / "servers.log"
        same = ids(ours, paths, port, log) == ids(theirs, paths, port, log)
        if not same:
            sys.exit(f"the servers answer different features:\n{log.read_text()[-2000:]}")
        script = tmp / "report.lua"
        script.write_text(REPORT_LUA)
        cold = {s.name: [first_answers(s, paths, port, log, cold=True)
                         for _ in range(args.starts)] for s in (ours, theirs)}
        restart = [first_answers(ours, paths, port, log, cold=False) for _ in range(args.starts)]
        load = {s.name: under_load(s, paths, port, log, args.duration, script)
                for s in (ours, theirs)}
    print(f"{info['count']:,} buurten ({collection}), pygeoapi {versions[0]}; gunicorn "
          f"{gunicorn.__version__} (pygeoapi's venv {versions[1]}), gthread, {args.workers} "
          f"workers × {args.threads} threads each; wrk -t2, {args.duration} s per row; "
          f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after\n")
    print("| route | measure | GeoInsight | pygeoapi | GeoInsight / pygeoapi |")
    print("|---|---|---:|---:|---:|")
    for route in paths:
        a = [c[route] * 1000 for c in cold["GeoInsight"]]
        b = [c[route] * 1000 for c in cold["pygeoapi"]]
        kept = [c[route] * 1000 for c in restart]
        print(f"| {route} | cold: first answer, median (worst) of {args.starts} starts, ms | "
              f"{statistics.median(a):,.0f} ({max(a):,.0f}) | "
              f"{statistics.median(b):,.0f} ({max(b):,.0f}) | "
              f"{statistics.median(b) / statistics.median(a):.2f}× as fast |")
        print(f"| {route} | restart keeping the answer cache: first answer, ms | "
              f"{statistics.median(kept):,.0f} ({max(kept):,.0f}) | | |")
        for connections in CONNECTIONS:
            x, y = load["GeoInsight"][(route, connections)], load["pygeoapi"][(route, connections)]
            print(f"| {route} | {connections} connections: req/s, p99 ms, errors | "
                  f"{x['rps']:,.0f}, {x['p99']:.1f}, {x['errors']:.0f} | "
                  f"{y['rps']:,.0f}, {y['p99']:.1f}, {y['errors']:.0f} | "
                  f"{_ratio(x['rps'], y['rps'])} |")


if __name__ == "__main__":
    main()
