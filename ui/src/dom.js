// A few helpers to build the page without a framework.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function notice(kind, text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function outcomeBadge(o) {
  return h('span', { class: `badge ${o || 'none'}`, 'data-outcome': o }, o || '—');
}

export function day(t) {
  return t ? String(t).slice(0, 10) : '';
}

export function needsAdmin(view, what) {
  view.append(
    notice(
      'info',
      `${what} reads the audit log or the registry: type the admin token above. Without it the page is read-only.`,
    ),
  );
}

export function table(headers, rows) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows),
  );
}
