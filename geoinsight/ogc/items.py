"""``/items`` and ``/items/{featureId}``: areas as GeoJSON features with their layers' figures.

The parameters are those of Part 1 (``limit``, ``offset``, ``bbox``) and Part 2 (``crs``,
``bbox-crs``), plus ``year`` (each layer's latest figures up to that year) and ``gemeente_code``
(one municipality). Unknown parameters are ignored, as most servers do, so a client adding its
own (``lang``, cache busters) still gets an answer. A ``limit`` above :data:`MAX_LIMIT` is
lowered to it, as the standard allows; anything unparseable is a 400 that says what to send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry import mapping

from geoinsight.errors import BadRequest, NotFound
from geoinsight.ogc import DEFAULT_LIMIT, GEOJSON, HTML, JSON, MAX_LIMIT
from geoinsight.ogc.crs import CRS84, bbox_in_rd, parse_bbox, parse_crs
from geoinsight.ogc.links import Links
from geoinsight.ogc.tables import AREA_PROPERTIES, Table
from geoinsight.usecases.service import parse_municipality, parse_year


@dataclass(frozen=True)
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: str = CRS84
    crs: str = CRS84
    year: int | None = None
    gemeente: str | None = None


def parse_items_query(args: Mapping[str, str]) -> ItemsQuery:
    bbox_crs = parse_crs(args.get("bbox-crs"), "bbox-crs")
    return ItemsQuery(
        limit=min(_whole(args.get("limit"), "limit", DEFAULT_LIMIT, 1), MAX_LIMIT),
        offset=_whole(args.get("offset"), "offset", 0, 0),
        bbox=parse_bbox(args.get("bbox"), bbox_crs), bbox_crs=bbox_crs,
        crs=parse_crs(args.get("crs")), year=parse_year(args.get("year")),
        gemeente=parse_municipality(args.get("gemeente_code"), "gemeente_code"))


def _whole(text: str | None, name: str, default: int, minimum: int) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise BadRequest(f"{name} must be a whole number of at least {minimum}, not {text!r}",
                         code=f"bad_{name}")
    return value


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def items(table: Table, query: ItemsQuery, links: Links, args: Mapping[str, str],
          fmt: str) -> dict[str, Any]:
    """One page of a collection's features, with the links to the pages around it."""
    bbox_rd = bbox_in_rd(query.bbox, query.bbox_crs) if query.bbox is not None else None
    positions = table.areas.select(bbox_rd, query.gemeente)
    page = positions[query.offset:query.offset + query.limit]
    path = f"/collections/{table.collection.id}/items"
    params = {k: v for k, v in args.items() if k not in ("f", "offset")}
    out_links = links.self_and_alternate(path, fmt, {**params, "offset": query.offset or None},
                                         GEOJSON, "these features")
    page_type = GEOJSON if fmt == "json" else HTML  # paging stays in the format answered
    if query.offset + query.limit < len(positions):
        out_links.append(links.link(path, "next", page_type, "the next page", {
            **params, "offset": query.offset + query.limit, "f": fmt}))
    if query.offset > 0:
        out_links.append(links.link(path, "prev", page_type, "the previous page", {
            **params, "offset": max(query.offset - query.limit, 0) or None, "f": fmt}))
    out_links.append(links.link(f"/collections/{table.collection.id}", "collection", JSON,
                                "the collection", {"f": "json"}))
    return {"type": "FeatureCollection", "numberMatched": len(positions),
            "numberReturned": len(page), "timeStamp": timestamp(),
            "figureYears": {c.layer.id: c.year for c in table.columns},
            "links": out_links, "features": features(table, page, query.crs)}


def item(table: Table, code: str, crs: str, links: Links, fmt: str,
         year: int | None = None) -> dict[str, Any]:
    """One area of a collection as a feature (404 when the collection has no such area)."""
    position = table.areas.position(code.strip().upper())
    if position is None:
        raise NotFound(f"collection {table.collection.id} has no area {code!r}",
                       code="unknown_item")
    feature = features(table, [position], crs)[0]
    path = f"/collections/{table.collection.id}/items/{feature['id']}"
    params = {"crs": None if crs == CRS84 else crs, "year": year}
    feature["links"] = [
        *links.self_and_alternate(path, fmt, params, GEOJSON, "this feature"),
        links.link(f"/collections/{table.collection.id}", "collection", JSON,
                   "the collection", {"f": "json"})]
    return feature


def features(table: Table, positions: Sequence[int] | np.ndarray,
             crs: str) -> list[dict[str, Any]]:
    rows = np.asarray(positions, dtype=np.intp)
    geometries = table.areas.served(crs)[rows]
    attributes = _records(table.areas.frame, AREA_PROPERTIES, rows)
    values = _records(table.values, table.values.columns, rows)
    out = []
    for attrs, vals, geometry in zip(attributes, values, geometries, strict=True):
        out.append({"type": "Feature", "id": attrs["code"],
                    "geometry": mapping(geometry) if geometry is not None else None,
                    "properties": {**attrs, **vals}})
    return out


def _records(frame: pd.DataFrame, names: Sequence[str], rows: np.ndarray) -> list[dict[str, Any]]:
    """Columns ``names`` of the rows at positions ``rows`` as dicts of plain Python values,
    with NaN as None (JSON has no NaN); column by column, which is many times faster than
    pandas' row records, and nothing copied but the rows asked for."""
    names = [str(name) for name in names]
    columns = []
    for name in names:
        column = frame[name].to_numpy()[rows]
        missing = pd.isna(column)
        values = column.tolist()
        if missing.any():
            values = [None if gone else value for value, gone in zip(values, missing, strict=True)]
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
