"""Structured access logs: one JSON line per request, from the app, whichever server runs it.

A line holds the time (UTC), method, path and query string, status, bytes of the body, the
time the app took (ms), the client's address as the trusted proxies report it (setting
``trusted_proxies``), the principal's name or ``anonymous``, and a request id (also sent back as
``X-Request-ID``; taken from the request only behind a trusted proxy, which may set it). Never a
header's value: no cookie, no ``Authorization``.

Setting ``access_log``: ``-`` (stderr, the default), ``off``, or a file. A file is kept open in
append mode, so several worker processes can share it (one ``write`` per line, ``O_APPEND``),
and opened again when it was moved or removed (checked at most once a second), so log rotation
needs no signal.

Both are made without a system call per request beyond the one ``write``: on these virtual
machines an ``open``/``close`` per line and ``os.urandom`` per request id were a sixth of a
cached answer's cost under load (py-spy, gunicorn at 64 connections).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from geoinsight.settings import Settings
from geoinsight.web.auth import current_principal

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class _Forks:
    """How many times this process is a fork's child of the one that imported this module:
    what was opened or drawn before a fork is the parent's."""

    count = 0

    @classmethod
    def forked(cls) -> None:
        cls.count += 1


os.register_at_fork(after_in_child=_Forks.forked)


class RequestIds:
    """Request ids unique across processes and restarts: a random prefix per process (drawn
    again in a forked child) and a counter."""

    def __init__(self) -> None:
        self._fresh()

    def _fresh(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count()
        self._forks = _Forks.count

    def next(self) -> str:
        if self._forks != _Forks.count:
            self._fresh()
        return f"{self._prefix}{next(self._count):016x}"


REQUEST_IDS = RequestIds()
#: How often (seconds) a log file's path is looked up again to notice it was rotated.
REOPEN_CHECK_S = 1.0


class AccessLog:
    """Where the lines go: ``None`` is stderr (looked up per line, so a redirected one counts)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self._forks = _Forks.count
        self._checked = 0.0
        self._lock = threading.Lock()

    def _descriptor(self, path: Path) -> int:
        """The open file, opened again when ``path`` names another file now or this process
        is a fork of the one that opened it (call locked)."""
        now = time.monotonic()
        if self._fd is not None and self._forks != _Forks.count:
            os.close(self._fd)  # the child's copy of the parent's descriptor
            self._fd = None
        elif self._fd is not None and now - self._checked >= REOPEN_CHECK_S:
            if not _same_file(path, self._fd):
                os.close(self._fd)
                self._fd = None
            self._checked = now
        if self._fd is None:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._forks, self._checked = _Forks.count, now
        return self._fd

    @classmethod
    def from_setting(cls, value: str) -> AccessLog | None:
        if value.lower() in ("off", "none", "false", "0"):
            return None
        return cls(None if value == "-" else Path(value))

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        if self.path is None:
            sys.stderr.write(line)
            sys.stderr.flush()
            return
        with self._lock:  # a line is one write; the lock keeps a reopen from racing it
            os.write(self._descriptor(self.path), line.encode("utf-8"))


def _same_file(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the open file ``fd`` (not moved away or removed)."""
    try:
        here, there = path.stat(), os.fstat(fd)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def register(app: Flask, settings: Settings) -> AccessLog | None:
    """Log every request of ``app``. Register before the other ``after_request`` hooks: Flask runs
    them in reverse, so this one sees the final answer. Returns the log (None when ``off``) for
    what answers outside Flask (:mod:`geoinsight.web.replay`)."""
    log = AccessLog.from_setting(settings.access_log)
    trust_request_id = settings.trusted_proxies > 0

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""),
                                      trust_request_id)

    @app.after_request
    def _log(response: Response) -> Response:
        request_id = g.get("request_id") or REQUEST_IDS.next()
        response.headers[REQUEST_ID_HEADER] = request_id
        if log is not None:
            started = g.get("request_started")
            log.write(record(method=request.method, path=request.path,
                             query=request.query_string.decode("latin-1"),
                             status=response.status_code, size=_body_bytes(response),
                             started=started, remote_addr=request.remote_addr or "",
                             user=current_principal().name or "anonymous",
                             request_id=request_id))
        return response

    return log


def request_id_for(given: str, trusted: bool) -> str:
    """The request's id: the one a trusted proxy gave (when well-formed), else a new one."""
    return given if trusted and _REQUEST_ID.fullmatch(given) else REQUEST_IDS.next()


def record(*, method: str, path: str, query: str, status: int, size: int | None,
           started: float | None, remote_addr: str, user: str,
           request_id: str) -> dict[str, Any]:
    """One access-log line; ``started``: the ``time.perf_counter()`` the request began at."""
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else None
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": method,
        "path": path,
        "query": query,
        "status": status,
        "bytes": size,
        "duration_ms": round(elapsed, 2) if elapsed is not None else None,
        "remote_addr": remote_addr,
        "user": user,
        "request_id": request_id,
    }


def _body_bytes(response: Response) -> int | None:
    """The body's length, without reading a streamed body (None when unknown in advance)."""
    if response.content_length is not None:
        return response.content_length
    if response.is_sequence:
        return sum(len(chunk) for chunk in response.iter_encoded())
    return None
