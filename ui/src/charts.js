// ECharts with only the parts the dashboard uses, and the world map built from
// Natural Earth's TopoJSON (world-atlas) with its features keyed by ISO 3166-1
// alpha-2 codes, as requests name destinations.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, MapChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { feature } from 'topojson-client';
import world from 'world-atlas/countries-110m.json';
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  MapChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);
countries.registerLocale(en);

let mapReady = false;

// A polygon crossing the antimeridian (Russia's Chukotka, Fiji) would be drawn
// as a band across the whole map: its western longitudes are moved past 180.
function unwrapRing(ring) {
  const jumps = ring.some((p, i) => i && Math.abs(p[0] - ring[i - 1][0]) > 180);
  return jumps ? ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]) : ring;
}

function unwrap(g) {
  if (g.type === 'Polygon') return { ...g, coordinates: g.coordinates.map(unwrapRing) };
  if (g.type === 'MultiPolygon') return { ...g, coordinates: g.coordinates.map((p) => p.map(unwrapRing)) };
  return g;
}

// Registers the map "world" once: one feature per country, named by its
// alpha-2 code.
export function worldMap() {
  if (mapReady) return 'world';
  const geo = feature(world, world.objects.countries);
  geo.features = geo.features
    .map((f) => {
      const a2 = f.id ? countries.numericToAlpha2(f.id) : undefined;
      if (!a2 || a2 === 'AQ') return null; // Antarctica is no destination
      return { ...f, geometry: unwrap(f.geometry), properties: { ...f.properties, name: a2 } };
    })
    .filter(Boolean);
  echarts.registerMap('world', geo);
  mapReady = true;
  return 'world';
}

export function countryName(a2) {
  return countries.getName(a2, 'en') || a2;
}

export const colours = {
  allow: '#2e7d32',
  review: '#f9a825',
  license_required: '#ef6c00',
  deny: '#c62828',
  obligation: '#1565c0',
  exemption: '#00897b',
  member: '#6a1b9a',
};

// A chart in el, disposed when the view is left.
export function chart(el, onLeave) {
  const c = echarts.init(el);
  el.chart = c; // the element's chart, for scripts and the end-to-end test
  const resize = () => c.resize();
  window.addEventListener('resize', resize);
  onLeave(() => {
    window.removeEventListener('resize', resize);
    c.dispose();
  });
  return c;
}

export { echarts };
