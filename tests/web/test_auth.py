"""Sign-in, sessions, tokens and CSRF on a small app of their own (independent of create_app)."""

from __future__ import annotations

import re
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader
from manual_clock import ManualClock
from werkzeug.test import TestResponse

from geoinsight import PROJECT_ROOT
from geoinsight.i18n import text
from geoinsight.privacy.accounts import Accounts, open_accounts
from geoinsight.privacy.audit import AuditLog
from geoinsight.privacy.throttle import LoginPolicy
from geoinsight.settings import Settings
from geoinsight.web.auth import SESSION_LIFETIME, current_principal, register, safe_next

PASSWORD = "correct horse battery"
BASE = ("<!doctype html><title>{% block title %}{% endblock %}</title>"
        "<main>{% block content %}{% endblock %}</main>")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def accounts(accounts_location: Path | str, clock: ManualClock) -> Accounts:
    accounts = Accounts(accounts_location, clock=clock)
    accounts.add_user("jan", ["staff", "analist"], PASSWORD)
    return accounts


def make_app(accounts: Accounts, *, testing: bool = True, **options: Any) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test secret"
    app.config["TESTING"] = testing
    app.jinja_loader = ChoiceLoader([
        DictLoader({"base.html": BASE}), FileSystemLoader(PROJECT_ROOT / "templates")])
    register(app, accounts, **options)
    # the page texts, as create_app provides them (in Dutch, the default language)
    app.context_processor(lambda: {"t": partial(text, "nl"), "lang": "nl"})

    @app.route("/whoami", methods=["GET", "POST"])
    def whoami() -> Response:
        principal = current_principal()
        return jsonify(name=principal.name, roles=sorted(principal.roles),
                       method=request.method)

    return app


@pytest.fixture
def client(accounts: Accounts) -> FlaskClient:
    return make_app(accounts).test_client()


def csrf_from(response: TestResponse) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def login(client: FlaskClient, name: str = "jan", password: str = PASSWORD,
          next_url: str | None = None) -> TestResponse:
    token = csrf_from(client.get("/login"))
    form = {"name": name, "password": password, "csrf_token": token}
    if next_url is not None:
        form["next"] = next_url
    return client.post("/login", data=form)


def whoami(client: FlaskClient, **kwargs: object) -> dict[str, object]:
    response = client.get("/whoami", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, object] = response.get_json()
    return data


def test_login_page_has_the_form(client: FlaskClient) -> None:
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'name="name"' in html and 'type="password"' in html and 'name="csrf_token"' in html
    assert 'action="/login"' in html and "<script" not in html
    assert "Inloggen" in html


def test_login_success(client: FlaskClient) -> None:
    assert whoami(client)["name"] is None
    response = login(client)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert whoami(client) == {"name": "jan", "roles": ["analist", "staff"], "method": "GET"}
    html = client.get("/login").get_data(as_text=True)
    assert "Ingelogd als" in html and "<strong>jan</strong>" in html
    assert 'action="/logout"' in html and 'type="password"' not in html


def test_login_failure_is_generic_401(client: FlaskClient) -> None:
    wrong = login(client, password="wrong password here")
    unknown = login(client, name="piet")
    for response in (wrong, unknown):
        assert response.status_code == 401
        html = response.get_data(as_text=True)
        assert "Onbekende naam of onjuist wachtwoord" in html
        assert PASSWORD not in html and "wrong password here" not in html
    assert whoami(client)["name"] is None


