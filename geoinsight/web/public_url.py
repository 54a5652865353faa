"""The address this server hands out in absolute links: configured, never taken from ``Host``.

A request's ``Host`` header is whatever the client wrote. Links built from it (OGC ``self``,
``next``, ``alternate``, an OpenAPI ``servers`` entry) send the next request wherever an
attacker likes, and a shared cache stores that answer for everyone. So:

1. ``base_url`` set (``GEOINSIGHT_BASE_URL``): links start with it, whatever the ``Host``.
2. unset, and the ``Host`` is a loopback name (``localhost``, ``*.localhost``, ``127.0.0.0/8``,
   ``::1``): development (``geoinsight serve`` on 127.0.0.1, QGIS on the same machine); links
   use the request's own root. Spoofing a loopback ``Host`` only points a client at itself.
3. unset otherwise (production without the setting): links are relative to the host root
   (``/ogc/collections``), so no client-chosen host ever appears in an answer. Browsers, GDAL
   and QGIS resolve them against the address they asked.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import request

from geoinsight.web.context import state


def public_root() -> str:
    """The root of this app for links: ``https://geo.example.nl/prefix``, the request's own
    ``http://127.0.0.1:5000`` on a loopback host, or the path prefix alone (relative links)."""
    configured = state().settings.base_url
    if configured:
        return configured
    if is_loopback(request.host):
        return request.url_root.rstrip("/")
    return request.script_root.rstrip("/")


def is_loopback(host: str) -> bool:
    """Whether a ``Host`` header (with or without port) names this machine's loopback."""
    try:
        name = urlsplit("//" + host).hostname or ""
    except ValueError:  # a malformed port or bracket: not a name we trust
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
