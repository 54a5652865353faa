"""The area report: one area on paper, for a council or a wijk meeting.

Everything in it is what the area's profile shows its reader (:func:`area_profile`, through
the reader's gate: the same disclosure control and tiers), plus:

- a map of the area among the other areas of its wijk (a buurt), its gemeente (a wijk) or the
  gemeenten around it (a gemeente), drawn from the stored boundaries as SVG;
- the signals for the area: where a layer's change or Gi* hot/cold spot makes it stand out
  among its gemeente's areas (buurten and wijken; :mod:`geoinsight.usecases.signal_report`);
- every source with its licence, the synthetic flag, and the date it was made.

The page (``/areas/<code>/report``) prints as it is, and ``report.pdf`` is the same page made
into a PDF (:mod:`geoinsight.export.pdf`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import shapely

from geoinsight.catalog import Catalog
from geoinsight.errors import GeoInsightError
from geoinsight.i18n import text
from geoinsight.render.area_svg import area_map_svg
from geoinsight.store import Reader
from geoinsight.usecases.profile import area_profile
from geoinsight.usecases.service import Selection, synthetic_indicators
from geoinsight.usecases.signal_report import SignalCache, overview, standouts

#: the boundaries every report's map is drawn from
BOUNDARIES = ("CBS Wijk- en Buurtkaart", "CC BY 4.0")
#: the most signals a report lists
MAX_SIGNALS = 8
_TZ = ZoneInfo("Europe/Amsterdam")


def area_report(store: Reader, catalog: Catalog, code: str, lang: str, year: int | None,
                readable: Callable[[str], bool], *, signal_cache: SignalCache | None = None,
                now: dt.datetime | None = None) -> dict[str, Any]:
    """The report of area ``code`` as ``store``'s reader may see it (module docstring)."""
    profile = area_profile(store, catalog, code, lang, year, readable)
    synthetic = synthetic_indicators(store)
    layers = [catalog.get(row["layer"]) for row in profile["indicators"]]
    flagged = any(set(layer.inputs()) & synthetic for layer in layers) or any(
        row.get("synthetic") for row in profile["other_indicators"])
    sources = {(layer.source, layer.licence) for layer in layers}
    records = store.indicators()
    if len(records):
        shown = {row["indicator"] for row in profile["other_indicators"]}
        sources |= {(str(r.source), str(r.licence)) for r in records.itertuples()
                    if r.id in shown}
    made = (now or dt.datetime.now(dt.UTC)).astimezone(_TZ)
    return {**profile, "map_svg": _map(store, profile, lang),
            "signals": _signals(store, catalog, profile, lang, signal_cache),
            "sources": [{"source": s, "licence": lc} for s, lc in sorted(sources)],
            "boundaries": {"source": BOUNDARIES[0], "licence": BOUNDARIES[1],
                           "year": profile["boundary_year"]},
            "synthetic": flagged, "generated": made.strftime("%Y-%m-%d %H:%M")}


def _map(store: Reader, profile: dict[str, Any], lang: str) -> str:
    """The area among its wijk's buurten, its gemeente's wijken, or the gemeenten around it."""
    level, b_year = profile["level"], profile["boundary_year"]
    if level == "gemeente":
        own = store.areas(codes=[profile["code"]], year=b_year)
        box = shapely.box(*own.total_bounds).buffer(3000)
        context = store.areas(level="gemeente", year=b_year, bbox=tuple(box.bounds))
    else:
        context = store.areas(level=level, year=b_year, municipality=profile["gemeente_code"])
        if level == "buurt" and profile.get("wijk_code"):
            context = context[context["wijk_code"] == profile["wijk_code"]]
    title = text(lang, "report_map_title").format(name=profile["name"] or profile["code"])
    return area_map_svg(context[["code", "name", "geometry"]], profile["code"], title)


def _signals(store: Reader, catalog: Catalog, profile: dict[str, Any], lang: str,
             cache: SignalCache | None) -> list[dict[str, Any]]:
    """The layers in which the area stands out among its gemeente's areas at its level."""
    if profile["level"] == "gemeente" or not profile["gemeente_code"]:
        return []
    try:
        found, _ = overview(store, catalog, Selection(profile["level"],
                                                      profile["gemeente_code"], None), cache)
    except GeoInsightError:
        return []
    signals = []
    for result in found:
        for row in standouts(result):
            if row["code"] == profile["code"]:
                signals.append({"layer": result.layer.id, "title": result.layer.title_in(lang),
                                "unit": result.layer.unit_in(lang), "year": result.year,
                                "previous_year": result.previous_year,
                                "kinds": [text(lang, f"signals_kind_{k}") for k in row["signals"]],
                                "value": row["value"], "previous": row["previous"],
                                "decimals": result.layer.decimals,
                                "strength": row["strength"]})
    return sorted(signals, key=lambda s: -s["strength"])[:MAX_SIGNALS]