def test_session_is_renewed_on_login(client: FlaskClient) -> None:
    before = csrf_from(client.get("/login"))
    login(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    after = csrf_from(client.get("/login"))
    assert before != after


def test_session_cookie_flags_while_testing(client: FlaskClient) -> None:
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_not_testing(accounts: Accounts) -> None:
    client = make_app(accounts, testing=False).test_client()
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_testing_flag_counts_when_set_after_register(accounts: Accounts) -> None:
    app = make_app(accounts, testing=False)
    app.config["TESTING"] = True  # as tests/conftest.py does after create_app
    assert "Secure" not in login(app.test_client()).headers["Set-Cookie"]


def test_secure_cookies_can_be_turned_off(accounts: Accounts) -> None:
    client = make_app(accounts, testing=False, secure_cookies=False).test_client()
    assert "Secure" not in login(client).headers["Set-Cookie"]


def test_plain_http_on_a_lan_name_warns(accounts: Accounts) -> None:
    client = make_app(accounts, testing=False).test_client()
    assert "gi-auth-http" not in client.get("/login").get_data(as_text=True)
    assert "gi-auth-http" not in client.get(
        "/login", base_url="http://127.0.0.1:5000").get_data(as_text=True)
    assert "gi-auth-http" in client.get(
        "/login", base_url="http://demo.lan:5000").get_data(as_text=True)
    assert "gi-auth-http" not in client.get(
        "/login", base_url="https://demo.lan").get_data(as_text=True)


def test_secure_cookies_setting(tmp_path: Path) -> None:
    from geoinsight.web.auth import secure_cookies

    assert secure_cookies(Settings(data_dir=tmp_path)) is True
    for value, expected in [("0", False), ("false", False), (False, False), ("yes", True)]:
        assert secure_cookies(Settings(data_dir=tmp_path,
                                       extra={"secure_cookies": value})) is expected


def test_login_needs_csrf_token(client: FlaskClient) -> None:
    client.get("/login")  # a session with a token exists; the form just does not send it
    for form in ({"name": "jan", "password": PASSWORD},
                 {"name": "jan", "password": PASSWORD, "csrf_token": "forged"}):
        response = client.post("/login", data=form)
        assert response.status_code == 400
        assert 'data-code="bad_csrf"' in response.get_data(as_text=True)
    assert whoami(client)["name"] is None


def test_login_without_cookie_needs_csrf_too(accounts: Accounts) -> None:
    client = make_app(accounts).test_client()
    response = client.post("/login", data={"name": "jan", "password": PASSWORD,
                                           "csrf_token": "anything"})
    assert response.status_code == 400
    assert whoami(client)["name"] is None
    # the refusal page carries a fresh token, so trying again works
    retry = client.post("/login", data={"name": "jan", "password": PASSWORD,
                                        "csrf_token": csrf_from(response)})
    assert retry.status_code == 303


def test_csrf_for_other_unsafe_requests(client: FlaskClient) -> None:
    login(client)
    refused = client.post("/whoami", headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_csrf"
    assert client.delete("/whoami", headers={"X-CSRF-Token": "forged"}).status_code == 400
    token = csrf_from(client.get("/login"))
    assert client.post("/whoami", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.post("/whoami", data={"csrf_token": token}).status_code == 200
    assert client.get("/whoami").status_code == 200  # safe methods need no token


def test_no_cookie_no_csrf_needed(accounts: Accounts) -> None:
    client = make_app(accounts).test_client()  # nothing ambient to abuse
    assert client.post("/whoami").get_json()["name"] is None


def test_bearer_token(accounts: Accounts, client: FlaskClient) -> None:
    token = accounts.new_token("jan")
    headers = {"Authorization": f"Bearer {token}"}
    assert whoami(client, headers=headers)["name"] == "jan"
    assert client.post("/whoami", headers=headers).status_code == 200  # no CSRF for tokens
    login(client)  # a session cookie as well: the token still needs no CSRF token
    assert client.post("/whoami", headers=headers).get_json()["name"] == "jan"


@pytest.mark.parametrize("header", ["Bearer gi_nonsense", "Bearer ", "bearer x",
                                    "Bearer gi_" + "A" * 43])
def test_invalid_bearer_token_is_401_json(client: FlaskClient, header: str) -> None:
    response = client.get("/whoami", headers={"Authorization": header,
                                              "Accept": "text/html"})
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["error"]["code"] == "bad_token"
    assert response.get_json()["error"]["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_removed_users_token_is_401(accounts: Accounts, client: FlaskClient) -> None:
    token = accounts.new_token("jan")
    accounts.remove_user("jan")
    response = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_other_authorization_schemes_are_ignored(client: FlaskClient) -> None:
    assert whoami(client, headers={"Authorization": "Basic amFuOnB3"})["name"] is None


@pytest.mark.parametrize("target", ["//evil.com", "/\\evil.com", "https://evil.com",
                                    "http:/evil.com", "/\t/evil.com", "/\n/evil.com",
                                    "\\\\evil.com", "evil.com", "javascript:alert(1)",
                                    " //evil.com", "/%0a/x\\y", ""])
def test_next_cannot_leave_the_site(client: FlaskClient, target: str) -> None:
    response = login(client, next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert safe_next(target) == "/"


def test_next_within_the_site_is_kept(client: FlaskClient) -> None:
    html = client.get("/login?next=/map/woz_mean%3Flevel%3Dbuurt").get_data(as_text=True)
    assert 'name="next" value="/map/woz_mean?level=buurt"' in html
    response = login(client, next_url="/map/woz_mean?level=buurt")
    assert response.headers["Location"] == "/map/woz_mean?level=buurt"
    page = client.get("/login?next=//evil.com").get_data(as_text=True)
    assert "evil" not in page


def test_logout_clears_the_session(client: FlaskClient) -> None:
    login(client)
    token = csrf_from(client.get("/login"))
    refused = client.post("/logout")
    assert refused.status_code == 400 and whoami(client)["name"] == "jan"
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "session=;" in response.headers["Set-Cookie"]
    assert client.get_cookie("session") is None
    assert whoami(client)["name"] is None


def test_sign_in_ends_after_a_working_day(client: FlaskClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import itsdangerous.timed

    login(client)
    assert whoami(client)["name"] == "jan"
    later = time.time() + SESSION_LIFETIME.total_seconds() + 60
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    assert whoami(client)["name"] is None


def test_removed_user_session_becomes_anonymous(accounts: Accounts,
                                               client: FlaskClient) -> None:
    login(client)
    assert whoami(client)["name"] == "jan"
    accounts.remove_user("jan")
    assert whoami(client)["name"] is None
    accounts.add_user("jan", ["beheerder"], PASSWORD)  # same name again: the old session is gone
    assert whoami(client)["name"] is None


def test_disabled_user_session_becomes_anonymous(accounts: Accounts,
                                                client: FlaskClient) -> None:
    login(client)
    accounts.set_disabled("jan")
    assert whoami(client)["name"] is None
    assert login(client).status_code == 401


def test_english_login_page(client: FlaskClient) -> None:
    app = client.application

    @app.context_processor
    def _english() -> dict[str, object]:
        return {"lang": "en", "t": partial(text, "en")}

    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert "Unknown name or wrong password" in login(client, password="x" * 12).get_data(
        as_text=True)


def test_login_page_in_the_real_layout(demo_settings: Settings) -> None:
    """The page renders inside templates/base.html of the real app (wired or not yet)."""
    from geoinsight.web import create_app

    app = create_app(demo_settings)
    app.config["TESTING"] = True
    accounts = open_accounts(demo_settings)
    if "auth" not in app.blueprints:
        register(app, accounts)
    accounts.add_user("anna", ["beheerder"], PASSWORD)
    client = app.test_client()
    page = client.get("/login?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="gi-header"' in html and "Sign in" in html
    assert "Content-Security-Policy" in page.headers
    response = client.post("/login", data={"name": "anna", "password": PASSWORD,
                                           "csrf_token": csrf_from(page), "next": "/layers"})
    assert response.status_code == 303 and response.headers["Location"] == "/layers"
    assert "<strong>anna</strong>" in client.get("/login").get_data(as_text=True)


# -- brute force (red team: 60 wrong passwords in 7.6 s, all 401, then the right one got in) --

def audit_of(accounts: Accounts) -> list[str]:
    """What the audit log beside the accounts recorded, oldest first."""
    entries = AuditLog(accounts.db.beside("audit.sqlite")).entries()
    return [f"{who}: {what}" for who, what in zip(entries["who"], entries["what"],
                                                    strict=True)][::-1]


def test_brute_force_gets_429_even_with_the_right_password(client: FlaskClient,
                                                           accounts: Accounts,
                                                           clock: ManualClock) -> None:
    statuses = [login(client, password=f"guess {i:02d} of sixty").status_code
                for i in range(60)]
    assert statuses == [401] * 5 + [429] * 55
    right = login(client)
    assert right.status_code == 429 and right.headers["Retry-After"] == "30"
    html = right.get_data(as_text=True)
    assert "Te veel mislukte inlogpogingen. Probeer het over 30 seconden opnieuw." in html
    assert 'data-code="too_many_attempts"' in html
    assert whoami(client)["name"] is None
    clock.advance(30)
    assert login(client).status_code == 303 and whoami(client)["name"] == "jan"
    events = audit_of(accounts)
    assert events.count("jan: sign-in failed") == 5
    assert events.count("jan: sign-in throttled, retry after 30 s") == 56


def test_throttled_json_callers_get_the_json_error(client: FlaskClient) -> None:
    for i in range(5):
        login(client, password=f"wrong password {i}")
    token = csrf_from(client.get("/login"))
    response = client.post("/login", data={"name": "jan", "password": PASSWORD,
                                           "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert response.get_json() == {"error": {
        "status": 429, "code": "too_many_attempts",
        "message": "too many failed sign-ins: try again in 30 s"}}


def test_english_throttle_message(client: FlaskClient) -> None:
    client.application.context_processor(lambda: {"lang": "en", "t": partial(text, "en")})
    for i in range(6):
        response = login(client, password=f"wrong password {i}")
    assert response.status_code == 429
    assert "Too many failed sign-ins. Please try again in 30 seconds." in response.get_data(
        as_text=True)


def test_locked_name_needs_a_beheerder(accounts: Accounts, clock: ManualClock) -> None:
    policy = LoginPolicy(max_failures=5, address_max_failures=50, window=60, backoff=30,
                         lock_after=3)
    client = make_app(accounts, policy=policy).test_client()
    for i in range(3):
        assert login(client, password=f"slow guess {i}").status_code == 401
        clock.advance(60)
    locked = login(client)
    assert locked.status_code == 403
    assert "geblokkeerd" in locked.get_data(as_text=True)
    assert whoami(client)["name"] is None
    assert "jan: name locked after too many failed sign-ins" in audit_of(accounts)
    assert "jan: sign-in refused: name locked" in audit_of(accounts)
    accounts.unlock("jan")
    assert login(client).status_code == 303


def test_wrong_tokens_throttle_the_address(accounts: Accounts, client: FlaskClient,
                                           clock: ManualClock) -> None:
    token = accounts.new_token("jan")
    for i in range(20):
        response = client.get("/whoami", headers={"Authorization": f"Bearer gi_guess{i}"})
        assert response.status_code == 401
    refused = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    assert "anonymous: wrong API token" in audit_of(accounts)
    other = client.get("/whoami", headers={"Authorization": f"Bearer {token}"},
                       environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.get_json()["name"] == "jan"
    clock.advance(30)
    assert whoami(client, headers={"Authorization": f"Bearer {token}"})["name"] == "jan"


# -- logout ends the session (red team: a copied cookie read internal figures for 12 h) -------

def test_copied_cookie_is_anonymous_after_logout(accounts: Accounts,
                                                 client: FlaskClient) -> None:
    login(client)
    copied = client.get_cookie("session")
    assert copied is not None
    thief = make_app(accounts).test_client()
    thief.set_cookie("session", copied.value)
    assert whoami(thief)["name"] == "jan"  # the copy works while the session lives
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/login"))})
    assert whoami(client)["name"] is None
    assert whoami(thief)["name"] is None  # and not a moment longer


def test_new_password_ends_every_session(accounts: Accounts, client: FlaskClient) -> None:
    login(client)
    other = make_app(accounts).test_client()
    login(other)
    accounts.set_password("jan", "another good password")
    assert whoami(client)["name"] is None and whoami(other)["name"] is None
    assert login(client, password="another good password").status_code == 303


def test_session_expires_on_the_server_too(client: FlaskClient, clock: ManualClock) -> None:
    login(client)
    clock.advance(SESSION_LIFETIME.total_seconds())
    assert whoami(client)["name"] is None


# -- answers for someone are never cached for someone else --------------------------------------

def test_private_answers_are_not_stored(accounts: Accounts, client: FlaskClient) -> None:
    anonymous = client.get("/whoami")
    assert "private" not in anonymous.headers.get("Cache-Control", "")
    assert {"Cookie", "Authorization"} <= set(anonymous.vary)
    login(client)
    for response in (client.get("/whoami"), client.get("/nowhere"),
                     client.get("/whoami", headers={
                         "Authorization": f"Bearer {accounts.new_token('jan')}"})):
        assert response.headers["Cache-Control"] == "private, no-store"
        assert {"Cookie", "Authorization"} <= set(response.vary)
