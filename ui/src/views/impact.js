// Who is cut off and who may restart between two instants: POST /v1/impact
// {"at", "then"} ({"sources", "impact"}: the impact engine's JSON, with
// before, after, transitions and groups of combinations by cause). When the
// server has no such endpoint the view says so.
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
    for (const g of list) {
      // the group's combinations by organisation: its users and models
      const byOrg = new Map();
      for (const c of g.combinations || []) {
        const p = (c.request && c.request.principal) || {};
        const org = p.org || '(no organisation)';
        if (!byOrg.has(org)) byOrg.set(org, { users: new Set(), models: new Set(), n: 0 });
        const o = byOrg.get(org);
        o.users.add(p.id);
        o.models.add(c.request.model);
        o.n++;
      }
      const shown = (g.combinations || []).length;
      out.append(h('div', { class: 'card impact-group' },
        h('p', {}, outcomeBadge(g.before), ' → ', outcomeBadge(g.after), ` ${g.count} combinations, because `,
          (g.causes || []).map((c, i) => [i ? '; ' : '', causeText(c)])),
        table(['organisation', 'users', 'models', 'combinations'],
          [...byOrg.entries()].sort((a, b) => b[1].n - a[1].n).map(([org, o]) => h('tr', { 'data-org': org },
            h('td', {}, h('b', {}, org)),
            h('td', {}, [...o.users].join(', ')),
            h('td', {}, [...o.models].join(', ')),
            h('td', {}, String(o.n))))),
        g.more ? h('p', { class: 'small muted' }, `The first ${shown} of ${g.count} combinations are shown.`) : ''));
    }
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
      const res = await post('/v1/impact', { at: `${at.value}T00:00:00Z`, then: `${then.value}T00:00:00Z`, examples: 1000 });
      const src = res.sources || {};
      if (res.sources) {
        out.append(h('p', { class: 'muted small', id: 'impact-sources' },
          `Customers compared: ${src.registry ?? 0} from the registry (each registered user with every model, use and integration), ` +
          `${src.audit_combinations ?? 0} distinct requests from ${src.audit_records ?? 0} audit records of the last 30 days.`));
      }
      render(out, res.impact || res);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        out.append(notice('info', 'The impact analysis reads the registry and the audit log: type the admin token above.'));
      } else if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) {
        out.append(h('div', { class: 'notice warn', id: 'impact-unavailable', role: 'status' },
          'Impact endpoint unavailable: this server has no POST /v1/impact. ',
          'The command line answers the same question: clearance impact --at T --then T2 --combinations FILE.'));
      } else {
        out.append(notice('error', err.message));
      }
    }
  });
}
