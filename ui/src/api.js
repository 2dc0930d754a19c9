// The server's HTTP API, with the admin token (kept in sessionStorage only,
// for this browser tab's session) sent as a bearer token when there is one.
const KEY = 'clearance.adminToken';

export function token() {
  return sessionStorage.getItem(KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.status = status;
    this.path = path;
  }
}

// Calls the API; returns the parsed JSON (or text for JSON Lines), throws an
// ApiError with the server's message otherwise.
export async function api(method, path, body) {
  const headers = {};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    let where;
    try {
      const j = JSON.parse(text);
      msg = j.error || text;
      where = j.path;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, msg || res.statusText, where);
  }
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('ndjson')) {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }
  return type.includes('json') ? JSON.parse(text) : text;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
