"""Pages fit: at 1280×720 and 1440×900 the opened layer list never runs under the legend; at
phone width (390×844) no page is wider than the screen; tooltips wrap between words. Each case
leaves a screenshot in tests/browser/screenshots/ to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import TOOLTIP, BrowserPage, LiveServer, hover_tooltip

PATHS = ".leaflet-overlay-pane path.leaflet-interactive"
PAGES = ["/", "/map/population?level=wijk&municipality=GM0503", "/areas/BU05031101",
         "/planning", "/signals", "/layers", "/ogc/collections"]


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def ready(page: Any) -> None:
    page.wait_for_selector('body[data-map-ready="1"], body[data-map-error="1"]')


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_the_open_layer_list_never_covers_the_legend(live_server: LiveServer,
                                                      browser_page: BrowserPage,
                                                      screenshots: Path,
                                                      size: tuple[int, int]) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live_server.url("/"))
    ready(page)
    page.hover(".leaflet-control-layers")
    page.wait_for_selector(".leaflet-control-layers-expanded")
    page.wait_for_timeout(200)  # the list is fitted on the next animation frame
    control = page.locator(".leaflet-control-layers").bounding_box()
    legend = page.locator(".gi-legend").bounding_box()
    page.screenshot(path=str(screenshots / f"layout-layers-{size[0]}x{size[1]}.png"))
    assert control and legend
    assert not overlap(control, legend), (control, legend)
    # every layer stays reachable: the list scrolls when it is cut short
    scrolls = page.locator(".leaflet-control-layers-list").evaluate(
        "e => e.scrollHeight <= e.clientHeight + 1 || getComputedStyle(e).overflowY === 'auto'")
    assert scrolls


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_phone(live_server: LiveServer, browser_page: BrowserPage,
                           screenshots: Path, path: str) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url(path))
    if "/map" in path or path == "/":
        ready(page)
        box = page.locator(".folium-map").bounding_box()
        assert box and box["width"] >= 380 and box["height"] >= 360, box  # the map fills it
    else:
        page.wait_for_load_state("networkidle")
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    page.screenshot(path=str(screenshots / f"layout-phone-{name}.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"{path} is {wide} px wide on a 390 px screen"


WORDS_ON_ONE_LINE_JS = """(el) => {
  const text = el.firstChild;
  if (!text || text.nodeType !== Node.TEXT_NODE) return [];
  const broken = [];
  const re = /[^\\s-]+/g;  // a line may break after a hyphen, as in print
  let m;
  while ((m = re.exec(text.data)) !== null) {
    const range = document.createRange();
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    if (tops.size > 1) broken.push(m[0]);
  }
  return broken;
}"""


def test_tooltips_wrap_between_words(live_server: LiveServer,
                                     browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url("/map/population?level=buurt&municipality=GM0503"))
    ready(page)
    checked = 0
    for path in page.query_selector_all(PATHS)[:40]:
        if hover_tooltip(page, path, "#gi-map-title") is None:
            continue
        name = page.locator(f"{TOOLTIP} .gi-tip-name")
        if name.count() == 0:
            continue
        assert name.evaluate(WORDS_ON_ONE_LINE_JS) == [], name.text_content()
        checked += 1
    assert checked >= 10
