"""The shared vocabulary of records: what every layer of GeoInsight agrees on, importing nothing.

Sources, ingest, store and web all speak of levels, statuses, rejected rows and the columns of
areas and point sets; defining them here lets imports keep going one way (sources -> store).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("gemeente", "wijk", "buurt")
STATUSES = ("ok", "missing", "secret", "estimated")
AREA_COLUMNS = ["code", "year", "level", "name", "gemeente_code", "wijk_code", "gemeente_name"]
ADDRESS_COLUMNS = ["vbo_id", "postcode", "huisnummer", "huisletter", "toevoeging", "gebruiksdoel",
                   "bouwjaar", "status", "oppervlakte"]
LABEL_COLUMNS = ["vbo_id", "energy_class", "energy_index", "building_class", "building_type",
                 "building_subtype", "method", "assessed", "registered", "valid_until",
                 "located_by", "synthetic"]
POINT_AREA_COLUMNS = ["point_set", "point_id", "level", "boundary_year", "area_code"]
VALUE_COLUMNS = ["code", "year", "indicator", "value", "status"]


@dataclass(frozen=True)
class Reject:
    """A row that was not stored, and why (so nothing disappears silently)."""

    row: str
    code: str
    reason: str
