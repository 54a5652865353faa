"""OGC API – Features over the published figures: a framework-neutral core that returns dicts.

The blueprint in :mod:`geoinsight.web.ogc` only parses the request and renders what these modules
return, the way pygeoapi splits its core from its Flask adapter (but in small modules):

- :mod:`.crs`: the two CRSs served (CRS84 and RD New), ``crs``/``bbox-crs``/``bbox`` parsing;
- :mod:`.collections`: which collections exist (one per level and boundary year) and the table
  of each, built with :func:`geoinsight.export.table.area_table` and cached per store version;
- :mod:`.items`: ``/items`` paging, filtering and GeoJSON features;
- :mod:`.documents`: landing page, conformance, collection metadata and queryables;
- :mod:`.openapi`: the OpenAPI 3.0 document of what the caller may see.
"""

from __future__ import annotations

#: the largest page ``limit`` may ask for (larger values are lowered to it, as the standard allows)
MAX_LIMIT = 1000
DEFAULT_LIMIT = 10

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
