""""Over deze kaartlaag": every layer's page says what it is, where its figures come from, what
protects them and who sees them; the same facts travel in the layer's JSON, every export's
metadata and the OGC collections; the documentation it links to is served by the server."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from web.tiers import HIDDEN, UNKNOWN


def test_a_count_of_persons(client) -> None:
    page = client.get("/layers/population/about").get_data(as_text=True)
    assert "Over deze kaartlaag" in page and "Aantal inwoners op 1 januari" in page
    assert "CBS StatLine 85984NED" in page and "CC BY 4.0" in page
    # the rules that apply, with this server's numbers
    assert "Aantallen van 1 tot en met 4 worden niet getoond" in page
    assert "afgerond op 5" in page and "minder dan 50 inwoners" not in page
    assert "Iedereen (open)" in page
    assert 'href="/docs/methods#boundaries-for-a-year' in page


def test_a_share_a_raster_figure_and_a_point_count(client) -> None:
    # a share computed from two counts: the counts' rules, and the layer's own base
    share = client.get("/layers/share_65_plus/about?lang=en").get_data(as_text=True)
    assert "Not shown where population is below 50." in share
    assert "Counts from 1 to 4 are not shown" in share
    density = client.get("/layers/population_density/about?lang=en").get_data(as_text=True)
    assert "Not shown for areas with fewer than 50 inhabitants." in density
    heat = client.get("/layers/hittestress_mean/about?lang=nl").get_data(as_text=True)
    assert "Beschrijft het gebied, niet de bewoners" in heat
    assert "synthetische demodata" in heat and "Berekend uit het raster" in heat
    labels = client.get("/layers/energy_label_share_efg/about?lang=nl").get_data(as_text=True)
    assert "Geteld uit de adressen (BAG) en energielabels (EP-Online)" in labels


def test_the_same_facts_in_json_exports_and_ogc(client) -> None:
    about = client.get("/api/layers/population").get_json()["about"]
    assert about["source_tables"] == ["85984NED"] and about["years"] == [2024]
    assert about["kind"] == "count" and about["tier"] == "open"
    meta = client.get("/api/export/population?level=buurt&municipality=GM0503"
                      "&format=metadata").get_json()
    layer = meta["geoinsight"]["layers"][0]
    for key in ("definition", "method", "method_doc", "disclosure", "source_tables"):
        assert layer[key] == about[key], key
    collection = client.get("/ogc/collections/buurt_2023?f=json").get_json()
    assert "CBS 85984NED" in collection["description"]


def test_a_hidden_layer_has_no_page_for_those_who_may_not_see_it(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]]) -> None:
    client = tiered_app.test_client()
    (hidden, (tier, _)) = next(iter(HIDDEN.items()))
    refused = client.get(f"/layers/{hidden}/about")
    unknown = client.get(f"/layers/{UNKNOWN}/about")
    assert refused.status_code == unknown.status_code == 404
    staff = client.get(f"/layers/{hidden}/about", headers=token_for("s", "staff"))
    assert staff.status_code == 200 and "Alleen ingelogde medewerkers" in staff.get_data(
        as_text=True)
    assert tier == "internal"


def test_it_is_linked_from_the_profile_and_the_map(client) -> None:
    profile = client.get("/areas/BU05031104").get_data(as_text=True)
    assert 'href="/layers/population/about"' in profile
    page = client.get("/map/population?level=buurt&municipality=GM0503").get_data(as_text=True)
    assert '"about_url":"/layers/{layer}/about"' in page


def test_the_documentation_is_served(client) -> None:
    methods = client.get("/docs/methods")
    text = methods.get_data(as_text=True)
    assert methods.status_code == 200 and 'id="rasters-figures-per-area-from-a-grid"' in text
    assert '<html lang="en">' in text
    assert client.get("/docs/api.md").status_code == 200  # links between the documents
    assert client.get("/docs/img/map.png").mimetype == "image/png"
    for bad in ("/docs/nope", "/docs/..%2Fpyproject", "/docs/img/..%2F..%2Fsetup.py"):
        assert client.get(bad).status_code == 404, bad
