"""Raster layers: GeoTIFFs ingested under a name, summarised per area as ordinary indicators.

``geoinsight ingest raster FILE --name hittestress --unit "°C" --above 35 --year 2024`` makes
(or replaces) the raster ``hittestress``. A raster owns the indicators ``<name>_<statistic>``
(mean, min, max, p10, p50, p90), ``<name>_share_above_<t>`` / ``<name>_share_below_<t>`` per
threshold, and ``<name>_coverage`` (:mod:`geoinsight.spatial.zonal` says what each is); the
catalogue shows each as a layer with the raster's title, theme and tier
(:mod:`geoinsight.catalog.rasters`). Rasters are independent: re-ingesting one replaces only its
own figures.

**Disclosure.** A raster of heat, elevation or green describes the land, not anyone living on
it: its figures are exempt from the person rules (small counts, rounding, small bases), so an
industrial buurt with 20 inhabitants still gets its heat figure. The tier still decides who
sees them. A raster *about persons* (a population grid, an income grid) is ingested with
``--about persons``, and then gives only what cannot point at a cell: its mean, its shares and
its coverage, which follow the small-base rule like any figure about inhabitants. Its minimum,
maximum and percentiles (the value of one cell) are not made, it is not drawn as an overlay
(that would show every cell), and a drawn area re-expresses its published figures rather than
reading its cells.

This module is vocabulary shared by ingest, store, catalogue and disclosure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from geoinsight.errors import InputError
from geoinsight.records import SYNTHETIC_MARK, Indicator, Kind, Tier
from geoinsight.registers import check_definition

#: the statistics of a raster per area (geoinsight.spatial.zonal computes them)
STATISTICS = ("mean", "min", "max", "p10", "p50", "p90")
ABOUT: tuple[str, ...] = ("land", "persons")
#: the most thresholds a raster may have (each is a layer)
MAX_THRESHOLDS = 6
#: the source a raster states when ``--source`` is not given (with its file name)
SOURCE = "Raster"
#: the kept files' folder, under the data folder
FOLDER = "rasters"
#: a kept file's name: its raster's name and the first 12 hex digits of its checksum
_KEPT = re.compile(rf"{FOLDER}/[a-z][a-z0-9_]*-[0-9a-f]{{12}}\.tif")
#: the kinds of the statistics: a mean, an order statistic (not to be averaged), a share
_KINDS: dict[str, Kind] = {"mean": "mean", "min": "index", "max": "index", "p10": "index",
                           "p50": "index", "p90": "index"}
_STAT_TITLES = {"mean": ("gemiddelde", "mean"), "min": ("minimum", "minimum"),
                "max": ("maximum", "maximum"), "p10": ("10e percentiel", "10th percentile"),
                "p50": ("mediaan", "median"), "p90": ("90e percentiel", "90th percentile")}


@dataclass(frozen=True)
class RasterSpec:
    """What the command line says about a raster before it is read."""

    name: str
    title: str | None = None
    unit: str = ""
    theme: str = "environment"
    tier: str = "open"
    band: int = 1
    above: tuple[float, ...] = ()
    below: tuple[float, ...] = ()
    year: int | None = None
    source: str | None = None
    licence: str | None = None
    about: str = "land"

    def titles(self) -> tuple[str, str]:
        if self.title:
            text = " ".join(self.title.split())
            return text, text
        words = self.name.replace("_", " ").strip().capitalize()
        return words, words


@dataclass(frozen=True)
class RasterSource:
    """A raster's definition as the store keeps it (table ``rasters``)."""

    name: str
    title_nl: str
    title_en: str
    unit: str
    theme: str
    tier: str
    about: str
    band: int
    above: tuple[float, ...]
    below: tuple[float, ...]
    year: int
    source: str
    licence: str
    source_file: str
    checksum: str
    #: the kept Cloud-Optimised GeoTIFF, relative to the data folder (``rasters/<name>-….tif``)
    file: str
    #: what the file is: CRS (WKT, EPSG), size, cell size, bounds in RD New, nodata, range
    detail: Mapping[str, Any]
    synthetic: bool = False
    #: set by the store when the raster is written (UTC, ISO 8601)
    ingested_at: str = ""
    ingest_id: int = 0

    @property
    def statistics(self) -> tuple[str, ...]:
        """Its statistics: all of :data:`STATISTICS` for a raster about the land; only the mean
        for one about persons (the others are one cell's value; module docstring)."""
        return STATISTICS if self.about_land else ("mean",)

    def statistic_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{s}" for s in self.statistics)

    def share_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{share_column(direction, t)}"
                     for direction, values in (("above", self.above), ("below", self.below))
                     for t in values)

    @property
    def coverage_id(self) -> str:
        return f"{self.name}_coverage"

    def indicator_ids(self) -> tuple[str, ...]:
        return (*self.statistic_ids(), *self.share_ids(), self.coverage_id)

    def kept_file(self, data_dir: Path) -> Path | None:
        """The kept file under ``data_dir``; None when the store names anything but a file of
        the rasters folder (a stored path never leads elsewhere on the server)."""
        return data_dir / self.file if _KEPT.fullmatch(self.file) else None

    def kept_file_present(self, data_dir: Path) -> bool:
        path = self.kept_file(data_dir)
        return path is not None and path.is_file()

    @property
    def about_land(self) -> bool:
        return self.about == "land"

    @property
    def minimum(self) -> float:
        return float(self.detail["minimum"])

    @property
    def maximum(self) -> float:
        return float(self.detail["maximum"])

    def as_row(self) -> dict[str, Any]:
        """The store's columns (thresholds and detail as JSON)."""
        return {"name": self.name, "title_nl": self.title_nl, "title_en": self.title_en,
                "unit": self.unit, "theme": self.theme, "tier": self.tier, "about": self.about,
                "band": self.band,
                "thresholds": json.dumps({"above": list(self.above), "below": list(self.below)}),
                "year": self.year, "source": self.source, "licence": self.licence,
                "source_file": self.source_file, "checksum": self.checksum, "file": self.file,
                "detail": json.dumps(dict(self.detail)), "synthetic": int(self.synthetic)}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RasterSource:
        thresholds = json.loads(row["thresholds"])
        return cls(name=str(row["name"]), title_nl=str(row["title_nl"]),
                   title_en=str(row["title_en"]), unit=str(row["unit"]),
                   theme=str(row["theme"]), tier=str(row["tier"]), about=str(row["about"]),
                   band=int(row["band"]), above=tuple(float(t) for t in thresholds["above"]),
                   below=tuple(float(t) for t in thresholds["below"]), year=int(row["year"]),
                   source=str(row["source"]), licence=str(row["licence"]),
                   source_file=str(row["source_file"]), checksum=str(row["checksum"]),
                   file=str(row["file"]), detail=json.loads(row["detail"]),
                   synthetic=bool(row["synthetic"]),
                   ingested_at=str(row.get("ingested_at") or ""),
                   ingest_id=int(row.get("ingest_id") or 0))


