"""The map page: a Folium map whose geometry and values the browser fetches from the API."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from geoinsight.catalog import Layer, by_theme
from geoinsight.errors import BadRequest
from geoinsight.i18n import map_labels, text
from geoinsight.render.choropleth import MapConfig, MapLayerRef, build_map
from geoinsight.sources import provinces
from geoinsight.usecases import service
from geoinsight.usecases.holdings import LEVELS, LayerFigures, layer_figures
from geoinsight.usecases.map_image import DEFAULT_SIZE, map_image
from geoinsight.web import rasters
from geoinsight.web.context import audit_layer, catalog, gate, lang, remembered, state
from geoinsight.web.exports import menu_links
from geoinsight.web.notices import map_notices
from geoinsight.web.pickers import (
    NATIONAL_LEVELS,
    chosen_selection,
    levels_held,
    municipality_options,
)

bp = Blueprint("maps", __name__)


@bp.get("/map")
def pick() -> Response:
    """The home page's picker submits here; send it on to the map of the chosen layer."""
    args = {k: v for k, v in request.args.items() if v and k != "layer"}
    layer_id = catalog().get(request.args.get("layer") or next(iter(catalog().layers))).id
    target = url_for("maps.map_page", layer_id=layer_id)
    return redirect(f"{target}?{urlencode(args)}" if args else target)


#: what the front page shows first, where it has figures
DEFAULT_LAYERS = ("population_density", "population")
DEFAULT_LAYER = DEFAULT_LAYERS[0]


@bp.get("/")
def home() -> str:
    """The front page is a map: the default layer where it has figures, else the first layer
    that has figures at the level and gemeente the store holds most figures for."""
    visible = catalog()
    if not visible.layers:
        return map_page(DEFAULT_LAYER)
    rank = {layer_id: n for n, layer_id in enumerate(DEFAULT_LAYERS)}
    ordered = sorted(visible.layers.values(), key=lambda x: rank.get(x.id, len(rank)))
    indicators = [i for x in ordered for i in x.inputs()]
    selection, note, asked = chosen_selection(gate(), request.args, LEVELS, indicators)
    offered = [x for x in ordered if selection.level in x.levels]
    found = _figures(offered, selection)
    first = next((x for x in offered if found[x.id].available), offered[0] if offered
                 else ordered[0])
    return _render(first, selection, note, asked)


