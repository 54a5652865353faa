"""Disclosure control, attacked: small counts, differencing against parents, other levels and
two requests, rounding and small bases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoinsight.privacy.disclosure import DisclosureRules, IndicatorMeta, PublishedStore, protect

RULES = DisclosureRules()
COUNT = {"cases": IndicatorMeta("count", "huishoudens", "open")}
RESTRICTED = {"cases": IndicatorMeta("count", "dossiers", "restricted")}


def frame(values: dict[str, float | None], indicator: str = "cases") -> pd.DataFrame:
    return pd.DataFrame({
        "code": list(values), "year": 2024, "indicator": indicator,
        "value": [float("nan") if v is None else float(v) for v in values.values()],
        "status": ["missing" if v is None else "ok" for v in values.values()]})


def published(result: pd.DataFrame) -> dict[str, float | None]:
    return {r.code: (None if r.status == "secret" else r.value) for r in result.itertuples()}


# gemeente GM0001 = wijk WK000101 (buurten 01, 02, 03) + wijk WK000102 (buurten 01, 02)
TREE = {"GM0001": 100, "WK000101": 60, "BU00010101": 3, "BU00010102": 27, "BU00010103": 30,
        "WK000102": 40, "BU00010201": 15, "BU00010202": 25}


def differences_recover(result: dict[str, float | None]) -> list[str]:
    """Codes an attacker gets exactly as a published parent minus its published children."""
    found = []
    for parent, kids in (("WK000101", ["BU00010101", "BU00010102", "BU00010103"]),
                         ("WK000102", ["BU00010201", "BU00010202"]),
                         ("GM0001", ["WK000101", "WK000102"])):
        hidden = [k for k in kids if result[k] is None]
        if result[parent] is not None and len(hidden) == 1:
            found.append(hidden[0])
    return found


def test_small_count_suppressed_and_not_recoverable_from_its_wijk() -> None:
    result = published(protect(frame(TREE), COUNT, {}, RULES))
    assert result["BU00010101"] is None  # 3 < 5
    assert result["BU00010102"] is None  # the smallest sibling goes with it
    assert result["WK000101"] == 60 and result["BU00010103"] == 30
    assert differences_recover(result) == []


def test_differencing_across_levels() -> None:
    """A suppressed wijk must not be gemeente minus the other wijk."""
    tree = {**TREE, "WK000102": 4, "BU00010201": 2, "BU00010202": 2, "GM0001": 64}
    result = published(protect(frame(tree), COUNT, {}, RULES))
    assert result["WK000102"] is None
    assert differences_recover(result) == []
    assert result["GM0001"] is not None  # the total itself stays


def test_only_child_hides_its_parent() -> None:
    result = published(protect(frame({"GM0001": 3, "WK000101": 3, "BU00010101": 3}), COUNT,
                               {}, RULES))
    assert result == {"GM0001": None, "WK000101": None, "BU00010101": None}


def test_restricted_threshold_is_ten_and_zero_is_published() -> None:
    result = published(protect(frame({"BU00010101": 7, "BU00010102": 0, "BU00010103": 12}),
                               RESTRICTED, {}, RULES))
    assert result == {"BU00010101": None, "BU00010102": 0.0, "BU00010103": 12.0}


def test_person_counts_rounded_at_wijk_and_buurt_only() -> None:
    meta = {"population": IndicatorMeta("count", "inwoners", "open")}
    result = published(protect(frame({"GM0001": 1234, "WK000101": 1233, "BU00010101": 17},
                                     "population"), meta, {}, RULES))
    assert result == {"GM0001": 1234.0, "WK000101": 1235.0, "BU00010101": 15.0}


def test_shares_of_small_populations_suppressed() -> None:
    meta = {"share": IndicatorMeta("share", "%", "open")}
    result = published(protect(frame({"BU00010101": 100.0, "BU00010102": 40.0}, "share"), meta,
                               {"BU00010101": 5, "BU00010102": 500}, RULES))
    assert result == {"BU00010101": None, "BU00010102": 40.0}


def test_rules_from_configuration() -> None:
    rules = DisclosureRules.from_config({"min_count": 3, "unknown": 1})
    assert rules.min_count == 3 and rules.min_count_restricted == 10
    not_persons = {"cases": IndicatorMeta("count", "dossiers", "open")}  # so: not rounded
    result = published(protect(frame({"BU00010101": 4}), not_persons, {}, rules))
    assert result == {"BU00010101": 4.0}


def test_two_requests_see_the_same_published_figures(tmp_path: Path) -> None:
    """A narrow and a wide request cannot be differenced: both are cut from one protection."""
    from geoinsight.catalog.indicators import Indicator
    from geoinsight.store.gpkg import GeoPackageStore
    from geoinsight.store.model import IngestBatch, IngestCounts

    store = GeoPackageStore(tmp_path / "g.gpkg")
    values = frame(TREE)
    values = values.assign(boundary_year=values["year"])
    store.write(IngestBatch("indicators", tmp_path / "x.csv", "0", values,
                            [Indicator("cases", "Gevallen", "Cases", "huishoudens", "count")],
                            IngestCounts(read=len(values), stored=len(values))))
    gate = PublishedStore(store, RULES)
    narrow = gate.values(indicators=["cases"], codes=["BU00010102"])
    wide = gate.values(indicators=["cases"]).set_index("code")
    assert narrow.iloc[0]["status"] == "secret"
    assert wide.loc["BU00010102", "status"] == "secret"
    assert store.values(indicators=["cases"], codes=["BU00010102"]).iloc[0]["value"] == 27


@pytest.mark.parametrize("seed", range(20))
def test_random_trees_never_leak_by_differencing(seed: int) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    tree = {}
    for w in range(1, 4):
        kids = {f"BU0001{w:02d}{b:02d}": int(rng.integers(0, 12)) for b in range(1, 4)}
        tree.update(kids)
        tree[f"WK0001{w:02d}"] = sum(kids.values())
    tree["GM0001"] = sum(v for k, v in tree.items() if k.startswith("WK"))
    result = published(protect(frame(tree), COUNT, {}, RULES))
    for parent in [k for k in tree if not k.startswith("BU")]:
        kids = [k for k in tree if k != parent and (
            (k.startswith("BU") and "WK" + k[2:8] == parent)
            or (k.startswith("WK") and parent == "GM" + k[2:6]))]
        hidden = [k for k in kids if result[k] is None]
        assert not (result[parent] is not None and len(hidden) == 1), (seed, parent, result)
        assert all(result[k] is None or not 0 < tree[k] < 5 for k in kids)


def test_without_wijk_figures_the_gemeente_is_the_parent() -> None:
    """The demo has crime counts per buurt and gemeente only: gemeente minus buurten."""
    result = published(protect(frame({"GM0001": 50, "BU00010101": 3, "BU00010102": 20,
                                      "BU00010201": 27}),
                               {"cases": IndicatorMeta("count", "misdrijven", "open")}, {}, RULES))
    assert result["BU00010101"] is None and result["BU00010102"] is None
    assert result["GM0001"] == 50 and result["BU00010201"] == 27


def test_the_api_publishes_protected_figures(tmp_path: Path) -> None:
    """Through the app: Delft's crime counts per buurt, suppressed where small, and no buurt
    is the gemeente total minus the published others."""
    from geoinsight import PROJECT_ROOT
    from geoinsight.demo import load_demo
    from geoinsight.settings import load_settings
    from geoinsight.web import create_app

    settings = load_settings(data_dir=tmp_path / "i", basemap="none")
    load_demo(settings.store_path, PROJECT_ROOT / "data" / "demo")
    client = create_app(settings).test_client()
    body = client.get("/api/layers/crimes_registered/values?level=buurt&municipality=GM0503"
                      "&year=2023").get_json()
    values = {v["code"]: v for v in body["values"]}
    secret = [c for c, v in values.items() if v["status"] == "secret"]
    assert secret, "Delft has buurten with fewer than 5 registered crimes in 2023"
    assert all(v["value"] is None or v["value"] == 0 or v["value"] >= 5 for v in values.values())
    assert len(secret) != 1  # gemeente total minus the rest would give it away


# --- categories: a total that is the sum of its parts (rule 5) ------------------------------

EVENT_PARTS = ("events_drugs", "events_weapons", "events_explosions", "events_fraud",
               "events_other")
EVENT_META = {i: IndicatorMeta("count", "meldingen", "restricted")
              for i in ("events_total", *EVENT_PARTS)}


def event_table(parts: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Long rows for every code and part, with the totals as their sums."""
    rows = []
    for code, by_part in parts.items():
        for part, value in by_part.items():
            rows.append((code, 2024, part, float(value), "ok"))
        rows.append((code, 2024, "events_total", float(sum(by_part.values())), "ok"))
    return pd.DataFrame(rows, columns=["code", "year", "indicator", "value", "status"])


