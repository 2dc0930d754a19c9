// Decisions over time by outcome, and a world map coloured by the share of
// deny and license_required per destination, from the audit log
// (GET /v1/audit/stats); clicking a day or a country opens its decisions
// (GET /v1/audit).
import { ApiError, get, token } from '../api.js';
import { chart, colours, countryName, worldMap } from '../charts.js';
import { clear, day, h, needsAdmin, notice, outcomeBadge, table } from '../dom.js';

const OUTCOMES = ['allow', 'review', 'license_required', 'deny'];

function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  return p.toString();
}

function decisionsTable(records) {
  return table(['time', 'decision', 'outcome', 'principal', 'org', 'model', 'dest.', 'rules that fired'],
    records.map((r) => h('tr', {},
      h('td', {}, r.time.replace('T', ' ').replace('Z', '')),
      h('td', {}, h('a', { href: `#/audit/${r.decision_id}` }, h('code', {}, r.decision_id.slice(0, 13) + '…'))),
      h('td', {}, outcomeBadge(r.outcome)),
      h('td', {}, r.request.principal.id),
      h('td', {}, r.request.principal.org || ''),
      h('td', {}, r.request.model),
      h('td', {}, r.request.destination || ''),
      h('td', {}, (r.decision.reasons || []).map((x, i) => [i ? ', ' : '',
        h('a', { href: `#/timeline/${x.rule}`, class: 'rule-link' }, `${x.rulebook}/${x.rule}`)])))));
}

export async function decisionsView(view, { onLeave }) {
  if (!token()) {
    needsAdmin(view, 'The decisions view');
    return;
  }
  const f = { from: '', until: '', model: '', rulebook: '', rule: '', org: '' };
  const inputs = {};
  const bar = h('form', { class: 'filters', id: 'decision-filters' });
  for (const [k, label, type] of [['from', 'From', 'date'], ['until', 'Until', 'date'], ['model', 'Model'], ['rulebook', 'Rulebook'], ['rule', 'Rule'], ['org', 'Organisation']]) {
    inputs[k] = h('input', { name: k, type: type || 'text', placeholder: type ? '' : 'any' });
    bar.append(h('label', {}, label, inputs[k]));
  }
  bar.append(h('button', { type: 'submit', class: 'primary' }, 'Apply'));
  const summary = h('div', { id: 'decision-summary', class: 'muted small' });
  const timeEl = h('div', { class: 'chart', id: 'decisions-chart' });
  const mapEl = h('div', { class: 'chart', id: 'decisions-map', style: 'height:420px' });
  const drill = h('div', { id: 'decisions-drill' });
  view.append(bar, summary,
    h('div', { class: 'row' },
      h('div', { class: 'card grow' }, h('h3', {}, 'Decisions per day, by outcome'), timeEl),
      h('div', { class: 'card grow' }, h('h3', {}, 'Share of deny and license_required per destination'), mapEl)),
    drill);
  const timeChart = chart(timeEl, onLeave);
  const mapChart = chart(mapEl, onLeave);
  const map = worldMap();

  async function openDecisions(title, extra, filter) {
    clear(drill);
    drill.append(h('h3', {}, title));
    try {
      // page through the period (at most 20,000 records) and keep the first 100 that match
      const params = { ...f, ...extra };
      if (!extra.until && params.until) params.until = new Date(Date.parse(params.until) + 86400000).toISOString().slice(0, 10);
      let recs = [];
      for (let after = 0, pages = 0; pages < 20; pages++) {
        const page = await get(`/v1/audit?${qs({ ...params, limit: 1000, after })}`);
        recs = recs.concat(page);
        if (page.length < 1000) break;
        after = page[page.length - 1].seq;
      }
      const shown = recs.filter(filter || (() => true)).filter((r) =>
        (!f.model || r.request.model === f.model) &&
        (!f.rule || (r.decision.reasons || []).some((x) => x.rule === f.rule)) &&
        (!f.rulebook || (r.decision.reasons || []).some((x) => x.rulebook === f.rulebook)));
      drill.append(h('p', { class: 'muted small' }, `${shown.length} decisions${shown.length > 100 ? ', the first 100 shown' : ''}.`),
        decisionsTable(shown.slice(0, 100)));
    } catch (e) {
      drill.append(notice('error', e.message));
    }
  }

  async function load() {
    for (const k of Object.keys(f)) f[k] = inputs[k].value.trim();
    const base = { ...f };
    if (base.until) base.until = new Date(Date.parse(base.until) + 86400000).toISOString().slice(0, 10);
    let byDay;
    let byDest;
    try {
      [byDay, byDest] = await Promise.all([
        get(`/v1/audit/stats?${qs({ ...base, by: 'day' })}`),
        get(`/v1/audit/stats?${qs({ ...base, by: 'destination' })}`),
      ]);
    } catch (e) {
      clear(summary).append(notice('error', e instanceof ApiError && e.status === 401 ? 'The admin token was refused.' : e.message));
      return;
    }
    const totals = Object.fromEntries(OUTCOMES.map((o) => [o, byDay.rows.reduce((s, r) => s + r[o], 0)]));
    clear(summary).append(h('span', {}, `${byDay.total} decisions: `,
      OUTCOMES.map((o) => [outcomeBadge(o), ` ${totals[o]}  `])));
    timeChart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { data: OUTCOMES, top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      xAxis: { type: 'category', data: byDay.rows.map((r) => r.key) },
      yAxis: { type: 'value' },
      series: OUTCOMES.map((o) => ({ name: o, type: 'bar', stack: 'all', itemStyle: { color: colours[o] }, data: byDay.rows.map((r) => r[o]) })),
    }, true);
    const mapData = byDest.rows.filter((r) => r.key).map((r) => ({
      name: r.key,
      value: r.total ? (r.deny + r.license_required) / r.total : 0,
      row: r,
    }));
    mapChart.setOption({
      animation: false,
      tooltip: {
        formatter: (p) => (p.data ? `<b>${countryName(p.name)}</b> (${p.name})<br>${p.data.row.total} decisions, ${(p.data.value * 100).toFixed(0)}% deny or license_required<br>` +
          OUTCOMES.map((o) => `${o}: ${p.data.row[o]}`).join('<br>') : `${countryName(p.name)}: no decisions`),
      },
      visualMap: { min: 0, max: 1, left: 10, bottom: 10, calculable: true, formatter: (v) => `${Math.round(v * 100)}%`, inRange: { color: ['#e8f5e9', '#ffcc80', '#ef6c00', '#b71c1c'] } },
      series: [{ type: 'map', map, roam: true, nameProperty: 'name', data: mapData, itemStyle: { areaColor: '#eceff1', borderColor: '#b0bec5' }, emphasis: { label: { show: false } } }],
    }, true);
  }

  timeChart.on('click', (p) => openDecisions(`Decisions on ${p.name}`, { from: p.name, until: new Date(Date.parse(p.name) + 86400000).toISOString().slice(0, 10) }));
  mapChart.on('click', (p) => openDecisions(`Decisions for ${countryName(p.name)} (${p.name})`, {}, (r) => r.request.destination === p.name));
  bar.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  await load();
  void day;
}
