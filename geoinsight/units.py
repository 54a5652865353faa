"""Units in the reader's language. Layers and indicators state their unit in Dutch, as CBS does
(``inwoners per km²``); an English page shows the English unit from this one table."""

from __future__ import annotations

#: Dutch unit -> English unit; units that read the same in both ("%", "km", "m³") are absent
UNITS_EN = {
    "adressen per km²": "addresses per km²",
    "inwoners per km²": "inhabitants per km²",
    "per 1.000 inwoners": "per 1,000 inhabitants",
    "standaardscore": "standard score",
    "woningen": "dwellings",
    "× € 1.000": "× € 1,000",
    "huishoudens": "households",
    "inwoners": "inhabitants",
    "meldingen": "reports",
    "misdrijven": "crimes",
    "personen": "persons",
    "labels": "labels",
    "adressen": "addresses",
}


def unit_in(unit: str, lang: str) -> str:
    """``unit`` as a page in ``lang`` shows it."""
    return UNITS_EN.get(unit, unit) if lang == "en" else unit
