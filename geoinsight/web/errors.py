"""One table from failures to responses: JSON for the API, HTML pages for browsers."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from geoinsight.errors import GeoInsightError, TooManyRequests
from geoinsight.i18n import TEXTS, text
from geoinsight.web.context import lang

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 429: "too_many_requests", 500: "internal_error"}


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/healthz", "/tiles/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: str) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(GeoInsightError(message, code=code, status=status).as_dict()), status
    return render_template("errors/error.html", status=status, code=code,
                           message=page_message(code, message, lang())), status


def page_message(code: str, message: str, language: str) -> str:
    """An error page speaks the page's language: the catalogue's sentence for the code; in
    English the server's own message where the catalogue has none; else a general one."""
    key = f"error_{code}"
    if key in TEXTS.get(language, {}):
        return text(language, key)
    return message if language == "en" else text(language, "error_generic")


def register(app: Flask) -> None:
    @app.errorhandler(GeoInsightError)
    def _geoinsight(exc: GeoInsightError):
        status = exc.status if 400 <= exc.status < 600 else 500
        if status >= 500:  # our fault, not the request's: the server log says what and where
            app.logger.error("%s on %s", exc.code, request.path, exc_info=exc)
        body, status = error_response(status, exc.code, exc.message)
        response = app.make_response((body, status))
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, _HTTP_CODES.get(status, "http_error"),
                              exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, "internal_error", "internal server error")
