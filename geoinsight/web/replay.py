"""Anonymous replay: an anonymous request answered with what the app answered it last time.

The answer cache (:mod:`geoinsight.web.cache`) spares *making* an expensive answer, but a cached
answer still passes Flask's whole request handling: routing, the request context, the principal,
the hooks for language, CSP, privacy headers and the access log — about 0.3 ms and 1,500 Python
calls per request, which under load on two cores was most of the server's time and all of the
p99 at 64 connections (docs/benchmarks.md). This is what a reverse proxy's micro-cache (nginx
``proxy_cache``, Varnish) does in front of an app, kept inside the app so that it knows when an
answer is still right: the store version, and the answers the app marked as the same for every
anonymous caller.

The app makes every answer; this only replays one, byte for byte (headers and body), when:

- the request is a ``GET`` without a ``Cookie`` or ``Authorization`` header, so its principal is
  the anonymous one and nothing personal can be in the answer;
- the app made the answer to a request with the same path, query string and headers (every
  header but the request id and ``X-Forwarded-For``, which only name the request and the client:
  ``Accept``, ``Accept-Encoding``, ``If-None-Match``, ``Host``, ``X-Forwarded-Proto``, …),
  for the same URL scheme and server, through the answer cache (:func:`geoinsight.web.http.cached`
  marks it), with no audited read, status 200 or 304, and no ``Set-Cookie``;
- the store's version is still the one it was made at (an ingest ends every replay).

Each replay gets a new ``X-Request-ID`` and its own access-log line, as any request does.
Memory: at most ``replay_memory_bytes`` (setting; 0 turns replay off) per process, least
recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from geoinsight.web import access_log
from geoinsight.web.access_log import REQUEST_ID_HEADER, AccessLog

#: set in a request's WSGI environ by the answer cache when the answer may be replayed: the
#: store version it was made at (the one in its answer-cache key)
REPLAYABLE = "geoinsight.replayable"
_REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
_NOT_KEYED = {_REQUEST_ID_KEY, "HTTP_X_FORWARDED_FOR"}
_ENVIRON_KEYS = ("PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT",
                 "wsgi.url_scheme")
#: what an entry costs beyond its body (key, headers, bookkeeping), roughly
_OVERHEAD = 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class _Entry:
    version: str
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + _OVERHEAD + sum(len(k) + len(v) for k, v in self.headers)


class AnonymousReplay:
    """WSGI middleware around the Flask app (module docstring)."""

    def __init__(self, app: WSGIApp, version: Callable[[], str], log: AccessLog | None,
                 max_bytes: int, trust_request_id: bool) -> None:
        self.app = app
        self._version = version
        self._log = log
        self._max_bytes = max_bytes
        self._trust_request_id = trust_request_id
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = _key(environ) if self._max_bytes > 0 else None
        if key is None:
            return self.app(environ, start_response)
        started = time.perf_counter()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        # the store version is looked up only for a request that may be replayed
        if entry is not None and entry.version == self._version():
            return self._replay(entry, environ, start_response, started)
        return self._make(key, environ, start_response)

    def _make(self, key: tuple[str, ...], environ: dict[str, Any],
              start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: list[tuple[str, list[tuple[str, str]]]] = []

        def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen.append((status, headers))
            return start_response(status, headers, *rest)

        answer = self.app(environ, remember)
        version = environ.get(REPLAYABLE)  # the store version the answer was made at
        if not (isinstance(version, str) and seen and _replayable(*seen[-1])):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = seen[-1]
        kept = tuple((k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower())
        self._put(key, _Entry(version, status, kept, body))
        return [body]

    def _put(self, key: tuple[str, ...], entry: _Entry) -> None:
        if entry.size > self._max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size

    def _replay(self, entry: _Entry, environ: dict[str, Any],
                start_response: Callable[..., Any], started: float) -> Iterable[bytes]:
        request_id = access_log.request_id_for(environ.get(_REQUEST_ID_KEY, ""),
                                               self._trust_request_id)
        start_response(entry.status, [*entry.headers, (REQUEST_ID_HEADER, request_id)])
        if self._log is not None:
            self._log.write(access_log.record(
                method="GET", path=environ.get("PATH_INFO", ""),
                query=environ.get("QUERY_STRING", ""), status=int(entry.status[:3]),
                size=len(entry.body), started=started,
                remote_addr=environ.get("REMOTE_ADDR", ""), user="anonymous",
                request_id=request_id))
        return [entry.body]

    def __len__(self) -> int:
        return len(self._entries)


def _key(environ: dict[str, Any]) -> tuple[str, ...] | None:
    """The request's key, or None for a request that is never replayed."""
    if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ
            or "HTTP_AUTHORIZATION" in environ):
        return None
    headers = sorted(f"{name}={value}" for name, value in environ.items()
                     if name.startswith("HTTP_") and name not in _NOT_KEYED)
    return (*(str(environ.get(name, "")) for name in _ENVIRON_KEYS), *headers)


def _replayable(status: str, headers: list[tuple[str, str]]) -> bool:
    return status[:3] in ("200", "304") and not any(k.lower() == "set-cookie"
                                                    for k, _ in headers)