def test_a_hidden_category_is_not_the_total_minus_the_others() -> None:
    table = event_table({"GM0503": {"events_drugs": 3, "events_weapons": 12,
                                    "events_explosions": 0, "events_fraud": 40,
                                    "events_other": 25}})
    out = protect(table, EVENT_META, {}, DisclosureRules()).set_index("indicator")
    assert out.loc["events_drugs", "status"] == "secret"  # 3 < 10 (restricted)
    assert out.loc["events_total", "status"] == "ok"
    # every other non-zero category goes too; a zero says nothing and stays, so does the total
    assert set(out[out["status"] == "secret"].index) == {
        "events_drugs", "events_weapons", "events_fraud", "events_other"}
    assert out.loc["events_explosions", "value"] == 0


def unknowns_determined(table: pd.DataFrame, out: pd.DataFrame) -> list[str]:
    """Hidden cells an attacker can solve for from every published figure: hierarchy sums
    (parent = sum of children, per indicator) and category sums (total = sum of parts, per
    area), solved as one linear system — by an attacker who knows the missing cells (they are
    often zero, or known elsewhere; cells that follow from the missing ones alone, which no
    publication can shield, are left out) and by one to whom they are unknown."""
    key = list(zip(out["code"], out["indicator"], strict=True))
    hidden = [k for k, s in zip(key, out["status"], strict=True) if s == "secret"]
    assert len(hidden) < len(key)  # the attacker has something to work with
    not_missing = [k for k, s in zip(key, out["status"], strict=True) if s != "missing"]
    missing = [k for k, s in zip(key, out["status"], strict=True) if s == "missing"]
    unavoidable = set(solvable(out, not_missing))
    knowing = [k for k in solvable(out, hidden) if k not in unavoidable]
    guessing = [k for k in solvable(out, hidden + missing) if k in set(hidden)]
    return [f"{k[0]} {k[1]}" for k in knowing + guessing]


