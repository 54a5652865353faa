"""The planning view over HTTP: the page, /api/planning as JSON, CSV and XLSX, and its errors.

The demo store holds two planning areas: GM0518 ('s-Gravenhage, 4 buurten of the test area) and
GM1916 (Leidschendam-Voorburg, 10 buurten). Their energy labels are synthetic; the KWB energy and
corporation figures and the low-income inputs are absent, so they must show as missing, never as
zero. With the default weights the inputs the demo has (labels 3, building year 2 of 13) carry
less than half of the weight: no area is scored, and every page and answer says why.
``AVAILABLE`` puts the weight on the inputs the demo has, as the planner can.
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import four_buurten_store
from flask.testing import FlaskClient

from geoinsight.settings import Settings
from geoinsight.web import create_app

DEN_HAAG = "GM0518"
LV = "GM1916"
INPUTS = ["poor_labels", "gas_use", "old_stock", "low_income", "energy_poverty",
          "corporation_owned", "owner_occupied", "district_heating"]
MISSING_INPUTS = {"gas_use", "low_income", "energy_poverty", "corporation_owned",
                  "district_heating"}
#: the inputs the demo has, at their scheme weights (owner_occupied raised from 0 to 1)
AVAILABLE = "gas_use:0,low_income:0,energy_poverty:0,corporation_owned:0,owner_occupied:1"
API = "/api/planning?scheme=energy_transition&level=buurt&municipality="


def only(input_id: str) -> str:
    """A weights parameter that puts all weight on one input."""
    return ",".join(f"{i}:{1 if i == input_id else 0}" for i in INPUTS)


def plan_of(client: FlaskClient, municipality: str, weights: str = "") -> dict[str, Any]:
    url = API + municipality + (f"&weights={weights}" if weights else "")
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def error_of(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def embedded(html: str, element_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>',
                      html, re.S)
    assert match, f"no #{element_id} data block"
    assert "<" not in match.group(1), "markup in a data block could close the <script>"
    return json.loads(match.group(1))


def body_rows(html: str) -> list[str]:
    tbody = re.search(r'<table[^>]*id="gi-plan-table".*?<tbody>(.*?)</tbody>', html, re.S)
    assert tbody, "no ranking table"
    return re.findall(r"<tr data-code=\"[^\"]+\">.*?</tr>", tbody.group(1), re.S)


def cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def text_of(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def assert_competition_ranks(rows: list[dict[str, Any]], key: Any) -> None:
    """Each rank is 1 + the number of rows with a strictly higher key (ties share a rank)."""
    for row in rows:
        higher = sum(1 for other in rows if key(other) > key(row) + 1e-9)
        assert row["rank"] == higher + 1, (row["code"], row["rank"], higher)


# --- the page ----------------------------------------------------------------------------


def test_page_renders_dutch_ranking_with_banner_and_missing_inputs(client: FlaskClient) -> None:
    response = client.get(f"/planning?municipality={DEN_HAAG}&weights={AVAILABLE}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Prioriteit energietransitie" in html
    assert 'id="gi-plan-synthetic"' in html and "synthetische demodata" in html.lower()

    rows = body_rows(html)
    assert len(rows) == 4
    plan = embedded(html, "gi-plan")
    assert [r["code"] for r in plan["rows"]] == re.findall(r'data-code="([^"]+)"', "".join(rows))
    assert plan["synthetic"] is True

    # columns: rank, name, score, used, then one per input in scheme order
    low_income = 4 + INPUTS.index("low_income")
    poor_labels = 4 + INPUTS.index("poor_labels")
    for row, data in zip(rows, plan["rows"], strict=True):
        row_cells = cells(row)
        assert len(row_cells) == 4 + len(INPUTS)
        assert text_of(row_cells[0]) == str(data["rank"])
        assert f'href="/areas/{data["code"]}"' in row_cells[1]
        assert "gi-missing" in row_cells[low_income] and "geen gegevens" in row_cells[low_income]
        assert not re.search(r"\d", text_of(row_cells[low_income])), "a missing input as a number"
        assert text_of(row_cells[poor_labels]).endswith("%")
        assert text_of(row_cells[3]) == "3/3 (100%)"
    # the weights panel marks every absent input, says why, and disables its slider
    assert html.count("ontbreekt in deze gemeente") == len(MISSING_INPUTS)
    assert html.count('class="gi-plan-missing-why"') == len(MISSING_INPUTS)
    assert "niet geladen: geen cijfers in de opslag" in html
    assert "niet geladen: geen cijfers van Aandeel huishoudens met een laag inkomen" in html
    for input_id in MISSING_INPUTS:
        slider = re.search(rf'<input type="range" id="gi-w-{input_id}"[^>]*>', html, re.S)
        assert slider and "disabled" in slider.group(0)
    assert "hoger = eerder" in html and "lager = eerder" in html


def test_page_loads_everything_from_this_host_and_embeds_safe_json(client: FlaskClient) -> None:
    response = client.get(f"/planning?municipality={LV}")
    html = response.get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")) or "creativecommons" in url, url
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert "/static/js/planning.js" in html and "/static/css/planning.css" in html
    # no inline executable script: only data blocks, which the CSP never runs
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all('type="application/json"' in attrs for attrs in inline)
    config = embedded(html, "gi-plan-config")
    assert config["api_url"].startswith("/api/planning?") and LV in config["api_url"]
    assert config["areas_url"].startswith("/api/areas?") and "{code}" in config["profile_url"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split(";")[1]


def test_page_export_links_carry_the_weights_of_the_address(client: FlaskClient) -> None:
    html = client.get(f"/planning?municipality={LV}&weights=owner_occupied:0,poor_labels:4.5"
                      ).get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        link = re.search(rf'id="gi-export-{fmt}" href="([^"]+)"', html)
        assert link, f"no {fmt} export link"
        href = htmllib.unescape(link.group(1))
        assert href.startswith("/api/planning?") and href.endswith(f"&format={fmt}")
        assert "owner_occupied:0" in href and "poor_labels:4.5" in href and "old_stock:2" in href
    assert re.search(r'id="gi-w-owner_occupied"[^>]*value="0"', html)


def test_page_in_english(client: FlaskClient) -> None:
    html = client.get(f"/planning?municipality={DEN_HAAG}&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Energy-transition priority" in html
    assert "missing here" in html and "higher = sooner" in html and "no data" in html
    assert "synthetic demo data" in html.lower()


def test_page_without_synthetic_inputs_has_no_banner(client: FlaskClient) -> None:
    html = client.get("/planning?municipality=GM0503").get_data(as_text=True)
    assert embedded(html, "gi-plan")["synthetic"] is False
    assert 'id="gi-plan-synthetic"' not in html


def test_page_gemeente_picker_keeps_scheme_and_level(client: FlaskClient) -> None:
    html = client.get(f"/planning?municipality={LV}").get_data(as_text=True)
    form = re.search(r'<form class="gi-plan-form" method="get" action="/planning">(.*?)</form>',
                     html, re.S)
    assert form
    assert '<input type="hidden" name="scheme" value="energy_transition">' in form.group(1)
    assert '<input type="hidden" name="level" value="buurt">' in form.group(1)
    assert f'<option value="{LV}" selected>' in form.group(1)
    assert f'<option value="{DEN_HAAG}" >' in form.group(1)
    # the weights travel to the other gemeente too
    assert 'name="weights"' in form.group(1) and "poor_labels:3" in form.group(1)


# --- what the ranking stands on ----------------------------------------------------------

DEFAULT_SUMMARY_NL = (
    "Gebaseerd op 2 van 6 invoer, 38% van het gewicht; ontbrekend: Gemiddeld aardgasverbruik "
    "per woning, Aandeel huishoudens met laag inkomen, Energiearmoede (laag inkomen × slecht "
    "label), Aandeel corporatiewoningen, Aandeel woningen met stadsverwarming.")


def test_default_page_scores_nothing_and_says_why(client: FlaskClient) -> None:
    """The demo has labels (weight 3) and building years (2) of 13: under half."""
    html = client.get(f"/planning?municipality={DEN_HAAG}").get_data(as_text=True)
    box = re.search(r'<section class="gi-plan-coverage[^"]*" id="gi-plan-coverage".*?</section>',
                    html, re.S)
    assert box and "gi-plan-coverage-short" in box.group(0)
    assert text_of(re.search(r'id="gi-plan-coverage-summary">(.*?)</strong>',
                             box.group(0), re.S).group(1)) == DEFAULT_SUMMARY_NL
    assert "0 van 4 gebieden hebben een score." in box.group(0)
    assert "nooit als 0" in box.group(0) and "minder dan de helft" in box.group(0)
    missing = re.findall(r'<li data-input="([^"]+)">(.*?)</li>', box.group(0), re.S)
    assert {m[0] for m in missing} == MISSING_INPUTS
    why = {m[0]: text_of(m[1]) for m in missing}
    assert why["gas_use"] == ("Gemiddeld aardgasverbruik per woning (15% van het gewicht): "
                              "niet geladen: geen cijfers in de opslag")
    assert why["district_heating"].startswith("Aandeel woningen met stadsverwarming (0% van")
    for row in body_rows(html):
        assert text_of(cells(row)[0]) == "–"
        assert text_of(cells(row)[2]) == "2 van 6 invoer beschikbaar (38% van het gewicht): " \
                                         "geen score"
        assert text_of(cells(row)[3]) == "2/6 (38%)"
    # the planner may rank on what is there: a link, never applied by itself
    link = re.search(r'<a id="gi-plan-use-available" href="([^"]+)">', html)
    assert link, "no link to rank on the available inputs"
    ranked = client.get(htmllib.unescape(link.group(1))).get_data(as_text=True)
    plan = embedded(ranked, "gi-plan")
    assert plan["weights"]["gas_use"] == 0 and plan["weights"]["poor_labels"] == 3
    assert plan["coverage"]["areas_scored"] == 4 and plan["coverage"]["weight_share"] == 1
    assert plan["coverage"]["summary"].startswith("Gebaseerd op 2 van 2 invoer, 100% van het "
                                                  "gewicht; ontbrekend: Gemiddeld aardgas")
    assert all(r["score"] is not None for r in plan["rows"])
    assert re.search(r'<a id="gi-plan-use-available" href="[^"]*" hidden>', ranked)


def test_default_page_in_english_says_why(client: FlaskClient) -> None:
    html = client.get(f"/planning?municipality={LV}&lang=en").get_data(as_text=True)
    assert "Per input: what is there and what is missing" in html
    assert "Based on 2 of 6 inputs, 38% of the weight; missing: Average gas use per dwelling" \
        in html
    assert "0 of 10 areas have a score." in html
    assert "2 of 6 inputs available (38% of the weight): no score" in html
    assert "never counts as 0" in html
    assert "not loaded: no figures of Share of households with a low income in the store" in html


def test_api_says_what_each_area_and_the_ranking_stand_on(client: FlaskClient) -> None:
    plan = plan_of(client, LV)
    coverage = plan["coverage"]
    assert {k: coverage[k] for k in ("inputs", "inputs_available", "areas", "areas_scored",
                                     "min_weight_share")} == \
        {"inputs": 6, "inputs_available": 2, "areas": 10, "areas_scored": 0,
         "min_weight_share": 0.5}
    assert math.isclose(coverage["weight_share"], 5 / 13)
    assert set(coverage["missing"]) == MISSING_INPUTS and coverage["partial"] == []
    inputs = {i["id"]: i for i in plan["inputs"]}
    assert math.isclose(sum(i["weight_share"] for i in inputs.values()), 1)
    assert inputs["owner_occupied"]["weight_share"] == 0
    assert inputs["poor_labels"]["areas_with_value"] == 10
    for input_id in MISSING_INPUTS:
        assert inputs[input_id]["missing"]["reason"] == "not_loaded"
        assert inputs[input_id]["areas_with_value"] == 0
    assert inputs["energy_poverty"]["missing"]["indicator"] == "pct_low_income_households"
    assert inputs["poor_labels"]["missing"] is None
    for row in plan["rows"]:
        assert row["score"] is None and row["rank"] is None and row["class"] is None
        assert row["no_score"] == "low_coverage" and row["inputs_used"] == 2
        assert math.isclose(row["weight_share"], 5 / 13)
        assert row["note"] == "2 van 6 invoer beschikbaar (38% van het gewicht): geen score"
    assert plan["classes"] == [] or sum(c["count"] for c in plan["classes"]) == 0


def test_a_store_with_one_of_five_inputs_states_it_on_page_and_api(
        settings: Settings, tmp_path: Path) -> None:
    """A municipality's store with only the gas figures of the KWB: 1 of 5 inputs, 30 % of
    the weight, under half: no score, and the reason for each area and each missing input."""
    scheme = tmp_path / "planning"
    scheme.mkdir()
    (scheme / "test_scheme.yaml").write_text(TEST_SCHEME, encoding="utf-8")
    four_buurten_store(settings.store_path, "buurtcode;AANT_INW;G_GAS_TOT\n" + "".join(
        f"BU0503000{i};1000;{800 + 100 * i}\n" for i in range(1, 5)))
    app = create_app(replace(settings, planning_dir=scheme))
    client = app.test_client()
    plan = client.get("/api/planning?municipality=GM0503&lang=en").get_json()
    assert plan["coverage"]["summary"] == (
        "Based on 1 of 5 inputs, 30% of the weight; missing: Owners, WOZ, Low income, "
        "Corporations.")
    assert {r["note"] for r in plan["rows"]} == {
        "1 of 5 inputs available (30% of the weight): no score"}
    inputs = {i["id"]: i for i in plan["inputs"]}
    assert inputs["woz"]["missing"]["text"] == "not loaded: no figures in the store"
    html = client.get("/planning?municipality=GM0503&lang=nl").get_data(as_text=True)
    assert "Gebaseerd op 1 van 5 invoer, 30% van het gewicht; ontbrekend: Koop, WOZ" in html
    for row in body_rows(html):
        assert text_of(cells(row)[2]) == "1 van 5 invoer beschikbaar (30% van het gewicht): " \
                                         "geen score"
    # the planner's own weights decide: gas alone is then all of the weight
    scored = client.get("/api/planning?municipality=GM0503&weights=owners:0,woz:0,"
                        "low_income:0,corporations:0").get_json()
    assert [r["rank"] for r in scored["rows"]] == [1, 2, 3, 4]
    assert [r["code"] for r in scored["rows"]] == [f"BU0503000{i}" for i in (4, 3, 2, 1)]


TEST_SCHEME = """\
id: test_scheme
title: {nl: "Testschema", en: "Test scheme"}
levels: [buurt]
inputs:
  - {id: gas, title: {nl: "Gas", en: "Gas"}, indicator: gas_use_mean, weight: 3}
  - {id: owners, title: {nl: "Koop", en: "Owners"}, indicator: pct_owner_occupied,
     direction: lower, weight: 2}
  - {id: woz, title: {nl: "WOZ", en: "WOZ"}, indicator: woz_mean, weight: 2}
  - {id: low_income, title: {nl: "Laag inkomen", en: "Low income"},
     indicator: pct_low_income_households, weight: 2}
  - {id: corporations, title: {nl: "Corporatie", en: "Corporations"},
     indicator: pct_social_housing, weight: 1}
