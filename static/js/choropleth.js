/*
 * GeoInsight choropleth: draws areas fetched from the JSON API on a Leaflet map.
 *
 * The page carries only URLs (see geoinsight/maps/choropleth.py); geometry and values are
 * fetched here so pages stay small and cacheable, and a layer switch needs no reload.
 *
 * Safety: area names, layer titles and legend labels come from data. They are written with
 * textContent only. The two places where Leaflet itself uses innerHTML (layer switcher names,
 * attribution) get HTML-escaped text.
 *
 * Plain ES2018, no dependencies beyond Leaflet (window.L) and gi-common.js.
 *
 * Page hooks:
 *   window.geoinsightReady = true and body[data-map-ready="1"] once the first layer is drawn;
 *   body[data-map-error="1"] when a fetch failed (the message is shown in the map, .gi-error);
 *   a "geoinsight:layerchange" event on document with detail {layer, title, unit} per drawn layer;
 *   body[data-rasters] names the raster overlays that are on.
 */
(function (global) {
  "use strict";

  const CC_BY = "https://creativecommons.org/licenses/by/4.0/deed.";
  const FALLBACK_NODATA = { missing: "#d9d9d9", secret: "#969696" };
  const BASE_STYLE = { color: "#ffffff", weight: 0.6, opacity: 0.9, fillOpacity: 0.75 };
  const HOVER_STYLE = { color: "#222222", weight: 2.5, opacity: 1 };
  // the area a search result opens the map on: a wide dark dashed outline, no fill
  const FOCUS_STYLE = { color: "#111111", weight: 5, opacity: 0.9, fill: false, dashArray: "8 4" };
  const LOADING_FILL = "#eeeeee";
  // hot/cold-spot overlay: outlines only, so the choropleth colours stay readable beneath
  const SPOT_STYLE = {
    hot: { color: "#d7301f", weight: 3.5, opacity: 1, fill: false, dashArray: null },
    cold: { color: "#2c7fb8", weight: 3.5, opacity: 1, fill: false, dashArray: "6 4" },
  };

  /** Escape text for the few Leaflet APIs that insert strings as HTML. */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  const { el, withUnit, legendControl, legendRow, makeFormatter } = global.GeoInsight; // gi-common.js

  /** Fetch JSON; a non-2xx answer is an error so it is shown rather than drawn as blank. */
  async function fetchJson(url) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error("HTTP " + response.status + " " + url);
    }
    return response.json();
  }

  /** The status line (loading) and error box, overlaid on the map container. */
  function createMessages(map) {
    const container = map.getContainer();
    const status = el("div", "gi-status");
    status.setAttribute("role", "status");
    status.hidden = true;
    container.appendChild(status);
    return {
      loading(text) {
        status.textContent = text || "";
        status.hidden = !text;
      },
      error(text, detail) {
        status.hidden = true;
        let box = container.querySelector(".gi-error");
        if (!box) {
          box = el("div", "gi-error");
          box.setAttribute("role", "alert");
          container.appendChild(box);
        }
        box.textContent = "";
        box.appendChild(el("strong", null, text));
        if (detail) box.appendChild(el("div", "gi-error-detail", detail));
        document.body.dataset.mapError = "1";
      },
      clearError() {
        const box = container.querySelector(".gi-error");
        if (box) box.remove();
      },
    };
  }

  /** Legend control: layer title and unit, a row per class, then every no-data status. */
  function createLegend(map, labels, aboutUrl) {
    const container = legendControl(map, labels.legend_title);
    const row = legendRow;

    return {
      clear() {
        container.textContent = "";
      },
      update(payload) {
        container.textContent = "";
        container.appendChild(el("div", "gi-legend-title", payload.title));
        if (payload.unit) container.appendChild(el("div", "gi-legend-unit", payload.unit));
        if (aboutUrl && payload.layer) {
          const about = el("a", "gi-legend-about", labels.about_layer);
          about.href = aboutUrl.replace("{layer}", encodeURIComponent(payload.layer));
          container.appendChild(about);
        }
        (payload.classes || []).forEach((c) => {
          container.appendChild(row(c.color, c.label, c.count));
        });
        container.appendChild(el("div", "gi-legend-subtitle", labels.no_data_class));
        nodataEntries(payload, labels).forEach((n) => {
          container.appendChild(row(n.color, n.label, n.count));
        });
      },
      /** A block per raster overlay that is on: its title, a colour ramp from its lowest to
       *  its highest value, and an opacity slider. */
      rasters(shown, format) {
        container.querySelectorAll(".gi-legend-raster").forEach((n) => n.remove());
        shown.forEach((layer) => {
          const r = layer.geoinsightRaster;
          const box = el("div", "gi-legend-raster");
          box.dataset.raster = r.name;
          box.appendChild(el("div", "gi-legend-subtitle", labels.raster + ": " + r.title));
          const ramp = el("div", "gi-raster-ramp");
          ramp.style.background = "linear-gradient(to right, " + r.legend.colors.join(", ") + ")";
          ramp.setAttribute("role", "img");
          ramp.setAttribute("aria-label", r.title + ": " + format(r.legend.min) + " – " +
                            format(r.legend.max) + (r.unit ? " " + r.unit : ""));
          box.appendChild(ramp);
          const ends = el("div", "gi-raster-ends");
          ends.appendChild(el("span", "", withUnit(format(r.legend.min), r.unit)));
          ends.appendChild(el("span", "", withUnit(format(r.legend.max), r.unit)));
          box.appendChild(ends);
          const label = el("label", "gi-raster-opacity", labels.raster_opacity);
          const slider = document.createElement("input");
          slider.type = "range";
          slider.min = "0";
          slider.max = "100";
          slider.step = "5";
          slider.value = String(Math.round(layer.options.opacity * 100));
          slider.addEventListener("input", () => layer.setOpacity(Number(slider.value) / 100));
          label.appendChild(slider);
          box.appendChild(label);
          container.appendChild(box);
        });
      },
      spots(counts) {
        container.querySelectorAll(".gi-legend-spots").forEach((n) => n.remove());
        if (!counts) return;
        const box = el("div", "gi-legend-spots");
        box.appendChild(el("div", "gi-legend-subtitle", labels.hotspots));
        ["hot", "cold"].forEach((kind) => {
          const line = row("transparent", labels[kind], counts[kind] || 0);
          line.classList.add("gi-legend-spot", "gi-spot-" + kind);
          line.querySelector(".gi-swatch").style.border = "3px " +
            (kind === "cold" ? "dashed " : "solid ") + SPOT_STYLE[kind].color;
          box.appendChild(line);
        });
        container.appendChild(box);
      },
    };
  }

  /** The entry name of a layer control list for ``title``, escaped (Leaflet writes it as
   *  HTML); with ``id`` after it where another entry has that title already (the list is
   *  keyed by name, so a second one would replace the first). */
  function unique(entries, title, id) {
    const name = escapeHtml(title);
    return name in entries ? escapeHtml(title + " (" + id + ")") : name;
  }

  /** A tile layer per raster, in a pane above the areas' fill and below the hover outline;
   *  the pointer passes through to the areas. Each requests tiles only inside its bounds. */
  function rasterOverlays(map, rasters) {
    if (!rasters.length) return [];
    const pane = map.createPane("gi-raster");
    pane.style.zIndex = "420";
    pane.style.pointerEvents = "none";
    return rasters.map((r) => {
      const [west, south, east, north] = r.bounds;
      const layer = L.tileLayer(r.tiles, {
        pane: "gi-raster", opacity: 0.6, maxZoom: 20,
        bounds: L.latLngBounds([[south, west], [north, east]]),
        attribution: escapeHtml(r.source),
      });
      layer.geoinsightRaster = r;
      return layer;
    });
  }

  /** Both no-data classes always appear (count 0 if the server left one out), then any other. */
  function nodataEntries(payload, labels) {
    const given = payload.nodata || [];
    const entries = ["missing", "secret"].map((status) => {
      const found = given.find((n) => n.status === status);
      return found || { status, color: FALLBACK_NODATA[status], label: labels[status], count: 0 };
    });
    given.forEach((n) => {
      if (n.status !== "missing" && n.status !== "secret") entries.push(n);
    });
    return entries;
  }

  /** Attribution HTML for a layer: CBS, the layer's source, and the licence link (escaped). */
  function attributionHtml(payload, labels, locale) {
    const source = payload.source ? String(payload.source) : "";
    const cited = /^CBS\b/.test(source) ? source : source ? "CBS; " + source : "CBS";
    const deed = CC_BY + (locale.indexOf("nl") === 0 ? "nl" : "en");
    let html = escapeHtml((labels.source || "Bron") + ": " + cited) +
      ' (<a href="' + deed + '" target="_blank" rel="noopener">CC BY 4.0</a>';
    if (payload.licence && payload.licence !== "CC BY 4.0") {
      html += ", " + escapeHtml(payload.licence);
    }
    return html + ")";
  }

  /** Replace the /map/<layer> segment of the page URL, keeping query string and hash. */
  function replaceLayerInUrl(layerId) {
    const path = global.location.pathname;
    const match = /\/map\/[^/]+\/?$/.exec(path);
    if (!match || !global.history || !global.history.replaceState) return;
    const next = path.slice(0, match.index) + "/map/" + encodeURIComponent(layerId);
    global.history.replaceState(global.history.state, "",
      next + global.location.search + global.location.hash);
  }

  /** Side of a cell of HoverCanvas's index of areas, in screen pixels. */
  const HOVER_CELL = 128;

  /**
   * A canvas renderer whose pointer finds its area fast among thousands. Leaflet's own (1.9.4,
   * vendored and pinned; its internals are used here) tests every area of the map on a move, at
   * most once per 32 ms, dropping the moves in between. This one looks only at the areas whose
   * box meets the pointer's cell of a grid over the canvas (rebuilt after a pan, zoom or change
   * of areas), answers a move at once, then at most once per frame with that frame's latest
   * move: none is dropped.
   */
  const HoverCanvas = L.Canvas.extend({
    _update() {
      L.Canvas.prototype._update.call(this);
      this._hoverGrid = null;
    },
    _initPath(layer) {
      L.Canvas.prototype._initPath.call(this, layer);
      this._hoverGrid = null;
    },
    _removePath(layer) {
      L.Canvas.prototype._removePath.call(this, layer);
      this._hoverGrid = null;
    },
    _buildHoverGrid() {
      const grid = new Map();
      const view = this._bounds;
      for (let order = this._drawFirst; order; order = order.next) {
        const layer = order.layer;
        const box = layer._pxBounds;
        if (!box || !layer.options.interactive || (view && !view.intersects(box))) continue;
        const low = view ? L.point(Math.max(box.min.x, view.min.x), Math.max(box.min.y, view.min.y))
          : box.min;
        const high = view ? L.point(Math.min(box.max.x, view.max.x), Math.min(box.max.y, view.max.y))
          : box.max;
        for (let x = Math.floor(low.x / HOVER_CELL); x <= Math.floor(high.x / HOVER_CELL); x++) {
          for (let y = Math.floor(low.y / HOVER_CELL); y <= Math.floor(high.y / HOVER_CELL); y++) {
            const key = x + "," + y;
            if (!grid.has(key)) grid.set(key, []);
            grid.get(key).push(layer);
          }
        }
      }
      return grid;
    },
    _handleMouseHover(event, point) {
      if (this._hoverFrame) {
        this._hoverNext = [event, point];
        return;
      }
      this._hoverAt(event, point);
      this._hoverFrame = L.Util.requestAnimFrame(() => {
        this._hoverFrame = null;
        const next = this._hoverNext;
        this._hoverNext = null;
        if (next) this._handleMouseHover(next[0], next[1]);
      });
    },
    _hoverAt(event, point) {
      if (!this._hoverGrid) this._hoverGrid = this._buildHoverGrid();
      const near = this._hoverGrid.get(Math.floor(point.x / HOVER_CELL) + "," +
        Math.floor(point.y / HOVER_CELL)) || [];
      let found = null;
      for (const layer of near) {
        if (layer._containsPoint(point)) {
          found = layer;
          if (layer === this._hoveredLayer) break; // on a shared edge: keep the one hovered
        }
      }
      if (found !== this._hoveredLayer) {
        this._handleMouseOut(event);
        if (found) {
          L.DomUtil.addClass(this._container, "leaflet-interactive");
          this._fireEvent([found], event, "mouseover");
          this._hoveredLayer = found;
        }
      }
      this._fireEvent(this._hoveredLayer ? [this._hoveredLayer] : false, event);
    },
  });

  /**
   * Fit ``bounds`` at the zoom that fits the whole map, then, where the fitted area is narrow
   * enough, move it sideways into the room between the bottom corners' controls (the
   * custom-area panel on the left, the legend on the right, which may still be empty), so
   * neither covers part of it (Zeeland, at the bottom left of the country). Never zooms out
   * for them: where there is no such room they overlap as before.
   */
  function fitBesideCorners(map, bounds) {
    const zoom = map.getBoundsZoom(bounds);
    const size = map.getSize();
    const corner = (side) => map.getContainer().querySelector(".leaflet-bottom.leaflet-" + side);
    const left = corner("left") ? corner("left").offsetWidth : 0;
    // the legend may still be empty (hidden): count the room its CSS max-width gives it
    const legend = map.getContainer().querySelector(".gi-legend");
    const legendRoom = legend ? parseFloat(getComputedStyle(legend).maxWidth) + 10 || 0 : 0;
    const right = Math.max(corner("right") ? corner("right").offsetWidth : 0, legendRoom);
    const southWest = map.project(bounds.getSouthWest(), zoom);
    const northEast = map.project(bounds.getNorthEast(), zoom);
    const room = size.x - left - right;
    let middle = southWest.add(northEast).divideBy(2); // as fitBounds centres: in pixels
    if (northEast.x - southWest.x <= room) {
      middle = middle.subtract(L.point(left + room / 2 - size.x / 2, 0));
    }
    map.setView(map.unproject(middle, zoom), zoom, { animate: false });
  }

  function geoinsightChoropleth(map, config) {
    const labels = config.labels || {};
    const locale = config.locale || "nl-NL";
    const format = makeFormatter(locale);
    const messages = createMessages(map);
    const legend = createLegend(map, labels, config.about_url);
    L.control.scale({ imperial: false }).addTo(map); // metric only: a Dutch map
    const titles = new Map(config.layers.map((l) => [l.id, l.title]));
    const valuesCache = new Map(); // layer id -> Promise of {payload, byCode}
    const drawn = new Map(); // layer id -> {payload, byCode} applied to that layer
    const layers = new Map(); // layer id -> L.GeoJSON (empty until first shown)
    let areas = null;
    let activeId = config.active;
    let attribution = null;
    let ready = false;
    const spots = config.signals_url ? L.featureGroup() : null;
    let spotsOn = false;
    const rasters = rasterOverlays(map, config.rasters || []);
    const rastersOn = new Set();
    let spotRun = 0;

    function styleFor(layerId, feature) {
      const state = drawn.get(layerId);
      if (!state) return Object.assign({}, BASE_STYLE, { fillColor: LOADING_FILL });
      const record = state.byCode.get(feature.properties.code);
      const classes = state.payload.classes || [];
      let fill;
      if (record && record.class !== null && record.class !== undefined && classes[record.class]) {
        fill = classes[record.class].color;
      } else {
        const status = record && record.status !== "ok" ? record.status : "missing";
        const entry = nodataEntries(state.payload, labels).find((n) => n.status === status);
        fill = entry ? entry.color : FALLBACK_NODATA.missing;
      }
      return Object.assign({}, BASE_STYLE, { fillColor: fill });
    }

    function tooltipFor(layerId, feature) {
      const props = feature.properties || {};
      const state = drawn.get(layerId);
      const record = state ? state.byCode.get(props.code) : undefined;
      const box = el("div", "gi-tip");
      box.appendChild(el("div", "gi-tip-name", props.name || (record && record.name) || props.code));
      const code = el("div", "gi-tip-row");
      code.appendChild(el("span", "gi-tip-key", labels.code));
      code.appendChild(el("span", "gi-tip-value", props.code));
      box.appendChild(code);
      if (state) {
        const value = el("div", "gi-tip-row");
        value.appendChild(el("span", "gi-tip-key", labels.value));
        value.appendChild(el("span", "gi-tip-value", valueText(record, state.payload)));
        box.appendChild(value);
      }
      return box;
    }

    function valueText(record, payload) {
      if (!record || record.value === null || record.value === undefined) {
        const status = record && record.status === "secret" ? "secret" : "missing";
        return labels[status];
      }
      // named classes (energy label letters) say more than the number behind them
      const named = payload.categorical && payload.classes && payload.classes[record.class];
      const text = named ? named.label : withUnit(format(record.value), payload.unit);
      return record.status === "estimated" ? text + " (" + labels.estimated + ")" : text;
    }

    /** Tooltip, hover and click for every area of a layer, bound once on the layer (the
     * areas' events reach it) rather than on each of thousands of areas. */
    function bindAreaEvents(layerId, layer) {
      layer.bindTooltip((path) => tooltipFor(layerId, path.feature), {
        sticky: true, direction: "top", className: "gi-tooltip", opacity: 1,
      });
      layer.on("mouseover", (e) => {
        if (renderer) {
          outlineOf(e.layer);
          return;
        }
        e.layer.setStyle(HOVER_STYLE);
        // not for a focused area: moving its element in the page would take the focus away
        if (!e.keyboard) e.layer.bringToFront();
      });
      layer.on("mouseout", (e) => {
        if (renderer) outlineOf(null);
        else e.layer.setStyle(styleFor(layerId, e.layer.feature));
      });
      layer.on("click", (e) => {
        const code = e.layer.feature.properties && e.layer.feature.properties.code;
        if (code) {
          global.location.assign(config.profile_url.replace("{code}", encodeURIComponent(code)));
        }
      });
    }

    /** Keyboard access to an area drawn as an SVG path (a gemeente's map; the canvas of a
     * national map has no elements: its text alternative is the table one click away): it
     * takes focus in turn, says its name and figure, shows its tooltip and outline while
     * focused, and Enter or Space opens its profile, as a click does. */
    function keyboardArea(layerId, path) {
      const element = path.getElement && path.getElement();
      if (!element || element.dataset.giKeys) return;
      element.dataset.giKeys = "1";
      element.setAttribute("tabindex", "0");
      element.setAttribute("role", "link");
      nameArea(layerId, path);
      const centre = () => path.getBounds().getCenter();
      element.addEventListener("focus", () => path.fire("mouseover",
        { latlng: centre(), keyboard: true }, true));
      element.addEventListener("blur", () => path.fire("mouseout", { latlng: centre() }, true));
      element.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        path.fire("click", { latlng: centre() }, true); // true: the layer hears it too
      });
    }

    /** What a screen reader says for an area: its name and, once drawn, its figure. */
    function nameArea(layerId, path) {
      const element = path.getElement && path.getElement();
      if (!element) return;
      const props = path.feature.properties || {};
      const state = drawn.get(layerId);
      const record = state ? state.byCode.get(props.code) : undefined;
      const name = props.name || (record && record.name) || props.code;
      element.setAttribute("aria-label", state ? name + ": " + valueText(record, state.payload)
        : name);
    }

    function loadValues(layerId) {
      if (!valuesCache.has(layerId)) {
        const url = config.values_url.replace("{layer}", encodeURIComponent(layerId));
        const promise = fetchJson(url).then((payload) => ({
          payload,
          byCode: new Map((payload.values || []).map((v) => [v.code, v])),
        }));
        promise.catch(() => valuesCache.delete(layerId)); // a later switch retries
        valuesCache.set(layerId, promise);
      }
      return valuesCache.get(layerId);
    }

    function setAttribution(payload) {
      if (!map.attributionControl) return;
      if (attribution) map.attributionControl.removeAttribution(attribution);
      attribution = payload ? attributionHtml(payload, labels, locale) : null;
      if (attribution) map.attributionControl.addAttribution(attribution);
    }

    /** Outline the hot and cold spots (Gi*) of the active layer; nothing else is drawn. */
    async function drawSpots() {
      if (!spots) return;
      const run = ++spotRun; // only the latest call draws (toggles and switches overlap)
      if (!spotsOn) {
        spots.clearLayers();
        legend.spots(null);
        return;
      }
      const layerId = activeId;
      let payload;
      try {
        payload = await fetchJson(config.signals_url.replace("{layer}",
          encodeURIComponent(layerId)));
      } catch (err) {
        messages.error(labels.error, err.message);
        return;
      }
      if (run !== spotRun || layerId !== activeId || !spotsOn) return;
      spots.clearLayers();
      const kindOf = new Map((payload.areas || []).map((a) => [a.code, a.hotspot]));
      const counts = { hot: 0, cold: 0 };
      const marked = (areas.features || []).filter((f) => {
        const kind = kindOf.get(f.properties.code);
        if (kind === "hot" || kind === "cold") counts[kind] += 1;
        return kind === "hot" || kind === "cold";
      });
      L.geoJSON({ type: "FeatureCollection", features: marked }, {
        style: (f) => SPOT_STYLE[kindOf.get(f.properties.code)],
        interactive: false,
      }).eachLayer((l) => spots.addLayer(l));
      legend.spots(counts);
      document.body.dataset.spots = String(counts.hot + counts.cold);
    }

    async function show(layerId) {
      activeId = layerId;
      messages.loading(labels.loading);
      let state;
      try {
        state = await loadValues(layerId);
      } catch (err) {
        if (activeId === layerId) {
          legend.clear(); // never leave the previous layer's legend beside an error
          legend.rasters([...rastersOn], format); // the overlays that are on stay explained
          setAttribution(null);
          messages.error(labels.error, err.message);
        }
        return;
      }
      if (activeId !== layerId) return; // the user switched again meanwhile
      messages.clearError();
      drawn.set(layerId, state);
      const layer = layers.get(layerId);
      if (layer.getLayers().length === 0) layer.addData(areas); // styled as it is added
      else layer.setStyle((feature) => styleFor(layerId, feature));
      if (!renderer) layer.eachLayer((path) => nameArea(layerId, path));
      legend.update(state.payload);
      legend.rasters([...rastersOn], format);
      setAttribution(state.payload);
      messages.loading("");
      document.dispatchEvent(new CustomEvent("geoinsight:layerchange", {
        detail: { layer: layerId, title: state.payload.title, unit: state.payload.unit },
      }));
      if (spotsOn) await drawSpots();
      if (!ready) {
        ready = true;
        global.geoinsightReady = true;
        document.body.dataset.mapReady = "1";
        if (config.refine_url) {
          map.on("moveend", refine);
          refine();
        }
      }
    }

    function themeHeadings(container) {
      const list = container && container.querySelector(".leaflet-control-layers-base");
      if (!list) return;
      const labels = Array.from(list.children).filter((c) => c.tagName === "LABEL");
      let previous = null;
      labels.forEach((label, i) => {
        const theme = (config.layers[i] && config.layers[i].theme) || "";
        if (theme && theme !== previous) {
          const heading = document.createElement("div");
          heading.className = "gi-layer-theme";
          heading.textContent = theme;
          list.insertBefore(heading, label);
        }
        previous = theme;
      });
    }

    // A national or provincial map (config.refine_url): thousands of areas on one canvas
    // instead of as many SVG paths; overview geometry first, each gemeente's full detail once
    // the map is zoomed in on it (config.refine_zoom).
    const renderer = config.refine_url ? new HoverCanvas({ padding: 0.5 }) : undefined;
    // On that canvas, restyling the hovered area would redraw every area around it; its
    // outline is drawn instead as one SVG path in a pane of its own above the canvas, which
    // the pointer passes through (so the canvas still finds the areas under it).
    let outline = null;
    let outlineRenderer = null;

    function outlineOf(path) {
      if (outline) outline.remove();
      outline = null;
      if (!path) return;
      if (!outlineRenderer) {
        const pane = map.createPane("gi-outline");
        pane.style.pointerEvents = "none";
        pane.style.zIndex = 450; // above the areas, below tooltips
        outlineRenderer = L.svg({ pane: "gi-outline", padding: 0.1 });
      }
      outline = L.polygon(path.getLatLngs(), Object.assign(
        { interactive: false, fill: false, renderer: outlineRenderer, pane: "gi-outline" },
        HOVER_STYLE)).addTo(map);
    }
    const refined = new Set(); // gemeente codes whose full-detail geometry is drawn or coming
    let boxes = null; // gemeente code -> L.LatLngBounds of its overview areas

    function gemeenteBoxes() {
      if (boxes) return boxes;
      boxes = new Map();
      layers.get(activeId).eachLayer((path) => {
        const gm = path.feature.properties.gemeente_code;
        if (!gm) return;
        if (!boxes.has(gm)) boxes.set(gm, L.latLngBounds(path.getBounds()));
        else boxes.get(gm).extend(path.getBounds());
      });
      return boxes;
    }

    /** Swap one gemeente's overview areas for its full-detail ones, in every drawn layer. */
    function swapIn(gm, detailed) {
      const own = (f) => f.properties.gemeente_code === gm;
      const before = areas.features.filter(own);
      const codes = new Set(before.map((f) => f.properties.code + "/" + f.properties.year));
      const fine = (detailed.features || []).filter((f) =>
        codes.has(f.properties.code + "/" + f.properties.year));
      // only the same areas of the same boundary year, else the overview stays
      if (fine.length !== before.length) return;
      areas.features = areas.features.filter((f) => !own(f)).concat(fine);
      layers.forEach((layer) => {
        if (layer.getLayers().length === 0) return;
        layer.eachLayer((path) => {
          if (own(path.feature)) layer.removeLayer(path);
        });
        layer.addData({ type: "FeatureCollection", features: fine }); // styled as added
      });
    }

    function refine() {
      if (!config.refine_url || !ready || map.getZoom() < (config.refine_zoom || 12)) return;
      const view = map.getBounds();
      gemeenteBoxes().forEach((box, gm) => {
        if (refined.has(gm) || !view.intersects(box)) return;
        refined.add(gm);
        fetchJson(config.refine_url.replace("{gemeente}", encodeURIComponent(gm)))
          .then((detailed) => swapIn(gm, detailed))
          .catch(() => refined.delete(gm)); // the overview stays; a later move retries
      });
    }

    function buildLayers() {
      const base = {};
      config.layers.forEach((ref) => {
        const layer = L.geoJSON(null, {
          renderer: renderer,
          style: (feature) => styleFor(ref.id, feature),
          // an SVG path has its element once on the map: then it takes keyboard focus
          onEachFeature: renderer ? undefined
            : (feature, path) => path.on("add", () => keyboardArea(ref.id, path)),
        });
        bindAreaEvents(ref.id, layer);
        layer.geoinsightId = ref.id;
        layers.set(ref.id, layer);
        base[unique(base, ref.title, ref.id)] = layer; // Leaflet writes these names as HTML
      });
      const overlays = {};
      if (spots) overlays[escapeHtml(labels.hotspots)] = spots;
      rasters.forEach((layer) => {
        const r = layer.geoinsightRaster;
        overlays[unique(overlays, labels.raster + ": " + r.title, r.name)] = layer;
      });
      const entries = config.layers.length + Object.keys(overlays).length;
      const control = L.control.layers(base, overlays, { collapsed: entries > 6 });
      // group the layers under their theme: a heading before the first layer of each theme,
      // put back whenever Leaflet redraws the list (config.layers comes sorted by theme)
      const redraw = control._update;
      control._update = function () {
        const result = redraw.apply(this, arguments);
        themeHeadings(this.getContainer());
        return result;
      };
      control.addTo(map);
      if (spots) {
        map.on("overlayadd", (e) => {
          if (e.layer === spots) { spotsOn = true; drawSpots(); }
        });
        map.on("overlayremove", (e) => {
          if (e.layer === spots) { spotsOn = false; drawSpots(); }
        });
      }
      map.on("overlayadd overlayremove", (e) => {
        if (!e.layer.geoinsightRaster) return;
        if (e.type === "overlayadd") rastersOn.add(e.layer); else rastersOn.delete(e.layer);
        legend.rasters([...rastersOn], format);
        document.body.dataset.rasters = [...rastersOn].map((l) => l.geoinsightRaster.name)
          .join(" ");
      });
      const list = control.getContainer();
      list.setAttribute("aria-label", labels.layers || "");
      map.on("baselayerchange", (e) => {
        const id = e.layer.geoinsightId;
        if (id === undefined) return;
        replaceLayerInUrl(id);
        show(id);
      });
    }

    async function start() {
      if (!titles.has(activeId)) activeId = config.layers[0].id;
      messages.loading(labels.loading);
      loadValues(activeId).catch(() => {}); // fetched beside the geometry; show() reports errors
      try {
        areas = await fetchJson(config.areas_url);
      } catch (err) {
        messages.error(labels.error, err.message);
        return;
      }
      if (config.refine_url && areas.bbox && areas.bbox.length === 4) {
        // an overview map (national, provincial) fits itself to what it shows, beside the
        // panels in its bottom corners (custom area, legend) where the map is wide enough
        const [west, south, east, north] = areas.bbox;
        fitBesideCorners(map, L.latLngBounds([[south, west], [north, east]]));
      }
      buildLayers();
      layers.get(activeId).addTo(map);
      if (spots && config.overlay) {
        spotsOn = true;
        spots.addTo(map);
      }
      // a figure of a raster is shown with the raster itself on top, half see-through
      rasters.filter((l) => l.geoinsightRaster.figures.includes(activeId))
        .forEach((l) => l.addTo(map));
      await show(activeId);
      focusArea(new URLSearchParams(global.location.search).get("area"));
    }

    /** The area ``code`` (``?area=``, as a search result links): the map moves to it and
     *  outlines it above the layers, without taking the pointer from them. */
    function focusArea(code) {
      const features = ((areas && areas.features) || [])
        .filter((f) => f.properties && f.properties.code === code);
      if (!code || !features.length) return;
      map.createPane("gi-focus").style.zIndex = "450";
      map.getPane("gi-focus").style.pointerEvents = "none";
      const outline = L.geoJSON({ type: "FeatureCollection", features }, {
        pane: "gi-focus", interactive: false, style: FOCUS_STYLE,
      }).addTo(map);
      map.fitBounds(outline.getBounds(), { maxZoom: 16, padding: [60, 60], animate: false });
      document.body.dataset.focus = code;
    }

    start();
    global.geoinsightMap = map; // the page's own scripts (the PNG of this view) read its bounds
    return { show, layers };
  }

  global.geoinsightChoropleth = geoinsightChoropleth;
})(window);
