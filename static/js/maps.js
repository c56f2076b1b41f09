// Maps drawn with the vendored Leaflet over Natural Earth country boundaries (no tile server:
// the portal works offline). Wired by data- attributes:
//   data-map                 the map's box
//   data-boundaries="URL"    TopoJSON of the countries (world-atlas), drawn as land and borders
//   data-map-points="ID"     id of a json_script holding [{lat, lon, title, url, marking, tlp, place}]
//   data-map-pick="LAT,LON"  ids of the latitude and longitude inputs: a click sets them, and
//                            typing in them moves the marker

const TLP_COLOURS = ["#666666", "#33a532", "#ffc000", "#ffc000", "#ff2b2b"];
const boundaries = new Map();

function loadBoundaries(url) {
  if (!boundaries.has(url)) {
    boundaries.set(
      url,
      fetch(url, { credentials: "same-origin" }).then((response) => {
        if (!response.ok) throw new Error(`boundaries: ${response.status}`);
        return response.json();
      }),
    );
  }
  return boundaries.get(url);
}

function drawBoundaries(map, url) {
  loadBoundaries(url)
    .then((topology) => {
      const countries = topology.objects.countries;
      window.L.geoJSON(window.topojson.feature(topology, countries), {
        interactive: false,
        style: { stroke: false, fillColor: "#e8e4d8", fillOpacity: 1 },
      }).addTo(map);
      const borders = window.topojson.mesh(topology, countries, (a, b) => a !== b);
      window.L.geoJSON(borders, {
        interactive: false,
        style: { color: "#8a8170", weight: 1, opacity: 0.9 },
      }).addTo(map);
      map.eachLayer((layer) => layer.bringToFront?.());
      map.fire("boundaries:drawn");
    })
    .catch(() => map.getContainer().classList.add("map-no-boundaries"));
}

function popup(point) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.href = point.url;
  link.textContent = point.title;
  box.append(link);
  const meta = document.createElement("div");
  meta.className = "map-popup-meta";
  meta.textContent = [point.marking, point.place].filter(Boolean).join(" · ");
  box.append(meta);
  return box;
}

function newMap(element) {
  const map = window.L.map(element, {
    worldCopyJump: true,
    minZoom: 1,
    maxZoom: 12,
    zoomSnap: 0.5,
    attributionControl: false,
  });
  map.setView([10, 0], 1.5);
  drawBoundaries(map, element.dataset.boundaries);
  return map;
}

function drawPoints(map, points) {
  const markers = points.map((point) =>
    window.L.circleMarker([point.lat, point.lon], {
      radius: 7,
      color: "#1f2a37",
      weight: 1,
      fillColor: TLP_COLOURS[point.tlp] ?? "#1d5fb4",
      fillOpacity: 0.9,
    })
      .bindPopup(popup(point))
      .addTo(map),
  );
  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), 6);
  } else if (markers.length > 1) {
    map.fitBounds(coreBounds(points).pad(0.5), { maxZoom: 7 });
  }
}

// Where most points lie (the middle 60% of latitudes and longitudes): a few reports from far
// away (TLP:CLEAR ones reach everyone) would otherwise zoom the map out to the whole world.
function coreBounds(points) {
  const quantile = (values, q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
  const lats = points.map((point) => point.lat).sort((a, b) => a - b);
  const lons = points.map((point) => point.lon).sort((a, b) => a - b);
  return window.L.latLngBounds(
    [quantile(lats, 0.2), quantile(lons, 0.2)],
    [quantile(lats, 0.8), quantile(lons, 0.8)],
  );
}

function parseCoordinate(input, limit) {
  const value = Number.parseFloat(input.value.replace(",", "."));
  return Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

function setUpPick(map, element) {
  const [latId, lonId] = element.dataset.mapPick.split(",");
  const lat = document.getElementById(latId);
  const lon = document.getElementById(lonId);
  if (!lat || !lon) return;
  let marker = null;
  const place = (latlng, pan) => {
    if (marker) marker.setLatLng(latlng);
    else marker = window.L.circleMarker(latlng, { radius: 8, color: "#1d5fb4", weight: 3 }).addTo(map);
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 5));
  };
  const fromInputs = (pan) => {
    const a = parseCoordinate(lat, 90);
    const b = parseCoordinate(lon, 180);
    if (a !== null && b !== null) place([a, b], pan);
  };
  fromInputs(true);
  [lat, lon].forEach((input) => input.addEventListener("change", () => fromInputs(true)));
  map.on("click", (event) => {
    const point = event.latlng.wrap();
    lat.value = point.lat.toFixed(5);
    lon.value = point.lng.toFixed(5);
    [lat, lon].forEach((input) => input.dispatchEvent(new Event("input", { bubbles: true })));
    place(point, false);
  });
}

function setUpMap(element) {
  if (!window.L || !window.topojson || element.dataset.mapReady) return;
  element.dataset.mapReady = "true";
  const map = newMap(element);
  const source = element.dataset.mapPoints && document.getElementById(element.dataset.mapPoints);
  if (source) drawPoints(map, JSON.parse(source.textContent));
  if (element.dataset.mapPick) setUpPick(map, element);
  // A map laid out while hidden (a tab, a collapsed panel) measures itself again when shown.
  new ResizeObserver(() => map.invalidateSize()).observe(element);
}

document.querySelectorAll("[data-map]").forEach(setUpMap);
