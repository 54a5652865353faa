"""Composite indices: hand-computed z-score and rank indices, statuses, groups, validation,
tier inheritance and the demo's social vulnerability index through the web API."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from flask import Flask

from geoinsight.catalog import Layer, evaluate, load_catalog, validate_dir
from geoinsight.catalog.composite import Component, Composite
from geoinsight.privacy.access import effective_tier
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.usecases import service

LAYERS = Path(__file__).resolve().parents[1] / "layers"
INDEX = "social_vulnerability_index"
QUERY = "?level=buurt&municipality=GM0503"


def composite_layer(normalisation: str, *components: tuple[str, str, float],
                    tier: str = "open") -> Layer:
    """A composite layer of (indicator, direction, weight) components."""
    composite = Composite(normalisation, tuple(Component(i, d, w) for i, d, w in components))
    return Layer(id="t", title={"nl": "Test", "en": "Test"}, description={},
                 indicator=composite.describe(), unit="", kind="index", levels=("buurt",),
                 classification={"scheme": "quantiles", "k": 5}, palette="PuBu", reverse=False,
                 tier=tier, source="test", licence="CC BY 4.0", decimals=None,
                 higher_is="worse", path=Path("t.yaml"), composite=composite)


def long(columns: dict[str, list[float]], status: dict[str, list[str]] | None = None,
         codes: list[str] | None = None) -> pd.DataFrame:
    """Long-form values from one list per indicator (status ok unless given)."""
    n = len(next(iter(columns.values())))
    codes = codes or [f"BU{i + 1}" for i in range(n)]
    rows = [(code, name, value, (status or {}).get(name, ["ok"] * n)[i])
            for name, values in columns.items() for i, (code, value) in enumerate(
                zip(codes, values, strict=True))]
    return pd.DataFrame(rows, columns=["code", "indicator", "value", "status"])


def index_of(layer: Layer, values: pd.DataFrame,
             groups: pd.Series | None = None) -> pd.DataFrame:
    return evaluate(layer, values, groups).set_index("code")


# --- the arithmetic ----------------------------------------------------------------------------


def test_zscore_index_by_hand() -> None:
    layer = composite_layer("zscore", ("woz_mean", "higher", 1), ("crimes_per_1000", "lower", 3))
    out = index_of(layer, long({"woz_mean": [1, 2, 3, 4], "crimes_per_1000": [10, 10, 20, 40]}))
    # woz_mean: mean 2.5, population std sqrt(1.25); crimes: mean 20, std sqrt(150), flipped
    za = [(x - 2.5) / math.sqrt(1.25) for x in (1, 2, 3, 4)]
    zb = [-(x - 20) / math.sqrt(150) for x in (10, 10, 20, 40)]
    expected = [(a + 3 * b) / 4 for a, b in zip(za, zb, strict=True)]
    assert out["value"].tolist() == pytest.approx(expected)
    assert out.loc["BU1", "value"] == pytest.approx((-1.3416408 + 3 * 0.8164966) / 4)
    assert set(out["status"]) == {"ok"}


def test_rank_index_by_hand() -> None:
    layer = composite_layer("rank", ("woz_mean", "higher", 1), ("crimes_per_1000", "lower", 1))
    out = index_of(layer, long({"woz_mean": [5, 1, 3, 3], "crimes_per_1000": [1, 2, 3, 4]}))
    # woz ranks 4, 1, 2.5, 2.5 -> 100, 0, 50, 50; crimes ranks 1..4 -> 0, 33.3, 66.7, 100,
    # flipped (lower is more vulnerable) -> 100, 66.7, 33.3, 0
    assert out["value"].tolist() == pytest.approx([100, 100 / 3, 125 / 3, 25])


def test_direction_flips_the_index() -> None:
    values = long({"woz_mean": [3, 1, 4, 1, 5]})
    for method in ("zscore", "rank"):
        higher = index_of(composite_layer(method, ("woz_mean", "higher", 1)), values)["value"]
        lower = index_of(composite_layer(method, ("woz_mean", "lower", 1)), values)["value"]
        flipped = -lower if method == "zscore" else 100 - lower
        assert higher.tolist() == pytest.approx(flipped.tolist())
        assert higher.idxmax() == "BU5" and lower.idxmax() in ("BU2", "BU4")


def test_weights_pull_the_index_towards_their_component() -> None:
    values = long({"woz_mean": [1, 2, 3], "crimes_per_1000": [3, 2, 1]})
    equal = index_of(composite_layer("rank", ("woz_mean", "higher", 1),
                                     ("crimes_per_1000", "higher", 1)), values)["value"]
    assert equal.tolist() == pytest.approx([50, 50, 50])
    heavy = index_of(composite_layer("rank", ("woz_mean", "higher", 3),
                                     ("crimes_per_1000", "higher", 1)), values)["value"]
    assert heavy.tolist() == pytest.approx([25, 50, 75])
    scaled = index_of(composite_layer("rank", ("woz_mean", "higher", 6),
                                      ("crimes_per_1000", "higher", 2)), values)["value"]
    assert scaled.tolist() == pytest.approx(heavy.tolist())


def test_components_may_be_expressions() -> None:
    layer = composite_layer("zscore", ("population_65_plus / population * 100", "higher", 1))
    out = index_of(layer, long({"population_65_plus": [10, 20, 30],
                                "population": [100, 100, 100]}))
    assert out["value"].tolist() == pytest.approx([-math.sqrt(1.5), 0, math.sqrt(1.5)])
    assert layer.inputs() == ("population_65_plus", "population")


def test_no_spread_gives_the_middle() -> None:
    values = long({"woz_mean": [7, 7, 7]})
    assert index_of(composite_layer("zscore", ("woz_mean", "lower", 1)),
                    values)["value"].tolist() == [0, 0, 0]
    assert index_of(composite_layer("rank", ("woz_mean", "lower", 1)),
                    values)["value"].tolist() == [50, 50, 50]


# --- statuses ----------------------------------------------------------------------------------

TWO = ("zscore", ("woz_mean", "higher", 1.0), ("crimes_per_1000", "higher", 1.0))


def test_secret_input_gives_secret_and_missing_gives_missing() -> None:
    values = long({"woz_mean": [1, 2, 3, 4, np.nan, np.nan],
                   "crimes_per_1000": [4, 3, 2, 1, 5, 5]},
                  status={"woz_mean": ["ok", "ok", "ok", "estimated", "secret", "missing"]})
    out = index_of(composite_layer(*TWO), values)
    assert out["status"].tolist() == ["ok", "ok", "ok", "estimated", "secret", "missing"]
    assert out.loc[["BU5", "BU6"], "value"].isna().all()
    # no silent reweighting: BU5 and BU6 get no index from crimes alone, and the reference set
    # is the four complete areas (their indices have mean 0)
    assert out.loc[["BU1", "BU2", "BU3", "BU4"], "value"].sum() == pytest.approx(0)


def test_a_component_absent_for_an_area_is_missing() -> None:
    values = long({"woz_mean": [1, 2, 3, 4], "crimes_per_1000": [1, 2, 3, 4]})
    values = values[~((values["code"] == "BU2") & (values["indicator"] == "crimes_per_1000"))]
    out = index_of(composite_layer(*TWO), values)
    assert out.loc["BU2", "status"] == "missing" and np.isnan(out.loc["BU2", "value"])
    # z over BU1, BU3, BU4 only: values 1, 3, 4, mean 8/3, population std sqrt(14) / 3
    assert out.loc["BU1", "value"] == pytest.approx(-5 / math.sqrt(14))


def test_fewer_than_three_complete_areas_give_no_index() -> None:
    values = long({"woz_mean": [1, 2, np.nan], "crimes_per_1000": [1, 2, 3]},
                  status={"woz_mean": ["ok", "ok", "secret"]})
    out = index_of(composite_layer(*TWO), values)
    assert out["status"].tolist() == ["missing", "missing", "secret"]
    assert out["value"].isna().all()


# --- groups ------------------------------------------------------------------------------------


def test_each_group_is_normalised_on_its_own() -> None:
    codes = ["BU1", "BU2", "BU3", "BU4", "BU5", "BU6", "BU7"]
    values = long({"woz_mean": [1, 2, 3, 101, 102, 103, 50],
                   "crimes_per_1000": [5, 1, 3, 50, 10, 30, 1]}, codes=codes)
    groups = pd.Series(["GM1", "GM1", "GM1", "GM2", "GM2", "GM2", None], index=codes)
    layer = composite_layer("rank", ("woz_mean", "higher", 1), ("crimes_per_1000", "higher", 1))
    out = index_of(layer, values, groups)
    first = out.loc[["BU1", "BU2", "BU3"], "value"].tolist()
    # woz ranks 1, 2, 3 -> 0, 50, 100; crimes ranks 3, 1, 2 -> 100, 0, 50
    assert first == pytest.approx([50, 25, 75])
    assert out.loc[["BU4", "BU5", "BU6"], "value"].tolist() == pytest.approx(first)
    assert out.loc["BU7", "status"] == "missing"  # in no group: no reference set
    together = index_of(layer, values)["value"]  # one group: GM2's high values dominate
    assert together.loc["BU4"] > together.loc["BU1"]


def test_a_small_group_is_missing_while_others_are_not() -> None:
    codes = ["BU1", "BU2", "BU3", "BU4", "BU5"]
    values = long({"woz_mean": [1, 2, 3, 4, 5], "crimes_per_1000": [1, 2, 3, 4, 5]}, codes=codes)
    groups = pd.Series(["GM1", "GM1", "GM1", "GM2", "GM2"], index=codes)
    out = index_of(composite_layer(*TWO), values, groups)
    assert out["status"].tolist() == ["ok", "ok", "ok", "missing", "missing"]


# --- the layer file ----------------------------------------------------------------------------


def composite_doc(layer_id: str, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": layer_id,
        "title": {"nl": "Kwetsbaarheid", "en": "Vulnerability"},
        "composite": {"normalisation": "zscore", "components": [
            {"indicator": "woz_mean", "direction": "lower", "weight": 2},
            {"indicator": "population_65_plus / population * 100", "direction": "higher"}]},
        "unit": "standaardscore", "kind": "index", "levels": ["buurt"],
        "classification": {"scheme": "quantiles", "k": 5}, "palette": "OrRd",
        "source": "CBS", "licence": "CC BY 4.0", "theme": "social", "tier": "open",
    }
    doc.update(changes)
    return doc


def components(*items: dict[str, Any], normalisation: str = "zscore") -> dict[str, Any]:
    return {"normalisation": normalisation, "components": list(items)}


WOZ = {"indicator": "woz_mean", "direction": "lower"}

BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    ("both", composite_doc("both", indicator="woz_mean"), "indicator", "together with composite"),
    ("neither", {k: v for k, v in composite_doc("neither").items() if k != "composite"},
     "indicator", "composite"),
    ("not_index", composite_doc("not_index", kind="share"), "kind", "must be index"),
    ("empty", composite_doc("empty", composite=components()), "composite.components",
     "at least 1"),
    ("direction", composite_doc("direction", composite=components({**WOZ, "direction": "up"})),
     "composite.components.0.direction", "lower, higher"),
    ("zero_weight", composite_doc("zero_weight", composite=components({**WOZ, "weight": 0})),
     "composite.components.0.weight", "more than 0"),
    ("negative", composite_doc("negative", composite=components(WOZ, {**WOZ, "weight": -1,
                                                                      "indicator": "population"})),
     "composite.components.1.weight", "more than 0"),
    ("unknown", composite_doc("unknown", composite=components(
        WOZ, {"indicator": "crimes_per_100", "direction": "higher"})),
     "composite.components.1.indicator", "did you mean 'crimes_per_1000'"),
    ("evil", composite_doc("evil", composite=components(
        {"indicator": "__import__('os')", "direction": "higher"})),
     "composite.components.0.indicator", "function call"),
    ("normalisation", composite_doc("normalisation", composite=components(
        WOZ, normalisation="minmax")), "composite.normalisation", "zscore, rank"),
    ("no_direction", composite_doc("no_direction", composite=components(
        {"indicator": "woz_mean"})), "composite.components.0.direction", "is required"),
    ("repeated", composite_doc("repeated", composite=components(WOZ, {**WOZ, "weight": 2})),
     "composite.components.1.indicator", "repeats component 0"),
]


@pytest.mark.parametrize(("stem", "doc", "field", "fragment"), BROKEN,
                         ids=[case[0] for case in BROKEN])
def test_broken_composite_is_named_with_its_field(tmp_path: Path, stem: str, doc: dict[str, Any],
                                                  field: str, fragment: str) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(composite_doc("good")), encoding="utf-8")
    (tmp_path / f"{stem}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    problems = validate_dir(tmp_path)
    assert {p.file.split("/")[-1] for p in problems} == {f"{stem}.yaml"}, problems
    assert [p for p in problems if p.field == field and fragment in p.message], problems


def test_a_composite_file_loads(tmp_path: Path) -> None:
    (tmp_path / "vuln.yaml").write_text(yaml.safe_dump(composite_doc("vuln")), encoding="utf-8")
    layer = load_catalog(tmp_path).get("vuln")
    assert layer.composite is not None and layer.composite.normalisation == "zscore"
    assert [c.weight for c in layer.composite.components] == [2.0, 1.0]
    assert layer.inputs() == ("woz_mean", "population_65_plus", "population")
    assert "woz_mean (lower, weight 2)" in layer.indicator
    described = layer.as_dict()
    assert described["composite"]["components"][1]["direction"] == "higher"
    assert described["inputs"] == ["woz_mean", "population_65_plus", "population"]


def test_a_plain_layer_has_no_composite() -> None:
    catalog = load_catalog(LAYERS)
    assert catalog.get("woz_mean").as_dict()["composite"] is None
    index = catalog.get(INDEX)
    assert index.kind == "index" and index.tier == "internal" and index.composite is not None
    assert set(index.inputs()) == {"woz_mean", "pct_owner_occupied", "health_good_pct",
                                   "crimes_per_1000"}


# --- tiers -------------------------------------------------------------------------------------


def test_an_index_is_as_protected_as_its_strictest_input() -> None:
    open_index = composite_layer(*TWO)
    assert effective_tier(open_index, {"woz_mean": "open", "crimes_per_1000": "open"}) == "open"
    assert effective_tier(open_index, {"crimes_per_1000": "restricted"}) == "restricted"
    assert effective_tier(open_index, {"woz_mean": "internal"}) == "internal"
    own = composite_layer(*TWO, tier="internal")
    assert effective_tier(own, {}) == "internal"
    assert effective_tier(own, {"crimes_per_1000": "restricted"}) == "restricted"


# --- the reference set ---------------------------------------------------------------------------


def test_an_index_does_not_depend_on_the_areas_asked_for(demo_settings: Settings) -> None:
    store = PublishedStore(open_store(demo_settings), DisclosureRules())
    layer = load_catalog(LAYERS).get(INDEX)

    def index(areas: pd.DataFrame) -> pd.Series:
        out = service.evaluate_areas(store, layer, "buurt", areas, 2022, 2024)
        return out.set_index("code")["value"].reindex(areas["code"])

    # the test area's buurten 2022: 4 of Den Haag (GM0518), 10 of Leidschendam-Voorburg (GM1916)
    both = store.areas(level="buurt", year=2022, geometry=False)
    assert set(both["gemeente_code"]) == {"GM0518", "GM1916"}
    together = index(both)
    assert together.notna().sum() >= 10
    for gemeente, own in both.groupby("gemeente_code"):
        alone = index(own)
        assert alone.tolist() == pytest.approx(together.loc[own["code"]].tolist(), nan_ok=True)
        assert alone.sum() == pytest.approx(0, abs=1e-9), gemeente  # z-scores per gemeente
        assert index(own.head(2)).tolist() == pytest.approx(alone.head(2).tolist(), nan_ok=True)


# --- through the web ---------------------------------------------------------------------------


@pytest.fixture
def staff(demo_settings: Settings) -> Callable[[], dict[str, str]]:
    from geoinsight.privacy.accounts import open_accounts

    def make() -> dict[str, str]:
        accounts = open_accounts(demo_settings)
        accounts.add_user("medewerker", ["staff"], "a long enough password")
        return {"Authorization": f"Bearer {accounts.new_token('medewerker')}"}

    return make


def test_the_internal_index_is_hidden_from_visitors(app: Flask) -> None:
    client = app.test_client()
    ids = {layer["id"] for layer in client.get("/api/layers").get_json()["layers"]}
    assert INDEX not in ids and "woz_mean" in ids
    answer = client.get(f"/api/layers/{INDEX}/values" + QUERY)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_layer"
    page = client.get(f"/map/{INDEX}" + QUERY, headers={"Accept": "text/html"})
    assert page.status_code == 404


def test_staff_see_the_index_and_it_does_not_depend_on_the_request(
        app: Flask, staff: Callable[[], dict[str, str]]) -> None:
    client = app.test_client()
    auth = staff()
    ids = {layer["id"] for layer in client.get("/api/layers", headers=auth).get_json()["layers"]}
    assert INDEX in ids
    scoped = client.get(f"/api/layers/{INDEX}/values" + QUERY, headers=auth)
    assert scoped.status_code == 200
    rows = {r["code"]: r for r in scoped.get_json()["values"]}
    assert len(rows) == 91
    shown = [r for r in rows.values() if r["value"] is not None]
    assert len(shown) >= 60 and {r["status"] for r in shown} <= {"ok", "estimated"}
    assert sum(r["value"] for r in shown) == pytest.approx(0, abs=1e-9)  # z-scores, one gemeente
    everywhere = client.get(f"/api/layers/{INDEX}/values?level=buurt", headers=auth).get_json()
    for row in everywhere["values"]:
        if row["code"] in rows:
            assert row["value"] == rows[row["code"]]["value"], row["code"]
            assert row["status"] == rows[row["code"]]["status"]
    assert {r["code"] for r in everywhere["values"]} & set(rows)
    page = client.get(f"/map/{INDEX}" + QUERY, headers={**auth, "Accept": "text/html"})
    assert page.status_code == 200 and "Sociale kwetsbaarheidsindex" in page.get_data(as_text=True)
    # the profile shows no index beside wijk, gemeente and country (other reference sets)
    profile = client.get("/api/areas/BU05031102", headers=auth).get_json()
    layers = {row["layer"] for row in profile["indicators"]}
    assert "woz_mean" in layers and INDEX not in layers
