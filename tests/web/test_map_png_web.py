"""The map as a PNG for slides: the published classes in their colours over the view asked
for, with title, legend and source; refused sizes and views get the JSON error; a layer the
caller may not see has no image; images of protected layers are audited."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from flask import Flask
from rasterio.io import MemoryFile
from web.tiers import HIDDEN

from geoinsight.render.map_png import FOOT_H, TITLE_H

URL = "/api/layers/population_density/map.png?level=buurt&municipality=GM0503"


def _rgb(answer) -> np.ndarray:
    with MemoryFile(answer.get_data()) as memory, memory.open() as png:
        return np.moveaxis(png.read()[:3], 0, -1)


def _hex(pixel: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in pixel))


def test_the_whole_gemeente_in_its_classes(client) -> None:
    answer = client.get(URL)
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="population_density_buurt_GM0503_2024.png"')
    image = _rgb(answer)
    assert image.shape == (1000, 1600, 3)
    values = client.get(URL.replace("map.png", "values")).get_json()
    shown = {_hex(p) for p in image[TITLE_H:-FOOT_H].reshape(-1, 3)}
    for klass in [*values["classes"], *values["nodata"]]:
        if klass["count"]:
            assert klass["color"].lower() in shown, klass  # on the map and in the legend


def test_the_view_asked_for(client) -> None:
    """A view centred inside one buurt: the middle of the map is that buurt's class colour."""

    values = client.get(URL.replace("map.png", "values")).get_json()
    row = next(v for v in values["values"] if v["code"] == "BU05031104")
    colour = values["classes"][row["class"]]["color"].lower()
    areas = client.get("/api/areas?level=buurt&municipality=GM0503").get_json()
    feature = next(f for f in areas["features"] if f["properties"]["code"] == "BU05031104")
    from shapely.geometry import shape

    point = shape(feature["geometry"]).representative_point()
    bbox = f"{point.x - 0.002},{point.y - 0.0012},{point.x + 0.002},{point.y + 0.0012}"
    image = _rgb(client.get(f"{URL}&bbox={bbox}&width=800&height=600"))
    assert image.shape == (600, 800, 3)
    middle = image[TITLE_H + (600 - TITLE_H - FOOT_H) // 2, 400]
    assert _hex(middle) == colour


def test_refusals(client) -> None:
    for query, code in (("&width=20", "bad_size"), ("&height=abc", "bad_size"),
                        ("&bbox=1,2,3", "bad_bbox"), ("&bbox=5,53,4,52", "bad_bbox")):
        answer = client.get(URL + query)
        assert answer.status_code == 400, query
        assert answer.get_json()["error"]["code"] == code


def test_a_hidden_layer_has_no_image_and_a_seen_one_is_audited(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]]) -> None:
    client = tiered_app.test_client()
    hidden = next(iter(HIDDEN))
    url = f"/api/layers/{hidden}/map.png?level=buurt&municipality=GM0503"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=token_for("staff-user", "staff")).status_code == 200
    entries = client.get("/api/audit", headers=token_for("admin", "beheerder")).get_json()
    assert ("staff-user", f"map image {hidden}") in {(e["who"], e["what"])
                                                      for e in entries["entries"]}


def test_the_map_page_offers_it(client) -> None:
    page = client.get("/map/population_density?level=buurt&municipality=GM0503").get_data(
        as_text=True)
    assert 'class="gi-map-png"' in page and "Kaart als PNG" in page
