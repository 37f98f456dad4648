// Hash routes: #/dags, #/dags/{dag_id}?run={run_id}&tab={tab}, #/assets.

const decode = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

// Query parameters of a hash. Unlike URLSearchParams, '+' stays '+': run ids such as
// scheduled__2024-01-01T00:00:00+00:00 may be typed into the address bar as they are.
function parseQuery(text) {
  const values = new Map();
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    if (!values.has(name)) values.set(name, decode(eq < 0 ? '' : part.slice(eq + 1)));
  }
  return { get: (name) => (values.has(name) ? values.get(name) : null) };
}

/** { page, dagId, params } of the current hash. */
export function parseRoute(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/dags';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = parseQuery(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map(decode);
  if (parts[0] === 'assets') return { page: 'assets', params };
  if (parts[0] === 'dags' && parts.length >= 2) return { page: 'dag', dagId: parts.slice(1).join('/'), params };
  return { page: 'dags', params };
}

/** The hash of a DAG page. */
export function dagRoute(dagId, params = {}) {
  const text = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return `/dags/${encodeURIComponent(dagId)}${text ? `?${text}` : ''}`;
}

/** Goes to a route (a hash without '#'); replace keeps the history entry. */
export function navigate(route, { replace = false } = {}) {
  const hash = `#${route}`;
  if (location.hash === hash) return;
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}
