"""Custom areas in headless Chromium: draw with the mouse or upload a file, read the answer.

What only a browser can show: Leaflet.draw's polygon tool really places the vertices the user
clicks, the page posts exactly that polygon, and the panel shows exactly what
``POST /api/aggregate`` answers for it (every layer, its value, status and method); an uploaded
file gives a panel too, and a refused one shows the server's own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_support import BASEMAP_HOST, BrowserPage, LiveServer

from geoinsight.i18n import text

MAP_URL = "/map/population_density?level=buurt&municipality=GM0503"
PANEL = "#gi-area"
SETTLED = ", ".join(f'{PANEL}[data-state="{state}"]' for state in ("done", "empty", "error"))
AREA_PATHS = ".leaflet-giArea-pane path"
#: Corners (lon/lat) of the area to draw: Delft's old town, whose buurten publish most layers.
VERTICES = [[4.3610, 52.0065], [4.3695, 52.0060], [4.3700, 52.0125], [4.3615, 52.0130]]
#: A rectangle in Delft's centre (lon/lat), and a ring that crosses itself (a bow tie).
UPLOAD_RING = [[4.352, 52.006], [4.366, 52.006], [4.366, 52.014], [4.352, 52.014], [4.352, 52.006]]
BOW_TIE = [[4.352, 52.006], [4.366, 52.014], [4.366, 52.006], [4.352, 52.014], [4.352, 52.006]]
#: The map's Leaflet object is a global named after its div (Folium's ``var map_…``).
CONTAINER_TO_LATLNG = """([id, points]) => points.map(([x, y]) => {
  const latlng = window[id].containerPointToLatLng([x, y]);
  return [latlng.lng, latlng.lat];
})"""
LATLNG_TO_CONTAINER = """([id, corners]) => corners.map(([lon, lat]) => {
  const point = window[id].latLngToContainerPoint([lat, lon]);
  return [point.x, point.y];
})"""
#: Whether a page point is on the map itself, not on a control (panel, legend, toolbar).
ON_MAP = """([x, y]) => {
  const target = document.elementFromPoint(x, y);
  return Boolean(target && target.closest(".folium-map") && !target.closest(".leaflet-control"));
}"""


# --- the API, asked directly ---------------------------------------------------------------


def post(server: LiveServer, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(server.url(path), data=body, method="POST",
                                     headers={"Content-Type": content_type,
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def post_file(server: LiveServer, path: str, file: Path) -> tuple[int, Any]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{file.name}\"\r\nContent-Type: application/geo+json\r\n\r\n").encode()
    body += file.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return post(server, path, body, f"multipart/form-data; boundary={boundary}")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# --- what the panel should say (custom-area.js in Python) ----------------------------------


def nl_number(value: float) -> str:
    """``Intl.NumberFormat("nl-NL", {maximumFractionDigits})`` as the panel formats values."""
    size = abs(value)
    digits = 0 if size >= 1000 else 1 if size >= 10 else 2
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    sign = "-" if rounded < 0 else ""
    return sign + grouped + ("," + fraction if fraction else "")


def value_text(layer: dict[str, Any]) -> str:
    if layer["status"] == "secret":
        return text("nl", "secret")
    if layer["value"] is None:
        return text("nl", "missing")
    number, unit = nl_number(layer["value"]), layer["unit"]
    return number + unit if unit == "%" else f"{number} {unit}" if unit else number


def area_text(m2: float) -> str:
    if m2 >= 1e6:
        return nl_number(m2 / 1e6) + " km²"
    if m2 >= 1e4:
        return nl_number(m2 / 1e4) + " ha"
    return nl_number(m2) + " m²"


def panel_rows(page: Any) -> list[dict[str, Any]]:
    rows = []
    for row in page.locator(f"{PANEL} tbody tr").all():
        value = row.get_attribute("data-value")
        rows.append({
            "layer": row.get_attribute("data-layer"),
            "status": row.get_attribute("data-status"),
            "method": row.get_attribute("data-method"),
            "value": None if value is None else float(value),
            "value_text": row.locator(".gi-area-value").text_content(),
            "status_text": row.locator(".gi-area-status-text").text_content(),
            "reason_text": row.locator(".gi-area-reason").all_text_contents(),
            "method_text": row.locator(".gi-area-method").text_content(),
            "coverage_text": row.locator(".gi-area-coverage").text_content(),
            "title": row.locator(".gi-area-layer").text_content(),
        })
    return rows


def assert_panel_shows(page: Any, answer: dict[str, Any]) -> None:
    """The panel lists every layer of ``answer``, in order, exactly as the API gave it."""
    assert answer["layers"], "the API found no layer for a Delft area"
    rows = panel_rows(page)
    assert [r["layer"] for r in rows] == [layer["layer"] for layer in answer["layers"]]
    for row, layer in zip(rows, answer["layers"], strict=True):
        assert row["status"] == layer["status"], layer["layer"]
        assert row["method"] == layer["method"] and layer["method"], layer["layer"]
        assert row["value"] == layer["value"], layer["layer"]
        assert row["value_text"] == value_text(layer), layer["layer"]
        assert row["status_text"] == text("nl", f"status_{layer['status']}"), layer["layer"]
        reason = [text("nl", f"reason_{layer['reason']}")] if layer.get("reason") else []
        assert row["reason_text"] == reason, layer["layer"]
        assert row["method_text"] == text("nl", f"method_{layer['method']}"), layer["layer"]
        assert row["coverage_text"] == f"{round(layer['coverage'] * 100)}%", layer["layer"]
        assert row["title"].startswith(layer["title"]), layer["layer"]
    summary = page.locator(f"{PANEL} .gi-area-summary").text_content() or ""
    assert area_text(answer["area"]["area_m2"]) in summary
    assert str(answer["overlapping_areas"]) in summary


def assert_clean(bp: BrowserPage, refused: int | None = None) -> None:
    """No page error, dialog, off-host request or failed request; except, when ``refused`` is
    given, the aggregate answer with that status (and Chromium's console line about it)."""
    record = bp.record
    assert record.page_errors == [], record.page_errors
    assert record.dialogs == [], record.dialogs
    assert record.off_host((BASEMAP_HOST,)) == [], "requests left 127.0.0.1"
    problems = [p for p in record.problems()
                if not (refused and p.startswith(f"{refused} ") and "/api/aggregate" in p)]
    assert problems == [], problems
    console = [m for m in record.console_errors
               if not (refused and f"status of {refused}" in m)]
    assert console == [], console


# --- the page ------------------------------------------------------------------------------


def open_map(bp: BrowserPage, server: LiveServer) -> dict[str, float]:
    """Load Delft's buurt map, wait for the first layer; the map element's box."""
    page = bp.page
    page.goto(server.url(MAP_URL))
    page.wait_for_selector('body[data-map-ready="1"], body[data-map-error="1"]')
    assert page.locator(".gi-error").count() == 0, page.locator(".gi-error").text_content()
    page.wait_for_selector(f"{PANEL}:not([hidden])")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    return dict(box)


def draw_polygon(bp: BrowserPage, box: dict[str, float]) -> tuple[list[list[float]], Any]:
    """Draw ``VERTICES`` with Leaflet.draw's polygon tool, closing on the first vertex.

    Returns the lon/lat Leaflet gives the clicked pixels and the aggregate request the page sent.
    """
    page = bp.page
    button = page.locator(".leaflet-draw-draw-polygon")
    assert button.get_attribute("title") == text("nl", "draw_polygon")
    map_id = page.locator(".folium-map").get_attribute("id")
    # whole pixels: Chromium hands mouse events whole-pixel coordinates
    clicks = [(round(box["x"] + x), round(box["y"] + y))
              for x, y in page.evaluate(LATLNG_TO_CONTAINER, [map_id, VERTICES])]
    for point in clicks:
        assert page.evaluate(ON_MAP, point), f"vertex {point} is not on the open map"
    in_map = [(x - box["x"], y - box["y"]) for x, y in clicks]
    clicked = page.evaluate(CONTAINER_TO_LATLNG, [map_id, in_map])
    button.click()
    with page.expect_request(lambda r: "/api/aggregate" in r.url and r.method == "POST") as sent:
        for x, y in [*clicks, clicks[0]]:
            page.mouse.click(x, y)
            page.wait_for_timeout(120)  # Leaflet.draw ignores a vertex right after the last
    return clicked, sent.value


def test_drawn_polygon_shows_what_the_api_answers(
        live_server: LiveServer, browser_page: BrowserPage, screenshots: Path) -> None:
    page = browser_page.page
    box = open_map(browser_page, live_server)
    clicked, request = draw_polygon(browser_page, box)

    geometry = json.loads(request.post_data)
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"]) == 1
    ring = geometry["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == len(VERTICES) + 1
    for got, want in zip(ring[:-1], clicked, strict=True):  # within half a pixel (zoom 13)
        assert got == pytest.approx(want, abs=5e-5), (ring, clicked)

    page.wait_for_selector(SETTLED)
    status, answer = post(live_server, path_of(request.url), request.post_data.encode(),
                          "application/json")
    assert status == 200, answer
    assert page.get_attribute(PANEL, "data-state") == "done", \
        page.locator(f"{PANEL} .gi-area-error").text_content()
    assert_panel_shows(page, answer)
    assert page.locator(AREA_PATHS).count() == 1  # the drawn area, above the choropleth

    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + 10)  # no tooltip in the picture
    page.screenshot(path=str(screenshots / "custom-area.png"))
    page.locator(f"{PANEL} .gi-area-clear").click()
    assert page.get_attribute(PANEL, "data-state") == "idle"
    assert page.locator(AREA_PATHS).count() == 0
    assert_clean(browser_page)


def test_uploaded_geojson_gives_a_panel(live_server: LiveServer, browser_page: BrowserPage,
                                        tmp_path: Path) -> None:
    page = browser_page.page
    open_map(browser_page, live_server)
    upload = tmp_path / "mijn-gebied.geojson"
    upload.write_text(json.dumps({"type": "Feature", "properties": {"naam": "<b>x</b>"},
                                  "geometry": {"type": "Polygon", "coordinates": [UPLOAD_RING]}}))
    with page.expect_request(lambda r: "/api/aggregate" in r.url) as sent:
        page.set_input_files("#gi-area-file", str(upload))
    assert "multipart/form-data" in (sent.value.headers.get("content-type") or "")
    page.wait_for_selector(SETTLED)
    status, answer = post_file(live_server, path_of(sent.value.url), upload)
    assert status == 200, answer
    assert page.get_attribute(PANEL, "data-state") == "done"
    assert_panel_shows(page, answer)
    assert page.locator(AREA_PATHS).count() == 1  # the uploaded shape itself
    assert_clean(browser_page)


def test_bow_tie_upload_shows_the_servers_message(
        live_server: LiveServer, browser_page: BrowserPage, tmp_path: Path) -> None:
    page = browser_page.page
    open_map(browser_page, live_server)
    upload = tmp_path / "strik.geojson"
    upload.write_text(json.dumps({"type": "Polygon", "coordinates": [BOW_TIE]}))
    with page.expect_request(lambda r: "/api/aggregate" in r.url) as sent:
        page.set_input_files("#gi-area-file", str(upload))
    page.wait_for_selector(SETTLED)
    status, answer = post_file(live_server, path_of(sent.value.url), upload)
    assert status == 400, answer
    assert page.get_attribute(PANEL, "data-state") == "error"
    error = page.locator(f"{PANEL} .gi-area-error")
    assert error.is_visible()
    assert error.text_content() == answer["error"]["message"]
    assert page.locator(f"{PANEL} .gi-area-result").is_hidden()
    assert page.locator(AREA_PATHS).count() == 0
    assert_clean(browser_page, refused=400)
