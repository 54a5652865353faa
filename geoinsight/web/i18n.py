"""Dutch first, English on request (``?lang=en``, remembered in a cookie)."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "app_title": "GeoInsight", "tagline": "Wijken en buurten in kaart",
        "home": "Overzicht", "maps": "Kaarten", "layers": "Kaartlagen", "level": "Niveau",
        "municipality": "Gemeente", "year": "Jaar", "latest": "meest recent",
        "show_map": "Toon kaart",
        "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt", "country": "Nederland",
        "area": "Gebied", "indicator": "Indicator", "unit": "Eenheid", "source": "Bron",
        "levels": "Niveaus", "legend_title": "Legenda", "missing": "geen gegevens",
        "secret": "geheim / te weinig waarnemingen", "value": "Waarde", "code": "Code",
        "no_data_class": "Geen waarde", "loading": "Kaart laden…",
        "error": "De kaartgegevens konden niet worden geladen.",
        "boundaries_of": "grenzen van", "figures_of": "cijfers van",
        "profile": "Gebiedsprofiel", "on_map": "op de kaart", "no_layers": "Geen kaartlagen.",
        "no_data": "Nog geen gegevens in de opslag.", "credit":
        "Bron: CBS, Kerncijfers wijken en buurten en Wijk- en buurtkaart (CC BY 4.0); "
        "Politie; RIVM/GGD.",
        "basemap_credit": "Achtergrondkaart: BRT-Achtergrondkaart, Kadaster (PDOK).",
        "not_found": "Niet gevonden", "bad_request": "Ongeldig verzoek",
        "server_error": "Er ging iets mis", "back_home": "Terug naar de kaart",
        "api": "API", "language": "English", "switch_lang": "en", "partial": "deel",
        "planning": "Planning", "signals": "Signalen",
        "label_distribution": "Energielabels van woningen",
        "label_chart_caption": "Woningen met een geldig energielabel, per klasse",
        "other_indicators": "Overige indicatoren", "synthetic": "synthetisch",
        "synthetic_note": "Let op: synthetische demodata (geen echte energielabels of meldingen).",
        "compare_intro": "Alle kaartlagen voor dit gebied, naast de wijk, de gemeente en — "
                         "waar bekend — Nederland.",
    },
    "en": {
        "app_title": "GeoInsight", "tagline": "Neighbourhoods on the map",
        "home": "Overview", "maps": "Maps", "layers": "Map layers", "level": "Level",
        "municipality": "Municipality", "year": "Year", "latest": "latest", "show_map": "Show map",
        "gemeente": "municipality", "wijk": "district", "buurt": "neighbourhood",
        "country": "Netherlands", "area": "Area", "indicator": "Indicator", "unit": "Unit",
        "source": "Source", "levels": "Levels", "legend_title": "Legend", "missing": "no data",
        "secret": "secret / too few observations", "value": "Value", "code": "Code",
        "no_data_class": "No value", "loading": "Loading map…",
        "error": "The map data could not be loaded.",
        "boundaries_of": "boundaries of", "figures_of": "figures of",
        "profile": "Area profile", "on_map": "on the map", "no_layers": "No map layers.",
        "no_data": "The store holds no data yet.", "credit":
        "Source: CBS, Kerncijfers wijken en buurten and Wijk- en buurtkaart (CC BY 4.0); "
        "Police; RIVM/GGD.",
        "basemap_credit": "Basemap: BRT-Achtergrondkaart, Kadaster (PDOK).",
        "not_found": "Not found", "bad_request": "Bad request",
        "server_error": "Something went wrong", "back_home": "Back to the map",
        "api": "API", "language": "Nederlands", "switch_lang": "nl", "partial": "part",
        "planning": "Planning", "signals": "Signals",
        "label_distribution": "Energy labels of dwellings",
        "label_chart_caption": "Dwellings with a valid energy label, by class",
        "other_indicators": "Other indicators", "synthetic": "synthetic",
        "synthetic_note": "Note: synthetic demo data (not real energy labels or reports).",
        "compare_intro": "Every map layer for this area, beside its district, municipality "
                         "and — where known — the Netherlands.",
    },
}

MAP_LABELS = ("legend_title", "missing", "secret", "value", "code", "no_data_class", "loading",
              "error", "source")


def text(lang: str, key: str) -> str:
    return TEXTS.get(lang, TEXTS["nl"]).get(key, TEXTS["nl"].get(key, key))


def map_labels(lang: str) -> dict[str, str]:
    return {key: text(lang, key) for key in MAP_LABELS}
