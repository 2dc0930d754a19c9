// The registry's screening results (GET /v1/admin/screening): possible matches
// awaiting review first, each beside the list entry it matched, with buttons
// that record a verdict through POST /v1/admin/adjudications.
import { get, post, token } from '../api.js';
import { clear, day, h, needsAdmin, notice, table } from '../dom.js';

function inAYear() {
  return new Date(Date.now() + 365 * 86400000).toISOString().slice(0, 10) + 'T00:00:00Z';
}

export async function screeningView(view) {
  if (!token()) {
    needsAdmin(view, 'The screening view');
    return;
  }
  const out = h('div', { id: 'screening-results' });
  const status = h('div', { id: 'screening-status' });
  view.append(status, out);

  async function load() {
    clear(out);
    const { results } = await get('/v1/admin/screening');
    const waiting = results.filter((r) => r.status === 'possible' && !(r.adjudication && r.adjudication.current));
    const reviewed = results.filter((r) => r.adjudication && r.adjudication.current);
    const hits = results.filter((r) => r.status === 'hit' && !(r.adjudication && r.adjudication.current));
    out.append(
      h('p', { class: 'muted small' }, `${results.length} stored results: ${waiting.length} possible matches awaiting review, ${hits.length} hits, ${reviewed.length} adjudicated.`),
      h('h3', {}, 'Awaiting review'),
      waiting.length ? section(waiting, true) : notice('ok', 'No possible match awaits review.'),
      h('h3', {}, 'Hits'),
      hits.length ? section(hits, true) : h('p', { class: 'muted small' }, 'None.'),
      h('h3', {}, 'Adjudicated'),
      reviewed.length ? section(reviewed, false) : h('p', { class: 'muted small' }, 'None yet.'),
    );
  }

  function section(rows, actions) {
    return table(['party', 'screened name', 'status', 'score', 'list entry', 'matched name', 'programmes', actions ? 'verdict' : 'verdict recorded'],
      rows.map((r) => {
        const reason = h('input', { placeholder: 'reason (required)', 'aria-label': 'reason' });
        const reviewer = h('input', { placeholder: 'reviewer', value: 'compliance-officer', 'aria-label': 'reviewer' });
        const act = async (verdict) => {
          clear(status);
          try {
            await post('/v1/admin/adjudications', {
              party: r.party, list: r.list, entry: r.entry, verdict,
              reviewer: reviewer.value.trim(), reason: reason.value.trim(), expires: inAYear(),
            });
            status.append(notice('ok', `Recorded: ${r.party} against ${r.list} ${r.entry} is a ${verdict.replace('_', ' ')}.`));
            await load();
          } catch (e) {
            status.append(notice('error', `${e.message}${e.path ? ` (${e.path})` : ''}`));
          }
        };
        const a = r.adjudication;
        return h('tr', { 'data-party': r.party, 'data-entry': `${r.list}/${r.entry}` },
          h('td', {}, h('code', {}, r.party)),
          h('td', {}, r.party_name),
          h('td', {}, h('span', { class: `badge ${r.status}` }, r.status)),
          h('td', {}, r.score.toFixed(2)),
          h('td', {}, h('b', {}, r.entry_name), h('div', { class: 'small muted' }, `${r.list} #${r.entry}${r.type ? ` · ${r.type}` : ''}`)),
          h('td', {}, r.matched_name ? `${r.matched_name}${r.alias ? ' (alias)' : ''}` : ''),
          h('td', {}, r.programs || ''),
          h('td', {}, actions
            ? h('div', { class: 'adjudicate' }, reason, reviewer,
              h('button', { class: 'danger', 'data-verdict': 'true_hit', onclick: () => act('true_hit') }, 'True hit'),
              h('button', { 'data-verdict': 'false_positive', onclick: () => act('false_positive') }, 'False positive'))
            : a ? h('div', {}, h('span', { class: `badge ${a.verdict}` }, a.verdict.replace('_', ' ')),
              h('div', { class: 'small muted' }, `${a.reviewer}: ${a.reason} (until ${day(a.expires)})`)) : ''));
      }));
  }
  await load();
}
