"""The choropleth map page: a real Folium map whose data the browser fetches from the JSON API.

The page itself carries no geometry and no values, only URLs. That keeps pages small and
cacheable (the API answers with ETags) and lets one page switch layers without reloading.
``static/js/choropleth.js`` does the drawing; this module renders the Folium scaffolding around
it with every asset served from ``static/`` (see :mod:`geoinsight.render.assets`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.template import Template

from geoinsight.errors import GeoInsightError
from geoinsight.render.assets import assert_local_links, localize_assets, static_url
from geoinsight.render.draw import add_area_drawing, area_client_config

#: Label keys the caller must give (already translated). See :class:`MapConfig`.
REQUIRED_LABELS: tuple[str, ...] = (
    "legend_title",
    "missing",
    "secret",
    "value",
    "code",
    "no_data_class",
    "loading",
    "error",
)

#: Label keys with a default per language; the caller may override them.
OPTIONAL_LABELS: dict[str, dict[str, str]] = {
    "nl": {"source": "Bron", "estimated": "geschat", "layers": "Kaartlagen",
           "hotspots": "Hot- en coldspots (Gi*)", "hot": "hotspot (p ≤ 0,05)",
           "cold": "coldspot (p ≤ 0,05)", "raster": "Raster",
           "raster_opacity": "Dekkend"},
    "en": {"source": "Source", "estimated": "estimated", "layers": "Map layers",
           "hotspots": "Hot and cold spots (Gi*)", "hot": "hot spot (p ≤ 0.05)",
           "cold": "cold spot (p ≤ 0.05)", "raster": "Raster", "raster_opacity": "Opacity"},
}

#: Interface language -> locale for ``Intl.NumberFormat`` (decimal comma in Dutch).
LOCALES: dict[str, str] = {"nl": "nl-NL", "en": "en-GB"}

#: Characters that could end a ``<script>`` element or a JS string early, as JSON escapes.
_SCRIPT_ESCAPES: dict[str, str] = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@dataclass(frozen=True)
class MapLayerRef:
    """A layer offered in the map's layer switcher."""

    id: str
    title: str
    #: the theme's name in the page's language: the switcher groups layers under it
    theme: str = ""


@dataclass(frozen=True)
class MapConfig:
    """Everything a map page needs; URLs are what the browser fetches.

    ``labels`` holds UI strings already translated by the caller. Required keys:
    ``legend_title`` (accessible name of the legend), ``missing`` and ``secret`` (tooltip text for
    an area without a value), ``value`` and ``code`` (tooltip field names), ``no_data_class``
    (legend heading above the no-data rows), ``loading`` and ``error`` (status messages).
    Optional, defaulted per ``lang``: ``source`` ("Bron"), ``estimated`` ("geschat"),
    ``layers`` (accessible name of the layer switcher).
    """

    areas_url: str
    values_url: str
    layers: list[MapLayerRef]
    active: str
    bounds: tuple[float, float, float, float]
    tiles: str
    tiles_attribution: str
    labels: dict[str, str]
    lang: str = "nl"
    static_url: str = "/static"
    profile_url: str = "/areas/{code}"
    #: a layer's "about" page (``{layer}`` placeholder), linked from the legend
    about_url: str = "/layers/{layer}/about"
    #: per-layer signals (``{layer}`` placeholder): enables the hot/cold-spot overlay
    signals_url: str | None = None
    #: show the hot/cold-spot overlay from the start
    overlay: bool = False
    #: offer the custom-area tools (draw or upload an area); the page must hold the
    #: ``#gi-area`` panel that ``static/js/custom-area.js`` fills
    draw: bool = True
    #: a national or provincial map: ``areas_url`` gives coarse overview geometry, drawn on a
    #: canvas; from ``refine_zoom`` on, each gemeente in view is swapped for its full-detail
    #: geometry from ``refine_url`` (``{gemeente}`` placeholder)
    refine_url: str | None = None
    refine_zoom: int = 12
    #: raster overlays (``/api/rasters``' entries): switched in the layer control, with a
    #: legend and an opacity slider; on from the start where the active layer is a figure
    rasters: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class MapParts:
    """Rendered map: ``header`` goes in ``<head>``, ``body`` where the map should appear (its
    container sets the height), ``script`` (a complete ``<script>`` element) at the end of body."""

    header: str
    body: str
    script: str


class EmbeddedMap(folium.Map):
    """A folium Map that lives inside a page instead of owning it.

    Folium's Map header restyles ``html, body`` and ``#map`` and sets a zoom-blocking viewport
    meta; inside GeoInsight's own page templates that would break the layout, so the header is
    reduced to sizing this map's div to fill its container.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The page template declares its own charset.
        self.figure.header._children.pop("meta_http", None)

    @property
    def figure(self) -> Figure:
        """The Figure folium.Map always creates around itself."""
        root = self.get_root()
        assert isinstance(root, Figure)
        return root

    # folium's MacroElement.render returns nothing; branca's annotation says str.
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        super().render(**kwargs)
        style = (
            f"<style>#{self.get_name()} {{ position: relative; width: 100%; height: 100%; }}"
            "</style>"
        )
        self.figure.header.add_child(Element(style), name=self.get_name())


class ChoroplethLoader(JSCSSMixin):
    """Hands the map to ``geoinsightChoropleth`` with its config, once Leaflet has set it up."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            geoinsightChoropleth({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, config_json: str, prefix: str) -> None:
        super().__init__()
        self._name = "GeoInsightChoropleth"
        self.config_json = config_json
        self.default_js = [("geoinsight_common", static_url("js/gi-common.js", prefix)),
                           ("geoinsight_choropleth", static_url("js/choropleth.js", prefix))]
        self.default_css = [("geoinsight_map_css", static_url("css/map.css", prefix))]


