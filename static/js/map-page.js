// Keep the page heading in step with the layer switcher on the map.
document.addEventListener("geoinsight:layerchange", function (event) {
  var title = document.getElementById("gi-map-title");
  if (title && event.detail && event.detail.title) {
    title.textContent = event.detail.title;
    document.title = event.detail.title + " · GeoInsight";
  }
});
