"""Server memory over a long run: ``serve --production`` on a national store under a varied load,
beside pygeoapi (gunicorn, same workers and threads) under the same OGC load.

The store holds ``--buurten`` synthetic national buurten (``bench_export.synthetic_buurten``,
default 14,500). Client threads (``--clients``, each with its keep-alive connection) ask, as
fast as they are answered, for a mix that keeps reaching new answers, so caches fill and must
stay bounded:

- ``mixed`` (GeoInsight only): the buurt map page, area GeoJSON and a layer's values of a random
  gemeente; a random buurt's profile; the national overview geometry and national values; OGC
  pages at random offsets and limits and random bbox queries;
- ``ogc`` (both servers): the OGC pages and bbox queries alone, against GeoInsight's ``/ogc`` and
  pygeoapi serving the same buurten (``bench_ogc.export_collection``).

Every ``--sample`` seconds the script adds up the proportional set size (PSS: shared pages
counted once across processes, so copy-on-write sharing between gunicorn's workers is not
counted five times) and the resident set (RSS) of the server's master and workers. gunicorn
replaces a worker after ``max_requests`` requests (GeoInsight's setting, default 20,000, with
10 % jitter; the same is given to pygeoapi); the printed worker replacements say how often
that happened.

Environment variables of this script reach the GeoInsight server (to compare allocator
settings such as ``MALLOC_ARENA_MAX``); ``GEOINSIGHT_*`` ones do not: pass settings with
``--setting``.

Usage: python scripts/bench_memory.py [--minutes 5] [--buurten 14500] [--clients 8]
       [--workers N] [--threads 8] [--runs mixed,ogc,pygeoapi] [--setting NAME=VALUE]
       [--pygeoapi-python /tmp/pygeoapi-venv/bin/python]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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

from geoinsight.settings import Settings, default_workers

HOST = "127.0.0.1"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
MAX_REQUESTS = Settings.max_requests
#: the layers with figures for the store's buurten, as an anonymous caller sees them
PROBE = """
import json, sys
from geoinsight.settings import load_settings
from geoinsight.web import create_app
client = create_app(load_settings(data_dir=sys.argv[1])).test_client()
layers = [x["id"] for x in client.get("/api/layers").get_json()["layers"]
          if "buurt" in x["levels"]]
answers = {x: client.get(f"/api/layers/{x}/values?level=buurt&format=json") for x in layers}
print(json.dumps([x for x, a in answers.items() if a.status_code == 200
                  and any(v.get("value") is not None for v in a.get_json()["values"])]))
"""


@dataclass
class Samples:
    rows: list[tuple[float, int, int, float, float, int]] = field(default_factory=list)

    def add(self, elapsed: float, done: int, errors: int, pss: float, rss: float,
            workers_seen: int) -> None:
        self.rows.append((elapsed, done, errors, pss, rss, workers_seen))


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _memory_mb(pid: int) -> tuple[float, float]:
    """PSS and RSS of one process, MB."""
    pss = rss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
            elif line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return pss, rss


def server_memory(master: int) -> tuple[float, float, list[int]]:
    """PSS and RSS of the master and its workers (MB), and the workers' pids."""
    workers = _children(master)
    pss = rss = 0.0
    for pid in [master, *workers]:
        p, r = _memory_mb(pid)
        pss, rss = pss + p, rss + r
    return pss, rss, workers


class Load:
    """``clients`` threads asking ``next_url()`` paths until stopped."""

    def __init__(self, port: int, next_url: Callable[[random.Random], str], clients: int):
        self.port, self.next_url, self.clients = port, next_url, clients
        self.done = self.errors = 0
        self.failures: dict[str, int] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(seed,), daemon=True)
                         for seed in range(clients)]

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=600)
        while not self._stop.is_set():
            path = self.next_url(rng)
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == 200
                if answer.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=600)
            with self._lock:
                self.done += 1
                if not ok:
                    self.errors += 1
                    kind = path.split("?")[0]
                    self.failures[kind] = self.failures.get(kind, 0) + 1

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)


def ogc_urls(prefix: str, collection: str, count: int,
             bounds: tuple[float, float, float, float]) -> Callable[[random.Random], str]:
    def next_url(rng: random.Random) -> str:
        if rng.random() < 0.6:
            limit = rng.choice((10, 50, 100, 500))
            offset = rng.randrange(0, max(1, count - limit))
            return f"{prefix}{collection}/items?f=json&limit={limit}&offset={offset}"
        size = rng.choice((1_000, 3_000, 8_000))
        x = rng.uniform(bounds[0], bounds[2] - size)
        y = rng.uniform(bounds[1], bounds[3] - size)
        box = f"{x:.0f},{y:.0f},{x + size:.0f},{y + size:.0f}"
        return f"{prefix}{collection}/items?f=json&limit=1000&bbox={box}&bbox-crs={RD_URI}"
    return next_url


def mixed_urls(ogc: Callable[[random.Random], str], gemeenten: list[str], buurten: list[str],
               layers: list[str], year: int) -> Callable[[random.Random], str]:
    def next_url(rng: random.Random) -> str:
        pick = rng.random()
        gm, layer = rng.choice(gemeenten), rng.choice(layers)
        if pick < 0.15:
            return f"/map/{layer}?level=buurt&municipality={gm}"
        if pick < 0.35:
            return f"/api/areas?level=buurt&municipality={gm}&year={year}"
        if pick < 0.55:
            return f"/api/layers/{layer}/values?level=buurt&municipality={gm}"
        if pick < 0.65:
            return f"/areas/{rng.choice(buurten)}"
        if pick < 0.70:
            return rng.choice((f"/api/areas?level=buurt&year={year}&detail=overview",
                               f"/api/layers/{layer}/values?level=buurt"))
        return ogc(rng)
    return next_url


