"""A page speaks one language: every page of the demo, in Dutch and in English, holds none of
the other language's words that a reviewer found leaking (server messages, statuses, units,
legend words, error pages, OGC HTML)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

PAGES = ["/", "/layers", "/map/population?level=buurt&municipality=GM0503",
         "/map/population_density?level=wijk&municipality=GM0503", "/areas/BU05031101",
         "/areas/GM0503", "/planning", "/signals?level=buurt&municipality=GM0503",
         "/signals?level=gemeente", "/ogc", "/ogc/collections", "/ogc/collections/buurt_2023",
         "/ogc/collections/buurt_2023/items?limit=5",
         "/ogc/collections/buurt_2023/items/BU05031101",
         "/ogc/collections/buurt_2023/schema", "/ogc/conformance", "/login",
         "/no-such-page", "/map/no_such_layer", "/areas/BU99999999",
         "/layers/population/about", "/layers/hittestress_mean/about",
         "/layers/energy_label_share_efg/about", "/search?q=centrum", "/search?q=qqqqq",
         "/areas/BU05031104/report", "/areas/GM0503/report"]

#: words of English that must not stand on a Dutch page, and the other way round
NOT_IN = {
    "nl": ["too few", "Not found", ">Links<", "synthetic demo data", "no data", "Show map",
           "unknown layer", "Something went wrong", "inhabitants", "no figures",
           "No figures", "Back to the map", "Sign in", "Password", "Collections", "Previous",
           "Description", "boundaries of", "Neighbourhoods"],
    "en": ["geheim", "geen gegevens", "Toon kaart", "meest recent", "Niet gevonden",
           "Verwijzingen", "synthetische demodata", "te weinig", "inwoners per km",
           "Terug naar de kaart", "Zonder cijfers", "Inloggen", "Wachtwoord", "Collecties",
           "Omschrijving", "grenzen van", "Buurten ("],
}


def visible_text(html: str) -> str:
    """The page's text and attribute values a reader sees, without scripts and styles (the
    map's script carries both languages' labels for the browser)."""
    html = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", html, flags=re.S)
    return html


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_a_page_speaks_one_language(client: FlaskClient, path: str, lang: str) -> None:
    sep = "&" if "?" in path else "?"
    answer = client.get(f"{path}{sep}lang={lang}", headers={"Accept": "text/html"})
    assert answer.status_code in (200, 404), (path, answer.status_code)
    page = visible_text(answer.get_data(as_text=True))
    found = [word for word in NOT_IN[lang] if word in page]
    assert found == [], f"{path} ({lang}) shows {found}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_values_speak_the_page_language(client: FlaskClient, lang: str) -> None:
    doc = client.get(f"/api/layers/population_density/values?level=buurt&municipality=GM0503"
                     f"&lang={lang}").get_json()
    assert doc["unit"] == ("inwoners per km²" if lang == "nl" else "inhabitants per km²")
    labels = [b["label"] for b in doc["nodata"]]
    assert ("geen gegevens" in labels) == (lang == "nl")


BRANCH = re.compile(r"\{%-?\s*if\s+(not\s+)?en\b|\bif\s+(not\s+)?en\s+else\b"
                    r"|lang\s*==\s*['\"]en['\"]")


def test_no_template_branches_on_language() -> None:
    """Page texts come from the one catalogue (geoinsight/i18n.py), never from a template's
    own ``{% if en %}`` branch that the other language can miss."""
    templates = Path(__file__).parents[2] / "templates"
    branched = [str(p.relative_to(templates)) for p in sorted(templates.rglob("*.html"))
                if BRANCH.search(p.read_text(encoding="utf-8"))]
    assert branched == []
