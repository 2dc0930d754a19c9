// Every rule and exemption of every rulebook on a time axis, grouped by
// jurisdiction, with the dated members of country groups; a rule opens its
// condition, citation and message. GET /v1/rules/timeline.
import { get } from '../api.js';
import { chart, colours, countryName, echarts } from '../charts.js';
import { clear, day, h } from '../dom.js';

const DAY = 86400000;

function ms(t) {
  return t ? Date.parse(t) : null;
}

// The rows of the chart: a header per jurisdiction and rulebook, each rule
// followed by the exemptions that switch it off, then the groups' dated members.
function buildRows(tl) {
  const rows = [];
  const byBook = new Map(tl.rulebooks.map((b) => [b.id, b]));
  const jurisdictions = [...new Set(tl.rulebooks.map((b) => b.jurisdiction || '—'))].sort();
  const placed = new Set();
  for (const j of jurisdictions) {
    rows.push({ kind: 'header', label: `${j}` });
    for (const book of tl.rulebooks.filter((b) => (b.jurisdiction || '—') === j)) {
      rows.push({ kind: 'book', label: book.id, book });
      const inBook = tl.rules.filter((r) => r.rulebook === book.id);
      for (const r of inBook.filter((x) => x.kind === 'rule')) {
        rows.push({ kind: 'rule', label: r.id, item: r });
        placed.add(r);
        for (const e of inBook.filter((x) => x.kind === 'exemption' && x.exempts.includes(r.id))) {
          if (placed.has(e)) continue;
          rows.push({ kind: 'exemption', label: `↳ ${e.id}`, item: e });
          placed.add(e);
        }
      }
      for (const e of inBook.filter((x) => !placed.has(x))) {
        rows.push({ kind: 'exemption', label: `↳ ${e.id}`, item: e });
        placed.add(e);
      }
    }
  }
  const dated = tl.groups.filter((g) => g.dated);
  if (dated.length) {
    rows.push({ kind: 'header', label: 'Country groups' });
    for (const g of dated) {
      for (const m of g.members.filter((x) => x.from || x.until)) {
        rows.push({
          kind: 'member',
          label: `${g.name} ∋ ${m.value}`,
          item: { ...m, group: g.name, kind: 'member', id: `${g.name}:${m.value}` },
        });
      }
    }
  }
  return byBook && rows;
}

function colourOf(item) {
  if (item.kind === 'exemption') return colours.exemption;
  if (item.kind === 'member') return colours.member;
  return colours[item.effect] || '#607d8b';
}

function windowText(item) {
  const f = item.from ? day(item.from) : 'always';
  const u = item.until ? day(item.until) : 'open';
  return `${f} → ${u}`;
}

function detail(panel, item, tl, open) {
  clear(panel);
  if (!item) {
    panel.append(h('p', { class: 'muted' }, 'Click a bar to read the rule, exemption or group member.'));
    return;
  }
  const dl = h('dl', { class: 'detail', 'data-rule': item.id });
  const add = (k, v) => v && dl.append(h('dt', {}, k), h('dd', {}, v));
  if (item.kind === 'member') {
    add('Group member', `${item.value} (${countryName(item.value)}) in ${item.group}`);
    add('Member', `from ${item.from ? day(item.from) : 'the start'} until ${item.until ? day(item.until) : 'further notice'}`);
    panel.append(h('h3', {}, item.id), dl);
    return;
  }
  const book = tl.rulebooks.find((b) => b.id === item.rulebook);
  add('Kind', h('span', { class: `badge ${item.kind === 'exemption' ? 'exemption' : item.effect}` },
    item.kind === 'exemption' ? 'exemption' : item.effect));
  add('Rulebook', `${item.rulebook}${book && book.title ? ` — ${book.title}` : ''} (${item.jurisdiction || 'no jurisdiction'})`);
  add('In force', `${item.from ? `from ${day(item.from)}` : 'from the start'}${item.until ? `, until ${day(item.until)} (lifted or lapsed)` : ', no end date'}`);
  add('Citation', item.citation);
  add('Message', item.message);
  if (item.condition) add('Condition', h('pre', {}, item.condition));
  const links = item.kind === 'exemption' ? item.exempts : item.exempted_by;
  if (links && links.length) {
    add(item.kind === 'exemption' ? 'Switches off' : 'Exempted by',
      h('span', {}, links.map((id, i) => [i ? ', ' : '', h('a', { class: 'rule-link', onclick: () => open(id) }, id)])));
  }
  add('Source', `${item.file}:${item.line} (rules version ${tl.version.slice(0, 12)})`);
  add('History', history(item, tl));
  panel.append(h('h3', {}, item.id), dl);
}

