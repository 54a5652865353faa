"""The shared vocabulary of records: what every layer of GeoInsight agrees on, importing nothing.

Sources, ingest, store and web all speak of levels, statuses, rejected rows and the columns of
areas and point sets; defining them here lets imports keep going one way (sources -> store).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

LEVELS = ("gemeente", "wijk", "buurt")
#: how a stored indicator's source says its figures are synthetic demo data (pages show the
#: flag in their own language instead: geoinsight.usecases.service.SYNTHETIC_SUFFIX)
SYNTHETIC_MARK = " — synthetic demo data"
STATUSES = ("ok", "missing", "secret", "estimated")
#: the themes layers are grouped by (a layer's optional ``theme``; every event register has one)
#: themes layers are grouped under, in the order switchers and lists show them
THEMES = ("population", "housing", "energy", "social", "safety", "facilities", "economy",
          "environment")
AREA_COLUMNS = ["code", "year", "level", "name", "gemeente_code", "wijk_code", "gemeente_name"]
ADDRESS_COLUMNS = ["vbo_id", "postcode", "huisnummer", "huisletter", "toevoeging", "gebruiksdoel",
                   "bouwjaar", "status", "oppervlakte"]
#: a Dutch postcode (``2611AB``) or its four digits (``2611``, a PC4 area)
POSTCODE = re.compile(r"[1-9][0-9]{3}(?:[A-Z]{2})?")


def postcode_range(prefix: str) -> tuple[str, str]:
    """The stored postcodes that start with ``prefix`` (a :data:`POSTCODE`) are those from the
    first to before the second (a range an index on ``postcode`` answers)."""
    if not POSTCODE.fullmatch(prefix):
        raise ValueError(f"not a postcode or PC4: {prefix!r}")
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


LABEL_COLUMNS = ["vbo_id", "energy_class", "energy_index", "building_class", "building_type",
                 "building_subtype", "method", "assessed", "registered", "valid_until",
                 "located_by", "synthetic"]
POINT_AREA_COLUMNS = ["point_set", "point_id", "level", "boundary_year", "area_code"]
VALUE_COLUMNS = ["code", "year", "indicator", "value", "status", "boundary_year"]
#: every code a boundary file or table names, per classification year: its name and CBS's
#: ``indelingswijziging`` flag (1: unchanged since the year before), the evidence placement uses
REGISTER_COLUMNS = ["code", "year", "level", "name", "changed"]
#: whether a code names the same area in two classification years (``year_a < year_b``):
#: relation ``same``, ``different`` or ``unproven``, with the reason (geoinsight.analysis.placement)
LINK_COLUMNS = ["code", "year_a", "year_b", "relation", "reason"]


@dataclass(frozen=True)
class Reject:
    """A row that was not stored, and why (so nothing disappears silently)."""

    row: str
    code: str
    reason: str


Kind = Literal["count", "share", "rate", "mean", "index"]
Tier = Literal["open", "internal", "restricted"]

CBS_SOURCE = "CBS Kerncijfers wijken en buurten"
CBS_LICENCE = "CC BY 4.0"


@dataclass(frozen=True)
class Indicator:
    id: str
    title_nl: str
    title_en: str
    unit: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    #: Regular expressions over the normalised column name whose one group is the year.
    year_patterns: tuple[str, ...] = ()
    tier: Tier = "open"
    source: str = CBS_SOURCE
    licence: str = CBS_LICENCE
    extra: dict[str, str] = field(default_factory=dict)
    #: what a share or mean is per (its denominator): areas are combined weighted by it
    per: str = "population"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl


def normalise(name: str) -> str:
    """``AANT_INW`` -> ``aantinw``; both spellings of aantal inwoners -> ``aantalinwoners``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())
