// The district map that the console and the wall screen share (MapLibre GL JS, from npm via the build).
// The base layer is configured by URL: a MapLibre style, or raster XYZ/WMTS tile templates (for example a government
// tile service with its key). Without one (offline, or not configured) it draws the district's own approximate
// vector data shipped in /data: the ten streets and towns, the main roads, Suzhou Creek and the other waterways.
// Over either: incidents clustered and coloured by priority, the selected one ringed, a heat layer of one kind of
// open incident with a legend, and the workers' positions and status.
import {
  Map as MapLibre,
  NavigationControl,
  ScaleControl,
  AttributionControl,
} from '/lib/maplibre-gl-6.20.0/maplibre-gl.mjs';
import { t, lang, zh, named, labelOf } from './common.js';

export const PRIORITY_COLOURS = { P1: '#ff4d4f', P2: '#fa8c16', P3: '#fadb14', P4: '#52c41a' };
const WORKER_COLOURS = { OnDutyFree: '#36cfc9', Busy: '#fa8c16', OffDuty: '#8c8c8c' };
const FONTS = ['WenQuanYi Micro Hei', 'Noto Sans CJK SC'];
const EMPTY = { type: 'FeatureCollection', features: [] };
/** Putuo's bounds as the catalog gives them (west, south, east, north). */
export const DISTRICT = [121.33, 31.205, 121.47, 31.305];

let config;
/** The base layer's configuration: the server's /api/v1/map-config, else the file shipped with the pages. */
async function mapConfig() {
  config ??= (async () => {
    for (const url of ['/api/v1/map-config', '/data/map-config.json']) {
      try {
        const response = await fetch(url, { headers: { accept: 'application/json' } });
        if (response.ok) return await response.json();
      } catch {
        // Try the next one.
      }
    }
    return { baseTiles: null };
  })();
  return config;
}

const geo = {};
const data = (name) =>
  (geo[name] ??= fetch(`/data/${name}.geo.json`)
    .then((r) => (r.ok ? r.json() : EMPTY))
    .catch(() => EMPTY));