// What each stored rulebook version did to the rule: added, changed (window,
// effect, condition) or removed it.
function history(item, tl) {
  if (!tl.versions) return h('span', { class: 'muted small' }, 'The server keeps no rulebook versions (it runs without --store).');
  const events = [];
  let prev;
  for (const v of tl.versions) {
    const r = v.rules.find((x) => x.id === item.id && x.rulebook === item.rulebook);
    const changes = [];
    if (r && !prev) changes.push(v === tl.versions[0] ? 'in force (the first stored version)' : 'added');
    if (!r && prev) changes.push('removed');
    if (r && prev) {
      if (r.from !== prev.from || r.until !== prev.until) changes.push(`window ${windowText(prev)} became ${windowText(r)}`);
      if (r.effect !== prev.effect) changes.push(`effect ${prev.effect} became ${r.effect}`);
      if (r.condition !== prev.condition) changes.push('condition changed');
    }
    if (changes.length) {
      events.push(h('li', { 'data-version': v.version },
        h('b', {}, `v${v.version}`), ` ${day(v.created_at)} by ${v.by}: ${changes.join('; ')}`,
        v.reason ? h('div', { class: 'small muted' }, v.reason) : ''));
    }
    prev = r;
  }
  return events.length ? h('ul', { class: 'history' }, events) : h('span', { class: 'muted small' }, 'Unchanged in every stored version.');
}

