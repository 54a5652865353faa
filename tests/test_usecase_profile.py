"""geoinsight.usecases.profile.area_profile called directly on the demo store read through a gate.

The figures a profile shows are checked against the published figures the gate gives for the
area and for the wijk and gemeente the area register puts it in.
"""

from __future__ import annotations

from typing import Any

import pytest

from geoinsight.catalog.energy_indicators import LABEL_CLASSES, class_id
from geoinsight.errors import NotFound
from geoinsight.privacy.access import Principal
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.usecases.profile import area_profile

BUURT = "BU05031102"  # Delft, Centrum-West
#: Leidschendam-Voorburg buurten whose label classes are all published, and one with most of
#: them suppressed (rule 5: a hidden class hides its non-zero siblings)
LABELS_SHOWN = "BU19160804"
LABELS_HIDDEN = "BU19161300"


def profile_of(gate: Gate, code: str, year: int | None = None,
               readable: Any = None) -> dict[str, Any]:
    return area_profile(gate, gate.catalog, code, "nl", year, readable or gate.may_read)


def figure(gate: Gate, indicator: str, code: str, year: int) -> dict[str, Any] | None:
    rows = gate.values(indicators=[indicator], codes=[code], year=year)
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {"value": None if row["value"] != row["value"] else float(row["value"]),
            "status": row["status"]}


def layers(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["layer"]: row for row in profile["indicators"]}


def test_the_comparison_rows_are_the_areas_wijk_and_gemeente(gate: Gate) -> None:
    record = gate.areas(codes=[BUURT], geometry=False).iloc[0]
    profile = profile_of(gate, BUURT)
    assert (profile["code"], profile["level"], profile["boundary_year"]) == (
        BUURT, "buurt", int(record["year"]))
    expected = [("area", BUURT), ("wijk", record["wijk_code"]),
                ("gemeente", record["gemeente_code"])]
    assert [(c["role"], c["code"]) for c in profile["compare"]] == expected
    names = gate.areas(codes=[c for _, c in expected], geometry=False).set_index("code")["name"]
    assert [c["name"] for c in profile["compare"]] == [names[c] for _, c in expected]
    # the demo holds no national figures: no country column
    assert gate.values(codes=["NL01"]).empty
    assert all("country" not in row["values"] for row in profile["indicators"])


def test_a_wijk_is_compared_with_its_gemeente_only(gate: Gate) -> None:
    record = gate.areas(codes=[BUURT], geometry=False).iloc[0]
    profile = profile_of(gate, record["wijk_code"])
    assert [(c["role"], c["code"]) for c in profile["compare"]] == [
        ("area", record["wijk_code"]), ("gemeente", record["gemeente_code"])]


@pytest.mark.parametrize("layer", ["population", "woz_mean", "distance_gp", "households"])
def test_layer_figures_are_the_published_ones_of_each_compared_area(gate: Gate,
                                                                    layer: str) -> None:
    profile = profile_of(gate, BUURT)
    row = layers(profile)[layer]
    assert row["year"] == 2024
    for compared in profile["compare"]:
        assert row["values"][compared["role"]] == figure(gate, layer, compared["code"], 2024)


def test_a_ratio_layer_is_computed_from_the_published_counts(gate: Gate) -> None:
    profile = profile_of(gate, BUURT)
    row = layers(profile)["share_65_plus"]
    for compared in profile["compare"]:
        old = figure(gate, "population_65_plus", compared["code"], 2024)
        people = figure(gate, "population", compared["code"], 2024)
        assert old is not None and people is not None
        shown = row["values"][compared["role"]]
        if old["value"] is None or people["value"] is None:
            assert shown["value"] is None
        else:
            assert shown["value"] == pytest.approx(100 * old["value"] / people["value"])


def test_the_trend_is_every_published_year_and_year_means_as_of(gate: Gate) -> None:
    rows = gate.values(indicators=["crimes_registered"], codes=[BUURT])
    series = {int(r.year): float(r.value) for r in rows.itertuples()}
    assert len(series) == 5
    latest = layers(profile_of(gate, BUURT))["crimes_registered"]
    assert latest["year"] == max(series)
    assert latest["values"]["area"]["value"] == series[max(series)]
    assert {p["year"]: p["value"] for p in latest["trend"]} == series

    older = profile_of(gate, BUURT, year=2023)
    crimes = layers(older)["crimes_registered"]
    assert crimes["year"] == 2023 and crimes["values"]["area"]["value"] == series[2023]
    assert [p["year"] for p in crimes["trend"]] == [y for y in sorted(series) if y <= 2023]
    # a layer with 2024 figures only has nothing to show as of 2023
    assert "population" not in layers(older)


def test_other_indicators_are_those_no_layer_shows(gate: Gate) -> None:
    profile = profile_of(gate, BUURT)
    shown = {i for row in profile["indicators"] for i in gate.catalog.get(row["layer"]).inputs()}
    others = {row["indicator"]: row for row in profile["other_indicators"]}
    assert "distance_school" in others and "population" not in others
    assert not set(others) & shown
    assert not any(i.startswith("labels_class_") for i in others)
    school = others["distance_school"]
    for compared in profile["compare"]:
        assert school["values"][compared["role"]] == figure(gate, "distance_school",
                                                            compared["code"], 2024)


def test_indicators_the_asker_may_not_read_are_left_out(gates: Gates, gate: Gate) -> None:
    narrowed = profile_of(gate, BUURT, readable=lambda i: i != "woz_mean")
    assert "woz_mean" not in layers(narrowed)
    assert "woz_mean" in layers(profile_of(gate, BUURT))

    assert "events_total" not in layers(profile_of(gate, BUURT))
    assert "events_total" not in {r["indicator"] for r in profile_of(gate, BUURT)[
        "other_indicators"]}
    analyst = gates.for_principal(Principal("analyst", frozenset({"ondermijning"})))
    seen = area_profile(analyst, analyst.catalog, BUURT, "nl", None, analyst.may_read)
    row = layers(seen)["events_total"]
    assert row["values"]["area"] == figure(analyst, "events_total", BUURT, row["year"])


def test_the_label_distribution_is_the_published_class_counts(gate: Gate) -> None:
    labels = profile_of(gate, LABELS_SHOWN)["labels"]
    assert labels is not None and labels["synthetic"] is True
    counts = {c: figure(gate, f"labels_class_{class_id(c)}", LABELS_SHOWN, 2026)
              for c in LABEL_CLASSES}
    assert all(f is not None and f["status"] == "ok" for f in counts.values())
    expected = {c: int(f["value"]) for c, f in counts.items() if f is not None}
    assert {c["label"]: c["count"] for c in labels["classes"]} == expected
    total = sum(expected.values())
    assert labels["total"] == total
    assert total == figure(gate, "energy_labels_valid", LABELS_SHOWN, 2026)["value"]  # type: ignore[index]
    for klass in labels["classes"]:
        assert klass["share"] == pytest.approx(100 * klass["count"] / total)


def test_the_label_total_is_the_published_count_when_classes_are_hidden(gate: Gate) -> None:
    labels = profile_of(gate, LABELS_HIDDEN)["labels"]
    assert labels is not None
    assert any(c["count"] is None for c in labels["classes"])  # classes are suppressed
    valid = figure(gate, "energy_labels_valid", LABELS_HIDDEN, 2026)
    assert valid is not None and valid["status"] == "ok"
    assert labels["total"] == valid["value"]


def test_an_unknown_area_is_not_found(gate: Gate) -> None:
    with pytest.raises(NotFound):
        profile_of(gate, "BU99999999")
    with pytest.raises(NotFound):
        profile_of(gate, "not a code")
