"""The shared vocabulary of records: what every layer of GeoInsight agrees on, importing nothing.

Sources, ingest, store and web all speak of levels, statuses, rejected rows and the columns of
areas and point sets; defining them here lets imports keep going one way (sources -> store).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("gemeente", "wijk", "buurt")
STATUSES = ("ok", "missing", "secret", "estimated")
#: the themes layers are grouped by (a layer's optional ``theme``; every event register has one)
#: themes layers are grouped under, in the order switchers and lists show them
THEMES = ("population", "housing", "energy", "social", "safety", "facilities", "economy",
          "environment")
AREA_COLUMNS = ["code", "year", "level", "name", "gemeente_code", "wijk_code", "gemeente_name"]
ADDRESS_COLUMNS = ["vbo_id", "postcode", "huisnummer", "huisletter", "toevoeging", "gebruiksdoel",
                   "bouwjaar", "status", "oppervlakte"]
LABEL_COLUMNS = ["vbo_id", "energy_class", "energy_index", "building_class", "building_type",
                 "building_subtype", "method", "assessed", "registered", "valid_until",
                 "located_by", "synthetic"]
POINT_AREA_COLUMNS = ["point_set", "point_id", "level", "boundary_year", "area_code"]
VALUE_COLUMNS = ["code", "year", "indicator", "value", "status", "boundary_year"]
#: every code a boundary file or table names, per classification year: its name and CBS's
#: ``indelingswijziging`` flag (1: unchanged since the year before), the evidence placement uses
REGISTER_COLUMNS = ["code", "year", "level", "name", "changed"]
#: whether a code names the same area in two classification years (``year_a < year_b``):
#: relation ``same``, ``different`` or ``unproven``, with the reason (geoinsight.placement)
LINK_COLUMNS = ["code", "year_a", "year_b", "relation", "reason"]


@dataclass(frozen=True)
class Reject:
    """A row that was not stored, and why (so nothing disappears silently)."""

    row: str
    code: str
    reason: str
