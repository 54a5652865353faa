"""Warm-up: make the heavy answers an anonymous visitor asks first, so they are in the cache.

The first national geometry request costs seconds (coverage simplification, reprojection), as
do the national values of a layer and an OGC collection's table. :func:`warm` asks the app
itself for them, anonymously, through its own routes, so what lands in the answer cache is
byte for byte what a visitor gets, under the key their request has: simplified geometry per
level and boundary year (and the national map's overview geometry and pages), every visible
layer's default values per level, and every OGC collection's list and first page of items. Signals
(per gemeente) are left to the first ask.

``geoinsight warm`` runs it once (after an ingest, before or beside a running server: the
cache is shared). A server warms itself at start unless ``--no-warm``, with ``in_process``: it
also builds what each process keeps in memory rather than in the answer cache (every OGC
collection's table, which pages, limits and bbox queries are cut from; a page's summary of the
store), so that its first request costs what the hundredth does. ``serve --production`` does so
in gunicorn's master before the workers fork: they start with it (the port opens once warm);
plain ``serve`` in a background thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import Flask

from geoinsight.records import LEVELS
from geoinsight.web.context import gate
from geoinsight.web.maps import DEFAULT_LAYERS
from geoinsight.web.ogc import prepare_tables
from geoinsight.web.pickers import NATIONAL_LEVELS


@dataclass(frozen=True)
class Warmed:
    url: str
    status: int
    bytes: int
    seconds: float

    def line(self) -> str:
        return f"{self.status} {self.bytes:>10,} B {self.seconds:7.2f} s  {self.url}"


def warm_urls(app: Flask) -> list[str]:
    """The anonymous visitor's heavy first requests (module docstring), OGC items excepted."""
    urls = []
    with app.test_request_context("/"):
        anonymous = gate()
        years = {level: anonymous.area_years(level=level) for level in LEVELS}
        for level in LEVELS:
            urls += [f"/api/areas?{urlencode({'level': level, 'year': y})}" for y in years[level]]
        for level in NATIONAL_LEVELS:  # the national map's coarse geometry
            urls += [f"/api/areas?{urlencode({'level': level, 'year': y, 'detail': 'overview'})}"
                     for y in years[level]]
        # the national map pages of the front page's layer: what a page remembers of the store
        # (which layers have figures, nationally a read of every figure) is then made, in this
        # process (under serve; a separate warm process only fills the answer cache)
        front = next((x for x in DEFAULT_LAYERS if x in anonymous.catalog.layers), None)
        if front is not None:
            urls += [f"/map/{quote(front)}?{urlencode({'level': level})}"
                     for level in NATIONAL_LEVELS if years[level]]
        for layer in anonymous.catalog:
            urls += [f"/api/layers/{quote(layer.id)}/values?"
                     + urlencode({"level": level, "format": "json"})
                     for level in layer.levels if years.get(level)]
    return [*urls, "/ogc/collections?f=json"]


def warm(app: Flask, report: Callable[[Warmed], None] | None = None,
         in_process: bool = False) -> list[Warmed]:
    """Ask the app for every warm-up URL, then for the first page of every OGC collection;
    ``in_process``: then build the OGC tables in this process too (module docstring)."""
    done: list[Warmed] = []
    for url in warm_urls(app):
        done.append(_ask(app, url, report))
    listing = app.test_client().get("/ogc/collections?f=json").get_json(silent=True) or {}
    for collection in listing.get("collections", []):
        done.append(_ask(app, f"/ogc/collections/{quote(collection['id'])}/items?f=json",
                         report))
    if in_process:
        start = time.perf_counter()
        with app.test_request_context("/"):
            tables = prepare_tables()
        result = Warmed(f"({tables} OGC tables built in this process)", 200, 0,
                        time.perf_counter() - start)
        if report is not None:
            report(result)
        done.append(result)
    return done


def _ask(app: Flask, url: str, report: Callable[[Warmed], None] | None) -> Warmed:
    start = time.perf_counter()
    response = app.test_client().get(url, headers={"Accept-Encoding": "gzip"})
    result = Warmed(url, response.status_code, len(response.get_data()),
                    time.perf_counter() - start)
    if report is not None:
        report(result)
    return result
