"""Signals over HTTP: from published figures only, per tier, audited; the demo's own layers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from geoinsight.privacy.disclosure import DisclosureRules

Token = Callable[[str, str], dict[str, str]]
DELFT = "?level=buurt&municipality=GM0503"


def test_layer_signals_compare_with_the_previous_year(client: FlaskClient) -> None:
    answer = client.get("/api/layers/crimes_registered/signals" + DELFT)
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["year"], body["previous_year"]) == (2025, 2024)
    areas = {a["code"]: a for a in body["areas"]}
    assert len(areas) == 91
    # a change is this year minus last year, both as published
    values = client.get("/api/layers/crimes_registered/values" + DELFT).get_json()["values"]
    before = client.get("/api/layers/crimes_registered/values" + DELFT + "&year=2024"
                        ).get_json()["values"]
    now = {v["code"]: v["value"] for v in values}
    then = {v["code"]: v["value"] for v in before}
    for code, area in areas.items():
        if now[code] is not None and then[code] is not None:
            assert area["change"] == now[code] - then[code]
    # the Delft centre is a hot spot of registered crime; a secret figure is never classified
    hot = {c for c, a in areas.items() if a["hotspot"] == "hot"}
    assert any(code.startswith("BU050311") for code in hot)  # wijk 11, Binnenstad
    for code, area in areas.items():
        if now[code] is None:
            assert area["hotspot"] == "no_data" and area["change_signal"] is None
    assert body["global_moran_i"] > 0 and body["global_moran_p"] <= 0.05


def test_signals_use_published_figures_only(app: Flask) -> None:
    """A buurt whose count is suppressed (1-4) takes no part in the statistics."""
    client = app.test_client()
    body = client.get("/api/layers/crimes_registered/signals" + DELFT).get_json()
    store = app.extensions["geoinsight"].gates.published
    raw = store._store.values(indicators=["crimes_registered"], year=2025)
    small = raw[(raw["value"] > 0) & (raw["value"] < DisclosureRules().min_count)
                & raw["code"].str.startswith("BU")]
    assert not small.empty
    areas = {a["code"]: a for a in body["areas"]}
    for code in small["code"]:
        assert areas[code]["value"] is None and areas[code]["gi_z"] is None


def test_the_signals_page_lists_what_stands_out(client: FlaskClient) -> None:
    page = client.get("/signals").get_data(as_text=True)
    assert "Signalen" in page and "Geregistreerde misdrijven" in page
    assert "hotspot" in page and "BU050311" in page  # the Binnenstad's hot spots
    # restricted and internal layers are not there for anonymous readers
    assert "Meldingen ondermijning" not in page and "kwetsbaarheid" not in page
    assert client.get("/api/layers/events_total/signals" + DELFT).status_code == 404


def test_restricted_signals_for_the_ondermijning_role(app: Flask, token_for: Token) -> None:
    client = app.test_client()
    staff = token_for("els", "staff")
    ond = token_for("omar", "ondermijning")
    url = "/api/layers/ondermijning_signal_index/signals" + DELFT
    assert client.get(url, headers=staff).status_code == 404
    answer = client.get(url, headers=ond)
    assert answer.status_code == 200 and answer.get_json()["synthetic"] is True
    # the demo's planted hot spot shows up in the restricted events layer
    events = client.get("/api/layers/events_total/signals" + DELFT, headers=ond).get_json()
    assert any(a["hotspot"] == "hot" for a in events["areas"])
    assert "Meldingen ondermijning" in client.get("/signals", headers=ond).get_data(as_text=True)
    log = app.extensions["geoinsight"].audit.entries()
    assert {"omar"} == set(log["who"]) and "restricted" in set(log["tier"])
    assert "signals ondermijning_signal_index" in set(log["what"])


def test_map_page_offers_a_year_slider_and_the_overlay(client: FlaskClient) -> None:
    page = client.get("/map/crimes_registered" + DELFT + "&overlay=hotspots"
                      ).get_data(as_text=True)
    assert 'data-years="2021,2022,2023,2024,2025"' in page
    assert "/api/layers/{layer}/signals?level=buurt" in page and '"overlay":true' in page
    single = client.get("/map/population" + DELFT).get_data(as_text=True)
    assert "gi-year-range" not in single  # one year: no slider


def test_profile_shows_trend_sparklines(client: FlaskClient) -> None:
    profile = client.get("/api/areas/BU05031104").get_json()
    crimes = next(r for r in profile["indicators"] if r["layer"] == "crimes_registered")
    assert [p["year"] for p in crimes["trend"]] == [2021, 2022, 2023, 2024, 2025]
    assert crimes["trend"][-1]["value"] == crimes["values"]["area"]["value"]
    page = client.get("/areas/BU05031104").get_data(as_text=True)
    assert page.count('<svg class="gi-spark"') >= 2  # crimes 2021-2025, health 2012-2024
    assert "2025: " + f"{crimes['trend'][-1]['value']:g}" in page


def test_comparison_with_parent_and_peers(client: FlaskClient) -> None:
    body = client.get("/api/layers/population_density/signals" + DELFT).get_json()
    areas = {a["code"]: a for a in body["areas"]}
    centrum = areas["BU05031104"]
    assert centrum["parent_code"] == "WK050311" and centrum["parent_value"] > 0
    assert centrum["vs_parent"] == (centrum["value"] - centrum["parent_value"]) / abs(
        centrum["parent_value"])
    peers = [a["value"] for c, a in areas.items() if c != "BU05031104"
             and a["peer_class"] == centrum["peer_class"] and a["value"] is not None]
    assert centrum["peer_mean"] == sum(peers) / len(peers)
    page = client.get("/signals").get_data(as_text=True)
    assert "vergelijkbare buurten" in page
