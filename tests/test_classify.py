"""Classification: robust breaks, upper-inclusive classes, ColorBrewer colours, Dutch labels."""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from branca.utilities import color_brewer
from hypothesis import given, settings
from hypothesis import strategies as st

from geoinsight.render.classify import Classification, classify, colors, format_number

QUANTILES = {"scheme": "quantiles", "k": 5}


@contextmanager
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def ok(values: list[float | None]) -> list[str]:
    return ["ok"] * len(values)


def uppers(result: Classification) -> list[float]:
    return [b.upper for b in result.bins]


def test_quantiles_split_evenly() -> None:
    values: list[float | None] = [float(v) for v in range(1, 11)]
    result = classify(values, ok(values), QUANTILES, "YlOrRd")
    assert [b.count for b in result.bins] == [2, 2, 2, 2, 2]
    assert result.bins[0].lower == 1.0
    assert result.bins[-1].upper == 10.0
    assert result.class_of == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_fisher_jenks_finds_clusters() -> None:
    values: list[float | None] = [1, 2, 3, 50, 51, 52, 100, 101, 102]
    result = classify(values, ok(values), {"scheme": "fisher_jenks", "k": 3}, "Greens")
    assert uppers(result) == [3, 52, 102]
    assert result.class_of == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_fisher_jenks_on_national_sized_input_is_fast() -> None:
    values = np.random.default_rng(1).lognormal(5, 1, 15_000).tolist()
    start = time.perf_counter()
    with no_warnings():
        result = classify(values, ok(values), {"scheme": "fisher_jenks", "k": 7}, "Greens")
    assert time.perf_counter() - start < 5
    assert len(result.bins) == 7
    assert sum(b.count for b in result.bins) == 15_000
    assert result.bins[-1].upper == max(values)


def test_equal_interval_keeps_empty_classes() -> None:
    values: list[float | None] = [0, 1, 2, 100]
    result = classify(values, ok(values), {"scheme": "equal_interval", "k": 4}, "PuBu")
    assert uppers(result) == [25, 50, 75, 100]
    assert [b.count for b in result.bins] == [3, 0, 0, 1]
    assert result.bins[0].lower == 0


def test_all_null_gives_no_bins_and_counts_nodata() -> None:
    values: list[float | None] = [None, None, float("nan"), None]
    statuses = ["missing", "secret", "ok", "secret"]
    with no_warnings():
        result = classify(values, statuses, QUANTILES, "YlOrRd")
    assert result.bins == []
    assert result.class_of == [None] * 4
    assert [(n.status, n.count) for n in result.nodata] == [("missing", 2), ("secret", 2)]


def test_empty_input() -> None:
    result = classify([], [], {"scheme": "explicit", "breaks": [1, 2]}, "YlOrRd")
    assert (result.bins, result.class_of) == ([], [])


@pytest.mark.parametrize("scheme", [{"scheme": s, "k": 5} for s in
                                    ("quantiles", "fisher_jenks", "equal_interval")])
def test_one_unique_value_gives_one_bin(scheme: dict) -> None:
    values: list[float | None] = [7.5] * 6
    with no_warnings():
        result = classify(values, ok(values), scheme, "YlOrRd", lang="nl")
    [only] = result.bins
    assert (only.lower, only.upper, only.count) == (7.5, 7.5, 6)
    assert only.label == "7,5"
    assert only.color == color_brewer("YlOrRd", 3)[0]
    assert result.class_of == [0] * 6


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
def test_fewer_unique_values_than_k_reduces_k(scheme: str) -> None:
    values: list[float | None] = [1, 1, 1, 2, 2, 3]
    with no_warnings():
        result = classify(values, ok(values), {"scheme": scheme, "k": 7}, "Blues")
    assert len(result.bins) <= 3
    assert len(set(uppers(result))) == len(result.bins)
    assert sum(b.count for b in result.bins) == 6
    assert [b.color for b in result.bins] == color_brewer("Blues", 3)[: len(result.bins)]


def test_ties_do_not_duplicate_bins() -> None:
    values: list[float | None] = [1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4]
    with no_warnings():
        result = classify(values, ok(values), QUANTILES, "YlOrRd")
    assert len(set(uppers(result))) == len(result.bins)
    assert all(b.count > 0 for b in result.bins)
    assert result.class_of[:8] == [0] * 8


def test_value_equal_to_a_break_falls_in_the_lower_bin() -> None:
    values: list[float | None] = [5, 10, 10.5, 20]
    result = classify(values, ok(values), {"scheme": "explicit", "breaks": [10, 20]}, "YlOrRd")
    assert result.class_of == [0, 0, 1, 1]


def test_explicit_breaks_beyond_max_add_an_open_last_bin() -> None:
    values: list[float | None] = [0.2, 0.5, 0.7, 1.5, 3.9]
    result = classify(values, ok(values), {"scheme": "explicit", "breaks": [0.5, 1, 2, 3]},
                      "OrRd", decimals=1, lang="nl")
    assert uppers(result) == [0.5, 1, 2, 3, 3.9]
    assert [b.lower for b in result.bins] == [0.2, 0.5, 1, 2, 3]
    assert [b.count for b in result.bins] == [2, 1, 1, 0, 1]
    assert [b.label for b in result.bins] == ["0,2 – 0,5", "0,5 – 1,0", "1,0 – 2,0",
                                              "2,0 – 3,0", "3,0 – 3,9"]
    assert [b.color for b in result.bins] == color_brewer("OrRd", 5)


