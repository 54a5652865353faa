"""The Flask app factory ``create_app(settings=None)``, with no state built at import time."""

from __future__ import annotations

import base64
import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, g, request
from markupsafe import Markup

from geoinsight import __version__
from geoinsight.catalog import load_catalog
from geoinsight.i18n import LANGUAGES, text
from geoinsight.privacy.audit import open_audit_log
from geoinsight.privacy.disclosure import open_published_store
from geoinsight.privacy.gate import Gates
from geoinsight.privacy.throttle import LoginPolicy
from geoinsight.render import classify
from geoinsight.resources import resource_dir
from geoinsight.settings import Settings, load_settings
from geoinsight.usecases.planning import load_schemes
from geoinsight.web import access_log, errors
from geoinsight.web.cache import AnswerCache
from geoinsight.web.context import AppState
from geoinsight.web.replay import AnonymousReplay
from geoinsight.web.sparkline import sparkline


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask("geoinsight", static_folder=str(resource_dir("static")),
                template_folder=str(resource_dir("templates")))
    app.config["SECRET_KEY"] = settings.secret_key or secrets.token_hex(32)
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # a request reads only through its gate: published figures, visible layers, the audit
    gates = Gates(open_published_store(settings), load_catalog(settings.layers_dir))
    app.extensions["geoinsight"] = AppState(settings, gates,
                                            load_schemes(settings.planning_dir),
                                            open_audit_log(settings),
                                            AnswerCache.for_settings(settings))
    log = access_log.register(app, settings)  # first, so its after_request hook runs last
    from geoinsight.privacy.accounts import open_accounts
    from geoinsight.web import (
        admin,
        aggregate,
        api,
        audit,
        auth,
        docs,
        exports,
        health,
        http,
        maps,
        ogc,
        openapi,
        pages,
        planning,
        rasters,
        search,
        signals,
    )

    http.register(app)  # first: it runs after every other hook has shaped the body
    app.register_blueprint(pages.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(aggregate.bp)
    app.register_blueprint(planning.bp)
    app.register_blueprint(signals.bp)
    app.register_blueprint(rasters.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(openapi.bp)
    audit.register(app)
    admin.register(app)
    errors.register(app)
    _language(app, settings)
    _security_headers(app, settings)
    # after the other hooks, so a refused request still gets its language and CSP nonce
    auth.register(app, open_accounts(settings),
                  secure_cookies=auth.secure_cookies(settings),
                  policy=LoginPolicy.from_settings(settings),
                  audit=app.extensions["geoinsight"].audit,
                  once_known=[admin.upload_limit])
    # inside ProxyFix, so a replayed request's address is the client's as for any other
    replay = AnonymousReplay(app.wsgi_app, gates.published.version, log,
                             settings.replay_memory_bytes,
                             trust_request_id=settings.trusted_proxies > 0)
    app.extensions["geoinsight.replay"] = replay
    app.wsgi_app = replay  # type: ignore[method-assign]
    _behind_proxies(app, settings.trusted_proxies)

    @app.context_processor
    def _template_globals() -> dict[str, object]:
        lang = g.get("lang", settings.language)
        return {"t": lambda key: text(lang, key), "lang": lang, "version": __version__,
                "switch_lang_url": lambda: _switch_lang_url(text(lang, "switch_lang"))}

    app.add_template_filter(format_number, "num")
    app.add_template_filter(_with_nonce, "nonced")
    app.add_template_global(sparkline, "sparkline")

    return app


def _behind_proxies(app: Flask, proxies: int) -> None:
    """Trust ``proxies`` reverse proxies' X-Forwarded-For/-Proto (setting ``trusted_proxies``).

    The throttles key on ``request.remote_addr``; behind a proxy that is the proxy's own
    address unless ProxyFix takes the client's from the header the proxy appends. Only as many
    hops as there are proxies are believed, so a client cannot forge its address.
    """
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies)


def _with_nonce(html: str) -> Markup:
    """Give the inline ``<script>`` elements of trusted generated HTML this request's nonce."""
    nonce = g.get("csp_nonce", "")
    return Markup(html.replace("<script>", f'<script nonce="{nonce}">'))


def _steady_nonce(response: Response, nonce: str, secret: str) -> str:
    """Replace the request's random nonce in an HTML body by an HMAC of the body without it.

    Unforgeable like a random one (it needs the secret key, and markup smuggled into a page
    changes the page and so its nonce), but the same for the same page, so an unchanged page
    revalidates (ETag/304) and its cached copy's scripts match the CSP of the 304.
    """
    if not nonce or response.direct_passthrough or response.is_streamed:
        return nonce
    body = response.get_data()
    if nonce.encode() not in body:
        return nonce
    digest = hmac.new(secret.encode(), body.replace(nonce.encode(), b""), "sha256").digest()
    steady = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
    response.set_data(body.replace(nonce.encode(), steady.encode()))
    return steady


def _switch_lang_url(target: str) -> str:
    """A query-only link (``?…&lang=en``): it stays on this page and host, whatever the path."""
    args = request.args.to_dict()
    args["lang"] = target
    return f"?{urlencode(args)}"


def format_number(value: float | None, decimals: int | None = None, lang: str = "nl") -> str:
    """A figure for a page: decimals default to what the value needs (1234 -> 1.234; 1.7)."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return classify.format_number(value, decimals, lang)


def _language(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _pick() -> None:
        asked = request.args.get("lang", "")
        cookie = request.cookies.get("lang", "")
        g.lang = next((x for x in (asked, cookie) if x in LANGUAGES), settings.language)

    @app.after_request
    def _remember(response: Response) -> Response:
        asked = request.args.get("lang", "")
        if asked in LANGUAGES:
            response.set_cookie("lang", asked, max_age=365 * 86400, samesite="Lax",
                                httponly=True)
        return response


def _security_headers(app: Flask, settings: Settings) -> None:
    """A CSP that lets a page talk to this host only (plus the basemap's tile host).

    Scripts run only from this host or with the request's nonce (the one inline Folium
    script), so markup smuggled into a page cannot run. The page is rendered with a random
    nonce, which is then replaced by a keyed hash of the page itself (:func:`_steady_nonce`):
    the same page gets the same body and ETag, so it can be answered 304. Inline styles stay
    allowed: Leaflet positions everything with them.
    """
    tiles, _ = settings.basemap_tiles()
    tile_host = ""
    if tiles:
        parts = urlsplit(tiles)
        tile_host = f" {parts.scheme}://{parts.netloc}"

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            nonce = _steady_nonce(response, g.get("csp_nonce", ""), app.config["SECRET_KEY"])
            response.headers.setdefault(
                "Content-Security-Policy",
                f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
                "style-src 'self' 'unsafe-inline'; "
                f"img-src 'self' data:{tile_host}; connect-src 'self'; font-src 'self'; "
                "object-src 'none'; base-uri 'self'; frame-ancestors 'self'; form-action 'self'")
        return response
