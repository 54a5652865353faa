"""Structured access logs: one JSON line per request, from the app, whichever server runs it.

A line holds the time (UTC), method, path and query string, status, bytes of the body, the
time the app took (ms), the client's address as the trusted proxies report it (setting
``trusted_proxies``), the principal's name or ``anonymous``, and a request id (also sent back as
``X-Request-ID``; taken from the request only behind a trusted proxy, which may set it). Never a
header's value: no cookie, no ``Authorization``.

Setting ``access_log``: ``-`` (stderr, the default), ``off``, or a file. A file is opened in
append mode for every line, so several worker processes can share it (one ``write`` per line,
``O_APPEND``) and log rotation needs no signal.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from geoinsight.settings import Settings
from geoinsight.web.auth import current_principal

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class AccessLog:
    """Where the lines go: ``None`` is stderr (looked up per line, so a redirected one counts)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

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
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def register(app: Flask, settings: Settings) -> None:
    """Log every request of ``app``. Register before the other ``after_request`` hooks: Flask runs
    them in reverse, so this one sees the final answer."""
    log = AccessLog.from_setting(settings.access_log)
    trust_request_id = settings.trusted_proxies > 0

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = (given if trust_request_id and _REQUEST_ID.fullmatch(given)
                        else uuid.uuid4().hex)

    @app.after_request
    def _log(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        if log is not None:
            log.write(_record(response, request_id))
        return response


def _record(response: Response, request_id: str) -> dict[str, Any]:
    started = g.get("request_started")
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else None
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "status": response.status_code,
        "bytes": _body_bytes(response),
        "duration_ms": round(elapsed, 2) if elapsed is not None else None,
        "remote_addr": request.remote_addr or "",
        "user": current_principal().name or "anonymous",
        "request_id": request_id,
    }


def _body_bytes(response: Response) -> int | None:
    """The body's length, without reading a streamed body (None when unknown in advance)."""
    if response.content_length is not None:
        return response.content_length
    if response.is_sequence:
        return sum(len(chunk) for chunk in response.iter_encoded())
    return None
