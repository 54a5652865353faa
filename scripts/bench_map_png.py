"""The map as a PNG for slides: GeoInsight's server-drawn image against a headless Chromium's
screenshot of the map page (the obvious way to get "the map as a picture").

Both show the same map (layer ``population``, buurten) of ``bench_export``'s synthetic store of
the whole country (14,500 buurten) and of one gemeente (GM0034), at 1280×720:

- **GeoInsight**: ``GET /api/layers/population/map.png`` through Flask's test client (Pillow
  draws the published classes with legend, title, scale and source);
- **Chromium**: ``geoinsight serve`` in a subprocess (no basemap), the Debian Chromium driven by
  Playwright opens ``/map/population``, waits until the map is drawn, and takes a screenshot.

Each side starts on a fresh copy of the store (empty answer cache). **cold** is the first image
(the server reads and simplifies the geometry), **warm** the quicker of two more. Printed: the
seconds, the PNG's size, and the ratio Chromium / GeoInsight.

Usage: python scripts/bench_map_png.py [--buurten 14500]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import buurt_store

SIZE = (1280, 720)
CHROMIUM = Path("/usr/bin/chromium")
VIEWS = {"national": "level=buurt", "gemeente GM0034": "level=buurt&municipality=GM0034"}


def fresh_copy(source: Path, root: Path, name: str) -> Path:
    target = root / name
    target.mkdir()
    shutil.copyfile(source / "geoinsight.gpkg", target / "geoinsight.gpkg")
    return target


def ours(data_dir: Path, query: str) -> tuple[float, float, int]:
    from geoinsight.settings import load_settings
    from geoinsight.web import create_app

    client = create_app(load_settings(data_dir=data_dir, basemap="none")).test_client()
    url = f"/api/layers/population/map.png?{query}&width={SIZE[0]}&height={SIZE[1]}"
    times, size = [], 0
    for _ in range(3):
        start = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200 and answer.mimetype == "image/png", answer.status_code
        size = len(answer.get_data())
    return times[0], min(times[1:]), size


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chromium(data_dir: Path, queries: dict[str, str]) -> dict[str, tuple[float, float, int]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir), "serve",
         "--port", str(port), "--basemap", "none", "--no-warm"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        out = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            for view, query in queries.items():
                times, size = [], 0
                for _ in range(3):
                    start = time.perf_counter()
                    page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
                    page.goto(f"{base}/map/population?{query}")
                    page.wait_for_selector('body[data-map-ready="1"]', timeout=300_000)
                    size = len(page.screenshot())
                    page.close()
                    times.append(time.perf_counter() - start)
                out[view] = (times[0], min(times[1:]), size)
            browser.close()
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=14_500)
    args = parser.parse_args()
    store = buurt_store(args.buurten)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        mine = {view: ours(fresh_copy(store, root, f"ours-{n}"), query)
                for n, (view, query) in enumerate(VIEWS.items())}
        theirs = chromium(fresh_copy(store, root, "chromium"), VIEWS)
    print(f"\nmap of population, {args.buurten} synthetic buurten, {SIZE[0]}x{SIZE[1]} PNG\n")
    header = (f"{'view':18} {'GeoInsight cold':>16} {'warm':>8} {'Chromium cold':>14} "
              f"{'warm':>8} {'ratio warm':>11}  PNG bytes (ours / Chromium)")
    print(header)
    print("-" * len(header))
    for view in VIEWS:
        o, c = mine[view], theirs[view]
        print(f"{view:18} {o[0]:14.2f} s {o[1]:6.2f} s {c[0]:12.2f} s {c[1]:6.2f} s "
              f"{c[1] / o[1]:10.1f}x  {o[2]:,} / {c[2]:,}")


if __name__ == "__main__":
    main()
