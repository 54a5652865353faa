/*
 * GeoInsight planning view: weights panel, sortable ranking table and a Leaflet map of the score.
 *
 * The page embeds the first answer of /api/planning as JSON (script#gi-plan) and its URLs and
 * labels (script#gi-plan-config); both are read with JSON.parse, never evaluated. When a weight
 * moves, /api/planning is fetched again (debounced) and the table, map colours, legend and
 * export links follow. The table keeps the sort the planner chose.
 *
 * Safety: area names, input titles and legend labels come from data and are written with
 * textContent only (no innerHTML anywhere; Leaflet gets DOM nodes for tooltips).
 *
 * Page hooks (for tests): body[data-plan-ready="1"] after the first draw and after each update,
 * "0" while a request is under way; body[data-plan-error="1"] while the last request failed
 * (its message is shown in .gi-error).
 *
 * Plain ES2018, no dependencies beyond Leaflet (window.L) and gi-common.js.
 */
(function (global) {
  "use strict";

  const DEBOUNCE_MS = 250;
  const BASE_STYLE = { color: "#ffffff", weight: 0.8, opacity: 0.9, fillOpacity: 0.8 };
  const HOVER_STYLE = { color: "#222222", weight: 2.5, opacity: 1 };
  const FALLBACK_NODATA = "#d9d9d9";

  // --- small helpers ---------------------------------------------------------------------

  const { el, withUnit, legendControl, legendRow } = global.GeoInsight; // gi-common.js

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  /** A weight share as whole percent, rounded down (as the server shows it). */
  function percent(share) {
    return Math.floor(Number(share) * 100 + 1e-9);
  }

  /** "{share}% van het gewicht" with its placeholders filled in. */
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, (all, key) =>
      (key in values ? String(values[key]) : all));
  }

  /** A weight as the server reads it: "3", "2.5" (never a locale comma). */
  function weightText(value) {
    return String(Math.round(Number(value) * 100) / 100);
  }

  /** "poor_labels:3,old_stock:0,..." in input order; ids URL-encoded (unless raw, for a form
   *  field the browser encodes itself), separators literal. */
  function weightsParam(inputs, weights, raw) {
    return inputs.map((i) => (raw ? i.id : encodeURIComponent(i.id)) + ":" +
      weightText(weights[i.id])).join(",");
  }

  function setReady(flag) {
    document.body.dataset.planReady = flag ? "1" : "0";
  }

  // --- the page --------------------------------------------------------------------------

  function planningPage(plan, config) {
    const labels = config.labels || {};
    const locale = config.lang === "en" ? "en-GB" : "nl-NL";
    const oneDecimal = new Intl.NumberFormat(locale, {
      minimumFractionDigits: 1, maximumFractionDigits: 1,
    });
    const inputs = plan.inputs; // fixed per page: weights change, inputs do not
    const defaults = {};
    (plan.scheme.inputs || []).forEach((i) => { defaults[i.id] = i.weight; });
    const weights = {};
    inputs.forEach((i) => { weights[i.id] = i.weight; });

    const table = document.getElementById("gi-plan-table");
    const status = document.getElementById("gi-plan-status");
    const csvLink = document.getElementById("gi-export-csv");
    const xlsxLink = document.getElementById("gi-export-xlsx");
    const resetButton = document.getElementById("gi-weights-reset");
    const useAvailable = document.getElementById("gi-plan-use-available");
    const sort = { key: "rank", dir: "asc" };
    let current = plan;
    let byCode = new Map();
    let request = 0; // sequence number: only the newest answer is drawn
    let timer = null;
    let busy = false; // the newest request is under way
    let areasDone = false; // the map areas are drawn (or there is no map)
    const map = createMap();

    /** Ready once the map is drawn and no weight change is waiting or under way. */
    function maybeReady() {
      if (areasDone && timer === null && !busy) setReady(true);
    }

    // --- numbers and cells ---

    function format(value) {
      return oneDecimal.format(value).replace(/^-(?=0(\D0)?$)/, "");
    }

    function missingNode(statusText) {
      if (statusText === "secret") return el("span", "gi-secret", labels.secret);
      const span = el("span", "gi-missing");
      span.title = labels.missing;
      const dash = el("span", null, "–");
      dash.setAttribute("aria-hidden", "true");
      span.appendChild(dash);
      span.appendChild(el("span", "gi-visually-hidden", labels.missing));
      return span;
    }

    // --- sorting ---

    function sortValue(row, key) {
      if (key === "rank") return row.rank;
      if (key === "score") return row.score;
      if (key === "inputs_used") return row.inputs_used;
      if (key === "name") return (row.name || row.code || "").toLocaleLowerCase(locale);
      if (key.indexOf("input:") === 0) {
        const entry = row.inputs[key.slice(6)];
        return entry ? entry.value : null;
      }
      return null;
    }

    const collator = new Intl.Collator(locale, { sensitivity: "base", numeric: true });

    /** Rows in the chosen order; a missing value sorts last either way; ties keep rank order. */
    function sortedRows(rows) {
      const factor = sort.dir === "asc" ? 1 : -1;
      return rows.map((row, index) => ({ row, index })).sort((a, b) => {
        const x = sortValue(a.row, sort.key);
        const y = sortValue(b.row, sort.key);
        const xMissing = x === null || x === undefined;
        const yMissing = y === null || y === undefined;
        if (xMissing !== yMissing) return xMissing ? 1 : -1;
        if (!xMissing) {
          const order = typeof x === "string" ? collator.compare(x, y) : x - y;
          if (order !== 0) return order * factor;
        }
        return a.index - b.index;
      }).map((item) => item.row);
    }

    // --- table ---

    function buildHeader() {
      table.querySelectorAll("thead th[data-sort]").forEach((th) => {
        const key = th.dataset.sort;
        const button = el("button", "gi-sort");
        button.type = "button";
        while (th.firstChild) button.appendChild(th.firstChild);
        button.appendChild(el("span", "gi-sort-mark"));
        button.title = (labels.sort_by || "") + " " + (th.textContent || button.textContent);
        th.appendChild(button);
        button.addEventListener("click", () => {
          if (sort.key === key) {
            sort.dir = sort.dir === "asc" ? "desc" : "asc";
          } else {
            sort.key = key;
            sort.dir = "asc";
          }
          renderBody();
          markSort();
        });
      });
      markSort();
    }

    function markSort() {
      table.querySelectorAll("thead th[data-sort]").forEach((th) => {
        const active = th.dataset.sort === sort.key;
        const mark = th.querySelector(".gi-sort-mark");
        if (active) {
          th.setAttribute("aria-sort", sort.dir === "asc" ? "ascending" : "descending");
        } else {
          th.removeAttribute("aria-sort");
        }
        if (mark) {
          mark.textContent = active ? (sort.dir === "asc" ? " ▲" : " ▼") : "";
          mark.title = active ? labels["sort_" + sort.dir] || "" : "";
        }
      });
    }

    function renderBody() {
      const tbody = el("tbody");
      sortedRows(current.rows).forEach((row) => {
        const tr = el("tr");
        tr.dataset.code = row.code;
        tr.appendChild(el("td", "gi-num", row.rank === null ? "–" : row.rank));
        const nameCell = el("td");
        const link = el("a", null, row.name || row.code);
        link.href = config.profile_url.replace("{code}", encodeURIComponent(row.code));
        nameCell.appendChild(link);
        tr.appendChild(nameCell);
        const scoreCell = el("td", "gi-num");
        if (isNumber(row.score)) {
          const klass = current.classes[row.class];
          if (klass) {
            const swatch = el("span", "gi-swatch");
            swatch.style.backgroundColor = klass.color;
            scoreCell.appendChild(swatch);
            scoreCell.appendChild(document.createTextNode(" "));
          }
          scoreCell.appendChild(document.createTextNode(format(row.score)));
        } else {
          // no score: say why ("2 van 5 invoer beschikbaar (35% van het gewicht): geen score")
          scoreCell.appendChild(el("span", "gi-missing gi-plan-noscore",
            row.note || labels.no_score));
        }
        tr.appendChild(scoreCell);
        tr.appendChild(el("td", "gi-num", row.inputs_used + "/" + current.coverage.inputs +
          " (" + percent(row.weight_share) + "%)"));
        inputs.forEach((input) => {
          const entry = row.inputs[input.id];
          const td = el("td", "gi-num");
          if (entry && isNumber(entry.value)) {
            td.textContent = withUnit(format(entry.value), input.unit);
          } else {
            td.appendChild(missingNode(entry ? entry.status : "missing"));
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      table.replaceChild(tbody, table.tBodies[0]);
    }

    // --- map ---

    function createMap() {
      const container = document.getElementById("gi-plan-map");
      if (!container || !global.L) return null;
      container.textContent = "";
      const leaflet = L.map(container, { zoomSnap: 0.25, scrollWheelZoom: true });
      leaflet.setView([52.1, 4.4], 12); // replaced by fitBounds once the areas are in
      L.control.scale({ imperial: false }).addTo(leaflet);
      if (config.tiles) { // the configured basemap; its attribution comes from settings
        L.tileLayer(config.tiles, { attribution: config.tiles_attribution || "", maxZoom: 19 })
          .addTo(leaflet);
      }
      const legend = legendControl(leaflet, labels.legend_title);
      return { leaflet, legend, layer: null, container };
    }

    function fillFor(code) {
      const row = byCode.get(code);
      const klass = row && row.class !== null && row.class !== undefined
        ? current.classes[row.class] : null;
      if (klass) return klass.color;
      const missing = (current.nodata || []).find((n) => n.status === "missing");
      return missing ? missing.color : FALLBACK_NODATA;
    }

    function styleFor(feature) {
      return Object.assign({}, BASE_STYLE, { fillColor: fillFor(feature.properties.code) });
    }

    function tooltipFor(feature) {
      const props = feature.properties || {};
      const row = byCode.get(props.code);
      const box = el("div", "gi-tip");
      box.appendChild(el("div", "gi-tip-name", props.name || (row && row.name) || props.code));
      function line(key, value) {
        const item = el("div", "gi-tip-row");
        item.appendChild(el("span", "gi-tip-key", key));
        item.appendChild(el("span", "gi-tip-value", value));
        box.appendChild(item);
      }
      line(labels.code, props.code);
      line(labels.score, row && isNumber(row.score) ? format(row.score)
        : (row && row.note) || labels.no_score);
      line(labels.rank, row && row.rank !== null
        ? row.rank + " " + labels.of + " " + current.rows.length : "–");
      return box;
    }

    function drawLegend() {
      if (!map) return;
      const box = map.legend;
      box.textContent = "";
      box.appendChild(el("div", "gi-legend-title", labels.legend_title));
      box.appendChild(el("div", "gi-legend-unit", labels.legend_unit));
      function row(color, label, count) {
        box.appendChild(legendRow(color, label, count));
      }
      current.classes.forEach((c) => row(c.color, c.label, c.count));
      box.appendChild(el("div", "gi-legend-subtitle", labels.no_data_class));
      // "no data" always shows; other statuses (a score is never secret) only when they occur
      const given = current.nodata || [];
      const missing = given.find((n) => n.status === "missing") ||
        { status: "missing", color: FALLBACK_NODATA, label: labels.missing, count: 0 };
      // the page's own words for the statuses: /api/planning labels them in Dutch whatever
      // the language (geoinsight/planning.py does not pass lang to classify)
      // an area without a score lacks inputs: "geen score", not "geen gegevens"
      row(missing.color, labels.no_score || labels.missing, missing.count);
      given.filter((n) => n.status !== "missing" && n.count > 0)
        .forEach((n) => row(n.color, labels[n.status] || n.label, n.count));
    }

    function restyle() {
      if (map && map.layer) map.layer.setStyle(styleFor);
      drawLegend();
    }

    async function loadAreas() {
      if (!map) return;
      const response = await fetch(config.areas_url, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error("HTTP " + response.status + " " + config.areas_url);
      const areas = await response.json();
      map.layer = L.geoJSON(areas, {
        style: styleFor,
        onEachFeature(feature, path) {
          path.bindTooltip(() => tooltipFor(feature), {
            sticky: true, direction: "top", className: "gi-tooltip", opacity: 1,
          });
          path.on("mouseover", () => {
            path.setStyle(HOVER_STYLE);
            path.bringToFront();
          });
          path.on("mouseout", () => path.setStyle(styleFor(feature)));
          path.on("click", () => {
            const code = feature.properties && feature.properties.code;
            if (code) {
              global.location.assign(config.profile_url.replace("{code}",
                encodeURIComponent(code)));
            }
          });
        },
      }).addTo(map.leaflet);
      const bounds = map.layer.getBounds();
      if (bounds.isValid()) map.leaflet.fitBounds(bounds, { padding: [12, 12] });
    }

    // --- what the ranking stands on ---

    /** The coverage box and the weight shares, from the newest answer (texts from the server). */
    function renderCoverage() {
      const coverage = current.coverage;
      const summary = document.getElementById("gi-plan-coverage-summary");
      const areas = document.getElementById("gi-plan-coverage-areas");
      const list = document.getElementById("gi-plan-missing");
      const box = document.getElementById("gi-plan-coverage");
      if (summary) summary.textContent = coverage.summary;
      if (areas) areas.textContent = coverage.areas_text;
      if (box) {
        box.classList.toggle("gi-plan-coverage-short", coverage.areas_scored < coverage.areas);
      }
      if (list) {
        list.textContent = "";
        const item = (input, why) => {
          const li = el("li");
          li.dataset.input = input.id;
          li.appendChild(el("em", null, input.title));
          li.appendChild(document.createTextNode(" (" +
            fill(labels.weight_share, { share: percent(input.weight_share) }) + "): " + why));
          list.appendChild(li);
        };
        current.inputs.filter((i) => i.missing).forEach((i) => item(i, i.missing.text));
        current.inputs.filter((i) => i.available && i.areas_with_value < coverage.areas)
          .forEach((i) => item(i, fill(labels.partial,
            { count: i.areas_with_value, areas: coverage.areas })));
      }
      current.inputs.forEach((i) => {
        const share = document.getElementById("gi-ws-" + i.id);
        if (share) {
          share.textContent = fill(labels.weight_share, { share: percent(i.weight_share) });
        }
      });
      if (useAvailable) {
        useAvailable.hidden = coverage.areas_scored === coverage.areas ||
          coverage.inputs_available === 0 ||
          !current.inputs.some((i) => !i.available && Number(weights[i.id]) > 0);
      }
    }

    /** Set the weight of every input without figures to 0: the planner's explicit choice. */
    function rankOnAvailable(event) {
      event.preventDefault();
      current.inputs.filter((i) => !i.available).forEach((i) => {
        weights[i.id] = 0;
        const input = document.getElementById("gi-w-" + i.id);
        const output = document.getElementById("gi-wv-" + i.id);
        if (input) input.value = "0";
        if (output) output.textContent = "0";
      });
      useAvailable.hidden = true;
      schedule();
    }

    // --- weights, export links, status ---

    function exportHref(fmt) {
      return config.api_url + "&weights=" + weightsParam(inputs, weights) + "&format=" + fmt;
    }

    function updateLinks() {
      if (csvLink) csvLink.href = exportHref("csv");
      if (xlsxLink) xlsxLink.href = exportHref("xlsx");
      const carried = document.getElementById("gi-picker-weights"); // another gemeente, same weights
      if (carried) carried.value = weightsParam(inputs, weights, true);
      if (resetButton) {
        resetButton.hidden = inputs.every((i) => Number(weights[i.id]) === Number(defaults[i.id]));
      }
    }

    /** Keep the weights in the address, so a reload or a shared link shows the same ranking. */
    function updateAddress() {
      if (!global.history || !global.history.replaceState) return;
      const params = new URLSearchParams(global.location.search);
      params.delete("weights");
      const rest = params.toString();
      global.history.replaceState(global.history.state, "", global.location.pathname + "?" +
        (rest ? rest + "&" : "") + "weights=" + weightsParam(inputs, weights) +
        global.location.hash);
    }

    function showStatus(text) {
      status.textContent = "";
      if (text) status.appendChild(el("span", "gi-plan-busy", text));
    }

    function showError(text, detail) {
      status.textContent = "";
      const box = el("div", "gi-error");
      box.setAttribute("role", "alert");
      box.appendChild(el("strong", null, text));
      if (detail) box.appendChild(el("div", "gi-error-detail", detail));
      status.appendChild(box);
    }

    async function fetchPlan() {
      const mine = ++request;
      busy = true;
      setReady(false);
      showStatus(labels.updating);
      const url = config.api_url + "&weights=" + weightsParam(inputs, weights);
      let answer;
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) {
          const message = body && body.error && body.error.message;
          throw new Error(message || "HTTP " + response.status);
        }
        answer = body;
      } catch (err) {
        if (mine !== request) return;
        busy = false;
        showError(labels.error, err.message);
        document.body.dataset.planError = "1";
        return;
      }
      if (mine !== request) return; // a newer weight change is on its way
      current = answer;
      byCode = new Map(current.rows.map((r) => [r.code, r]));
      delete document.body.dataset.planError;
      showStatus("");
      renderBody();
      renderCoverage();
      restyle();
      updateLinks();
      updateAddress();
      busy = false;
      maybeReady();
    }

    function schedule() {
      setReady(false);
      if (timer !== null) global.clearTimeout(timer);
      timer = global.setTimeout(() => {
        timer = null;
        fetchPlan();
      }, DEBOUNCE_MS);
    }

    function bindWeights() {
      document.querySelectorAll("#gi-weights input[type=range][data-input]").forEach((input) => {
        const id = input.dataset.input;
        const output = document.getElementById("gi-wv-" + id);
        const onChange = () => {
          const value = Number(input.value);
          if (!isFinite(value) || Number(weights[id]) === value) return;
          weights[id] = value;
          if (output) output.textContent = weightText(value);
          schedule();
        };
        input.addEventListener("input", onChange);
        input.addEventListener("change", onChange);
      });
      const form = document.getElementById("gi-weights");
      if (form) form.addEventListener("submit", (event) => event.preventDefault());
      if (useAvailable) useAvailable.addEventListener("click", rankOnAvailable);
      if (resetButton) {
        resetButton.addEventListener("click", () => {
          inputs.forEach((i) => {
            weights[i.id] = defaults[i.id];
            const input = document.getElementById("gi-w-" + i.id);
            const output = document.getElementById("gi-wv-" + i.id);
            if (input) input.value = weightText(defaults[i.id]);
            if (output) output.textContent = weightText(defaults[i.id]);
          });
          schedule();
        });
      }
    }

    async function start() {
      byCode = new Map(current.rows.map((r) => [r.code, r]));
      buildHeader();
      renderBody();
      bindWeights();
      updateLinks();
      drawLegend();
      try {
        await loadAreas();
      } catch (err) {
        showError(labels.map_error, err.message);
        document.body.dataset.planError = "1";
        return;
      }
      areasDone = true;
      maybeReady();
    }

    start();
  }

  function boot() {
    let plan;
    let config;
    try {
      plan = readJson("gi-plan");
      config = readJson("gi-plan-config");
    } catch (err) {
      document.body.dataset.planError = "1";
      return;
    }
    if (plan && config) planningPage(plan, config);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})(window);
