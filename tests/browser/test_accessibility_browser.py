"""WCAG 2.1 AA (Digitoegankelijk) on every page, checked by axe-core in a real Chromium.

axe-core (tests/browser/vendor, MPL-2.0) is injected into each page after it has settled (a map
is drawn, its legend filled); the page's own CSP would refuse an injected script, so this test's
browser context bypasses CSP — the pages themselves are served unchanged. Any violation of the
WCAG 2.0/2.1 A and AA rules fails the test, naming the rule and the first elements at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import LiveServer, axe_violations

pytestmark = pytest.mark.browser

QUERY = "?level=buurt&municipality=GM0503"
PAGES = ["/", "/layers", f"/map/population_density{QUERY}", f"/map/hittestress_mean{QUERY}",
         "/areas/BU05031104", "/areas/GM0503", "/planning", "/planning?scheme=climate_adaptation",
         "/signals", "/search?q=centrum", "/search?q=qqqqq", "/layers/population/about",
         "/areas/BU05031104/report", "/login", "/ogc", "/ogc/collections", "/docs/methods",
         "/no-such-page", f"/map/population_density/table{QUERY}"]


@pytest.fixture(scope="module")
def axe_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 720},
                                  bypass_csp=True, service_workers="block")
    # nothing leaves the machine: the basemap's tiles are refused (the map draws without them)
    context.route("**/*", lambda route: route.fallback()
                  if "127.0.0.1" in route.request.url else route.abort())
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_wcag_violation(live_server: LiveServer, axe_page: Any, path: str) -> None:
    axe_page.goto(live_server.url(path))
    if path.startswith("/map/") and "/table" not in path:
        axe_page.wait_for_selector('body[data-map-ready="1"]')
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("path", ["/", "/areas/BU05031104", "/planning"])
def test_no_wcag_violation_at_phone_width(live_server: LiveServer, axe_page: Any,
                                          path: str) -> None:
    axe_page.set_viewport_size({"width": 390, "height": 844})
    try:
        axe_page.goto(live_server.url(path))
        if path == "/":
            axe_page.wait_for_selector('body[data-map-ready="1"]')
        assert axe_violations(axe_page) == []
    finally:
        axe_page.set_viewport_size({"width": 1280, "height": 720})
