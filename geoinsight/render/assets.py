"""Point every JS/CSS file a Folium map needs at ``static/vendor``, so map pages work offline.

Folium's elements carry ``default_js`` / ``default_css`` lists of CDN URLs (jsDelivr, cdnjs,
the jQuery and Bootstrap CDNs). A map page must not make any request off the host except for
basemap tiles, so before rendering, :func:`localize_assets` swaps each entry for the vendored copy
or drops it when GeoInsight's pages do not use it (jQuery, Bootstrap, Font Awesome, awesome
markers). An entry it does not know is an error rather than a silent CDN request: vendor the file
with ``scripts/vendor_assets.sh`` and add it to :data:`VENDORED` first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

from geoinsight.errors import GeoInsightError
from geoinsight.resources import resource_dir

#: The folder served at the static URL prefix.
STATIC_DIR = resource_dir("static")

LEAFLET_VERSION = "1.9.4"
#: folium.plugins.Draw asks for 1.0.2 from cdnjs; 1.0.4 is the same API with fixes.
LEAFLET_DRAW_VERSION = "1.0.4"

#: Folium asset name -> file under ``static/``. The names are the keys folium 0.20 uses.
VENDORED: dict[str, str] = {
    "leaflet": f"vendor/leaflet-{LEAFLET_VERSION}/leaflet.js",
    "leaflet_css": f"vendor/leaflet-{LEAFLET_VERSION}/leaflet.css",
    "leaflet_draw_js": f"vendor/leaflet-draw-{LEAFLET_DRAW_VERSION}/leaflet.draw.js",
    "leaflet_draw_css": f"vendor/leaflet-draw-{LEAFLET_DRAW_VERSION}/leaflet.draw.css",
}

#: Folium defaults GeoInsight pages never need: no markers, no Bootstrap widgets, no jQuery.
DROPPED: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

Asset = tuple[str, str]


def static_url(path: str, prefix: str = "/static") -> str:
    """The URL of a file under ``static/``; ``prefix`` is where the app serves that folder."""
    _check_prefix(prefix)
    return f"{prefix.rstrip('/')}/{path.lstrip('/')}"


def vendored_urls(prefix: str = "/static") -> dict[str, str]:
    """Folium asset name -> URL of its vendored copy."""
    return {name: static_url(path, prefix) for name, path in VENDORED.items()}


def vendored_files(static_dir: Path = STATIC_DIR) -> dict[str, Path]:
    """Folium asset name -> vendored file on disk (for tests and health checks)."""
    return {name: static_dir / path for name, path in VENDORED.items()}


def localize_assets(root: Element, prefix: str = "/static") -> None:
    """Rewrite ``default_js`` / ``default_css`` of every element in ``root``'s figure.

    Call it after the last element is added and before rendering. Lists are replaced on the
    instances, never mutated: folium shares them at class level between all maps.
    """
    urls = vendored_urls(prefix)
    for element in _walk(root.get_root()):
        if isinstance(element, JSCSSMixin):
            element.default_js = _localize_list(element, element.default_js, urls, prefix)
            element.default_css = _localize_list(element, element.default_css, urls, prefix)


def assert_local_links(figure: Figure, prefix: str = "/static") -> None:
    """Fail if a rendered figure's header links any JS/CSS outside ``prefix``.

    A safety net behind :func:`localize_assets`, for elements that add links while rendering.
    """
    local = prefix.rstrip("/") + "/"
    for name, child in figure.header._children.items():
        if isinstance(child, JavascriptLink | CssLink) and not child.url.startswith(local):
            raise GeoInsightError(
                f"map asset {name!r} would load from {child.url}; vendor it under static/vendor",
                code="asset_not_vendored",
            )


def _localize_list(
    element: Element, assets: list[Asset], urls: dict[str, str], prefix: str
) -> list[Asset]:
    """Vendored URL for known names, drop unused ones, keep URLs already under ``prefix``."""
    local = prefix.rstrip("/") + "/"
    out: list[Asset] = []
    for name, url in assets:
        if name in urls:
            out.append((name, urls[name]))
        elif name in DROPPED:
            continue
        elif url.startswith(local):
            out.append((name, url))
        else:
            raise GeoInsightError(
                f"{type(element).__name__} needs {name!r} from {url}, which is not vendored; "
                "add it to scripts/vendor_assets.sh and geoinsight.render.assets.VENDORED",
                code="asset_not_vendored",
            )
    return out


def _walk(element: Element) -> Iterator[Element]:
    """The element and all its descendants, depth first."""
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _check_prefix(prefix: str) -> None:
    """The prefix lands unescaped in ``src``/``href`` attributes, so keep it to a plain path."""
    if not prefix.startswith("/") or any(c in prefix for c in "\"'<> \\"):
        raise GeoInsightError(f"static URL prefix must be a plain path like /static: {prefix!r}")
