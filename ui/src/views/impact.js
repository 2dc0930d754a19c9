// Who is cut off and who may restart between two instants: POST /v1/impact
// {"at", "then"} (the impact engine's JSON: before, after, transitions and
// groups of combinations by cause). When the server has no such endpoint the
// view says so.
import { ApiError, post } from '../api.js';
import { clear, h, notice, outcomeBadge, table } from '../dom.js';

const RANK = { allow: 0, review: 1, license_required: 2, deny: 3 };

function causeText(c) {
  const what = c.exemption ? `exemption ${c.rulebook}/${c.exemption}` : `${c.rulebook}/${c.rule}`;
  return `${c.change} ${what}`;
}

function render(out, res) {
  const groups = res.groups || [];
  const cut = groups.filter((g) => (RANK[g.after] ?? 3) > (RANK[g.before] ?? 3));
  const restart = groups.filter((g) => (RANK[g.after] ?? 3) < (RANK[g.before] ?? 3));
  out.append(h('p', { class: 'muted small' },
    `${res.combinations ?? '?'} combinations, ${res.changed ?? '?'} change outcome, ${res.unchanged ?? '?'} unchanged.`));
  for (const [title, list, id] of [['Cut off', cut, 'impact-cut'], ['May restart', restart, 'impact-restart']]) {
    out.append(h('h3', { id }, `${title} (${list.reduce((s, g) => s + (g.count || 0), 0)})`));
    if (!list.length) {
      out.append(h('p', { class: 'muted small' }, 'Nobody.'));
      continue;
    }
    const byOrg = new Map();
    for (const g of list) {
      for (const c of g.combinations || []) {
        const org = (c.request && c.request.principal && c.request.principal.org) || '(no organisation)';
        if (!byOrg.has(org)) byOrg.set(org, []);
        byOrg.get(org).push({ g, c });
      }
    }
    out.append(table(['organisation', 'principal', 'model', 'before → after', 'because'],
      [...byOrg.entries()].flatMap(([org, items]) => items.map(({ g, c }, i) => h('tr', {},
        h('td', {}, i ? '' : h('b', {}, org)),
        h('td', {}, c.request.principal.id),
        h('td', {}, c.request.model),
        h('td', {}, outcomeBadge(g.before), ' → ', outcomeBadge(g.after)),
        h('td', {}, (g.causes || []).map(causeText).join('; ')))))));
  }
}

export async function impactView(view) {
  const at = h('input', { type: 'date', name: 'at', value: '2026-06-11' });
  const then = h('input', { type: 'date', name: 'then', value: '2026-06-13' });
  const out = h('div', { id: 'impact-result' });
  const form = h('form', { class: 'filters', id: 'impact-form' },
    h('label', {}, 'Before (at)', at), h('label', {}, 'After (then)', then),
    h('button', { type: 'submit', class: 'primary' }, 'Compare'));
  view.append(h('p', { class: 'muted small' },
    'Pick two instants: every known combination of customer, model, use and integration is decided at both, and those whose outcome changes are listed by organisation and rule.'),
  form, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(out);
    try {
      const res = await post('/v1/impact', { at: `${at.value}T00:00:00Z`, then: `${then.value}T00:00:00Z` });
      render(out, res);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) {
        out.append(h('div', { class: 'notice warn', id: 'impact-unavailable', role: 'status' },
          'Impact endpoint unavailable: this server has no POST /v1/impact. ',
          'The command line answers the same question: clearance impact --at T --then T2 --combinations FILE.'));
      } else {
        out.append(notice('error', err.message));
      }
    }
  });
}
