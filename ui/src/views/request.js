// Try a request: a form that builds the request contract, POST /v1/decide,
// and the decision with its explanation; the rules that fired link to the
// timeline.
import { post } from '../api.js';
import { clear, h, notice, outcomeBadge, table } from '../dom.js';

const FIELDS = [
  ['model', 'Model', 'mythos-5', ['mythos-5', 'fable-5', 'atlas-2', 'small-1', 'open-70b', 'lumen-3']],
  ['principal.id', 'Principal id', 'chloe'],
  ['principal.org', 'Organisation', 'org:initech'],
  ['principal.nationality', 'Nationality', 'FR'],
  ['principal.country', 'Country (where)', 'FR'],
  ['principal.hq', 'Headquarters', 'FR'],
  ['destination', 'Destination', ''],
  ['use', 'Use', 'research', ['software-development', 'customer-service', 'research', 'data-analysis', 'simulation', 'cyber-defense', 'military', 'military-intelligence', 'nuclear', 'missile', 'chem-bio', 'internal-surveillance', 'unspecified']],
  ['integration', 'Integration', 'api', ['api', 'chat', 'batch', 'fine-tuning', 'weights', 'on-prem', 'agent-tools']],
  ['time', 'Time (RFC 3339)', '2026-06-20T12:00:00Z'],
  ['units', 'Units', ''],
];

function build(inputs) {
  const req = { principal: {} };
  for (const [k] of FIELDS) {
    const v = inputs[k].value.trim();
    if (!v) continue;
    if (k.startsWith('principal.')) req.principal[k.slice(10)] = v;
    else req[k] = k === 'units' ? Number(v) : v;
  }
  return req;
}

function ruleLink(rb, rule) {
  return h('a', { href: `#/timeline/${rule}`, class: 'rule-link' }, `${rb}/${rule}`);
}

function render(out, d) {
  out.append(
    h('div', { class: 'card', id: 'decision' },
      h('p', {}, 'Decision: ', h('span', { class: `badge big ${d.decision}`, id: 'decision-outcome' }, d.decision),
        h('span', { class: 'muted small' }, `  at ${d.at}, rules ${String(d.rules_version).slice(0, 12)}, id ${d.decision_id}`)),
      h('h3', {}, 'Why'),
      d.reasons && d.reasons.length
        ? table(['rule', 'effect', 'message', 'citation'], d.reasons.map((r) => h('tr', {},
          h('td', {}, ruleLink(r.rulebook, r.rule), r.licence ? h('div', { class: 'small muted' }, `covered by licence ${r.licence}`) : '',
            r.match ? h('div', { class: 'small muted' }, `${r.match.status}: ${r.match.name} (${r.match.list} ${r.match.id}, score ${r.match.score})`) : ''),
          h('td', {}, outcomeBadge(r.effect)), h('td', {}, r.message || ''), h('td', {}, r.citation || ''))))
        : h('p', { class: 'muted' }, 'No rule fired: allowed.'),
      d.exempted && d.exempted.length ? [h('h3', {}, 'Exempted'), table(['rule', 'switched off by', 'citation'],
        d.exempted.map((x) => h('tr', {}, h('td', {}, ruleLink(x.rulebook, x.rule)), h('td', {}, ruleLink(x.rulebook, x.exemption)), h('td', {}, x.citation || ''))))] : '',
      d.obligations && d.obligations.length ? [h('h3', {}, 'Obligations'), table(['obligation', 'message', 'citation'],
        d.obligations.map((o) => h('tr', {}, h('td', {}, ruleLink(o.rulebook, o.id)), h('td', {}, o.message || ''), h('td', {}, o.citation || ''))))] : '',
      h('h3', {}, 'Each rulebook'),
      table(['rulebook', 'result'], Object.entries(d.rulebooks || {}).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v === 'not_applicable' ? h('span', { class: 'muted' }, 'not applicable') : outcomeBadge(v))))),
      d.classes && d.classes.length ? h('p', { class: 'small muted' }, `Model classes: ${d.classes.join(', ')}`) : ''),
    h('details', { class: 'card small' }, h('summary', {}, 'The decision as JSON'), h('pre', {}, JSON.stringify(d, null, 2))));
}

export async function requestView(view) {
  const inputs = {};
  const form = h('form', { class: 'form', id: 'request-form' });
  for (const [k, label, def, options] of FIELDS) {
    const listId = options ? `opts-${k.replace('.', '-')}` : undefined;
    inputs[k] = h('input', { name: k, value: def, list: listId });
    form.append(h('label', {}, label, inputs[k], options ? h('datalist', { id: listId }, options.map((o) => h('option', { value: o }))) : ''));
  }
  const preview = h('pre', { id: 'request-json' });
  const out = h('div', { id: 'request-result' });
  const update = () => {
    preview.textContent = JSON.stringify(build(inputs), null, 1);
  };
  form.addEventListener('input', update);
  form.append(h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'decide' }, 'Decide')));
  view.append(h('div', { class: 'row' }, h('div', { class: 'card grow' }, form), h('div', { class: 'card', style: 'flex:0 1 360px' }, h('div', { class: 'small muted' }, 'POST /v1/decide'), preview)), out);
  update();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(out);
    try {
      render(out, await post('/v1/decide', build(inputs)));
    } catch (err) {
      out.append(notice('error', `${err.message}${err.path ? ` (${err.path})` : ''}`));
    }
  });
}