def solvable(out: pd.DataFrame, unknown: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``unknown`` cells the hierarchy and category sums fix, given every other cell."""
    import numpy as np

    from geoinsight.privacy.disclosure import parent_of

    index = {k: i for i, k in enumerate(unknown)}
    equations: list[list[tuple[str, str]]] = []  # each: lhs key, then rhs keys (lhs = sum)
    codes = set(out["code"])
    for indicator in set(out["indicator"]):
        for parent in codes:
            kids = [c for c in codes if parent_of(c) == parent]
            if kids:
                equations.append([(parent, indicator), *((c, indicator) for c in kids)])
    for code in codes:
        equations.append([(code, "events_total"), *((code, p) for p in EVENT_PARTS)])
    rows = []
    for eq in equations:
        row = np.zeros(len(unknown))
        for sign, k in [(1.0, eq[0]), *((-1.0, k) for k in eq[1:])]:
            if k in index:
                row[index[k]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    return [k for k, i in index.items()
            if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(unknown))[i]])) == rank]


@pytest.mark.parametrize("seed", range(12))
def test_random_event_tables_never_leak_across_levels_and_categories(seed: int) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    buurten: dict[str, dict[str, float]] = {}
    for w in range(int(rng.integers(2, 4))):
        for b in range(int(rng.integers(2, 5))):
            buurten[f"BU0503{w:02d}{b:02d}"] = {
                p: float(rng.choice([0, 1, 2, 4, 8, 11, 15, 30], p=[.2, .1, .1, .1, .1, .15,
                                                                   .15, .1]))
                for p in EVENT_PARTS}
    wijken: dict[str, dict[str, float]] = {}
    for code, parts in buurten.items():
        acc = wijken.setdefault("WK" + code[2:8], dict.fromkeys(EVENT_PARTS, 0.0))
        for p, v in parts.items():
            acc[p] += v
    gemeente = {p: sum(w[p] for w in wijken.values()) for p in EVENT_PARTS}
    table = event_table({**buurten, **wijken, "GM0503": gemeente})
    out = protect(table, EVENT_META, {}, DisclosureRules())
    assert (out["status"] == "secret").any()
    assert unknowns_determined(table, out) == []


# --- a missing cell is no protection (red team: secret = wijk minus its published buurten) ---

def tree_system_leaks(tree: dict[str, float], out: pd.DataFrame) -> list[str]:
    """Hidden cells an attacker solves for from every parent = sum of children.

    Two attackers: one who knows every missing cell (a missing cell is often zero, or known
    elsewhere) — less the cells that follow from the missing ones alone, which no publication
    can shield — and one to whom the missing cells are as unknown as the hidden ones."""
    status = dict(zip(out["code"], out["status"], strict=True))
    hidden = [c for c in tree if status[c] == "secret"]
    missing = [c for c in tree if status[c] == "missing"]
    unavoidable = determined(tree, [c for c in tree if status[c] != "missing"])
    knowing = [c for c in determined(tree, hidden) if c not in unavoidable]
    guessing = [c for c in determined(tree, hidden + missing) if c in hidden]
    return knowing + guessing


def determined(tree: dict[str, float], unknown: list[str]) -> list[str]:
    """The ``unknown`` cells that parent = sum of children fixes, given every other cell."""
    import numpy as np

    from geoinsight.privacy.disclosure import parent_of

    index = {c: i for i, c in enumerate(unknown)}
    rows = []
    for parent in tree:
        kids = [c for c in tree if parent_of(c) == parent]
        if not kids:
            continue
        row = np.zeros(len(unknown))
        for sign, c in [(1.0, parent), *((-1.0, k) for k in kids)]:
            if c in index:
                row[index[c]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    return [c for c, i in index.items()
            if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(unknown))[i]])) == rank]


def with_missing(tree: dict[str, float], missing: set[str]) -> pd.DataFrame:
    table = frame(tree)
    gone = table["code"].isin(missing)
    table.loc[gone, ["value", "status"]] = [float("nan"), "missing"]
    return table


def test_a_missing_sibling_does_not_shield_a_secret_one() -> None:
    """The red team's case: one buurt suppressed, a sibling missing (zero, or known), the wijk
    published: before, the missing cell counted as a second hidden one and the secret buurt was
    the wijk minus its published siblings."""
    tree = {**TREE, "BU00010102": 0, "BU00010103": 57}  # BU…0102 is zero: stored as missing
    out = protect(with_missing(tree, {"BU00010102"}), COUNT, {}, RULES)
    result = published(out)
    assert result["BU00010101"] is None  # 3 < 5
    assert result["BU00010103"] is None  # hidden with it: the missing sibling protects nothing
    assert tree_system_leaks(tree, out) == []


def test_a_missing_cell_alone_hides_nothing() -> None:
    """No figure is small: a missing buurt is no reason to hide a large neighbour."""
    tree = {**TREE, "BU00010101": 13, "WK000101": 70, "GM0001": 110}
    result = published(protect(with_missing(tree, {"BU00010103", "BU00010202"}), COUNT, {},
                               RULES))
    assert [c for c, v in result.items() if v is None] == []


def test_a_missing_parent_still_protects_against_its_known_total() -> None:
    tree = dict(TREE)
    out = protect(with_missing(tree, {"WK000101"}), COUNT, {}, RULES)
    assert published(out)["BU00010102"] is None
    assert tree_system_leaks(tree, out) == []


@pytest.mark.parametrize("seed", range(30))
def test_random_trees_with_missing_cells_never_leak(seed: int) -> None:
    import numpy as np

    rng = np.random.default_rng(1000 + seed)
    tree: dict[str, float] = {}
    for w in range(1, int(rng.integers(2, 5))):
        kids = {f"BU0001{w:02d}{b:02d}": float(rng.choice([0, 2, 4, 7, 12, 30, 80]))
                for b in range(1, int(rng.integers(2, 6)))}
        tree.update(kids)
        tree[f"WK0001{w:02d}"] = sum(kids.values())
    tree["GM0001"] = sum(v for k, v in tree.items() if k.startswith("WK"))
    missing = {c for c in tree if rng.random() < 0.2}
    out = protect(with_missing(tree, missing), COUNT, {}, RULES)
    assert tree_system_leaks(tree, out) == [], (seed, missing, published(out))
    small = [c for c in tree if c not in missing and 0 < tree[c] < 5]
    assert all(published(out)[c] is None for c in small)


@pytest.mark.parametrize("seed", range(25))
def test_random_event_tables_with_missing_cells_never_leak(seed: int) -> None:
    """Hierarchy and categories solved together, with missing cells known to the attacker."""
    import numpy as np

    rng = np.random.default_rng(500 + seed)
    buurten: dict[str, dict[str, float]] = {}
    for w in range(int(rng.integers(2, 4))):
        for b in range(int(rng.integers(2, 5))):
            buurten[f"BU0503{w:02d}{b:02d}"] = {
                p: float(rng.choice([0, 1, 4, 11, 15, 30])) for p in EVENT_PARTS}
    wijken: dict[str, dict[str, float]] = {}
    for code, parts in buurten.items():
        acc = wijken.setdefault("WK" + code[2:8], dict.fromkeys(EVENT_PARTS, 0.0))
        for p, v in parts.items():
            acc[p] += v
    gemeente = {p: sum(w[p] for w in wijken.values()) for p in EVENT_PARTS}
    table = event_table({**buurten, **wijken, "GM0503": gemeente})
    gone = rng.random(len(table)) < 0.15
    table.loc[gone, ["value", "status"]] = [float("nan"), "missing"]
    out = protect(table, EVENT_META, {}, DisclosureRules())
    assert unknowns_determined(table, out) == []


def test_the_demo_hides_no_cell_behind_a_missing_sibling(demo_file: Path) -> None:
    """On the demo, as published to anyone, no hidden count of any indicator and year can be
    solved from its hierarchy, with the missing cells known or not."""
    from geoinsight.privacy.disclosure import indicator_meta
    from geoinsight.store.gpkg import GeoPackageStore

    gate = PublishedStore(GeoPackageStore(demo_file), DisclosureRules())
    counts = [i for i, m in indicator_meta(gate).items() if m.disclosive_count]
    values = gate.values(indicators=counts)
    leaks = []
    for (indicator, year), rows in values.groupby(["indicator", "year"]):
        if (rows["status"] == "secret").any():
            tree = dict.fromkeys(rows["code"], 0.0)
            leaks += [f"{indicator} {year} {c}" for c in tree_system_leaks(tree, rows)]
    assert leaks == []
