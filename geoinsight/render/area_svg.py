"""A small map of one area among its neighbours, as SVG (the area report's map).

Drawn on the server from the stored boundaries, with no tiles and no script: the areas around
it in light grey with white edges, the area itself in the report's accent colour with a dark
outline, north up, a scale bar. SVG stays sharp in print and in a PDF (WeasyPrint draws it).
"""

from __future__ import annotations

from html import escape

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

WIDTH, HEIGHT = 640, 420
PAD = 12
FOCUS_FILL, FOCUS_EDGE = "#2c7fb8", "#08306b"
OTHER_FILL, OTHER_EDGE = "#e3e7ec", "#ffffff"
#: scale bar lengths to choose from (metres)
_SCALES = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000)


def area_map_svg(areas: gpd.GeoDataFrame, focus: str, title: str) -> str:
    """``areas`` (code, name, geometry in RD New) with ``focus`` among them, as an SVG map;
    ``title`` is its accessible name."""
    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    scale = min((WIDTH - 2 * PAD) / max(maxx - minx, 1.0), (HEIGHT - 2 * PAD) / max(maxy - miny,
                                                                                  1.0))
    tolerance = 0.6 / scale  # below a pixel and a half apart is one point

    def path(geometry: BaseGeometry) -> str:
        simple = shapely.simplify(geometry, tolerance, preserve_topology=True)
        parts = []
        for polygon in getattr(simple, "geoms", [simple]):
            for ring in (polygon.exterior, *polygon.interiors):
                points = " L".join(f"{PAD + (x - minx) * scale:.1f} "
                                   f"{HEIGHT - PAD - (y - miny) * scale:.1f}"
                                   for x, y in ring.coords)
                parts.append(f"M{points} Z")
        return " ".join(parts)

    shapes = []
    for code, name, geometry in zip(areas["code"], areas["name"], areas.geometry, strict=True):
        mine = code == focus
        fill, edge, width = (FOCUS_FILL, FOCUS_EDGE, 2.2) if mine else (OTHER_FILL, OTHER_EDGE, 1)
        shapes.append((mine, f'<path d="{path(geometry)}" fill="{fill}" stroke="{edge}" '
                             f'stroke-width="{width}" fill-rule="evenodd">'
                             f"<title>{escape(str(name or code))}</title></path>"))
    shapes.sort(key=lambda s: s[0])  # the area last, on top
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
            f'class="gi-report-map">{"".join(s for _, s in shapes)}{_scale_bar(scale)}</svg>')


def _scale_bar(scale: float) -> str:
    """A bar of a round length near a fifth of the map's width, bottom left."""
    metres = min(_SCALES, key=lambda m: abs(m * scale - WIDTH / 5))
    length = metres * scale
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"
    y = HEIGHT - PAD / 2
    return (f'<g class="gi-scale"><line x1="{PAD}" y1="{y}" x2="{PAD + length:.1f}" y2="{y}" '
            f'stroke="#222" stroke-width="2"/><text x="{PAD + length + 6:.1f}" y="{y + 4}" '
            f'font-size="12" fill="#222">{label}</text></g>')