def test_explicit_breaks_above_all_values_are_kept() -> None:
    values: list[float | None] = [5, 15]
    result = classify(values, ok(values), {"scheme": "explicit",
                                           "breaks": [20, 40, 60, 80, 100]}, "GnBu")
    assert uppers(result) == [20, 40, 60, 80, 100]
    assert [b.count for b in result.bins] == [2, 0, 0, 0, 0]


def test_explicit_breaks_must_ascend() -> None:
    with pytest.raises(ValueError, match="ascending"):
        classify([1.0], ["ok"], {"scheme": "explicit", "breaks": [3, 2]}, "GnBu")


def test_labels_dutch_and_english() -> None:
    values: list[float | None] = [0, 1500, 3000]
    explicit = {"scheme": "explicit", "breaks": [1500, 3000]}
    nl = classify(values, ok(values), explicit, "YlOrRd", decimals=0, lang="nl")
    en = classify(values, ok(values), explicit, "YlOrRd", decimals=0, lang="en")
    assert [b.label for b in nl.bins] == ["0 – 1.500", "1.500 – 3.000"]
    assert [b.label for b in en.bins] == ["0 – 1,500", "1,500 – 3,000"]
    assert [n.label for n in nl.nodata] == ["geen gegevens", "geheim / te weinig waarnemingen"]
    assert [n.label for n in en.nodata] == ["no data", "secret / too few observations"]


@pytest.mark.parametrize(("number", "decimals", "nl", "en"), [
    (1234567.891, 2, "1.234.567,89", "1,234,567.89"),
    (1500, 0, "1.500", "1,500"),
    (0.25, 1, "0,2", "0.2"),
    (-0.001, 1, "0,0", "0.0"),
    (-2500.5, 1, "-2.500,5", "-2,500.5"),
])
def test_format_number(number: float, decimals: int, nl: str, en: str) -> None:
    assert format_number(number, decimals, "nl") == nl
    assert format_number(number, decimals, "en") == en


def test_default_decimals_follow_the_values() -> None:
    small: list[float | None] = [0.2, 0.4, 0.7, 1.1, 3.9]
    result = classify(small, ok(small), {"scheme": "explicit", "breaks": [0.5, 1, 2]}, "OrRd")
    assert result.bins[0].label == "0,2 – 0,5"
    large: list[float | None] = [21.0, 2205.0, 7739.0, 23854.0]
    result = classify(large, ok(large), {"scheme": "explicit", "breaks": [2205, 7739]}, "OrRd")
    assert result.bins[0].label == "21 – 2.205"


def test_default_decimals_keep_close_breaks_apart() -> None:
    values: list[float | None] = [10.0, 10.02, 10.04, 10.06, 50.0]
    result = classify(values, ok(values), {"scheme": "explicit", "breaks": [10.02, 10.04]},
                      "OrRd", lang="en")
    labels = [b.label for b in result.bins]
    assert labels[0] == "10.00 – 10.02"
    assert len(set(labels)) == len(labels)


def test_nodata_statuses_counts_and_label_override() -> None:
    values: list[float | None] = [1.0, 2.0, None, 4.0, None, 6.0, float("inf")]
    statuses = ["ok", "estimated", "missing", "secret", "secret", "unknown", "ok"]
    result = classify(values, statuses, {"scheme": "quantiles", "k": 3}, "YlOrRd",
                      labels={"secret": "onderdrukt"})
    assert result.class_of == [0, 1, None, None, None, None, None]
    assert [(n.status, n.count, n.label) for n in result.nodata] == [
        ("missing", 3, "geen gegevens"), ("secret", 2, "onderdrukt")]
    missing, secret = result.nodata
    assert missing.color != secret.color
    assert missing.color.startswith("#") and secret.color.startswith("#")


def test_colors_small_n_and_reverse() -> None:
    three = color_brewer("PuBu", 3)
    assert colors("PuBu", 1) == three[:1]
    assert colors("PuBu", 2) == three[:2]
    assert colors("PuBu", 0) == []
    assert colors("PuBu", 6, reverse=True) == color_brewer("PuBu", 6)[::-1]


def test_reverse_palette_in_classify() -> None:
    values: list[float | None] = [1, 2, 3, 4, 5]
    plain = classify(values, ok(values), QUANTILES, "YlGnBu")
    flipped = classify(values, ok(values), QUANTILES, "YlGnBu", reverse=True)
    assert [b.color for b in flipped.bins] == [b.color for b in plain.bins][::-1]


