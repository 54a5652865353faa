"""One error type for everything a user can get wrong.

The web layer maps ``status`` to the HTTP status and renders ``code`` and ``message`` in the JSON
body of DESIGN.md; the CLI prints ``error: <message> (<file>)`` and exits 1.
"""

from __future__ import annotations


class GeoInsightError(Exception):
    """An error with an HTTP-style status, a stable machine code and a human message."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.path = path

    def as_dict(self) -> dict[str, object]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}

    def one_line(self) -> str:
        """The CLI form: ``<message> (<file>)``."""
        text = " ".join(self.message.split())
        return f"{text} ({self.path})" if self.path else text


class BadRequest(GeoInsightError):
    status = 400
    code = "bad_request"


class NotFound(GeoInsightError):
    status = 404
    code = "not_found"


class TooManyRequests(GeoInsightError):
    """Too many requests from one client: answered 429 with ``Retry-After: retry_after``."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))


class InputError(GeoInsightError):
    """A file given to ingest cannot be used; the store is left untouched."""

    status = 422
    code = "bad_input"


class ConfigError(GeoInsightError):
    """A configuration or layer file is invalid."""

    status = 500
    code = "bad_config"
