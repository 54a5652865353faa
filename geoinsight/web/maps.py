"""The map page: a Folium map whose geometry and values the browser fetches from the API."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from geoinsight import service
from geoinsight.maps import MapConfig, MapLayerRef, build_map
from geoinsight.web.context import catalog, lang, state
from geoinsight.web.exports import menu_links
from geoinsight.web.i18n import map_labels

bp = Blueprint("maps", __name__)


@bp.get("/map")
def pick() -> Response:
    """The home page's picker submits here; send it on to the map of the chosen layer."""
    args = {k: v for k, v in request.args.items() if v and k != "layer"}
    layer_id = catalog().get(request.args.get("layer") or next(iter(catalog().layers))).id
    target = url_for("maps.map_page", layer_id=layer_id)
    return redirect(f"{target}?{urlencode(args)}" if args else target)


DEFAULT_LAYER = "population_density"


@bp.get("/")
def home() -> str:
    """The front page is a map: the default layer for the first complete gemeente."""
    visible = catalog()
    first = next(iter(visible.layers))
    return map_page(DEFAULT_LAYER if DEFAULT_LAYER in visible.layers else first)


@bp.get("/map/<layer_id>")
def map_page(layer_id: str) -> str:
    st = state()
    layer = catalog().get(layer_id)
    selection = service.parse_selection(request.args.get("level"),
                                        request.args.get("municipality"),
                                        request.args.get("year"),
                                        default_level=_default_level(layer.levels))
    if selection.municipality is None and selection.level != "gemeente":
        selection = service.Selection(selection.level, service.default_municipality(st.store),
                                      selection.year)
    # the page only needs the years; the browser fetches the values from the API
    year, b_year = service.figures_year(st.store, layer, selection)
    query = {"level": selection.level}
    if selection.municipality:
        query["municipality"] = selection.municipality
    values_query = {**query, **({"year": str(selection.year)} if selection.year else {}),
                    "format": "json"}
    config = MapConfig(
        areas_url=url_for("api.areas") + "?" + urlencode(
            {**query, "year": str(b_year)}),
        values_url=url_for("api.layer_values", layer_id="LAYER") .replace("LAYER", "{layer}")
        + "?" + urlencode(values_query),
        layers=[MapLayerRef(x.id, x.title_in(lang())) for x in catalog().for_level(
            selection.level)],
        active=layer.id,
        bounds=service.bounds_wgs84(st.store, selection, b_year),
        tiles=st.settings.basemap_tiles()[0],
        tiles_attribution=st.settings.basemap_tiles()[1],
        labels=map_labels(lang()),
        lang=lang(),
        static_url=url_for("static", filename="").rstrip("/"),
        profile_url=url_for("pages.area", code="CODE").replace("CODE", "{code}"),
        signals_url=url_for("signals.layer_signals", layer_id="LAYER").replace("LAYER", "{layer}")
        + "?" + urlencode({k: v for k, v in values_query.items() if k != "format"}),
        overlay=request.args.get("overlay") == "hotspots")
    parts = build_map(config)
    years = service.layer_years(st.store, layer)
    downloads = menu_links(layer.id, {k: v for k, v in values_query.items() if k != "format"})
    return render_template("maps/map.html", layer=layer, year=year, boundary_year=b_year,
                           downloads=downloads,
                           synthetic=service.is_synthetic(st.store, layer), parts=parts,
                           selection=selection, years=years,
                           layers=catalog().for_level(selection.level),
                           municipalities=service.municipalities(st.store))


def _default_level(levels: tuple[str, ...]) -> str:
    return "buurt" if "buurt" in levels else levels[-1]
