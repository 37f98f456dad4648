// The REST API at /api/v1 (beside /ui/), called with the API key the user typed (sessionStorage, X-API-Key) and, on
// Azure Functions, the function key the host asks for (sessionStorage, x-functions-key; headers only, never the URL).

const KEY_STORAGE = 'gale.apiKey';
const FUNCTIONS_KEY_STORAGE = 'gale.functionsKey';
const BASE = new URL('../api/v1', document.baseURI).pathname;

export const getApiKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setApiKey = (key) => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE));
export const getFunctionsKey = () => sessionStorage.getItem(FUNCTIONS_KEY_STORAGE);
export const setFunctionsKey = (key) => (key ? sessionStorage.setItem(FUNCTIONS_KEY_STORAGE, key) : sessionStorage.removeItem(FUNCTIONS_KEY_STORAGE));

/** A refused or failed call: status and the problem's detail. */
export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

/** Encodes one path segment (ids may hold ':', '+', '/'). */
export const seg = (value) => encodeURIComponent(value);

/**
 * Calls the API. body: an object (sent as JSON) or { raw: 'text' } (sent as it is, as JSON). Answers the parsed JSON
 * (or text for text/plain). A 401 tells the app to show the login form (event gale:unauthorized) and throws.
 */
export async function api(path, { method = 'GET', body, query, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  const key = getApiKey();
  if (key) headers['X-API-Key'] = key;
  const functionsKey = getFunctionsKey();
  if (functionsKey) headers['x-functions-key'] = functionsKey;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = body && typeof body === 'object' && 'raw' in body ? body.raw : JSON.stringify(body);
  }

  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
    }
    const text = params.toString();
    if (text) url += (url.includes('?') ? '&' : '?') + text;
  }

  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `The API cannot be reached (${e.message}).`, null);
  }

  const type = response.headers.get('Content-Type') || '';
  const text = await response.text();
  let parsed = text;
  if (type.includes('json') && text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }

  if (!response.ok) {
    const detail = (parsed && typeof parsed === 'object' && (parsed.detail || parsed.title)) || text || response.statusText || `HTTP ${response.status}`;
    const error = new ApiError(response.status, detail, parsed);
    if (response.status === 401) window.dispatchEvent(new CustomEvent('gale:unauthorized', { detail: error }));
    throw error;
  }

  return parsed;
}

/** The message to show for an error (an ApiError's detail, or any error's message). */
export const errorText = (e) => (e instanceof ApiError ? e.detail : (e && e.message) || String(e));
