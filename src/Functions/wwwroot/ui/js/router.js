// Hash routes: #/dags, #/dags/{dag_id}?run={run_id}&tab={tab}, #/assets.

/** { page, dagId, params } of the current hash. */
export function parseRoute(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/dags';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'assets') return { page: 'assets', params };
  if (parts[0] === 'dags' && parts.length >= 2) return { page: 'dag', dagId: parts.slice(1).join('/'), params };
  return { page: 'dags', params };
}

/** The hash of a DAG page. */
export function dagRoute(dagId, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, value);
  const text = query.toString();
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
