"""A choropleth as a PNG for slides: the map view, its title, legend, source and scale.

Drawn on the server from the stored boundaries and the published classes, with no basemap
(its tiles would come from elsewhere, and a slide wants the figures): areas filled with their
class colour (rasterised, so holes stay holes), white edges, a title and subtitle above, the
legend at the bottom right, a scale bar at the bottom left, and the source, licence and any
synthetic flag along the bottom. Text is set in DejaVu Sans where the system has it, else in
Pillow's built-in scalable font, so no font has to be installed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont
from rasterio.features import rasterize
from rasterio.transform import from_bounds

BACKGROUND = (243, 244, 246)
INK = (29, 39, 51)
MUTED = (85, 85, 85)
TITLE_H, FOOT_H, PAD = 84, 58, 16
#: scale bar lengths to choose from (metres)
_SCALES = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000,
           100_000)


@dataclass(frozen=True)
class LegendEntry:
    color: str
    label: str


@dataclass(frozen=True)
class Slide:
    """What the image says besides the map."""

    title: str
    subtitle: str
    legend_title: str
    legend: Sequence[LegendEntry]
    footer: str
    warning: str = ""


def map_png(areas: gpd.GeoDataFrame, colors: Sequence[str], view: tuple[float, float, float, float],
            size: tuple[int, int], slide: Slide) -> bytes:
    """``areas`` (RD New) filled with ``colors`` (one hex colour per area), seen over ``view``
    (RD New bounds, widened to the map's shape), on an image of ``size`` pixels."""
    width, height = size
    map_h = height - TITLE_H - FOOT_H
    minx, miny, maxx, maxy = _fit(view, width, map_h)
    transform = from_bounds(minx, miny, maxx, maxy, width, map_h)
    scale = width / (maxx - minx)
    geometries, colors = _in_view(areas, colors, (minx, miny, maxx, maxy), 1 / scale)
    palette = sorted(set(colors))
    index = {c: i + 1 for i, c in enumerate(palette)}
    shapes = [(g, index[c]) for g, c in zip(geometries, colors, strict=True)]
    grid = rasterize(shapes, out_shape=(map_h, width), transform=transform, fill=0,
                     dtype="uint16") if shapes else np.zeros((map_h, width), "uint16")
    lut = np.array([BACKGROUND, *(_rgb(c) for c in palette)], dtype=np.uint8)
    image = Image.new("RGB", (width, height), "white")
    image.paste(Image.fromarray(lut[grid], "RGB"), (0, TITLE_H))
    draw = ImageDraw.Draw(image)
    for ring in _rings_px(geometries, minx, maxy, scale):
        draw.line(ring, fill="white", width=1)
    _text(draw, slide, width, height)
    _legend(draw, slide, width, height)
    _scale_bar(draw, scale, height)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fit(view: tuple[float, float, float, float], width: int,
         height: int) -> tuple[float, float, float, float]:
    """``view`` widened to ``width``/``height``'s shape around its centre."""
    minx, miny, maxx, maxy = view
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    per_px = max((maxx - minx) / width, (maxy - miny) / height, 1e-6)
    half_w, half_h = per_px * width / 2, per_px * height / 2
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


#: areas smaller than this (square pixels) get no white edge
MIN_EDGED_PX = 36


def _in_view(areas: gpd.GeoDataFrame, colors: Sequence[str],
             view: tuple[float, float, float, float],
             metres_per_px: float) -> tuple[np.ndarray, list[str]]:
    """The areas that meet the view, each simplified to half a pixel (a national map draws
    14,500 buurten of ~150 vertices each: nearly all of them fall within one pixel)."""
    geometries = np.asarray(areas.geometry.to_numpy(), dtype=object)
    drawn = ~shapely.is_missing(geometries)
    drawn[drawn] = ~shapely.is_empty(geometries[drawn])
    drawn[drawn] = shapely.intersects(geometries[drawn], shapely.box(*view))
    simple = shapely.simplify(geometries[drawn], metres_per_px / 2, preserve_topology=True)
    return simple, [c for c, keep in zip(colors, drawn, strict=True) if keep]


def _rings_px(geometries: np.ndarray, minx: float, maxy: float,
              scale: float) -> list[list[float]]:
    """The rings of ``geometries`` as flat lists of pixel coordinates (x, y, x, y, …); not of
    areas of a few pixels (a national map's town centres), which their edges would hide."""
    geometries = geometries[shapely.area(geometries) * scale * scale >= MIN_EDGED_PX]
    if not len(geometries):
        return []
    rings = shapely.get_rings(shapely.get_parts(geometries))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    pixels = np.column_stack(((coords[:, 0] - minx) * scale,
                              TITLE_H + (maxy - coords[:, 1]) * scale))
    starts = np.flatnonzero(np.diff(ring_of)) + 1
    return [part.ravel().tolist() for part in np.split(pixels, starts)]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where the system has it (Debian's fonts-dejavu-core: every glyph a Dutch
    legend needs, km², en dashes), else Pillow's built-in font (see :func:`_plain`)."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _plain(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """``text`` as the built-in font can draw it (it lacks superscripts and dashes)."""
    if getattr(font, "path", "").endswith("DejaVuSans.ttf"):
        return text
    return text.translate(_ASCII)


_ASCII = str.maketrans({"²": "2", "³": "3", "–": "-", "—": "-", "·": "-", "≥": ">=",
                        "≤": "<=", "…": "..."})


def _text(draw: ImageDraw.ImageDraw, slide: Slide, width: int, height: int) -> None:
    _write(draw, (PAD, 12), slide.title, INK, 30)
    _write(draw, (PAD, 52), slide.subtitle, MUTED, 18)
    draw.line([(0, TITLE_H - 1), (width, TITLE_H - 1)], fill=(221, 225, 230))
    # the footer's parts (``; ``-separated) on two lines, the synthetic warning in red first
    parts = slide.footer.split("; ")
    lines = [" ".join(parts[:1]), "; ".join(parts[1:])]
    y = height - FOOT_H + 8
    if slide.warning:
        _write(draw, (PAD, y), slide.warning, (180, 30, 30), 15)
        indent = draw.textlength(_plain(slide.warning, _font(15)), font=_font(15)) + 12
        _write_fitted(draw, (PAD + indent, y), lines[0], MUTED, width - 2 * PAD - indent)
    else:
        _write_fitted(draw, (PAD, y), lines[0], MUTED, width - 2 * PAD)
    _write_fitted(draw, (PAD, y + 22), lines[1], MUTED, width - 2 * PAD)


def _legend(draw: ImageDraw.ImageDraw, slide: Slide, width: int, height: int) -> None:
    """A white box at the bottom right of the map: the unit, then a row per class."""
    font, head = _font(15), _font(16)
    rows = [slide.legend_title, *(e.label for e in slide.legend)]
    box_w = int(max(draw.textlength(_plain(r, font), font=head if i == 0 else font)
                    for i, r in enumerate(rows))) + 52
    box_h = 30 + 22 * len(slide.legend) + 10
    x0, y1 = width - PAD - box_w, height - FOOT_H - PAD
    y0 = y1 - box_h
    draw.rectangle([x0, y0, x0 + box_w, y1], fill="white", outline=(200, 205, 212))
    _write(draw, (x0 + 10, y0 + 8), slide.legend_title, INK, 16)
    for n, entry in enumerate(slide.legend):
        y = y0 + 34 + 22 * n
        draw.rectangle([x0 + 10, y, x0 + 30, y + 14], fill=entry.color, outline=(150, 150, 150))
        _write(draw, (x0 + 38, y - 2), entry.label, INK, 15)


def _scale_bar(draw: ImageDraw.ImageDraw, scale: float, height: int) -> None:
    metres = min(_SCALES, key=lambda m: abs(m * scale - 160))
    length = metres * scale
    y = height - FOOT_H - PAD - 4
    draw.rectangle([PAD - 6, y - 22, PAD + length + 70, y + 8], fill="white")
    draw.line([(PAD, y), (PAD + length, y)], fill=INK, width=3)
    draw.line([(PAD, y - 6), (PAD, y + 4)], fill=INK, width=2)
    draw.line([(PAD + length, y - 6), (PAD + length, y + 4)], fill=INK, width=2)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"
    _write(draw, (PAD + length + 8, y - 18), label, INK, 15)


def _write(draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str,
           fill: tuple[int, int, int], size: int) -> None:
    font = _font(size)
    draw.text(at, _plain(text, font), fill=fill, font=font)


def _write_fitted(draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str,
                  fill: tuple[int, int, int], room: float) -> None:
    """``text`` at 15 px, smaller (down to 11) where it would not fit in ``room``, and cut
    with an ellipsis where even that is too long."""
    for size in (15, 14, 13, 12, 11):
        font = _font(size)
        if draw.textlength(_plain(text, font), font=font) <= room:
            break
    if draw.textlength(_plain(text, font), font=font) > room:
        while text and draw.textlength(_plain(text + "…", font), font=font) > room:
            text = text[:-1]
        text += "…"
    draw.text(at, _plain(text, font), fill=fill, font=font)


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
