"""The layer catalogue: the real layers validate, broken files are named, values resolve."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from geoinsight.catalog import (
    Catalog,
    ExpressionError,
    Layer,
    Problem,
    evaluate,
    load_catalog,
    parse_expression,
    validate_dir,
)
from geoinsight.catalog.indicators import known
from geoinsight.errors import BadRequest, ConfigError, NotFound
from geoinsight.privacy.access import effective_tier
from geoinsight.rasters import is_figure_of
from geoinsight.render.classify import palette_names

LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers"

REQUIRED_EXPRESSIONS = {
    "population_65_plus / population * 100",
    "population_0_14 / population * 100",
    "population_density",
    "woz_mean",
    "pct_owner_occupied",
    "households",
    "household_size",
    "crimes_per_1000",
    "crimes_registered",
    "health_good_pct",
    "distance_gp",
    "address_density",
    "pct_single_family",
}


def layer_doc(layer_id: str, **changes: Any) -> dict[str, Any]:
    """A valid layer document, changed where a test needs it."""
    doc: dict[str, Any] = {
        "id": layer_id,
        "title": {"nl": "Aandeel inwoners van 65 jaar en ouder",
                  "en": "Share of inhabitants aged 65 and over"},
        "indicator": "population_65_plus / population * 100",
        "unit": "%",
        "kind": "share",
        "levels": ["gemeente", "wijk", "buurt"],
        "classification": {"scheme": "quantiles", "k": 5},
        "palette": "PuBu",
        "source": "CBS Kerncijfers wijken en buurten 2024",
        "licence": "CC BY 4.0",
        "theme": "population",
        "tier": "open",
    }
    doc.update(changes)
    return doc


def write(directory: Path, name: str, doc: dict[str, Any] | str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_layer(indicator: str) -> Layer:
    return Layer(id="t", title={"nl": "Test", "en": "Test"}, description={}, indicator=indicator,
                 unit="%", kind="share", levels=("buurt",),
                 classification={"scheme": "quantiles", "k": 5}, palette="PuBu", reverse=False,
                 tier="open", source="test", licence="CC BY 4.0", decimals=None,
                 higher_is="neutral", path=Path("t.yaml"))


# --- the real catalogue ------------------------------------------------------------------------


def test_real_layers_validate_without_problems() -> None:
    assert validate_dir(LAYERS_DIR) == []


def test_real_catalogue_has_the_required_layers() -> None:
    catalog = load_catalog(LAYERS_DIR)
    assert len(catalog) >= 12
    expressions = {layer.indicator for layer in catalog}
    assert REQUIRED_EXPRESSIONS - expressions == set()
    assert list(catalog.layers) == sorted(catalog.layers)


def test_real_layers_are_consistent() -> None:
    for layer in load_catalog(LAYERS_DIR):
        assert layer.path.stem == layer.id
        raster = layer.raster
        assert {i for i in layer.inputs()
                if not (raster and is_figure_of(raster, i))} <= set(known())
        assert layer.palette in palette_names()
        assert layer.title["nl"] != layer.title["en"]
        # open data (CBS, BAG), a municipality's own register, which is never open, or a
        # raster, whose source and licence are those it was ingested with
        own = "Eigen registratie" in layer.source
        assert layer.source and (layer.licence in ("CC BY 4.0", "CC0") or own or raster)
        tiers = {i: known()[i].tier for i in layer.inputs() if i in known()}
        assert not own or effective_tier(layer, tiers) == "restricted"


def test_crime_and_health_layers_skip_wijk_level() -> None:
    """The demo has no crime or health figures per wijk; offering the level shows an empty map."""
    catalog = load_catalog(LAYERS_DIR)
    for layer in catalog:
        if {"crimes_registered", "crimes_per_1000", "health_good_pct"} & set(layer.inputs()):
            assert "wijk" not in layer.levels, layer.id
    assert "wijk" in {lv for layer in catalog for lv in layer.levels}


# --- broken files ------------------------------------------------------------------------------

BROKEN: list[tuple[str, dict[str, Any] | str, str, str]] = [
    ("bad_yaml", 'id: bad_yaml\ntitle: {nl: "Inwoners", en: "Inhabitants"\nunit: x\n', "", "line"),
    ("no_en", layer_doc("no_en", title={"nl": "Inwoners"}), "title.en", "required"),
    ("k_high", layer_doc("k_high", classification={"scheme": "quantiles", "k": 12}),
     "classification.k", "3 to 9"),
    ("k_low", layer_doc("k_low", classification={"scheme": "fisher_jenks", "k": 2}),
     "classification.k", "3 to 9"),
    ("unknown_ind", layer_doc("unknown_ind", indicator="populaton_65_plus / population"),
     "indicator", "populaton_65_plus"),
    ("evil", layer_doc("evil", indicator="__import__('os')"), "indicator", "function call"),
    ("power", layer_doc("power", indicator="population ** 2"), "indicator", "**"),
    ("syntax", layer_doc("syntax", indicator="population / (households"), "indicator",
     "not a valid expression"),
    ("mismatch", layer_doc("other_id"), "id", "file name"),
    ("bad_palette", layer_doc("bad_palette", palette="Rainbow"), "palette", "Rainbow"),
    ("qualitative", layer_doc("qualitative", palette="Set1"), "palette", "Set1"),
    ("descending", layer_doc("descending",
                             classification={"scheme": "explicit", "breaks": [10, 30, 20]}),
     "classification.breaks", "ascending"),
    ("k_and_explicit", layer_doc("k_and_explicit", classification={"scheme": "explicit", "k": 5}),
     "classification.breaks", "required"),
    ("extra_field", layer_doc("extra_field", colour="red"), "colour", "not a known field"),
    ("bad_level", layer_doc("bad_level", levels=["buurt", "stad"]), "levels.1", "gemeente"),
    ("no_levels", layer_doc("no_levels", levels=[]), "levels", "at least 1"),
    ("bad_tier", layer_doc("bad_tier", tier="secret"), "tier", "open"),
    ("bad_kind", layer_doc("bad_kind", kind="ratio"), "kind", "ratio"),
]


@pytest.mark.parametrize(("stem", "doc", "field", "fragment"), BROKEN,
                         ids=[case[0] for case in BROKEN])
def test_broken_file_is_named_with_its_field(tmp_path: Path, stem: str,
                                             doc: dict[str, Any] | str, field: str,
                                             fragment: str) -> None:
    layers = tmp_path / "layers"
    write(layers, "good.yaml", layer_doc("good"))
    write(layers, f"{stem}.yaml", doc)
    problems = validate_dir(layers)
    assert problems, "a broken file must produce a problem"
    assert {p.file for p in problems} == {f"layers/{stem}.yaml"}
    matching = [p for p in problems if p.field == field and fragment in p.message]
    assert matching, problems


def test_all_problems_in_all_files_are_reported(tmp_path: Path) -> None:
    for stem, doc, _, _ in BROKEN:
        write(tmp_path, f"{stem}.yaml", doc)
    problems = validate_dir(tmp_path)
    assert {p.file.split("/")[-1] for p in problems} == {f"{case[0]}.yaml" for case in BROKEN}


def test_several_problems_in_one_file(tmp_path: Path) -> None:
    doc = layer_doc("many", title={"nl": "Inwoners"}, palette="Rainbow", kind="ratio")
    write(tmp_path, "many.yaml", doc)
    fields = {p.field for p in validate_dir(tmp_path)}
    assert {"title.en", "palette", "kind"} <= fields


def test_expression_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write(tmp_path, "evil.yaml",
          layer_doc("evil", indicator=f"__import__('pathlib').Path({str(marker)!r}).touch()"))
    assert [p.field for p in validate_dir(tmp_path)] == ["indicator"]
    with pytest.raises(ExpressionError):
        evaluate(make_layer(f"open({str(marker)!r}, 'w')"), pd.DataFrame(
            columns=["code", "indicator", "value", "status"]))
    assert not marker.exists()


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "twin.yaml", layer_doc("twin"))
    write(tmp_path, "twin.yml", layer_doc("twin"))
    problems = validate_dir(tmp_path)
    assert [(p.field, "already used" in p.message) for p in problems] == [("id", True)]


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    text = yaml.safe_dump(layer_doc("dup")) + "unit: km\n"
    write(tmp_path, "dup.yaml", text)
    [problem] = validate_dir(tmp_path)
    assert "duplicate key 'unit'" in problem.message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    write(tmp_path, "odd.yaml", text)
    [problem] = validate_dir(tmp_path)
    assert "expected a mapping" in problem.message


def test_problem_str_names_file_and_field() -> None:
    problem = Problem("layers/foo.yaml", "classification.k", "must be from 3 to 9, not 12")
    assert str(problem) == "layers/foo.yaml: classification.k: must be from 3 to 9, not 12"
    assert str(Problem("layers/foo.yaml", "", "is empty")) == "layers/foo.yaml: is empty"


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    [problem] = validate_dir(tmp_path / "nowhere")
    assert "not a directory" in problem.message


def test_load_catalog_raises_config_error_naming_file_and_field(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    write(layers, "a_ok.yaml", layer_doc("a_ok"))
    write(layers, "b_bad.yaml", layer_doc("b_bad", classification={"scheme": "quantiles",
                                                                   "k": 12}))
    with pytest.raises(ConfigError) as caught:
        load_catalog(layers)
    assert caught.value.path == "layers/b_bad.yaml"
    assert "classification.k" in caught.value.message
    assert caught.value.one_line().endswith("(layers/b_bad.yaml)")


# --- the catalogue object ----------------------------------------------------------------------


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    write(tmp_path, "zeta.yaml", layer_doc("zeta", levels=["buurt"], reverse=True,
                                           decimals=1, higher_is="worse"))
    write(tmp_path, "alpha.yaml", layer_doc("alpha", indicator="population",
                                            levels=["gemeente", "wijk"], tier="internal",
                                            description={"nl": "Uitleg", "en": "Explanation"}))
    return load_catalog(tmp_path)


def test_catalog_is_ordered_and_filled_with_defaults(catalog: Catalog) -> None:
    assert list(catalog.layers) == ["alpha", "zeta"]
    alpha, zeta = catalog.get("alpha"), catalog.get("zeta")
    assert (alpha.tier, alpha.reverse, alpha.decimals, alpha.higher_is) == \
        ("internal", False, None, "neutral")
    assert (zeta.tier, zeta.reverse, zeta.decimals, zeta.higher_is) == ("open", True, 1, "worse")
    assert zeta.description == {}
    assert alpha.levels == ("gemeente", "wijk")
    assert alpha.path.name == "alpha.yaml"


def test_get_unknown_layer(catalog: Catalog) -> None:
    with pytest.raises(NotFound) as caught:
        catalog.get("nope")
    assert caught.value.code == "unknown_layer"
    assert caught.value.status == 404


def test_for_level(catalog: Catalog) -> None:
    assert [layer.id for layer in catalog.for_level("buurt")] == ["zeta"]
    assert [layer.id for layer in catalog.for_level("gemeente")] == ["alpha"]
    with pytest.raises(BadRequest) as caught:
        catalog.for_level("provincie")
    assert caught.value.code == "bad_level"


def test_title_in_falls_back_to_dutch(catalog: Catalog) -> None:
    layer = catalog.get("alpha")
    assert layer.title_in("en") == "Share of inhabitants aged 65 and over"
    assert layer.title_in("fr") == "Aandeel inwoners van 65 jaar en ouder"


def test_inputs_in_order_without_repeats() -> None:
    layer = make_layer("population_65_plus / (population_65_plus + population_0_14) * 100")
    assert layer.inputs() == ("population_65_plus", "population_0_14")
    assert make_layer("population").inputs() == ("population",)


@pytest.mark.parametrize("text", ["a.b", "a[0]", "f(x)", "a if b else c", "a < b", "a ** 2",
                                  "a // 2", "a % 2", "lambda: 1", "True + a", "(a, b)", "1j + a"])
def test_parse_expression_rejects_non_arithmetic(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


# --- evaluate ----------------------------------------------------------------------------------


def frame(rows: list[tuple[str, str, float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "indicator", "value", "status"])


SHARE = make_layer("population_65_plus / population * 100")


def test_evaluate_expression_values_and_shape() -> None:
    values = frame([
        ("BU2", "population", 200.0, "ok"), ("BU2", "population_65_plus", 50.0, "ok"),
        ("BU1", "population", 1000.0, "ok"), ("BU1", "population_65_plus", 150.0, "ok"),
        ("BU1", "households", 400.0, "ok"),
    ])
    result = evaluate(SHARE, values)
    assert list(result.columns) == ["code", "value", "status"]
    assert result["code"].tolist() == ["BU1", "BU2"]
    assert result["value"].tolist() == pytest.approx([15.0, 25.0])
    assert result["status"].tolist() == ["ok", "ok"]


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("ok", "ok", "ok"),
    ("ok", "estimated", "estimated"),
    ("estimated", "estimated", "estimated"),
    ("estimated", "missing", "missing"),
    ("ok", "missing", "missing"),
    ("missing", "secret", "secret"),
    ("secret", "estimated", "secret"),
    ("ok", "secret", "secret"),
])
def test_evaluate_status_propagation(first: str, second: str, expected: str) -> None:
    def value(status: str) -> float | None:
        return 10.0 if status in ("ok", "estimated") else None

    values = frame([("BU1", "population_65_plus", value(first), first),
                    ("BU1", "population", value(second), second)])
    [row] = evaluate(SHARE, values).to_dict("records")
    assert row["status"] == expected
    if expected in ("ok", "estimated"):
        assert row["value"] == pytest.approx(100.0)
    else:
        assert math.isnan(row["value"])


def test_evaluate_absent_input_counts_as_missing() -> None:
    values = frame([("BU1", "population_65_plus", 10.0, "ok"), ("BU1", "population", 100.0, "ok"),
                    ("BU2", "population_65_plus", 10.0, "ok")])
    result = evaluate(SHARE, values).set_index("code")
    assert result.loc["BU2", "status"] == "missing"
    assert math.isnan(result.loc["BU2", "value"])
    assert result.loc["BU1", "status"] == "ok"


def test_evaluate_code_without_any_input_rows_is_missing() -> None:
    values = frame([("BU1", "households", 10.0, "ok")])
    [row] = evaluate(SHARE, values).to_dict("records")
    assert (row["code"], row["status"]) == ("BU1", "missing")


def test_evaluate_division_by_zero_is_missing() -> None:
    values = frame([("BU1", "population_65_plus", 5.0, "ok"), ("BU1", "population", 0.0, "ok"),
                    ("BU2", "population_65_plus", 0.0, "estimated"),
                    ("BU2", "population", 0.0, "ok"),
                    ("BU3", "population_65_plus", None, "secret"),
                    ("BU3", "population", 0.0, "ok")])
    result = evaluate(SHARE, values).set_index("code")
    assert result["status"].to_dict() == {"BU1": "missing", "BU2": "missing", "BU3": "secret"}
    assert result["value"].isna().all()
    assert not np.isinf(result["value"]).any()


def test_evaluate_ok_status_without_a_value_is_missing() -> None:
    values = frame([("BU1", "population_65_plus", None, "ok"), ("BU1", "population", 10.0, "ok")])
    [row] = evaluate(SHARE, values).to_dict("records")
    assert row["status"] == "missing"


def test_evaluate_plain_indicator_and_unary_minus() -> None:
    values = frame([("GM1", "population", 300.0, "estimated"), ("GM2", "population", None,
                                                                 "secret")])
    plain = evaluate(make_layer("population"), values).set_index("code")
    assert plain.loc["GM1", "value"] == 300.0
    assert plain["status"].to_dict() == {"GM1": "estimated", "GM2": "secret"}
    negated = evaluate(make_layer("-(population - 100) * 2 / 4"), values).set_index("code")
    assert negated.loc["GM1", "value"] == pytest.approx(-100.0)


def test_evaluate_rejects_several_years() -> None:
    values = frame([("BU1", "population", 1.0, "ok"), ("BU1", "population", 2.0, "ok")])
    with pytest.raises(ValueError, match="one year"):
        evaluate(make_layer("population"), values)


def test_evaluate_empty_frame() -> None:
    result = evaluate(SHARE, frame([]))
    assert list(result.columns) == ["code", "value", "status"]
    assert result.empty


def test_base_suppresses_small_areas(tmp_path: Path) -> None:
    (tmp_path / "share.yaml").write_text(
        'id: share\ntitle: {nl: "a", en: "b"}\n'
        "indicator: population_65_plus / population * 100\nunit: \"%\"\n"
        "kind: share\nlevels: [buurt]\nclassification: {scheme: quantiles, k: 3}\n"
        "palette: Blues\nsource: x\nlicence: y\ntheme: population\ntier: open\n"
        "base: {indicator: population, min: 50}\n")
    layer = load_catalog(tmp_path).get("share")
    values = pd.DataFrame({
        "code": ["BU1", "BU1", "BU2", "BU2", "BU3", "BU3"],
        "indicator": ["population_65_plus", "population"] * 3,
        "value": [5.0, 5.0, 30.0, 300.0, 1.0, np.nan],
        "status": ["ok", "ok", "ok", "ok", "ok", "secret"]})
    out = evaluate(layer, values).set_index("code")
    assert out.loc["BU1", "status"] == "secret" and np.isnan(out.loc["BU1", "value"])
    assert out.loc["BU2", "status"] == "ok" and out.loc["BU2", "value"] == 10.0
    assert out.loc["BU3", "status"] == "secret"
    (tmp_path / "share.yaml").write_text((tmp_path / "share.yaml").read_text().replace(
        "indicator: population, min", "indicator: no_such_thing, min"))
    assert [p.field for p in validate_dir(tmp_path)] == ["base.indicator"]


def test_named_classes_need_one_name_and_colour_per_break(tmp_path: Path) -> None:
    (tmp_path / "lab.yaml").write_text(
        'id: lab\ntitle: {nl: "a", en: "b"}\nindicator: energy_label_median_rank\nunit: ""\n'
        "kind: index\nlevels: [buurt]\npalette: Blues\nsource: x\nlicence: y\ntheme: social\n"
        "tier: open\n"
        "classification: {scheme: explicit, breaks: [5, 6], labels: {nl: [A, B, C], en: [A, B]},"
        " colors: ['#000000']}\n")
    assert sorted(p.field for p in validate_dir(tmp_path)) == [
        "classification.colors", "classification.labels.nl"]


def test_a_layer_without_a_tier_is_refused(tmp_path: Path) -> None:
    """No layer is open by default: a file that forgets its tier is an error, named."""
    doc = layer_doc("untiered")
    del doc["tier"]
    write(tmp_path, "untiered.yaml", doc)
    problems = [str(p) for p in validate_dir(tmp_path)]
    assert len(problems) == 1 and "tier" in problems[0] and "untiered.yaml" in problems[0]


def test_every_listed_tier_is_the_effective_one(tmp_path: Path) -> None:
    """A layer declared open over restricted event counts is restricted wherever it is listed,
    and hidden from whoever may not read restricted data."""
    from geoinsight.privacy.access import (
        ANONYMOUS,
        Principal,
        visible_catalog,
        with_effective_tiers,
    )

    write(tmp_path, "mixed.yaml", layer_doc("mixed", indicator="events_total + population",
                                            kind="count", unit="meldingen"))
    catalog = load_catalog(tmp_path)
    tiers = {"events_total": "restricted", "population": "open"}
    assert catalog.get("mixed").tier == "open"  # as declared
    assert with_effective_tiers(catalog, tiers).get("mixed").tier == "restricted"
    ondermijning = Principal("o", frozenset({"ondermijning"}))
    assert visible_catalog(catalog, ondermijning, tiers).get("mixed").tier == "restricted"
    assert "mixed" not in visible_catalog(catalog, ANONYMOUS, tiers)