/** Whether this browser can draw the map at all (WebGL). */
export function canDraw() {
  try {
    const canvas = document.createElement('canvas');
    return !!(canvas.getContext('webgl2') || canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

const mapLocale = () =>
  zh()
    ? {
        'Map.Title': '地图',
        'NavigationControl.ZoomIn': '放大',
        'NavigationControl.ZoomOut': '缩小',
        'NavigationControl.ResetBearing': '拖动旋转地图，点击恢复正北',
        'AttributionControl.ToggleAttribution': '数据来源',
        'ScaleControl.Meters': '米',
        'ScaleControl.Kilometers': '公里',
        'CooperativeGesturesHandler.WindowsHelpText': '按住 Ctrl 并滚动以缩放地图',
        'CooperativeGesturesHandler.MacHelpText': '按住 ⌘ 并滚动以缩放地图',
        'CooperativeGesturesHandler.MobileHelpText': '用两根手指移动地图',
      }
    : {};

/** The base: the configured style URL, raster tiles, or the district's own vector data. */
async function baseStyle(cfg) {
  if (cfg.baseStyle) return cfg.baseStyle;
  const tiles = cfg.baseTiles ? [].concat(cfg.baseTiles) : [];
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#0b1524' } }],
  };
  tiles.forEach((template, i) => {
    style.sources[`base-${i}`] = {
      type: 'raster',
      tiles: [template],
      tileSize: cfg.tileSize ?? 256,
      maxzoom: cfg.maxZoom ?? 18,
      attribution: cfg.attribution ?? '',
    };
    style.layers.push({ id: `base-${i}`, type: 'raster', source: `base-${i}` });
  });
  return style;
}

/** The district's own layers: filled areas and water only when there is no base map, outlines and names always. */
function addDistrictLayers(map, offline, streets, roads, water) {
  const nameField = ['get', zh() ? 'zh' : 'en'];
  map.addSource('streets', { type: 'geojson', data: streets, attribution: t('map.approximate') });
  // One label per area at its own point: labels of the polygons themselves repeat across tile borders.
  map.addSource('street-labels', {
    type: 'geojson',
    data: {
      type: 'FeatureCollection',
      features: streets.features.map((f) =>
        point(...(f.properties.label ?? f.geometry.coordinates[0][0]), f.properties),
      ),
    },
  });
  map.addSource('roads', { type: 'geojson', data: roads });
  map.addSource('water', { type: 'geojson', data: water });
  if (offline) {
    map.addLayer({
      id: 'street-fill',
      type: 'fill',
      source: 'streets',
      paint: {
        'fill-color': [
          'match',
          ['%', ['index-of', ['get', 'code'], 'CSL CYXC CFXC YCL GQL SQL ZR WL CZ TP'], 3],
          0,
          '#16283f',
          1,
          '#1a2e48',
          '#142438',
        ],
      },
    });
    map.addLayer({
      id: 'park',
      type: 'fill',
      source: 'water',
      filter: ['==', ['get', 'class'], 'park'],
      paint: { 'fill-color': '#1d3b2c' },
    });
    map.addLayer({
      id: 'lake',
      type: 'fill',
      source: 'water',
      filter: ['==', ['get', 'class'], 'lake'],
      paint: { 'fill-color': '#1f5f8b' },
    });
    map.addLayer({
      id: 'waterway',
      type: 'line',
      source: 'water',
      filter: ['==', ['geometry-type'], 'LineString'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': '#2f7fb5',
        'line-width': [
          'interpolate',
          ['linear'],
          ['zoom'],
          11,
          ['match', ['get', 'class'], 'creek', 4, 1.5],
          16,
          ['match', ['get', 'class'], 'creek', 18, 6],
        ],
      },
    });
    map.addLayer({
      id: 'road',
      type: 'line',
      source: 'roads',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'class'], 'expressway', '#a0824a', '#5d6f86'],
        'line-width': [
          'interpolate',
          ['linear'],
          ['zoom'],
          11,
          ['match', ['get', 'class'], 'expressway', 2.5, 1],
          16,
          ['match', ['get', 'class'], 'expressway', 10, 5],
        ],
      },
    });
  }
  map.addLayer({
    id: 'street-line',
    type: 'line',
    source: 'streets',
    paint: { 'line-color': offline ? '#5b7fa8' : '#1d4f91', 'line-width': 1.5, 'line-dasharray': [3, 2] },
  });
  map.addLayer({
    id: 'street-name',
    type: 'symbol',
    source: 'street-labels',
    layout: {
      'text-field': nameField,
      'text-font': FONTS,
      'text-size': ['interpolate', ['linear'], ['zoom'], 11, 12, 15, 18],
      'text-max-width': 8,
    },
    paint: {
      'text-color': offline ? '#c9d6e6' : '#0b2a52',
      'text-halo-color': offline ? '#0b1524' : '#ffffff',
      'text-halo-width': 1.5,
    },
  });
  if (offline) {
    map.addLayer({
      id: 'waterway-name',
      type: 'symbol',
      source: 'water',
      filter: ['==', ['geometry-type'], 'LineString'],
      minzoom: 12,
      layout: { 'symbol-placement': 'line', 'text-field': nameField, 'text-font': FONTS, 'text-size': 12 },
      paint: { 'text-color': '#8cc4ec', 'text-halo-color': '#0b1524', 'text-halo-width': 1.2 },
    });
    map.addLayer({
      id: 'road-name',
      type: 'symbol',
      source: 'roads',
      minzoom: 13,
      layout: { 'symbol-placement': 'line', 'text-field': nameField, 'text-font': FONTS, 'text-size': 11 },
      paint: { 'text-color': '#b8c4d2', 'text-halo-color': '#0b1524', 'text-halo-width': 1.2 },
    });
  }
}

