"""Layers are grouped by theme (population, housing, energy, social, safety, facilities, …) in
the map's switcher and picker, on /layers and in /api/layers."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from geoinsight.catalog import load_catalog
from geoinsight.records import THEMES
from geoinsight.settings import load_settings


def test_every_layer_file_names_a_theme() -> None:
    catalog = load_catalog(load_settings().layers_dir)
    assert {layer.theme for layer in catalog} <= set(THEMES)
    assert all(layer.theme for layer in catalog)


def test_the_layers_page_lists_them_by_theme(client: FlaskClient) -> None:
    page = client.get("/layers").get_data(as_text=True)
    shown = re.findall(r'<tbody data-theme="(\w+)">', page)
    assert shown == sorted(shown, key=THEMES.index) and len(shown) >= 5
    assert ">Bevolking<" in page and ">Veiligheid<" in page
    english = client.get("/layers?lang=en").get_data(as_text=True)
    assert ">Population<" in english and ">Safety<" in english


def test_the_switcher_and_picker_group_by_theme(client: FlaskClient) -> None:
    page = client.get("/map/population?level=buurt&municipality=GM0503").get_data(as_text=True)
    config = re.search(r'"layers": ?(\[\{.*?\}\])', page)
    assert config is not None
    themes = [item["theme"] for item in json.loads(config.group(1))]
    assert themes[0] == "Bevolking"
    # one run per theme: the switcher shows each heading once
    runs = [t for i, t in enumerate(themes) if i == 0 or themes[i - 1] != t]
    assert len(runs) == len(set(runs))
    assert '<optgroup label="Bevolking">' in page


def test_the_api_states_each_layer_theme(client: FlaskClient) -> None:
    layers = client.get("/api/layers").get_json()
    listed = layers["layers"] if isinstance(layers, dict) else layers
    assert all(item.get("theme") in THEMES for item in listed)
