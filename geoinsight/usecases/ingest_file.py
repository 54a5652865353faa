"""One ingest of one file, as the CLI and the web's data page run it.

``geoinsight ingest <kind> FILE [options]`` and ``POST /admin/ingest`` (fields ``kind``, ``file``
and the same options) both end in :func:`run_ingest`: the same readers and checks, the same
one-line errors, the same rejects report, the same atomic write, and after new boundaries the
stored rasters' figures recomputed for them. The options are declared once (:data:`OPTIONS`):
the CLI makes its click options from them, the web parses its form fields with
:func:`parse_options`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoinsight.errors import GeoInsightError, InputError
from geoinsight.ingest.common import IngestResult
from geoinsight.privacy.access import TIERS
from geoinsight.records import THEMES
from geoinsight.store import Store

#: years GeoInsight can show (the API accepts the same range)
YEARS = (1900, 2100)


@dataclass(frozen=True)
class Option:
    """One option of an ingest: ``--values-year`` on the command line, field ``values_year``
    (or ``values-year``) in the form."""

    name: str
    help: str
    type: type = str
    default: Any = None
    choices: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = False
    #: an int that is a year (YEARS)
    year: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _year(name: str, help: str) -> Option:
    return Option(name, help, int, year=True)


_CRS = Option("crs", "CRS of a file that has none (or of x, y in a CSV), e.g. EPSG:28992.")
_TIER_HELP = ("Who may see the figures: open (anyone), internal (staff), restricted "
              "(ondermijning and beheerder roles).")

#: every kind's options, in the order the CLI's help lists them
OPTIONS: dict[str, tuple[Option, ...]] = {
    "boundaries": (
        _year("year", "Boundary year (default: from the file)."),
        _CRS,
        _year("values_year", "Year of the figures in the attribute columns (default: the "
                             "boundary year)."),
    ),
    "indicators": (
        _year("year", "Year of the figures (default: from the file)."),
        _year("boundaries", "Indeling (boundary year) the figures are published on (default: "
                            "their year, as CBS publishes them)."),
    ),
    "addresses": (
        _year("year", "Year the BAG extract describes (default: this year)."),
        _CRS,
    ),
    "energy-labels": (),
    "events": (
        Option("name", "The register: lowercase letters, digits and _ (e.g. fietsdiefstal). "
               "Its layer is <name>_total (the default register's: events_total); a new file "
               "replaces only this register's counts.", default="ondermijning"),
        Option("title", "The layer's title (default for ondermijning: 'Meldingen ondermijning "
               "(eigen registratie)'; else made from the name)."),
        Option("theme", "The theme the layer is grouped under.", default="safety",
               choices=THEMES),
        Option("tier", _TIER_HELP, default="restricted", choices=TIERS),
        _CRS,
        Option("date_column", "Column with the event date (default: found by name: datum, "
               "pleegdatum, b_datum, …)."),
        Option("category_column", "Column with the event category (default: found by name: "
               "categorie, soort, srt, …)."),
        Option("category", "One category for every event in the file."),
    ),
    "raster": (
        Option("name", "The raster: lowercase letters, digits and _ (e.g. hittestress). Its "
               "layers are <name>_mean, <name>_p90, <name>_share_above_<t>, <name>_coverage, "
               "…; a new file replaces only this raster.", required=True),
        _year("year", "The year the raster describes (default: the file's "
                      "TIFFTAG_DATETIME)."),
        Option("band", "The band to use.", int, default=1),
        Option("unit", "The unit of the cell values, e.g. °C or m NAP.", default=""),
        Option("title", "The layers' title (default: made from the name)."),
        Option("theme", "The theme the layers are grouped under.", default="environment",
               choices=THEMES),
        Option("tier", _TIER_HELP.replace("figures", "figures and the overlay"),
               default="open", choices=TIERS),
        Option("above", "A threshold: <name>_share_above_<t> is the share of an area's "
               "surface with data above it. Repeat for more.", float, multiple=True),
        Option("below", "A threshold for <name>_share_below_<t>. Repeat for more.", float,
               multiple=True),
        Option("source", "Who made the raster (shown with every figure)."),
        Option("licence", "Its licence, e.g. CC0 or CC BY 4.0."),
        Option("about", "What the cells describe: the land (heat, elevation, green: no person "
               "rules apply) or persons (a population grid: small bases suppressed).",
               default="land", choices=("land", "persons")),
    ),
}
KINDS = tuple(OPTIONS)


def parse_options(kind: str, fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The options of ``kind`` from form fields (name -> values), checked as the CLI checks
    them; an unknown field or a bad value is an :class:`InputError` naming the field."""
    if kind not in OPTIONS:
        raise InputError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}", code="bad_kind")
    options = {o.name: o for o in OPTIONS[kind]}
    values: dict[str, Any] = {o.name: () if o.multiple else o.default for o in OPTIONS[kind]}
    for raw_name, raw_values in fields.items():
        name = raw_name.replace("-", "_")
        option = options.get(name)
        if option is None:
            raise InputError(f"{kind} has no option {raw_name!r} (its options: "
                             f"{', '.join(options) or 'none'})", code="bad_option")
        given = [v.strip() for v in raw_values if v.strip()]
        if option.multiple:  # a form's one text field may hold several: "25 30"
            given = [part for v in given for part in v.split()]
        if not option.multiple and len(given) > 1:
            raise InputError(f"option {name} given {len(given)} times", code="bad_option")
        converted = tuple(_convert(option, v) for v in given)
        if option.multiple:
            values[name] = converted
        elif converted:
            values[name] = converted[0]
    missing = [o.name for o in OPTIONS[kind] if o.required and not values[o.name]]
    if missing:
        raise InputError(f"{kind} needs option {missing[0]}", code="bad_option")
    return values


