"""The map a user is looking at, as a PNG for slides (``/api/layers/<id>/map.png``).

The same figures and classes as the map page (:func:`geoinsight.usecases.service.layer_values`,
through the caller's gate: disclosure control and tiers as everywhere), on the same boundaries,
over the view the user had (``bbox`` in WGS84) or the whole selection, drawn by
:func:`geoinsight.render.map_png.map_png` with title, legend, scale bar, source and licence.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from pyproj import Transformer

from geoinsight.catalog import Catalog
from geoinsight.errors import BadRequest
from geoinsight.i18n import text
from geoinsight.render.map_png import LegendEntry, Slide, map_png
from geoinsight.store import Reader
from geoinsight.usecases.service import (
    SYNTHETIC_SUFFIX,
    LayerValues,
    Selection,
    layer_values,
    selection_areas,
)

#: the image's default size (16:10, a slide) and the bounds a caller may ask for
DEFAULT_SIZE = (1600, 1000)
MIN_SIDE, MAX_SIDE = 400, 3000
_TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def map_image(store: Reader, catalog: Catalog, layer_id: str, selection: Selection, lang: str,
              bbox: tuple[float, float, float, float] | None = None,
              size: tuple[int, int] = DEFAULT_SIZE) -> tuple[bytes, LayerValues]:
    """The PNG and the figures it shows (module docstring)."""
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
        raise BadRequest(f"width and height must be {MIN_SIDE} to {MAX_SIDE} pixels",
                         code="bad_size")
    result = layer_values(store, catalog, layer_id, selection, lang)
    areas = selection_areas(store, selection, result.boundary_year)
    bins, nodata = result.classification.bins, result.classification.nodata
    by_status = {n.status: n.color for n in nodata}
    colour = {}
    for row, klass in zip(result.rows.itertuples(index=False), result.classification.class_of,
                          strict=True):
        colour[row.code] = bins[klass].color if klass is not None else by_status.get(
            row.status, by_status.get("missing", "#d9d9d9"))
    fallback = by_status.get("missing", "#d9d9d9")
    colours = [colour.get(code, fallback) for code in areas["code"]]
    if bbox is None:
        view = tuple(float(v) for v in areas.total_bounds)
    else:
        xs, ys = _TO_RD.transform([bbox[0], bbox[2]], [bbox[1], bbox[3]])
        view = (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
    if not np.isfinite(view).all():
        raise BadRequest("bbox lies outside the Netherlands", code="bad_bbox")
    layer = result.layer
    where = selection.municipality or selection.province or text(lang, "country")
    names = areas.loc[areas["code"] == selection.municipality, "name"] if \
        selection.level == "gemeente" else areas["gemeente_name"].dropna()
    if selection.municipality and len(names):
        where = str(names.iloc[0])
    slide = Slide(
        title=layer.title_in(lang),
        subtitle=f"{text(lang, selection.level)} · {where} · {text(lang, 'figures_of')} "
                 f"{result.year} · {text(lang, 'boundaries_of')} {result.boundary_year}",
        legend_title=layer.unit_in(lang) or layer.title_in(lang),
        legend=[*(LegendEntry(b.color, b.label) for b in bins),
                *(LegendEntry(n.color, n.label) for n in nodata)],
        footer=f"{text(lang, 'source')}: {layer.source} ({layer.licence}); "
               f"{text(lang, 'report_boundaries')}: CBS Wijk- en Buurtkaart (CC BY 4.0) · "
               f"GeoInsight, {dt.date.today().isoformat()}",
        warning=SYNTHETIC_SUFFIX.get(lang, SYNTHETIC_SUFFIX["nl"]).strip(" ()")
        if result.synthetic else "")
    view4 = (float(view[0]), float(view[1]), float(view[2]), float(view[3]))
    return map_png(areas, colours, view4, size, slide), result
