"""HTTP concerns kept out of the use cases: compressed bodies, ETags, revalidation, the cache.

Every JSON, GeoJSON, CSV and HTML answer of 1 kB or more is gzipped for a client that takes it,
and every successful GET answer carries a strong ETag of its body and is answered 304 on a
matching ``If-None-Match`` (:func:`register`); static scripts, stylesheets and SVG are gzipped
too, under their file's ETag with ``-gz``. Expensive answers are also kept, compressed,
in the answer cache (:func:`cached`), keyed by

- the package version and the store version (an ingest makes older entries unreachable),
- the route and its query arguments (sorted by name), plus what else the view says shapes the
  answer (a format chosen by the Accept header, a setting),
- the language, and
- the set of tiers the caller may read: a restricted answer made for one principal is only
  ever found again by a principal who may read restricted figures too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable

from flask import Flask, Response, request

from geoinsight import __version__
from geoinsight.ogc.cache import BoundedCache
from geoinsight.web.cache import Answer, etag_of
from geoinsight.web.context import gate, lang, state
from geoinsight.web.replay import REPLAYABLE

#: answers smaller than this are sent as they are
COMPRESS_FROM = 1024
_TEXTUAL = ("text/", "application/json", "application/geo+json", "application/schema+json",
            "application/vnd.oai.openapi+json", "application/javascript", "image/svg+xml")
_NOT_KEPT = {"content-length", "content-encoding", "etag", "set-cookie"}


def answer_key(version: str, *extra: object) -> str:
    """This request's key in the answer cache at store version ``version`` (see the module
    docstring)."""
    request_gate = gate()
    args = sorted((name, values) for name, values in request.args.lists() if name != "lang")
    parts = [__version__, version, request.path, args, lang(),
             sorted(request_gate.principal.tiers), [str(x) for x in extra]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def cached(make: Callable[[], Response], *extra: object) -> Response:
    """The answer ``make`` gives for this request, made once per key and then served from the
    answer cache, with the audit reads making it recorded replayed on this request's gate.

    Only whole successful answers are kept: an error, a streamed file or an answer about a
    drawn area is returned as made. An answer with no audited read, made for an anonymous
    principal, may be replayed to the next anonymous request like it (:mod:`.replay`).
    """
    cache = state().answers
    request_gate = gate()
    version = request_gate.version()
    key = answer_key(version, *extra)
    found = cache.get(key)
    if found is None:
        before = len(request_gate.reads)
        response = make()
        reads = request_gate.reads[before:]
        if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
                or any(read.custom is not None for read in reads)):
            return response
        headers = tuple((k, v) for k, v in response.headers.items()
                        if k.lower() not in _NOT_KEPT)
        found = Answer.of(response.get_data(), headers,
                          tuple((r.what, r.tier, r.area) for r in reads))
        cache.put(key, found)
    else:
        for what, tier, area in found.reads:
            request_gate.audit_read(what, tier, area)
    if not found.reads and request_gate.principal.anonymous:
        # the same for every anonymous caller while the store is at this version
        request.environ[REPLAYABLE] = version
    return conditional(found)


def conditional(answer: Answer) -> Response:
    """The answer gzipped where the client takes it, revalidated by ETag (304 while the store
    is unchanged)."""
    compress = bool(answer.zipped) and "gzip" in request.accept_encodings
    response = Response(answer.zipped if compress else answer.body)
    for name, value in answer.headers:
        if name.lower() == "vary":
            response.vary.update(v.strip() for v in value.split(","))
        else:
            response.headers[name] = value
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(answer.etag + ("-gz" if compress else ""))
    response.headers.setdefault("Cache-Control", "no-cache")
    return response.make_conditional(request)  # type: ignore[return-value]


def register(app: Flask) -> None:
    """Compress and revalidate every answer the cache did not (register before the hooks that
    still change a body: Flask runs ``after_request`` hooks last-registered first)."""
    app.after_request(compress_and_tag)


def compress_and_tag(response: Response) -> Response:
    if request.endpoint == "static":
        return _compress_static(response)
    if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(_TEXTUAL)):
        return response
    body = response.get_data()
    etag = etag_of(body)
    if len(body) >= COMPRESS_FROM and "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(body, 6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        etag += "-gz"
    response.vary.add("Accept-Encoding")
    if request.method in ("GET", "HEAD") and response.get_etag()[0] is None:
        response.set_etag(etag)
        response = response.make_conditional(request)  # type: ignore[assignment]
    return response


#: gzipped static files (scripts, stylesheets, SVG) by their ETag; they only change on deploy
_STATIC_GZ = BoundedCache(64)


def _compress_static(response: Response) -> Response:
    """A static text file gzipped for a client that takes it (Leaflet's 148 kB script is 42 kB),
    under its own ETag (Flask's with ``-gz``), revalidated like the file itself."""
    etag, _ = response.get_etag()
    if (response.status_code != 200 or etag is None or "gzip" not in request.accept_encodings
            or not (response.mimetype or "").startswith(_TEXTUAL)):
        if response.status_code in (200, 304):
            response.vary.add("Accept-Encoding")
        return response
    response.direct_passthrough = False
    body = _STATIC_GZ.get(etag, lambda: gzip.compress(response.get_data(), 9, mtime=0))
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag + "-gz")
    return response.make_conditional(request)  # type: ignore[return-value]