def run(name: str, command: list[str], env: dict[str, str], port: int,
        next_url: Callable[[random.Random], str], args: argparse.Namespace,
        log: Path) -> tuple[Samples, Load, int]:
    print(f"{name}: starting", flush=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    samples = Samples()
    seen: set[int] = set()
    try:
        wait_for_port(port, process, limit=900)
        time.sleep(3)  # the workers boot
        pss, rss, workers = server_memory(process.pid)
        seen.update(workers)
        samples.add(0.0, 0, 0, pss, rss, len(seen))
        load = Load(port, next_url, args.clients)
        start = time.monotonic()
        load.start()
        end = start + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(args.sample)
            pss, rss, workers = server_memory(process.pid)
            seen.update(workers)
            samples.add(time.monotonic() - start, load.done, load.errors, pss, rss, len(seen))
        load.stop()
    finally:
        stop_server(process)
    replaced = len(seen) - args.workers
    last = samples.rows[-1]
    print(f"{name}: {last[1]:,} requests ({last[1] / last[0]:,.0f}/s), {last[2]} errors "
          f"{load.failures or ''}, PSS {samples.rows[0][3]:,.0f} → peak "
          f"{max(r[3] for r in samples.rows):,.0f} → end {last[3]:,.0f} MB, "
          f"{replaced} worker replacements", flush=True)
    return samples, load, replaced


def table(results: dict[str, tuple[Samples, Load, int]], minutes: float) -> str:
    marks = sorted({0.0, *(m * 60 for m in (1, 2, 5, 10, 20, 30, 60) if m < minutes),
                    minutes * 60})
    lines = ["| run | " + " | ".join(f"{m / 60:g} min" for m in marks)
             + " | peak | requests (errors) | worker replacements |",
             "|---|" + "---:|" * (len(marks) + 3)]
    for name, (samples, _load, replaced) in results.items():
        cells = []
        for mark in marks:
            row = min(samples.rows, key=lambda r: abs(r[0] - mark))
            cells.append(f"{row[3]:,.0f}")
        peak = max(r[3] for r in samples.rows)
        last = samples.rows[-1]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {peak:,.0f} | "
                     f"{last[1]:,} ({last[2]}) | {replaced} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="per run")
    parser.add_argument("--buurten", type=int, default=14_500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--pygeoapi-python", type=Path,
                        default=Path("/tmp/pygeoapi-venv/bin/python"))
    parser.add_argument("--runs", default="mixed,ogc,pygeoapi",
                        help="which runs, comma-separated (to compare server settings)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a GeoInsight setting for the server, e.g. cache_memory_bytes=0")
    args = parser.parse_args()
    import geopandas as gpd

    from geoinsight.store.gpkg import GeoPackageStore

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        tmp = Path(folder)
        data_dir = tmp / "data"
        shutil.copytree(buurt_store(args.buurten), data_dir)
        store = GeoPackageStore(data_dir / "geoinsight.gpkg")
        year = store.area_years(level="buurt")[-1]
        areas: gpd.GeoDataFrame = store.areas(level="buurt", year=year)
        buurten = sorted(areas["code"])
        gemeenten = sorted(areas["gemeente_code"].dropna().unique()) if (
            "gemeente_code" in areas) else sorted({c[2:6] for c in buurten})
        if not str(gemeenten[0]).startswith("GM"):
            gemeenten = [f"GM{g}" for g in gemeenten]
        bounds = tuple(float(v) for v in areas.total_bounds)
        collection = f"buurt_{year}"
        ours_env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
        ours_env["GEOINSIGHT_ACCESS_LOG"] = "off"
        for setting in args.setting:
            name, _, value = setting.partition("=")
            ours_env[f"GEOINSIGHT_{name.upper()}"] = value
        runs = set(args.runs.split(","))
        port = free_port()
        ours = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir), "serve",
                "--port", str(port), "--basemap", "none", "--production", "--workers",
                str(args.workers), "--threads", str(args.threads)]
        probe = subprocess.run([sys.executable, "-c", PROBE, str(data_dir)],
                               capture_output=True, text=True, check=True, env=ours_env)
        layers = json.loads(probe.stdout.strip().splitlines()[-1])
        ogc_ours = ogc_urls("/ogc/collections/", collection, len(buurten), bounds)  # type: ignore[arg-type]
        log = tmp / "servers.log"
        results = {}
        if "mixed" in runs:
            results["GeoInsight, mixed load"] = run(
                "GeoInsight, mixed", ours, ours_env, port,
                mixed_urls(ogc_ours, gemeenten, buurten, layers, year), args, log)
        if "ogc" in runs:
            results["GeoInsight, OGC load"] = run("GeoInsight, OGC", ours, ours_env, port,
                                                  ogc_ours, args, log)
        if "pygeoapi" in runs:
            gpkg = tmp / f"{collection}.gpkg"
            export_collection(data_dir, collection, gpkg)
            theirs, env = pygeoapi_under_gunicorn(
                tmp, collection, gpkg, port, args.pygeoapi_python, args.workers, args.threads,
                ("--max-requests", str(MAX_REQUESTS), "--max-requests-jitter",
                 str(MAX_REQUESTS // 10)))
            results["pygeoapi, OGC load"] = run(
                "pygeoapi, OGC", theirs, env, port,
                ogc_urls("/collections/", collection, len(buurten), bounds), args, log)  # type: ignore[arg-type]
    print(f"\n{len(buurten):,} buurten, {len(gemeenten)} gemeenten; {args.workers} workers × "
          f"{args.threads} threads, {args.clients} clients, {args.minutes:g} min per run; "
          f"PSS of master + workers, MB\n")
    print(table(results, args.minutes))


if __name__ == "__main__":
    main()
