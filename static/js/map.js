/* Map page: photos with a GPS position as clustered markers.
 * The server groups the photos inside the visible box into cells of about 60 screen
 * pixels (GET /api/v1/search/map/?bbox=...&zoom=...), so a workspace with hundreds of
 * thousands of positions sends at most a few hundred markers. Tiles come from the tile
 * URL the server is configured with and are loaded by the browser. */
(function () {
  "use strict";

  var holder = document.getElementById("map");
  var configNode = document.getElementById("map-config");
  if (!holder || !configNode || typeof L === "undefined") return;
  var config = JSON.parse(configNode.textContent);
  var query = new URLSearchParams(config.query || "");
  var saved = new URLSearchParams(window.location.hash.slice(1));

  var map = L.map(holder, { worldCopyJump: true, minZoom: 1 });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var request = null;
  var fitted = false;

  if (saved.get("z") && saved.get("c")) {
    var centre = saved.get("c").split(",").map(Number);
    map.setView(centre, Number(saved.get("z")));
  } else {
    map.setView([20, 0], 2);
  }

  function wrap(lon) {
    return ((((lon + 180) % 360) + 360) % 360) - 180;
  }

  function bboxParam() {
    var b = map.getBounds();
    var west = b.getWest();
    var east = b.getEast();
    if (east - west >= 360) {
      west = -180;
      east = 180;
    } else {
      west = wrap(west);
      east = wrap(east);
    }
    var south = Math.max(-90, b.getSouth());
    var north = Math.min(90, b.getNorth());
    return [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
  }

  function searchLink(bounds) {
    var next = new URLSearchParams(query.toString());
    // A little margin: a cluster of one photo has an empty box.
    var pad = 0.0005;
    next.set(
      "bbox",
      [bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad]
        .map(function (n) { return n.toFixed(5); })
        .join(",")
    );
    return config.search + "?" + next.toString();
  }

  function popup(cluster) {
    var box = document.createElement("div");
    box.className = "map-popup";
    if (cluster.asset) {
      var img = document.createElement("img");
      img.src = cluster.asset.thumbnail;
      img.alt = cluster.asset.title;
      img.width = 160;
      box.appendChild(img);
      var title = document.createElement("p");
      title.textContent = cluster.asset.title;
      box.appendChild(title);
    }
    var link = document.createElement("a");
    link.href = searchLink(cluster.bounds);
    link.textContent = holder.dataset.open + (cluster.count > 1 ? " (" + cluster.count + ")" : "");
    box.appendChild(link);
    return box;
  }

  function size(count) {
    if (count >= 1000) return "xl";
    if (count >= 100) return "l";
    if (count >= 10) return "m";
    return "s";
  }

  function draw(clusters) {
    layer.clearLayers();
    var bounds = [];
    clusters.forEach(function (cluster) {
      var icon;
      if (cluster.count === 1 && cluster.asset) {
        icon = L.divIcon({
          className: "map-photo",
          html: "",
          iconSize: [44, 44],
        });
      } else {
        icon = L.divIcon({
          className: "map-cluster map-cluster-" + size(cluster.count),
          html: "",
          iconSize: [40, 40],
        });
      }
      var marker = L.marker([cluster.latitude, cluster.longitude], {
        icon: icon,
        keyboard: true,
        title: cluster.count === 1 && cluster.asset ? cluster.asset.title : cluster.count + " photos",
      });
      marker.on("add", function () {
        // Filled in as DOM, never as HTML: titles are user text.
        var node = marker.getElement();
        if (!node) return;
        node.textContent = "";
        if (cluster.count === 1 && cluster.asset) {
          var img = document.createElement("img");
          img.src = cluster.asset.thumbnail;
          img.alt = "";
          node.appendChild(img);
        } else {
          var label = document.createElement("span");
          label.textContent = cluster.count >= 10000 ? Math.round(cluster.count / 1000) + "k" : String(cluster.count);
          node.appendChild(label);
        }
      });
      if (cluster.count > 1 && map.getZoom() < 18 && cluster.bounds[0] !== cluster.bounds[2]) {
        marker.on("click", function () {
          map.fitBounds([[cluster.bounds[1], cluster.bounds[0]], [cluster.bounds[3], cluster.bounds[2]]], { padding: [40, 40] });
        });
      } else {
        marker.bindPopup(function () { return popup(cluster); });
      }
      marker.addTo(layer);
      bounds.push([cluster.latitude, cluster.longitude]);
    });
    holder.classList.toggle("map-empty", clusters.length === 0);
    holder.setAttribute("data-count", String(clusters.length));
    return bounds;
  }

  function load() {
    var params = new URLSearchParams(query.toString());
    params.set("bbox", bboxParam());
    params.set("zoom", String(map.getZoom()));
    if (request) request.abort();
    request = new AbortController();
    fetch(config.clusters + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: request.signal,
    })
      .then(function (response) { return response.ok ? response.json() : { clusters: [] }; })
      .then(function (data) {
        var points = draw(data.clusters || []);
        if (!fitted && !saved.get("z") && points.length) {
          // First view: frame the photos rather than the whole world.
          fitted = true;
          map.fitBounds(points, { padding: [40, 40], maxZoom: 12 });
        }
      })
      .catch(function () { /* aborted by a newer view */ });
    var c = map.getCenter();
    history.replaceState(null, "", "#z=" + map.getZoom() + "&c=" + c.lat.toFixed(4) + "," + c.lng.toFixed(4));
  }

  map.on("moveend", load);
  load();
})();
