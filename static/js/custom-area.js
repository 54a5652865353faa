/*
 * GeoInsight custom areas: draw a polygon or rectangle on the map (Leaflet.draw, through
 * folium.plugins.Draw) or upload a file, and list every visible layer aggregated over that
 * area as POST /api/aggregate answers it, each with the method used.
 *
 * Wiring: geoinsight/maps/draw.py calls geoinsightCustomArea(map, group, config) from the Folium
 * script, before the Draw control is created; `group` holds the one area on the map. The page's
 * #gi-area section (templates/maps/map.html) carries the texts, the URL and, for a page with a
 * session, the CSRF token; this script moves it onto the map as a control and fills it.
 *
 * Safety: every text from data (layer titles, units, the server's messages) is written with
 * textContent. Leaflet.draw inserts its button and tooltip texts as HTML, so the page's texts
 * handed to it are escaped first.
 *
 * Plain ES2018, no dependencies beyond Leaflet, Leaflet.draw and gi-common.js.
 *
 * Page hook: #gi-area[data-state] is "idle", "busy", "done", "empty" (no data for the area) or
 * "error" (the message is in .gi-area-error).
 */
(function (global) {
  "use strict";

  const { el, withUnit, makeFormatter } = global.GeoInsight; // gi-common.js
  const GEOJSON_NAME = /\.(geo)?json$/i;
  const AREA_PANE_Z = 450; // above the choropleth (overlayPane, 400), below markers and tooltips

  /** Escape text for Leaflet.draw, which writes its texts as HTML. */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  /** The locale's thousands and decimal separators, for Leaflet.draw's area read-out. */
  function separators(locale) {
    const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
    const find = (type, fallback) => {
      const part = parts.find((p) => p.type === type);
      return part ? part.value : fallback;
    };
    return { thousands: find("group", ","), decimal: find("decimal", ".") };
  }

  /** Leaflet.draw's toolbar and tooltip texts in the page's language. */
  function localizeDraw(texts, locale) {
    const local = global.L.drawLocal;
    if (!local) return;
    const h = (key) => escapeHtml(texts[key] || "");
    const toolbar = local.draw.toolbar;
    toolbar.actions = { title: h("draw_cancel_title"), text: h("draw_cancel") };
    toolbar.finish = { title: h("draw_finish_title"), text: h("draw_finish") };
    toolbar.undo = { title: h("draw_undo_title"), text: h("draw_undo") };
    toolbar.buttons.polygon = h("draw_polygon");
    toolbar.buttons.rectangle = h("draw_rectangle");
    const handlers = local.draw.handlers;
    handlers.polygon.tooltip = {
      start: h("draw_polygon_start"), cont: h("draw_polygon_cont"), end: h("draw_polygon_end"),
    };
    handlers.polyline.error = h("draw_cross_error");
    handlers.rectangle.tooltip.start = h("draw_rectangle_start");
    handlers.simpleshape.tooltip.end = h("draw_shape_end");
    local.format = { numeric: { delimiters: separators(locale) } };
  }

  /**
   * POST a body to the aggregate URL. Resolves to the answer; rejects with an Error whose message
   * is what the user should read: the server's own message when it sent one.
   */
  async function postAggregate(endpoint, body, isJson, texts) {
    const headers = { Accept: "application/json" };
    if (isJson) headers["Content-Type"] = "application/json";
    if (endpoint.csrf) headers["X-CSRF-Token"] = endpoint.csrf;
    let response;
    try {
      response = await fetch(endpoint.url, {
        method: "POST", body, headers, credentials: "same-origin",
      });
    } catch (err) {
      throw new Error(texts.area_failed + " (" + err.message + ")");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null; // not JSON (a proxy's error page): say so with the status below
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message;
      throw new Error(message ? String(message)
        : texts.area_failed + " (HTTP " + response.status + ")");
    }
    if (!data || !Array.isArray(data.layers)) throw new Error(texts.area_failed);
    return data;
  }

  /** The #gi-area section as a map control, and the ways to fill it. */
  function createPanel(map, section, texts, locale) {
    const format = makeFormatter(locale);
    const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
    const q = (selector) => section.querySelector(selector);
    const parts = {
      status: q(".gi-area-progress"), error: q(".gi-area-error"), result: q(".gi-area-result"),
      summary: q(".gi-area-summary"), empty: q(".gi-area-empty"), table: q(".gi-area-table"),
      rows: q(".gi-area-table tbody"), clear: q(".gi-area-clear"),
    };
    const Panel = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd() {
        L.DomEvent.disableClickPropagation(section);
        L.DomEvent.disableScrollPropagation(section);
        return section;
      },
    });
    new Panel().addTo(map);
    section.hidden = false;

    function areaText(m2) {
      if (m2 >= 1e6) return format(m2 / 1e6) + " km²";
      if (m2 >= 1e4) return format(m2 / 1e4) + " ha";
      return format(m2) + " m²";
    }

    /** The value with its unit (the number never wraps), or why there is none. */
    function valueCell(layer) {
      const cell = el("td", "gi-area-value");
      const value = layer.value;
      if (layer.status === "secret") {
        cell.textContent = texts.secret;
      } else if (value === null || value === undefined || !Number.isFinite(value)) {
        cell.textContent = texts.missing;
      } else {
        const unit = layer.unit ? String(layer.unit) : "";
        cell.appendChild(el("span", "gi-area-number", unit === "%" ? withUnit(format(value), unit)
          : format(value)));
        if (unit && unit !== "%") {
          cell.appendChild(document.createTextNode(" ")); // the cell's text reads "4.665 km"
          cell.appendChild(el("span", "gi-area-unit", unit));
        }
      }
      return cell;
    }

    function methodText(method) {
      if (!method) return "—";
      return texts["method_" + method] || String(method).replace(/_/g, " ");
    }

    function coverageText(coverage) {
      return typeof coverage === "number" && Number.isFinite(coverage)
        ? percent.format(coverage) : "—";
    }

    function summaryRow(term, detail) {
      parts.summary.appendChild(el("dt", null, term));
      parts.summary.appendChild(el("dd", null, detail));
    }

    function summary(data) {
      const area = data.area || {};
      parts.summary.textContent = "";
      if (typeof area.area_m2 === "number") summaryRow(texts.area_size, areaText(area.area_m2));
      if (typeof area.vertices === "number") summaryRow(texts.area_vertices, String(area.vertices));
      if (data.level) {
        const level = texts[data.level] || data.level;
        summaryRow(texts.level, data.boundary_year
          ? level + " (" + texts.boundaries_of + " " + data.boundary_year + ")" : level);
      }
      if (typeof data.overlapping_areas === "number") {
        summaryRow(texts.area_overlapping, String(data.overlapping_areas));
      }
    }

    function row(layer) {
      const tr = el("tr", "gi-area-row");
      tr.dataset.layer = String(layer.layer);
      tr.dataset.status = String(layer.status);
      tr.dataset.method = String(layer.method);
      if (typeof layer.value === "number") tr.dataset.value = String(layer.value);
      const title = el("th", "gi-area-layer", layer.title);
      title.scope = "row";
      if (layer.year) title.appendChild(el("span", "gi-area-year", layer.year));
      if (layer.synthetic) title.appendChild(el("span", "gi-synthetic-badge", texts.synthetic));
      tr.appendChild(title);
      tr.appendChild(valueCell(layer));
      const status = el("td", "gi-area-status");
      status.appendChild(el("span", "gi-area-status-text",
        texts["status_" + layer.status] || layer.status));
      if (layer.reason && texts["reason_" + layer.reason]) {
        status.title = texts["reason_" + layer.reason];
        status.appendChild(el("span", "gi-area-reason", texts["reason_" + layer.reason]));
      }
      tr.appendChild(status);
      tr.appendChild(el("td", "gi-area-method", methodText(layer.method)));
      tr.appendChild(el("td", "gi-area-coverage", coverageText(layer.coverage)));
      return tr;
    }

    function setState(state) {
      section.dataset.state = state;
    }

    return {
      busy() {
        setState("busy");
        parts.status.textContent = texts.area_busy;
        parts.error.hidden = true;
        parts.result.hidden = true;
        parts.clear.hidden = false;
      },
      error(message) {
        parts.status.textContent = "";
        parts.error.textContent = message;
        parts.error.hidden = false;
        parts.result.hidden = true;
        setState("error");
      },
      show(data) {
        parts.status.textContent = "";
        parts.error.hidden = true;
        summary(data);
        parts.rows.textContent = "";
        data.layers.forEach((layer) => parts.rows.appendChild(row(layer)));
        const empty = data.layers.length === 0;
        parts.empty.hidden = !empty;
        parts.table.hidden = empty;
        parts.result.hidden = false;
        section.scrollTop = 0; // a new answer starts at its summary
        setState(empty ? "empty" : "done");
      },
      clear() {
        parts.status.textContent = "";
        parts.error.hidden = true;
        parts.result.hidden = true;
        parts.clear.hidden = true;
        setState("idle");
      },
      onClear(handler) {
        parts.clear.addEventListener("click", handler);
      },
    };
  }

  /** Whether a GeoJSON feature (or bare geometry) is a polygon: only those are areas. */
  function polygonal(feature) {
    const geometry = feature && (feature.geometry || feature);
    return Boolean(geometry && /Polygon$/.test(geometry.type));
  }

  /**
   * The uploaded area to draw: the file's own shapes when it is lon/lat GeoJSON that matches the
   * server's bounding box, otherwise (GeoPackage, Shapefile, another CRS) that bounding box.
   */
  function uploadedLayer(text, bbox, style) {
    if (!Array.isArray(bbox) || bbox.length !== 4) return null;
    const box = L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
    if (text) {
      try {
        const shapes = L.geoJSON(JSON.parse(text), Object.assign({}, style, { filter: polygonal }));
        const bounds = shapes.getBounds();
        if (bounds.isValid() && box.pad(0.05).contains(bounds)) return shapes;
      } catch (err) {
        // not parseable here: the server read it, so draw its bounding box instead
      }
    }
    return L.rectangle(box, style);
  }

  function geoinsightCustomArea(map, group, config) {
    const section = document.getElementById("gi-area");
    if (!section) return null; // a page without the panel: nothing to show results in
    const texts = JSON.parse(section.dataset.texts || "{}");
    const locale = config.locale || "nl-NL";
    localizeDraw(texts, locale);
    const pane = map.createPane(config.pane);
    pane.style.zIndex = String(AREA_PANE_Z);
    pane.style.pointerEvents = "none"; // the areas beneath keep their tooltips
    const panel = createPanel(map, section, texts, locale);
    const endpoint = { url: section.dataset.url, csrf: section.dataset.csrf || "" };
    const input = section.querySelector("input[type=file]");
    let run = 0; // only the latest request fills the panel

    async function aggregate(body, isJson) {
      const mine = ++run;
      panel.busy();
      try {
        const data = await postAggregate(endpoint, body, isJson, texts);
        if (mine !== run) return null;
        panel.show(data);
        return data;
      } catch (err) {
        if (mine === run) panel.error(err.message);
        return null;
      }
    }

    function showOnly(layer) {
      group.clearLayers();
      group.addLayer(layer);
    }

    // while drawing, clicks place vertices: the areas beneath must not open their profile
    map.on("draw:drawstart", () => map.getContainer().classList.add("gi-drawing"));
    map.on("draw:drawstop", () => map.getContainer().classList.remove("gi-drawing"));

    map.on("draw:created", (event) => {
      showOnly(event.layer);
      aggregate(JSON.stringify(event.layer.toGeoJSON().geometry), true);
    });

    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      group.clearLayers();
      const text = GEOJSON_NAME.test(file.name) ? await file.text().catch(() => null) : null;
      const form = new FormData();
      form.append("file", file, file.name);
      const data = await aggregate(form, false);
      input.value = ""; // choosing the same file again uploads it again
      const layer = data && uploadedLayer(text, data.area && data.area.bbox, config.style);
      if (!layer) return;
      showOnly(layer);
      const bounds = layer.getBounds();
      if (!map.getBounds().contains(bounds)) map.fitBounds(bounds, clearOfPanel());
    });

    /** fitBounds padding that keeps the area right of the panel where the map is wide enough. */
    function clearOfPanel() {
      const width = section.offsetWidth;
      const roomy = map.getSize().x > 2 * width;
      return { paddingTopLeft: [roomy ? width + 30 : 30, 30], paddingBottomRight: [30, 30] };
    }

    panel.onClear(() => {
      run += 1; // an answer still on its way is dropped
      group.clearLayers();
      panel.clear();
    });

    return { aggregate };
  }

  global.geoinsightCustomArea = geoinsightCustomArea;
})(window);