"""


# --- the JSON API ------------------------------------------------------------------------


@pytest.mark.parametrize(("municipality", "count"), [(DEN_HAAG, 4), (LV, 10)])
def test_api_ranks_scores_and_missing_inputs(client: FlaskClient, municipality: str,
                                             count: int) -> None:
    plan = plan_of(client, municipality, AVAILABLE)
    rows = plan["rows"]
    assert len(rows) == count and plan["synthetic"] is True
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert rows[0]["rank"] == 1 and max(r["rank"] for r in rows) <= count
    assert all(0 <= r["score"] <= 100 for r in rows)
    assert_competition_ranks(rows, key=lambda r: r["score"])

    inputs = {i["id"]: i for i in plan["inputs"]}
    assert list(inputs) == INPUTS
    for input_id in MISSING_INPUTS:
        assert inputs[input_id]["available"] is False
        for row in rows:
            cell = row["inputs"][input_id]
            assert cell["value"] is None and cell["normalised"] is None
            assert cell["status"] == "missing"
    assert inputs["poor_labels"]["synthetic"] is True and inputs["poor_labels"]["available"]
    assert {r["inputs_used"] for r in rows} == {len(INPUTS) - len(MISSING_INPUTS)}
    assert {r["weight_share"] for r in rows} == {1.0}
    assert {r["no_score"] for r in rows} == {None}
    assert plan["coverage"]["areas_scored"] == count
    assert sum(c["count"] for c in plan["classes"]) == count


def test_weights_change_the_ranking(client: FlaskClient) -> None:
    orders = {}
    for input_id in ("owner_occupied", "poor_labels"):
        plan = plan_of(client, LV, only(input_id))
        rows = plan["rows"]
        assert plan["weights"][input_id] == 1
        assert all(w == 0 for k, w in plan["weights"].items() if k != input_id)
        # the score is that input's normalised value, and the order follows it
        for row in rows:
            assert row["inputs_used"] == 1
            assert math.isclose(row["score"], row["inputs"][input_id]["normalised"] * 100)
        assert_competition_ranks(rows, key=lambda r, i=input_id: r["inputs"][i]["normalised"])
        normalised = [r["inputs"][input_id]["normalised"] for r in rows]
        assert normalised == sorted(normalised, reverse=True)
        orders[input_id] = [r["code"] for r in rows]
    assert orders["owner_occupied"] != orders["poor_labels"]
    # owner_occupied is "lower first": the buurt with the fewest owners leads
    plan = plan_of(client, LV, only("owner_occupied"))
    values = {r["code"]: r["inputs"]["owner_occupied"]["value"] for r in plan["rows"]}
    assert orders["owner_occupied"][0] == min(values, key=lambda c: values[c])


def test_all_weight_on_a_missing_input_scores_nothing_rather_than_zero(
        client: FlaskClient) -> None:
    plan = plan_of(client, DEN_HAAG, only("low_income"))
    assert all(r["score"] is None and r["rank"] is None for r in plan["rows"])
    assert all(r["inputs_used"] == 0 for r in plan["rows"])
    html = client.get(f"/planning?municipality={DEN_HAAG}&weights={only('low_income')}")
    assert html.status_code == 200
    for row in body_rows(html.get_data(as_text=True)):
        assert "gi-missing" in cells(row)[2] and text_of(cells(row)[0]) == "–"


# --- exports -----------------------------------------------------------------------------


def test_csv_export_has_metadata_every_input_and_synthetic_warning(client: FlaskClient) -> None:
    weights = AVAILABLE.replace("owner_occupied:1", "owner_occupied:0") + ",poor_labels:4"
    response = client.get(API + LV + f"&weights={weights}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "SYNTHETIC" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    meta = [line for line in lines if line.startswith("#")]
    assert meta and lines[: len(meta)] == meta, "metadata comes first, every line with #"
    assert "SYNTHETIC" in "\n".join(meta)
    assert any("owner_occupied" in line and "weight 0" in line for line in meta)
    assert any("low_income" in line and "MISSING" in line and "not loaded" in line
               for line in meta)
    assert any(line.startswith("# coverage,") and "based on 2 of 2 weighted inputs, 100% of "
               "the weight; 10 of 10 areas scored" in line for line in meta)
    assert any(line.startswith("# coverage rule,") and "re-normalised" in line for line in meta)
    table = list(csv.DictReader(io.StringIO("\n".join(lines[len(meta):]))))
    header = list(table[0])
    for input_id in INPUTS:
        assert {input_id, f"{input_id}_status", f"{input_id}_norm"} <= set(header)
    assert {"rank", "code", "name", "score", "inputs_used", "weight_share",
            "no_score"} <= set(header)
    plan = plan_of(client, LV, weights)
    assert [(r["code"], int(r["rank"])) for r in table] == \
        [(r["code"], r["rank"]) for r in plan["rows"]]
    assert all(r["low_income"] == "" and r["low_income_status"] == "missing" for r in table)


def test_xlsx_export_matches_json(client: FlaskClient) -> None:
    response = client.get(API + DEN_HAAG + "&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert {"ranking", "about"} <= set(book.sheetnames)
    ranking = list(book["ranking"].iter_rows(values_only=True))
    header, data = list(ranking[0]), ranking[1:]
    for input_id in INPUTS:
        assert input_id in header and f"{input_id}_norm" in header
    plan = plan_of(client, DEN_HAAG)
    code, rank = header.index("code"), header.index("rank")
    assert [(row[code], row[rank]) for row in data] == \
        [(r["code"], r["rank"]) for r in plan["rows"]]
    low = header.index("low_income")
    assert all(row[low] is None for row in data), "a missing input exported as a number"
    # default weights: no area scored, and the file says why
    assert all(row[header.index("no_score")] == "low_coverage" for row in data)
    assert all(row[header.index("score")] is None for row in data)
    about = "\n".join(" ".join(str(c) for c in row if c is not None)
                      for row in book["about"].iter_rows(values_only=True))
    assert "synthetic" in about.lower()
    assert "based on 2 of 6 weighted inputs, 38% of the weight; 0 of 4 areas scored" in about


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", ["nope:1", "poor_labels:x", "poor_labels:-1",
                                     "poor_labels:1000", "poor_labels"])
def test_bad_weights_are_400_json(client: FlaskClient, weights: str) -> None:
    response = client.get(API + DEN_HAAG + f"&weights={weights}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_weights"


def test_unknown_scheme_is_404(client: FlaskClient) -> None:
    response = client.get(f"/api/planning?scheme=nope&municipality={DEN_HAAG}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_scheme"
    page = client.get(f"/planning?scheme=nope&municipality={DEN_HAAG}",
                      headers={"Accept": "text/html"})
    assert page.status_code == 404


def test_bad_format_is_400(client: FlaskClient) -> None:
    response = client.get(API + DEN_HAAG + "&format=pdf")
    assert response.status_code == 400 and error_of(response)["code"] == "bad_format"
