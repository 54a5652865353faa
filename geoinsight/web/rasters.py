"""Raster overlays: the list a map offers (``/api/rasters``) and their PNG tiles."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from geoinsight.usecases import raster_overlay
from geoinsight.web.context import gate, lang, state
from geoinsight.web.http import cached

bp = Blueprint("rasters", __name__)


def tiles_url(name: str) -> str:
    """The XYZ template of a raster's tiles (``{z}/{x}/{y}`` placeholders)."""
    return url_for("rasters.tile", name=name, z=0, x=0, y=0).replace("/0/0/0.png",
                                                                     "/{z}/{x}/{y}.png")


@bp.get("/api/rasters")
def rasters() -> Response:
    return cached(lambda: jsonify({"rasters": overlays()}))


def overlays() -> list[dict[str, object]]:
    """The overlays this request may see, as the map's script takes them."""
    return [o.as_dict(lang(), tiles_url(o.raster.name))
            for o in raster_overlay.overlays(gate(), state().settings.data_dir)]


@bp.get("/tiles/raster/<name>/<int:z>/<int:x>/<int:y>.png")
def tile(name: str, z: int, x: int, y: int) -> Response:
    return cached(lambda: _tile(name, z, x, y))


def _tile(name: str, z: int, x: int, y: int) -> Response:
    png = raster_overlay.tile(gate(), state().settings.data_dir, name, z, x, y)
    if png is None:  # the raster does not reach this tile: nothing to draw
        return Response(status=204)
    return Response(png, mimetype="image/png")
