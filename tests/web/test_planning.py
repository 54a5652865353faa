"""The planning view over HTTP: the page, /api/planning as JSON, CSV and XLSX, and its errors.

The demo store holds two planning areas: GM0518 ('s-Gravenhage, 4 buurten of the test area) and
GM1916 (Leidschendam-Voorburg, 10 buurten). Their energy labels are synthetic; the low-income
inputs are absent, so they must show as missing, never as zero.
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import math
import re
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient

DEN_HAAG = "GM0518"
LV = "GM1916"
INPUTS = ["poor_labels", "old_stock", "low_income", "energy_poverty", "owner_occupied"]
MISSING_INPUTS = {"low_income", "energy_poverty"}
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
    response = client.get(f"/planning?municipality={DEN_HAAG}")
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
        assert text_of(row_cells[3]) == f"{data['inputs_used']}/{len(INPUTS)}"
    # the weights panel marks both absent inputs and disables their sliders
    assert html.count("ontbreekt in deze gemeente") == len(MISSING_INPUTS)
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


# --- the JSON API ------------------------------------------------------------------------


@pytest.mark.parametrize(("municipality", "count"), [(DEN_HAAG, 4), (LV, 10)])
def test_api_ranks_scores_and_missing_inputs(client: FlaskClient, municipality: str,
                                             count: int) -> None:
    plan = plan_of(client, municipality)
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
    weights = "owner_occupied:0,poor_labels:4"
    response = client.get(API + LV + f"&weights={weights}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "SYNTHETIC" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    meta = [line for line in lines if line.startswith("#")]
    assert meta and lines[: len(meta)] == meta, "metadata comes first, every line with #"
    assert "SYNTHETIC" in "\n".join(meta)
    assert any("owner_occupied" in line and "weight 0" in line for line in meta)
    assert any("low_income" in line and "MISSING" in line for line in meta)
    table = list(csv.DictReader(io.StringIO("\n".join(lines[len(meta):]))))
    header = list(table[0])
    for input_id in INPUTS:
        assert {input_id, f"{input_id}_status", f"{input_id}_norm"} <= set(header)
    assert {"rank", "code", "name", "score", "inputs_used"} <= set(header)
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
    about = "\n".join(" ".join(str(c) for c in row if c is not None)
                      for row in book["about"].iter_rows(values_only=True))
    assert "synthetic" in about.lower()


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
