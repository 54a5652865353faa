"""The national map in a real browser: GeoInsight's ``/map/<layer>?level=buurt`` (every buurt of
the store) against a naive Folium choropleth of the same buurten, in one run, in headless Chromium.

The store is ``bench_export.buurt_store`` (synthetic national buurten, ~157 vertices each, nine
KWB-style figures), copied into a fresh data dir.

- GeoInsight: ``geoinsight serve`` (waitress, ``GEOINSIGHT_BASEMAP=none``). Its background
  warm-up runs first; the benchmark waits until the server's CPU is idle. The first visit after
  that is reported on its own (what the warm-up leaves cold is made then), the next ``--runs``
  visits are the normal state. The page carries only URLs; ``static/js/choropleth.js`` fetches
  the overview geometry (``detail=overview``, gzip) and the layer's values and draws on a canvas.
- Naive Folium: ``bench_map_payload.naive_map`` (``folium.Choropleth`` with the full-detail
  GeoJSON of every buurt inlined and a GeoJsonTooltip), no basemap and no legend (branca draws
  it with d3 from a CDN), served by Python's ``http.server`` (no gzip). There is no internet
  here: Folium's Leaflet links point to the vendored ``static/vendor/leaflet-1.9.4`` (Folium asks
  for 1.9.3), its other CDN links (jQuery, Bootstrap, Font Awesome, awesome-markers; nothing the
  page uses) are dropped.

Each visit is a fresh browser context (empty cache), 1280×720, the two sides taking turns.
Measured per visit:

- bytes on the wire: ``encodedDataLength`` of every request (CDP Network events; headers
  included), the naive side also as it would be with gzip (each file gzipped, level 6);
- drawn: navigation start to ``body[data-map-ready="1"]`` (GeoInsight) or to the load event
  with Leaflet's paths present (Folium), each followed by two animation frames;
- JS heap: ``Runtime.getHeapUsage`` after a forced garbage collection;
- hover: the pointer jumps from the zoom control onto an area near the middle of the areas; from the
  timestamp of its first event there (``pointerover``) to the end of the first frame after the
  tooltip (``.gi-tooltip``, ``.leaflet-tooltip``) entered the page (a task queued from that
  frame's animation callback); five positions per visit.

Also counted: the areas each side shows (Folium's SVG paths; the areas GeoInsight's legend
counts, as it draws on a canvas), page errors, console errors and failed requests. The
browser's own ``/favicon.ico`` request is left out of the bytes and requests.

Printed: per visit, then median and max per side, the ratios and the issue's targets (≤ 3 MB on
the wire, ≤ 2 s to a drawn country, hover as fast as naive Folium).

Usage: python scripts/bench_national_map.py [--buurten 14500] [--runs 5] [--layer population]
       [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# the other benchmarks' helpers, and the browser tests' (Chromium, a geoinsight serve process)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import BUURT_YEAR, buurt_store
from bench_map_payload import naive_map
from bench_ogc import free_port
from browser_support import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOST
from live_server import Server, clean_env, start
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor" / "leaflet-1.9.4"
VIEWPORT = {"width": 1280, "height": 720}
#: The issue's targets for GeoInsight's national map.
TARGET_BYTES = 3e6
TARGET_DRAWN_S = 2.0
#: Hover positions: offsets in pixels from the middle of the areas drawn (each side fits the
#: country in its own way: GeoInsight keeps it beside the panels in the map's corners).
HOVER_OFFSETS = [(0, 0), (-40, -30), (40, 30), (-40, 40), (40, -40)]

#: The page position of the middle of the largest GeoJSON layer's bounds (both sides draw the
#: areas as one L.GeoJSON; folium names the map ``map_<id>`` on both).
AREAS_MIDDLE = """() => {
  const map = window[Object.keys(window).find((k) => /^map_[0-9a-f]+$/.test(k))];
  let areas = null;
  map.eachLayer((layer) => {
    if (layer.getLayers && layer.getBounds
        && (!areas || layer.getLayers().length > areas.getLayers().length)) areas = layer;
  });
  const point = map.latLngToContainerPoint(areas.getBounds().getCenter());
  const box = map.getContainer().getBoundingClientRect();
  return { x: box.left + point.x, y: box.top + point.y };
}"""
DRAWN_TIMEOUT_MS = 300_000

#: Installed in every page before its own scripts: ``__bench.drawn`` (ms since navigation
#: start) once the side's "drawn" signal has come and two frames have passed, and the hover
#: probe (``__bench.arm(selector)``, then ``__bench.hover``: pointer and tooltip times).
PROBE_JS = """
(() => {
  const b = window.__bench = { drawn: null, hover: null };
  const frames = (f) => requestAnimationFrame(() => requestAnimationFrame(f));
  const done = () => { if (b.drawn === null) frames(() => { b.drawn = performance.now(); }); };
  if (SIDE === "geoinsight") {
    new MutationObserver(() => {
      if (document.body && document.body.dataset.mapReady === "1") done();
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-map-ready"] });
  } else {
    window.addEventListener("load", () => {
      const poll = () => document.querySelector(".leaflet-interactive")
        ? done() : setTimeout(poll, 10);
      poll();
    });
  }
  // the pointer's first event after arm(): pointerover comes before mouseover (SVG paths open
  // their tooltip then) and mousemove (the canvas hit-tests then)
  ["pointerover", "pointermove", "mouseover", "mousemove"].forEach((type) => {
    window.addEventListener(type, (e) => {
      if (b.hover && b.hover.move === null) b.hover.move = e.timeStamp;
    }, true);
  });
  b.arm = (selector) => {
    const hover = b.hover = { move: null, shown: null };
    const pane = document.querySelector(".leaflet-tooltip-pane");
    const seen = new MutationObserver((records) => {
      const added = records.some((r) => Array.from(r.addedNodes).some(
        (n) => n.matches && n.matches(selector)));
      if (!added || hover.move === null) return;
      seen.disconnect();
      // after the next frame: its style, layout and paint are done on the main thread
      requestAnimationFrame(() => setTimeout(() => { hover.shown = performance.now(); }, 0));
    });
    seen.observe(pane, { childList: true });
  };
})();
"""

#: Seconds from navigation start to the HTML received and to the last fetch() received.
RECEIVED_JS = """() => {
  const html = performance.getEntriesByType("navigation")[0].responseEnd;
  const data = performance.getEntriesByType("resource")
    .filter((r) => r.initiatorType === "fetch").map((r) => r.responseEnd);
  return [html / 1000, Math.max(html, ...data) / 1000];
}"""

#: Each side's tooltip.
TOOLTIPS = {"geoinsight": ".gi-tooltip", "folium": ".leaflet-tooltip"}
#: How many areas each side shows: Folium's SVG paths; GeoInsight draws on a canvas, so the
#: areas its legend counts (every class and no-data row).
SHAPES = {"geoinsight": "counted by the legend", "folium": "SVG paths"}
SHAPES_JS = {
    "geoinsight": """() => Array.from(document.querySelectorAll(".gi-legend .gi-legend-count"))
        .reduce((n, e) => n + Number(e.textContent.replace(/[^0-9]/g, "")), 0)""",
    "folium": "() => document.querySelectorAll('path.leaflet-interactive').length",
}


# -- the naive page -------------------------------------------------------------------------------


@dataclass
class NaivePage:
    folder: Path
    html_bytes: int
    build_s: float
    rewritten: list[str]
    dropped: list[str]


def naive_page(data_dir: Path, layer: str, folder: Path) -> NaivePage:
    """Folium's page of every buurt in ``folder/index.html``, its CDN links made local."""
    from geoinsight.store.gpkg import GeoPackageStore

    start_s = time.perf_counter()
    m = naive_map(GeoPackageStore(data_dir / "geoinsight.gpkg"), "buurt", None, BUURT_YEAR,
                  layer, tiles=None, legend=False)
    html = m.get_root().render()
    build_s = time.perf_counter() - start_s
    rewritten: list[str] = []
    dropped: list[str] = []

    def local(tag: re.Match[str]) -> str:
        url = tag.group("url")
        name = Path(urlsplit(url).path).name
        if re.search(r"/leaflet@[\d.]+/dist/", url) and (VENDOR / name).exists():
            rewritten.append(url)
            return tag.group(0).replace(url, f"leaflet/{name}")
        dropped.append(url)
        return ""

    html = re.sub(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(?P<url>https?://[^\"]+)\"[^>]*>"
                  r"(?:</script>)?", local, html)
    if re.search(r"(?:src|href)=\"https?://", html):
        raise SystemExit("the naive page still links off the machine")
    folder.mkdir(parents=True)
    shutil.copytree(VENDOR, folder / "leaflet")
    (folder / "index.html").write_text(html, encoding="utf-8")
    return NaivePage(folder, len(html.encode()), build_s, rewritten, dropped)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def static_server(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """``folder`` over HTTP (no gzip) from a thread of this process; the server and its URL."""
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        (LOCAL_HOST, port), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, name="naive-http", daemon=True).start()
    return server, f"http://{LOCAL_HOST}:{port}"


def gzip_saving(folder: Path, paths: list[str]) -> int:
    """Bytes gzip (level 6) would save on the files of ``folder`` asked for at ``paths``."""
    saved = 0
    for path in set(paths):
        file = folder / (urlsplit(path).path.lstrip("/") or "index.html")
        if file.is_file() and file.suffix in (".html", ".js", ".css", ".svg"):
            body = file.read_bytes()
            saved += len(body) - len(gzip.compress(body, 6))
    return saved


# -- GeoInsight's server --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(server: Server, quiet_s: float = 3.0, limit_s: float = 900.0) -> float:
    """Seconds until the server's process has used < 5 % of a core for ``quiet_s`` on end (its
    background warm-up done)."""
    start_s = time.monotonic()
    quiet_since = start_s
    used = cpu_seconds(server.process.pid)
    while time.monotonic() - start_s < limit_s:
        time.sleep(0.5)
        if server.process.poll() is not None:
            raise SystemExit(f"the server exited:\n{server.output()}")
        now_used = cpu_seconds(server.process.pid)
        if now_used - used > 0.025:
            quiet_since = time.monotonic()
        used = now_used
        if time.monotonic() - quiet_since >= quiet_s:
            return quiet_since - start_s
    raise SystemExit(f"the server was still busy after {limit_s:.0f} s")


# -- one visit ------------------------------------------------------------------------------------


@dataclass
class Visit:
    side: str
    bytes: int = 0
    requests: int = 0
    drawn_ms: float = float("nan")
    heap_mb: float = float("nan")
    hover_ms: list[float] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes per URL (path and query)
    shapes: int = 0  # areas shown (SHAPES)
    html_s: float = float("nan")  # the page's HTML received (navigation start = 0)
    data_s: float = float("nan")  # the last fetch (areas, values) received; naive: the HTML
    problems: list[str] = field(default_factory=list)

    @property
    def hover_median(self) -> float:
        return statistics.median(self.hover_ms) if self.hover_ms else float("nan")

    def line(self, label: str) -> str:
        return (f"    {label:<22} {self.bytes / 1e6:8.2f} MB in {self.requests:2d} requests, "
                f"drawn {self.drawn_ms / 1000:6.2f} s, heap {self.heap_mb:6.1f} MB, hover "
                f"{self.hover_median:6.1f} ms (of {len(self.hover_ms)}); "
                f"HTML in at {self.html_s:.2f} s, data in at {self.data_s:.2f} s"
                + (f"; PROBLEMS: {self.problems}" if self.problems else ""))


def _network(cdp: Any, visit: Visit) -> dict[str, Any]:
    """Follow the page's requests over CDP; the returned dict counts what is still in flight."""
    urls: dict[str, str] = {}
    state: dict[str, Any] = {"open": set()}

    def sent(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["request"]["url"]
        state["open"].add(event["requestId"])

    def finished(event: dict[str, Any]) -> None:
        state["open"].discard(event["requestId"])
        parts = urlsplit(urls.get(event["requestId"], ""))
        if parts.path == "/favicon.ico":  # asked for by the browser itself, not by the page
            return
        visit.bytes += int(event["encodedDataLength"])
        visit.requests += 1
        where = parts.path + (f"?{parts.query}" if parts.query else "")
        visit.sizes[where] = visit.sizes.get(where, 0) + int(event["encodedDataLength"])

    def failed(event: dict[str, Any]) -> None:
        state["open"].discard(event["requestId"])
        visit.problems.append(f"failed {urls.get(event['requestId'])} "
                              f"({event.get('errorText')})")

    def received(event: dict[str, Any]) -> None:
        status = event["response"]["status"]
        if status >= 400 and not event["response"]["url"].endswith("/favicon.ico"):
            visit.problems.append(f"{status} {event['response']['url']}")

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    cdp.on("Network.responseReceived", received)
    cdp.send("Network.enable")
    return state


def _hover(page: Any, visit: Visit) -> None:
    """The tooltip latency at each of ``HOVER_OFFSETS`` (see the module docstring)."""
    selector = TOOLTIPS[visit.side]
    away = page.locator(".leaflet-control-zoom-in").bounding_box()
    middle = page.evaluate(AREAS_MIDDLE)
    cx, cy = middle["x"], middle["y"]
    for dx, dy in HOVER_OFFSETS:
        page.mouse.move(away["x"] + away["width"] / 2, away["y"] + away["height"] / 2)
        page.wait_for_function("(s) => !document.querySelector(s)", arg=selector, timeout=30_000)
        page.wait_for_timeout(150)  # past Leaflet's 32 ms canvas hover throttle
        page.evaluate("(s) => window.__bench.arm(s)", selector)
        page.mouse.move(cx + dx, cy + dy)
        try:
            page.wait_for_function("() => window.__bench.hover.shown !== null", timeout=10_000)
        except PlaywrightTimeout:  # no area under the pointer, or no tooltip
            visit.problems.append(f"no tooltip within 10 s at {dx:+d}, {dy:+d} px from the "
                                  "middle of the areas")
            continue
        hover = page.evaluate("() => window.__bench.hover")
        visit.hover_ms.append(hover["shown"] - hover["move"])


def visit(browser: Any, side: str, url: str, screenshot: Path | None = None) -> Visit:
    """One visit of ``url`` in a fresh context (empty cache)."""
    found = Visit(side)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(PROBE_JS.replace("SIDE", repr(side)))
        page = context.new_page()
        page.on("pageerror", lambda error: found.problems.append(f"page error: {error}"))
        page.on("console", lambda message: found.problems.append(f"console: {message.text}")
                if message.type == "error"
                and not message.location.get("url", "").endswith("/favicon.ico") else None)
        cdp = context.new_cdp_session(page)
        network = _network(cdp, found)
        page.goto(url, wait_until="commit", timeout=DRAWN_TIMEOUT_MS)
        page.wait_for_function("() => window.__bench.drawn !== null", timeout=DRAWN_TIMEOUT_MS,
                               polling=50)
        found.drawn_ms = page.evaluate("() => window.__bench.drawn")
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 0.5:  # until nothing is in flight for 0.5 s
            page.wait_for_timeout(100)
            if network["open"]:
                quiet_since = time.monotonic()
        found.html_s, found.data_s = page.evaluate(RECEIVED_JS)
        found.shapes = page.evaluate(SHAPES_JS[side])
        cdp.send("HeapProfiler.collectGarbage")
        found.heap_mb = cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        _hover(page, found)
    finally:
        context.close()
    return found


# -- report ---------------------------------------------------------------------------------------


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def table(ours: list[Visit], naive: list[Visit], gzip_saved: int) -> list[str]:
    def row(what: str, a: list[float], b: list[float], unit: str, digits: int) -> str:
        (am, ax), (bm, bx) = _stats(a), _stats(b)
        unit = f" {unit}" if unit else ""
        return (f"| {what} | {am:,.{digits}f}{unit} (max {ax:,.{digits}f}) | "
                f"{bm:,.{digits}f}{unit} (max {bx:,.{digits}f}) | {bm / am:,.1f}× |")

    def hovers(visits: list[Visit]) -> list[float]:
        return [ms for v in visits for ms in v.hover_ms] or [float("nan")]

    return [
        "| measure: median of the runs (max) | GeoInsight | naive Folium | naive / GeoInsight |",
        "|---|---|---|---|",
        row("bytes on the wire", [v.bytes / 1e6 for v in ours], [v.bytes / 1e6 for v in naive],
            "MB", 2),
        row("… naive page gzipped (estimate)", [v.bytes / 1e6 for v in ours],
            [(v.bytes - gzip_saved) / 1e6 for v in naive], "MB", 2),
        row("requests", [v.requests for v in ours], [v.requests for v in naive], "", 0),
        row("navigation start → drawn", [v.drawn_ms / 1000 for v in ours],
            [v.drawn_ms / 1000 for v in naive], "s", 2),
        row("JS heap used after drawing (after GC)", [v.heap_mb for v in ours],
            [v.heap_mb for v in naive], "MB", 1),
        row(f"hover → tooltip shown (all {len(HOVER_OFFSETS)} positions of every run)",
            hovers(ours), hovers(naive), "ms", 1),
    ]


def _span(visits: list[Visit]) -> str:
    medians = [v.hover_median for v in visits]
    return f"{min(medians):.1f}–{max(medians):.1f} ms"


def verdicts(ours: list[Visit], naive: list[Visit]) -> list[str]:
    size, drawn = _stats([v.bytes for v in ours]), _stats([v.drawn_ms / 1000 for v in ours])
    hover = statistics.median(ms for v in ours for ms in v.hover_ms)
    their_hover = statistics.median(ms for v in naive for ms in v.hover_ms)

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        f"≤ 3 MB on the wire: {met(size[1] <= TARGET_BYTES)} (median {size[0] / 1e6:.2f} MB, "
        f"max {size[1] / 1e6:.2f} MB)",
        f"≤ 2 s to a drawn country: {met(drawn[0] <= TARGET_DRAWN_S)} by the median "
        f"({drawn[0]:.2f} s), {met(drawn[1] <= TARGET_DRAWN_S)} by the max ({drawn[1]:.2f} s)",
        f"hover as fast as naive Folium: {met(hover <= their_hover)} (median {hover:.1f} ms "
        f"against {their_hover:.1f} ms; medians per run {_span(ours)} against "
        f"{_span(naive)})",
    ]


def report(first: Visit, ours: list[Visit], naive: list[Visit], gzip_saved: int) -> None:
    print("\n".join(table(ours, naive, gzip_saved)))
    print(f"\nGeoInsight's first visit after the warm-up: drawn {first.drawn_ms / 1000:.2f} s "
          f"(HTML in at {first.html_s:.2f} s, data in at {first.data_s:.2f} s), "
          f"{first.bytes / 1e6:.2f} MB")
    print("\n".join(verdicts(ours, naive)))
    for label, side in (("GeoInsight", ours[0]), ("naive Folium", naive[0])):
        largest = sorted(side.sizes.items(), key=lambda item: -item[1])[:4]
        print(f"{label}: {side.shapes:,} areas ({SHAPES[side.side]}); largest requests: "
              + ", ".join(f"{where} {size / 1e3:,.0f} kB" for where, size in largest))
    problems = {f"{v.side}: {p}" for v in [first, *ours, *naive] for p in v.problems}
    print("problems (errors, failed requests, hovers without a tooltip): "
          + ("; ".join(sorted(problems)) or "none"))


# -- driver ---------------------------------------------------------------------------------------


def serve(data_dir: Path, folder: Path) -> Server:
    """``geoinsight serve`` on ``data_dir``, once its background warm-up is done."""
    env = clean_env(GEOINSIGHT_DATA_DIR=str(data_dir), GEOINSIGHT_BASEMAP="none")
    server = start([sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir),
                    "serve", "--port", str(free_port())], folder / "serve.log", folder, env)
    seconds = wait_idle(server)
    answers = len(list((data_dir / "cache").glob("*")))
    print(f"geoinsight serve: warm-up done {seconds:.0f} s after start, {answers} answers in "
          "the cache", flush=True)
    return server


def visits(ours_url: str, naive_url: str, runs: int,
           shots: Path | None) -> tuple[Visit, list[Visit], list[Visit]]:
    """GeoInsight's first visit, then ``runs`` visits of each side, taking turns."""
    ours: list[Visit] = []
    naive: list[Visit] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # nothing leaves the machine, and a stray off-host request fails at once
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOCAL_HOST}"])
        first = visit(browser, "geoinsight", ours_url, shots / "geoinsight.png" if shots else None)
        print(first.line("GeoInsight, 1st visit"), flush=True)
        for run in range(runs):
            naive.append(visit(browser, "folium", naive_url,
                               shots / "folium.png" if shots and not run else None))
            print(naive[-1].line(f"naive Folium, run {run + 1}"), flush=True)
            ours.append(visit(browser, "geoinsight", ours_url))
            print(ours[-1].line(f"GeoInsight, run {run + 1}"), flush=True)
        browser.close()
    return first, ours, naive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=14_500)
    parser.add_argument("--runs", type=int, default=5, help="visits per side (after the first)")
    parser.add_argument("--layer", default="population", help="a layer of the synthetic store")
    parser.add_argument("--screenshots", type=Path, help="save each side's first drawn map here")
    args = parser.parse_args()
    import folium

    import geoinsight

    load_before = os.getloadavg()
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                              check=False).stdout.strip()
    print(f"{chromium}; folium {folium.__version__}; geoinsight from "
          f"{Path(geoinsight.__file__).parent}; {os.cpu_count()} cores", flush=True)
    source = buurt_store(args.buurten)
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-national-map-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        shutil.copyfile(source / "geoinsight.gpkg", data_dir / "geoinsight.gpkg")
        page = naive_page(data_dir, args.layer, Path(tmp) / "naive")
        print(f"naive Folium page: {page.html_bytes / 1e6:.1f} MB of HTML, built in "
              f"{page.build_s:.1f} s; Leaflet links made local: {page.rewritten}; "
              f"CDN links dropped: {page.dropped}", flush=True)
        http_server, naive_url = static_server(page.folder)
        server = serve(data_dir, Path(tmp))
        try:
            first, ours, naive = visits(server.url(f"/map/{args.layer}?level=buurt"),
                                        naive_url + "/index.html", args.runs, args.screenshots)
        finally:
            server.stop()
            http_server.shutdown()
        gzip_saved = gzip_saving(page.folder, list(naive[0].sizes))
    load_after = os.getloadavg()
    print(f"\n{args.buurten:,} buurten, {args.runs} runs per side, Chromium headless "
          f"{VIEWPORT['width']}×{VIEWPORT['height']}; load average (1 min) "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    report(first, ours, naive, gzip_saved)


if __name__ == "__main__":
    main()