#: the store's columns of a raster, in order
RASTER_ROW = ["name", "title_nl", "title_en", "unit", "theme", "tier", "about", "band",
              "thresholds", "year", "source", "licence", "source_file", "checksum", "file",
              "detail", "synthetic", "ingested_at", "ingest_id"]


def threshold_id(threshold: float) -> str:
    """A threshold as part of an indicator id: 41 -> ``41``, 0.25 -> ``0_25``, -1.5 -> ``m1_5``.
    A threshold the id would not state exactly (more than 6 significant digits, or so large or
    small that it needs an exponent) is refused: 35.000001 and 35 would share an id."""
    text = f"{abs(threshold):g}"
    if "e" in text or float(text) != abs(threshold):
        raise ValueError(f"threshold {threshold!r} cannot be named exactly: give at most 6 "
                         "significant digits, without an exponent")
    return ("m" if threshold < 0 else "") + text.replace(".", "_")


def share_column(direction: str, threshold: float) -> str:
    return f"share_{direction}_{threshold_id(threshold)}"


_FIGURE = re.compile(r"(mean|min|max|p10|p50|p90|coverage|share_(above|below)_m?\d+(_\d+)?)")


def is_figure_of(raster: str, indicator: str) -> bool:
    """Whether ``indicator`` is the id of a figure a raster named ``raster`` can have."""
    prefix = f"{raster}_"
    return indicator.startswith(prefix) and bool(_FIGURE.fullmatch(indicator[len(prefix):]))


def check_spec(spec: RasterSpec) -> None:
    """Refuse a bad name, title, theme, tier, band or threshold before anything is read."""
    check_definition("raster", spec.name, spec.title, spec.theme, spec.tier, "hittestress")
    if spec.about not in ABOUT:
        raise InputError(f"--about must be one of {', '.join(ABOUT)}", code="bad_raster")
    if spec.band < 1:
        raise InputError("--band counts from 1", code="bad_raster")
    thresholds = [*spec.above, *spec.below]
    if len(thresholds) > MAX_THRESHOLDS:
        raise InputError(f"at most {MAX_THRESHOLDS} thresholds (--above and --below together)",
                         code="bad_raster")
    for values in (spec.above, spec.below):
        if len(set(values)) != len(values):
            raise InputError("a threshold is given twice", code="bad_raster")
    for t in thresholds:
        try:
            share_column("above", t)
        except ValueError as exc:
            raise InputError(str(exc), code="bad_raster") from None


def clashes(raster: RasterSource, taken: Iterable[str]) -> list[str]:
    """Ids of ``raster`` that are already used elsewhere (``taken``)."""
    used = set(taken)
    return [i for i in raster.indicator_ids() if i in used]


def raster_indicators(raster: RasterSource) -> list[Indicator]:
    """The indicator records of a raster, with its tier (and the synthetic flag)."""
    tier = cast(Tier, raster.tier)
    source = f"{raster.source} ({raster.source_file})"
    extra = {"raster": raster.name, "about": raster.about}
    if raster.synthetic:
        source += SYNTHETIC_MARK
        extra["synthetic"] = "1"
    licence = "synthetic (no licence needed)" if raster.synthetic else raster.licence

    def make(id_: str, nl: str, en: str, unit: str, kind: Kind) -> Indicator:
        return Indicator(id_, nl, en, unit, kind, tier=tier, source=source, licence=licence,
                         extra=dict(extra))

    found = [make(f"{raster.name}_{s}", f"{raster.title_nl}: {_STAT_TITLES[s][0]}",
                  f"{raster.title_en}: {_STAT_TITLES[s][1]}", raster.unit, _KINDS[s])
             for s in raster.statistics]
    unit = f" {raster.unit}" if raster.unit else ""
    for direction, values in (("above", raster.above), ("below", raster.below)):
        for t in values:
            nl_word, en_word = ("boven", "above") if direction == "above" else ("onder", "below")
            found.append(make(f"{raster.name}_{share_column(direction, t)}",
                              f"{raster.title_nl}: aandeel oppervlakte {nl_word} {t:g}{unit}",
                              f"{raster.title_en}: share of area {en_word} {t:g}{unit}",
                              "%", "share"))
    found.append(make(raster.coverage_id, f"{raster.title_nl}: dekking",
                      f"{raster.title_en}: coverage", "%", "share"))
    return found
