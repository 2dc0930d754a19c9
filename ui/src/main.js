// The compliance dashboard: one page, six views, built on clearance's HTTP API.
import './style.css';
import { setToken, token } from './api.js';
import { clear, h } from './dom.js';
import { timelineView } from './views/timeline.js';
import { decisionsView } from './views/decisions.js';
import { screeningView } from './views/screening.js';
import { impactView } from './views/impact.js';
import { requestView } from './views/request.js';
import { auditView } from './views/audit.js';

const views = [
  { id: 'timeline', title: 'Controls timeline', render: timelineView },
  { id: 'decisions', title: 'Decisions', render: decisionsView },
  { id: 'screening', title: 'Screening', render: screeningView },
  { id: 'impact', title: 'Impact', render: impactView },
  { id: 'request', title: 'Try a request', render: requestView },
  { id: 'audit', title: 'Audit', render: auditView },
];

const tabs = document.getElementById('tabs');
const main = document.getElementById('view');
let current = null;
let disposers = [];

// Views register what to dispose (charts, listeners) when the page moves on.
export function onLeave(fn) {
  disposers.push(fn);
}

function currentRoute() {
  const [id, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const v = views.find((x) => x.id === id) || views[0];
  return { view: v, arg: decodeURIComponent(rest.join('/')) };
}

async function show() {
  const { view, arg } = currentRoute();
  disposers.forEach((fn) => fn());
  disposers = [];
  current = view.id;
  for (const b of tabs.querySelectorAll('a')) b.classList.toggle('active', b.dataset.view === current);
  clear(main);
  const section = h('section', { class: `view view-${view.id}`, 'data-view': view.id });
  section.append(h('h2', {}, view.title));
  main.append(section);
  try {
    await view.render(section, { arg, onLeave });
  } catch (e) {
    section.append(h('div', { class: 'notice error', role: 'alert' }, String(e.message || e)));
  }
  section.dataset.ready = '1';
}

function showMode() {
  const mode = document.getElementById('mode');
  mode.textContent = token() ? 'admin' : 'read-only';
  mode.className = `mode ${token() ? 'admin' : 'readonly'}`;
  document.getElementById('token-forget').hidden = !token();
}

for (const v of views) {
  tabs.append(h('a', { href: `#/${v.id}`, 'data-view': v.id }, v.title));
}
document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('token');
  setToken(input.value.trim());
  input.value = '';
  showMode();
  show();
});
document.getElementById('token-forget').addEventListener('click', () => {
  setToken('');
  showMode();
  show();
});
window.addEventListener('hashchange', show);
showMode();
show();
