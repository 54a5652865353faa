"""Two app servers on one PostGIS database and one Redis, as on two machines: each has a data
dir of its own, and they share the store, the accounts, the sessions, the sign-in counts, the
audit log and the answer cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis_support import REDIS_URL, own_prefix

from geoinsight.demo import load_demo_for
from geoinsight.settings import Settings, load_settings
from geoinsight.web import create_app
from geoinsight.web.auth import accounts_of

PASSWORD = "a long enough password"
SECRET = "one secret key for every server"


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    yield from own_prefix()


def _server_settings(data_dir: Path, database_url: str, redis_prefix: str) -> Settings:
    return load_settings(data_dir=data_dir, basemap="none", database_url=database_url,
                         redis_url=REDIS_URL, redis_prefix=redis_prefix, secret_key=SECRET,
                         login_max_failures=10, login_address_max_failures=10,
                         login_lock_after=3)


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory, pg_module_url: str,
             redis_prefix: str) -> tuple[Settings, Settings]:
    """The settings of two servers; the demo loaded once into their database."""
    one, two = (_server_settings(tmp_path_factory.mktemp(name), pg_module_url, redis_prefix)
                for name in ("machine-one", "machine-two"))
    load_demo_for(one)
    return one, two


@pytest.fixture
def apps(machines: tuple[Settings, Settings]) -> tuple[Flask, Flask]:
    first, second = (create_app(settings) for settings in machines)
    for app in (first, second):
        app.config["TESTING"] = True
    return first, second


def _csrf(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))
    assert found
    return found.group(1)


def _login(client: FlaskClient, name: str, password: str = PASSWORD) -> int:
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": _csrf(client)}).status_code


def _signed_in_as(client: FlaskClient, name: str) -> bool:
    return f"<strong>{name}</strong>" in client.get("/login").get_data(as_text=True)


def test_a_user_added_on_one_signs_in_on_the_other(apps: tuple[Flask, Flask]) -> None:
    first, second = apps
    accounts_of(first).add_user("anna", ["staff"], PASSWORD)
    client = second.test_client()
    assert _login(client, "anna") == 303
    assert _signed_in_as(client, "anna")


def test_a_session_ended_on_one_is_refused_on_the_other(apps: tuple[Flask, Flask]) -> None:
    first, second = apps
    accounts_of(first).add_user("bert", ["staff"], PASSWORD)
    browser = first.test_client()
    assert _login(browser, "bert") == 303
    cookie = browser.get_cookie("session")
    assert cookie is not None
    elsewhere = second.test_client()  # the proxy sends the same browser to the other server
    elsewhere.set_cookie("session", cookie.value)
    assert _signed_in_as(elsewhere, "bert")
    browser.post("/logout", data={"csrf_token": _csrf(browser)})
    assert not _signed_in_as(browser, "bert")
    assert not _signed_in_as(elsewhere, "bert")


def test_failures_on_one_lock_the_name_on_the_other(apps: tuple[Flask, Flask]) -> None:
    first, second = apps
    accounts_of(first).add_user("cees", ["staff"], PASSWORD)
    guesser = first.test_client()
    assert [_login(guesser, "cees", f"guess {i}") for i in range(3)] == [401] * 3
    assert _login(second.test_client(), "cees") == 403  # locked, right password or not
    assert accounts_of(second).locked_since("cees") is not None


def test_a_read_audited_on_one_is_in_the_log_of_the_other(apps: tuple[Flask, Flask]) -> None:
    first, second = apps
    accounts_of(first).add_user("dirk", ["staff"], PASSWORD)
    accounts_of(second).add_user("eva", ["beheerder"], PASSWORD)
    staff = {"Authorization": f"Bearer {accounts_of(first).new_token('dirk')}"}
    beheerder = {"Authorization": f"Bearer {accounts_of(second).new_token('eva')}"}
    url = "/api/layers/social_vulnerability_index/values?level=buurt&municipality=GM0503"
    assert first.test_client().get(url, headers=staff).status_code == 200
    log = second.test_client().get("/api/audit", headers=beheerder).get_json()["entries"]
    assert any(e["who"] == "dirk" and "social_vulnerability_index" in e["what"] for e in log)
    for app in apps:  # nothing of it in a file of either machine
        data_dir = app.extensions["geoinsight"].settings.data_dir
        assert not list(data_dir.glob("*.sqlite*"))


@pytest.mark.parametrize("url", ["/api/layers/population/values?level=buurt",
                                 "/api/areas?level=buurt&year=2023",
                                 "/api/areas/BU05031102"])
def test_both_serve_identical_answers(apps: tuple[Flask, Flask], url: str) -> None:
    answers = [app.test_client().get(url) for app in apps]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    assert answers[0].headers["ETag"] == answers[1].headers["ETag"]
