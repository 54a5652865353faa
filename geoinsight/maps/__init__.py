"""Folium map builders whose pages load every asset from ``static/`` and data from the API."""

from geoinsight.maps.assets import localize_assets, static_url, vendored_urls
from geoinsight.maps.choropleth import MapConfig, MapLayerRef, MapParts, build_map

__all__ = [
    "MapConfig",
    "MapLayerRef",
    "MapParts",
    "build_map",
    "localize_assets",
    "static_url",
    "vendored_urls",
]