@bp.get("/api/layers/<layer_id>/map.png")
def map_png(layer_id: str) -> Response:
    """The map as a PNG for slides: ``bbox`` (west,south,east,north in WGS84: the view the user
    had), ``width`` and ``height`` in pixels, and the map's own selection."""
    selection = service.parse_scope(request.args.get("level"), request.args.get("municipality"),
                                    request.args.get("year"), request.args.get("province"))
    bbox = _bbox(request.args.get("bbox"))
    try:
        size = (int(request.args.get("width", DEFAULT_SIZE[0])),
                int(request.args.get("height", DEFAULT_SIZE[1])))
    except ValueError:
        raise BadRequest("width and height are whole numbers of pixels",
                         code="bad_size") from None
    png, result = map_image(gate(), catalog(), layer_id, selection, lang(), bbox, size)
    audit_layer(result.layer, f"map image {result.layer.id}", selection.municipality)
    name = f"{result.layer.id}_{selection.level}_{selection.municipality or 'NL'}_{result.year}"
    return Response(png, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="{name}.png"'})


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise BadRequest("bbox is west,south,east,north in degrees (WGS84)",
                         code="bad_bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise BadRequest("bbox is west,south,east,north in degrees (WGS84)", code="bad_bbox")
    return west, south, east, north


@bp.get("/map/<layer_id>")
def map_page(layer_id: str) -> str:
    layer = catalog().get(layer_id)
    selection, note, asked = chosen_selection(gate(), request.args, layer.levels,
                                              list(layer.inputs()), national=True)
    return _render(layer, selection, note, asked)


def _render(layer: Layer, selection: service.Selection, note: str, asked: str) -> str:
    st = state()
    # one read tells which layers have figures here; the switcher offers only those
    offered = catalog().for_level(selection.level)
    found = _figures(offered, selection)
    # the page only needs the years; the browser fetches the values from the API
    year, b_year = remembered("figures year", (layer.id, selection),
                              lambda: service.figures_year(gate(), layer, selection))
    query = {"level": selection.level}
    if selection.municipality:
        query["municipality"] = selection.municipality
    elif selection.province:
        query["province"] = selection.province
    values_query = {**query, **({"year": str(selection.year)} if selection.year else {}),
                    "format": "json"}
    shown = [x for _, group in by_theme(offered) for x in group
             if found[x.id].available or x.id == layer.id]
    # every wijk or buurt of the country: coarse geometry first, each gemeente's detail on zoom
    overview = selection.municipality is None and selection.level in NATIONAL_LEVELS
    areas_query = {**query, "year": str(b_year)}
    config = MapConfig(
        areas_url=url_for("api.areas") + "?" + urlencode(
            {**areas_query, **({"detail": "overview"} if overview else {})}),
        refine_url=url_for("api.areas") + "?" + urlencode(areas_query) + "&municipality={gemeente}"
        if overview else None,
        refine_zoom=st.settings.overview_zoom,
        values_url=url_for("api.layer_values", layer_id="LAYER") .replace("LAYER", "{layer}")
        + "?" + urlencode(values_query),
        layers=[MapLayerRef(x.id, x.title_in(lang()), text(lang(), f"theme_{x.theme or ''}"))
                for x in shown],
        active=layer.id,
        # an overview map fits itself to its geometry's bbox (no read of every area here)
        bounds=service.NETHERLANDS_WGS84 if overview
        else service.bounds_wgs84(gate(), selection, b_year),
        tiles=st.settings.basemap_tiles()[0],
        tiles_attribution=st.settings.basemap_tiles()[1],
        labels=map_labels(lang()),
        lang=lang(),
        static_url=url_for("static", filename="").rstrip("/"),
        profile_url=url_for("pages.area", code="CODE").replace("CODE", "{code}"),
        about_url=url_for("pages.layer_about", layer_id="LAYER").replace("LAYER", "{layer}"),
        signals_url=url_for("signals.layer_signals", layer_id="LAYER").replace("LAYER", "{layer}")
        + "?" + urlencode({k: v for k, v in values_query.items() if k != "format"}),
        overlay=request.args.get("overlay") == "hotspots",
        rasters=tuple(remembered("raster overlays", (lang(),), rasters.overlays)))
    parts = build_map(config)
    years = list(found[layer.id].years)
    downloads = menu_links(layer.id, {k: v for k, v in values_query.items() if k != "format"})
    notices = remembered("map notices", (layer.id, selection, year, b_year, note, asked, lang()),
                         lambda: map_notices(gate(), layer, selection, year, b_year,
                                             found[layer.id], (note, asked)))
    left_out = [x.title_in(lang()) for x in offered if not found[x.id].available]
    png_href = url_for("maps.map_png", layer_id="LAYER").replace("LAYER", "{layer}") + "?" + \
        urlencode({k: v for k, v in values_query.items() if k != "format"})
    table_href = url_for("maps.table_page", layer_id="LAYER").replace("LAYER", "{layer}") + \
        "?" + urlencode({k: v for k, v in values_query.items() if k != "format"})
    return render_template("maps/map.html", layer=layer, year=year, boundary_year=b_year,
                           downloads=downloads, png_href=png_href, table_href=table_href,
                           synthetic=service.is_synthetic(gate(), layer), parts=parts,
                           selection=selection, years=years, notices=notices,
                           left_out=left_out, layers=shown, themes=by_theme(shown),
                           levels=levels_held(gate(), layer.levels),
                           all_levels=" ".join(("gemeente", *NATIONAL_LEVELS)),
                           provinces=provinces.provinces(),
                           municipalities=municipality_options(gate(), layer.levels,
                                                               selection.level))


@bp.get("/map/<layer_id>/table")
def table_page(layer_id: str) -> str:
    """The map's figures as a table: its text alternative, one click from the map (every area,
    its figure as the map classes it, a link to its profile)."""
    selection = service.parse_scope(request.args.get("level"), request.args.get("municipality"),
                                    request.args.get("year"), request.args.get("province"))
    result = service.layer_values(gate(), catalog(), layer_id, selection, lang())
    audit_layer(result.layer, f"layer values {result.layer.id} (table)",
                selection.municipality)
    rows = result.rows.assign(klass=result.classification.class_of).sort_values(
        ["name", "code"], key=lambda column: column.str.lower())
    query = urlencode({k: v for k, v in request.args.items()
                       if k in ("level", "municipality", "year", "province") and v})
    return render_template("maps/table.html", result=result, rows=rows,
                           bins=result.classification.bins,
                           map_href=url_for("maps.map_page", layer_id=layer_id) + f"?{query}",
                           csv_href=url_for("api.layer_values", layer_id=layer_id)
                           + f"?{query}&format=csv")


def _figures(offered: list[Layer], selection: service.Selection) -> dict[str, LayerFigures]:
    """Which of ``offered`` have figures in the selection (remembered: nationally this reads
    every figure of every offered layer)."""
    return remembered("layer figures", (tuple(x.id for x in offered), selection.level,
                                        selection.municipality),
                      lambda: layer_figures(gate(), offered, selection.level,
                                            selection.municipality))
