// The map page: Leaflet with clustered markers over an offline basemap. Without JavaScript
// the page shows the same records as a list grouped by region, so nothing here is needed
// to use the site; this only draws what the list already says.
(function () {
  "use strict";

  var WEST_AFRICA = [[4, -18], [25, 16]];
  var RESULTS_ZOOM = 10;  // the closest view a filter's results open at
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var data = element.dataset;
  var status = document.getElementById("map-status");
  var areaButton = document.getElementById("search-area");
  var filterForm = document.getElementById("map-filters");

  function label(name, values) {
    var text = data["label" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  // Counts: the page gives each message once per plural category of its language (CLDR's,
  // as Intl.PluralRules names them: data-count-group-one, data-count-group-few ...), with
  // "{n}" where the number goes, formatted here with Latin digits as Babel does on the page.
  var lang = document.documentElement.lang || "fr";
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl ? new Intl.NumberFormat(lang + "-u-nu-latn") : null;

  function counted(name, n) {
    var key = "count" + name.charAt(0).toUpperCase() + name.slice(1);
    var category = plurals ? plurals.select(n) : "other";
    var text = data[key + category.charAt(0).toUpperCase() + category.slice(1)] || data[key + "Other"] || "{n}";
    return text.replace("{n}", numbers ? numbers.format(n) : String(n));
  }

  function parseBbox(text) {
    // [west, south, east, north], south and north in either order as the server takes them.
    var parts = (text || "").split(",").map(Number);
    if (parts.length !== 4 || !parts.every(isFinite)) { return null; }
    return [parts[0], Math.min(parts[1], parts[3]), parts[2], Math.max(parts[1], parts[3])];
  }

  function inBbox(c, box) {
    // The server's rule (peacemap.map.services.in_bbox): edges included, west > east
    // crosses the antimeridian. The list below uses it too, so the map and the list agree.
    if (c[1] < box[1] || c[1] > box[3]) { return false; }
    return box[0] <= box[2] ? c[0] >= box[0] && c[0] <= box[2] : c[0] >= box[0] || c[0] <= box[2];
  }

  element.setAttribute("role", "region");
  element.setAttribute("aria-label", label("map"));

  element.textContent = "";  // the note for readers without JavaScript
  var map = L.map(element, { preferCanvas: true, worldCopyJump: true, minZoom: 2, maxZoom: 16 });
  element.leafletMap = map;  // for the browser tests, which read the view and the layers
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(data.attribution);

  // Basemap: outlines and names shipped with the site (static/js/basemap.js), under the
  // tiles when there are tiles, so the map stays readable offline or when a tile fails.
  if (window.PeaceMapBasemap) { window.PeaceMapBasemap(map, data); }

  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
  }

  // Where to look first: the chosen area, else the place in the address, else West Africa.
  var area = parseBbox(data.bbox);
  var fromHash = (location.hash.match(/^#(\d+)\/(-?[\d.]+)\/(-?[\d.]+)$/) || []).slice(1).map(Number);
  if (fromHash.length === 3) {
    map.setView([fromHash[1], fromHash[2]], fromHash[0]);
  } else if (area) {
    map.fitBounds([[area[1], area[0]], [area[3], area[2]]]);
  } else if (parseBbox(data.resultsBounds)) {
    // Filters or a search: the records they find, not closer than a town.
    var found = parseBbox(data.resultsBounds);
    map.fitBounds([[found[1], found[0]], [found[3], found[2]]], { maxZoom: RESULTS_ZOOM, padding: [24, 24] });
  } else {
    map.fitBounds(WEST_AFRICA);
  }

  // Symbols: their looks are in map.css, shared with the legend (same classes).
  var AREA_SIZES = { r: 32, c: 40 };

  function icon(kind, level) {
    // A town or an exact place: a 24-pixel target (WCAG 2.5.8) around a 14-pixel dot;
    // somewhere in a region ("r") or a country ("c"): a larger hollow ring, never a dot.
    var size = AREA_SIZES[level] || 24;
    return L.divIcon({ className: "dot dot-" + kind + (level ? " dot-area-" + level : ""), iconSize: [size, size] });
  }

  function groupIcon(count) {
    // Groups made on the server and groups made here look the same.
    var shown = count < 10000 ? String(count) : Math.round(count / 1000) + "k";
    return L.divIcon({ className: "marker-cluster", html: "<div><span>" + shown + "</span></div>", iconSize: [36, 36] });
  }

  function popupOptions() {
    // Always inside the map, even on a 320-pixel phone: narrow enough, scrolling when long,
    // and inside the part of the map on screen when the page is wider than the screen.
    var size = map.getSize();
    var box = element.getBoundingClientRect();
    var screen = document.documentElement.clientWidth || window.innerWidth;
    var left = Math.max(0, -box.left), right = Math.max(0, box.right - screen);
    var width = size.x - left - right;
    return {
      maxWidth: Math.max(120, Math.min(300, width - 60)),
      minWidth: Math.min(160, width - 60),
      maxHeight: Math.max(100, size.y - 90),
      autoPan: true,
      autoPanPaddingTopLeft: [12 + left, 12],
      autoPanPaddingBottomRight: [12 + right, 12]
    };
  }

  function popupContent(marker, kind, id) {
    // Sized when it opens (the map may have changed size since its marker was drawn).
    L.setOptions(marker.getPopup(), popupOptions());
    var box = document.createElement("div");
    box.className = "popup";
    box.textContent = label("loading");
    var url = data.popup.replace("KIND", kind + "s").replace("/0?", "/" + id + "?");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw response; } return response.json(); })
      .then(function (record) {
        box.textContent = "";
        var title = document.createElement("h3");
        title.dir = "auto";
        title.textContent = record.name + (record.acronym ? " (" + record.acronym + ")" : "");
        box.appendChild(title);
        [record.type, record.themes.join(", "), record.places.join(" · ")].forEach(function (text) {
          if (!text) { return; }
          var line = document.createElement("p");
          line.textContent = text;
          box.appendChild(line);
        });
        var link = document.createElement("a");
        link.href = record.url;
        link.textContent = label("open");
        box.appendChild(link);
      })
      .catch(function () { box.textContent = label("error"); })
      .then(function () {
        // Its real size is known now: lay it out and pan again (and keep it, not refetch).
        if (marker.getPopup()) { marker.getPopup().setContent(box); }
      });
    return box;
  }

  // One clustering group for both kinds, so that an organisation and an initiative in the
  // same town join one cluster instead of covering each other; each kind is a layer of its
  // own in the layer switcher, adding its markers to the shared group or taking them out.
  var clusters = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 80,
    iconCreateFunction: function (cluster) { return groupIcon(cluster.getChildCount()); }
  });
  clusters.addTo(map);

  var KindLayer = L.Layer.extend({
    initialize: function (kind) {
      this.kind = kind;
      this.mode = null;
      this.total = 0;
      this.drawn = 0;
      this.requested = null;
      this.markers = [];
      this.groups = L.layerGroup();
    },
    onAdd: function (target) {
      clusters.addLayers(this.markers);
      this.groups.addTo(target);
    },
    onRemove: function (target) {
      clusters.removeLayers(this.markers);
      target.removeLayer(this.groups);
    },
    show: function (geojson) {
      var kind = this.kind;
      var shown = map.hasLayer(this);
      if (shown) { clusters.removeLayers(this.markers); }
      this.groups.clearLayers();
      var meta = geojson.peacemap || {};
      this.mode = meta.mode;
      this.total = meta.total || 0;
      var markers = [];
      var groups = this.groups;
      var areas = meta.areas || [];
      var records = {};  // what the status line counts: the records drawn (or grouped)
      var grouped = 0;
      geojson.features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var at = [c[1], c[0]];
        if (area && !inBbox(c, area)) {
          return;  // outside the area chosen with "Search this area"
        }
        if (meta.mode === "grouped") {
          var count = feature.properties.count;
          grouped += count;
          var b = feature.properties.bounds;
          var marker = L.marker(at, { icon: groupIcon(count), title: counted("group", count), alt: counted("group", count), keyboard: true });
          marker.on("click keypress", function () {
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: map.getZoom() + 3 });
          });
          groups.addLayer(marker);
        } else {
          var place = areas[feature.properties.p];  // ["r", "Somewhere in the Gao region"]
          var title = place ? place[1] : label(kind + "s");
          var point = L.marker(at, {
            icon: icon(kind, place && place[0]),
            keyboard: true,
            title: title,
            alt: title,
            zIndexOffset: place ? -500 : 0  // a town's dot stays above its region's ring
          });
          point.bindPopup(function () { return popupContent(point, kind, feature.id); });
          markers.push(point);
          records[feature.id] = true;
        }
      });
      this.drawn = grouped + Object.keys(records).length;
      this.markers = markers;
      if (shown) { clusters.addLayers(markers); }
    }
  });

  function makeLayer(kind) {
    return new KindLayer(kind);
  }

  var layers = {
    organisation: makeLayer("organisation"),
    initiative: makeLayer("initiative")
  };
  layers.organisation.addTo(map);
  layers.initiative.addTo(map);
  var overlays = {};
  overlays[label("organisations")] = layers.organisation;
  overlays[label("initiatives")] = layers.initiative;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  // While a popup is open the layer box steps aside (on a phone it would cover the popup).
  var panningForPopup = false;
  map.on("popupopen", function () { element.classList.add("popup-open"); });
  map.on("popupclose", function () { element.classList.remove("popup-open"); });
  map.on("autopanstart", function () { panningForPopup = true; });

  function viewBbox() {
    var b = map.getBounds().pad(0.25);
    var west = Math.max(b.getWest(), -180), south = Math.max(b.getSouth(), -90);
    var east = Math.min(b.getEast(), 180), north = Math.min(b.getNorth(), 90);
    if (area) {  // never ask for more than the chosen area
      west = Math.max(west, area[0]); south = Math.max(south, area[1]);
      east = Math.min(east, area[2]); north = Math.min(north, area[3]);
    }
    if (west > east || south > north) { return null; }
    return [west, south, east, north].map(function (v) { return v.toFixed(4); }).join(",");
  }

  function report() {
    var grouped = layers.organisation.mode === "grouped" || layers.initiative.mode === "grouped";
    // What is drawn (in the chosen area, when there is one), as the list below counts it.
    status.textContent = label("shown", { organisations: counted("organisations", layers.organisation.drawn), initiatives: counted("initiatives", layers.initiative.drawn) }) +
      (grouped ? " " + label("grouped") : "");
  }

  function load(layer) {
    if (layer.mode === "all") { return Promise.resolve(); }  // everything is already drawn
    var bbox = viewBbox();
    if (!bbox) { return Promise.resolve(); }
    var url = data[layer.kind + "s"] + "&zoom=" + map.getZoom() + "&bbox=" + bbox;
    layer.requested = url;
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { if (!response.ok) { throw response; } return response.json(); })
      .then(function (geojson) { if (layer.requested === url) { layer.show(geojson); } })
      .catch(function () { status.textContent = label("error"); });
  }

  function loadAll() {
    status.textContent = label("loading");
    Promise.all([load(layers.organisation), load(layers.initiative)]).then(report);
  }

  var moved = false;
  map.on("moveend", function () {
    var centre = map.getCenter();
    history.replaceState(null, "", "#" + map.getZoom() + "/" + centre.lat.toFixed(4) + "/" + centre.lng.toFixed(4));
    if (panningForPopup) {  // the map moved to show a popup: reloading would close it
      panningForPopup = false;
      return;
    }
    if (moved) { areaButton.hidden = false; }
    loadAll();
  });
  map.on("movestart", function () { moved = true; });

  // "Search this area": the list and the map keep only what is in view, in the address too.
  areaButton.addEventListener("click", function () {
    var field = filterForm.querySelector("input[name=bbox]");
    var b = map.getBounds();
    field.value = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)]
      .map(function (v) { return v.toFixed(4); }).join(",");
    field.disabled = false;
    filterForm.submit();
  });

  setTimeout(loadAll, 0);
}());
