"""Custom areas on a map: Leaflet.draw's polygon and rectangle tools, wired to custom-area.js.

``folium.plugins.Draw`` renders the toolbar; its cdnjs links become the vendored Leaflet.draw
(:mod:`geoinsight.render.assets`). :class:`AreaLoader` hands the map and the group that holds the
drawn area to ``geoinsightCustomArea`` (``static/js/custom-area.js``), which posts the area to
``/api/aggregate`` and fills the page's ``#gi-area`` panel. The loader is added before the Draw
control so the script can translate the toolbar before Leaflet.draw builds it.
"""

from __future__ import annotations

from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.plugins import Draw
from folium.template import Template

from geoinsight.render.assets import static_url

#: The Leaflet pane of the drawn area: above the choropleth, below tooltips and markers.
AREA_PANE = "giArea"

#: The drawn or uploaded area: a dark dashed outline over a light veil, so the choropleth
#: stays readable beneath it. Not interactive: the areas beneath keep their tooltips.
AREA_STYLE: dict[str, Any] = {
    "pane": AREA_PANE,
    "interactive": False,
    "color": "#1b1b1b",
    "weight": 3,
    "opacity": 1,
    "dashArray": "8 6",
    "fill": True,
    "fillColor": "#ffffff",
    "fillOpacity": 0.2,
}

_MEASURE: dict[str, Any] = {"showArea": True, "metric": ["km", "ha", "m"]}

#: Polygon and rectangle only: an area needs a surface (no lines, markers or circles).
#: A polygon whose edges cross is refused while drawing, as the server would refuse it.
DRAW_OPTIONS: dict[str, Any] = {
    "polyline": False,
    "circle": False,
    "circlemarker": False,
    "marker": False,
    "polygon": {"allowIntersection": False, "shapeOptions": AREA_STYLE, **_MEASURE},
    "rectangle": {"shapeOptions": AREA_STYLE, **_MEASURE},
}

#: The Draw element's id, in folium's format (32 hex digits).
DRAW_ID = "d7a3" + "0" * 28

#: No edit or delete toolbar: the panel's own button clears the area, and a new drawing
#: replaces the old one.
EDIT_OPTIONS: dict[str, Any] = {"edit": False, "remove": False}


class AreaLoader(JSCSSMixin):
    """Calls ``geoinsightCustomArea(map, group, config)`` once Leaflet has set up the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            geoinsightCustomArea({{ this._parent.get_name() }}, {{ this.group.get_name() }},
                                 {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, group: folium.FeatureGroup, config_json: str, prefix: str) -> None:
        super().__init__()
        self._name = "GeoInsightCustomArea"
        self.group = group
        self.config_json = config_json
        self.default_js = [("geoinsight_common", static_url("js/gi-common.js", prefix)),
                           ("geoinsight_custom_area", static_url("js/custom-area.js", prefix))]
        self.default_css = [("geoinsight_custom_area_css",
                             static_url("css/custom-area.css", prefix))]


def add_area_drawing(m: folium.Map, config_json: str, prefix: str) -> None:
    """Add the group for the drawn area, the loader, then the polygon/rectangle toolbar."""
    group = folium.FeatureGroup(name="custom area", control=False)
    group.add_to(m)
    AreaLoader(group, config_json, prefix).add_to(m)
    draw = Draw(
        feature_group=group,
        show_geometry_on_click=False,  # folium's default alerts the raw GeoJSON on click
        draw_options=DRAW_OPTIONS,
        edit_options=EDIT_OPTIONS,
    )
    # Folium's template names a variable ``drawnItems_<name>`` after the element's random id;
    # a fixed id (one Draw per page) keeps two renderings of a page comparable.
    draw._id = DRAW_ID
    draw.add_to(m)


def area_client_config(locale: str) -> dict[str, Any]:
    """What ``custom-area.js`` reads from the map (texts and URL come from the page's panel)."""
    return {"pane": AREA_PANE, "style": AREA_STYLE, "locale": locale}
