"""Helpers of the browser tests: server processes, the request recorder, payload names.

Kept out of ``conftest.py`` so the test module can import them by a name that does not clash
with ``tests/conftest.py`` (both would be the module ``conftest``).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from live_server import clean_env, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BASEMAP_HOST = "service.pdok.nl"
LOCAL_HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 90.0
SCREENSHOTS = Path(__file__).parent / "screenshots"

#: Names of the payload store (see the ``xss_data_dir`` fixture), each meant to stay text.
XSS_ALERT = "<img src=x onerror=alert(1)>"
XSS_FLAG = '<img src=x onerror="window.__xss=1">'
XSS_MARKUP = "Naam & <b>vet</b>"
XSS_WIJK = "Wijk </script><script>window.__xss=2</script>"
XSS_NAMES = {"BU05030000": XSS_ALERT, "BU05030001": XSS_MARKUP, "BU05030002": XSS_FLAG}


# --- servers ---------------------------------------------------------------------------------


def run_cli(data_dir: Path, *args: str) -> str:
    """Run ``geoinsight --data-dir data_dir ...``; fail the test with its output if it fails."""
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir), *args]
    done = subprocess.run(command, env=clean_env(), capture_output=True, text=True,
                          timeout=300, cwd=data_dir.parent, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command[2:])} exited {done.returncode}:\n{output}")
    return output


@dataclass
class LiveServer:
    """A running ``geoinsight serve``: its base URL, data dir and log file."""

    base_url: str
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return json.load(response)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _wait_healthy(process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before it was healthy:\n"
                        f"{server.output()}")
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.25)
    pytest.fail(f"the server was not healthy within {STARTUP_TIMEOUT_S:.0f} s ({last_error}):\n"
                f"{server.output()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def start_server(data_dir: Path, basemap: str) -> Iterator[LiveServer]:
    """Start ``geoinsight serve`` on a free port, yield once /healthz answers, then stop it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = data_dir.parent / f"server-{basemap}-{port}.log"
    server = LiveServer(f"http://{LOCAL_HOST}:{port}", data_dir, log)
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(data_dir), "serve",
               "--host", LOCAL_HOST, "--port", str(port), "--basemap", basemap, "--no-warm"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=clean_env(), stdout=out,
                                   stderr=subprocess.STDOUT, cwd=data_dir.parent)
    try:
        _wait_healthy(process, server)
        yield server
    finally:
        _stop(process)


def write_payload_boundaries(path: Path) -> None:
    """Three square buurten named with payloads, their wijk and gemeente, in one GeoPackage.

    EPSG:28992 near x=84000, y=447000 (Delft). The gemeente (GM0503 Delft) makes the map's
    gemeente picker work; the wijk (WK050300) carries a ``</script>`` payload of its own.
    """
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0, size = 84000.0, 447000.0, 400.0
    codes = list(XSS_NAMES)
    buurten = gpd.GeoDataFrame(
        {
            "buurtcode": codes,
            "buurtnaam": [XSS_NAMES[c] for c in codes],
            "wijkcode": ["WK050300"] * len(codes),
            "gemeentecode": ["GM0503"] * len(codes),
            "aantal_inwoners": [100, 200, 300],
            "bevolkingsdichtheid_inwoners_per_km2": [5000, 6000, 7000],
        },
        geometry=[box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size)
                  for i in range(len(codes))],
        crs="EPSG:28992",
    )
    outline = box(x0, y0, x0 + len(codes) * size, y0 + size)
    wijken = gpd.GeoDataFrame({"wijkcode": ["WK050300"], "wijknaam": [XSS_WIJK],
                               "gemeentecode": ["GM0503"]},
                              geometry=[outline], crs="EPSG:28992")
    gemeenten = gpd.GeoDataFrame({"gemeentecode": ["GM0503"], "gemeentenaam": ["Delft"]},
                                 geometry=[outline], crs="EPSG:28992")
    gemeenten.to_file(path, layer="gemeenten", driver="GPKG")
    wijken.to_file(path, layer="wijken", driver="GPKG")
    buurten.to_file(path, layer="buurten", driver="GPKG")


# --- browser ---------------------------------------------------------------------------------


def transparent_png() -> bytes:
    """A 1×1 fully transparent RGBA PNG, built here so no test asset is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1×1, 8-bit RGBA
    pixels = zlib.compress(b"\x00" + b"\x00\x00\x00\x00")  # filter byte + one clear pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def _ignorable(url: str) -> bool:
    """Requests whose failure says nothing about the map: the favicon and JS source maps."""
    path = urlsplit(url).path
    return path.endswith("/favicon.ico") or path.endswith(".map")


def _cancelled_tile(url: str, reason: str) -> bool:
    """A basemap tile Leaflet stopped loading itself (it does so on every zoom, e.g. fitBounds)."""
    return urlsplit(url).hostname == BASEMAP_HOST and "ERR_ABORTED" in reason


@dataclass
class Recorder:
    """What a page asked for, what failed, and how many basemap tiles were served locally."""

    requests: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)  # (status, url)
    aborted: list[str] = field(default_factory=list)  # off-host requests stopped by the route
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    tiles: int = 0

    def problems(self) -> list[str]:
        """Failed requests and answers >= 400, except the favicon and source maps."""
        failed = [f"failed {url} ({why})" for url, why in self.failed
                  if not _ignorable(url) and not _cancelled_tile(url, why)]
        bad = [f"{status} {url}" for status, url in self.bad_responses if not _ignorable(url)]
        return failed + bad

    def off_host(self, allowed: tuple[str, ...] = ()) -> list[str]:
        """Requests to any host but 127.0.0.1 and ``allowed`` (data: and blob: are local)."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname != LOCAL_HOST and parts.hostname not in allowed:
                out.append(url)
        return out


@dataclass
class BrowserPage:
    """A Playwright page and what it recorded."""

    page: Any  # playwright.sync_api.Page
    record: Recorder


#: A point inside a polygon's SVG path that is not covered by another element (for hovering).
INSIDE_POINT_JS = """(path) => {
  const r = path.getBoundingClientRect();
  const steps = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9];
  for (const fy of steps) {
    for (const fx of steps) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      if (document.elementFromPoint(x, y) === path) return {x, y};
    }
  }
  return null;
}"""


TOOLTIP = ".leaflet-tooltip"


def hover_tooltip(page: Any, path: Any, away: str) -> str | None:
    """Hover a polygon like a user: first onto ``away`` (a heading) so any tooltip closes, then
    inside the path. The tooltip's text, or None if no point of the path is reachable.

    ``path`` is an element handle, not ``nth(i)``: a hovered polygon is brought to the front,
    which reorders the paths.
    """
    box = page.locator(away).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.locator(TOOLTIP).wait_for(state="detached")
    point = path.evaluate(INSIDE_POINT_JS)
    if point is None:
        return None
    page.mouse.move(point["x"], point["y"], steps=2)
    tooltip = page.locator(TOOLTIP)
    tooltip.wait_for(state="visible")
    return tooltip.text_content() or ""


# --- accessibility ---------------------------------------------------------------------------

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (the page's context must
    bypass CSP: the script is injected), each as rule, impact and the first elements at fault."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))", AXE_TAGS)
    return list(found)