export async function timelineView(view, { arg, onLeave }) {
  const tl = await get('/v1/rules/timeline');
  const rows = buildRows(tl);
  const now = ms(tl.now);
  const dated = tl.rules.flatMap((r) => [ms(r.from), ms(r.until)]).filter(Boolean);
  tl.groups.forEach((g) => g.members.forEach((m) => dated.push(ms(m.from), ms(m.until))));
  const first = Math.min(...dated.filter(Boolean), now);
  const axisMin = first - 120 * DAY;
  const axisMax = now + 120 * DAY;

  view.append(
    h('p', { class: 'muted small' },
      `${tl.rulebooks.length} rulebooks, ${tl.rules.length} rules and exemptions, rules version ${tl.version.slice(0, 12)}. ` +
      'Bars span each validity window; an open start or end runs to the edge. The dashed line is today.'),
  );
  const legend = h('div', { class: 'legend' },
    ['deny', 'license_required', 'review', 'obligation', 'exemption', 'member'].map((k) =>
      h('span', {}, h('i', { style: `background:${colours[k]}` }), k === 'member' ? 'group member' : k)));
  const presets = h('div', { class: 'filters' },
    h('button', { 'data-zoom': 'all', onclick: () => zoom(axisMin, axisMax) }, 'Everything'),
    h('button', { 'data-zoom': '2025', onclick: () => zoom(Date.UTC(2024, 11, 1), Date.UTC(2025, 6, 1)) }, 'The Diffusion rule (2025)'),
    h('button', { 'data-zoom': 'khd5', onclick: () => zoom(Date.UTC(2026, 0, 1), Date.UTC(2026, 2, 15)) }, 'Cambodia leaves D:5'),
    h('button', { 'data-zoom': 'letter', onclick: () => zoom(Date.UTC(2026, 5, 1), Date.UTC(2026, 6, 10)) }, 'The 2026 letter'));
  const el = h('div', { class: 'chart', id: 'timeline-chart', style: `height:${Math.max(360, rows.length * 22 + 90)}px` });
  const panel = h('div', { class: 'card', id: 'rule-detail' });
  view.append(legend, presets, h('div', { class: 'row' }, h('div', { class: 'card grow' }, el), h('div', { style: 'flex:0 1 380px' }, panel)));

  const c = chart(el, onLeave);
  const labels = rows.map((r) => r.label);
  const data = rows
    .map((r, i) => (r.item ? { value: [i, ms(r.item.from) ?? axisMin, ms(r.item.until) ?? axisMax], item: r.item } : null))
    .filter(Boolean);
  function zoom(a, b) {
    c.dispatchAction({ type: 'dataZoom', startValue: a, endValue: b });
  }
  c.setOption({
    animation: false,
    grid: { left: 230, right: 30, top: 20, bottom: 60 },
    tooltip: {
      formatter: (p) => (p.data && p.data.item ? `<b>${p.data.item.id}</b><br>${windowText(p.data.item)}${p.data.item.citation ? `<br>${p.data.item.citation}` : ''}` : ''),
    },
    xAxis: { type: 'time', min: axisMin, max: axisMax, position: 'top', splitLine: { show: true, lineStyle: { color: '#eef1f4' } } },
    yAxis: {
      type: 'category',
      data: labels,
      inverse: true,
      axisTick: { show: false },
      axisLabel: {
        interval: 0,
        formatter: (v, i) => {
          const r = rows[i];
          return r.kind === 'header' ? `{hd|${v}}` : r.kind === 'book' ? `{bk|${v}}` : v;
        },
        rich: { hd: { fontWeight: 'bold', fontSize: 14, color: '#1d232a' }, bk: { fontWeight: 'bold', color: '#5f6b76' } },
      },
    },
    dataZoom: [
      { type: 'slider', xAxisIndex: 0, filterMode: 'weakFilter', bottom: 10, labelFormatter: (v) => day(new Date(v).toISOString()) },
      { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter' },
    ],
    series: [
      {
        type: 'custom',
        encode: { x: [1, 2], y: 0 },
        data,
        renderItem: (params, api) => {
          const y = api.value(0);
          const a = api.coord([api.value(1), y]);
          const b = api.coord([api.value(2), y]);
          const height = api.size([0, 1])[1] * 0.6;
          const rect = echarts.graphic.clipRectByRect(
            { x: a[0], y: a[1] - height / 2, width: Math.max(b[0] - a[0], 2), height },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height },
          );
          if (!rect) return null;
          const item = data[params.dataIndex].item;
          const open = !item.from && !item.until;
          const children = [{ type: 'rect', shape: rect, style: { fill: colourOf(item), opacity: open ? 0.35 : 0.95 } }];
          if (!open) {
            // the window's dates beside the bar, or inside it where the bar reaches the edge
            const right = params.coordSys.x + params.coordSys.width;
            const inside = rect.x + rect.width + 130 > right;
            children.push({
              type: 'text',
              style: {
                text: windowText(item),
                x: inside ? rect.x + rect.width - 6 : rect.x + rect.width + 6,
                y: a[1],
                align: inside ? 'right' : 'left',
                verticalAlign: 'middle',
                fontSize: 11,
                fill: inside ? '#fff' : '#1d232a',
              },
            });
          }
          return { type: 'group', children };
        },
      },
      { type: 'line', data: [], markLine: { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#1d232a' }, label: { formatter: 'today' }, data: [{ xAxis: now }] } },
    ],
  });
  const open = (id) => {
    const item = tl.rules.find((r) => r.id === id);
    detail(panel, item, tl, open);
    if (item) {
      const a = ms(item.from) ?? axisMin;
      const b = ms(item.until) ?? axisMax;
      if (item.from || item.until) zoom(Math.max(axisMin, a - 20 * DAY), Math.min(axisMax, b + 20 * DAY));
    }
  };
  c.on('click', (p) => p.data && p.data.item && detail(panel, p.data.item, tl, open));
  if (arg) open(arg);
  else {
    detail(panel, null, tl, open);
    zoom(Date.UTC(2024, 11, 1), axisMax);
  }
  // for tests and people: the chart's rows as text
  el.dataset.rows = String(rows.length);
  view.append(h('details', { class: 'card small' }, h('summary', {}, 'The same as a table'),
    h('table', {}, h('tbody', {}, rows.filter((r) => r.item).map((r) =>
      h('tr', { 'data-id': r.item.id }, h('td', {}, r.label.replace('↳ ', '')), h('td', {}, r.item.kind === 'member' ? 'group member' : r.item.kind === 'exemption' ? 'exemption' : r.item.effect),
        h('td', {}, windowText(r.item)), h('td', {}, r.item.citation || '')))))));
}
