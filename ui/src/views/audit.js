// The audit log: search decisions by id, organisation or period
// (GET /v1/audit), and whether the chain and its signed checkpoints verify
// (GET /v1/audit/verify).
import { get, token } from '../api.js';
import { clear, h, needsAdmin, notice, outcomeBadge, table } from '../dom.js';

export async function auditView(view, { arg }) {
  if (!token()) {
    needsAdmin(view, 'The audit view');
    return;
  }
  const verify = h('div', { class: 'card', id: 'audit-verify' }, 'Verifying the chain…');
  const id = h('input', { name: 'decision_id', placeholder: 'decision id', size: 38, value: arg || '' });
  const org = h('input', { name: 'org', placeholder: 'org:…' });
  const from = h('input', { name: 'from', type: 'date' });
  const until = h('input', { name: 'until', type: 'date' });
  const form = h('form', { class: 'filters', id: 'audit-form' },
    h('label', {}, 'Decision id', id), h('label', {}, 'Organisation', org),
    h('label', {}, 'From', from), h('label', {}, 'Until', until),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  const out = h('div', { id: 'audit-results' });
  view.append(verify, form, out);

  get('/v1/audit/verify').then((v) => {
    clear(verify).append(
      v.ok ? notice('ok', `The chain verifies: ${v.records} records, ${v.checkpoints} signed checkpoints.`)
        : notice('error', `The chain does not verify at record ${v.bad_seq} (${v.bad_decision_id}): ${v.problem}`),
      h('p', { class: 'small muted', id: 'audit-checkpoint' },
        `Latest signed checkpoint covers records up to #${v.last_checkpoint}; ${v.unsigned_records} records since are not yet under a checkpoint.`));
  }).catch((e) => clear(verify).append(notice('error', e.message)));

  async function search() {
    clear(out);
    const p = new URLSearchParams({ limit: '200' });
    if (org.value.trim()) p.set('org', org.value.trim());
    if (from.value) p.set('from', from.value);
    if (until.value) p.set('until', new Date(Date.parse(until.value) + 86400000).toISOString().slice(0, 10));
    try {
      let recs;
      if (id.value.trim()) recs = [await get(`/v1/audit/${encodeURIComponent(id.value.trim())}`)];
      else recs = await get(`/v1/audit?${p}`);
      out.append(h('p', { class: 'muted small' }, `${recs.length} records${recs.length === 200 ? ' (the first 200)' : ''}.`),
        table(['#', 'time', 'decision id', 'outcome', 'principal', 'org', 'model', 'dest.', 'rules'], recs.map((r) => h('tr', {},
          h('td', {}, r.seq), h('td', {}, r.time.replace('T', ' ').replace('Z', '')),
          h('td', {}, h('code', {}, r.decision_id)), h('td', {}, outcomeBadge(r.outcome)),
          h('td', {}, r.request.principal.id), h('td', {}, r.request.principal.org || ''),
          h('td', {}, r.request.model), h('td', {}, r.request.destination || ''),
          h('td', {}, (r.decision.reasons || []).map((x) => x.rule).join(', '))))));
      if (recs.length === 1) out.append(h('details', { class: 'card small', open: true }, h('summary', {}, 'The record'), h('pre', {}, JSON.stringify(recs[0], null, 2))));
    } catch (e) {
      out.append(notice('error', e.status === 404 ? 'No record of that decision.' : e.message));
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });
  await search();
}
