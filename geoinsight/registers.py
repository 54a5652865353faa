"""Event registers: a municipality's own registrations, each ingested under its own name.

``geoinsight ingest events FILE --name fietsdiefstal --title … --theme safety --tier open``
makes (or replaces) the register ``fietsdiefstal``. A register owns the indicators
``<name>_total`` and, when its events fall in two or more classes, ``<name>_<class>``; the
catalogue shows ``<name>_total`` as a layer with the register's title, theme and tier
(:mod:`geoinsight.catalog.registers`). Registers are independent: re-ingesting one replaces
only its own counts.

The default register, ``ondermijning``, keeps the ids it always had (``events_total``,
``events_drugs``, …), which the ondermijning signal index reads, and sorts the file's categories
into the ondermijning classes by keyword (:mod:`geoinsight.sources.events`). Any other register
keeps the file's own categories as its classes: a file of bike thefts is not about drugs.

This module is vocabulary shared by ingest, store and catalogue; of them it imports only the
indicator registry (:mod:`geoinsight.catalog.indicators`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast, get_args

import pandas as pd

from geoinsight.catalog.indicators import BY_ID, EVENT_CATEGORIES, EVENT_SOURCE, known
from geoinsight.errors import InputError
from geoinsight.records import SYNTHETIC_MARK, THEMES, Indicator, Tier

DEFAULT_NAME = "ondermijning"
#: the ids of the default register start with this, as they did before registers had names
DEFAULT_PREFIX = "events"
DEFAULT_TITLE = ("Meldingen ondermijning (eigen registratie)",
                 "Undermining reports (own registrations)")
DEFAULT_THEME = "safety"
DEFAULT_TIER = "restricted"
TIERS: tuple[str, ...] = get_args(Tier)
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
NAME_MAX = 40
TITLE_MAX = 120
#: a register keeps at most this many of the file's own categories as classes; the rest are
#: counted together as ``other`` (the summary and the register still list every value)
MAX_CLASSES = 12
OTHER = "other"
UNIT = "meldingen"
LICENCE = "intern"


@dataclass(frozen=True)
class EventClass:
    """One class a register counts separately, e.g. ``drugs`` or ``diefstal_fiets``."""

    id: str
    title_nl: str
    title_en: str


@dataclass(frozen=True)
class CategoryCount:
    """One value of the file's category column, the class it was counted in, and how often."""

    category: str | None
    event_class: str
    events: int


@dataclass(frozen=True)
class EventRegister:
    """A register's definition, as the store keeps it (table ``event_registers``)."""

    name: str
    title_nl: str
    title_en: str
    theme: str
    tier: str
    classes: tuple[EventClass, ...]
    categories: tuple[CategoryCount, ...]
    source_file: str
    synthetic: bool = False
    #: set by the store when the register is written (UTC, ISO 8601)
    ingested_at: str = ""
    ingest_id: int = 0

    @property
    def prefix(self) -> str:
        return DEFAULT_PREFIX if self.name == DEFAULT_NAME else self.name

    @property
    def total_id(self) -> str:
        return f"{self.prefix}_total"

    def class_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}_{c.id}" for c in self.classes)

    def indicator_ids(self) -> tuple[str, ...]:
        return (self.total_id, *self.class_ids())

    def as_row(self) -> dict[str, Any]:
        """The store's columns (``classes`` and ``categories`` as JSON)."""
        return {"name": self.name, "title_nl": self.title_nl, "title_en": self.title_en,
                "theme": self.theme, "tier": self.tier,
                "classes": json.dumps([c.__dict__ for c in self.classes], ensure_ascii=False),
                "categories": json.dumps([c.__dict__ for c in self.categories],
                                         ensure_ascii=False),
                "source_file": self.source_file, "synthetic": int(self.synthetic)}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> EventRegister:
        return cls(name=str(row["name"]), title_nl=str(row["title_nl"]),
                   title_en=str(row["title_en"]), theme=str(row["theme"]), tier=str(row["tier"]),
                   classes=tuple(EventClass(**c) for c in json.loads(row["classes"])),
                   categories=tuple(CategoryCount(**c) for c in json.loads(row["categories"])),
                   source_file=str(row["source_file"]), synthetic=bool(row["synthetic"]),
                   ingested_at=str(row.get("ingested_at") or ""),
                   ingest_id=int(row.get("ingest_id") or 0))


#: the store's columns of a register, in order
REGISTER_ROW = ["name", "title_nl", "title_en", "theme", "tier", "classes", "categories",
                "source_file", "synthetic", "ingested_at", "ingest_id"]


@dataclass(frozen=True)
class RegisterSpec:
    """What the command line says about a register: ``--name --title --theme --tier``."""

    name: str = DEFAULT_NAME
    title: str | None = None
    theme: str = DEFAULT_THEME
    tier: str = DEFAULT_TIER

    def titles(self) -> tuple[str, str]:
        """(Dutch, English): ``--title`` in both, else the default register's own titles, else
        one made from the name."""
        if self.title:
            text = " ".join(self.title.split())
            return text, text
        if self.name == DEFAULT_NAME:
            return DEFAULT_TITLE
        words = self.name.replace("_", " ").strip().capitalize()
        return f"{words} (eigen registratie)", f"{words} (own registrations)"


def check_spec(spec: RegisterSpec) -> None:
    """Refuse a bad name, title, theme or tier before anything is read or written."""
    check_definition("register", spec.name, spec.title, spec.theme, spec.tier, "fietsdiefstal")
    if spec.name == DEFAULT_PREFIX:
        raise InputError(f"register name {DEFAULT_PREFIX!r} is reserved: the default register "
                         f"({DEFAULT_NAME}) uses the ids {DEFAULT_PREFIX}_*", code="bad_register")