def _convert(option: Option, text: str) -> Any:
    try:
        value = option.type(text)
    except ValueError:
        kind = {int: "a whole number", float: "a number"}.get(option.type, "text")
        raise InputError(f"option {option.name}: {text!r} is not {kind}",
                         code="bad_option") from None
    if option.year and not YEARS[0] <= value <= YEARS[1]:
        raise InputError(f"option {option.name}: {value} is not a year in "
                         f"{YEARS[0]}–{YEARS[1]}", code="bad_option")
    if option.choices and value not in option.choices:
        raise InputError(f"option {option.name}: {text!r} is not one of "
                         f"{', '.join(option.choices)}", code="bad_option")
    return value


@dataclass
class IngestOutcome:
    """What an ingest did: its result, the rasters recomputed after it, and what to tell."""

    result: IngestResult
    recomputed: list[IngestResult] = field(default_factory=list)
    #: the rejects report written, if any rows were rejected
    rejects_file: Path | None = None
    #: lines for the user (the CLI's standard output)
    lines: list[str] = field(default_factory=list)
    #: things that went wrong after the store was written (the CLI's standard error)
    warnings: list[str] = field(default_factory=list)


def run_ingest(store: Store, data_dir: Path, kind: str, path: Path,
               options: Mapping[str, Any], rejects: Path | None = None,
               synthetic: bool = False) -> IngestOutcome:
    """Ingest ``path`` as ``kind`` with ``options`` (as :func:`parse_options` gives them).

    The rejects go to ``rejects`` (a file, or a folder; default ``<data dir>/reports/``), which
    is checked before the ingest, so a bad target changes nothing.
    """
    target = rejects_target(data_dir, rejects)
    result = _INGESTS[kind](store, path, dict(options), data_dir, synthetic)
    outcome = IngestOutcome(result, lines=[result.summary()])
    if result.rejects:
        outcome.rejects_file = write_rejects(result, target, outcome.warnings)
        if outcome.rejects_file is not None:
            outcome.lines.append(f"rejected rows: {outcome.rejects_file}")
    if kind == "boundaries":
        _refresh_rasters(store, data_dir, outcome)
    return outcome


