"""Real-browser fixtures: real ``geoinsight serve`` processes and a recording Chromium page.

Every server runs as its own subprocess on a free port of 127.0.0.1 with a clean environment
(no ``GEOINSIGHT_*`` variables leak in from the developer's shell). Pages route the PDOK basemap
host to a 1×1 transparent PNG made here, so nothing leaves the machine and a test still proves
the basemap is requested; any other off-host request is recorded and aborted.

Chromium is the Debian build at ``/usr/bin/chromium``: when it is missing the tests skip, or fail
when ``CI`` is set (a CI run that silently skips its browser tests proves nothing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_support import (
    BASEMAP_HOST,
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOST,
    SCREENSHOTS,
    BrowserPage,
    LiveServer,
    Recorder,
    run_cli,
    start_server,
    transparent_png,
    write_payload_boundaries,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (``-m "not browser"`` skips them all): the
    marker is set here, once, so no test module can forget it."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium_path: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo (Delft, 91 buurten) loaded into an empty store, PDOK basemap."""
    yield from start_server(tmp_path_factory.mktemp("demo-server") / "data", "pdok")


@pytest.fixture(scope="session")
def xss_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the payload-named areas, built with ``geoinsight ingest``."""
    root = tmp_path_factory.mktemp("xss-server")
    source = root / "xss_buurten.gpkg"
    write_payload_boundaries(source)
    data_dir = root / "data"
    data_dir.mkdir()
    run_cli(data_dir, "ingest", "boundaries", str(source), "--year", "2023")
    return data_dir


@pytest.fixture(scope="session")
def xss_server(chromium_path: Path, xss_data_dir: Path) -> Iterator[LiveServer]:
    """The payload store, served offline (``--basemap none``)."""
    yield from start_server(xss_data_dir, "none")


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[BrowserPage]:
    """A fresh context and page (Dutch, 1280×800) that records every request and failure."""
    record = Recorder()
    png = transparent_png()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800},
                                  service_workers="block")

    def route(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host == BASEMAP_HOST:
            record.tiles += 1
            route.fulfill(status=200, content_type="image/png", body=png)
        elif host == LOCAL_HOST:
            route.fallback()
        else:  # never let a request leave the machine; Recorder.off_host() reports it
            record.aborted.append(route.request.url)
            route.abort()

    def on_response(response: Any) -> None:
        if response.status >= 400:
            record.bad_responses.append((response.status, response.url))

    def on_dialog(dialog: Any) -> None:
        record.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error":
            record.console_errors.append(message.text)

    context.route("**/*", route)
    context.on("request", lambda request: record.requests.append(request.url))
    context.on("requestfailed",
               lambda request: record.failed.append((request.url, str(request.failure))))
    context.on("response", on_response)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    page.on("console", on_console)
    try:
        yield BrowserPage(page, record)
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
