"""Answers made for someone carry ``Cache-Control: private, no-store`` (red team: they had none,
so a shared cache or proxy could hand internal figures to the next visitor); public anonymous
answers keep their caching. On the real app: a values route, a page, an export, boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web.tiers import QUERY

from geoinsight.web.auth import accounts_of

PASSWORD = "a long enough password"
ROUTES = ["/api/layers/zz_internal_layer/values" + QUERY, "/map/zz_internal_layer" + QUERY,
          "/api/export/zz_internal_layer" + QUERY + "&format=csv", "/api/layers", "/",
          "/api/areas" + QUERY]


def signed_in(app: Flask) -> FlaskClient:
    accounts_of(app).add_user("jan", ["staff"], PASSWORD)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    done = client.post("/login", data={"name": "jan", "password": PASSWORD,
                                       "csrf_token": token.group(1)})
    assert done.status_code == 303
    return client


def assert_private(client: FlaskClient, url: str, **kwargs: object) -> None:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code in (200, 304), (url, response.status_code)
    assert response.headers["Cache-Control"] == "private, no-store", url
    assert {"Cookie", "Authorization"} <= set(response.vary), url


@pytest.mark.parametrize("url", ROUTES)
def test_signed_in_answers_are_private(tiered_app: Flask, url: str) -> None:
    client = signed_in(tiered_app)
    assert_private(client, url)


@pytest.mark.parametrize("url", ROUTES)
def test_token_answers_are_private(tiered_app: Flask,
                                   token_for: Callable[[str, str], dict[str, str]],
                                   url: str) -> None:
    assert_private(tiered_app.test_client(), url, headers=token_for("script", "analist"))


def test_a_signed_in_revalidation_is_private_too(tiered_app: Flask) -> None:
    anonymous = tiered_app.test_client().get("/api/areas" + QUERY)
    client = signed_in(tiered_app)
    assert_private(client, "/api/areas" + QUERY,
                   headers={"If-None-Match": anonymous.headers["ETag"]})


def test_public_anonymous_answers_keep_their_caching(tiered_app: Flask) -> None:
    client = tiered_app.test_client()
    areas = client.get("/api/areas" + QUERY)
    assert areas.status_code == 200 and areas.headers["ETag"]
    assert areas.headers["Cache-Control"] == "no-cache"  # revalidate with the ETag, as before
    assert {"Cookie", "Authorization"} <= set(areas.vary)
    again = client.get("/api/areas" + QUERY, headers={"If-None-Match": areas.headers["ETag"]})
    assert again.status_code == 304
    for url in ("/api/layers", "/", "/api/layers/population_density/values" + QUERY):
        response = client.get(url)
        assert "private" not in response.headers.get("Cache-Control", ""), url
        assert {"Cookie", "Authorization"} <= set(response.vary), url


def test_static_files_stay_cacheable_when_signed_in(tiered_app: Flask) -> None:
    client = signed_in(tiered_app)
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()
