"""What a layer is, where its figures come from and what protects them ("Over deze kaartlaag").

One source for every place that describes a layer: its page (``/layers/<id>/about``), its
JSON (``/api/layers/<id>``, member ``about``), the metadata of every export and the OGC
collection description. :func:`layer_facts` gives what follows from the layer and the store's
records of its indicators (definition, inputs, source and licence, the CBS table, method,
disclosure, tier); :func:`layer_about` adds the years the store holds and the boundaries those
figures lie on, which a page and the JSON show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoinsight.catalog import Layer
from geoinsight.catalog.energy_indicators import address_indicators, label_indicators
from geoinsight.i18n import text
from geoinsight.privacy.disclosure import (
    ADDITIVE,
    GROUP_OF,
    DisclosureRules,
    IndicatorMeta,
    indicator_meta,
)
from geoinsight.records import SYNTHETIC_MARK
from geoinsight.store import Reader
from geoinsight.usecases.service import synthetic_indicators

#: CBS StatLine tables behind the sources the layer files name (data/demo/README.md has
#: their provenance); a source not listed names no table
SOURCE_TABLES: dict[str, str] = {
    "CBS Kerncijfers wijken en buurten 2024": "85984NED",
    "CBS Kerncijfers wijken en buurten 2021": "85039NED",
    "Politie / CBS": "47022NED",
    "Politie / CBS geregistreerde criminaliteit": "47022NED",
    "RIVM / GGD Gezondheidsmonitor": "50150NED",
}
#: indicators counted from BAG addresses and EP-Online labels
POINT_BASED = frozenset(i.id for i in (*address_indicators(), *label_indicators()))
#: the section of docs/methods.md that says how a layer's figures are made, by what it is
METHOD_SECTIONS = {"points": "dwellings-and-energy-labels", "raster": "rasters-figures-per-area"
                   "-from-a-grid", "composite": "composite-indices", "events": "own-event"
                   "-registrations", "table": "boundaries-for-a-year-a-figure-belongs-to-the-"
                   "indeling-of-its-own-year"}


#: the facts every export's metadata and the OGC collections carry per layer
METADATA_FACTS = ("definition", "method", "method_doc", "disclosure", "source_tables")


@dataclass(frozen=True)
class StoreFacts:
    """What the facts of every layer read from the store, read once (:meth:`of`)."""

    meta: Mapping[str, IndicatorMeta]
    rules: DisclosureRules
    records: Mapping[str, Mapping[str, Any]]
    synthetic: frozenset[str]
    events: frozenset[str]

    @classmethod
    def of(cls, store: Reader) -> StoreFacts:
        records = store.indicators()
        events = set(ADDITIVE["events_total"]) | {"events_total"}
        events |= {i for r in store.event_registers() for i in r.indicator_ids()}
        return cls(indicator_meta(store), getattr(store, "rules", None) or DisclosureRules(),
                   {str(r["id"]): r for r in records.to_dict("records")},
                   frozenset(synthetic_indicators(store)), frozenset(events))


def layer_facts(known: StoreFacts, layer: Layer, lang: str) -> dict[str, Any]:
    """The facts of ``layer`` that hold wherever it is shown (module docstring), in ``lang``."""
    inputs = []
    for indicator in layer.inputs():
        row = known.records.get(indicator, {})
        inputs.append({"id": indicator,
                       "title": str(row.get(f"title_{lang}") or row.get("title_nl") or ""),
                       # the synthetic flag is the page's to say, in its own language
                       "source": str(row.get("source") or "").replace(SYNTHETIC_MARK, ""),
                       "licence": str(row.get("licence") or "")})
    named = [layer.source, *(i["source"] for i in inputs)]
    sources = list(dict.fromkeys(s.strip() for text_ in named for s in re.split(r"[,;]", text_)
                                 if s.strip()))
    kind = _made_by(known, layer)
    return {
        "id": layer.id, "title": layer.title_in(lang), "definition": layer.description_in(lang),
        "unit": layer.unit_in(lang), "kind": layer.kind,
        "kind_text": text(lang, f"kind_{layer.kind}"),
        "indicator": layer.indicator, "inputs": inputs, "levels": list(layer.levels),
        "source": layer.source, "licence": layer.licence,
        "source_tables": list(dict.fromkeys(SOURCE_TABLES[s] for s in sources
                                            if s in SOURCE_TABLES)),
        "method": text(lang, f"about_method_{kind}"),
        "method_doc": f"methods.md#{METHOD_SECTIONS[kind]}",
        "disclosure": disclosure_rules(layer, known.meta, known.rules, lang),
        "tier": layer.tier, "tier_text": text(lang, f"about_tier_{layer.tier}"),
        "synthetic": bool(set(layer.inputs()) & known.synthetic),
        "raster": layer.raster}


def metadata_facts(known: StoreFacts, layer: Layer, lang: str) -> dict[str, Any]:
    """The part of :func:`layer_facts` every export and OGC collection carries."""
    facts = layer_facts(known, layer, lang)
    return {key: facts[key] for key in METADATA_FACTS}


def layer_about(store: Reader, layer: Layer, lang: str) -> dict[str, Any]:
    """:func:`layer_facts` with the years the store holds figures of the layer for and the
    boundary years those figures lie on."""
    presence = store.presence(indicators=list(layer.inputs()))
    facts = layer_facts(StoreFacts.of(store), layer, lang)
    facts["years"] = sorted({int(y) for y in presence["year"]}) if len(presence) else []
    facts["boundary_years"] = sorted({int(y) for y in presence["boundary_year"].dropna()}) \
        if len(presence) else []
    return facts


def _made_by(known: StoreFacts, layer: Layer) -> str:
    """Which kind of source the figures come from: it decides how they are made."""
    if layer.composite is not None:
        return "composite"
    if layer.raster is not None:
        return "raster"
    inputs = set(layer.inputs())
    if inputs and inputs <= POINT_BASED:
        return "points"
    if inputs & known.events:
        return "events"
    return "table"


def disclosure_rules(layer: Layer, meta: Mapping[str, IndicatorMeta], rules: DisclosureRules,
                     lang: str) -> list[str]:
    """The rules of :mod:`geoinsight.privacy.disclosure` that apply to the layer's figures,
    each as a sentence with the numbers this server uses."""
    infos = [meta[i] for i in layer.inputs() if i in meta]
    if infos and all(info.about_land for info in infos):
        return [text(lang, "about_rule_land")]
    found = []
    if any(info.disclosive_count for info in infos):
        threshold = rules.min_count_restricted if layer.tier == "restricted" else rules.min_count
        found.append(text(lang, "about_rule_small_counts").format(n=threshold - 1))
        found.append(text(lang, "about_rule_complementary"))
    if any(info.person_count for info in infos) and rules.round_persons_to > 1:
        found.append(text(lang, "about_rule_rounding").format(n=rules.round_persons_to))
    if any(info.kind in ("share", "rate", "mean") and not info.about_land for info in infos):
        found.append(text(lang, "about_rule_small_base").format(n=rules.min_population))
    if layer.base is not None:
        found.append(text(lang, "about_rule_base").format(indicator=layer.base[0],
                                                          n=f"{layer.base[1]:g}"))
    if any(GROUP_OF.get(i) or (i in meta and meta[i].part_of) for i in layer.inputs()):
        found.append(text(lang, "about_rule_categories"))
    return found or [text(lang, "about_rule_none")]
