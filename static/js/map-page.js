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
});