/** The layers of what happens: heat, incidents (clustered), the selected ring, workers. */
function addLiveLayers(map) {
  map.addSource('heat', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'heat',
    type: 'heatmap',
    source: 'heat',
    paint: {
      // Each point is a cell of about 200 m with its count of incidents.
      'heatmap-weight': ['interpolate', ['linear'], ['get', 'count'], 0, 0, 1, 0.35, 10, 1],
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 11, 18, 16, 50],
      'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 11, 0.8, 16, 2],
      'heatmap-color': [
        'interpolate',
        ['linear'],
        ['heatmap-density'],
        0,
        'rgba(33,102,172,0)',
        0.2,
        '#2c7bb6',
        0.45,
        '#abd9e9',
        0.65,
        '#ffffbf',
        0.85,
        '#fdae61',
        1,
        '#d7191c',
      ],
      'heatmap-opacity': 0.8,
    },
  });
  const count = (p) => ['+', ['case', ['==', ['get', 'priority'], p], 1, 0]];
  map.addSource('incidents', {
    type: 'geojson',
    data: EMPTY,
    cluster: true,
    clusterRadius: 40,
    clusterMaxZoom: 15,
    clusterProperties: { p1: count('P1'), p2: count('P2'), p3: count('P3') },
  });
  const clusterColour = [
    'case',
    ['>', ['get', 'p1'], 0],
    PRIORITY_COLOURS.P1,
    ['>', ['get', 'p2'], 0],
    PRIORITY_COLOURS.P2,
    ['>', ['get', 'p3'], 0],
    PRIORITY_COLOURS.P3,
    PRIORITY_COLOURS.P4,
  ];
  map.addLayer({
    id: 'cluster',
    type: 'circle',
    source: 'incidents',
    filter: ['has', 'point_count'],
    paint: {
      'circle-color': clusterColour,
      'circle-opacity': 0.85,
      'circle-stroke-color': '#0b1524',
      'circle-stroke-width': 2,
      'circle-radius': ['step', ['get', 'point_count'], 13, 10, 17, 50, 22, 200, 28],
    },
  });
  map.addLayer({
    id: 'cluster-count',
    type: 'symbol',
    source: 'incidents',
    filter: ['has', 'point_count'],
    layout: {
      'text-field': ['get', 'point_count_abbreviated'],
      'text-font': FONTS,
      'text-size': 13,
      'text-allow-overlap': true,
    },
    paint: { 'text-color': ['case', ['>', ['get', 'p1'], 0], '#ffffff', '#111111'] },
  });
  map.addLayer({
    id: 'incident',
    type: 'circle',
    source: 'incidents',
    filter: ['!', ['has', 'point_count']],
    paint: {
      'circle-color': [
        'match',
        ['get', 'priority'],
        'P1',
        PRIORITY_COLOURS.P1,
        'P2',
        PRIORITY_COLOURS.P2,
        'P3',
        PRIORITY_COLOURS.P3,
        PRIORITY_COLOURS.P4,
      ],
      'circle-radius': ['match', ['get', 'priority'], 'P1', 9, 'P2', 7, 6],
      'circle-stroke-color': ['case', ['>=', ['get', 'escalation'], 2], '#ffffff', '#0b1524'],
      'circle-stroke-width': ['case', ['>=', ['get', 'escalation'], 2], 2.5, 1.5],
    },
  });
  map.addSource('selected', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'selected-halo',
    type: 'circle',
    source: 'selected',
    paint: {
      'circle-radius': 20,
      'circle-color': 'rgba(61,139,253,0.25)',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 3,
    },
  });
  map.addSource('workers', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'worker-accuracy',
    type: 'circle',
    source: 'workers',
    paint: {
      // The fix's accuracy in metres, drawn to scale (metres per pixel at Putuo's latitude halves with each zoom).
      'circle-radius': [
        'interpolate',
        ['exponential', 2],
        ['zoom'],
        10,
        ['/', ['get', 'accuracy'], 130.7],
        20,
        ['/', ['get', 'accuracy'], 0.1277],
      ],
      'circle-color': 'rgba(54,207,201,0.12)',
      'circle-stroke-color': 'rgba(54,207,201,0.5)',
      'circle-stroke-width': 1,
    },
  });
  for (const status of Object.keys(WORKER_COLOURS))
    map.addImage(`worker-${status}`, workerIcon(WORKER_COLOURS[status]), { pixelRatio: 2 });
  map.addLayer({
    id: 'worker',
    type: 'symbol',
    source: 'workers',
    layout: {
      'icon-image': ['concat', 'worker-', ['get', 'status']],
      'icon-allow-overlap': true,
      'text-field': ['get', 'name'],
      'text-font': FONTS,
      'text-size': 12,
      'text-offset': [0, 1.4],
      'text-anchor': 'top',
      'text-optional': true,
    },
    paint: { 'text-color': '#e6edf6', 'text-halo-color': '#0b1524', 'text-halo-width': 1.5 },
  });
}

