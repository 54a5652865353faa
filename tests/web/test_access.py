"""A layer a user may not see does not exist for them, on every route (walks app.url_map).

Two extra layers are added to a copy of the catalogue: one internal, one restricted. For an
anonymous visitor every route must answer for them exactly as for a layer that does not exist,
and no page, list or API answer may mention them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web.tiers import CODE, HIDDEN, QUERY, UNKNOWN
from werkzeug.test import TestResponse


def steady(text: str) -> str:
    """A page without what differs on every request: the CSP nonce and Folium's element ids."""
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    text = re.sub(r'"timeStamp":"[^"]*"', '"timeStamp":""', text)  # OGC items: time of answer
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "TIME", text)  # the area report: when made
    return re.sub(r"\b([a-z_]+)_[0-9a-f]{32}\b", r"\1_ID", text)


def text_of(answer: TestResponse) -> str:
    """An answer's text; an image or a PDF (map.png, report.pdf) as Latin-1, so an id or a title
    it held uncompressed would still show."""
    if answer.mimetype in ("image/png", "application/pdf"):
        return answer.get_data().decode("latin-1")
    return answer.get_data(as_text=True)


def urls_for(app: Flask, layer_id: str) -> list[str]:
    """A GET URL for every route, with ``layer_id`` wherever a route takes a layer."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        args: dict[str, str] = {}
        for name in rule.arguments:
            if name in ("layer_id", "layers"):
                args[name] = layer_id
            elif name == "code":
                args[name] = CODE
            elif name == "collection_id":
                args[name] = "buurt_2023"
            elif name in ("job_id", "ingest_id"):  # the beheerder's pages: 404 to the others
                args[name] = "1"
            elif name in ("name", "z", "x", "y"):  # a raster tile: not about layers, and its
                # PNG is no text, so one off the grid (a JSON 404; tests/web/test_rasters_web.py
                # walks the raster tiles' own tiers)
                args[name] = {"name": "hittestress", "z": "25", "x": "0", "y": "0"}[name]
            else:
                pytest.fail(f"route {rule.rule} takes {name!r}: teach this test what to send")
        path = rule.build(args)[1]  # type: ignore[index]
        urls.append(path + QUERY + (f"&layer={layer_id}" if rule.endpoint == "maps.pick" else ""))
    return sorted(urls)


def test_every_route_is_walked(tiered_app: Flask) -> None:
    walked = {u.split("?")[0] for u in urls_for(tiered_app, "x")}
    assert {"/", "/layers", "/map/x", "/api/layers", "/api/layers/x/values", "/planning",
            f"/areas/{CODE}", f"/api/areas/{CODE}", "/api/planning", "/healthz", "/signals",
            "/api/signals", "/api/layers/x/signals", "/api/export/x", "/ogc",
            "/ogc/collections/buurt_2023/items"} <= walked


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
def test_hidden_layer_answers_like_an_unknown_one(tiered_app: Flask, hidden: str) -> None:
    client: FlaskClient = tiered_app.test_client()
    for hidden_url, unknown_url in zip(urls_for(tiered_app, hidden),
                                       urls_for(tiered_app, UNKNOWN), strict=True):
        for accept in ("application/json", "text/html"):
            seen = client.get(hidden_url, headers={"Accept": accept})
            absent = client.get(unknown_url, headers={"Accept": accept})
            assert seen.status_code == absent.status_code, hidden_url
            if seen.mimetype == absent.mimetype == "application/pdf":
                continue  # the area report, about no layer: made at another moment
            body = steady(text_of(seen).replace(hidden, UNKNOWN))
            assert body == steady(text_of(absent)), hidden_url


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
def test_no_answer_mentions_a_hidden_layer(tiered_app: Flask, hidden: str) -> None:
    client = tiered_app.test_client()
    title = HIDDEN[hidden][1]
    for url in urls_for(tiered_app, "population_density"):
        for accept in ("application/json", "text/html"):
            text = text_of(client.get(url, headers={"Accept": accept}))
            assert hidden not in text and title not in text, url


def test_the_visible_layers_still_work(tiered_app: Flask) -> None:
    client = tiered_app.test_client()
    ids = [layer["id"] for layer in client.get("/api/layers").get_json()["layers"]]
    assert "population_density" in ids and not set(HIDDEN) & set(ids)
    assert client.get("/api/layers/population_density/values" + QUERY).status_code == 200


@pytest.mark.parametrize(("role", "sees"), [
    ("staff", {"zz_internal_layer"}),
    ("analist", {"zz_internal_layer"}),
    ("ondermijning", {"zz_internal_layer", "zz_restricted_layer"}),
    ("beheerder", {"zz_internal_layer", "zz_restricted_layer"}),
])
def test_roles_see_their_tiers(tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]],
                               role: str,
                               sees: set[str]) -> None:
    client = tiered_app.test_client()
    auth = token_for(f"user-{role}", role)
    ids = {layer["id"] for layer in client.get("/api/layers", headers=auth).get_json()["layers"]}
    assert ids & set(HIDDEN) == sees
    for layer_id in HIDDEN:
        values = client.get(f"/api/layers/{layer_id}/values" + QUERY, headers=auth)
        assert values.status_code == (200 if layer_id in sees else 404), (role, layer_id)
        if layer_id in sees:
            assert len(values.get_json()["values"]) == 91
        page = client.get(f"/map/{layer_id}" + QUERY, headers={**auth, "Accept": "text/html"})
        assert page.status_code == (200 if layer_id in sees else 404)
    # the same layers stay hidden from a visitor without the token
    assert client.get("/api/layers/zz_internal_layer/values" + QUERY).status_code == 404


def test_a_bad_token_is_refused_not_treated_as_anonymous(tiered_app: Flask) -> None:
    response = tiered_app.test_client().get(
        "/api/layers", headers={"Authorization": "Bearer gi_not-a-real-token"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_token"


def test_every_stated_tier_is_the_effective_one(tiered_app: Flask,
                                                token_for: Callable[[str, str],
                                                                    dict[str, str]]) -> None:
    """The ondermijning signal index reads restricted event counts: the layer list and the
    export metadata call it restricted (a red team found "open" in both)."""
    client = tiered_app.test_client()
    auth = token_for("user-o", "ondermijning")
    listed = {layer["id"]: layer["tier"]
              for layer in client.get("/api/layers", headers=auth).get_json()["layers"]}
    assert listed["ondermijning_signal_index"] == "restricted"
    assert listed["events_total"] == "restricted" and listed["population"] == "open"
    export = client.get("/api/export/ondermijning_signal_index,population?level=buurt"
                        "&municipality=GM0503", headers=auth)
    assert export.status_code == 200, export.get_data(as_text=True)
    meta = client.get(export.headers["Link"].split(">")[0].lstrip("<"), headers=auth).get_json()
    tiers = {m["id"]: m["tier"] for m in meta["geoinsight"]["layers"]}
    assert tiers == {"ondermijning_signal_index": "restricted", "population": "open"}
