"""From figures to what a browser draws.

- :mod:`.classify`: class breaks, palettes and number formats of a layer's legend.
- :mod:`.choropleth`: the Folium map pages, whose data come from the API.
- :mod:`.draw`: the drawing tool for custom areas.
- :mod:`.assets`: every script and stylesheet served from ``static/vendor`` (no CDN).

Import from the modules; this package re-exports nothing.
"""