/** A worker's marker: a rounded square (never a circle, which means an incident) in the status colour. */
function workerIcon(colour) {
  const size = 36;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d');
  g.fillStyle = colour;
  g.strokeStyle = '#0b1524';
  g.lineWidth = 4;
  g.beginPath();
  g.roundRect(4, 4, size - 8, size - 8, 7);
  g.fill();
  g.stroke();
  g.fillStyle = '#0b1524';
  g.beginPath();
  g.arc(size / 2, 14, 5, 0, Math.PI * 2);
  g.fill();
  g.beginPath();
  g.roundRect(size / 2 - 8, 21, 16, 8, 4);
  g.fill();
  return g.getImageData(0, 0, size, size);
}

const point = (lon, lat, properties) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [lon, lat] },
  properties,
});

/**
 * Creates the map in a container. Options: onSelect(number) when an incident is clicked; kiosk for the wall screen
 * (no controls that need a pointer). Returns the map's handle; its methods may be called before the map has loaded.
 */
export async function createMap(container, { onSelect = () => {}, onPick = () => {}, kiosk = false } = {}) {
  const state = { incidents: EMPTY, selected: EMPTY, heat: EMPTY, workers: EMPTY, heatLabel: '', heatTotal: 0 };
  let map = null;
  let ready = false;
  let pending = 0;
  const legend = document.createElement('div');
  legend.className = 'map-legend';
  legend.hidden = true;

  // Only the layers that changed are sent to the map again (each setData re-tiles its source on the main thread).
  let dirty = new Set(['incidents', 'selected', 'heat', 'workers']);
  const flush = () => {
    pending = 0;
    if (!ready) return;
    for (const name of dirty) map.getSource(name)?.setData(state[name]);
    dirty = new Set();
  };
  // Many changes in a second (a storm) become one redraw.
  const schedule = (name) => {
    if (name) dirty.add(name);
    pending ||= setTimeout(flush, 250);
  };

  async function build() {
    const cfg = await mapConfig();
    const offline = !cfg.baseStyle && !(cfg.baseTiles && [].concat(cfg.baseTiles).length);
    const [streets, roads, water] = await Promise.all([
      data('putuo-streets'),
      data('putuo-roads'),
      data('putuo-water'),
    ]);
    container.replaceChildren();
    if (!canDraw()) {
      const note = document.createElement('p');
      note.className = 'map-unavailable';
      note.textContent = t('map.unavailable');
      container.append(note);
      return;
    }
    ready = false;
    map = new MapLibre({
      container,
      style: await baseStyle(cfg),
      bounds: DISTRICT,
      fitBoundsOptions: { padding: 16 },
      maxBounds: [DISTRICT[0] - 0.15, DISTRICT[1] - 0.1, DISTRICT[2] + 0.15, DISTRICT[3] + 0.1],
      minZoom: 9,
      maxZoom: 19,
      attributionControl: false,
      locale: mapLocale(),
      interactive: !kiosk,
      dragRotate: false,
      pitchWithRotate: false,
      fadeDuration: 0,
    });
    map.getCanvas().setAttribute('aria-label', `${t('map')} · ${named({ zh: '普陀区', en: 'Putuo District' })}`);
    map.addControl(
      new AttributionControl({ compact: true, customAttribution: offline ? t('map.approximate') : undefined }),
    );
    if (!kiosk) {
      map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
      map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    }
    map.on('load', () => {
      addDistrictLayers(map, offline, streets, roads, water);
      addLiveLayers(map);
      ready = true;
      dirty = new Set(['incidents', 'selected', 'heat', 'workers']);
      flush();
      container.dataset.ready = 'true';
    });
    map.on('click', 'incident', (e) => {
      const number = e.features[0]?.properties?.number;
      if (number) onSelect(number);
    });
    // A click on the map itself (not on an incident or a cluster) picks a place, e.g. for a new report.
    map.on('click', (e) => {
      if (map.queryRenderedFeatures(e.point, { layers: ['incident', 'cluster'] }).length) return;
      onPick({ lat: e.lngLat.lat, lon: e.lngLat.lng });
    });
    map.on('click', 'cluster', async (e) => {
      const feature = e.features[0];
      const zoom = await map.getSource('incidents').getClusterExpansionZoom(feature.properties.cluster_id);
      map.easeTo({ center: feature.geometry.coordinates, zoom });
    });
    for (const layer of ['incident', 'cluster']) {
      map.on('mouseenter', layer, () => {
        map.getCanvas().style.cursor = 'pointer';
      });
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
      });
    }
    container.append(legend);
  }

  function drawLegend() {
    legend.hidden = state.heat.features.length === 0 && !state.heatLabel;
    legend.replaceChildren();
    const title = document.createElement('div');
    title.textContent = `${t('heat.legend')} · ${state.heatLabel} (${state.heatTotal})`;
    const bar = document.createElement('div');
    bar.className = 'map-legend-bar';
    const ends = document.createElement('div');
    ends.className = 'map-legend-ends';
    const [low, high] = [document.createElement('span'), document.createElement('span')];
    low.textContent = t('heat.low');
    high.textContent = t('heat.high');
    ends.append(low, high);
    legend.append(title, bar, ends);
  }

  await build();

  return {
    /** The incidents to place: IncidentSummary objects; those without a position are left out. */
    setIncidents(list) {
      state.incidents = {
        type: 'FeatureCollection',
        features: list
          .filter((i) => i.location)
          .map((i) =>
            point(i.location.lon, i.location.lat, {
              number: i.number,
              priority: i.priority,
              escalation: i.escalation ?? 0,
            }),
          ),
      };
      schedule('incidents');
    },
    /** Rings the selected incident (shown even inside a cluster) and brings it into view; null clears it. */
    select(incident) {
      const at = incident?.location;
      state.selected = at
        ? { type: 'FeatureCollection', features: [point(at.lon, at.lat, { number: incident.number })] }
        : EMPTY;
      schedule('selected');
      if (at && ready && !map.getBounds().contains([at.lon, at.lat])) map.easeTo({ center: [at.lon, at.lat] });
    },
    /** Heat over these cells ({lat, lon, count}), named in the legend with the incidents counted; null hides it. */
    setHeat(cells, label = '', total = 0) {
      state.heat = {
        type: 'FeatureCollection',
        features: (cells ?? []).map((c) => point(c.lon, c.lat, { count: c.count ?? 1 })),
      };
      state.heatLabel = cells ? label : '';
      state.heatTotal = cells ? total : 0;
      drawLegend();
      schedule('heat');
    },
    /** Workers as {userId, name, unit, status ("OnDutyFree", "Busy", "OffDuty"), lat, lon, accuracy (metres)}. */
    setWorkers(list) {
      state.workers = {
        type: 'FeatureCollection',
        features: (list ?? [])
          .filter((w) => Number.isFinite(w.lat) && Number.isFinite(w.lon))
          .map((w) =>
            point(w.lon, w.lat, {
              userId: w.userId,
              name: w.name ?? w.userId,
              unit: w.unit ?? '',
              accuracy: Math.max(0, Number(w.accuracy) || 0),
              status: WORKER_COLOURS[w.status] ? w.status : 'OffDuty',
              statusName: labelOf('worker', w.status),
            }),
          ),
      };
      schedule('workers');
    },
    /** Draws the map again in the page's current language (names, controls and legend). */
    async relabel() {
      map?.remove();
      await build();
      drawLegend();
    },
    resize() {
      map?.resize();
    },
    get loaded() {
      return ready;
    },
    get language() {
      return lang();
    },
  };
}