@pytest.mark.parametrize("palette", ["Rainbow", "Set1", "YlOrRd_r"])
def test_unknown_palette(palette: str) -> None:
    with pytest.raises(ValueError, match="palette"):
        classify([1.0], ["ok"], QUANTILES, palette)


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        classify([1.0, 2.0], ["ok"], QUANTILES, "YlOrRd")


# --- properties --------------------------------------------------------------------------------

numbers = st.one_of(st.none(), st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
                    st.integers(min_value=-5, max_value=5).map(float))
statuses = st.sampled_from(["ok", "ok", "ok", "estimated", "missing", "secret"])


@st.composite
def classifications(draw: st.DrawFn) -> dict:
    scheme = draw(st.sampled_from(["quantiles", "fisher_jenks", "equal_interval", "explicit"]))
    if scheme != "explicit":
        return {"scheme": scheme, "k": draw(st.integers(min_value=3, max_value=9))}
    breaks = draw(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                           min_size=1, max_size=9, unique=True))
    return {"scheme": scheme, "breaks": sorted(breaks)}


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(numbers, statuses), max_size=60), classification=classifications(),
       lang=st.sampled_from(["nl", "en"]), reverse=st.booleans())
def test_every_valid_value_has_exactly_one_fitting_class(
        pairs: list[tuple[float | None, str]], classification: dict, lang: str,
        reverse: bool) -> None:
    values = [v for v, _ in pairs]
    states = [s for _, s in pairs]
    with no_warnings():
        result = classify(values, states, classification, "YlOrRd", reverse=reverse, lang=lang)
    valid = [v is not None and s in ("ok", "estimated") for v, s in pairs]

    assert len(result.class_of) == len(values)
    for value, is_valid, index in zip(values, valid, result.class_of, strict=True):
        if not is_valid:
            assert index is None
            continue
        assert index is not None
        assert value is not None
        chosen = result.bins[index]
        assert chosen.lower <= value <= chosen.upper
        # Exactly one: upper-inclusive, so the value is above every lower bin's upper bound.
        assert all(value > b.upper for b in result.bins[:index])
        assert all(value <= b.lower for b in result.bins[index + 1:])

    for before, after in zip(result.bins, result.bins[1:], strict=False):
        assert before.lower <= before.upper <= after.lower <= after.upper
        assert before.upper < after.upper
    assert [b.count for b in result.bins] == [result.class_of.count(i)
                                              for i in range(len(result.bins))]
    assert sum(n.count for n in result.nodata) == valid.count(False)
    assert [n.status for n in result.nodata] == ["missing", "secret"]
    assert len({b.color for b in result.bins}) == len(result.bins)
    if any(valid) and classification["scheme"] != "explicit":
        assert 1 <= len(result.bins) <= classification["k"]


def test_named_explicit_classes_take_their_own_labels_and_colours() -> None:
    scheme = {"scheme": "explicit", "breaks": [5, 6, 11],
              "labels": {"nl": ["A of beter", "B", "C t/m G"], "en": ["A+", "B", "C-G"]},
              "colors": ["#009037", "#55ab26", "#e2001a"]}
    result = classify([0, 5, 6, 9, 11, None], ["ok"] * 5 + ["missing"], scheme, "Blues")
    assert [b.label for b in result.bins] == ["A of beter", "B", "C t/m G"]
    assert [b.color for b in result.bins] == ["#009037", "#55ab26", "#e2001a"]
    assert result.class_of == [0, 0, 1, 2, 2, None]
    english = classify([0, 5, 6, 9, 11], ["ok"] * 5, scheme, "Blues", lang="en")
    assert [b.label for b in english.bins] == ["A+", "B", "C-G"]


def test_quantile_ties_never_make_overlapping_classes() -> None:
    """Six zeros among fourteen counts: "0", then classes that start above it — never "0" and
    "0 – 14" side by side."""
    values = [0, 0, 0, 0, 0, 0, 3, 5, 14, 20, 30, 40, 55, 90]
    result = classify(values, ["ok"] * len(values), {"scheme": "quantiles", "k": 5}, "Blues")
    labels = [b.label for b in result.bins]
    assert labels[0] == "0"
    ranges = [[float(x.replace(".", "").replace(",", ".")) for x in label.split(" \u2013 ")]
              for label in labels]
    for before, after in itertools.pairwise(ranges):
        assert before[-1] < after[0], labels
    # every class label is the range of its own members
    for index in range(len(result.bins)):
        mine = [v for v, c in zip(values, result.class_of, strict=True) if c == index]
        assert ranges[index][0] == min(mine) and ranges[index][-1] == max(mine)


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
def test_never_more_classes_than_distinct_values(scheme: str) -> None:
    values = [10, 10, 20, 20, 30]
    result = classify(values, ["ok"] * 5, {"scheme": scheme, "k": 5}, "Blues")
    assert len(result.bins) <= 3
    assert all(b.count > 0 for b in result.bins) or scheme == "equal_interval"


def test_five_values_five_classes_each_shows_its_value() -> None:
    result = classify([1, 2, 3, 4, 5], ["ok"] * 5, {"scheme": "quantiles", "k": 5}, "Blues")
    assert [b.label for b in result.bins] == ["1", "2", "3", "4", "5"]
