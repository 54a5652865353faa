"""Energy-label and housing-stock indicators: ids, titles and units of the point aggregates.

Kept apart from the aggregation (geoinsight.analysis.energy) so the layer catalogue can know
these ids without importing analysis code.
"""

from __future__ import annotations

from geoinsight.records import SYNTHETIC_MARK, Indicator

LABEL_CLASSES = ("A+++++", "A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")
A_OR_BETTER = frozenset(LABEL_CLASSES[:6])
POOR = frozenset({"E", "F", "G"})
#: The official label colours (RVO), dark green A+++++ to red G.
LABEL_COLOURS = {
    "A+++++": "#00642d", "A++++": "#00642d", "A+++": "#00642d", "A++": "#009037",
    "A+": "#009037", "A": "#009037", "B": "#55ab26", "C": "#c8d100", "D": "#ffec00",
    "E": "#faba00", "F": "#eb6909", "G": "#e2001a",
}
EXISTING = frozenset({"verblijfsobject in gebruik", "verblijfsobject in gebruik (niet ingemeten)",
                      "verbouwing verblijfsobject", "verblijfsobject buiten gebruik"})
#: bouwjaar classes: id, first year, last year (inclusive)
BUILD_PERIODS = (("before_1945", None, 1944), ("1945_1974", 1945, 1974),
                 ("1975_1991", 1975, 1991), ("1992_2005", 1992, 2005), ("2006_later", 2006, None))
_PERIOD_TITLES = {"before_1945": ("vóór 1945", "before 1945"),
                  "1945_1974": ("1945–1974", "1945–1974"), "1975_1991": ("1975–1991", "1975–1991"),
                  "1992_2005": ("1992–2005", "1992–2005"),
                  "2006_later": ("2006 en later", "2006 and later")}
#: EP-Online gebouwtype -> group
BUILDING_GROUPS = {"appartement": "apartment", "maisonnette": "apartment",
                   "galerijflat": "apartment", "portiekflat": "apartment",
                   "rijwoning": "terraced", "tussenwoning": "terraced", "hoekwoning": "terraced",
                   "eindwoning": "terraced", "2-onder-1-kap": "semi_detached",
                   "twee-onder-een-kap": "semi_detached", "vrijstaande woning": "detached",
                   "vrijstaand": "detached"}
GROUP_TITLES = {"apartment": ("appartementen", "apartments"),
                 "terraced": ("rijwoningen", "terraced houses"),
                 "semi_detached": ("twee-onder-een-kapwoningen", "semi-detached houses"),
                 "detached": ("vrijstaande woningen", "detached houses"),
                 "other": ("overige woningtypen", "other dwelling types")}
BAG_SOURCE = "BAG (Kadaster)"
LABEL_SOURCE = "EP-Online (RVO), BAG (Kadaster)"


def class_id(label: str) -> str:
    """'A++' -> 'a2p', 'A' -> 'a', 'G' -> 'g' (usable in indicator ids)."""
    plus = label.count("+")
    return f"a{plus}p" if plus else label.lower()


def address_indicators() -> list[Indicator]:
    out = [Indicator("dwellings", "Woningen (BAG)", "Dwellings (BAG)", "woningen", "count",
                     source=BAG_SOURCE, licence="CC0"),
           Indicator("share_built_before_1975", "Aandeel woningen gebouwd vóór 1975",
                     "Share of dwellings built before 1975", "%", "share", source=BAG_SOURCE,
                     licence="CC0", per="dwellings")]
    for pid, *_ in BUILD_PERIODS:
        nl, en = _PERIOD_TITLES[pid]
        out.append(Indicator(f"dwellings_built_{pid}", f"Woningen gebouwd {nl}",
                             f"Dwellings built {en}", "woningen", "count", source=BAG_SOURCE,
                             licence="CC0"))
    return out


def label_indicators(synthetic: bool = False) -> list[Indicator]:
    src = LABEL_SOURCE + (SYNTHETIC_MARK if synthetic else "")
    lic = "CC BY 4.0" if not synthetic else "synthetic (no licence needed)"

    def ind(id_: str, nl: str, en: str, unit: str, kind: str,
            per: str = "energy_labels_valid") -> Indicator:
        return Indicator(id_, nl, en, unit, kind, source=src, licence=lic,  # type: ignore[arg-type]
                         extra={"synthetic": "1"} if synthetic else {}, per=per)

    out = [
        ind("energy_labels_valid", "Woningen met een geldig energielabel",
            "Dwellings with a valid energy label", "woningen", "count"),
        ind("energy_label_share_efg", "Aandeel woningen met label E, F of G",
            "Share of labelled dwellings with label E, F or G", "%", "share"),
        ind("energy_label_share_a_plus", "Aandeel woningen met label A of beter",
            "Share of labelled dwellings with label A or better", "%", "share"),
        ind("energy_label_coverage", "Aandeel woningen met een geldig energielabel",
            "Share of dwellings with a valid energy label", "%", "share", per="dwellings"),
        ind("energy_label_share_expired", "Aandeel verlopen energielabels",
            "Share of dwelling labels that have expired", "%", "share"),
        ind("energy_index_mean", "Gemiddelde energie-index (oude methode)",
            "Mean energy index (pre-2021 method)", "index", "mean"),
        ind("energy_label_median_rank", "Mediaan energielabel (0 = A+++++, 11 = G)",
            "Median energy label (0 = A+++++, 11 = G)", "klasse", "index"),
    ]
    out += [ind(f"labels_class_{class_id(c)}", f"Woningen met label {c}",
                f"Dwellings labelled {c}", "woningen", "count") for c in LABEL_CLASSES]
    for pid, *_ in BUILD_PERIODS:
        nl, en = _PERIOD_TITLES[pid]
        out += [ind(f"labels_valid_built_{pid}", f"Woningen met geldig label, gebouwd {nl}",
                    f"Labelled dwellings built {en}", "woningen", "count"),
                ind(f"energy_label_share_efg_built_{pid}", f"Aandeel E, F of G, gebouwd {nl}",
                    f"Share E, F or G, built {en}", "%", "share",
                    per=f"labels_valid_built_{pid}")]
    for gid, (nl, en) in GROUP_TITLES.items():
        out += [ind(f"labels_valid_type_{gid}", f"Woningen met geldig label: {nl}",
                    f"Labelled dwellings: {en}", "woningen", "count"),
                ind(f"energy_label_share_efg_type_{gid}", f"Aandeel E, F of G: {nl}",
                    f"Share E, F or G: {en}", "%", "share", per=f"labels_valid_type_{gid}")]
    return out
