"""Event registers on the web: each register's layer is guarded by its own tier, on every route.

The demo store (with its ondermijning register, restricted) gets three more registers of bike
thefts in Delft: ``fietsdiefstal`` (open), ``fietsoverlast`` (internal) and ``woonfraude``
(restricted). Each is an ordinary count layer for whoever may see its tier, and does not exist
for anyone else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders import bike_thefts
from flask import Flask
from flask.testing import FlaskClient
from web.test_access import steady, text_of, urls_for
from web.tiers import CODE, QUERY, UNKNOWN

from geoinsight.ingest.events import ingest_events
from geoinsight.registers import RegisterSpec
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.web import create_app

REGISTERS = {
    "fietsdiefstal": RegisterSpec("fietsdiefstal", "Fietsdiefstallen Delft", "safety", "open"),
    "fietsoverlast": RegisterSpec("fietsoverlast", "Fietsoverlast (intern)", "environment",
                                  "internal"),
    "woonfraude": RegisterSpec("woonfraude", "Woonfraude (vertrouwelijk)", "housing",
                               "restricted"),
}
Headers = dict[str, str]


@pytest.fixture
def registers_app(demo_settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    store = open_store(demo_settings)
    buurten = store.areas(level="buurt", municipality="GM0503")
    for name, spec in REGISTERS.items():
        ingest_events(store, bike_thefts(buurten, tmp_path / f"{name}.csv"), register=spec)
    app = create_app(demo_settings)
    app.config["TESTING"] = True
    yield app


def layer_ids(client: FlaskClient, headers: Headers | None = None) -> set[str]:
    answer = client.get("/api/layers", headers=headers or {}).get_json()
    return {layer["id"] for layer in answer["layers"]}


def visible_everywhere(client: FlaskClient, layer_id: str, headers: Headers) -> None:
    """The layer is there in the catalogue, values, map, profile, export and OGC API."""
    assert layer_id in layer_ids(client, headers)
    values = client.get(f"/api/layers/{layer_id}/values" + QUERY, headers=headers)
    assert values.status_code == 200 and values.get_json()["values"]
    assert client.get(f"/map/{layer_id}" + QUERY, headers=headers).status_code == 200
    profile = client.get(f"/api/areas/{CODE}", headers=headers).get_json()
    assert layer_id in {row["layer"] for row in profile["indicators"]}
    export = client.get(f"/api/export/{layer_id}" + QUERY + "&format=csv", headers=headers)
    assert export.status_code == 200 and layer_id in export.get_data(as_text=True)
    feature = client.get("/ogc/collections/buurt_2023/items?limit=1&f=json",
                         headers=headers).get_json()["features"][0]
    assert f"{layer_id}_status" in feature["properties"]


def invisible_everywhere(client: FlaskClient, layer_id: str, title: str,
                         headers: Headers) -> None:
    assert layer_id not in layer_ids(client, headers)
    for url in (f"/api/layers/{layer_id}", f"/api/layers/{layer_id}/values" + QUERY,
                f"/map/{layer_id}" + QUERY, f"/api/export/{layer_id}" + QUERY):
        assert client.get(url, headers=headers).status_code == 404, url
    for url in (f"/api/areas/{CODE}", f"/areas/{CODE}", "/ogc/collections/buurt_2023",
                "/ogc/collections/buurt_2023/items?limit=5&f=json", "/layers", "/"):
        text = client.get(url, headers=headers).get_data(as_text=True)
        assert layer_id not in text and title not in text, url


def test_an_open_register_is_everyones(registers_app: Flask) -> None:
    client = registers_app.test_client()
    visible_everywhere(client, "fietsdiefstal_total", {})
    layer = client.get("/api/layers/fietsdiefstal_total?lang=en").get_json()
    assert (layer["title"], layer["tier"], layer["theme"], layer["unit"], layer["kind"]) == (
        "Fietsdiefstallen Delft", "open", "safety", "meldingen", "count")
    assert layer["source"] == "Eigen registratie gemeente (fietsdiefstal.csv)"
    assert layer["years"] == [2024]
    # an ordinary count: 3 thefts are secret (below 5), 8 are published, 0 is a real zero
    values = client.get("/api/layers/fietsdiefstal_total/values" + QUERY).get_json()["values"]
    by_value = {(row["status"], row["value"]) for row in values}
    assert ("secret", None) in by_value and ("ok", 8.0) in by_value and ("ok", 0.0) in by_value
    assert not {row["value"] for row in values} & {1.0, 2.0, 3.0, 4.0}
    # the demo's own register stays restricted beside it
    assert not {"events_total", "ondermijning_signal_index"} & layer_ids(client)


@pytest.mark.parametrize(("role", "sees"), [
    (None, {"fietsdiefstal"}),
    ("staff", {"fietsdiefstal", "fietsoverlast"}),
    ("ondermijning", set(REGISTERS)),
])
def test_each_register_has_its_own_tier(registers_app: Flask, role: str | None, sees: set[str],
                                        token_for: Callable[[str, str], Headers]) -> None:
    client = registers_app.test_client()
    headers = token_for(f"user-{role}", role) if role else {}
    for name, spec in REGISTERS.items():
        layer_id = f"{name}_total"
        if name in sees:
            visible_everywhere(client, layer_id, headers)
        else:
            invisible_everywhere(client, layer_id, str(spec.title), headers)
    assert ("events_total" in layer_ids(client, headers)) == (role == "ondermijning")


def test_a_restricted_register_answers_like_an_unknown_layer(registers_app: Flask) -> None:
    """Every route of the app, for an anonymous visitor (as tests/web/test_access.py)."""
    client = registers_app.test_client()
    hidden, title = "woonfraude_total", str(REGISTERS["woonfraude"].title)
    for hidden_url, unknown_url in zip(urls_for(registers_app, hidden),
                                       urls_for(registers_app, UNKNOWN), strict=True):
        for accept in ("application/json", "text/html"):
            seen = client.get(hidden_url, headers={"Accept": accept})
            absent = client.get(unknown_url, headers={"Accept": accept})
            assert seen.status_code == absent.status_code, hidden_url
            body = text_of(seen)
            assert title not in body and "woonfraude" not in body.replace(hidden, ""), hidden_url
            if seen.mimetype == "application/pdf":
                continue  # the area report, about no layer: made at another moment
            assert steady(body.replace(hidden, UNKNOWN)) == steady(text_of(absent)), hidden_url


def test_the_default_register_can_be_opened_and_retitled(demo_settings: Settings,
                                                         tmp_path: Path) -> None:
    store = open_store(demo_settings)
    path = bike_thefts(store.areas(level="buurt", municipality="GM0503"), tmp_path / "m.csv")
    ingest_events(store, path, register=RegisterSpec(title="Meldingen wijkteam", tier="open"))
    client = create_app(demo_settings).test_client()
    layer = client.get("/api/layers/events_total").get_json()
    assert (layer["title"], layer["tier"]) == ("Meldingen wijkteam", "open")
    # the layer file's description ("alleen voor de rol ondermijning") no longer holds
    assert layer["description"]["nl"].endswith("Zichtbaar voor iedereen. Per categorie: drugs, "
                                               "wapens, explosies en brandstichting, fraude en "
                                               "witwassen, overige.")
    assert client.get("/api/layers/events_total/values" + QUERY).status_code == 200
