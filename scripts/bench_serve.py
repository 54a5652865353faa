"""Load per route: ``serve --production`` (gunicorn, N worker processes) against plain ``serve``
(waitress, one process), both on the demo store, loaded with ``wrk`` on loopback.

Routes: the area GeoJSON of Delft's buurten (``/api/areas``, cached per process with ETag and
gzip) and a layer's values for them (``/api/layers/<id>/values``, computed per request). Each
runs at 16 and 64 connections for ``--duration`` seconds after a 3-second warm-up run (each
worker process fills its own caches);
wrk asks for gzip as browsers do. Both servers write their JSON access log to a file, as in
production. Printed: requests/s, p50 and p99 latency, errors (socket errors and non-2xx/3xx
answers), the ratio production / waitress, and the issue's targets met or not.

The Debian package ``wrk`` is needed (``sudo apt-get install wrk``).

Usage: python scripts/bench_serve.py [--workers N] [--threads 8] [--duration 15] [--no-waitress]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from geoinsight.settings import default_workers

HOST = "127.0.0.1"
ROUTES = {
    "area GeoJSON": "/api/areas?level=buurt&municipality=GM0503&year=2023",
    "layer values": "/api/layers/population_density/values?level=buurt&municipality=GM0503",
}
#: The issue's targets at 64 connections: least requests/s, most p99 ms.
TARGETS = {"area GeoJSON": (1000, 50.0), "layer values": (500, 100.0)}
CONNECTIONS = (16, 64)
WARM_UP_S = 3

#: wrk's report as one JSON line (latencies in microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,'
    .. '"non_2xx_3xx":%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Result:
    server: str
    route: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    status_errors: int

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors

    def errors_text(self) -> str:
        """``0``, or the count with its kinds (wrk's socket errors include its 2 s timeout)."""
        if not self.errors:
            return "0"
        return f"{self.errors} ({self.socket_errors} socket, {self.status_errors} status)"


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    sys.exit(f"the server did not become healthy:\n{log.read_text()}")


def _serve(data_dir: Path, port: int, extra: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
    env["GEOINSIGHT_ACCESS_LOG"] = str(data_dir / "access.log")
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir), "serve",
               "--port", str(port), "--basemap", "none", *extra]
    with open(log, "wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wrk(url: str, connections: int, seconds: int, script: Path) -> dict[str, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-H", "Accept-Encoding: gzip", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    report: dict[str, int] = json.loads(line)
    return report


def measure(server: str, extra: list[str], data_dir: Path, port: int, seconds: int,
            script: Path) -> list[Result]:
    log = data_dir.parent / f"{server}.log"
    process = _serve(data_dir, port, extra, log)
    base = f"http://{HOST}:{port}"
    results = []
    try:
        _wait_healthy(base, process, log)
        for route, path in ROUTES.items():
            # warm-up, not measured: every worker process fills its own caches
            _wrk(base + path, max(CONNECTIONS), WARM_UP_S, script)
            for connections in CONNECTIONS:
                r = _wrk(base + path, connections, seconds, script)
                results.append(Result(
                    server, route, connections, r["requests"] / (r["duration_us"] / 1e6),
                    r["p50_us"] / 1000, r["p99_us"] / 1000,
                    r["socket_errors"], r["non_2xx_3xx"]))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    return results


def table(results: list[Result], production: str) -> str:
    lines = ["| route | connections | server | req/s | p50 ms | p99 ms | errors | "
             "req/s vs waitress |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    base = {(r.route, r.connections): r.rps for r in results if r.server == "waitress"}
    for r in sorted(results, key=lambda r: (r.route, r.connections, r.server != "waitress")):
        key = (r.route, r.connections)
        ratio = f"{r.rps / base[key]:.2f}×" if key in base else "–"
        lines.append(f"| {r.route} | {r.connections} | "
                     f"{production if r.server == 'production' else 'waitress, 1 process'} | "
                     f"{r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors_text()} | "
                     f"{ratio} |")
    return "\n".join(lines)


def verdicts(results: list[Result]) -> list[str]:
    out = []
    for r in results:
        if r.server != "production" or r.connections != 64:
            continue
        least, most = TARGETS[r.route]
        met = r.rps >= least and r.p99_ms <= most and r.errors == 0
        out.append(f"{r.route}: target ≥ {least} req/s, p99 ≤ {most:.0f} ms, 0 errors: "
                   f"{'met' if met else 'NOT met'} ({r.rps:,.0f} req/s, p99 {r.p99_ms:.1f} ms, "
                   f"{r.errors} errors)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--port", type=int, default=5391)
    parser.add_argument("--no-waitress", action="store_true",
                        help="measure serve --production only (to compare worker settings)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: it is the Debian package wrk (sudo apt-get install wrk)")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        data_dir = Path(folder) / "data"
        subprocess.run([sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir),
                        "demo"], check=True, capture_output=True)
        script = Path(folder) / "report.lua"
        script.write_text(REPORT_LUA)
        production = f"gunicorn, {args.workers} workers × {args.threads} threads"
        results = [] if args.no_waitress else measure(
            "waitress", ["--threads", str(args.threads)], data_dir, args.port, args.duration,
            script)
        results += measure("production", ["--production", "--workers", str(args.workers),
                                          "--threads", str(args.threads)],
                           data_dir, args.port, args.duration, script)
    print(f"demo store, wrk -t2 for {args.duration} s per row, {os.cpu_count()} cores; "
          f"load average (1 min) {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print(table(results, production))
    print()
    print("\n".join(verdicts(results)))


if __name__ == "__main__":
    main()
