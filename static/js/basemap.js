// The offline basemap: country outlines and names, Mali's régions (approximate outlines and
// names) and towns by population, all shipped with the site (static/map/, made by
// `python -m peacemap.map.derive`). Each piece is fetched only when the view needs it.
// Labels sit in their own pane above the outlines and below every data layer, ignore the
// pointer, and never overlap one another: the larger place wins.
(function () {
  "use strict";

  var WEST_AFRICA = [[4, -18], [25, 16]];
  var MALI = [[10, -12.5], [25.1, 4.5]];
  var COUNTRIES_UNTIL = 6;   // country names give way to régions and towns beyond this zoom
  var REGIONS_FROM = 5;
  var REGIONS_UNTIL = 8;     // beyond, a région is wider than the view
  var MOST_TOWNS = 300;      // labels tried per view, the most populous first
  // The language of a piece's plain `name`: GeoNames' (English or local) and the région
  // table's (French official names).
  var NAME_LANGUAGE = { country: "en", town: "en", region: "fr" };
  var outline = { interactive: false, color: "#7a8793", weight: 1, fillColor: "#eef1ea", fillOpacity: 1 };
  var regionLine = { interactive: false, color: "#8d7f99", weight: 1, dashArray: "4 3", fill: false };

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    });
  }

  function toLatLng(pair) { return L.latLng(pair[1], pair[0]); }

  window.PeaceMapBasemap = function (map, data) {
    var lang = document.documentElement.lang || "fr";
    map.createPane("basemap").style.zIndex = 150;
    var pane = map.createPane("basemap-labels");
    pane.style.zIndex = 350;  // over outlines and tiles (200), under overlays (400) and markers (600)
    pane.classList.add("leaflet-zoom-hide");
    pane.setAttribute("aria-hidden", "true");  // the list below the map says where things are

    // The attribution names its sources in the page's language: let its direction follow.
    map.attributionControl.getContainer().dir = "auto";

    var countries = [];   // {latlng, props, rank}
    var regions = [];
    var towns = [];
    var fetched = {};
    var worldLoaded = false;
    var index = null;
    var indexRequested = false;
    var regionsRequested = false;

    function addCountries(url) {
      return getJSON(url).then(function (geojson) {
        L.geoJSON(geojson, { style: outline, pane: "basemap", interactive: false }).addTo(map);
        geojson.features.forEach(function (feature) {
          var p = feature.properties;
          if (p.label) {
            countries.push({ latlng: toLatLng(p.label), props: p, kind: "country", rank: 1e12 });
          }
        });
        layout();
      }).catch(function () { /* the data layers still show */ });
    }

    function loadIndex() {
      if (!indexRequested) {
        indexRequested = true;
        index = getJSON(data.basemapIndex).catch(function () { return { towns: [] }; });
      }
      return index;
    }

    function pieceUrl(name) { return new URL(name, new URL(data.basemapIndex, location.href)).href; }

    function loadRegions() {
      regionsRequested = true;
      loadIndex().then(function (list) {
        if (!list.regions) { return; }
        return getJSON(pieceUrl(list.regions)).then(function (geojson) {
          L.geoJSON(geojson, { style: regionLine, pane: "basemap", interactive: false }).addTo(map);
          geojson.features.forEach(function (feature) {
            if (feature.properties.small) { return; }  // its town's label names it
            regions.push({ latlng: toLatLng(feature.properties.label), props: feature.properties, kind: "region", rank: 1e11 });
          });
          layout();
        });
      }).catch(function () { /* no région names: the outlines still show */ });
    }

    function loadTowns(zoom, view) {
      loadIndex().then(function (list) {
        list.towns.forEach(function (piece) {
          var box = L.latLngBounds([piece[1][1], piece[1][0]], [piece[1][3], piece[1][2]]);
          if (piece[0] > zoom || fetched[piece[2]] || !box.intersects(view)) { return; }
          fetched[piece[2]] = true;
          getJSON(pieceUrl(piece[2])).then(function (geojson) {
            geojson.features.forEach(function (feature) {
              towns.push({
                latlng: toLatLng(feature.geometry.coordinates), props: feature.properties,
                kind: "town", minzoom: piece[0], rank: feature.properties.population
              });
            });
            layout();
          }).catch(function () { fetched[piece[2]] = false; });
        });
      });
    }

    function load() {
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.2);
      // The rest of the world is fetched only when the view leaves West Africa.
      var west = L.latLngBounds(WEST_AFRICA).pad(0.2);
      if (!worldLoaded && (zoom <= 2 || !west.contains(map.getCenter()))) {
        worldLoaded = true;
        addCountries(data.world);
      }
      if (zoom >= REGIONS_FROM && !regionsRequested && view.intersects(L.latLngBounds(MALI))) {
        loadRegions();
      }
      if (zoom >= REGIONS_FROM) { loadTowns(zoom, view); }
    }

    function candidates(zoom, view) {
      var list = [];
      if (zoom <= COUNTRIES_UNTIL) { list = list.concat(countries); }
      if (zoom >= REGIONS_FROM && zoom <= REGIONS_UNTIL) { list = list.concat(regions); }
      var shown = towns.filter(function (town) { return town.minzoom <= zoom && view.contains(town.latlng); });
      shown.sort(function (a, b) { return b.rank - a.rank; });
      list = list.filter(function (item) { return view.contains(item.latlng); });
      return list.concat(shown.slice(0, MOST_TOWNS));
    }

    function element(item) {
      var props = item.props;
      var label = document.createElement("span");
      label.className = "basemap-label basemap-" + item.kind;
      var own = props[lang] || (NAME_LANGUAGE[item.kind] === lang ? props.name : null);
      label.textContent = own || props.name;
      if (own) { label.lang = lang; }
      label.dir = own && lang === "ar" ? "rtl" : "auto";
      return label;
    }

    function overlaps(a, placed) {
      for (var i = 0; i < placed.length; i++) {
        var b = placed[i];
        if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) { return true; }
      }
      return false;
    }

    function layout() {
      var zoom = map.getZoom();
      var items = candidates(zoom, map.getBounds().pad(0.1));
      pane.textContent = "";
      var fragment = document.createDocumentFragment();
      var labels = items.map(function (item) {
        var label = element(item);
        fragment.appendChild(label);
        return label;
      });
      pane.appendChild(fragment);
      // Measure every label first (one layout), then place them.
      var sizes = labels.map(function (label) { return [label.offsetWidth, label.offsetHeight]; });
      var placed = [];
      var margin = 3;
      items.forEach(function (item, i) {
        var label = labels[i];
        var width = sizes[i][0], height = sizes[i][1];
        var point = map.latLngToLayerPoint(item.latlng);
        // A town's dot is at its place, its name to the right; other names are centred.
        var corner = item.kind === "town" ? point.subtract([3, height / 2]) : point.subtract([width / 2, height / 2]);
        var box = [corner.x - margin, corner.y - margin, corner.x + width + margin, corner.y + height + margin];
        if (overlaps(box, placed)) {
          label.remove();
        } else {
          placed.push(box);
          L.DomUtil.setPosition(label, corner.round());
        }
      });
    }

    map.on("moveend", function () { load(); layout(); });
    // Outlines come in a later task, so the page answers input first.
    setTimeout(function () { addCountries(data.basemap); load(); }, 0);
  };
}());
