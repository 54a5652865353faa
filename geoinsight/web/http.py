"""HTTP concerns kept out of the use cases: compressed bodies, ETags and revalidation."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, MutableMapping

from flask import Response, request

#: key -> (body, gzipped body, ETag); an insertion-ordered mapping, oldest first
CompressedCache = MutableMapping[tuple[object, ...], tuple[bytes, bytes, str]]
CACHE_SIZE = 64


def cached_compressed(cache: CompressedCache, key: tuple[object, ...],
                      make: Callable[[], bytes]) -> tuple[bytes, bytes, str]:
    """A body, gzipped once, with its ETag: made on the first request for ``key`` (whose
    first part should be the store version), kept for the last :data:`CACHE_SIZE` keys."""
    found = cache.get(key)
    if found is None:
        body = make()
        found = (body, gzip.compress(body, 6, mtime=0), hashlib.sha256(body).hexdigest()[:32])
        cache[key] = found
        while len(cache) > CACHE_SIZE:
            del cache[next(iter(cache))]
    return found


def conditional(body: bytes, zipped: bytes, etag: str, mimetype: str) -> Response:
    """The body gzipped where the client takes it, revalidated by ETag (304 while the store is
    unchanged)."""
    compress = "gzip" in request.accept_encodings
    response = Response(zipped if compress else body, mimetype=mimetype)
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(etag + ("-gz" if compress else ""))
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)  # type: ignore[return-value]
