// Keep the page heading and the layer picker in step with the layer switcher on the map.
document.addEventListener("geoinsight:layerchange", function (event) {
  var detail = event.detail || {};
  var title = document.getElementById("gi-map-title");
  if (title && detail.title) {
    title.textContent = detail.title;
    document.title = detail.title + " · GeoInsight";
  }
  var picker = document.querySelector(".gi-map-form select[name=layer]");
  if (picker && detail.layer) {
    picker.value = detail.layer;
  }
  // the download menu follows the layer shown
  document.querySelectorAll(".gi-download a[data-href], a.gi-table-link[data-href]").forEach(function (link) {
    if (detail.layer) {
      link.href = link.dataset.href.replace("{layer}", encodeURIComponent(detail.layer));
    }
  });
});

// The year slider: each step is a year with figures; letting go of it loads that year's map
// (the geometry comes from the browser cache when the boundary year stays the same).
(function () {
  var box = document.querySelector(".gi-year-slider");
  if (!box) return;
  var years = box.dataset.years.split(",");
  var range = document.getElementById("gi-year-range");
  var output = document.getElementById("gi-year-output");
  range.addEventListener("input", function () {
    output.textContent = years[Number(range.value)];
    range.setAttribute("aria-valuetext", output.textContent);
  });
  range.addEventListener("change", function () {
    var url = new URL(window.location.href);
    url.searchParams.set("year", years[Number(range.value)]);
    window.location.assign(url.toString());
  });
})();

// The map as a PNG: the view the user has now (its bounds) at slide width, its shape kept.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.gi-map-png");
  var map = window.geoinsightMap;
  if (!link || !map) return;
  var b = map.getBounds();
  var size = map.getSize();
  var width = 1600;
  var height = Math.max(400, Math.min(3000, Math.round(width * size.y / Math.max(size.x, 1))));
  var url = new URL(link.href, window.location.href);
  url.searchParams.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
    .map(function (v) { return v.toFixed(6); }).join(","));
  url.searchParams.set("width", String(width));
  url.searchParams.set("height", String(height + 128)); // with the title and the footer
  link.href = url.toString();
}, true);

// The download menu closes once a file is chosen, or on a click elsewhere.
(function () {
  var menu = document.querySelector(".gi-download");
  if (!menu) return;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".gi-download a");
    if (link || !menu.contains(event.target)) menu.open = false;
  });
})();

// The layer list never runs under the legend: opened, it is at most as tall as the space
// above the legend, and scrolls beyond that.
(function () {
  function fit() {
    var list = document.querySelector(".leaflet-control-layers-expanded .leaflet-control-layers-list");
    if (!list) return;
    var legend = document.querySelector(".gi-legend");
    var bottom = legend && legend.offsetHeight
      ? legend.getBoundingClientRect().top - 12 : window.innerHeight - 12;
    var room = Math.max(72, Math.floor(bottom - list.getBoundingClientRect().top));
    list.style.maxHeight = room + "px";
    list.style.height = "auto";
    list.style.overflowY = "auto";
  }
  function later(event) {
    if (event.target.closest && event.target.closest(".leaflet-control-layers")) {
      window.requestAnimationFrame(fit);
    }
  }
  ["mouseover", "click", "focusin", "touchstart"].forEach(function (name) {
    document.addEventListener(name, later, { passive: true });
  });
  window.addEventListener("resize", fit);
})();

// The legend never runs over the layer control's button above it: at most as tall as the room
// between that button and the legend's own bottom edge (it is anchored there, above the
// attribution), and no taller than its stylesheet allows (60vh; 32vh on phones).
(function () {
  var BUTTON = 48; // the layer control, collapsed
  function fitLegend() {
    var legend = document.querySelector(".gi-legend");
    var control = document.querySelector(".leaflet-top.leaflet-right .leaflet-control-layers");
    if (!legend || !control || !legend.offsetHeight) return;
    legend.style.maxHeight = "";
    var css = parseFloat(getComputedStyle(legend).maxHeight) || Infinity;
    var room = legend.getBoundingClientRect().bottom -
      (control.getBoundingClientRect().top + BUTTON + 10);
    legend.style.maxHeight = Math.max(96, Math.min(css, Math.floor(room))) + "px";
  }
  window.addEventListener("resize", fitLegend);
  document.addEventListener("geoinsight:layerchange", function () {
    window.requestAnimationFrame(fitLegend);
  });
  window.addEventListener("load", fitLegend);
})();
