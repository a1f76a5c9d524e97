// The map of the models: Leaflet, tiles only when a tile URL is set (an office may be offline),
// the points drawn as circle markers either way. #map gets data-ready="1" once the points are on.
(function () {
  "use strict";
  var el = document.getElementById("map");
  // No animations: a map that is still zooming when printed or captured is drawn half-scaled.
  var map = L.map(el, { zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false })
    .setView([12.6, 107.9], 9);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
  }
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9,
                                          fillColor: "#d1242f", className: "model-point" });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          var a = document.createElement("a");
          a.href = "/web/records/" + encodeURIComponent(feature.id);
          a.textContent = p.name || feature.id;
          var box = document.createElement("div");
          box.appendChild(a);
          if (p.status) { box.appendChild(document.createElement("br")); box.appendChild(document.createTextNode(p.status)); }
          lyr.bindPopup(box);
        }
      }).addTo(map);
      var n = fc.features.length;
      document.getElementById("map-count").textContent = n ? (n + " " + el.dataset.countLabel) : el.dataset.empty;
      if (n) { map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 14 }); }
      el.setAttribute("data-ready", "1");
      el.setAttribute("data-points", String(n));
    });
}());
