"""Sign-in, sessions, API tokens and CSRF protection.

``register(app, accounts)`` wires it all: a ``/login`` page, ``POST /logout``, two
``before_request`` hooks and one ``after_request`` hook. The first sets ``g.principal`` — from an
``Authorization: Bearer`` token (an invalid one is answered 401 ``bad_token`` right away, never
silently anonymous), else from the session, else ``ANONYMOUS``.

Sessions are kept server-side (``Accounts.new_session``): the signed cookie carries only a random
session id. Logging out ends that session, a new password or removing the user ends all of theirs,
so a copy of the cookie taken before is anonymous from then on (a signed cookie alone stays valid
until it expires). Sign-in goes through :class:`geoinsight.privacy.throttle.SignInGuard`: too many
failures answer 429 with ``Retry-After`` (a locked name 403), audited like the failures
themselves. Requests with an API token from an address that is throttled get the same 429, and a
wrong token counts against the address.

Every answer to a request that carried the session cookie or an ``Authorization`` header, or
that was made for a signed-in principal, gets ``Cache-Control: private, no-store``: it may hold
figures a shared cache must never hand to someone else. Every answer gets ``Vary: Cookie,
Authorization``, so a cache never serves an anonymous answer to a signed-in request either.
Static files are the exception: they never depend on who asks.
The second refuses (400 ``bad_csrf``) any POST/PUT/PATCH/DELETE that carries the session cookie but
not the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); the login and
logout forms need the token even without a cookie (no login CSRF). A request with a valid Bearer
token needs no CSRF token: a browser never adds that header on its own.

Session cookies are HttpOnly, SameSite=Lax and Secure. Secure is dropped while
``app.config["TESTING"]`` is on (read per response, so setting it after ``register`` counts) or
when ``secure_cookies=False`` (settings: ``secure_cookies: false`` in config.yaml or
``GEOINSIGHT_SECURE_COOKIES=0``). The local demo works with Secure on: ``geoinsight serve``
listens on 127.0.0.1, and Chrome and Firefox treat ``http://127.0.0.1`` and ``http://localhost``
as secure for cookies. Served over plain http under another name (a LAN demo), the browser drops
the cookie; the login page then says so. Use https there, or turn Secure off for that demo only.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_app_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from geoinsight.errors import BadRequest, ConfigError, GeoInsightError, TooManyRequests
from geoinsight.privacy.access import ANONYMOUS, Principal
from geoinsight.privacy.accounts import Accounts
from geoinsight.privacy.audit import FILENAME as AUDIT_FILE
from geoinsight.privacy.audit import AuditLog, Read
from geoinsight.privacy.throttle import AGGREGATE_SCOPE, Attempt, LoginPolicy, SignInGuard
from geoinsight.settings import Settings

bp = Blueprint("auth", __name__)

SESSION_ID = "sid"
SESSION_CSRF = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EXTENSION = "geoinsight.privacy.accounts"
_GUARD = "geoinsight.sign_in_guard"
_AUDIT = "geoinsight.auth_audit"
#: The audit log's tier column for sign-in events (they read no data of any tier).
AUDIT_TIER = "auth"
#: How long a sign-in lasts (Flask checks the age of the session cookie's signature).
SESSION_LIFETIME = timedelta(hours=12)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; the Secure flag is left off while the app is testing."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) and not app.testing


def secure_cookies(settings: Settings) -> bool:
    """The ``secure_cookies`` setting (config file or ``GEOINSIGHT_SECURE_COOKIES``), default on."""
    value = settings.extra.get("secure_cookies", True)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"secure_cookies must be true or false, not {value!r}")


def register(app: Flask, accounts: Accounts, *, secure_cookies: bool = True,
             policy: LoginPolicy | None = None, audit: AuditLog | None = None,
             once_known: Sequence[Callable[[], None]] = ()) -> None:
    """Add sign-in, principals and CSRF protection to ``app`` (see the module docstring).

    ``once_known`` run when the principal is known and before the CSRF check reads the body
    (a beheerder's upload may be larger than other requests).

    Call it after the app's other ``before_request`` hooks (language, CSP nonce): a request this
    refuses stops here, and the refusal page still wants those. ``audit`` defaults to the log
    beside the accounts (``audit.sqlite`` beside their file, or the same database).
    """
    app.extensions[_EXTENSION] = accounts
    app.extensions[_GUARD] = SignInGuard(accounts, policy)
    app.extensions[_AUDIT] = audit or AuditLog(accounts.db.beside(AUDIT_FILE))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = secure_cookies
    # Flask's sessions are signed cookies: logging out deletes the cookie in the browser, but a
    # copy taken before stays valid until its signature is this old. A working day, then sign in.
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.session_interface = _SessionInterface()
    app.register_blueprint(bp)
    app.before_request(_load_principal)
    for hook in once_known:
        app.before_request(hook)
    app.before_request(_check_csrf)
    app.after_request(_private_answers)
    app.context_processor(_template_globals)


def current_principal() -> Principal:
    """Who is asking: the request's principal, or ``ANONYMOUS`` outside a request."""
    if not has_app_context():
        return ANONYMOUS
    principal = g.get("principal")
    return principal if isinstance(principal, Principal) else ANONYMOUS


def csrf_token() -> str:
    """This session's CSRF token, made on first use (templates: ``{{ csrf_token() }}``)."""
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirect).

    Refused: anything not starting with one ``/`` (so ``//host`` and ``/\\host``, which browsers
    read as another host), backslashes, whitespace and control characters (browsers drop tabs and
    newlines, turning ``/\\t/host`` into ``//host``), and anything with a scheme or host.
    """
    if not target or len(target) > 2048 or not target.startswith("/"):
        return "/"
    if target[1:2] in ("/", "\\") or any(c <= " " or c in "\x7f\\" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def accounts_of(app: Flask) -> Accounts:
    """The accounts an app was registered with (its clock is the throttles' clock too)."""
    accounts: Accounts = app.extensions[_EXTENSION]
    return accounts


def _accounts() -> Accounts:
    return accounts_of(current_app)


def _guard() -> SignInGuard:
    guard: SignInGuard = current_app.extensions[_GUARD]
    return guard


def client_address() -> str:
    """The client's address as the throttles see it: ``request.remote_addr``.

    Behind a reverse proxy that is the proxy's address, and every client would share one
    throttle: set ``trusted_proxies`` (``GEOINSIGHT_TRUSTED_PROXIES``) so ``create_app`` applies
    werkzeug's ProxyFix and ``remote_addr`` becomes the client's (from ``X-Forwarded-For``).
    """
    return request.remote_addr or "unknown"


def audit_event(who: str | None, what: str) -> None:
    """Append one sign-in or rate-limit event to the audit log (tier ``auth``)."""
    log: AuditLog = current_app.extensions[_AUDIT]
    log.record(who or "anonymous", request.path, client_address(), [Read(what, AUDIT_TIER)])


def enforce_rate_limit(what: str, per_minute: int) -> None:
    """Refuse (429, ``Retry-After``) a client's request past ``per_minute`` in the last minute.

    The counts are shared by the server processes through the accounts file; 0 turns it off.
    """
    if per_minute <= 0:
        return
    wait = _guard().limiter.take(AGGREGATE_SCOPE, client_address(), per_minute, 60)
    if wait:
        audit_event(current_principal().name, f"{what}: rate limited, retry after {wait} s")
        raise TooManyRequests(f"at most {per_minute} of these requests a minute from one "
                              f"address: try again in {wait} s", retry_after=wait)


def _has_session_cookie() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def _load_principal() -> Response | None:
    g.principal = ANONYMOUS
    g.auth_method = None
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return _load_token_principal(credentials.strip())
    if not _has_session_cookie():  # keep cookieless requests free of session access (Vary)
        return None
    session_id = session.get(SESSION_ID)
    if session_id is None:
        return None
    principal = _accounts().principal_for_session(session_id)
    if principal is None:  # logged out, expired, new password, removed or disabled since
        session.pop(SESSION_ID, None)
        return None
    g.principal, g.auth_method = principal, "session"
    return None


def _load_token_principal(token: str) -> Response | None:
    address = client_address()
    wait = _guard().address_wait(address)
    if wait:
        audit_event(None, f"API token refused: address throttled, retry after {wait} s")
        return _too_many(wait, "too_many_attempts", "too many failed sign-ins or wrong API "
                         f"tokens from this address: try again in {wait} s")
    principal = _accounts().principal_for_token(token)
    if principal is None:
        _guard().count_address_failure(address)
        audit_event(None, "wrong API token")
        return _bad_token()
    g.principal, g.auth_method = principal, "token"
    return None


def _too_many(wait: int, code: str, message: str) -> Response:
    error = TooManyRequests(message, retry_after=wait, code=code)
    response = jsonify(error.as_dict())
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _private_answers(response: Response) -> Response:
    """``private, no-store`` for answers that may depend on who asks; see the module docstring."""
    if request.endpoint == "static":
        return response
    response.vary.update(("Cookie", "Authorization"))
    personal = (_has_session_cookie() or "Authorization" in request.headers
                or not current_principal().anonymous)
    if personal:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    return response


def _bad_token() -> Response:
    error = GeoInsightError("the API token is not valid (unknown, revoked, or its user removed)",
                            code="bad_token", status=401)
    response = jsonify(error.as_dict())
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _check_csrf() -> Response | None:
    if request.method not in _UNSAFE_METHODS or g.get("auth_method") == "token":
        return None
    own_form = request.blueprint == bp.name  # login/logout: a missing cookie is no excuse
    if not own_form and not _has_session_cookie():
        return None
    expected = session.get(SESSION_CSRF)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if isinstance(expected, str) and expected and hmac.compare_digest(
            sent.encode("utf-8"), expected.encode("utf-8")):
        return None
    return _csrf_failed()


def _wants_json() -> bool:
    if request.path.startswith("/api/") or CSRF_HEADER in request.headers or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _csrf_failed() -> Response:
    if _wants_json():
        error = BadRequest("missing or wrong CSRF token: reload the page and try again",
                           code="bad_csrf")
        response = jsonify(error.as_dict())
        response.status_code = 400
        return response
    # A browser form: show the sign-in page (fresh token, who is signed in) with the reason.
    return _login_page(400, error="csrf", next_url=safe_next(request.form.get("next")))


def _template_globals() -> dict[str, object]:
    return {"csrf_token": csrf_token, "current_principal": current_principal}


def _cookie_dropped_over_http() -> bool:
    """Whether the browser will refuse our Secure cookie: plain http to a non-loopback host."""
    if not current_app.session_interface.get_cookie_secure(current_app):
        return False
    if request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https":
        return False
    host = urlsplit("//" + request.host).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _login_page(status: int = 200, *, error: str | None = None, next_url: str = "/",
                name: str = "", retry_after: int = 0) -> Response:
    response = make_response(render_template(
        "auth/login.html", error=error, next_url=next_url, name=name, retry_after=retry_after,
        principal=current_principal(), cookie_dropped=_cookie_dropped_over_http()), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/login")
def login_form() -> Response:
    return _login_page(next_url=safe_next(request.args.get("next")))


@bp.post("/login")
def login() -> Response:
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"))
    attempt = _guard().sign_in(name, password, client_address())
    principal = attempt.principal
    if attempt.outcome != "ok" or principal is None or principal.name is None:
        return _refused(attempt, name[:64], next_url)
    old = session.get(SESSION_ID)
    session.clear()  # a new session: nothing carried over from before signing in
    _accounts().end_session(old)
    session[SESSION_ID] = _accounts().new_session(principal.name, SESSION_LIFETIME)
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    current_app.logger.info("%s signed in from %s", principal.name, client_address())
    return redirect(next_url, 303)


def _refused(attempt: Attempt, name: str, next_url: str) -> Response:
    """The answer to a refused sign-in, audited: 401, or 429 (throttled), or 403 (locked)."""
    who = name or "(no name)"
    if attempt.outcome == "throttled":
        wait = attempt.retry_after
        audit_event(who, f"sign-in throttled, retry after {wait} s")
        if _wants_json():
            return _too_many(wait, "too_many_attempts",
                             f"too many failed sign-ins: try again in {wait} s")
        response = _login_page(429, error="throttled", next_url=next_url, name=name,
                               retry_after=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    if attempt.outcome == "locked":
        audit_event(who, "sign-in refused: name locked")
        if _wants_json():
            error = GeoInsightError("this name is locked after too many failed sign-ins: ask "
                                    "a beheerder to unlock it", code="account_locked",
                                    status=403)
            return make_response(jsonify(error.as_dict()), 403)
        return _login_page(403, error="locked", next_url=next_url, name=name)
    audit_event(who, "sign-in failed")
    if attempt.locked_now:
        audit_event(who, "name locked after too many failed sign-ins")
    current_app.logger.info("failed sign-in from %s", client_address())
    if _wants_json():
        error = GeoInsightError("unknown name or wrong password", code="bad_login", status=401)
        return make_response(jsonify(error.as_dict()), 401)
    return _login_page(401, error="login", next_url=next_url, name=name)


@bp.post("/logout")
def logout() -> Response:
    _accounts().end_session(session.get(SESSION_ID))  # every copy of the cookie is dead now
    session.clear()
    return redirect(safe_next(request.form.get("next")), 303)
