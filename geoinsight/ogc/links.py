"""Links, as OGC API documents carry them: every link names its relation and type.

The base is the API's public address (``https://geo.example.nl/ogc`` from the ``base_url``
setting; ``/ogc``, relative, when that is unset in production): the web layer passes it in
(geoinsight/web/public_url.py), so the core builds no URL from Flask or from a request's Host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from geoinsight.ogc import GEOJSON, HTML, JSON

#: the ``f`` values and what they return (JSON documents and GeoJSON features share ``json``)
FORMATS = ("json", "html")


@dataclass(frozen=True)
class Links:
    base: str

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, safe=",")
        return self.base + path + (f"?{query}" if query else "")

    def link(self, path: str, rel: str, type_: str, title: str,
             params: Mapping[str, object] | None = None) -> dict[str, str]:
        return {"href": self.url(path, params), "rel": rel, "type": type_, "title": title}

    def self_and_alternate(self, path: str, current: str, params: Mapping[str, object] | None,
                           json_type: str = JSON, title: str = "this document"
                           ) -> list[dict[str, str]]:
        """``self`` in the format answered (``current``: json or html), ``alternate`` in the
        other; both keep the request's other parameters."""
        out = []
        for fmt, type_ in (("json", json_type), ("html", HTML)):
            rel = "self" if fmt == current else "alternate"
            name = "JSON" if type_ == JSON else ("GeoJSON" if type_ == GEOJSON else "HTML")
            out.append(self.link(path, rel, type_, f"{title} as {name}",
                                 {**(params or {}), "f": fmt}))
        return out
