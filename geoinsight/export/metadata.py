"""What travels with every export: where the figures come from and what was done to them.

One dictionary, written into each format the way its readers expect (GeoPackage metadata,
GeoParquet schema metadata, a GeoTIFF tag, an XLSX sheet, a file in the zip, a CSVW sidecar).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from geoinsight import __version__
from geoinsight.export.table import AreaTable, column_info
from geoinsight.privacy.disclosure import DisclosureRules

STATUS_MEANING = {
    "ok": "published figure",
    "estimated": "estimate (re-expressed on other boundaries, or interpolated)",
    "secret": "suppressed by disclosure control (no value)",
    "missing": "no figure for this area",
}


def disclosure_text(rules: DisclosureRules) -> list[str]:
    """The rules of :mod:`geoinsight.privacy.disclosure`, as applied with these parameters."""
    return [
        f"counts of people, households, dwellings or events from 1 to {rules.min_count - 1} "
        f"are suppressed ({rules.min_count_restricted - 1} for restricted indicators)",
        f"person and household counts of wijken and buurten are rounded to "
        f"{rules.round_persons_to}",
        f"shares, rates and means of areas with fewer than {rules.min_population} inhabitants "
        "are suppressed",
        "complementary suppression: no suppressed figure can be found as a total minus the rest "
        "(over buurt, wijk, gemeente, country, and over categories that add up to a total)",
    ]


def export_metadata(table: AreaTable, rules: DisclosureRules, lang: str, crs: str,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """The metadata of one export of ``table``; ``crs`` is the CRS of its geometry."""
    generated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    synthetic = table.synthetic
    return {
        "title": _title(table, lang),
        "generator": f"GeoInsight {__version__}",
        "generated_at": generated.isoformat(),
        "level": table.selection.level,
        "municipality": table.selection.municipality,
        "province": table.selection.province,
        "year": table.year,
        "boundary_year": table.boundary_year,
        "boundaries": {"source": "CBS Wijk- en Buurtkaart", "licence": "CC BY 4.0"},
        "crs": crs,
        "areas": len(table.frame),
        "synthetic": synthetic,
        "warning": ("contains SYNTHETIC demo data: not real figures" if synthetic else None),
        "layers": [column_info(c, lang) for c in table.columns],
        "statuses": STATUS_MEANING,
        "disclosure_control": {"rules": disclosure_text(rules), "parameters": asdict(rules)},
    }


def _title(table: AreaTable, lang: str) -> str:
    names = ", ".join(c.layer.title_in(lang) for c in table.columns)
    where = table.selection.municipality or table.selection.province or (
        "heel Nederland" if lang == "nl" else "all areas")
    return f"{names} — {table.selection.level}, {where}, {table.year}"


def file_stem(table: AreaTable) -> str:
    """``population_buurt_GM0503_2024`` (``_SYNTHETIC`` when any figure is synthetic)."""
    ids = [c.layer.id for c in table.columns]
    name = ids[0] if len(ids) == 1 else f"{ids[0]}_and_{len(ids) - 1}_more"
    mark = "_SYNTHETIC" if table.synthetic else ""
    where = table.selection.municipality or table.selection.province or "all"
    return f"{name}_{table.selection.level}_{where}_{table.year}{mark}"