def _refresh_rasters(store: Store, data_dir: Path, outcome: IngestOutcome) -> None:
    """After a boundary ingest: the stored rasters' figures for the boundaries held now."""
    if not store.rasters():
        return
    from geoinsight.ingest.rasters import refresh_rasters

    results, missing = refresh_rasters(store, data_dir)
    outcome.recomputed = results
    outcome.lines += [r.summary().splitlines()[0] + " (recomputed)" for r in results]
    outcome.warnings += missing


def _boundaries(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
                synthetic: bool) -> IngestResult:
    from geoinsight.ingest import ingest_boundaries

    return ingest_boundaries(store, path, year=o["year"], crs=o["crs"],
                             values_year=o["values_year"])


def _indicators(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
                synthetic: bool) -> IngestResult:
    from geoinsight.ingest import ingest_indicators

    return ingest_indicators(store, path, year=o["year"], boundaries=o["boundaries"])


def _addresses(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
               synthetic: bool) -> IngestResult:
    from geoinsight.ingest.points import ingest_addresses

    return ingest_addresses(store, path, year=o["year"], crs=o["crs"])


def _labels(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
            synthetic: bool) -> IngestResult:
    from geoinsight.ingest.points import ingest_energy_labels

    return ingest_energy_labels(store, path)


def _events(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
            synthetic: bool) -> IngestResult:
    from geoinsight.ingest.events import ingest_events
    from geoinsight.registers import RegisterSpec, check_spec

    spec = RegisterSpec(name=o["name"], title=o["title"], theme=o["theme"], tier=o["tier"])
    check_spec(spec)
    return ingest_events(store, path, crs=o["crs"], date_column=o["date_column"],
                         category_column=o["category_column"], category=o["category"],
                         register=spec)


def _raster(store: Store, path: Path, o: dict[str, Any], data_dir: Path,
            synthetic: bool) -> IngestResult:
    from geoinsight.ingest.rasters import ingest_raster
    from geoinsight.rasters import RasterSpec

    spec = RasterSpec(name=o["name"], title=o["title"], unit=o["unit"], theme=o["theme"],
                      tier=o["tier"], band=o["band"], above=tuple(o["above"]),
                      below=tuple(o["below"]), year=o["year"], source=o["source"],
                      licence=o["licence"], about=o["about"])
    return ingest_raster(store, path, spec, data_dir, synthetic=synthetic)


_INGESTS: dict[str, Callable[[Store, Path, dict[str, Any], Path, bool], IngestResult]] = {
    "boundaries": _boundaries, "indicators": _indicators, "addresses": _addresses,
    "energy-labels": _labels, "events": _events, "raster": _raster}


def rejects_target(data_dir: Path, rejects: Path | None) -> Path:
    """Where the rejects go (a file, or a folder): checked before the ingest."""
    folder = rejects.parent if rejects else data_dir / "reports"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GeoInsightError(f"cannot create the rejects report folder: {exc.strerror}",
                              path=str(folder)) from exc
    if not os.access(folder, os.W_OK) or (rejects and rejects.is_dir()):
        raise GeoInsightError("cannot write the rejects report there",
                              path=str(rejects or folder))
    return rejects or folder


def rejects_file_name(result: IngestResult) -> str:
    return f"ingest-{result.ingest_id}-{result.path.name}-rejects.csv"


def write_rejects(result: IngestResult, target: Path, warnings: list[str]) -> Path | None:
    """The rejected rows as CSV (row, code, reason) at ``target`` (in it, if a folder). The
    store is written by now: a report that cannot be written is a warning, not a failure."""
    if target.is_dir():
        target = target / rejects_file_name(result)
    try:
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "code", "reason"])
            writer.writerows((r.row, r.code, r.reason) for r in result.rejects)
    except OSError as exc:
        warnings.append(f"rejects report not written ({exc.strerror}); they are in the "
                        f"store's ingest_rejects table under ingest {result.ingest_id}")
        return None
    return target