def build_map(config: MapConfig) -> MapParts:
    """Render the Folium map for ``config`` into the three parts a page template places."""
    _validate(config)
    m = _base_map(config)
    ChoroplethLoader(script_json(client_config(config)), config.static_url).add_to(m)
    if config.draw:
        locale = LOCALES.get(config.lang, LOCALES["nl"])
        add_area_drawing(m, script_json(area_client_config(locale)), config.static_url)
    localize_assets(m, config.static_url)
    figure = m.figure
    figure.render()
    assert_local_links(figure, config.static_url)
    return steady_ids(MapParts(
        header=figure.header.render(),
        body=figure.html.render(),
        script=f"<script>\n{figure.script.render()}\n</script>",
    ))


_FOLIUM_ID = re.compile(r"\b([a-z_]+)_([0-9a-f]{32})\b")


def steady_ids(parts: MapParts) -> MapParts:
    """Folium's random element ids (``map_<uuid hex>``) numbered in order of appearance, so the
    same map is the same page, byte for byte, and revalidates by ETag."""
    numbers: dict[str, str] = {}

    def number(found: re.Match[str]) -> str:
        steady = numbers.setdefault(found.group(2), f"{len(numbers) + 1:032x}")
        return f"{found.group(1)}_{steady}"

    return MapParts(*(_FOLIUM_ID.sub(number, part)
                      for part in (parts.header, parts.body, parts.script)))


def _base_map(config: MapConfig) -> EmbeddedMap:
    """Map with scale bar, attribution, optional basemap, fitted to the area's bounds."""
    minlon, minlat, maxlon, maxlat = config.bounds
    m = EmbeddedMap(
        location=[(minlat + maxlat) / 2, (minlon + maxlon) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=False,  # choropleth.js adds a metric-only scale bar
        attribution_control=True,
    )
    if config.tiles:
        basemap = folium.TileLayer(
            tiles=config.tiles,
            attr=config.tiles_attribution or "-",  # folium insists on one; dropped below
            name="basemap",
            control=False,
            max_zoom=19,
        )
        if not config.tiles_attribution:
            basemap.options.pop("attribution", None)
        basemap.add_to(m)
    m.fit_bounds([[minlat, minlon], [maxlat, maxlon]])
    return m


def client_config(config: MapConfig) -> dict[str, Any]:
    """The part of the config that ``choropleth.js`` reads (bounds and tiles stay in Python)."""
    return {
        "areas_url": config.areas_url,
        "values_url": config.values_url,
        "layers": [{"id": layer.id, "title": layer.title, "theme": layer.theme}
                   for layer in config.layers],
        "active": config.active,
        "labels": _labels(config.labels, config.lang),
        "locale": LOCALES.get(config.lang, LOCALES["nl"]),
        "profile_url": config.profile_url,
        "about_url": config.about_url,
        "signals_url": config.signals_url,
        "overlay": config.overlay,
        "refine_url": config.refine_url,
        "refine_zoom": config.refine_zoom,
        "rasters": list(config.rasters),
    }


def script_json(value: Any) -> str:
    """JSON that is safe inside an inline ``<script>``: no ``</script>``, no HTML, no U+2028/9."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _labels(labels: Mapping[str, str], lang: str) -> dict[str, str]:
    """Caller's labels over the per-language defaults of the optional keys."""
    return {**OPTIONAL_LABELS.get(lang, OPTIONAL_LABELS["nl"]), **labels}


def _validate(config: MapConfig) -> None:
    """Catch caller mistakes here, where they are named, rather than as a blank map."""
    problems: list[str] = []
    missing = [key for key in REQUIRED_LABELS if key not in config.labels]
    if missing:
        problems.append(f"labels missing {', '.join(missing)}")
    if not config.layers:
        problems.append("no layers offered")
    elif config.active not in {layer.id for layer in config.layers}:
        problems.append(f"active layer {config.active!r} is not among the offered layers")
    if "{layer}" not in config.values_url:
        problems.append("values_url has no {layer} placeholder")
    if config.refine_url is not None and "{gemeente}" not in config.refine_url:
        problems.append("refine_url has no {gemeente} placeholder")
    if "{code}" not in config.profile_url:
        problems.append("profile_url has no {code} placeholder")
    minlon, minlat, maxlon, maxlat = config.bounds
    if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        problems.append(f"bounds {config.bounds} are not minlon, minlat, maxlon, maxlat in WGS84")
    if problems:
        raise GeoInsightError("map config: " + "; ".join(problems), code="bad_map_config")