def check_definition(what: str, name: str, title: str | None, theme: str, tier: str,
                     example: str) -> None:
    """The checks every store-defined source (a register, a raster) shares: its name, title,
    theme and tier."""
    code = f"bad_{what}"
    if not (NAME_PATTERN.fullmatch(name) and len(name) <= NAME_MAX):
        raise InputError(f"{what} name {name!r} is not allowed: use lowercase letters, digits "
                         f"and underscores, starting with a letter, at most {NAME_MAX} "
                         f"characters (e.g. {example})", code=code)
    if title is not None and not (0 < len(" ".join(title.split())) <= TITLE_MAX):
        raise InputError(f"--title must be 1 to {TITLE_MAX} characters", code=code)
    if theme not in THEMES:
        raise InputError(f"theme {theme!r} is not one of {', '.join(THEMES)}", code=code)
    if tier not in TIERS:
        raise InputError(f"tier {tier!r} is not one of {', '.join(TIERS)}", code=code)


def clashes(register: EventRegister, others: Iterable[EventRegister]) -> list[str]:
    """Ids of ``register`` that another register or a built-in indicator already uses."""
    taken = {i for other in others if other.name != register.name
             for i in other.indicator_ids()}
    if register.name != DEFAULT_NAME:
        taken |= set(known())
    return [i for i in register.indicator_ids() if i in taken]


# --- classes ------------------------------------------------------------------------------------

def ondermijning_classes() -> tuple[EventClass, ...]:
    return tuple(EventClass(key, nl, en) for key, (nl, en) in EVENT_CATEGORIES.items())


def slug(text: str) -> str:
    """A class id from a category text: ``Diefstal Fiets`` -> ``diefstal_fiets``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:40].strip("_")
    if not out:
        return OTHER
    if out[0].isdigit():
        out = "c" + out
    return "category_total" if out == "total" else out


def own_classes(categories: pd.Series) -> tuple[dict[str, str], tuple[EventClass, ...]]:
    """The classes of a register that keeps the file's own categories.

    Returns category text -> class id (a missing category is ``other``) and the classes, most
    events first, ``other`` last. Categories that differ only in case or punctuation share a
    class; beyond :data:`MAX_CLASSES` the rarest are counted as ``other``. A file with one
    class gets none: its total says it all.
    """
    texts = categories.dropna().astype(str)
    by_slug = texts.map(slug)
    counts = by_slug.value_counts(sort=False)
    order = sorted(counts.index, key=lambda s: (s == OTHER, -counts[s], s))
    if len(order) > MAX_CLASSES:
        kept = [s for s in order if s != OTHER][:MAX_CLASSES - 1]
        order = [*kept, OTHER]
    kept_set = set(order)
    mapping = {t: (s if s in kept_set else OTHER) for t, s in zip(texts, by_slug, strict=True)}
    if categories.isna().any() and OTHER not in kept_set:
        order.append(OTHER)
    if len(order) < 2:
        return dict.fromkeys(mapping, ""), ()
    titles = {s: texts[by_slug == s].value_counts().index[0] for s in order if s != OTHER}
    classes = tuple(EventClass(s, titles.get(s, "overige"), titles.get(s, "other"))
                    for s in order)
    return mapping, classes


def category_counts(frame: pd.DataFrame) -> tuple[CategoryCount, ...]:
    """Every category value of ``frame`` (category, event_class) with its number of events."""
    grouped = frame.groupby(["category", "event_class"], dropna=False).size()
    rows = [CategoryCount(None if pd.isna(cat) else str(cat), str(cls), int(n))
            for (cat, cls), n in grouped.items()]
    return tuple(sorted(rows, key=lambda r: (-r.events, r.category or "")))


# --- indicators ---------------------------------------------------------------------------------

def register_indicators(register: EventRegister) -> list[Indicator]:
    """The indicator records of a register, with its tier (and the synthetic flag)."""
    tier = cast(Tier, register.tier)
    if register.name == DEFAULT_NAME:
        found = [replace(BY_ID[i], tier=tier) for i in register.indicator_ids()]
    else:
        source = f"{EVENT_SOURCE} ({register.source_file})"
        found = [Indicator(register.total_id, register.title_nl, register.title_en, UNIT,
                           "count", tier=tier, source=source, licence=LICENCE)]
        found += [Indicator(i, f"{register.title_nl}: {c.title_nl}",
                            f"{register.title_en}: {c.title_en}", UNIT, "count",
                            tier=tier, source=source, licence=LICENCE)
                  for i, c in zip(register.class_ids(), register.classes, strict=True)]
    if not register.synthetic:
        return found
    return [replace(i, source=i.source + SYNTHETIC_MARK,
                    licence="synthetic (no licence needed)", extra={"synthetic": "1"})
            for i in found]


def describe_mapping(register: EventRegister, column: str | None) -> list[str]:
    """The summary's account of the mapping: every category value, its class and count."""
    given = any(c.category is not None for c in register.categories)
    where = f"categories from {column}" if column else \
        "one category for the whole file (--category)" if given else "no category column"
    if not given:
        return [f"{where}: every event counts in {register.total_id} only"]
    lines = [f"{where}; category → class (events):"]
    for row in register.categories:
        text = "(none)" if row.category is None else row.category
        target = f"{register.prefix}_{row.event_class}" if row.event_class else \
            f"{register.total_id} only"
        lines.append(f"  {text} → {target} ({row.events})")
    return lines
