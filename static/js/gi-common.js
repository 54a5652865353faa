/*
 * GeoInsight's small shared browser helpers (window.GeoInsight), used by choropleth.js,
 * custom-area.js and planning.js. Text from data is only ever written with textContent.
 *
 * Plain ES2018, no dependencies beyond Leaflet (window.L) for legendControl.
 */
(function (global) {
  "use strict";

  /** Create an element with a class and text content (never HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** "12,5" + "%" -> "12,5%"; "4.835" + "inwoners per km²" -> "4.835 inwoners per km²". */
  function withUnit(text, unit) {
    if (!unit) return text;
    return unit === "%" ? text + unit : text + " " + unit;
  }

  /** An empty legend box in the map's bottom-right corner; returns its container element. */
  function legendControl(map, ariaLabel) {
    const Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd() {
        const div = el("div", "gi-legend");
        div.setAttribute("role", "region");
        div.setAttribute("aria-label", ariaLabel || "");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    return new Legend().addTo(map).getContainer();
  }

  /** One legend row: a colour swatch, its label and (when given) how many areas it holds. */
  function legendRow(color, label, count) {
    const item = el("div", "gi-legend-row");
    const swatch = el("span", "gi-swatch");
    swatch.style.backgroundColor = color;
    item.appendChild(swatch);
    item.appendChild(el("span", "gi-legend-label", label));
    if (count !== undefined && count !== null) {
      item.appendChild(el("span", "gi-legend-count", "(" + count + ")"));
    }
    return item;
  }

  /** Number formatter: fewer decimals as numbers grow, locale decimal comma/point. */
  function makeFormatter(locale) {
    const formats = [0, 1, 2].map((digits) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: digits }));
    return function (value) {
      const size = Math.abs(value);
      return formats[size >= 1000 ? 0 : size >= 10 ? 1 : 2].format(value);
    };
  }

  global.GeoInsight = { el: el, withUnit: withUnit, legendControl: legendControl,
                        legendRow: legendRow, makeFormatter: makeFormatter };
})(window);
